/**
 * Paths a scan meets (issue 7): ones that do not exist or are the wrong kind, unreadable ones,
 * symbolic links that loop or leave the scanned directory, and file names with spaces, Unicode, line
 * breaks, `:`, `%`, a leading `-`, terminal escapes and workflow-command syntax. Each is scanned (or
 * refused) cleanly and named correctly in every report format.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type * as Sarif from 'sarif';
import type { JsonReport } from '../src/report/json.js';
import { runCli } from './run-cli.js';
import { parseLikeRunner, runnerLines } from './runner-commands.js';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) {
    // Undo chmod 000 so the directory can be removed.
    for (const p of walkAll(dir)) fs.chmodSync(p, 0o755);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
// GitHub annotations name files relative to GITHUB_WORKSPACE when it is set, as it is in CI.
beforeEach(() => vi.stubEnv('GITHUB_WORKSPACE', ''));
afterEach(() => vi.unstubAllEnvs());

function walkAll(dir: string): string[] {
  const out = [dir];
  let entries: fs.Dirent[] = [];
  try {
    fs.chmodSync(dir, 0o755);
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walkAll(p));
    else if (!e.isSymbolicLink()) out.push(p);
  }
  return out;
}

/** A fresh real directory (no symlinks in its path, so reported paths compare equal) holding `files`. */
function tree(files: Record<string, string> = {}): string {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ffiguard-paths-')));
  made.push(root);
  for (const [rel, text] of Object.entries(files)) {
    const file = path.join(root, rel);
    if (rel.endsWith('/')) {
      fs.mkdirSync(file, { recursive: true });
      continue;
    }
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  return root;
}

/** An FFI function with one finding (an unchecked pointer dereference) named after `name`. */
const ffi = (name: string) => `#[no_mangle]\npub extern "C" fn ${name}(p: *const u8) -> u8 {\n    unsafe { *p }\n}\n`;
const pkg = (name: string) => `[package]\nname = "${name}"\nversion = "0.1.0"\n`;
const isRoot = process.getuid?.() === 0;

interface Json {
  findings: { path: string; message: string }[];
  notifications: { level: string; path: string | null; message: string }[];
}

async function json(cwd: string, ...argv: string[]): Promise<Json & { code: number; stderr: string }> {
  const r = await runCli(cwd, 'scan', '--format', 'json', ...argv);
  expect(r.stderr).toBe('');
  return { ...(JSON.parse(r.stdout) as Json), code: r.code, stderr: r.stderr };
}

/** Findings as `path: function`, sorted. */
const found = (report: Json) => report.findings.map((f) => `${f.path.split(path.sep).join('/')}: ${/of `(\w+)`/.exec(f.message)![1]}`).sort();
const notes = (report: Json) => report.notifications.map((n) => `${n.level} ${n.path?.split(path.sep).join('/')}: ${n.message}`).sort();

function expectOneLineError(r: { code: number; stdout: string; stderr: string }, message: RegExp): void {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^ffiguard: [^\n]*\n$/);
  expect(r.stderr).toMatch(message);
}

describe('paths that are missing or of the wrong kind: exit 2 with one line', () => {
  it.each([
    ['a path that does not exist', ['scan', 'no/such/dir'], /^ffiguard: no such file or directory: no\/such\/dir$/m],
    ['a path through a file, as if it were a directory', ['scan', 'lib.rs/sub'], /^ffiguard: no such file or directory: lib\.rs\/sub$/m],
    ['a file that is not Rust', ['scan', 'notes.txt'], /^ffiguard: not a Rust source file or C header: notes\.txt$/m],
    ['--config naming a directory', ['scan', '.', '--config', 'src'], /^ffiguard: --config src: not a file$/m],
    ['--config naming nothing', ['scan', '.', '--config', 'nope.toml'], /^ffiguard: --config nope\.toml: no such file$/m],
    ['--header naming a directory', ['scan', '.', '--header', 'src'], /^ffiguard: --header src: not a file$/m],
    ['--header naming nothing', ['scan', '.', '--header', 'nope.h'], /^ffiguard: --header nope\.h: no such file$/m],
    ['--baseline naming a directory', ['scan', '.', '--baseline', 'src'], /^ffiguard: cannot read baseline src: EISDIR$/m],
  ])('%s', async (_, argv, message) => {
    const dir = tree({ 'lib.rs': ffi('f'), 'notes.txt': '', 'src/': '' });
    expectOneLineError(await runCli(dir, ...argv), message);
  });

  it('a directory called Cargo.toml, and one called ffiguard.toml', async () => {
    const dir = tree({ 'Cargo.toml/': '', 'src/lib.rs': ffi('f') });
    expectOneLineError(await runCli(dir, 'scan', '.'), /^ffiguard: cannot read .*Cargo\.toml: it is a directory$/m);
    const other = tree({ 'ffiguard.toml/': '', 'lib.rs': ffi('f') });
    expectOneLineError(await runCli(other, 'scan', '.'), /^ffiguard: cannot read ffiguard\.toml: it is a directory$/m);
  });

  it('a directory whose name ends in .rs is walked into, not read as a file', async () => {
    const dir = tree({ 'src/dir.rs/inner.rs': ffi('inner') });
    const r = await json(dir, '.');
    expect(found(r)).toEqual(['src/dir.rs/inner.rs: inner']);
    expect(r.notifications).toEqual([]);
  });
});

describe('permission denied', () => {
  // root reads everything whatever the mode bits say; see the mocked variant below for this machine.
  const reason = 'runs as root, which can read files whatever their permissions';
  (isRoot ? it.skip : it)(`an unreadable file or directory inside the tree is named in a notification and skipped, the rest is scanned (skipped when ${reason})`, async () => {
    const dir = tree({ 'good.rs': ffi('good'), 'secret.rs': ffi('secret'), 'locked/inner.rs': ffi('inner') });
    fs.chmodSync(path.join(dir, 'secret.rs'), 0o000);
    fs.chmodSync(path.join(dir, 'locked'), 0o000);
    const r = await json(dir, '.');
    expect(r.code).toBe(1);
    expect(found(r)).toEqual(['good.rs: good']);
    expect(notes(r)).toEqual(['error secret.rs: could not read file: EACCES', 'warning locked: cannot read directory: EACCES']);
  });

  (isRoot ? it.skip : it)(`an unreadable path named on the command line is exit 2 (skipped when ${reason})`, async () => {
    const dir = tree({ 'secret.rs': ffi('secret'), 'locked/inner.rs': ffi('inner') });
    fs.chmodSync(path.join(dir, 'secret.rs'), 0o000);
    fs.chmodSync(path.join(dir, 'locked'), 0o000);
    expectOneLineError(await runCli(dir, 'scan', 'secret.rs'), /^ffiguard: permission denied: secret\.rs$/m);
    expectOneLineError(await runCli(dir, 'scan', 'locked'), /^ffiguard: permission denied: locked$/m);
  });
});

describe('symbolic links', () => {
  /** A crate with a link to a file and one to a directory outside it, a link loop and a broken link. */
  function linked(): { root: string; crate: string } {
    const root = tree({
      'crate/Cargo.toml': pkg('c'),
      'crate/src/lib.rs': ffi('inside'),
      'outside/far.rs': ffi('far'),
      'outside/dir/deep.rs': ffi('deep'),
    });
    const src = path.join(root, 'crate', 'src');
    fs.symlinkSync('../../outside/far.rs', path.join(src, 'far_link.rs'));
    fs.symlinkSync('../../outside/dir', path.join(src, 'dir_link'));
    fs.symlinkSync('.', path.join(src, 'self_loop'));
    fs.symlinkSync('..', path.join(src, 'parent_loop'));
    fs.symlinkSync('b_link.rs', path.join(src, 'a_link.rs'));
    fs.symlinkSync('a_link.rs', path.join(src, 'b_link.rs'));
    fs.symlinkSync('nowhere.rs', path.join(src, 'broken.rs'));
    // A link to a file inside the crate: scanned once, at its own path.
    fs.symlinkSync('lib.rs', path.join(src, 'again.rs'));
    // A link to a file inside the crate that the scan leaves out (a hidden directory).
    fs.mkdirSync(path.join(root, 'crate', '.hidden'));
    fs.writeFileSync(path.join(root, 'crate', '.hidden', 'h.rs'), ffi('hidden'));
    fs.symlinkSync('../.hidden/h.rs', path.join(src, 'hidden_link.rs'));
    return { root, crate: path.join(root, 'crate') };
  }

  it('are not followed by default: links leading out are named in a note, loops and broken links too', async () => {
    const { crate } = linked();
    const r = await json(crate, '.');
    expect(r.code).toBe(1);
    expect(found(r)).toEqual(['src/lib.rs: inside']);
    expect(notes(r)).toEqual([
      'note src/a_link.rs: symbolic link loop, not followed',
      'note src/b_link.rs: symbolic link loop, not followed',
      'note src/broken.rs: symbolic link is broken, skipped',
      'note src/dir_link: symbolic link to a directory outside the scanned directory, not followed (--follow-symlinks follows it)',
      'note src/far_link.rs: symbolic link to a file outside the scanned directory, not followed (--follow-symlinks follows it)',
      'note src/hidden_link.rs: symbolic link to a file the scan leaves out (hidden, ignored, target/ or another package), not followed (--follow-symlinks follows it)',
    ]);
  });

  it('--follow-symlinks follows them out of the tree, reports files at the path scanned, detects loops and reads each file once', async () => {
    const { crate } = linked();
    const r = await json(crate, '.', '--follow-symlinks');
    expect(r.code).toBe(1);
    expect(found(r)).toEqual(['src/dir_link/deep.rs: deep', 'src/far_link.rs: far', 'src/hidden_link.rs: hidden', 'src/lib.rs: inside']);
    expect(notes(r)).toEqual([
      'note src/a_link.rs: symbolic link loop, not followed',
      'note src/b_link.rs: symbolic link loop, not followed',
      'note src/broken.rs: symbolic link is broken, skipped',
      'note src/parent_loop: symbolic link loop: it leads back to a directory that holds it, not followed',
      'note src/self_loop: symbolic link loop: it leads back to a directory that holds it, not followed',
    ]);
  });

  it('two links to one directory outside: scanned once, under the first link in path order, every time', async () => {
    const root = tree({ 'crate/lib.rs': ffi('inside'), 'shared/s.rs': ffi('shared') });
    fs.symlinkSync('../shared', path.join(root, 'crate', 'b'));
    fs.symlinkSync('../shared', path.join(root, 'crate', 'a'));
    for (let i = 0; i < 3; i++) expect(found(await json(path.join(root, 'crate'), '.', '--follow-symlinks'))).toEqual(['a/s.rs: shared', 'lib.rs: inside']);
  });

  it('a workspace member reached through a link out of the workspace is a warning unless --follow-symlinks', async () => {
    const root = tree({
      'ws/Cargo.toml': '[workspace]\nmembers = ["crates/*", "../elsewhere"]\n',
      'ws/crates/a/Cargo.toml': pkg('a'),
      'ws/crates/a/src/lib.rs': ffi('a'),
      'far/Cargo.toml': pkg('far'),
      'far/src/lib.rs': ffi('far'),
      'elsewhere/Cargo.toml': pkg('elsewhere'),
      'elsewhere/src/lib.rs': ffi('elsewhere'),
    });
    fs.symlinkSync('../../far', path.join(root, 'ws', 'crates', 'far'));
    // A link to a member inside the workspace matches the glob too: the member's files are scanned once.
    fs.symlinkSync('a', path.join(root, 'ws', 'crates', 'b'));
    const ws = path.join(root, 'ws');
    const plain = await json(ws, '.');
    expect(found(plain)).toEqual(['crates/a/src/lib.rs: a']);
    expect(notes(plain)).toEqual([
      'warning Cargo.toml: workspace member `../elsewhere` is outside the workspace directory, not scanned',
      'warning Cargo.toml: workspace member `crates/far` is outside the workspace directory (through a symbolic link; --follow-symlinks follows it), not scanned',
    ]);
    const followed = await json(ws, '.', '--follow-symlinks');
    expect(found(followed)).toEqual(['crates/a/src/lib.rs: a', 'crates/far/src/lib.rs: far']);
  });

  it('a path named on the command line is followed even when it is a link; naming a file twice that way scans it once', async () => {
    const root = tree({ 'real/lib.rs': ffi('real') });
    fs.symlinkSync('real', path.join(root, 'alias'));
    expect(found(await json(root, 'alias'))).toEqual(['alias/lib.rs: real']);
    expect(found(await json(root, 'real', 'alias'))).toEqual(['alias/lib.rs: real']);
    expect(found(await json(root, 'real/lib.rs', 'alias/lib.rs'))).toEqual(['alias/lib.rs: real']);
  });
});

describe('workspace members', () => {
  it('a member glob that matches nothing is a warning, and the other members are scanned', async () => {
    const dir = tree({ 'Cargo.toml': '[workspace]\nmembers = ["crates/*", "plugins/*"]\n', 'crates/a/Cargo.toml': pkg('a'), 'crates/a/src/lib.rs': ffi('a') });
    const r = await json(dir, '.');
    expect(r.code).toBe(1);
    expect(found(r)).toEqual(['crates/a/src/lib.rs: a']);
    expect(notes(r)).toEqual(['warning Cargo.toml: workspace member pattern `plugins/*` matches no directory']);
    const text = await runCli(dir, 'scan', '.');
    expect(text.stdout).toMatch(/^warning: Cargo\.toml: workspace member pattern `plugins\/\*` matches no directory$/m);
    const sarif = JSON.parse((await runCli(dir, 'scan', '.', '--format', 'sarif')).stdout) as Sarif.Log;
    expect(sarif.runs[0]!.invocations![0]!.toolExecutionNotifications).toEqual([
      { level: 'warning', message: { text: 'Workspace member pattern `plugins/*` matches no directory.' }, locations: [{ physicalLocation: { artifactLocation: { uri: 'Cargo.toml', uriBaseId: '%SRCROOT%' } } }] },
    ]);
  });
});

/**
 * Hostile and awkward file names, each holding one FFI function with one finding. `shown` is how the
 * human formats print it (line breaks become spaces, controls U+FFFD), `annotated` whether a GitHub
 * annotation can name it (not with controls in the name: it says where in its message instead).
 */
const NAMES: { name: string; shown: string; annotated: boolean }[] = [
  { name: 'a b.rs', shown: 'a b.rs', annotated: true },
  { name: 'ünïcödé 日本😀.rs', shown: 'ünïcödé 日本😀.rs', annotated: true },
  { name: 'new\nline.rs', shown: 'new line.rs', annotated: true },
  { name: 'cr\rx.rs', shown: 'cr x.rs', annotated: true },
  { name: 'c:d,e.rs', shown: 'c:d,e.rs', annotated: true },
  { name: '100%0A%25.rs', shown: '100%0A%25.rs', annotated: true },
  { name: '-rf.rs', shown: '-rf.rs', annotated: true },
  { name: '#?x.rs', shown: '#?x.rs', annotated: true },
  { name: '\x1b[31mred\x1b[0m.rs', shown: '\uFFFD[31mred\uFFFD[0m.rs', annotated: false },
  { name: 'tab\there.rs', shown: 'tab here.rs', annotated: false },
  { name: '::error file=x.rs::pwned.rs', shown: '::error file=x.rs::pwned.rs', annotated: true },
  { name: ' ::warning::lead.rs', shown: ' ::warning::lead.rs', annotated: true },
];
/** A binary file with a hostile name: skipped, and named in a notification. */
const BINARY = '\x1b]0;title\x07::error::bin\r\n.rs';
const BINARY_SHOWN = '\uFFFD]0;title\uFFFD::error::bin  .rs';
// Control characters other than the line feed that ends each line.
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/;

describe('file names with spaces, Unicode, line breaks, `:`, `%`, a leading `-`, escapes and workflow commands', () => {
  function hostile(): string {
    const dir = tree();
    NAMES.forEach(({ name }, i) => fs.writeFileSync(path.join(dir, name), ffi(`f${i}`)));
    fs.writeFileSync(path.join(dir, BINARY), Buffer.from([0xff, 0xfe, 0x00, 0x01]));
    return dir;
  }
  const fn = (message: string) => Number(/of `f(\d+)`/.exec(message)![1]);

  it('json names every file exactly', async () => {
    const dir = hostile();
    const r = await json(dir, '.');
    expect(r.code).toBe(1);
    expect(r.findings).toHaveLength(NAMES.length);
    for (const f of r.findings) expect(f.path).toBe(NAMES[fn(f.message)]!.name);
    expect(r.notifications).toEqual([{ level: 'warning', path: BINARY, message: 'skipped: not valid UTF-8 (a binary file, or another encoding)' }]);
  });

  it('sarif names every file by a percent-encoded URI relative to %SRCROOT% that decodes to its name', async () => {
    const dir = hostile();
    const r = await runCli(dir, 'scan', '.', '--format', 'sarif');
    const run = (JSON.parse(r.stdout) as Sarif.Log).runs[0]!;
    expect(run.results).toHaveLength(NAMES.length);
    const uris = new Map<string, string>();
    for (const result of run.results!) {
      const location = result.locations![0]!.physicalLocation!.artifactLocation!;
      expect(location.uriBaseId).toBe('%SRCROOT%');
      // RFC 3986: a relative reference of unreserved characters, sub-delims, '@', '/' and percent-encodings
      // (no ':', which would make the first segment read as a scheme).
      expect(location.uri).toMatch(/^(?:[A-Za-z0-9\-._~!$&'()*+,;=@/]|%[0-9A-F]{2})+$/);
      const { name } = NAMES[fn(result.message.text!)]!;
      expect(decodeURIComponent(location.uri!)).toBe(name);
      uris.set(name, location.uri!);
    }
    expect(uris.get('a b.rs')).toBe('a%20b.rs');
    expect(uris.get('100%0A%25.rs')).toBe('100%250A%2525.rs');
    expect(uris.get('new\nline.rs')).toBe('new%0Aline.rs');
    expect(uris.get('c:d,e.rs')).toBe('c%3Ad%2Ce.rs');
    expect(uris.get('#?x.rs')).toBe('%23%3Fx.rs');
    const notification = run.invocations![0]!.toolExecutionNotifications![0]!;
    expect(decodeURIComponent(notification.locations![0]!.physicalLocation!.artifactLocation!.uri!)).toBe(BINARY);
  });

  it('text prints each name on one line with controls replaced', async () => {
    const dir = hostile();
    const r = await runCli(dir, 'scan', '.');
    expect(r.code).toBe(1);
    expect(r.stdout).not.toMatch(CONTROL);
    NAMES.forEach(({ shown }, i) => {
      const at = r.stdout.indexOf(`parameter \`p\` of \`f${i}\``);
      expect(r.stdout.slice(at).split('\n')[1]).toBe(` --> ${shown}:3:14`);
    });
    expect(r.stdout).toContain(`\nwarning: ${BINARY_SHOWN}: skipped: not valid UTF-8`);
  });

  it('compact keeps one finding per line that the problem matcher reads back, and no line starts a workflow command', async () => {
    const dir = hostile();
    const r = await runCli(dir, 'scan', '.', '--format', 'compact');
    const readme = fs.readFileSync(path.join(import.meta.dirname, '..', 'README.md'), 'utf8');
    const regexp = new RegExp(JSON.parse(`"${/"regexp": "(.*)",\n/.exec(readme)![1]}"`) as string);
    const lines = r.stdout.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(NAMES.length);
    for (const line of lines) {
      expect(line).not.toMatch(CONTROL);
      expect(parseLikeRunner(line)).toBeNull();
      const m = regexp.exec(line)!;
      const { shown } = NAMES[fn(m[5]!)]!;
      // A name that would start a workflow command (or that starts with a blank) is written ./name.
      expect(m[1]).toBe(/^[\s:]/.test(shown) ? `.${path.sep}${shown}` : shown);
      expect([m[2], m[3], m[4], m[6]]).toEqual(['3', '14', 'error', 'ffi-null-deref']);
    }
    expect(r.stderr).toBe(`ffiguard: warning: ${BINARY_SHOWN}: skipped: not valid UTF-8 (a binary file, or another encoding)\n`);
    for (const line of runnerLines(r.stderr)) expect(parseLikeRunner(line)).toBeNull();
  });

  it('github annotates each file under its exact name, or says where in the message when the name holds controls', async () => {
    const dir = hostile();
    const r = await runCli(dir, 'scan', '.', '--format', 'github');
    const commands = runnerLines(r.stdout).map(parseLikeRunner);
    // One command per finding, one for the skipped file, then the summary (plain text).
    expect(commands).toHaveLength(NAMES.length + 2);
    expect(commands.at(-1)).toBeNull();
    for (const c of commands.slice(0, NAMES.length)) {
      expect(c!.name).toBe('error');
      const { name, shown, annotated } = NAMES[fn(c!.data)]!;
      if (annotated) {
        expect(c!.props).toEqual({ file: name, line: '3', endLine: '3', col: '14', endColumn: '16', title: 'ffiguard (ffi-null-deref)' });
        expect(c!.data).toMatch(/^parameter `p` of `f\d+` is dereferenced/);
      } else {
        expect(c!.props).toEqual({ title: 'ffiguard (ffi-null-deref)' });
        expect(c!.data.startsWith(`${shown}:3:14: parameter`)).toBe(true);
      }
      expect(c!.data).not.toMatch(CONTROL);
    }
    expect(commands[NAMES.length]).toEqual({ name: 'warning', props: { title: 'ffiguard' }, data: `${BINARY_SHOWN}: skipped: not valid UTF-8 (a binary file, or another encoding)` });
  });

  it('a path argument starting with `-` is scanned after `--`, and is an unknown option without it', async () => {
    const dir = tree({ '-rf.rs': ffi('dash') });
    const r = await json(dir, '--', '-rf.rs');
    expect(found(r)).toEqual(['-rf.rs: dash']);
    const bare = await runCli(dir, 'scan', '-rf.rs');
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/unknown option '-rf\.rs'/);
    expect(fs.existsSync(path.join(dir, '-rf.rs'))).toBe(true);
  });
});

describe('text from the scanned code that reports quote: comments with escapes, line breaks and workflow commands', () => {
  const REASON = '\x1b[31mred\x1b]0;title\x07\r::error::pwned %0A \u202eevil\u2028next';
  const SOURCE = `#[no_mangle]\npub extern "C" fn f(p: *const u8) -> u8 { unsafe { *p } } // ffiguard-ignore: ffi-null-deref -- ${REASON}\n// ffiguard-ignore: \x1b[2Jbad-\x1b, ::warning::x -- y\nfn g() {}\n`;

  it('stays on its line with controls replaced in text, compact and github; exact in json and sarif', async () => {
    const dir = tree({ 'lib.rs': SOURCE });
    const text = await runCli(dir, 'scan', '.', '--include-suppressed');
    expect(text.stdout).not.toMatch(CONTROL);
    expect(text.stdout).toMatch(/^ {2}= note: suppressed by comment: \uFFFD\[31mred\uFFFD\]0;title\uFFFD ::error::pwned %0A \uFFFDevil next$/m);
    expect(text.stdout).toMatch(/^warning: lib\.rs: line 3: malformed rule id `\uFFFD\[2Jbad-\uFFFD` in ffiguard-ignore comment/m);

    const compact = await runCli(dir, 'scan', '.', '--include-suppressed', '--format', 'compact');
    const lines = compact.stdout.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^lib\.rs:2:52: error: .*\(suppressed: \uFFFD\[31mred.* next\) \[ffi-null-deref\]$/);
    for (const out of [compact.stdout, compact.stderr]) {
      expect(out).not.toMatch(CONTROL);
      for (const line of runnerLines(out)) expect(parseLikeRunner(line)).toBeNull();
    }
    expect(compact.stderr).toMatch(/^ffiguard: warning: lib\.rs: line 3: malformed rule id `\uFFFD\[2Jbad-\uFFFD`[^\n]*\n$/);

    const github = await runCli(dir, 'scan', '.', '--include-suppressed', '--format', 'github');
    const commands = runnerLines(github.stdout).map(parseLikeRunner);
    // The suppressed finding is no annotation; the malformed comment is one warning; then the summary.
    expect(commands.map((c) => c?.name ?? null)).toEqual(['warning', null]);
    expect(commands[0]!.data).not.toMatch(CONTROL);

    const json = JSON.parse((await runCli(dir, 'scan', '.', '--include-suppressed', '--format', 'json')).stdout) as JsonReport;
    expect(json.findings[0]!.suppressed).toEqual({ kind: 'comment', justification: REASON });
    const sarif = JSON.parse((await runCli(dir, 'scan', '.', '--include-suppressed', '--format', 'sarif')).stdout) as Sarif.Log;
    expect(sarif.runs[0]!.results![0]!.suppressions).toEqual([{ kind: 'inSource', justification: REASON }]);
  });
});

describe('SARIF paths: relative to the scanned tree, never `..` or an absolute path of the machine', () => {
  interface Where {
    uris: string[];
    base: Record<string, Sarif.ArtifactLocation>;
    text: string;
  }
  async function sarif(cwd: string, ...argv: string[]): Promise<Where> {
    const r = await runCli(cwd, 'scan', ...argv, '--format', 'sarif');
    expect(r.code).toBe(1);
    const run = (JSON.parse(r.stdout) as Sarif.Log).runs[0]!;
    const uris = run.results!.flatMap((res) => [res.locations![0]!, ...(res.relatedLocations ?? [])].map((l) => {
      expect(l.physicalLocation!.artifactLocation!.uriBaseId).toBe('%SRCROOT%');
      return l.physicalLocation!.artifactLocation!.uri!;
    }));
    return { uris: [...new Set(uris)].sort(), base: run.originalUriBaseIds!, text: r.stdout };
  }
  function expectNoMachinePaths(where: Where, root: string): void {
    for (const uri of where.uris) {
      expect(uri.split('/')).not.toContain('..');
      expect(uri).not.toMatch(/^(?:[a-z][a-z0-9+.-]*:|\/)/i);
    }
    expect(where.text).not.toContain(root);
    expect(where.text).not.toContain('file:');
    expect(where.base).toEqual({ '%SRCROOT%': { description: { text: expect.any(String) } } });
  }

  /** Two crates side by side, no repository: `here` is where ffiguard runs. */
  function siblings(): string {
    return tree({ 'here/x.txt': '', 'other/Cargo.toml': pkg('other'), 'other/src/lib.rs': ffi('other'), 'third/lib.rs': ffi('third') });
  }

  it('scan ../other: relative to the scanned directory', async () => {
    const root = siblings();
    const where = await sarif(path.join(root, 'here'), '../other');
    expect(where.uris).toEqual(['src/lib.rs']);
    expectNoMachinePaths(where, root);
  });

  it('scan /abs/path from elsewhere: relative to it', async () => {
    const root = siblings();
    const where = await sarif(tree({ 'x.txt': '' }), path.join(root, 'other'));
    expect(where.uris).toEqual(['src/lib.rs']);
    expectNoMachinePaths(where, root);
  });

  it('two trees outside the working directory: relative to the directory holding both', async () => {
    const root = siblings();
    const where = await sarif(path.join(root, 'here'), '../other', '../third');
    expect(where.uris).toEqual(['other/src/lib.rs', 'third/lib.rs']);
    expectNoMachinePaths(where, root);
  });

  it('a --header outside the scanned tree widens the root to hold it', async () => {
    const root = tree({ 'crate/Cargo.toml': pkg('c'), 'crate/src/lib.rs': ffi('f'), 'include/api.h': 'int f(const unsigned char *p);\n' });
    const where = await sarif(path.join(root, 'crate'), '.', '--header', '../include/api.h');
    expect(where.uris).toEqual(['crate/src/lib.rs', 'include/api.h']);
    expectNoMachinePaths(where, root);
  });

  it('inside a repository: relative to its root, wherever ffiguard runs from', async () => {
    const root = tree({ 'repo/.git/HEAD': 'ref: refs/heads/main\n', 'repo/crates/kv/Cargo.toml': pkg('kv'), 'repo/crates/kv/src/lib.rs': ffi('kv'), 'elsewhere/x.txt': '' });
    for (const [cwd, arg] of [[path.join(root, 'elsewhere'), '../repo/crates/kv'], [tree({ 'x.txt': '' }), path.join(root, 'repo', 'crates', 'kv')], [path.join(root, 'repo', 'crates', 'kv'), '.']] as const) {
      const where = await sarif(cwd, arg);
      expect(where.uris).toEqual(['crates/kv/src/lib.rs']);
      expectNoMachinePaths(where, root);
    }
  });

  it('--absolute-paths records where %SRCROOT% is on this machine', async () => {
    const root = siblings();
    const where = await sarif(path.join(root, 'here'), '../other', '--absolute-paths');
    expect(where.uris).toEqual(['src/lib.rs']);
    expect(where.base).toEqual({ '%SRCROOT%': { uri: `file://${path.join(root, 'other')}/` } });
  });
});
