/**
 * Reads Cargo.toml the way Cargo does, for the few settings that change what a finding means
 * (MSRV, panic strategy, overflow checks) and for the shape of a workspace.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { parse, TomlError } from 'smol-toml';
import type { CrateSettings } from './crate-unit.js';
import type { Notification } from './findings.js';
import { UsageError } from './errors.js';
import type * as WorkspaceGlob from './workspace-glob.js';

/** fast-glob, once a workspace pattern needed it (see loadWorkspaceGlob). */
let glob: typeof WorkspaceGlob | undefined;

/**
 * Thrown by the functions below when they meet a pattern that may be a glob before fast-glob is
 * loaded: the caller (discover) loads it with loadWorkspaceGlob and starts again. Reading manifests
 * has no side effects, so starting again gives what one pass with fast-glob loaded would.
 */
export class WorkspaceGlobNeeded extends Error {}

export async function loadWorkspaceGlob(): Promise<void> {
  glob ??= await import('./workspace-glob.js');
}

/** fast-glob's isDynamicPattern; a pattern with none of the characters it looks for is plain without asking it. */
function isDynamicPattern(pattern: string): boolean {
  if (!/[\\*?![({]/.test(pattern)) return false;
  if (!glob) throw new WorkspaceGlobNeeded(`fast-glob is needed for the pattern \`${pattern}\``);
  return glob.isDynamicPattern(pattern);
}

/**
 * The parts of a Cargo.toml that ffiguard uses. A key ffiguard reads with a value of the wrong type
 * (`rust-version = 5`, `members = "x"`) is an error naming the file, line and key: Cargo rejects such
 * a manifest too, and reading it as absent would silently change what is scanned.
 */
export interface Manifest {
  /** Absolute path of the file. */
  path: string;
  /** `[package]`; a virtual workspace manifest has none. */
  package?: {
    name?: string;
    rustVersion?: string | { workspace: true };
    /** `package.workspace`: where the workspace root is when it is not an ancestor. */
    workspace?: string;
  };
  /** `[lib] path` as written, relative to the manifest's directory. */
  libPath?: string;
  /** `[lib] crate-type` (`cdylib`, `staticlib` for a library other languages link). */
  libCrateTypes: string[];
  /** `[workspace]`: present when this manifest is a workspace root. */
  workspace?: {
    members: string[];
    exclude: string[];
    /** `[workspace.package] rust-version`, inherited by members that say `rust-version.workspace = true`. */
    rustVersion?: string;
    /** `path` of each `[workspace.dependencies]` entry that has one, by name, as written (relative to the root). */
    dependencyPaths: Record<string, string>;
    /** The version requirement of each `[workspace.dependencies]` entry that states one. */
    dependencyVersions: Record<string, string>;
  };
  /** `[profile.release]`. Cargo honours it only in the workspace root. */
  release: { panic?: string; overflowChecks?: boolean };
  /** `path` of every dependency in any dependency table, as written: those inside a workspace are members too. */
  pathDependencies: string[];
  /** A WebAssembly guest-binding crate among the unconditional `[dependencies]` (see `GUEST_BINDINGS`), if any. */
  wasmGuestBinding?: string;
  /** The version requirement of each `[dependencies]` entry that states one (`jni = "0.22"`, `{ version = .. }`). */
  dependencyVersions: Record<string, string>;
  /** Dependencies declared `{ workspace = true }`: their `path`, if any, is in the root's `[workspace.dependencies]`. */
  inheritedDependencies: string[];
  /** `[lints.clippy]` (lint → level), or `'workspace'` for `[lints] workspace = true`. */
  clippyLints?: Record<string, ClippyLint> | 'workspace';
  /** `[workspace.lints.clippy]`. */
  workspaceClippyLints?: Record<string, ClippyLint>;
}

export interface ClippyLint {
  level: string;
  priority: number;
}

type Table = Record<string, unknown>;

function table(value: unknown): Table | undefined {
  // smol-toml returns dates as Date objects; they are not tables.
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) ? (value as Table) : undefined;
}
const string = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

export type ReadManifest = (path: string) => Manifest;

/**
 * readManifest, each file read once: for one discovery, where every crate of a workspace asks for the
 * workspace's manifest. Manifests are never modified; one that cannot be read is tried (and fails) again.
 */
export function manifestReader(): ReadManifest {
  const read = new Map<string, Manifest>();
  return (path) => {
    let manifest = read.get(path);
    if (!manifest) read.set(path, (manifest = readManifest(path)));
    return manifest;
  };
}

export function readManifest(path: string): Manifest {
  let doc: Table;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${path}: ${code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (code ?? String(error))}`);
  }
  try {
    doc = parse(text);
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    throw new UsageError(`${path}:${tomlErrorText(error)}`);
  }
  checkTypes(doc, text, path);
  const pkg = table(doc.package);
  const workspace = table(doc.workspace);
  const release = table(table(doc.profile)?.release);
  const rustVersion = pkg && (table(pkg['rust-version'])?.workspace === true ? { workspace: true as const } : string(pkg['rust-version']));
  const deps = dependencies(doc);
  return {
    path: resolve(path),
    package: pkg && { name: string(pkg.name), rustVersion, workspace: string(pkg.workspace) },
    libPath: string(table(doc.lib)?.path),
    libCrateTypes: strings(table(doc.lib)?.['crate-type']),
    workspace: workspace && {
      members: strings(workspace.members),
      exclude: strings(workspace.exclude),
      rustVersion: string(table(workspace.package)?.['rust-version']),
      dependencyPaths: Object.fromEntries(Object.entries(table(workspace.dependencies) ?? {}).flatMap(([name, dep]) => {
        const path = string(table(dep)?.path);
        return path === undefined ? [] : [[name, path]];
      })),
      dependencyVersions: versions(table(workspace.dependencies)),
    },
    release: {
      panic: string(release?.panic),
      overflowChecks: typeof release?.['overflow-checks'] === 'boolean' ? release['overflow-checks'] : undefined,
    },
    pathDependencies: deps.flatMap(([, dep]) => string(table(dep)?.path) ?? []),
    dependencyVersions: versions(table(doc.dependencies)),
    wasmGuestBinding: Object.entries(table(doc.dependencies) ?? {})
      .filter(([, dep]) => table(dep)?.optional !== true)
      .map(([name, dep]) => string(table(dep)?.package) ?? name)
      .find((name) => GUEST_BINDINGS.has(name)),
    inheritedDependencies: deps.flatMap(([name, dep]) => (table(dep)?.workspace === true ? [name] : [])),
    clippyLints: table(doc.lints)?.workspace === true ? 'workspace' : lintTable(table(table(doc.lints)?.clippy)),
    workspaceClippyLints: lintTable(table(table(workspace?.lints)?.clippy)),
  };
}

/** `line:column: invalid TOML: reason` of a TOML syntax error, for a one-line message after the file name. */
export function tomlErrorText(error: TomlError): string {
  // smol-toml's message is "Invalid TOML document: <reason>" followed by a code excerpt.
  const reason = error.message.replace(/^Invalid TOML document: /, '').split('\n')[0];
  return `${error.line}:${error.column}: invalid TOML: ${reason}`;
}

/** Checks the type of every key ffiguard reads, as Cargo would (see `Manifest`). */
function checkTypes(doc: Table, text: string, path: string): void {
  const fail = (key: string, expected: string, value: unknown): never => {
    const line = keyLine(text, key);
    throw new UsageError(`${path}${line ? `:${line}` : ''}: \`${key}\` must be ${expected}, not ${typeName(value)}`);
  };
  const isTable = (key: string, value: unknown): value is Table | undefined => value === undefined || !!table(value) || fail(key, 'a table', value);
  const isString = (key: string, value: unknown, example: string): void => void (value === undefined || typeof value === 'string' || fail(key, `a string such as ${example}`, value));
  const isStrings = (key: string, value: unknown, example: string): void =>
    void (value === undefined || (Array.isArray(value) && value.every((v) => typeof v === 'string')) || fail(key, `an array of strings such as ${example}`, value));

  const { package: pkg, lib, workspace, profile, lints } = doc;
  if (isTable('package', pkg) && pkg) {
    isString('package.name', pkg.name, '"mylib"');
    isString('package.workspace', pkg.workspace, '"../.."');
    const rv = pkg['rust-version'];
    if (rv !== undefined && typeof rv !== 'string' && table(rv)?.workspace !== true) fail('package.rust-version', 'a string such as "1.70" (or { workspace = true })', rv);
  }
  if (isTable('lib', lib) && lib) isString('lib.path', lib.path, '"src/lib.rs"');
  if (isTable('workspace', workspace) && workspace) {
    isStrings('workspace.members', workspace.members, '["crates/*"]');
    isStrings('workspace.exclude', workspace.exclude, '["crates/old"]');
    if (isTable('workspace.package', workspace.package) && workspace.package) isString('workspace.package.rust-version', workspace.package['rust-version'], '"1.70"');
    if (isTable('workspace.lints', workspace.lints) && workspace.lints) isTable('workspace.lints.clippy', workspace.lints.clippy);
  }
  if (isTable('profile', profile) && profile && isTable('profile.release', profile.release) && profile.release) {
    isString('profile.release.panic', profile.release.panic, '"abort"');
    const checks = profile.release['overflow-checks'];
    if (checks !== undefined && typeof checks !== 'boolean') fail('profile.release.overflow-checks', 'a boolean (true or false)', checks);
  }
  if (isTable('lints', lints) && lints) isTable('lints.clippy', lints.clippy);
  const targets = isTable('target', doc.target) && doc.target ? Object.entries(doc.target as Table) : [];
  const scopes: [string, unknown][] = [['', doc], ...targets.map(([cfg, t]): [string, unknown] => [`target.${cfg}.`, t])];
  for (const [prefix, scope] of scopes) {
    if (!isTable(prefix.slice(0, -1), scope) || !scope) continue;
    for (const name of DEPENDENCY_TABLES) {
      const deps = scope[name];
      if (!isTable(`${prefix}${name}`, deps) || !deps) continue;
      for (const [dep, spec] of Object.entries(deps)) {
        if (typeof spec !== 'string' && !table(spec)) fail(`${prefix}${name}.${dep}`, 'a version string or a table', spec);
        if (table(spec)) isString(`${prefix}${name}.${dep}.path`, table(spec)!.path, '"../mylib-sys"');
      }
    }
  }
}

/**
 * The line where a dotted key (or the nearest table or key above it: the key may sit in an inline
 * table) is written, or undefined. TOML can spell a key many ways; this reads the usual ones
 * (`[a.b]` then `c = ..`, or `b.c = ..`, with or without quotes), which is enough to point at it.
 */
function keyLine(text: string, dotted: string): number | undefined {
  const norm = (k: string) => k.replace(/["']/g, '').split('.').map((p) => p.trim()).join('.');
  let header = '';
  let best: { line: number; length: number } | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const head = /^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$/.exec(raw);
    const key = head ? undefined : /^\s*([A-Za-z0-9_\-."' ]+?)\s*=/.exec(raw);
    let full: string | undefined;
    if (head) full = header = norm(head[1]!);
    else if (key) full = `${header ? `${header}.` : ''}${norm(key[1]!)}`;
    if (full && (dotted === full || dotted.startsWith(`${full}.`)) && (!best || full.length > best.length)) best = { line: i + 1, length: full.length };
  });
  return best?.line;
}

/** What a TOML value is, in words, for messages. */
export function typeName(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Date) return 'a date';
  if (table(v)) return 'a table';
  if (typeof v === 'number' || typeof v === 'bigint') return Number.isInteger(Number(v)) ? 'an integer' : 'a float';
  if (typeof v === 'boolean') return 'a boolean';
  return 'a string';
}

/** `all = { level = "allow", priority = -1 }`, `missing_safety_doc = "warn"`. */
function lintTable(t: Table | undefined): Record<string, ClippyLint> | undefined {
  if (!t) return undefined;
  const out: Record<string, ClippyLint> = {};
  for (const [name, value] of Object.entries(t)) {
    const level = string(value) ?? string(table(value)?.level);
    const priority = table(value)?.priority;
    if (level) out[name] = { level, priority: typeof priority === 'number' ? priority : 0 };
  }
  return out;
}

/**
 * The level Cargo's `[lints.clippy]` gives a lint, looking at the lint and the groups that hold it
 * (`missing_safety_doc` is in `style` and `all`). Cargo passes them as `-A`/`-W` flags sorted by
 * priority, so the highest priority wins, and on a tie the more specific name.
 */
export function clippyLevel(lints: Record<string, ClippyLint> | undefined, names: string[]): string | undefined {
  if (!lints) return undefined;
  const set = names.map((n, i) => ({ lint: lints[n], specificity: names.length - i })).filter((x) => x.lint);
  set.sort((a, b) => b.lint!.priority - a.lint!.priority || b.specificity - a.specificity);
  return set[0]?.lint!.level;
}

const DEPENDENCY_TABLES = ['dependencies', 'dev-dependencies', 'build-dependencies'];

/** `name = "1.2"` or `name = { version = "1.2", .. }` of a dependency table, by the package's name. */
function versions(deps: Table | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, dep] of Object.entries(deps ?? {})) {
    const version = string(dep) ?? string(table(dep)?.version);
    if (version !== undefined) out[string(table(dep)?.package) ?? name] = version;
  }
  return out;
}

/**
 * Panic boundaries a dependency provides: a function that runs the closure it is given under
 * `catch_unwind` (jni 0.22's `EnvUnowned::with_env`, which turns a panic into a Java exception). Each
 * counts when the package depends on a version that has it.
 */
const DEPENDENCY_BOUNDARIES: { crate: string; since: [number, number]; boundary: string }[] = [{ crate: 'jni', since: [0, 22], boundary: 'with_env' }];

/** Does version requirement `req` (`"0.22.4"`, `"^0.22"`, `">=0.22, <0.23"`) ask for at least `since`? */
function atLeast(req: string, since: [number, number]): boolean {
  const m = /(\d+)(?:\.(\d+))?/.exec(req);
  if (!m) return false;
  const major = Number(m[1]);
  const minor = Number(m[2] ?? 0);
  return major > since[0] || (major === since[0] && minor >= since[1]);
}

/**
 * Crates that bind a WebAssembly guest to its host (component bindings, WASI calls, JavaScript glue):
 * a package that depends on one outside any `[target.'cfg(..)']` table, and not as an optional
 * dependency (a `wasm` feature of a native library), is built for wasm32 only.
 */
const GUEST_BINDINGS = new Set(['wit-bindgen', 'wit-bindgen-rt', 'wit-bindgen-rust-macro', 'wasm-bindgen', 'wasi', 'wasip1', 'wasip2']);

/** Every entry of every dependency table, as [name, declaration]. */
function dependencies(doc: Table): [string, unknown][] {
  // `[target.'cfg(..)'.dependencies]` tables count as much as the top-level ones.
  const scopes = [doc, ...Object.values(table(doc.target) ?? {}).map(table)];
  return scopes.flatMap((scope) => DEPENDENCY_TABLES.flatMap((name) => Object.entries(table(scope?.[name]) ?? {})));
}

/**
 * The settings of the package at `manifestPath`. Profiles come from the workspace root when there is
 * one, because Cargo ignores `[profile]` in member manifests.
 */
export function crateSettings(manifestPath: string, workspaceRootManifest?: string, read: ReadManifest = readManifest): CrateSettings {
  const own = read(manifestPath);
  const root = workspaceRootManifest ? read(workspaceRootManifest) : own;
  const declared = own.package?.rustVersion;
  const libRoot = resolve(dirname(own.path), own.libPath ?? 'src/lib.rs');
  return {
    name: own.package?.name,
    manifestPath: own.path,
    workspaceManifest: workspaceRootManifest,
    rustVersion: typeof declared === 'object' ? root.workspace?.rustVersion : declared,
    panicAbort: root.release.panic === 'abort',
    overflowChecks: root.release.overflowChecks === true,
    libRoot: existsSync(libRoot) ? libRoot : undefined,
    clippyLints: own.clippyLints === 'workspace' ? root.workspaceClippyLints : own.clippyLints,
    ...(own.wasmGuestBinding ? { wasmGuest: own.wasmGuestBinding } : {}),
    ...dependencyBoundaries(own, root),
  };
}

/** The boundaries of `DEPENDENCY_BOUNDARIES` the package's dependencies provide (a version inherited from the workspace counts). */
function dependencyBoundaries(own: Manifest, root: Manifest): { dependencyBoundaries?: string[] } {
  const found = DEPENDENCY_BOUNDARIES.filter(({ crate, since }) => {
    const req = own.dependencyVersions[crate] ?? (own.inheritedDependencies.includes(crate) ? root.workspace?.dependencyVersions[crate] : undefined);
    return req !== undefined && atLeast(req, since);
  }).map((b) => b.boundary);
  return found.length > 0 ? { dependencyBoundaries: found } : {};
}

/**
 * The Cargo.toml of the workspace the package at `manifestPath` belongs to, found as Cargo does: the
 * package itself if it declares `[workspace]`, its `package.workspace` pointer, else the nearest
 * ancestor declaring `[workspace]` that does not exclude it. Undefined for a standalone package.
 */
export function findWorkspaceRoot(manifestPath: string, read: ReadManifest = readManifest): string | undefined {
  const own = read(manifestPath);
  const crateDir = dirname(own.path);
  if (own.workspace) return own.path;
  if (own.package?.workspace) return resolve(crateDir, own.package.workspace, 'Cargo.toml');
  for (let dir = dirname(crateDir); ; dir = dirname(dir)) {
    const candidate = join(dir, 'Cargo.toml');
    if (existsSync(candidate)) {
      const manifest = read(candidate);
      if (manifest.workspace && !isExcluded(manifest, crateDir)) return manifest.path;
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The package directories of the workspace rooted at `root`, sorted: the root package, `members`
 * (globs expanded) not under an `exclude` path, and path dependencies inside the workspace (written
 * in a member, or inherited from `[workspace.dependencies]`), as Cargo makes them members. A member
 * that cannot be found is reported as a warning: Cargo would refuse it, but the rest is still worth
 * scanning. So is a member outside the workspace directory (by its path, or through a symbolic link
 * unless `followSymlinks`): a manifest from a pull request must not point ffiguard at the rest of the machine.
 */
export function workspaceMembers(root: Manifest, opts: { followSymlinks?: boolean; read?: ReadManifest } = {}): { dirs: string[]; notifications: Notification[] } {
  const read = opts.read ?? readManifest;
  const rootDir = dirname(root.path);
  const notifications: Notification[] = [];
  const warn = (message: string) => notifications.push({ level: 'warning', file: root.path, message });
  const realRoot = realpathSync(rootDir);
  const inside = (dir: string) => isWithin(dir, rootDir) && (opts.followSymlinks || isWithin(realpathSync(dir), realRoot));
  const members = new Set<string>(root.package ? [rootDir] : []);
  for (const member of root.workspace?.members ?? []) {
    const dirs = expandDirs(rootDir, member);
    if (dirs.length === 0) warn(`workspace member pattern \`${member}\` matches no directory`);
    for (const dir of dirs) {
      const shown = relative(rootDir, dir) || '.';
      if (!existsSync(dir)) warn(`workspace member \`${shown}\` does not exist`);
      else if (!inside(dir)) warn(`workspace member \`${shown}\` is outside the workspace directory${isWithin(dir, rootDir) ? ' (through a symbolic link; --follow-symlinks follows it)' : ''}, not scanned`);
      else if (!existsSync(join(dir, 'Cargo.toml'))) warn(`workspace member \`${shown}\` has no Cargo.toml`);
      else if (!isExcluded(root, dir)) members.add(dir);
    }
  }
  // A Set visits entries added during iteration, so this follows path dependencies transitively.
  // `dep = { workspace = true }` takes its path from the root's `[workspace.dependencies]`.
  const inherited = root.workspace?.dependencyPaths ?? {};
  for (const dir of members) {
    const manifest = read(join(dir, 'Cargo.toml'));
    const deps = [...manifest.pathDependencies.map((dep) => resolve(dir, dep)), ...manifest.inheritedDependencies.flatMap((name) => (Object.hasOwn(inherited, name) ? [resolve(rootDir, inherited[name]!)] : []))];
    for (const depDir of deps) {
      if (existsSync(join(depDir, 'Cargo.toml')) && inside(depDir) && !isExcluded(root, depDir)) members.add(depDir);
    }
  }
  return { dirs: [...members].sort(), notifications };
}

/**
 * Cargo's rule: a directory under an `exclude` path is not a member unless `members` names it (or
 * a parent) literally. Cargo reads `exclude` as plain paths; globs there are expanded as a courtesy.
 */
function isExcluded(root: Manifest, crateDir: string): boolean {
  const rootDir = dirname(root.path);
  const { members = [], exclude = [] } = root.workspace ?? {};
  const listed = members.filter((m) => !isDynamicPattern(m)).some((m) => isWithin(crateDir, resolve(rootDir, m)));
  return !listed && exclude.flatMap((ex) => expandDirs(rootDir, ex)).some((ex) => isWithin(crateDir, ex));
}

/** Absolute directories a member/exclude entry names: a glob is expanded, a plain path kept even if missing. */
function expandDirs(rootDir: string, pattern: string): string[] {
  if (!isDynamicPattern(pattern)) return [resolve(rootDir, pattern)];
  // Links are matched but not walked through (`**` through a link loop never ends); one that the
  // pattern matches and that leads to a directory is kept, for workspaceMembers to judge.
  return glob!
    .globPaths(rootDir, pattern)
    .map((p) => resolve(p))
    .filter(isDirectory)
    .sort();
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isWithin(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** Orders Rust versions numerically ("1.70" < "1.81.0"; missing components count as 0). */
export function compareRustVersion(a: string, b: string): number {
  const pa = a.split('.').map((n) => parseInt(n, 10) || 0);
  const pb = b.split('.').map((n) => parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return Math.sign(diff);
  }
  return 0;
}
