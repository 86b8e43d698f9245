/**
 * Who can call a non-exported `extern "C"` function. Without `#[no_mangle]` / `export_name` C cannot
 * link against it: it is called from C only if the crate hands its address to C. Where the crate names
 * the function tells how:
 *
 * - `rust-only`: every mention is a direct call, or an element of a `static`/`const` array (a dispatch
 *   table of kernels, `[Option<KernelFn>; N]`, indexed and called from Rust). The function is `extern`
 *   only to share a function-pointer type with assembly or C kernels.
 * - `owned-context`: the crate hands it to C next to a pointer it made itself with `Box::into_raw`
 *   (`Closure { call: Some(call::<F>), context: Box::into_raw(b) as *mut c_void }`, or both as
 *   arguments of one call): C calls it back with that pointer, so its one `void *` parameter holds the
 *   crate's own allocation, not caller input.
 * - otherwise C may call it with anything (a callback passed to a C function, stored in a struct, a
 *   name the analysis cannot see, or never mentioned at all).
 */
import type { Node, SourceFile } from '../source.js';
import { asMethodCall, asPathCall, lastSegment, unparen } from '../syntax.js';
import type { FnInfo } from './functions.js';
import { sameNode } from '../node-fields.js';

export type Reach =
  | { kind: 'c' }
  | { kind: 'rust-only'; file: SourceFile; node: Node }
  | { kind: 'owned-context'; param: string; file: SourceFile; node: Node };

type Mention = { kind: 'call' | 'neutral' | 'table' | 'escape' } | { kind: 'owned'; node: Node };

/** Where a name occurs in the crate's text: a file (or expansion) and an offset in it. */
export interface Occurrence {
  file: SourceFile;
  offset: number;
}

/**
 * Every occurrence of each of `names` in `files`, found in one pass over each text (a regex per name
 * and file would make a crate with thousands of callbacks quadratic).
 */
export function occurrences(names: readonly string[], files: readonly SourceFile[]): Map<string, Occurrence[]> {
  const out = new Map<string, Occurrence[]>();
  if (names.length === 0) return out;
  const pattern = new RegExp(`(?<![\\w$])(${names.join('|')})(?![\\w$])`, 'g');
  for (const file of files) {
    for (const m of file.text.matchAll(pattern)) {
      const list = out.get(m[1]!);
      if (list) list.push({ file, offset: m.index });
      else out.set(m[1]!, [{ file, offset: m.index }]);
    }
  }
  return out;
}

/** How a non-exported `extern` function is reached, from every place the crate names it (`mentions`: see `occurrences`). */
export function reachOf(fn: FnInfo, mentions: readonly Occurrence[]): Reach {
  const scope = enclosingBlock(fn);
  const searched = scope ? mentions.filter((m) => m.file === fn.file && m.offset >= scope.startIndex && m.offset < scope.endIndex) : mentions;
  let table: { file: SourceFile; node: Node } | undefined;
  let call: { file: SourceFile; node: Node } | undefined;
  let owned: { file: SourceFile; node: Node } | undefined;
  for (const { file, offset: at } of searched) {
    const node = identifierAt(file, at, at + fn.name.length);
    if (!node) return { kind: 'c' };
    if (node.type !== 'identifier') continue; // a comment, a string, a field or type name
    const mention = classify(file, node);
    if (mention.kind === 'escape') return { kind: 'c' };
    if (mention.kind === 'table') table ??= { file, node };
    else if (mention.kind === 'call') call ??= { file, node };
    else if (mention.kind === 'owned') owned ??= { file, node: mention.node };
  }
  if (owned) {
    const voids = fn.params.filter((p) => p.isRawPointer && /\bc_void\s*$/.test(p.type.text));
    return voids.length === 1 ? { kind: 'owned-context', param: voids[0]!.name, ...owned } : { kind: 'c' };
  }
  const rust = table ?? call;
  return rust ? { kind: 'rust-only', ...rust } : { kind: 'c' };
}

/** The block a nested `fn` is declared in (its name is visible only there); null for an item of a module. */
function enclosingBlock(fn: FnInfo): Node | null {
  for (const a of fn.file.ancestors(fn.node)) if (a.type === 'block') return a;
  return null;
}

/** The identifier at `[start, end)`, looking into the re-parsed arguments of macro invocations; null when it sits in tokens no parse explains. */
function identifierAt(file: SourceFile, start: number, end: number): Node | null {
  let node = file.root.descendantForIndex(start, end);
  for (;;) {
    let macro: Node | null = null;
    for (let a = node.parent; a; a = a.parent) {
      if (a.type === 'macro_invocation') {
        macro = a;
        break;
      }
      if (a.type === 'macro_definition') return null;
    }
    if (!macro || node.type !== 'identifier' || !inTokenTree(node, macro)) return node;
    const root = file.expansion(macro);
    if (!root) return null;
    const inner = root.descendantForIndex(start, end);
    if (inner.startIndex !== start || inner.endIndex !== end) return null;
    node = inner;
  }
}

function inTokenTree(node: Node, macro: Node): boolean {
  for (let a = node.parent; a && !sameNode(a, macro); a = a.parent) if (a.type === 'token_tree') return true;
  return false;
}

function classify(file: SourceFile, ident: Node): Mention {
  const parent = file.parent(ident);
  if (!parent) return { kind: 'escape' };
  // The definition itself, another function's name, a binding in a pattern, a `use`.
  if ((parent.type === 'function_item' || parent.type === 'function_signature_item') && sameNode(parent.childForFieldName('name'), ident)) return { kind: 'neutral' };
  if (/pattern$/.test(parent.type) || parent.type === 'let_declaration' || parent.type === 'parameter') return { kind: 'neutral' };
  let e: Node = ident;
  for (let p = file.parent(e); p && (p.type === 'scoped_identifier' || p.type === 'generic_function'); p = file.parent(e)) e = p;
  for (const a of file.ancestors(e)) if (a.type === 'use_declaration') return { kind: 'neutral' };
  const holder = file.parent(e);
  if (holder?.type === 'call_expression' && sameNode(holder.childForFieldName('function'), e)) return { kind: 'call' };
  // The value as handed on: `Some(f)`, `f as Cb`, `(f)`.
  let value = e;
  for (let p = file.parent(value); p; p = file.parent(value)) {
    if (p.type === 'parenthesized_expression' || p.type === 'type_cast_expression') value = p;
    else if (p.type === 'arguments' && isSomeCall(file.parent(p))) value = file.parent(p)!;
    else break;
  }
  const at = file.parent(value);
  if (at?.type === 'field_initializer') {
    const list = file.parent(at);
    const siblings = list ? list.namedChildren.filter((c) => c.type === 'field_initializer' && !sameNode(c, at)).map((c) => c.childForFieldName('value')) : [];
    return siblings.some((v) => v && ownedPointer(file, v)) ? { kind: 'owned', node: list!.parent ?? list! } : { kind: 'escape' };
  }
  if (at?.type === 'arguments') {
    const siblings = at.namedChildren.filter((c) => !sameNode(c, value));
    return siblings.some((v) => ownedPointer(file, v)) ? { kind: 'owned', node: file.parent(at) ?? at } : { kind: 'escape' };
  }
  if (inArrayTable(file, value)) return { kind: 'table' };
  return { kind: 'escape' };
}

function isSomeCall(n: Node | null): boolean {
  return !!n && n.type === 'call_expression' && lastSegment(n.childForFieldName('function')) === 'Some';
}

/** Inside the initializer of a `static`/`const` whose type is an array, and in no struct literal on the way. */
function inArrayTable(file: SourceFile, value: Node): boolean {
  for (const a of file.ancestors(value)) {
    if (a.type === 'struct_expression' || a.type === 'function_item' || a.type === 'closure_expression') return false;
    if (a.type === 'static_item' || a.type === 'const_item') return a.childForFieldName('type')?.type === 'array_type';
  }
  return false;
}

/**
 * `Box::into_raw(..)` / `Arc::into_raw(..)` (through casts, `.cast()`, and a `NonNull` made of it:
 * `NonNull::new(Box::into_raw(b)).unwrap().as_ptr()`), or a local bound to one in the enclosing function.
 */
function ownedPointer(file: SourceFile, expr: Node, depth = 0): boolean {
  let e = unparen(expr);
  for (;;) {
    if (e.type === 'type_cast_expression') {
      e = unparen(e.childForFieldName('value')!);
      continue;
    }
    const m = asMethodCall(e);
    if (m && POINTER_KEEPING.has(m.method) && m.args.length === (m.method === 'expect' ? 1 : 0)) {
      e = unparen(m.receiver);
      continue;
    }
    const wrap = asPathCall(e);
    if (wrap && /(^|::)NonNull$/.test(wrap.qualifier) && (wrap.name === 'new' || wrap.name === 'new_unchecked') && wrap.args.length === 1) {
      e = unparen(wrap.args[0]!);
      continue;
    }
    break;
  }
  const c = asPathCall(e);
  if (c && c.name === 'into_raw' && /(^|::)(Box|Arc|Rc)$/.test(c.qualifier)) return true;
  if (e.type !== 'identifier' || depth > 2) return false;
  const value = file.letValue(e, true);
  return !!value && ownedPointer(file, value, depth + 1);
}

/** Methods that give the same pointer back, as another type: `.cast()`, `NonNull::as_ptr`, and the `unwrap` of `NonNull::new`. */
const POINTER_KEEPING = new Set(['cast', 'cast_mut', 'cast_const', 'as_ptr', 'unwrap', 'expect']);

