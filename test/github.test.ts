/**
 * `--format github`: workflow commands parsed the way the Actions runner parses them (a port of
 * actions/runner's ActionCommand.TryParseV2 and its unescaping), so the test proves what the runner
 * would see, hostile file names and messages included.
 */
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import type { Finding } from '../src/findings.js';
import { escapeData, escapeProperty, render } from '../src/report/github.js';
import { renderReport, type RenderOptions } from '../src/report/index.js';
import type { ScanResult } from '../src/scan-result.js';
import { parseLikeRunner, runnerLines, unescape, type Command } from './runner-commands.js';

const root = path.resolve('/work/repo');
const lib = path.join(root, 'crates', 'kv', 'src', 'lib.rs');

function finding(f: Partial<Finding>): Finding {
  return {
    ruleId: 'panic-across-ffi',
    severity: 'error',
    span: { file: lib, startLine: 12, startColumn: 5, endLine: 12, endColumn: 13 },
    message: '`unwrap` can panic inside `extern "C" fn get`',
    related: [],
    ...f,
  };
}

function scan(findings: Finding[], extra: Partial<ScanResult> = {}): ScanResult {
  return { findings, notifications: [], ruleIds: [], rules: [], filesScanned: 3, cratesScanned: 1, elapsedMs: 50, cwd: path.join(root, 'crates', 'kv'), repoRoot: root, includeSuppressed: false, ...extra };
}

const opts = (env: Record<string, string | undefined> = {}): RenderOptions => ({ color: false, version: '0', env });

describe('github', () => {
  it('prints one annotation per finding, by severity, with paths from the repository root', () => {
    const out = render(
      scan([
        finding({ help: 'return an error code instead' }),
        finding({ ruleId: 'lock-unwrap', severity: 'warning', span: { file: lib, startLine: 20, startColumn: 9, endLine: 20, endColumn: 30 }, message: 'poisoned lock' }),
        finding({ ruleId: 'header-string-without-length', severity: 'note', span: { file: lib, startLine: 30, startColumn: 1, endLine: 34, endColumn: 2 }, message: 'no length' }),
      ]),
      opts(),
    );
    expect(out).toBe(
      [
        '::error file=crates/kv/src/lib.rs,line=12,endLine=12,col=5,endColumn=13,title=ffiguard (panic-across-ffi)::`unwrap` can panic inside `extern "C" fn get`%0Ahelp: return an error code instead',
        '::warning file=crates/kv/src/lib.rs,line=20,endLine=20,col=9,endColumn=30,title=ffiguard (lock-unwrap)::poisoned lock',
        // Columns only on one-line spans: GitHub rejects them across lines.
        '::notice file=crates/kv/src/lib.rs,line=30,endLine=34,title=ffiguard (header-string-without-length)::no length',
        'ffiguard: 1 error, 1 warning, 1 note in 3 files (0.05s)',
        '',
      ].join('\n'),
    );
  });

  it('names files relative to GITHUB_WORKSPACE when set, and places files outside it in the message', () => {
    const outside = path.resolve('/elsewhere/vendor.rs');
    const out = render(scan([finding({}), finding({ span: { file: outside, startLine: 3, startColumn: 1, endLine: 3, endColumn: 4 } })]), opts({ GITHUB_WORKSPACE: path.join(root, 'crates') }));
    const [vendor, inside] = runnerLines(out).map(parseLikeRunner) as [Command, Command];
    expect(inside.props.file).toBe('kv/src/lib.rs');
    expect(vendor.props).toEqual({ title: 'ffiguard (panic-across-ffi)' });
    expect(vendor.data).toMatch(/^.*vendor\.rs:3:1: `unwrap` can panic/);
  });

  it('never lets a file name or a message inject a command', () => {
    const evilFile = path.join(root, 'src', 'a,line=1::error title=x::pwned%0A\n::warning::b:c%25.rs');
    const evilMessage = 'bad\r\n::error file=x.rs::injected\n::add-mask::secret %0A%25 done';
    const out = render(
      scan([finding({ span: { file: evilFile, startLine: 7, startColumn: 2, endLine: 7, endColumn: 3 }, message: evilMessage, help: 'x\n::stop-commands::t' })], {
        notifications: [{ level: 'warning', file: evilFile, message: 'unreadable\n::error::again' }],
      }),
      opts(),
    );
    const lines = runnerLines(out);
    // Two commands (the finding, the notification) and the summary: nothing else reached a line start.
    expect(lines).toHaveLength(3);
    const [f, n] = lines.map(parseLikeRunner);
    expect(f!.name).toBe('error');
    expect(f!.props.file).toBe(path.relative(root, evilFile).split(path.sep).join('/'));
    expect(Object.keys(f!.props)).toEqual(['file', 'line', 'endLine', 'col', 'endColumn', 'title']);
    expect(f!.props.line).toBe('7');
    // Line breaks inside the message became spaces; the one line break is the one before `help`.
    expect(f!.data).toBe('bad  ::error file=x.rs::injected ::add-mask::secret %0A%25 done\nhelp: x ::stop-commands::t');
    expect(n!.name).toBe('warning');
    expect(n!.props.file).toBe(f!.props.file);
    expect(n!.data).toBe('unreadable ::error::again');
    expect(parseLikeRunner(lines[2]!)).toBeNull();
  });

  it('escapes data and property values exactly as the runner unescapes them', () => {
    expect(escapeData('100% done\r\nnext')).toBe('100%25 done%0D%0Anext');
    expect(escapeProperty('a:b,c%d\ne')).toBe('a%3Ab%2Cc%25d%0Ae');
    for (const s of ['%0A', '%3A%2C', 'a:b,c', '%%25\r\n', '::x::']) {
      expect(unescape(escapeProperty(s), true)).toBe(s);
      expect(unescape(escapeData(s), false)).toBe(s);
    }
  });

  it('annotates notifications, leaves suppressed findings out, and is selectable as a report format', () => {
    const suppressed = finding({ suppression: { kind: 'comment', justification: 'checked' } });
    const out = renderReport('github', scan([suppressed], { includeSuppressed: true, notifications: [{ level: 'note', message: 'no Cargo.toml found' }] }), opts());
    expect(out).toBe('::notice title=ffiguard::no Cargo.toml found\nffiguard: no findings, 1 suppressed in 3 files (0.05s)\n');
  });

  it('says what the baseline hid', () => {
    const out = render(scan([], { baseline: { file: 'ffiguard-baseline.json', unchanged: [finding({})], absent: [] } }), opts());
    expect(runnerLines(out)).toEqual(['ffiguard: baseline ffiguard-baseline.json: 1 known finding hidden', 'ffiguard: no findings in 3 files (0.05s)']);
  });

  it('is what `ffiguard scan --format github` prints for the demo crate', async () => {
    const repo = path.resolve(import.meta.dirname, '..');
    let stdout = '';
    const sink = new Writable({ write: (chunk, _enc, done) => ((stdout += String(chunk)), done()) });
    const saved = process.env.GITHUB_WORKSPACE;
    process.env.GITHUB_WORKSPACE = repo;
    try {
      const code = await main(['scan', 'fixtures/demo-crate', '--format', 'github'], { stdout: sink, stderr: sink, cwd: repo });
      expect(code).toBe(1);
    } finally {
      if (saved === undefined) delete process.env.GITHUB_WORKSPACE;
      else process.env.GITHUB_WORKSPACE = saved;
    }
    const lines = runnerLines(stdout);
    const commands = lines.map(parseLikeRunner);
    expect(commands.at(-1)).toBeNull(); // the summary
    for (const c of commands.slice(0, -1)) {
      expect(['error', 'warning', 'notice']).toContain(c!.name);
      if (c!.props.file) expect(c!.props.file).toMatch(/^fixtures\/demo-crate\//);
    }
    expect(commands.filter((c) => c?.props.title?.startsWith('ffiguard (')).length).toBeGreaterThan(5);
  });
});
