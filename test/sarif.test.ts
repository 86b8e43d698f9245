/**
 * Runs Microsoft's SARIF validator (with its GitHub code scanning rules) on a realistic report: awkward
 * file names, related locations, a notification, a suppressed finding. GitHub rejects or silently
 * mangles what this catches, and nothing else would tell us before a user's upload fails.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Sarif from 'sarif';
import { afterAll, describe, expect, it } from 'vitest';
import { scan } from '../src/analyze.js';
import { applyBaseline, createBaseline } from '../src/baseline.js';
import type { Finding } from '../src/findings.js';
import { render } from '../src/report/sarif.js';
import { defineRule } from '../src/rule.js';
import type { ScanResult } from '../src/scan-result.js';

const repoDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const validator = path.join(repoDir, 'node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool');
// A self-contained .NET binary: without ICU installed it refuses to start unless told not to need it.
const validatorEnv = { ...process.env, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: '1' };

/** Why the validator cannot run here, or null when it can. */
function validatorUnavailable(): string | null {
  if (process.platform !== 'linux' || process.arch !== 'x64') return `the SARIF validator binary is linux-x64 only (this is ${process.platform}-${process.arch})`;
  if (!existsSync(validator)) return `${validator} is missing (run npm install)`;
  try {
    execFileSync(validator, ['--version'], { env: validatorEnv, stdio: 'pipe', timeout: 60_000 });
    return null;
  } catch (e) {
    return `${validator} does not run: ${(e as Error).message.split('\n')[0]}`;
  }
}

const panicAcrossFfi = defineRule({
  id: 'panic-across-ffi',
  language: 'rust',
  severity: 'error',
  summary: 'a panic can unwind out of an `extern "C"` function',
  precision: 'high',
  securitySeverity: '7.5',
  docs: {
    what: 'Flags `extern "C"` functions whose body can panic (`unwrap`, indexing, arithmetic overflow, explicit `panic!`) without a `catch_unwind` boundary around it.',
    why: 'Since Rust 1.81 a panic that reaches an `extern "C"` boundary aborts the whole process; before 1.81 it was undefined behaviour. A C caller has no way to recover either way.',
    useInstead: 'Run the body inside `std::panic::catch_unwind` and turn a panic into an error code, or declare the function `extern "C-unwind"` if the caller is prepared for unwinding.',
    example: {
      bad: '#[no_mangle]\npub extern "C" fn parse(p: *const c_char) -> i32 {\n    let s = unsafe { CStr::from_ptr(p) }.to_str().unwrap();\n    s.len() as i32\n}',
      good: '#[no_mangle]\npub extern "C" fn parse(p: *const c_char) -> i32 {\n    std::panic::catch_unwind(|| {\n        let s = unsafe { CStr::from_ptr(p) }.to_str().ok()?;\n        Some(s.len() as i32)\n    })\n    .ok()\n    .flatten()\n    .unwrap_or(-1)\n}',
    },
    notes: ['Functions built with `panic = "abort"` are still flagged: the process aborts instead of unwinding.'],
    references: [
      { title: 'RFC 2945: C-unwind ABI', url: 'https://rust-lang.github.io/rfcs/2945-c-unwind-abi.html' },
      { title: 'std::panic::catch_unwind', url: 'https://doc.rust-lang.org/std/panic/fn.catch_unwind.html' },
    ],
    cwe: ['CWE-248'],
  },
  check() {},
});

const missingSafetyDoc = defineRule({
  id: 'missing-safety-doc',
  language: 'rust',
  severity: 'warning',
  summary: 'an exported `unsafe extern "C"` function has no `# Safety` section',
  precision: 'very-high',
  docs: {
    what: 'Flags exported `unsafe extern "C"` functions, `pub` or not, whose doc comment lacks a `# Safety` section. '.repeat(12),
    why: 'Callers cannot know which pointer, length and lifetime rules they must uphold.',
    useInstead: 'Add a `# Safety` section that lists every precondition.',
    example: { bad: 'pub unsafe extern "C" fn f(p: *const u8) {}', good: '/// # Safety\n/// `p` must be valid for reads of one byte.\npub unsafe extern "C" fn f(p: *const u8) {}' },
    references: [{ title: 'clippy::missing_safety_doc', url: 'https://rust-lang.github.io/rust-clippy/master/index.html#missing_safety_doc' }],
    cwe: [],
  },
  check() {},
});

const tmpDirs: string[] = [];
afterAll(() => tmpDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function fixture(): { root: string; result: ScanResult } {
  const root = mkdtempSync(path.join(tmpdir(), 'ffiguard-sarif-'));
  tmpDirs.push(root);
  const write = (rel: string, text: string) => {
    const file = path.join(root, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    return file;
  };
  const lib = write('src/lib.rs', '#[no_mangle]\npub extern "C" fn parse(p: *const c_char) -> i32 {\n    let s = unsafe { CStr::from_ptr(p) }.to_str().unwrap();\n    s.len() as i32\n}\n');
  const spaced = write('src/my ffi/odd #1 100%.rs', 'pub unsafe extern "C" fn f(p: *const u8) {}\n');
  const unicode = write('src/ünïcödé/日本.rs', '// 日本語のコメント\npub extern "C" fn g() { panic!("ü") }\n');
  const finding = (f: Omit<Finding, 'related'> & Partial<Pick<Finding, 'related'>>): Finding => ({ related: [], ...f });
  const result: ScanResult = {
    findings: [
      finding({
        ruleId: 'panic-across-ffi',
        severity: 'error',
        span: { file: lib, startLine: 3, startColumn: 51, endLine: 3, endColumn: 59 },
        message: '`unwrap` can panic inside `extern "C" fn parse`',
        help: 'return an error code instead of unwrapping',
        related: [{ span: { file: lib, startLine: 2, startColumn: 1, endLine: 5, endColumn: 2 }, message: 'the FFI function `parse` starts here' }],
      }),
      finding({
        ruleId: 'missing-safety-doc',
        severity: 'warning',
        span: { file: spaced, startLine: 1, startColumn: 26, endLine: 1, endColumn: 27 },
        message: 'exported `unsafe extern "C" fn f` has no `# Safety` section',
      }),
      finding({
        ruleId: 'panic-across-ffi',
        severity: 'error',
        span: { file: unicode, startLine: 2, startColumn: 25, endLine: 2, endColumn: 36 },
        message: '`panic!` unwinds out of `extern "C" fn g`',
        help: 'wrap the body in `catch_unwind`',
      }),
      finding({
        ruleId: 'panic-across-ffi',
        severity: 'error',
        span: { file: lib, startLine: 4, startColumn: 5, endLine: 4, endColumn: 19 },
        message: 'cast can truncate',
        suppression: { kind: 'comment', justification: 'lengths are below i32::MAX by construction' },
      }),
    ],
    notifications: [
      { level: 'warning', file: path.join(root, 'src/broken.rs'), message: 'could not be parsed; skipped' },
      { level: 'note', message: 'no Cargo.toml found; scanned as loose files' },
    ],
    rules: [panicAcrossFfi, missingSafetyDoc],
    filesScanned: 3,
    cratesScanned: 1,
    elapsedMs: 42,
    cwd: root,
    repoRoot: root,
    includeSuppressed: true,
  };
  return { root, result };
}

/** Runs the validator on `sarif` and expects no error and no warning. */
function expectValid(dir: string, sarif: string): void {
  const out = path.join(dir, 'out.sarif');
  const report = path.join(dir, 'report.sarif');
  writeFileSync(out, sarif);
  // Exits 0 even when it finds problems: the verdict is in the report.
  execFileSync(validator, ['validate', out, '--rule-kind', 'Gh;Sarif', '--level', 'Error;Warning', '-o', report], {
    env: validatorEnv,
    stdio: 'pipe',
    timeout: 120_000,
  });
  const log = JSON.parse(readFileSync(report, 'utf8')) as Sarif.Log;
  // The report leaves `level` out for warnings: SARIF's default level is "warning".
  const problems = (log.runs[0]?.results ?? [])
    .map((r) => ({ ...r, level: r.level ?? 'warning' }))
    .filter((r) => r.level === 'error' || r.level === 'warning')
    .map((r) => `${r.level} ${r.ruleId}: ${r.message.text ?? (r.message.arguments ?? []).join(' | ')}`);
  const failures = log.runs[0]?.invocations?.flatMap((i) => i.toolExecutionNotifications ?? []).filter((n) => n.level === 'error') ?? [];
  if (problems.length) console.error(problems.join('\n'));
  expect(problems).toEqual([]);
  expect(failures.map((n) => n.message.text)).toEqual([]);
}

describe('sarif', () => {
  const unavailable = validatorUnavailable();
  if (unavailable) console.warn(`skipping SARIF validation: ${unavailable}`);

  (unavailable ? it.skip : it)('passes the SARIF validator with its GitHub rules', () => {
    const { root, result } = fixture();
    expectValid(root, render(result, { version: '0.1.0' }));
  });

  (unavailable ? it.skip : it)('passes the SARIF validator on a real scan of the demo crate', async () => {
    const result = await scan({ paths: [path.join(repoDir, 'fixtures/demo-crate')], cwd: repoDir });
    expect(result.findings.length).toBeGreaterThan(5);
    const dir = mkdtempSync(path.join(tmpdir(), 'ffiguard-sarif-'));
    tmpDirs.push(dir);
    expectValid(dir, render(result, { version: '0.1.0' }));
  }, 120_000);

  it('writes what GitHub reads', () => {
    const { result } = fixture();
    const log = JSON.parse(render(result, { version: '0.1.0' })) as Sarif.Log;
    const run = log.runs[0]!;
    expect(run.tool.driver.rules?.map((r) => r.name)).toEqual(['PanicAcrossFfi', 'MissingSafetyDoc']);
    const [panic, safety] = run.tool.driver.rules!;
    expect(panic!.properties).toMatchObject({ tags: ['ffi', 'security', 'external/cwe/cwe-248'], precision: 'high', 'security-severity': '7.5' });
    expect(safety!.properties!['security-severity']).toBeUndefined();
    expect(safety!.fullDescription!.text.length).toBeLessThanOrEqual(1024);
    expect(safety!.fullDescription!.text.endsWith('...')).toBe(true);
    expect(panic!.help!.markdown).toContain('### Why is this bad?');

    const uris = run.results!.map((r) => r.locations![0]!.physicalLocation!.artifactLocation!.uri);
    expect(uris).toEqual([
      'src/lib.rs',
      'src/lib.rs',
      'src/my%20ffi/odd%20%231%20100%25.rs',
      'src/%C3%BCn%C3%AFc%C3%B6d%C3%A9/%E6%97%A5%E6%9C%AC.rs',
    ]);
    expect(run.results![0]!.message.text).toBe('`unwrap` can panic inside `extern "C" fn parse`. Return an error code instead of unwrapping.');
    expect(run.results![0]!.relatedLocations).toHaveLength(1);
    expect(run.results![1]!.suppressions).toEqual([{ kind: 'inSource', justification: 'lengths are below i32::MAX by construction' }]);
    expect(run.originalUriBaseIds!['%SRCROOT%']!.uri).toMatch(/^file:\/\/\/.*\/$/);
    expect(run.invocations![0]!.toolExecutionNotifications).toHaveLength(2);
    expect(JSON.stringify(log)).not.toMatch(/Time"/);
  });

  /** The fixture compared with a baseline that lacks one finding and has one for a deleted file. */
  function withBaseline(): { root: string; result: ScanResult } {
    const { root, result } = fixture();
    const baseline = createBaseline(result, '0.1.0');
    baseline.findings = baseline.findings.filter((e) => !e.path.includes('日本'));
    baseline.findings.push({ ruleId: 'panic-across-ffi', path: 'src/gone.rs', fingerprint: '00112233aabbccdd:1', line: 7, message: '`unwrap` can panic inside `extern "C" fn gone`' });
    return { root, result: applyBaseline(result, baseline, 'ffiguard-baseline.json') };
  }

  (unavailable ? it.skip : it)('passes the SARIF validator with baseline states', () => {
    const { root, result } = withBaseline();
    expectValid(root, render(result, { version: '0.1.0' }));
  });

  it('marks results new, unchanged or absent against a baseline', () => {
    const { result } = withBaseline();
    const run = (JSON.parse(render(result, { version: '0.1.0' })) as Sarif.Log).runs[0]!;
    const states = run.results!.map((r) => [r.locations![0]!.physicalLocation!.artifactLocation!.uri, r.baselineState]);
    expect(states).toEqual([
      ['src/lib.rs', 'unchanged'],
      ['src/lib.rs', 'new'], // suppressed: never in a baseline
      ['src/my%20ffi/odd%20%231%20100%25.rs', 'unchanged'],
      ['src/%C3%BCn%C3%AFc%C3%B6d%C3%A9/%E6%97%A5%E6%9C%AC.rs', 'new'],
      ['src/gone.rs', 'absent'],
    ]);
    const absent = run.results!.at(-1)!;
    expect(absent).toMatchObject({ ruleId: 'panic-across-ffi', ruleIndex: 0, level: 'error', partialFingerprints: { primaryLocationLineHash: '00112233aabbccdd:1' } });
    expect(absent.locations![0]!.physicalLocation!.region).toEqual({ startLine: 7 });
    // Same fingerprints as without a baseline: GitHub must not see the baseline as new alerts.
    const { result: plain } = fixture();
    const hashes = (log: string) => (JSON.parse(log) as Sarif.Log).runs[0]!.results!.filter((r) => r.baselineState !== 'absent').map((r) => r.partialFingerprints);
    expect(hashes(render(result, { version: '0.1.0' }))).toEqual(hashes(render(plain, { version: '0.1.0' })));
    // Without a baseline, no result says anything about one.
    expect(render(plain, { version: '0.1.0' })).not.toContain('baselineState');
  });

  it('is byte-identical for identical input, whatever the order findings arrive in', () => {
    const { result } = fixture();
    const shuffled = { ...result, findings: [...result.findings].reverse(), notifications: [...result.notifications].reverse() };
    expect(render(shuffled, { version: '0.1.0' })).toBe(render(result, { version: '0.1.0' }));
  });
});
