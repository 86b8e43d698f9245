/**
 * Which function of the crate a call names, for analyses that follow calls into the crate's own
 * helpers (panic reachability, pointers handed to helpers). Only calls that can be named with
 * confidence resolve: a unique free function for `f(..)` / `module::f(..)`, a unique method of the
 * named type for `Type::f(..)` / `Self::f(..)` / `x.f(..)` when `x`'s type is declared, else a unique
 * method of that name that std types do not also have. Of definitions written for different builds (`#[cfg(feature = "x")]` and `#[cfg(not(feature = "x"))]`,
 * `#[cfg(windows)]` and `#[cfg(not(windows))]`), the one a release build for Linux on x86-64 with every
 * feature on compiles. Everything else (std, other crates, ambiguous names) is left alone.
 */
import type { FnInfo, Param } from '../model/functions.js';
import type { Node } from '../source.js';
import { asMethodCall, asPathCall, lastSegment, patternBindings, unparen } from '../syntax.js';
import { cfgEnabled } from '../model/attributes.js';
import { sameNode } from '../node-fields.js';

/**
 * Method names of std types (collections, `Option`, `Result`, iterators, strings, locks, I/O). A call
 * of one of these on a receiver of unknown type is more likely std than the crate's method of the
 * same name, so it is not followed.
 */
const STD_METHOD_NAMES = new Set([
  'get', 'get_mut', 'len', 'is_empty', 'insert', 'remove', 'push', 'pop', 'clear', 'contains', 'contains_key',
  'iter', 'iter_mut', 'into_iter', 'next', 'map', 'and_then', 'filter', 'as_ref', 'as_mut', 'clone', 'to_string',
  'to_owned', 'as_str', 'as_bytes', 'as_ptr', 'as_mut_ptr', 'as_slice', 'write', 'read', 'flush', 'lock', 'send',
  'recv', 'join', 'first', 'last', 'find', 'parse', 'take', 'replace', 'extend', 'append', 'drain', 'split', 'entry',
  'keys', 'values', 'from', 'into', 'eq', 'cmp', 'partial_cmp', 'hash', 'fmt', 'drop', 'deref', 'borrow', 'set',
  'load', 'store', 'swap', 'sort', 'reserve', 'truncate', 'resize', 'count', 'sum', 'collect', 'for_each', 'poll',
  'wait', 'notify_one', 'notify_all', 'to_vec', 'copy_to', 'add', 'sub', 'mul', 'div', 'rem', 'offset', 'cast', 'is_null', 'is_some', 'is_none',
  'is_ok', 'is_err', 'ok', 'err', 'unwrap_or', 'unwrap_or_default', 'unwrap_or_else', 'expect', 'unwrap', 'min', 'max',
  'to_uppercase', 'to_lowercase', 'to_ascii_uppercase', 'to_ascii_lowercase', 'trim', 'trim_start', 'trim_end', 'chars', 'bytes',
  'lines', 'starts_with', 'ends_with', 'split_whitespace', 'repeat', 'concat', 'chunks', 'windows', 'position', 'any', 'all',
]);

/** Smart pointers a method call sees through (auto-deref). */
const DEREF_WRAPPERS = new Set(['Box', 'Arc', 'Rc', 'Pin', 'ManuallyDrop']);

const PRIMITIVES = new Set(['u8', 'u16', 'u32', 'u64', 'u128', 'usize', 'i8', 'i16', 'i32', 'i64', 'i128', 'isize', 'f32', 'f64', 'bool', 'char', 'str']);

/**
 * A call to a function of this crate that we can name with confidence. `types` maps the caller's
 * parameters and annotated locals to the type a method call on them resolves against (`declaredTypes`).
 */
const CONVERSION_METHODS = new Set(['from', 'try_from', 'into', 'try_into', 'from_str', 'from_iter', 'default', 'clone', 'as_ref', 'as_mut', 'borrow', 'deref', 'eq', 'cmp', 'partial_cmp', 'hash', 'fmt', 'drop']);

/**
 * Functions by name. An index that can also answer "the functions of this name an `impl` of this
 * type may hold" (the crate model's, which parses fewer left-out files for that) says so with `inImplOf`.
 */
export interface FunctionLookup extends ReadonlyMap<string, FnInfo[]> {
  inImplOf?(name: string, type: string): FnInfo[] | undefined;
}

export function resolveCallee(functionsByName: FunctionLookup, caller: FnInfo, types: ReadonlyMap<string, string>, call: Node): FnInfo | null {
  const path = asPathCall(call);
  const method = path ? null : asMethodCall(call);
  const name = path?.name ?? method?.method;
  if (!name) return null;
  // What cannot be the crate's own is rejected before the lookup, which may parse files (see FunctionIndex).
  const qualifier = path ? (path.qualifier.split('::').pop() ?? '') : '';
  if (path && (/^(std|core|alloc)(::|$)/.test(path.qualifier) || PRIMITIVES.has(qualifier))) return null;
  const receiver = method ? unparen(method.receiver) : null;
  const type = !receiver ? undefined : receiver.type === 'self' ? caller.implType : receiver.type === 'identifier' ? types.get(receiver.text) : pointeeType(caller, receiver);
  if (method && !type && STD_METHOD_NAMES.has(name)) return null;
  // `Type::f` / `Self::f` name an impl; `module::f`, `crate::f` and a bare `f` name a free function.
  const typed = path ? (qualifier === 'Self' ? caller.implType : /^[A-Z]/.test(qualifier) ? qualifier : null) : type;
  const found = typed && functionsByName.inImplOf ? functionsByName.inImplOf(name, typed) : functionsByName.get(name);
  const candidates = (found ?? []).filter((f) => f.body && !sameNode(f.node, caller.node));
  if (candidates.length === 0) return null;
  if (path) {
    let matching = candidates.filter((f) => (typed ? f.implType === typed : !f.hasSelf && !f.implType));
    // `Val::from(x)`: which `impl From<..> for Val` runs depends on `x`'s type, and std or other crates
    // may provide it; a conversion trait's method is never resolved by name alone.
    if (CONVERSION_METHODS.has(name)) matching = matching.filter((f) => !f.inTrait);
    if (!typed && qualifier && !['crate', 'self', 'super'].includes(qualifier)) matching = matching.filter((f) => moduleName(f) === qualifier);
    return only(matching);
  }
  const methods = candidates.filter((f) => f.hasSelf);
  if (type) return only(methods.filter((f) => f.implType === type));
  return only(methods);
}

const CFG = /\bcfg\b/;

/**
 * The one candidate; of alternatives written for different builds (`#[cfg(feature = "gc")] fn to_val`
 * beside `#[cfg(not(feature = "gc"))] fn to_val`, a `#[cfg(windows)]` and a `#[cfg(not(windows))]`
 * version), the one the reference build compiles: release, Linux on x86-64, every feature on.
 */
function only(candidates: FnInfo[]): FnInfo | null {
  if (candidates.length === 1) return candidates[0]!;
  // Alternatives of one function: the same name in the same impl (or none), each under a cfg.
  if (candidates.length === 0 || !candidates.every((f) => f.implType === candidates[0]!.implType && f.file.says(CFG))) return null;
  const cfgs = candidates.map((f) => f.attributes.filter((a) => a.name === 'cfg').map((a) => a.args));
  if (!cfgs.every((c) => c.length === 1)) return null;
  const on = cfgs.map((c) => cfgEnabled(c[0]!, 'reference'));
  // Exactly one compiled, and each other one known not to be.
  return on.filter((x) => x === true).length === 1 && on.every((x) => x !== undefined) ? candidates[on.indexOf(true)]! : null;
}

/**
 * The parameter of `callee` that receives argument `index` of `call`: `Type::m(obj, p)` passes the
 * receiver first. Undefined for `self`, patterns that bind several names, and variadic arguments.
 */
export function parameterFor(callee: FnInfo, call: Node, index: number): Param | undefined {
  const i = callee.hasSelf && asPathCall(call) ? index - 1 : index;
  const declared = callee.node.childForFieldName('parameters')?.namedChildren.filter((p) => p.type === 'parameter') ?? [];
  const node = declared[i];
  return node && callee.params.find((p) => sameNode(p.node, node));
}

/**
 * Types of the parameters and annotated locals of a function body, for resolving method calls on them.
 * A name rebound without a type annotation has no known type (one map serves the whole body).
 */
export function declaredTypes(fn: FnInfo): Map<string, string> {
  const types = new Map<string, string>();
  for (const p of fn.params) {
    const t = typeName(p.type);
    if (t) types.set(p.name, t);
  }
  if (!fn.body) return types;
  fn.file.walkBody(fn.body, (n) => {
    if (n.type !== 'let_declaration') return undefined;
    const name = localName(n);
    const type = n.childForFieldName('type');
    const t = type && typeName(type);
    if (name && t) types.set(name, t);
    // `let Some(h) = h.as_mut() else ..`, `let h = &mut *h;`: the name now holds a value of another type.
    else for (const bound of patternBindings(n.childForFieldName('pattern'))) types.delete(bound);
    return undefined;
  });
  return types;
}

/** The name a `let` binds, for `let x` and `let mut x`. */
export function localName(letDecl: Node): string | undefined {
  const pattern = letDecl.childForFieldName('pattern');
  return pattern?.type === 'identifier' ? pattern.text : pattern?.type === 'mut_pattern' ? pattern.namedChild(0)?.text : undefined;
}

/** `helper`, or `Db::row` for a method or associated function: how a callee reads in a message. */
export function calleeName(fn: FnInfo): string {
  return fn.implType && !fn.inTrait ? `${fn.implType}::${fn.name}` : fn.name;
}

/** The name of the module a function is defined in: its inline `mod`, else its file (`a/mod.rs` → `a`; '' for the crate root). */
function moduleName(fn: FnInfo): string {
  for (const a of fn.file.ancestors(fn.node)) if (a.type === 'mod_item') return a.childForFieldName('name')?.text ?? '';
  const parts = fn.file.path.split(/[\\/]/);
  const stem = parts[parts.length - 1]!.replace(/\.rs$/, '');
  if (stem === 'mod') return parts[parts.length - 2] ?? '';
  return stem === 'lib' || stem === 'main' ? '' : stem;
}

/**
 * `(*p).method()` on a raw-pointer parameter `p: *const Foo`: `Foo`. Also in `let p = (*p).as_slice();`,
 * whose `p` is still the parameter (no `let` before the call binds the name).
 */
function pointeeType(caller: FnInfo, receiver: Node): string | undefined {
  if (receiver.type !== 'unary_expression' || receiver.child(0)?.type !== '*' || !receiver.namedChild(0)) return undefined;
  const operand = unparen(receiver.namedChild(0)!);
  if (operand.type !== 'identifier' || caller.file.letValue(operand) !== null) return undefined;
  const param = caller.params.find((p) => p.name === operand.text);
  const pointee = param?.type.type === 'pointer_type' ? param.type.childForFieldName('type') : null;
  return (pointee && typeName(pointee)) ?? undefined;
}

/** The type a method call on a value of this declared type resolves against: `&mut Box<Foo>` → `Foo`. */
function typeName(type: Node): string | null {
  switch (type.type) {
    case 'pointer_type':
      // Raw pointers have no auto-deref: `p.add(1)` is the pointer's own method.
      return '*';
    case 'reference_type': {
      const inner = type.childForFieldName('type');
      return inner ? typeName(inner) : null;
    }
    case 'generic_type': {
      const base = lastSegment(type.childForFieldName('type')) ?? type.childForFieldName('type')?.text ?? null;
      const arg = type.childForFieldName('type_arguments')?.namedChild(0);
      if (base && DEREF_WRAPPERS.has(base) && arg) return typeName(arg);
      return base;
    }
    case 'type_identifier':
    case 'primitive_type':
      return type.text;
    case 'scoped_type_identifier':
      return type.childForFieldName('name')?.text ?? null;
    case 'array_type':
      return '[]';
    default:
      return null;
  }
}
