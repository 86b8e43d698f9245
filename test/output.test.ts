/**
 * `--output` and `--write-baseline` (issue 7): a path that cannot be written is refused before the scan
 * starts, and a report file is replaced in one step (written beside it, then renamed), so that a failed
 * or interrupted run never leaves a truncated report that an upload step would accept.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) {
    fs.chmodSync(dir, 0o755);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function tempDir(): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ffiguard-output-')));
  made.push(dir);
  return dir;
}

const FFI = '#[no_mangle]\npub extern "C" fn get(p: *const u8) -> u8 {\n    unsafe { *p }\n}\n';
const isRoot = process.getuid?.() === 0;

describe('an output path that cannot be written is exit 2 before the scan starts', () => {
  // Each case scans a path that does not exist: the error being about the output proves it came first.
  const cases: [string, (dir: string) => string, boolean][] = [
    ['its directory does not exist', (dir) => path.join(dir, 'missing', 'out.sarif'), false],
    ['it is a directory', (dir) => (fs.mkdirSync(path.join(dir, 'out.sarif')), path.join(dir, 'out.sarif')), false],
    ['its directory is a file', (dir) => (fs.writeFileSync(path.join(dir, 'file'), ''), path.join(dir, 'file', 'out.sarif')), false],
    ['its directory is read-only', (dir) => (fs.mkdirSync(path.join(dir, 'ro')), fs.chmodSync(path.join(dir, 'ro'), 0o555), path.join(dir, 'ro', 'out.sarif')), true],
  ];
  for (const flag of ['--output', '--write-baseline']) {
    for (const [what, make, needsNonRoot] of cases) {
      (needsNonRoot && isRoot ? it.skip : it)(`${flag}: ${what}${needsNonRoot ? ' (skipped as root, which writes anywhere)' : ''}`, async () => {
        const dir = tempDir();
        const out = make(dir);
        const before = fs.readdirSync(dir, { recursive: true });
        const r = await runCli(dir, 'scan', 'no/such/crate', flag, out);
        expect(r.code).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr).toMatch(new RegExp(`^ffiguard: cannot write ${flag} [^\\n]*\\n$`));
        expect(fs.readdirSync(dir, { recursive: true })).toEqual(before);
      });
    }
  }
});

describe('the report file is replaced in one step', () => {
  it('an existing report is left untouched when the scan fails', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'Cargo.toml'), '[package]\nname = "x"\nversion = \n');
    fs.writeFileSync(path.join(dir, 'lib.rs'), FFI);
    const out = path.join(dir, 'report.sarif');
    fs.writeFileSync(out, '{"previous": "report"}\n');
    const inode = fs.statSync(out).ino;
    const r = await runCli(dir, 'scan', '.', '--format', 'sarif', '--output', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^ffiguard: .*Cargo\.toml:3:\d+: invalid TOML: [^\n]*\n$/);
    expect(fs.readFileSync(out, 'utf8')).toBe('{"previous": "report"}\n');
    expect(fs.statSync(out).ino).toBe(inode);
    expect(fs.readdirSync(dir).sort()).toEqual(['Cargo.toml', 'lib.rs', 'report.sarif']);
  });

  it('a new report replaces the old file by renaming: the old one is never truncated, no temporary file stays', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'lib.rs'), FFI);
    const out = path.join(dir, 'report.sarif');
    fs.writeFileSync(out, '{"previous": "report"}\n');
    // A reader that opened the old report (an upload step) keeps reading it whole.
    fs.linkSync(out, path.join(dir, 'reader'));
    const r = await runCli(dir, 'scan', 'lib.rs', '--format', 'sarif', '--output', out);
    expect(r.code).toBe(1);
    expect(fs.readFileSync(path.join(dir, 'reader'), 'utf8')).toBe('{"previous": "report"}\n');
    expect(fs.statSync(out).ino).not.toBe(fs.statSync(path.join(dir, 'reader')).ino);
    expect((JSON.parse(fs.readFileSync(out, 'utf8')) as { runs: { results: unknown[] }[] }).runs[0]!.results).toHaveLength(1);
    expect(fs.readdirSync(dir).sort()).toEqual(['lib.rs', 'reader', 'report.sarif']);
  });
});
