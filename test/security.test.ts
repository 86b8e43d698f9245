/**
 * The scanner never executes or loads anything from the scanned tree, never spawns a process and never
 * opens a connection (issue 7). A crate whose build script, Cargo and git configuration, toolchain
 * file, node_modules, package.json scripts and would-be ffiguard config modules each leave a marker
 * file when run is scanned, in every format, by the real command: no marker may appear, and the tree
 * must be left as it was. Where Node's permission model is available the command runs under it with
 * no right to spawn processes or write files. A static check keeps the means to do any of this out
 * of the engine's source.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transpiledCli } from './transpiled-cli.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const made: string[] = [];
afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

/** Every file below `dir` (links not followed) with its mode and contents: to prove a scan changed nothing. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const p = path.join(entry.parentPath, entry.name);
    const st = fs.lstatSync(p);
    out[path.relative(dir, p)] = entry.isFile() ? `${st.mode.toString(8)} ${st.mtimeMs} ${fs.readFileSync(p, 'base64')}` : `${st.mode.toString(8)} ${entry.isSymbolicLink() ? fs.readlinkSync(p) : ''}`;
  }
  return out;
}

/**
 * A workspace full of traps. Each would create a file in `markers` if anything ran it: cargo or rustc
 * (build.rs, proc macros, .cargo/config.toml, rust-toolchain.toml), git (hooks, core.fsmonitor,
 * core.sshCommand), node (a project's node_modules, package.json main and scripts, config modules),
 * a shell, make, direnv. Fake `cargo`, `rustc`, `git`, `node`, ... come first on PATH too.
 */
function trapped(): { root: string; tree: string; markers: string; fakeBin: string } {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ffiguard-security-')));
  made.push(root);
  const tree = path.join(root, 'tree');
  const markers = path.join(root, 'markers');
  const fakeBin = path.join(root, 'bin');
  fs.mkdirSync(markers);
  const sh = (name: string) => `#!/bin/sh\ntouch '${markers}/${name}'\n`;
  const js = (name: string) => `require('fs').writeFileSync(${JSON.stringify(path.join(markers, name))}, '');\n`;
  const esm = (name: string) => `import fs from 'node:fs';\nfs.writeFileSync(${JSON.stringify(path.join(markers, name))}, '');\nexport default {};\n`;
  const files: Record<string, string> = {
    'Cargo.toml': '[workspace]\nmembers = ["crates/*"]\n[workspace.metadata.ffiguard]\n',
    'crates/kv/Cargo.toml': '[package]\nname = "kv"\nversion = "0.1.0"\nbuild = "build.rs"\n\n[dependencies]\nevil-macros = { path = "../macros" }\n',
    'crates/kv/build.rs': `fn main() { std::fs::write(${JSON.stringify(path.join(markers, 'build-rs'))}, "").unwrap(); }\n`,
    'crates/kv/src/lib.rs': '#[evil_macros::boom]\npub fn f() {}\ninclude!("../generated.rs");\n#[no_mangle]\npub extern "C" fn kv_get(p: *const u8) -> u8 {\n    unsafe { *p }\n}\n',
    'crates/macros/Cargo.toml': '[package]\nname = "evil-macros"\nversion = "0.1.0"\n[lib]\nproc-macro = true\n',
    'crates/macros/src/lib.rs': `#[proc_macro_attribute]\npub fn boom(_: proc_macro::TokenStream, i: proc_macro::TokenStream) -> proc_macro::TokenStream {\n    std::fs::write(${JSON.stringify(path.join(markers, 'proc-macro'))}, "").unwrap();\n    i\n}\n`,
    '.cargo/config.toml': `[build]\nrustc-wrapper = "${root}/evil.sh"\n[target.'cfg(all())']\nrunner = "${root}/evil.sh"\n[alias]\nb = "run"\n`,
    'rust-toolchain.toml': `[toolchain]\npath = "${root}/toolchain"\n`,
    'evil.sh': sh('evil-sh'),
    'Makefile': `all:\n\ttouch ${markers}/make\n`,
    '.envrc': `touch ${markers}/direnv\n`,
    '.npmrc': `node-options=--require ${root}/tree/evil.js\n`,
    'evil.js': js('evil-js'),
    'package.json': JSON.stringify({ name: 'ffiguard', version: '9.9.9', main: 'evil.js', scripts: { preinstall: `touch ${markers}/preinstall`, postinstall: `touch ${markers}/postinstall`, prepare: `touch ${markers}/prepare`, test: `touch ${markers}/test` } }),
    'ffiguard.config.js': esm('ffiguard-config-js'),
    'ffiguard.config.mjs': esm('ffiguard-config-mjs'),
    'ffiguard.config.cjs': js('ffiguard-config-cjs'),
    'ffiguard.config.ts': esm('ffiguard-config-ts'),
    '.ffiguardrc.js': js('ffiguardrc'),
    'grammar.js': js('grammar-js'),
    // Packages ffiguard itself uses, planted where a module lookup from the working directory would find them.
    ...Object.fromEntries(['tree-sitter', 'tree-sitter-rust', 'tree-sitter-c', 'commander', 'smol-toml', 'ignore', 'fast-glob', 'x'].flatMap((pkg) => [
      [`node_modules/${pkg}/package.json`, JSON.stringify({ name: pkg, main: 'index.js', exports: { '.': { import: './index.mjs', default: './index.js' } } })],
      [`node_modules/${pkg}/index.js`, js(`node-modules-${pkg}`)],
      [`node_modules/${pkg}/index.mjs`, esm(`node-modules-${pkg}-mjs`)],
    ])),
    '.git/HEAD': 'ref: refs/heads/main\n',
    '.git/refs/heads/main': `${'a'.repeat(40)}\n`,
    '.git/config': `[core]\n\tfsmonitor = ${root}/tree/evil.sh\n\thooksPath = ${root}/tree/.git/hooks\n\tsshCommand = ${root}/tree/evil.sh\n\tpager = ${root}/tree/evil.sh\n[remote "origin"]\n\turl = https://github.com/acme/kv.git\n[credential]\n\thelper = !${root}/tree/evil.sh\n`,
    ...Object.fromEntries(['post-checkout', 'pre-commit', 'post-index-change', 'fsmonitor-watchman', 'reference-transaction'].map((h) => [`.git/hooks/${h}`, sh(`git-hook-${h}`)])),
  };
  for (const [rel, text] of Object.entries(files)) {
    const file = path.join(tree, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text, { mode: 0o755 });
  }
  fs.mkdirSync(fakeBin);
  for (const tool of ['cargo', 'rustc', 'rustup', 'git', 'node', 'npm', 'npx', 'make', 'cc', 'gcc', 'clang', 'sh', 'bash', 'python3', 'direnv', 'curl', 'wget']) {
    fs.writeFileSync(path.join(fakeBin, tool), sh(`path-${tool}`), { mode: 0o755 });
  }
  return { root, tree, markers, fakeBin };
}

/** The flags that run Node under its permission model with only the given rights, or why it cannot. */
function permissionFlags(): string[] | string {
  for (const flag of ['--permission', '--experimental-permission']) {
    // tree-sitter is a native addon: without --allow-addons (Node 20.18+, 22+) the model cannot run ffiguard at all.
    const args = [flag, '--allow-fs-read=*', '--allow-addons', '-e', '0'];
    if (spawnSync(process.execPath, args, { stdio: 'ignore' }).status === 0) return args.slice(0, 3);
  }
  return `this Node (${process.version}) has no permission model that allows native addons`;
}

describe('nothing from the scanned tree is executed or loaded', () => {
  let cli: ReturnType<typeof transpiledCli>;
  beforeAll(() => {
    cli = transpiledCli();
  }, 60_000);
  afterAll(() => cli?.remove());
  const permission = permissionFlags();

  // The finding in kv_get makes the exit code 1, except against the baseline just written (0). Most runs
  // are plain, so that a process ffiguard started would run and leave its marker (under the permission
  // model it would be refused, and a caught refusal would go unseen); one runs with the fewest rights.
  const variants: [string, string[], number, boolean][] = [
    ['text', [], 1, false],
    ['sarif (reads git provenance)', ['--format', 'sarif', '--category', 'kv'], 1, false],
    ['json, following symbolic links', ['--format', 'json', '--follow-symlinks'], 1, false],
    ['github', ['--format', 'github'], 1, false],
    ["sarif with a baseline and a report file, under Node's permission model", ['--format', 'sarif', '--write-baseline', 'OUT/baseline.json', '--output', 'OUT/report.sarif'], 0, true],
  ];
  it.for(variants)('%s', ([, flags, status, restricted], ctx) => {
    if (restricted && typeof permission === 'string') ctx.skip(permission);
    const { root, tree, markers, fakeBin } = trapped();
    const out = path.join(root, 'out');
    fs.mkdirSync(out);
    const before = snapshot(tree);
    const home = path.join(root, 'home');
    fs.mkdirSync(home);
    // No processes; write rights only where the report goes and to a private home (a cache, if ffiguard keeps one), never to the tree.
    const node = restricted ? [...(permission as string[]), `--allow-fs-write=${out}`, `--allow-fs-write=${home}`, '--allow-worker'] : [];
    const r = spawnSync(process.execPath, [...node, cli.bin, 'scan', '.', ...flags.map((f) => f.replace('OUT', out))], {
      cwd: tree,
      encoding: 'utf8',
      env: { PATH: `${fakeBin}${path.delimiter}${process.env.PATH}`, HOME: home, XDG_CACHE_HOME: path.join(home, '.cache'), NODE_OPTIONS: '', GITHUB_WORKSPACE: '' },
      timeout: 60_000,
    });
    expect(r.stderr).not.toMatch(/internal error|ERR_ACCESS_DENIED|\n\s+at /);
    expect(r.status).toBe(status);
    expect(fs.readdirSync(markers)).toEqual([]);
    // The one thing a scan may add to the tree is its incremental cache, in Cargo's target/ffiguard/.
    const after = Object.fromEntries(Object.entries(snapshot(tree)).filter(([p]) => !/^target(\/ffiguard(\/[\w.-]+\.json)?)?$/.test(p)));
    expect(after).toEqual(before);
    const report = flags.includes('--output') ? fs.readFileSync(path.join(out, 'report.sarif'), 'utf8') : r.stdout;
    expect(report).toContain('kv_get');
  });
});

describe('the engine holds no means to run, load or connect', () => {
  /** Forbidden in src/, rules/ and bin/, with why. Worker threads are allowed: they run ffiguard's own modules. */
  const FORBIDDEN: [RegExp, string][] = [
    [/\bchild_process\b/, 'spawns processes'],
    [/(?<![.\w])(?:exec|execSync|execFile|execFileSync|spawn|spawnSync|fork)\s*\(/, 'runs a process'],
    [/\brequire\s*\(|\bcreateRequire\b/, 'loads CommonJS modules by name at run time'],
    // A string literal naming one of ffiguard's own modules (`import('./analyze.js')`) loads what a static
    // import would (never a package's file), only later (a scan answered from the cache never loads the analysis); any other
    // specifier (a package, a computed name) could load code chosen at run time.
    [/(?<![.\w])import\s*\((?!'(?![^']*node_modules)\.\.?\/[\w./-]+\.js'\))/, 'imports a module at run time (other than one of its own, named by a literal relative path)'],
    [/\beval\s*\(|\bnew\s+Function\b|\bnode:vm\b|from\s+['"]vm['"]/, 'evaluates code'],
    [/\bprocess\.(?:dlopen|binding)\b/, 'loads native code'],
    [/from\s+['"](?:node:)?(?:https?|http2|net|tls|dgram|dns|inspector|cluster)['"]/, 'opens connections'],
    [/(?<![.\w])fetch\s*\(|\bglobalThis\.fetch\b|\bWebSocket\b|\bXMLHttpRequest\b|\bEventSource\b|\bundici\b/, 'makes network requests'],
  ];
  /**
   * Legitimate uses: file → patterns it may match, and why.
   * - src/node-lists.ts uses `createRequire` to reach the native tree-sitter binding that tree-sitter
   *   itself loaded (resolved from ffiguard's own installation, never from the scanned tree or the
   *   working directory), to read child lists faster; it loads nothing tree-sitter had not loaded.
   */
  const ALLOWED: Record<string, RegExp[]> = { 'src/node-lists.ts': [FORBIDDEN[2]![0]] };

  function sources(dir: string): string[] {
    return fs
      .readdirSync(path.join(ROOT, dir), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && /\.[cm]?[jt]s$/.test(e.name))
      .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)));
  }

  it('src/, rules/ and bin/ use none of them', () => {
    const files = ['src', 'rules', 'bin'].flatMap(sources);
    expect(files.length).toBeGreaterThan(40);
    const hits: string[] = [];
    for (const file of files) {
      // Comments may talk about what the code does not do.
      const code = fs.readFileSync(path.join(ROOT, file), 'utf8').replace(/\/\*[\s\S]*?\*\/|(?<![:'"`\\])\/\/.*$/gm, '');
      for (const [pattern, why] of FORBIDDEN) {
        const m = pattern.exec(code);
        if (m && !(ALLOWED[file] ?? []).some((p) => p.source === pattern.source)) hits.push(`${file}: \`${m[0]}\` ${why}`);
      }
    }
    expect(hits).toEqual([]);
  });

  it('the check catches each of them', () => {
    const samples = ["import { spawn } from 'node:child_process';", 'execSync("ls")', "const m = require('x');", 'await import(name)', "await import('fast-glob')", "import('./x.js' + name)", 'import(`./${name}.js`)', "import('/tmp/x.js')", "import('./x.json')", "import('../../node_modules/fast-glob/out/index.js')", 'eval(s)', 'new Function("x")', 'process.dlopen(m, p)', "import https from 'node:https';", "import net from 'net';", 'await fetch(url)'];
    for (const sample of samples) expect(FORBIDDEN.some(([p]) => p.test(sample)), sample).toBe(true);
    for (const innocent of ["await import('./analyze.js')", "import('../rules/index.js')", 're.exec(text)', 'pattern.exec(line)', 'c.inner.fetch()', "import fs from 'node:fs';", 'spawnsThread(call)', 'const required = 1;', 'important(x)']) {
      expect(FORBIDDEN.some(([p]) => p.test(innocent)), innocent).toBe(false);
    }
  });
});
