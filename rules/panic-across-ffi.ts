import { panicConsequence, panicHelp, rethrowHelp } from '../src/analysis/consequence.js';
import { PanicAnalysis, type PanicSite } from '../src/analysis/panic.js';
import type { CrateModel } from '../src/model/crate.js';
import { ExpandedSource } from '../src/model/expand.js';
import { generatedNote, mayUnwind, type FnInfo } from '../src/model/functions.js';
import { crateRelative, placeNamer } from '../src/analysis/places.js';
import { defineRule, FFI_FUNCTIONS } from '../src/rule.js';
import type { Node, SourceFile } from '../src/source.js';
import { sameNode } from '../src/node-fields.js';

export default defineRule({
  id: 'panic-across-ffi',
  language: 'rust',
  severity: 'error',
  summary: 'An `extern "C"` function can panic outside `catch_unwind`',
  precision: 'high',
  securitySeverity: '7.5',
  docs: {
    what:
      'Flags an `extern "C"` (or `"system"`, or bare `extern`) function whose body can panic at a place that no panic boundary covers: ' +
      '`.unwrap()`, `.expect()`, `panic!`/`assert!`/`unreachable!`/`todo!`, `resume_unwind`, indexing, integer division by a non-constant, ' +
      'or a call to a function of the same crate that can panic. A boundary is `std::panic::catch_unwind` (under any alias), a macro or ' +
      'function of the crate whose own body runs the code it is given under `catch_unwind` without re-raising the panic, or a ' +
      'configured guard of another crate (`ffi_helpers::catch_panic`), or one a dependency is known to provide (jni 0.22 and later: `EnvUnowned::with_env`, which turns a panic into a Java exception).',
    why:
      'A panic cannot unwind into C. Since Rust 1.81 a panic that reaches an `extern "C"` boundary aborts the whole host ' +
      'process (a Python interpreter, a Node server, a game); before 1.81 it was undefined behaviour. With ' +
      '`panic = "abort"` in the release profile every panic aborts, and `catch_unwind` catches nothing.',
    useInstead:
      'Handle failures without panicking and return an error value to C. Where a panic cannot be ruled out, run the body ' +
      'inside `std::panic::catch_unwind` (or the crate\'s own boundary macro) and turn a caught panic into an error code. ' +
      'Functions meant to unwind into C++ can use `extern "C-unwind"`.',
    example: {
      bad: `#[no_mangle]
pub extern "C" fn config_port(path: *const c_char) -> i32 {
    let path = unsafe { CStr::from_ptr(path) }.to_str().unwrap();
    load(path).port as i32
}`,
      good: `#[no_mangle]
pub extern "C" fn config_port(path: *const c_char) -> i32 {
    std::panic::catch_unwind(|| {
        let path = unsafe { CStr::from_ptr(path) }.to_str().ok()?;
        Some(load(path).port as i32)
    })
    .ok()
    .flatten()
    .unwrap_or(-1)
}`,
    },
    notes: [
      'A body with nothing that can panic is not reported, and calls into other crates are assumed not to panic: ffiguard cannot see their code, and flagging every call would bury the real findings. Calls to functions of the scanned crate are followed up to four levels deep, also into functions a crate `macro_rules!` macro writes at item level (`map_enum!(map_level, ..)` writing `fn map_level`); recursion ends the search without a finding. Of versions of a function written for different builds (`#[cfg(windows)]` and `#[cfg(not(windows))]`, `#[cfg(feature = \"x\")]` and `#[cfg(not(feature = \"x\"))]`), the one a release build for Linux on x86-64 with every feature on compiles is followed.',
      'Integer `+`, `-`, `*`, `<<`, `>>` and negation only count when `[profile.release] overflow-checks = true` (they wrap silently in release builds otherwise); constant expressions and float arithmetic never count. `debug_assert!` and its arguments do not count: they are compiled out of release builds, and so is a statement, match arm or function under `#[cfg(debug_assertions)]` (or `cfg(all(.., debug_assertions))`) or `#[cfg(test)]`, which does not count either.',
      'A boundary only covers the code it runs: a `.unwrap()` before `catch_unwind(..)`, an argument evaluated before a boundary function is called, `catch_unwind(..).unwrap()` or `resume_unwind(..)` (which re-raise the panic) are still reported. A macro that only installs a panic hook is no boundary.',
      'A closure bound to a local and only ever handed to a boundary (`let work = || ..; catch_unwind(work)`) counts as guarded. A closure or async block handed to `std::thread::spawn` or a tokio spawner runs on another thread, where a panic ends that thread or task, not the call from C.',
      'A closure the call builds but does not run is not part of it: one the function returns (`fn to_rust_fn(..) -> impl Fn(..) { move |..| .. }`), boxes (`Box::new(|..| ..)`), stores in a struct field or assigns to one, or hands to a constructor or a registering method: a function or method named `new`/`wrap` (or `*_new`, `new_*`, `*_wrap`, `Func::new(store, ty, |..| ..)`), `set_*`, `on_*`, `add_*`, `register*`, `subscribe*`, or containing `callback`, `handler`, `hook` or `listener` (`store.epoch_deadline_callback(|..| ..)`, `add_to_linker(&mut linker, |cx| ..)`). The host runs it later, where its panic is reported if the code that runs it is in the crate. A closure handed to any other call (iterator adaptors, `Option`/`Result` combinators, `get_or_init`, `Rc::new_cyclic`, crate helpers) is taken to run during the call. A scope guard built with `Guard::new(|| ..)` runs at the end of the call and is missed.',
      'An index, `.unwrap()` or division after a test of the same value (`if i >= v.len() { return .. }`, `for i in 0..v.len()`, `if v.is_empty() { .. }`, `if x.is_none() { return .. }`, `if d == 0 { return .. }`, `r.unwrap_err()` in the `else` of `if let Ok(..) = r`) is taken as checked: ffiguard does not follow control flow, so any earlier test of that value counts. Nor are these indexes: a slice bound clamped to the slice\'s own length (`let n = want.min(v.len()); &v[..n]`, not `v[n]` nor `v[..=n]`), a copy between slices cut to the same bound (`a[..n].copy_from_slice(&b[..n])`), and a map indexed by one of its own keys (`for k in m.keys() { m[k] }`, also through a collected and sorted `Vec`). `p.as_ref().unwrap()` (or `.expect(..)`, `as_mut`) on a raw-pointer parameter fails only on null, and does not count after a null check of `p`, nor on a pointer made from a reference (`let p = &obj as *const T;`, `ptr::addr_of!(obj)`). A called function\'s `assert!(!p.is_null())` or `p.as_ref().unwrap()` on a raw pointer it is handed does not count when the caller checked that pointer for null before the call (`if p.is_null() { return -1; }`), through any helpers that pass it on. In a file that imports `BorrowMut`, `.borrow_mut()` is taken as the trait method, not `RefCell::borrow_mut`.',
      'With `panic = "abort"` sites inside boundaries are reported too, since `catch_unwind` catches nothing then, and the help does not suggest one.',
      'A WebAssembly guest (a package depending on `wit-bindgen`, `wasm-bindgen`, `wasi`, `wasip1` or `wasip2` outside any `[target]` table, and not as an optional dependency) is not checked: wasm32 targets abort on panic, so a panic in an `extern "C"` export traps the instance, which its host reports as an error, and neither unwinds into the caller nor aborts the host process.',
      'A non-exported `extern` function that the crate never hands to C is not an FFI entry point and is not checked on its own: one whose every mention is a direct call or an element of a `static`/`const` array (a dispatch table of SIMD kernels that shares a function-pointer type with assembly ones, indexed and called from Rust). The calls that reach it from exported functions are followed as usual. (A panic in it would still abort, since an `extern "C"` function cannot unwind, but no C input reaches it: its panics are the crate\'s internal invariants.) One that is passed to a function, stored in a struct (a vtable C may get), or never mentioned where ffiguard can see is checked.',
      '`extern "C-unwind"` functions are allowed to unwind and are not reported. Attributes that generate a boundary (`#[ffi_export]`, `#[sabi_extern_fn]`, `#[ffi_function]`) count as one.',
      'An invocation of one of the crate\'s `macro_rules!` macros runs what its transcriber writes: a panic written there (`unsafe { $p.as_ref() }.expect(..)` in a `to_ref!` macro) is reported at the invocation, naming the line of the macro. Closures in the transcriber are not looked into, and calls from it are not followed.',
      'One finding per function, at the first panic site in source order; the other sites are listed as related locations.',
    ],
    references: [
      { title: 'Rust 1.81: abort on uncaught panics in extern "C" functions', url: 'https://blog.rust-lang.org/2024/09/05/Rust-1.81.0.html#abort-on-uncaught-panics-in-extern-c-functions' },
      { title: 'std::panic::catch_unwind', url: 'https://doc.rust-lang.org/std/panic/fn.catch_unwind.html' },
      { title: 'RFC 2945: "C-unwind" ABI', url: 'https://rust-lang.github.io/rfcs/2945-c-unwind-abi.html' },
    ],
    cwe: ['CWE-248'],
  },
  triggers: FFI_FUNCTIONS,
  check({ crate, report }) {
    // A WebAssembly guest traps on panic; its `extern "C"` functions are called by a wasm host, which sees an error.
    if (crate.settings.wasmGuest) return;
    const analysis = new PanicAnalysis(crate);
    const consequence = panicConsequence(crate.settings);
    const crateGuard = crateBoundary(crate);
    const shown = (file: { path: string }): string => crateRelative(crate, file);
    // Code a macro wrote is named by the line of the macro's definition that wrote it.
    const written = (file: SourceFile, node: Node, fn: FnInfo): string | null => {
      const t = file instanceof ExpandedSource ? file.templateSpan(node) : null;
      if (!t) return null;
      return `${t.file === fn.file.path ? 'line ' : `${shown({ path: t.file })}:`}${t.startLine} (in \`${(file as ExpandedSource).macro}!\`)`;
    };
    for (const fn of crate.ffiFunctions) {
      if (mayUnwind(fn) || analysis.hasBoundaryAttribute(fn)) continue;
      // `ffi_fn! { fn f() { .. } }` whose macro runs the body under `catch_unwind`. (A function the
      // transcriber writes whole shows its own `catch_unwind`, and what runs outside it.)
      const macroGuard = fn.generatedBy !== undefined && !fn.expanded && crate.guards.panicBoundaries.has(fn.generatedBy) ? fn.generatedBy : undefined;
      if (macroGuard && !crate.settings.panicAbort) continue;
      const sites = analysis.sites(fn, crate.settings.panicAbort);
      const first = sites[0];
      if (!first) continue;
      const where = (file: SourceFile, node: Node): string =>
        written(file, node, fn) ?? placeNamer(crate, fn.file)(file, node);
      const when = (s: PanicSite): string => (s.detail ? ` (${s.detail})` : '');
      const at = first.via[0] ?? first;
      const what =
        first.via.length === 0
          ? `${first.what} at ${where(first.file, first.node)}${when(first)}`
          : `\`${calleeName(first.via[0]!.callee)}()\`, which reaches ${first.what} at ${where(first.file, first.node)}${when(first)},`;
      const more = sites.length > 1 ? ` (and ${sites.length - 1} more panic site${sites.length > 2 ? 's' : ''})` : '';
      const can = first.via.length === 0 && first.file === fn.file && isStub(fn, first.node) ? 'always panics' : 'can panic';
      // Under `panic = "abort"` guarded sites are reported too: say which boundary fails to help.
      // (A site a crate macro writes is looked up from its invocation, which sits in the body.)
      const boundary = analysis.enclosingBoundary(fn, first.via[0]?.node ?? first.invocation ?? first.node);
      const guard = !crate.settings.panicAbort
        ? ' outside any `catch_unwind`'
        : boundary
          ? `, even inside \`${analysis.boundaryName(boundary)}\``
          : macroGuard
            ? `, even inside \`${macroGuard}!\``
            : '';
      report({
        file: at.file,
        node: at.node,
        message: `${what} ${can} in \`${abiText(fn)} fn ${fn.name}\`${generatedNote(fn)}${guard}${more}: ${consequence}`,
        help:
          (first.rethrows && first.via.length === 0 && !crate.settings.panicAbort
            ? rethrowHelp(fn.name)
            : first.nullAssert
              ? nullGuardHelp(first.nullAssert, first.via[0] ? { callee: calleeName(first.via[0].callee) } : { what: first.what }, sites.length > 1, panicHelp(crate.settings, fn.name, crateGuard))
              : panicHelp(crate.settings, fn.name, crateGuard)) +
          (fn.expanded ? ` (its code is written in the definition of \`${fn.generatedBy}!\`)` : ''),
        related: [
          ...first.via.slice(1).map((v) => ({ file: v.file, node: v.node, message: `calls \`${calleeName(v.callee)}()\`` })),
          ...(first.via.length ? [{ file: first.file, node: first.node, message: `${first.what} can panic here${when(first)}` }] : []),
          ...sites.slice(1, 11).map((s) => ({ file: (s.via[0] ?? s).file, node: (s.via[0] ?? s).node, message: s.via.length ? `\`${calleeName(s.via[0]!.callee)}()\` can panic (${s.what}${when(s)})` : `${s.what} can panic here${when(s)}` })),
        ],
      });
    }
  },
});

/**
 * For a panic that only a NULL pointer from C sets off (`assert!(!p.is_null())`, `p.as_ref().unwrap()`,
 * here or in a helper `p` is handed to): the assert is a null check that aborts; returning an error
 * before it is the fix.
 */
function nullGuardHelp(pointer: string, site: { callee: string } | { what: string }, moreSites: boolean, otherwise: string): string {
  const early = `\`if ${pointer}.is_null() { return ..; }\``;
  const fix =
    'callee' in site
      ? `check \`${pointer}\` for null before calling \`${site.callee}()\` and return an error value to C (${early}): this panic fires only when C passes NULL`
      : /assert/.test(site.what)
        ? `replace the assert with an early return of an error value to C (${early}): it fires only when C passes NULL`
        : `return an error value to C when \`${pointer}\` is null instead of unwrapping it (${early}, or \`let Some(..) = .. else { return ..; }\`): this panic fires only when C passes NULL`;
  return moreSites ? `${fix}; for the other sites, ${otherwise}` : fix;
}

/** The crate's own boundary to suggest, as it is used: `ffi_guard! { .. }`, else `ffi_try(|| ..)`. */
function crateBoundary(crate: CrateModel): string | undefined {
  const boundaries = crate.guards.panicBoundaries;
  const macro = [...crate.macros.keys()].sort().find((m) => boundaries.has(m));
  if (macro) return `${macro}! { .. }`;
  // The name first: `implType` walks a function's ancestors, and few functions are boundaries.
  const fn = crate.functions.filter((f) => boundaries.has(f.name) && !f.implType).map((f) => f.name).sort()[0];
  return fn && `${fn}(|| ..)`;
}

/** Does the body start with `todo!()`, `unimplemented!()`, `panic!(..)` or `unreachable!()` (a stub that panics on every call)? */
function isStub(fn: FnInfo, site: Node): boolean {
  const invocation = site.parent;
  if (!fn.body || invocation?.type !== 'macro_invocation' || !/^(todo|unimplemented|panic|unreachable)$/.test(site.text)) return false;
  const first = fn.body.namedChildren.find((c) => !c.type.endsWith('comment'));
  return !!first && (sameNode(first, invocation) || (first.type === 'expression_statement' && sameNode(first.namedChild(0), invocation)));
}

/** `helper`, or `Db::row` for a method or associated function. */
function calleeName(fn: FnInfo): string {
  return fn.implType && !fn.inTrait ? `${fn.implType}::${fn.name}` : fn.name;
}

/** The ABI as written: `extern "C"`, `extern "system"`, or a bare `extern` (which means "C"). */
function abiText(fn: FnInfo): string {
  const modifiers = fn.node.namedChildren.find((c) => c.type === 'function_modifiers');
  const written = modifiers?.namedChildren.find((c) => c.type === 'extern_modifier');
  return written && !written.namedChildren.some((c) => c.type === 'string_literal') ? 'extern' : `extern "${fn.abi}"`;
}
