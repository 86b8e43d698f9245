/**
 * The editor contract (`--format compact`) read through the shipped problem matchers: the GitHub
 * Actions matcher (.github/ffiguard-matcher.json) and the VS Code task (editors/vscode/tasks.json).
 * Every compact line of a real scan, and of the real renderer on Windows paths, must give back every
 * field exactly, the way each tool reads it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from './run-cli.js';
import type { Finding } from '../src/findings.js';
import type { JsonReport } from '../src/report/json.js';
import type { ScanResult } from '../src/scan-result.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const DEMO = path.join(ROOT, 'fixtures/demo-crate');
const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8'));

interface Pattern {
  regexp: string;
  file: number;
  line: number;
  column: number;
  severity?: number;
  message: number;
  code: number;
}
interface GithubMatcher {
  owner: string;
  severity?: string;
  pattern: Pattern[];
}
const githubMatchers = (readJson('.github/ffiguard-matcher.json') as { problemMatcher: GithubMatcher[] }).problemMatcher;
const vscodeMatcher = (readJson('editors/vscode/tasks.json') as { tasks: { problemMatcher: { owner: string; pattern: Pattern } }[] }).tasks[0]!.problemMatcher;

interface Problem {
  file: string;
  line: number;
  column: number;
  severity: string;
  message: string;
  code: string;
}

function fields(p: Pattern, m: RegExpExecArray, severity: string): Problem {
  return { file: m[p.file]!, line: Number(m[p.line]), column: Number(m[p.column]), severity, message: m[p.message]!, code: m[p.code]! };
}

/**
 * What the Actions runner makes of a line (runner src/Runner.Worker: IssueMatcher.cs, OutputManager.cs):
 * matchers are tried in order; a match whose severity (captured, else the matcher's default, else
 * `error`) is not error/warning/notice is dropped and the next matcher is tried. The runner's regexes are
 * .NET with RegexOptions.ECMAScript, which JavaScript's RegExp follows for the constructs used here.
 */
function githubProblem(line: string): (Problem & { owner: string }) | undefined {
  for (const matcher of githubMatchers) {
    const p = matcher.pattern[0]!;
    const m = new RegExp(p.regexp).exec(line);
    if (!m) continue;
    const severity = ((p.severity ? m[p.severity] : undefined) || matcher.severity || 'error').toLowerCase();
    if (!['error', 'warning', 'notice'].includes(severity)) continue;
    return { owner: matcher.owner, ...fields(p, m, severity) };
  }
  return undefined;
}

/** What VS Code makes of a line: `note` is read as `info` by VS Code itself (problemMatcher.ts getSeverity). */
function vscodeProblem(line: string): Problem | undefined {
  const p = vscodeMatcher.pattern;
  const m = new RegExp(p.regexp).exec(line);
  if (!m) return undefined;
  const captured = m[p.severity!]!.toLowerCase();
  const severity = captured === 'note' ? 'info' : ['error', 'warning', 'info'].includes(captured) ? captured : 'error';
  return fields(p, m, severity);
}

const GITHUB_SEVERITY = { error: 'error', warning: 'warning', note: 'notice' } as const;
const VSCODE_SEVERITY = { error: 'error', warning: 'warning', note: 'info' } as const;

/** Both matchers must give back exactly `expected` (its severity in ffiguard's words). */
function expectBothRead(line: string, expected: Problem): void {
  const severity = expected.severity as keyof typeof GITHUB_SEVERITY;
  expect(vscodeProblem(line), line).toEqual({ ...expected, severity: VSCODE_SEVERITY[severity] });
  const gh = githubProblem(line);
  expect(gh, line).toBeDefined();
  const { owner, ...problem } = gh!;
  expect(problem, line).toEqual({ ...expected, severity: GITHUB_SEVERITY[severity] });
  expect(owner).toBe(severity === 'note' ? 'ffiguard-note' : 'ffiguard');
  // Each GitHub matcher reads only its own lines, whatever the runner does with a severity it rejects.
  expect(githubMatchers.filter((m) => new RegExp(m.pattern[0]!.regexp).test(line)), line).toHaveLength(1);
}

const run = runCli;

/** A tree whose paths have spaces, colons, `%`, brackets, non-ASCII letters and line breaks. */
function awkwardTree(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ffiguard-matchers-'));
  for (const name of ['my crate: v1', '100% ünï 日本', 'v1:2:3', 'x%0A%25 [1] (copy)']) fs.cpSync(DEMO, path.join(dir, 'crates', name), { recursive: true });
  const loose = path.join(dir, 'loose');
  const panicky = '#[no_mangle]\npub extern "C" fn item(v: &[u32; 4], i: usize) -> u32 {\n    v[i]\n}\n';
  for (const name of ['a:1:2.rs', 'ünï 日本.rs', 'dir\nwith\rbreaks/x.rs', '::error::not-a-command.rs', 'C:\\not\\windows.rs']) {
    fs.mkdirSync(path.dirname(path.join(loose, name)), { recursive: true });
    fs.writeFileSync(path.join(loose, name), panicky);
  }
  // A suppressed finding (with --include-suppressed) carries its justification inside the message.
  fs.writeFileSync(
    path.join(loose, 'suppressed.rs'),
    '#[no_mangle]\npub extern "C" fn item(v: &[u32; 4], i: usize) -> u32 {\n    v[i] // ffiguard-ignore: panic-across-ffi -- checked by [caller]: see a.rs:1:2: error: x\n}\n',
  );
  return dir;
}

describe('compact output through the shipped problem matchers', () => {
  afterEach(() => {
    vi.doUnmock('node:path');
    vi.resetModules();
  });

  it('gives back every field of every finding of a real scan, whatever the paths contain', async () => {
    const dir = awkwardTree();
    const args = ['scan', '.', '--fail-on', 'none', '--include-suppressed'];
    const compact = await run(dir, ...args, '--format', 'compact');
    const json = await run(dir, ...args, '--format', 'json');
    expect(compact.code).toBe(0);
    const report = JSON.parse(json.stdout) as JsonReport;

    // Exactly one line per finding, in the same order as the JSON report.
    expect(compact.stdout.endsWith('\n')).toBe(true);
    const lines = compact.stdout.slice(0, -1).split('\n');
    expect(lines).toHaveLength(report.findings.length);
    expect(new Set(report.findings.map((f) => f.severity))).toEqual(new Set(['error', 'warning', 'note']));
    expect(report.findings.some((f) => f.suppressed)).toBe(true);
    for (const dirName of ['my crate: v1', '100% ünï 日本', 'v1:2:3', 'x%0A%25 [1] (copy)']) {
      expect(report.findings.filter((f) => f.path.startsWith(path.join('crates', dirName) + path.sep)).length).toBeGreaterThan(10);
    }
    for (const name of ['a:1:2.rs', 'ünï 日本.rs', 'dir\nwith\rbreaks/x.rs', '::error::not-a-command.rs', 'C:\\not\\windows.rs', 'suppressed.rs']) {
      expect(report.findings.some((f) => f.path === path.join('loose', name))).toBe(true);
    }

    lines.forEach((line, i) => {
      const f = report.findings[i]!;
      expect(f.message).not.toMatch(/[\r\n]/);
      expectBothRead(line, {
        // A line break in a file name cannot survive a one-line format: it is printed as a space.
        file: f.path.replace(/[\r\n]/g, ' '),
        line: f.startLine,
        column: f.startColumn,
        severity: f.severity,
        message: f.suppressed ? `${f.message} (suppressed: ${f.suppressed.justification})` : f.message,
        code: f.ruleId,
      });
      // The runner roots a relative file at the workspace (where the action runs ffiguard); it must exist there.
      if (!/[\r\n]/.test(f.path)) expect(fs.existsSync(path.join(dir, vscodeProblem(line)!.file)), line).toBe(true);
    });
  });

  it('gives back Windows paths (relative, other drive, UNC) and messages with line breaks from the real renderer', async () => {
    // The renderer on a Windows machine: node:path is path.win32 there.
    vi.resetModules();
    vi.doMock('node:path', () => ({ ...path.win32, default: path.win32 }));
    const { render } = await import('../src/report/compact.js');

    const cwd = 'C:\\Users\\dev\\my proj';
    const cases: { file: string; message: string; shown: { file: string; message: string }; severity: Finding['severity']; ruleId: string }[] = [
      { file: `${cwd}\\crates\\ünï 日本\\src\\lib.rs`, message: 'crlf\r\nand\u2028separator\tand tab', shown: { file: 'crates\\ünï 日本\\src\\lib.rs', message: 'crlf  and separator and tab' }, severity: 'warning', ruleId: 'lock-unwrap' },
      { file: `${cwd}\\src\\lib.rs`, message: 'first line\nsecond line', shown: { file: 'src\\lib.rs', message: 'first line second line' }, severity: 'error', ruleId: 'panic-across-ffi' },
      { file: 'D:\\vendor\\100% done\\include\\api.h', message: '`char *` [x] at a.rs:1:2: error: y', shown: { file: 'D:\\vendor\\100% done\\include\\api.h', message: '`char *` [x] at a.rs:1:2: error: y' }, severity: 'note', ruleId: 'header-string-without-length' },
      { file: '\\\\server\\share\\crate\\src\\ffi.rs', message: 'ends in a bracket [y]', shown: { file: '\\\\server\\share\\crate\\src\\ffi.rs', message: 'ends in a bracket [y]' }, severity: 'error', ruleId: 'ffi-null-deref' },
    ];
    const findings: Finding[] = cases.map((c, i) => ({
      ruleId: c.ruleId,
      severity: c.severity,
      message: c.message,
      related: [],
      span: { file: c.file, startLine: 10 + i, startColumn: 3 + i, endLine: 10 + i, endColumn: 9 + i },
    }));
    const result: ScanResult = { findings, notifications: [], ruleIds: [], rules: [], filesScanned: 4, cratesScanned: 1, elapsedMs: 1, cwd, repoRoot: cwd, includeSuppressed: false };
    const out = render(result, { color: false, version: '0.0.0' });

    const lines = out.slice(0, -1).split('\n');
    expect(lines).toHaveLength(cases.length);
    // The cases are listed in the renderer's order: by path, in code-unit order.
    cases.forEach((c, i) => {
      expectBothRead(lines[i]!, { ...c.shown, line: 10 + i, column: 3 + i, severity: c.severity, code: c.ruleId });
    });
  });

  it('leaves other output alone', () => {
    for (const line of [
      'ffiguard: warning: src/lib.rs: could not parse file',
      'src/main.c:3:5: error: expected `;`',
      'warning: unused variable: `x`',
      '  --> src/lib.rs:3:5',
      'ffiguard: 3 errors, 2 warnings, 0 notes in 4 files',
    ]) {
      expect(githubProblem(line), line).toBeUndefined();
      expect(vscodeProblem(line), line).toBeUndefined();
    }
  });

  it('uses only what both regex engines read alike', () => {
    for (const p of [...githubMatchers.map((m) => m.pattern[0]!), vscodeMatcher.pattern]) {
      // No lookbehind, named groups, Unicode classes or flags: .NET ECMAScript mode and JavaScript agree on the rest.
      expect(p.regexp).not.toMatch(/\(\?<|\\p\{|\\k<|\(\?[a-z]/i);
    }
    expect(githubMatchers.map((m) => m.owner)).toEqual(['ffiguard', 'ffiguard-note']);
    // The runner accepts only error, warning and notice as a default severity.
    expect(githubMatchers[1]!.severity).toBe('notice');
  });
});

describe('editor setup in the README', () => {
  it('shows editors/vscode/tasks.json verbatim', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const tasks = fs.readFileSync(path.join(ROOT, 'editors/vscode/tasks.json'), 'utf8');
    expect(readme).toContain('```json\n' + tasks + '```\n');
  });
});
