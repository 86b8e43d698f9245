/**
 * Names the analysis treats specially beyond what it can read from the crate's own code: guards,
 * null-check helpers and timeouts that live in other crates. Built-in defaults cover the common
 * crates; configuration (later: ffiguard.toml) adds to them.
 */
export interface AnalyzerConfig {
  /** Functions or macros (last path segment) that run their argument under `catch_unwind`. */
  panicBoundaries: string[];
  /** Attributes that turn a function into a panic boundary (the attribute's macro aborts or catches). */
  panicBoundaryAttributes: string[];
  /** Functions or macros (last path segment) that check their pointer argument for null and bail out. */
  nullCheckHelpers: string[];
  /** Functions (last path segment) that bound a future with a deadline. */
  timeoutHelpers: string[];
}

export const DEFAULT_CONFIG: AnalyzerConfig = {
  // ffi_helpers::catch_panic (function and macro).
  panicBoundaries: ['catch_panic'],
  // safer_ffi, abi_stable, interoptopus generate a boundary around the function.
  panicBoundaryAttributes: ['ffi_export', 'sabi_extern_fn', 'ffi_function'],
  // ffi_helpers::null_pointer_check!.
  // glib::types::instance_of (gtk-rs): GLib's type check answers false for a null instance.
  nullCheckHelpers: ['null_pointer_check', 'instance_of'],
  // tokio::time::timeout / timeout_at, async_std::future::timeout, futures-time / async-std `.timeout(..)`.
  timeoutHelpers: ['timeout', 'timeout_at'],
};
