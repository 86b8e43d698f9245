import { calleeName } from '../src/analysis/callees.js';
import { rawPointerParams } from '../src/analysis/null-checks.js';
import { fnLabel } from '../src/model/functions.js';
import { activeVoice, chainSteps, describeChain, leafOf, uncheckedUses } from '../src/analysis/pointer-helpers.js';
import { placeNamer } from '../src/analysis/places.js';
import { defineRule, FFI_FUNCTIONS } from '../src/rule.js';
import { nodeId } from '../src/node-fields.js';
import { escapeRegExp } from '../src/regexp.js';

/**
 * Do the docs say `name` must not be NULL: `\pre name != NULL`, "`name` must not be null" (on the line
 * that names it: `@param name Rendering options. Must not be NULL.`), "a non-null `name`"?
 */
function requiresNonNull(docs: string, name: string): boolean {
  const n = escapeRegExp(name);
  return new RegExp(`\\b${n}\\b\\W*(!=|≠)\\s*(NULL|null|nullptr)\\b|\\b${n}\\b[^\\n]{0,100}\\b(must not|mustn't|cannot|can't|may not|should not)\\s+be\\s+(NULL|null)\\b|\\bnon-?null\\b[^.\\n]{0,20}\\b${n}\\b|\\b${n}\\b[^.\\n]{0,40}\\bnon-?null\\b`, 'i').test(docs);
}

export default defineRule({
  id: 'ffi-null-deref',
  language: 'rust',
  severity: 'error',
  summary: 'A raw-pointer parameter of an `extern "C"` function is dereferenced without a null check',
  precision: 'high',
  securitySeverity: '8.0',
  docs: {
    what:
      'Flags a `*const T` / `*mut T` parameter of an `extern "C"` function that the body dereferences (`*p`, `&*p`, `(*p).f`, ' +
      '`p.read()`, `ptr::write(p, ..)`) or hands to an API that requires a non-null pointer (`slice::from_raw_parts`, ' +
      '`CStr::from_ptr`, `Box::from_raw`, `Arc::from_raw` ...) at a place that no null check dominates; also one it passes, ' +
      'unchecked, to a function of the crate that dereferences it without a null check of its own.',
    why:
      'C callers pass `NULL` for "no object", after a failed allocation, or by mistake. Dereferencing a null pointer is ' +
      'undefined behaviour in Rust: usually a segmentation fault that takes down the host, sometimes silent memory ' +
      'corruption when the optimiser assumes the pointer was valid. Declaring the function `unsafe` does not help: C ' +
      'callers cannot see it.',
    useInstead:
      'Check the pointer before the first use and return an error value: `if p.is_null() { return ERR; }`, ' +
      '`let Some(obj) = (unsafe { p.as_ref() }) else { return ERR };`, or `match NonNull::new(p) { .. }`. Crate macros and ' +
      'helper functions that perform such a check (like `try_ref_from_ptr!`) are recognised.',
    example: {
      bad: `#[no_mangle]
pub extern "C" fn counter_get(c: *const Counter) -> u64 {
    unsafe { (*c).value }
}`,
      good: `#[no_mangle]
pub extern "C" fn counter_get(c: *const Counter) -> u64 {
    let Some(c) = (unsafe { c.as_ref() }) else { return 0 };
    c.value
}`,
    },
    notes: [
      'A check counts when every path to the dereference passes it: an early `return` on null, the non-null branch of an `if`/`match`, the right side of `!p.is_null() && ..`, `NonNull::new(p)?`, `let .. else`, `assert!(!p.is_null())`. A check on another parameter, or after the dereference, does not count.',
      'Only checks that always run protect what follows them: one nested under another `if`, in a loop body or inside a closure (including the closure a guard macro builds around its body) does not cover the code after it.',
      'A `bool` function of one pointer is a null check when it tests it (`!p.is_null()`), or answers with another check of it: `fn is_handle(p: *const H) -> bool { unsafe { instance_of::<H>(p as *const _) } }`, where gtk-rs\'s `instance_of` asks GLib\'s type check, which answers false for null. An exported `extern "C"` predicate of that shape counts too.',
      'An invocation of one of the crate\'s `macro_rules!` macros that is given the pointer is expanded to see what it does: `return_val_if_fail! { f => ERR; !p.is_null(), }`, written like GLib\'s `g_return_val_if_fail`, returns on null and counts as a check; a macro that only logs a null pointer does not.',
      '`debug_assert!(!p.is_null())` is not a check: it is compiled out of release builds.',
      '`p.as_ref().unwrap()` is not reported here: it panics on null rather than dereferencing it (`panic-across-ffi` reports the panic).',
      'Calls are followed into the crate\'s own functions, in any module, up to three calls deep: `parse(key)` is reported at the call when `parse` dereferences its parameter without checking it, with the dereference in `parse` as a related location. A helper that checks its parameter first (an early return, `as_ref()`, `NonNull::new`) is a null check, not a dereference. An `unsafe fn` helper whose `# Safety` section requires a non-null pointer still counts: the C caller never sees that contract. Other `extern "C"` functions are reported on their own and not followed.',
      'A pointer that comes with a length is not reported where it is only used when that length is non-zero: `if len == 0 { &[] } else { slice::from_raw_parts(p, len) }` (in the FFI function or a helper it passes both to), `(0..len).map(|i| p.add(i).read())`, `for i in 0..len { *p.add(i) }`, after `if len == 0 { return .. }`. C APIs that take (pointer, length) pairs allow NULL only with a length of 0 (the wasm C API says so); NULL with a non-zero length is a wrong length, a caller bug no check in the callee can catch. The length must be an integer parameter C supplies, used as the pointer\'s length (both passed to `slice::from_raw_parts`, `ptr::copy` and the like, or to a helper that does so, or the pointer used per element of `..len`). `slice::from_raw_parts(p, len)` without such a branch is still reported: it requires a non-null pointer even for a length of 0.',
      'A non-exported `extern "C"` callback that the crate hands to C together with a pointer it made itself with `Box::into_raw` (two fields of one struct literal, `Closure { context: Box::into_raw(b) as *mut c_void, call: Some(call::<F>) }`, or two arguments of one call) gets that pointer back from C: its single `void *` parameter is the crate\'s own allocation, an ownership contract rather than caller input, and is not reported. A callback handed to C with a pointer the crate did not allocate (the caller\'s `user_data`), or with two `void *` parameters, is checked. Non-exported `extern` functions that only Rust calls (directly or through a `static` array of function pointers) are not FFI entry points and are not checked on their own.',
      '`&T`, `Option<&T>` and `NonNull<T>` parameters are not raw pointers and are never reported. Local copies (`let q = p as *mut T`) are followed.',
      'One finding per parameter, at the first unchecked use; later uses are related locations.',
    ],
    references: [
      { title: 'std::ptr: safety', url: 'https://doc.rust-lang.org/std/ptr/index.html#safety' },
      { title: 'Clippy: not_unsafe_ptr_arg_deref', url: 'https://rust-lang.github.io/rust-clippy/master/index.html#not_unsafe_ptr_arg_deref' },
    ],
    cwe: ['CWE-476'],
  },
  triggers: FFI_FUNCTIONS,
  check({ crate, report }) {
    for (const fn of crate.ffiFunctions) {
      const where = placeNamer(crate, fn.file);
      for (const { param, ptr } of rawPointerParams(fn, crate)) {
        const unchecked = uncheckedUses(fn, ptr, crate);
        const first = unchecked[0];
        if (!first) continue;
        const line = fn.file.line(first.node);
        const more = unchecked.length > 1 ? ` (and ${unchecked.length - 1} more use${unchecked.length > 2 ? 's' : ''})` : '';
        // A helper that tests the pointer but dereferences it anyway is a use, not a check.
        const usedAt = new Set(unchecked.map((u) => nodeId(u.node)));
        const tests = ptr.nullTests().filter((t) => !usedAt.has(nodeId(t.node)));
        const real = tests.filter((t) => !t.debugOnly);
        const earlier = real.filter((t) => t.node.startIndex < first.node.startIndex);
        // Say why the checks the author did write do not count: that is the part they will dispute.
        const missing = tests.length === 0 ? 'never checked for null' : real.length === 0 ? 'only checked by `debug_assert!`, which release builds leave out' : null;
        const why = missing
          ? `but ${first.helper ? 'it is ' : ''}${missing}`
          : earlier.length === 0
            ? `before its null check at line ${fn.file.line(real[0]!.node)}`
            : `but the null check at line ${fn.file.line(earlier[earlier.length - 1]!.node)} does not cover this path`;
        const subject = `parameter \`${param.name}\` of ${fnLabel(fn)}${first.via ? ` (as \`${first.via}\`)` : ''}`;
        // A helper's use is elsewhere: name the helper and the place it dereferences, then say why the call is unguarded.
        const message = first.helper ? `${subject} is ${describeChain(first, where)}, ${why}${more}` : `${subject} is ${first.how} at line ${line} ${why}${more}`;
        const leaf = leafOf(first, fn);
        // The docs may state the contract (`\pre src != NULL`, "must not be null"): nothing enforces it.
        const documented = requiresNonNull(fn.docs, param.name) ? ' (the docs require it non-null, but a caller that breaks that gets undefined behaviour, not an error)' : '';
        report({
          file: fn.file,
          node: first.node,
          message: message + documented,
          help: `return early when \`${param.name}.is_null()\`, or convert it with \`${param.name}.as_ref()\` / \`NonNull::new(${param.name})\` and handle \`None\``,
          related: [
            { file: fn.file, node: param.node, message: `\`${param.name}\` is a raw pointer that C may pass as NULL` },
            ...(first.helper
              ? [
                  ...chainSteps(first),
                  { file: leaf.fn.file, node: leaf.use.node, message: `\`${calleeName(leaf.fn)}()\` ${activeVoice(leaf.use.how, `\`${leaf.param}\``)} here without a null check` },
                ]
              : []),
            ...unchecked.slice(1, 11).map((d) => ({ file: fn.file, node: d.node, message: `also ${d.how} here without a null check` })),
          ],
        });
      }
    }
  },
});
