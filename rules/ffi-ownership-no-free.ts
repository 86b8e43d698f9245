import type { CrateModel } from '../src/model/crate.js';
import { leadingAttributes } from '../src/model/attributes.js';
import type { FnInfo } from '../src/model/functions.js';
import { externalMacroArguments } from '../src/model/macros.js';
import { defineRule, FFI_FUNCTIONS } from '../src/rule.js';
import type { Node } from '../src/source.js';
import { asMethodCall, asPathCall, lastOf, unparen } from '../src/syntax.js';
import { escapeRegExp } from '../src/regexp.js';
import { resolveCallee } from '../src/analysis/callees.js';
import { freedBy } from '../src/analysis/frees.js';

/** Owners whose `into_raw` hands memory to C, and what takes it back. */
const OWNERS = new Set(['Box', 'CString', 'Arc', 'Rc', 'String', 'Vec']);
const RELEASES = new Set(['from_raw', 'from_raw_parts', 'decrement_strong_count']);

export default defineRule({
  id: 'ffi-ownership-no-free',
  language: 'rust',
  severity: 'warning',
  summary: 'An exported function hands Rust-allocated memory to C, and nothing exported frees it',
  precision: 'medium',
  docs: {
    what:
      'Flags an exported FFI function that returns memory with `Box::into_raw`, `CString::into_raw`, `Arc::into_raw`, ' +
      '`Box::leak` or a forgotten `Vec`, when the crate exports no function that takes a pointer of that type back and ' +
      'releases it (`Box::from_raw`, `CString::from_raw`, `Arc::from_raw`, `Vec::from_raw_parts`, `drop`).',
    why:
      'Memory allocated by Rust must be freed by Rust (the allocators differ, and `free()` on a Rust pointer is undefined ' +
      'behaviour). Without an exported release function, every object the C side receives leaks, and callers are ' +
      'tempted to call `free()` on it.',
    useInstead: 'Export a matching release function, e.g. `#[no_mangle] pub unsafe extern "C" fn thing_free(p: *mut Thing) { if !p.is_null() { drop(Box::from_raw(p)); } }`, and document it next to the allocating function.',
    example: {
      bad: `#[no_mangle]
pub extern "C" fn parser_new() -> *mut Parser {
    Box::into_raw(Box::new(Parser::default()))
}`,
      good: `#[no_mangle]
pub extern "C" fn parser_new() -> *mut Parser {
    Box::into_raw(Box::new(Parser::default()))
}

/// # Safety
/// \`p\` must come from \`parser_new\` (or be NULL) and is invalid afterwards.
#[no_mangle]
pub unsafe extern "C" fn parser_free(p: *mut Parser) {
    if !p.is_null() {
        drop(Box::from_raw(p));
    }
}`,
    },
    notes: [
      'A release function matches when it is exported, takes a raw pointer to the same type, and calls a `from_raw`-style function. Pointers to `c_char` match `CString::into_raw` and `CString::from_raw`.',
      'When the crate\'s only function that frees C strings calls C\'s `free` (`fn str_unref(s: *mut c_char) { libc::free(s.cast()) }`, right for strings from `libc::strdup`), a string from `CString::into_raw` is reported as freed with the wrong allocator: that is undefined behaviour, not just a leak.',
      'A type handed to a macro ffiguard cannot expand (a procedural macro or another crate\'s macro: `declare_own!(wasm_trap_t)`), or declared under an attribute macro (`#[ffi_type] struct T`), is not reported: the macro may well export its free function.',
    ],
    references: [
      { title: 'std::boxed::Box::into_raw', url: 'https://doc.rust-lang.org/std/boxed/struct.Box.html#method.into_raw' },
      { title: 'std::ffi::CString::into_raw', url: 'https://doc.rust-lang.org/std/ffi/struct.CString.html#method.into_raw' },
    ],
    cwe: ['CWE-401', 'CWE-762'],
  },
  triggers: FFI_FUNCTIONS,
  check({ crate, report }) {
    const exported = [...crate.exportsBySymbol.values()];
    const releasers = exported.filter((fn) => releases(fn, crate, 0));
    const unreleased: { fn: FnInfo; pointee: string; handoff: Handoff }[] = [];
    for (const fn of exported) {
      const pointee = returnedPointee(fn);
      if (!pointee) continue;
      const handoff = findHandoff(fn, pointee);
      if (!handoff) continue;
      if (releasers.some((r) => r !== fn && r.params.some((p) => takesBack(p.type, pointee)))) continue;
      unreleased.push({ fn, pointee, handoff });
    }
    if (unreleased.length === 0) return;
    // A macro ffiguard cannot expand (a procedural macro: `declare_own!(T)`, `#[ffi_type] struct T`) may export T's free function.
    const external = externalMacroArguments(crate, [...new Set(unreleased.map((u) => u.pointee))]);
    const attributed = typesWithMacroAttributes(crate, new Set(unreleased.map((u) => u.pointee)));
    // An export that frees C strings with the C allocator (`dc_str_unref(s) { libc::free(s) }`): the one C callers will use.
    const cFree = exported.find((r) => r.params.some((p) => p.isRawPointer && C_CHARS.has(pointeeName(p.type) ?? '') && freedBy(r, p.name) === 'free'));
    for (const { fn, pointee, handoff } of unreleased) {
      if (external.has(pointee) || attributed.has(pointee)) continue;
      const returned = fn.node.childForFieldName('return_type')!.text.replace(/\s+/g, ' ');
      if (cFree && C_CHARS.has(pointee) && handoff.release === 'CString::from_raw') {
        report({
          file: fn.file,
          node: fn.nameNode,
          message: `\`${fn.name}\` hands a \`${returned}\` from \`${handoff.what}\` to C, and the crate's \`${cFree.name}\`, which frees such strings, calls \`free\`: memory from \`CString::into_raw\` must go back through \`CString::from_raw\` (freeing it with another allocator is undefined behaviour)`,
          help: `allocate the result with the C allocator (\`libc::strdup\` of the CString's bytes) so that \`${cFree.name}\` can free it, or export a function that calls \`CString::from_raw(p)\` and document it as the way to free the result`,
          related: [
            { file: fn.file, node: handoff.node, message: 'ownership leaves Rust here' },
            { file: cFree.file, node: cFree.nameNode, message: 'frees C strings with `free`' },
          ],
        });
        continue;
      }
      report({
        file: fn.file,
        node: fn.nameNode,
        message: `\`${fn.name}\` hands a \`${returned}\` to C (\`${handoff.what}\`), but the crate exports no function that takes it back and frees it`,
        help: handoff.slice
          ? `export \`${suggestName(fn.name)}(p: *mut ${pointee}, len: usize)\` that calls \`drop(Box::from_raw(std::ptr::slice_from_raw_parts_mut(p, len)))\`, and document it as the way to free the result`
          : `export \`${suggestName(fn.name)}(p: *mut ${pointee})\` that calls \`${handoff.release}(p)\`, and document it as the way to free the result`,
        related: [{ file: fn.file, node: handoff.node, message: 'ownership leaves Rust here' }],
      });
    }
  },
});

/** Rust's names for C's `char`. */
const C_CHARS = new Set(['c_char', 'c_uchar', 'c_schar']);

/** Attributes that are no macro a crate could write a free function with. */
const BUILTIN_ATTRIBUTES = new Set(['derive', 'repr', 'allow', 'warn', 'deny', 'forbid', 'expect', 'doc', 'cfg', 'cfg_attr', 'non_exhaustive', 'must_use', 'deprecated', 'automatically_derived', 'rustfmt', 'clippy']);

const TYPE_ITEMS = ['struct_item', 'enum_item', 'union_item'];

/** Which of `names` are structs, enums or unions under an attribute macro (`#[ffi_type]`, `#[wasmtime::c_api]`): it may generate their functions. */
function typesWithMacroAttributes(crate: CrateModel, names: Set<string>): Set<string> {
  const out = new Set<string>();
  // An attribute on a type has no trigger text: every file that declares one of the types is read,
  // parsed if the prefilter left it out.
  const declares = new RegExp(`\\b(?:struct|enum|union)\\s+(?:${[...names].map(escapeRegExp).join('|')})\\b`);
  for (const file of crate.allFiles([/#\[/, declares])) {
    for (const n of file.nodesOfTypes(TYPE_ITEMS, /\b(struct|enum|union)\b/)) {
      const name = n.childForFieldName('name')?.text;
      if (name && names.has(name) && leadingAttributes(n).some((a) => !BUILTIN_ATTRIBUTES.has(a.name.split('::')[0]!))) out.add(name);
    }
  }
  return out;
}

function returnedPointee(fn: FnInfo): string | null {
  const ret = fn.node.childForFieldName('return_type');
  return ret?.type === 'pointer_type' ? pointeeName(ret) : null;
}

/** `*mut Foo` → `Foo`, `*const c_char` → `c_char`, `*mut std::os::raw::c_char` → `c_char`. */
function pointeeName(type: Node): string | null {
  if (type.type !== 'pointer_type') return null;
  const inner = type.childForFieldName('type');
  if (!inner) return null;
  if (inner.type === 'generic_type') return inner.childForFieldName('type')?.text.split('::').pop() ?? null;
  // `*mut *mut Doc` → `*mut Doc` (spaced as Rust writes it: the name goes into the help).
  return inner.type === 'pointer_type' ? inner.text.replace(/\s+/g, ' ') : (inner.text.replace(/\s+/g, '').split('::').pop() ?? null);
}

interface Handoff {
  node: Node;
  what: string;
  /** The call that takes it back. */
  release: string;
  /** A boxed slice (`Box::into_raw(v.into_boxed_slice())`): freeing it needs its length. */
  slice?: boolean;
}

/** `v.into_boxed_slice()`, or a local bound to one. */
function isBoxedSlice(fn: FnInfo, arg: Node): boolean {
  const e = unparen(arg);
  const value = e.type === 'identifier' ? fn.file.letValue(e) : e;
  return !!value && /\binto_boxed_slice\s*\(/.test(value.text);
}

function findHandoff(fn: FnInfo, pointee: string): Handoff | null {
  let found: Handoff | null = null;
  fn.file.walkBody(fn.body!, (n) => {
    if (found) return false;
    const c = asPathCall(n);
    if (c && OWNERS.has(lastOf(c.qualifier)) && (c.name === 'into_raw' || c.name === 'leak')) {
      const owner = lastOf(c.qualifier);
      const release = owner === 'Box' || c.name === 'leak' ? 'Box::from_raw' : `${owner}::from_raw`;
      // A boxed slice goes back whole: its length is part of the pointer Rust frees.
      found = { node: n, what: `${owner}::${c.name}`, release, ...(release === 'Box::from_raw' && c.args[0] && isBoxedSlice(fn, c.args[0]) ? { slice: true } : {}) };
    }
    const m = asMethodCall(n);
    if (m && m.method === 'into_raw' && m.args.length === 0) {
      // A `*mut c_char` made by `.into_raw()` comes from a `CString`, whatever the receiver is called.
      const owner = C_CHARS.has(pointee) || /CString|CStr|c_str|cstr/i.test(m.receiver.text) ? 'CString' : 'Box';
      found = { node: n, what: `.into_raw()`, release: `${owner}::from_raw` };
    }
    return undefined;
  });
  return found;
}

/** A parameter that gives back a `pointee`: `*mut T`/`*const T`, or an owning `Box<T>` / `Option<Box<T>>` (dropped on return). */
function takesBack(type: Node, pointee: string): boolean {
  if (type.type === 'pointer_type') return pointeeName(type) === pointee;
  const m = /^(?:Option\s*<\s*)?Box\s*<\s*(?:[\w:]+::)?(\w+)\s*>\s*>?$/.exec(type.text.replace(/\s+/g, ''));
  return !!m && m[1] === pointee;
}

/**
 * Does the function give memory back to Rust: `Box::from_raw(p)`, `CString::from_raw`,
 * `Vec::from_raw_parts`, `Arc::decrement_strong_count`, an owning `Box<T>` parameter, or a call to a
 * crate helper that does one of these (followed two levels deep)?
 */
function releases(fn: FnInfo, crate: CrateModel, depth: number): boolean {
  if (fn.params.some((p) => /^(Option\s*<\s*)?Box\s*</.test(p.type.text))) return true;
  if (!fn.body || (depth === 0 && !fn.params.some((p) => p.isRawPointer))) return false;
  let found = false;
  fn.file.walkBody(fn.body, (n) => {
    if (found) return false;
    const c = asPathCall(n);
    if (c && RELEASES.has(c.name) && (OWNERS.has(lastOf(c.qualifier)) || lastOf(c.qualifier) === 'CString')) found = true;
    else if (c && depth < 2 && !c.qualifier.includes('::')) {
      // `release(p)`, `Handle::release(p)`: the crate's function that call names (not `Vec::new` because the crate has one `fn new`).
      const helper = resolveCallee(crate.functionsByName, fn, NO_TYPES, n);
      if (helper && releases(helper, crate, depth + 1)) found = true;
    }
    return undefined;
  });
  return found;
}

const NO_TYPES: ReadonlyMap<string, string> = new Map();

function suggestName(name: string): string {
  return name.replace(/_(new|create|alloc|open|build|make|clone|dup|init)$/, '') + '_free';
}
