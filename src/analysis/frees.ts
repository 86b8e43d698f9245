/** How a function gives memory it is handed back to an allocator. */
import type { FnInfo } from '../model/functions.js';
import { asPathCall, lastOf, mentions } from '../syntax.js';

/**
 * The deallocator `fn` hands its parameter `name` to, if any: C's (`libc::free(s)`, `free(s.cast())`)
 * or Rust's for a C string (`CString::from_raw(s)`).
 */
export function freedBy(fn: FnInfo, name: string): 'free' | 'CString::from_raw' | undefined {
  if (!fn.body) return undefined;
  let found: 'free' | 'CString::from_raw' | undefined;
  fn.file.walkBody(fn.body, (n) => {
    if (found) return false;
    const c = asPathCall(n);
    if (!c || !c.args[0] || !mentions(c.args[0], name)) return undefined;
    if (c.name === 'free' && /^(libc|)$/.test(lastOf(c.qualifier))) found = 'free';
    else if (c.name === 'from_raw' && lastOf(c.qualifier) === 'CString') found = 'CString::from_raw';
    return undefined;
  });
  return found;
}
