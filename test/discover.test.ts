import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compareRustVersion, crateSettings, readManifest } from '../src/cargo.js';
import { discover } from '../src/discover.js';
import { UsageError } from '../src/errors.js';

const made: string[] = [];

/** A temporary directory holding `files` (path → contents; a path ending in `/` is an empty directory). */
function tree(files: Record<string, string>): string {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'ffiguard-discover-')));
  made.push(root);
  for (const [path, text] of Object.entries(files)) {
    if (path.endsWith('/')) {
      mkdirSync(join(root, path), { recursive: true });
      continue;
    }
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const pkg = (name: string, extra = '') => `[package]\nname = "${name}"\nversion = "0.1.0"\n${extra}`;

/** Each crate as `root-relative-dir: [root-relative files]`, for readable expectations. */
function layout(root: string, crates: { root: string; files: string[] }[]) {
  const rel = (p: string) => p.slice(root.length + 1) || '.';
  return Object.fromEntries(crates.map((c) => [rel(c.root), c.files.map(rel)]));
}

describe('discover', () => {
  it('reads a single crate, skipping Cargo target directories but not a module named target', async () => {
    const root = tree({
      'Cargo.toml': pkg('demo', 'rust-version = "1.70"\n'),
      'src/lib.rs': '',
      'src/ffi/mod.rs': '',
      'src/target/mod.rs': '',
      'build.rs': '',
      'target/debug/build/demo-1/out/bindings.rs': '',
      'README.md': '',
    });
    const { crates, notifications } = await discover(['.'], root);
    expect(notifications).toEqual([]);
    expect(layout(root, crates)).toEqual({ '.': ['build.rs', 'src/ffi/mod.rs', 'src/lib.rs', 'src/target/mod.rs'] });
    expect(crates[0]!.settings).toEqual({
      name: 'demo',
      manifestPath: join(root, 'Cargo.toml'),
      rustVersion: '1.70',
      panicAbort: false,
      overflowChecks: false,
      libRoot: join(root, 'src/lib.rs'),
    });
  });

  it('expands a workspace: glob members, exclude, root package, path dependencies, inherited settings', async () => {
    const root = tree({
      'Cargo.toml': [
        pkg('root', 'rust-version.workspace = true\n'),
        '[workspace]',
        'members = ["crates/*", "tools/missing", "plugins/*"]',
        'exclude = ["crates/experimental"]',
        '[workspace.package]',
        'rust-version = "1.74"',
        '[profile.release]',
        'panic = "abort"',
        'overflow-checks = true',
      ].join('\n'),
      'src/lib.rs': '',
      'crates/a/Cargo.toml': pkg('a', 'rust-version = { workspace = true }\n[profile.release]\npanic = "unwind"\n'),
      'crates/a/src/lib.rs': '',
      'crates/b/Cargo.toml': pkg('b', 'rust-version = "1.81"\n[lib]\npath = "ffi.rs"\n[dependencies]\nhelper = { path = "../../libs/helper" }\n'),
      'crates/b/ffi.rs': '',
      'crates/experimental/Cargo.toml': pkg('experimental'),
      'crates/experimental/src/lib.rs': '',
      'libs/helper/Cargo.toml': pkg('helper'),
      'libs/helper/src/lib.rs': '',
      'plugins/': '',
    });
    const { crates, notifications } = await discover(['.'], root);
    expect(layout(root, crates)).toEqual({
      '.': ['src/lib.rs'],
      'crates/a': ['crates/a/src/lib.rs'],
      'crates/b': ['crates/b/ffi.rs'],
      'libs/helper': ['libs/helper/src/lib.rs'],
    });
    const byName = Object.fromEntries(crates.map((c) => [c.settings.name, c.settings]));
    expect(byName.root).toMatchObject({ rustVersion: '1.74', panicAbort: true, overflowChecks: true });
    // A member's own [profile] is ignored, as Cargo does.
    expect(byName.a).toMatchObject({ rustVersion: '1.74', panicAbort: true, overflowChecks: true });
    expect(byName.b).toMatchObject({ rustVersion: '1.81', panicAbort: true, libRoot: join(root, 'crates/b/ffi.rs') });
    expect(notifications).toEqual([
      { level: 'warning', file: join(root, 'Cargo.toml'), message: 'workspace member `tools/missing` does not exist' },
      { level: 'warning', file: join(root, 'Cargo.toml'), message: 'workspace member pattern `plugins/*` matches no directory' },
    ]);
  });

  it('makes members of path dependencies inherited from [workspace.dependencies], transitively, as Cargo does', async () => {
    const root = tree({
      'Cargo.toml': [
        '[workspace]',
        'members = ["crates/cli"]',
        '[workspace.dependencies]',
        'engine = { path = "crates/engine", version = "1" }',
        'util = { path = "./libs/util" }',
        'unused = { path = "crates/unused" }',
        'serde = "1"',
        'outside = { path = "../elsewhere" }',
      ].join('\n'),
      // `constructor` and `toString` are names of Object.prototype's members, not of workspace dependencies.
      'crates/cli/Cargo.toml': pkg('cli', '[dependencies]\nengine = { workspace = true, features = ["std"] }\nserde.workspace = true\noutside = { workspace = true }\nconstructor = { workspace = true }\ntoString = { workspace = true }\n'),
      'crates/cli/src/main.rs': '',
      'crates/engine/Cargo.toml': pkg('engine', "[target.'cfg(unix)'.dev-dependencies]\nutil = { workspace = true }\n"),
      'crates/engine/src/lib.rs': '',
      'libs/util/Cargo.toml': pkg('util'),
      'libs/util/src/lib.rs': '',
      'crates/unused/Cargo.toml': pkg('unused'),
      'crates/unused/src/lib.rs': '',
    });
    const { crates, notifications } = await discover(['.'], root);
    expect(Object.keys(layout(root, crates))).toEqual(['crates/cli', 'crates/engine', 'libs/util']);
    expect(notifications).toEqual([]);
  });

  it('finds the workspace root of a member scanned on its own', async () => {
    const root = tree({
      'Cargo.toml': '[workspace]\nmembers = ["ffi"]\n[workspace.package]\nrust-version = "1.75"\n[profile.release]\npanic = "abort"\n',
      'ffi/Cargo.toml': pkg('ffi', 'rust-version.workspace = true\n'),
      'ffi/src/lib.rs': '',
    });
    const { crates } = await discover(['ffi'], root);
    expect(crates[0]!.settings).toMatchObject({ name: 'ffi', rustVersion: '1.75', panicAbort: true });
  });

  it('leaves out nested packages that are not members', async () => {
    const root = tree({
      'Cargo.toml': '[workspace]\nmembers = ["a"]\n',
      'a/Cargo.toml': pkg('a'),
      'a/src/lib.rs': '',
      'a/tests/fixture-crate/Cargo.toml': pkg('fixture'),
      'a/tests/fixture-crate/src/lib.rs': '',
      'tools/Cargo.toml': pkg('tools'),
      'tools/src/main.rs': '',
    });
    const { crates } = await discover(['.'], root);
    expect(layout(root, crates)).toEqual({ a: ['a/src/lib.rs'] });
  });

  it('says which libraries for other languages below a scanned crate it left out, and only those', async () => {
    const root = tree({
      'Cargo.toml': pkg('html'),
      'src/lib.rs': '',
      'c-api/Cargo.toml': pkg('html_c_api', '[lib]\ncrate-type = ["staticlib", "cdylib", "rlib"]\n'),
      'c-api/src/lib.rs': '',
      'fuzz/Cargo.toml': pkg('html_fuzz'),
      'fuzz/src/main.rs': '',
      'tools/gen/Cargo.toml': pkg('gen', '[lib]\ncrate-type = ["rlib"]\n'),
      'tools/gen/src/lib.rs': '',
    });
    const { crates, notifications } = await discover(['.'], root);
    expect(layout(root, crates)).toEqual({ '.': ['src/lib.rs'] });
    expect(notifications).toEqual([
      { level: 'note', file: join(root, 'Cargo.toml'), message: '1 library package(s) for other languages (cdylib or staticlib) below this crate are not part of it or of its workspace, and were not scanned: c-api; name their directories to scan them too' },
    ]);
    // Named too, it is scanned, and nothing is left to say.
    const both = await discover(['.', 'c-api'], root);
    expect(Object.keys(layout(root, both.crates))).toEqual(['.', 'c-api']);
    expect(both.notifications).toEqual([]);
  });

  it('splits a directory without Cargo.toml into its packages and one loose unit', async () => {
    const root = tree({
      'one/Cargo.toml': pkg('one'),
      'one/src/lib.rs': '',
      'two/Cargo.toml': pkg('two'),
      'two/src/lib.rs': '',
      'two/inner/Cargo.toml': pkg('inner'),
      'two/inner/src/lib.rs': '',
      'scripts/gen.rs': '',
      'top.rs': '',
    });
    const { crates } = await discover(['.'], root);
    expect(layout(root, crates)).toEqual({
      '.': ['scripts/gen.rs', 'top.rs'],
      one: ['one/src/lib.rs'],
      two: ['two/src/lib.rs'],
      'two/inner': ['two/inner/src/lib.rs'],
    });
    expect(crates[0]!.settings).toEqual({ panicAbort: false, overflowChecks: false });
  });

  it('warns about a broken Cargo.toml found while searching a directory, and keeps going', async () => {
    const root = tree({
      'good/Cargo.toml': pkg('good'),
      'good/src/lib.rs': '',
      'bad/Cargo.toml': '[package\n',
      'bad/src/lib.rs': '',
    });
    const { crates, notifications } = await discover(['.'], root);
    expect(layout(root, crates)).toEqual({ '.': ['bad/src/lib.rs'], good: ['good/src/lib.rs'] });
    expect(notifications).toHaveLength(1);
    expect(notifications[0]!.message).toMatch(/Cargo\.toml:1:\d+: invalid TOML: .*; its files are scanned without its settings$/);
  });

  it('gives a loose directory inside a crate the crate settings', async () => {
    const root = tree({ 'Cargo.toml': pkg('demo', '[profile.release]\noverflow-checks = true\n'), 'src/lib.rs': '', 'src/ffi/mod.rs': '' });
    const { crates } = await discover(['src/ffi'], root);
    expect(layout(root, crates)).toEqual({ 'src/ffi': ['src/ffi/mod.rs'] });
    expect(crates[0]!.settings).toMatchObject({ name: 'demo', overflowChecks: true });
  });

  it('scans a single file, with the settings of its crate', async () => {
    const root = tree({ 'Cargo.toml': pkg('demo', '[profile.release]\npanic = "abort"\n'), 'src/lib.rs': '', 'src/other.rs': '' });
    const { crates } = await discover(['src/other.rs'], root);
    expect(layout(root, crates)).toEqual({ src: ['src/other.rs'] });
    expect(crates[0]!.settings).toMatchObject({ name: 'demo', panicAbort: true, libRoot: join(root, 'src/lib.rs') });
  });

  it('scans a single file outside any crate with default settings', async () => {
    const root = tree({ 'snippet.rs': '' });
    const { crates } = await discover(['snippet.rs'], root);
    expect(crates).toEqual([{ root, files: [join(root, 'snippet.rs')], settings: { panicAbort: false, overflowChecks: false } }]);
  });

  it('reports each crate and file once when paths overlap', async () => {
    const root = tree({ 'Cargo.toml': pkg('demo'), 'src/lib.rs': '', 'src/a.rs': '' });
    const { crates } = await discover(['.', 'src/lib.rs', './', 'src', join(root, 'src/a.rs')], root);
    expect(layout(root, crates)).toEqual({ '.': ['src/a.rs', 'src/lib.rs'] });
  });

  it('skips gitignored files, honouring ancestor and nested .gitignore files and negations', async () => {
    const root = tree({
      '.git/info/exclude': 'local.rs\n',
      '.gitignore': 'generated/\n*.bak.rs\n',
      'crate/Cargo.toml': pkg('demo'),
      'crate/.gitignore': '!keep.bak.rs\n',
      'crate/src/lib.rs': '',
      'crate/src/old.bak.rs': '',
      'crate/src/keep.bak.rs': '',
      'crate/src/local.rs': '',
      'crate/src/generated/bindings.rs': '',
      'crate/src/ffi/.gitignore': 'scratch.rs\n',
      'crate/src/ffi/scratch.rs': '',
      'crate/src/ffi/mod.rs': '',
    });
    const { crates } = await discover(['crate'], root);
    expect(layout(root, crates)).toEqual({ crate: ['crate/src/ffi/mod.rs', 'crate/src/keep.bak.rs', 'crate/src/lib.rs'] });
  });

  it('scans a file the user names even if it is gitignored', async () => {
    const root = tree({ '.gitignore': '*.rs\n', 'x.rs': '' });
    expect(layout(root, (await discover(['x.rs'], root)).crates)).toEqual({ '.': ['x.rs'] });
    expect((await discover(['.'], root)).crates).toEqual([]);
  });

  it('rejects a Cargo.toml that is not valid TOML, naming file and line', async () => {
    const root = tree({ 'Cargo.toml': '[package]\nname = "x"\nversion = 0.1.0"\n' });
    await expect(discover(['.'], root)).rejects.toThrow(UsageError);
    await expect(discover(['.'], root)).rejects.toThrow(`${join(root, 'Cargo.toml')}:3:14: invalid TOML: illegal character in numeric literal`);
  });

  it('rejects paths that do not exist or are not Rust files', async () => {
    const root = tree({ 'notes.txt': '' });
    await expect(discover(['foo/'], root)).rejects.toThrow(new UsageError('no such file or directory: foo/'));
    await expect(discover(['notes.txt'], root)).rejects.toThrow(new UsageError('not a Rust source file or C header: notes.txt'));
  });
});

describe('cargo', () => {
  it('reads the typed view of a manifest', () => {
    const root = tree({
      'Cargo.toml': [
        pkg('x', 'rust-version.workspace = true\n'),
        '[lib]\npath = "src/ffi.rs"\ncrate-type = ["cdylib", "rlib"]',
        '[workspace]\nmembers = ["a"]\nexclude = ["b"]',
        '[workspace.package]\nrust-version = "1.70"',
        '[workspace.dependencies]\nw = { path = "libs/w" }\nv = "1"',
        '[target.\'cfg(unix)\'.dev-dependencies]\nu = { path = "u" }\nw = { workspace = true }',
      ].join('\n'),
    });
    expect(readManifest(join(root, 'Cargo.toml'))).toEqual({
      path: join(root, 'Cargo.toml'),
      package: { name: 'x', rustVersion: { workspace: true }, workspace: undefined },
      libPath: 'src/ffi.rs',
      libCrateTypes: ['cdylib', 'rlib'],
      workspace: { members: ['a'], exclude: ['b'], rustVersion: '1.70', dependencyPaths: { w: 'libs/w' }, dependencyVersions: { v: '1' } },
      release: { panic: undefined, overflowChecks: undefined },
      pathDependencies: ['u'],
      dependencyVersions: {},
      inheritedDependencies: ['w'],
    });
  });

  it('knows the panic boundaries of a dependency, from its version or the workspace it inherits one from', () => {
    const root = tree({
      'Cargo.toml': '[workspace]\nmembers = ["a", "b", "c"]\n[workspace.dependencies]\njni = "0.22.4"\n',
      'a/Cargo.toml': pkg('a', '[dependencies]\njni = { workspace = true }\n'),
      'b/Cargo.toml': pkg('b', '[dependencies]\njni = { version = "0.21.1" }\n'),
      'c/Cargo.toml': pkg('c', '[dependencies]\njava = { package = "jni", version = "^0.22" }\n'),
    });
    const settings = (c: string) => crateSettings(join(root, c, 'Cargo.toml'), join(root, 'Cargo.toml'));
    expect(settings('a').dependencyBoundaries).toEqual(['with_env']);
    expect(settings('b').dependencyBoundaries).toBeUndefined();
    expect(settings('c').dependencyBoundaries).toEqual(['with_env']);
  });

  it('uses its own profile for a standalone crate', () => {
    const root = tree({ 'Cargo.toml': pkg('x', '[profile.release]\npanic = "abort"\n') });
    expect(crateSettings(join(root, 'Cargo.toml'))).toMatchObject({ panicAbort: true, libRoot: undefined });
  });

  it('compares Rust versions numerically', () => {
    expect(compareRustVersion('1.70', '1.81.0')).toBeLessThan(0);
    expect(compareRustVersion('1.100', '1.81')).toBeGreaterThan(0);
    expect(compareRustVersion('1.81', '1.81.0')).toBe(0);
  });
});
