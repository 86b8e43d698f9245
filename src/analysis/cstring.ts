/** Recognising owned C strings built in place: `CString::new(x).unwrap()` and the like. */
import type { Node } from '../source.js';
import { asMethodCall, asPathCall, lastOf, unparen } from '../syntax.js';

const CONSTRUCTORS = new Set(['new', 'from', 'from_vec_unchecked', 'from_vec_with_nul', 'from_vec_with_nul_unchecked', 'default', 'from_raw']);
const UNWRAPS = new Set(['unwrap', 'expect', 'unwrap_or_default', 'unwrap_unchecked', 'unwrap_or', 'unwrap_or_else']);

/** `CString::new(..)` (or `std::ffi::CString::from(..)` ...): the call, when `expr` is one. */
export function cstringConstructor(expr: Node): ReturnType<typeof asPathCall> {
  const c = asPathCall(unparen(expr));
  return c && lastOf(c.qualifier) === 'CString' && CONSTRUCTORS.has(c.name) ? c : null;
}

/** An expression that produces a fresh `CString` value (not a place): `CString::new(s).unwrap()`, `CString::new(s)?`. */
export function isTemporaryCString(expr: Node): boolean {
  const e = unparen(expr);
  if (cstringConstructor(e)) return asPathCall(e)!.name !== 'new' && asPathCall(e)!.name !== 'from_vec_with_nul';
  if (e.type === 'try_expression') return !!cstringConstructor(e.namedChild(0)!);
  const m = asMethodCall(e);
  return !!m && UNWRAPS.has(m.method) && !!cstringConstructor(m.receiver);
}
