/** What discovery hands to the analysis: one crate (or loose directory) with its files and build settings. */

/** Build settings read from Cargo.toml that change what a finding means. */
export interface CrateSettings {
  /** `[package] name`. */
  name?: string;
  /** Absolute path of the Cargo.toml the crate came from, if any. */
  manifestPath?: string;
  /** Absolute path of the Cargo.toml of the workspace it belongs to, if any (where Cargo's `target/` is). */
  workspaceManifest?: string;
  /** `rust-version` (MSRV) as written, e.g. "1.70"; inherited from `[workspace.package]` when `rust-version.workspace = true`. */
  rustVersion?: string;
  /** `[profile.release] panic = "abort"` (read from the workspace root, where Cargo reads profiles). */
  panicAbort: boolean;
  /** `[profile.release] overflow-checks = true`: integer overflow panics in release builds too. */
  overflowChecks: boolean;
  /** `[lints.clippy]` of the package (or of the workspace, with `lints.workspace = true`). */
  clippyLints?: Record<string, { level: string; priority: number }>;
  /** Library entry file (`[lib] path`, default `src/lib.rs`), absolute, when it exists. */
  libRoot?: string;
  /**
   * The package is a WebAssembly guest: it depends on this guest-binding crate (`wit-bindgen`,
   * `wasm-bindgen`, `wasi` ..) unconditionally. wasm32 targets abort on panic: a panic traps the
   * instance, which the host sees as an error, and no lock is ever poisoned.
   */
  wasmGuest?: string;
  /** Panic boundaries the package's dependencies provide (`with_env` of jni 0.22 and later). */
  dependencyBoundaries?: string[];
}

export interface CrateUnit {
  /** Absolute directory of the crate (or of the loose directory / file's parent). */
  root: string;
  /** Absolute paths of the `.rs` files and C headers to scan, sorted. */
  files: string[];
  settings: CrateSettings;
}

export const DEFAULT_SETTINGS: CrateSettings = { panicAbort: false, overflowChecks: false };
