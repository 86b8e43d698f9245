/** The command-line contract: commands, formats, exit codes and one-line errors. */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';
import { ALL_RULES } from '../rules/index.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const DEMO = path.join(ROOT, 'fixtures/demo-crate');

const run = (...argv: string[]): ReturnType<typeof runCli> => runCli(ROOT, ...argv);

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'ffiguard-cli-'));
}

describe('ffiguard scan', () => {
  it('reports the demo crate and exits 1', async () => {
    const r = await run('scan', DEMO);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('error[panic-across-ffi]');
    expect(r.stdout).toMatch(/--> fixtures[\\/]demo-crate[\\/]src[\\/]lib\.rs:\d+:\d+/);
    expect(r.stdout).toMatch(/ffiguard: \d+ errors, \d+ warnings, \d+ notes in 4 files/);
    expect(r.stdout).not.toContain('\u001b[');
  });

  it('writes one compact line per finding, matched by the README problem matcher', async () => {
    const r = await run('scan', DEMO, '--format', 'compact');
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const regexp = JSON.parse(`"${/"regexp": "(.*)",\n/.exec(readme)![1]}"`) as string;
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) {
      const m = new RegExp(regexp).exec(line);
      expect(m, line).not.toBeNull();
      expect(fs.existsSync(path.join(ROOT, m![1]!))).toBe(true);
      expect(['error', 'warning', 'note']).toContain(m![4]);
    }
  });

  it('honours --fail-on', async () => {
    expect((await run('scan', DEMO, '--fail-on', 'none')).code).toBe(0);
    expect((await run('scan', DEMO, '--fail-on', 'error')).code).toBe(1);
  });

  it('exits 0 on a clean crate', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'lib.rs'), 'pub fn add(a: u32, b: u32) -> u32 { a.wrapping_add(b) }\n');
    const r = await run('scan', dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/no findings in 1 file/);
  });

  it('writes --output atomically and prints nothing on stdout', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'out.sarif');
    const r = await run('scan', DEMO, '--format', 'sarif', '--output', out);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const sarif = JSON.parse(fs.readFileSync(out, 'utf8')) as { version: string; runs: { results: unknown[] }[] };
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0]!.results.length).toBeGreaterThan(5);
    expect(fs.readdirSync(dir)).toEqual(['out.sarif']);
  });

  it('writes --output into a device or a pipe in place, never replacing it (-o /dev/null as root)', async () => {
    const r = await run('scan', DEMO, '--format', 'sarif', '--output', '/dev/null');
    expect(r.code).toBe(1);
    expect(fs.statSync('/dev/null').isCharacterDevice()).toBe(true);
    expect(fs.readdirSync('/dev').filter((f) => f.startsWith('null.'))).toEqual([]);
  });

  it.each([
    [['scan', 'no/such/dir'], /^ffiguard: .*no\/such\/dir.*\n$/],
    [['scan', '--format', 'xml', DEMO], /xml/],
    [['scan', '--bogus'], /--bogus/],
    [['scan', DEMO, '--output', '/no/such/dir/out.sarif'], /^ffiguard: cannot write --output .*\n$/],
    [['explain', 'no-such-rule'], /^ffiguard: unknown rule `no-such-rule`/],
    [['frobnicate'], /frobnicate/],
  ])('exits 2 with a one-line error: %s', async (argv, message) => {
    const r = await run(...argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('reports a broken Cargo.toml with its file and line', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'Cargo.toml'), '[package]\nname = "x"\nversion = \n');
    const r = await run('scan', dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Cargo\.toml:3/);
  });
});

describe('ffiguard rules / explain', () => {
  it('lists every rule with severity and summary', async () => {
    const r = await run('rules');
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(ALL_RULES.length);
    expect(r.stdout).toMatch(/^panic-across-ffi\s+error\s+An `extern "C"` function/m);
  });

  it('explains a rule with what, why, fix and example', async () => {
    const r = await run('explain', 'ffi-null-deref');
    expect(r.code).toBe(0);
    for (const heading of ['What it does', 'Why is this bad?', 'How to fix it', 'Example', 'Flagged:', 'Fixed:']) expect(r.stdout).toContain(heading);
  });

  it('prints help and version with exit 0', async () => {
    expect((await run('--help')).code).toBe(0);
    expect((await run('--version')).stdout).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('usage errors', () => {
  it.each([
    [['scan', '--bogus'], /^error: unknown option '--bogus' \(run `ffiguard --help` for usage\)\n$/],
    [['scna'], /^error: unknown command 'scna' \(Did you mean scan\?\) \(run `ffiguard --help` for usage\)\n$/],
    [['scan', '--jobs', 'abc'], /^error: option '-j, --jobs <n>' argument 'abc' is invalid\..* \(run `ffiguard --help` for usage\)\n$/],
  ])('%j: one line on stderr, exit 2', async (argv, line) => {
    const r = await run(...argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(line);
    expect(r.stdout).toBe('');
  });
});

describe('the installed binary', () => {
  beforeAll(() => {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  }, 120_000);

  it('runs from bin/ffiguard.js with real exit codes', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/ffiguard.js'), 'scan', DEMO, '--format', 'compact'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('[panic-across-ffi]');
    const bad = spawnSync(process.execPath, [path.join(ROOT, 'bin/ffiguard.js'), 'scan', 'does-not-exist'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});
