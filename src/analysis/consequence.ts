/** What a panic in an `extern "C"` function does to the host process, for this crate's settings. */
import { compareRustVersion } from '../cargo.js';
import type { CrateSettings } from '../crate-unit.js';

export function panicConsequence(settings: CrateSettings): string {
  if (settings.panicAbort) return 'the release profile sets `panic = "abort"`, so it aborts the host process and no `catch_unwind` can stop it';
  // A `rust-version` Cargo would reject tells nothing about the compiler: treat it as absent.
  const v = settings.rustVersion && /^\d+(\.\d+){0,2}$/.test(settings.rustVersion) ? settings.rustVersion : undefined;
  if (v && compareRustVersion(v, '1.81') < 0) {
    return `unwinding into C is undefined behaviour on Rust ${v} (the crate's \`rust-version\`) and aborts the process from Rust 1.81 on`;
  }
  // Every compiler the crate allows aborts: say since when, and why that covers this crate.
  if (v) return `a panic that reaches C aborts the host process (Rust 1.81 and later; the crate's \`rust-version\` is ${v})`;
  return 'a panic that reaches C aborts the host process (Rust 1.81+; undefined behaviour on older compilers)';
}

/**
 * What to do about it. `crateGuard` is the crate's own boundary as it is written (`ffi_guard! { .. }`,
 * `ffi_try(|| ..)`), if it has one: suggesting it keeps the fix in the crate's style.
 */
export function panicHelp(settings: CrateSettings, fnName: string, crateGuard?: string): string {
  if (settings.panicAbort) return `handle the failure in \`${fnName}\` and return an error value to C instead of panicking`;
  const wrap = crateGuard ? `\`${crateGuard}\` (the crate's panic boundary)` : '`std::panic::catch_unwind(|| ..)`';
  return `handle the failure without panicking, or wrap the body of \`${fnName}\` in ${wrap} and return an error value when it catches a panic`;
}

/** For a caught panic raised again (`catch_unwind(..).unwrap()`, `resume_unwind(payload)`). */
export function rethrowHelp(fnName: string): string {
  return `turn the caught panic into an error value that \`${fnName}\` returns to C instead of raising it again`;
}
