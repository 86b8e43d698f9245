/**
 * Runs Microsoft's SARIF validator (with its GitHub code scanning rules) on a realistic report: awkward
 * file names, related locations, a notification, a suppressed finding. GitHub rejects or silently
 * mangles what this catches, and nothing else would tell us before a user's upload fails.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as Sarif from 'sarif';
import { afterAll, describe, expect, it } from 'vitest';
import { scan } from '../src/analyze.js';
import { applyBaseline, createBaseline } from '../src/baseline.js';
import type { Finding } from '../src/findings.js';
import { normaliseRemoteUrl, readGitProvenance, remoteUrl } from '../src/git.js';
import { PROJECT_URL } from '../src/project.js';
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
    ruleIds: [panicAcrossFfi.id, missingSafetyDoc.id],
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

const SHA = '0123456789abcdef0123456789abcdef01234567';

/** A `.git` directory as a clone leaves it: origin with a token in its URL, a branch in packed-refs. */
function fakeGit(root: string, head = 'ref: refs/heads/main\n'): void {
  mkdirSync(path.join(root, '.git/refs/heads'), { recursive: true });
  writeFileSync(path.join(root, '.git/HEAD'), head);
  writeFileSync(
    path.join(root, '.git/config'),
    '[core]\n\tbare = false\n[remote "upstream"]\n\turl = https://github.com/other/fork.git\n[remote "origin"]\n\turl = https://x-access-token:ghs_secret@github.com/acme/kv-store.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n',
  );
  writeFileSync(path.join(root, '.git/packed-refs'), `# pack-refs with: peeled fully-peeled sorted\n${SHA} refs/heads/main\n`);
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
    const { root, result } = fixture();
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
    // No absolute path of the machine unless asked for (--absolute-paths).
    expect(run.originalUriBaseIds).toEqual({ '%SRCROOT%': { description: { text: expect.stringMatching(/^The root of the scanned source tree/) } } });
    expect((JSON.parse(render(result, { version: '0.1.0', absolutePaths: true })) as Sarif.Log).runs[0]!.originalUriBaseIds!['%SRCROOT%']!.uri).toBe(pathToFileURL(root).href + '/');
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

  (unavailable ? it.skip : it)('passes the SARIF validator with a category, git provenance and baseline states', () => {
    const { root, result } = withBaseline();
    fakeGit(root);
    expectValid(root, render(result, { version: '0.1.0', category: 'crates/kv' }));
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

  it('writes the category, the checkout and links to the rule docs', () => {
    const { root, result } = fixture();
    fakeGit(root);
    const run = (JSON.parse(render(result, { version: '0.1.0', category: 'crates/kv' })) as Sarif.Log).runs[0]!;
    expect(run.automationDetails).toEqual({ id: 'crates/kv/' });
    expect((JSON.parse(render(result, { version: '0.1.0', category: 'ffiguard/' })) as Sarif.Log).runs[0]!.automationDetails).toEqual({ id: 'ffiguard/' });
    expect(run.versionControlProvenance).toEqual([{ repositoryUri: 'https://github.com/acme/kv-store', revisionId: SHA, branch: 'main', mappedTo: { uriBaseId: '%SRCROOT%' } }]);
    expect(JSON.stringify(run)).not.toContain('ghs_secret');
    expect(run.tool.driver.informationUri).toBe(PROJECT_URL);
    expect(run.tool.driver.rules!.map((r) => r.helpUri)).toEqual([`${PROJECT_URL}/blob/main/docs/rules/panic-across-ffi.md`, `${PROJECT_URL}/blob/main/docs/rules/missing-safety-doc.md`]);
    // No checkout, no category: neither is written.
    const bare = (JSON.parse(render(fixture().result, { version: '0.1.0' })) as Sarif.Log).runs[0]!;
    expect(bare.automationDetails).toBeUndefined();
    expect(bare.versionControlProvenance).toBeUndefined();
  });

  it('points at the same project as package.json', () => {
    const pkg = JSON.parse(readFileSync(path.join(repoDir, 'package.json'), 'utf8')) as { homepage: string; repository: { url: string } };
    expect(pkg.homepage.replace(/#.*$/, '')).toBe(PROJECT_URL);
    expect(normaliseRemoteUrl(pkg.repository.url.replace(/^git\+/, ''))).toBe(PROJECT_URL);
  });

  it('tags every real rule with ffi, security when it has a security severity, and its CWEs', async () => {
    const { ALL_RULES } = await import('../rules/index.js');
    const { result } = fixture();
    const rules = (JSON.parse(render({ ...result, rules: ALL_RULES }, { version: '0.1.0' })) as Sarif.Log).runs[0]!.tool.driver.rules!;
    for (const [i, r] of rules.entries()) {
      const rule = ALL_RULES[i]!;
      const tags = r.properties!.tags!;
      expect(tags[0]).toBe('ffi');
      expect(tags.includes('security')).toBe(rule.securitySeverity !== undefined);
      expect(tags.filter((t) => t.startsWith('external/cwe/'))).toEqual(rule.docs.cwe.map((c) => `external/cwe/${c.toLowerCase()}`));
      for (const t of tags.filter((t) => t.startsWith('external/'))) expect(t).toMatch(/^external\/cwe\/cwe-\d+$/);
    }
  });

  it('is byte-identical for identical input, whatever the order findings arrive in', () => {
    const { result } = fixture();
    const shuffled = { ...result, findings: [...result.findings].reverse(), notifications: [...result.notifications].reverse() };
    expect(render(shuffled, { version: '0.1.0' })).toBe(render(result, { version: '0.1.0' }));
  });
});

describe('git provenance (read from .git, never by running git)', () => {
  const dir = () => {
    const d = mkdtempSync(path.join(tmpdir(), 'ffiguard-git-'));
    tmpDirs.push(d);
    return d;
  };

  it('resolves HEAD through a loose ref before packed-refs', () => {
    const root = dir();
    fakeGit(root);
    const loose = 'fedcba9876543210fedcba9876543210fedcba98';
    writeFileSync(path.join(root, '.git/refs/heads/main'), `${loose}\n`);
    expect(readGitProvenance(root)).toEqual({ repositoryUri: 'https://github.com/acme/kv-store', revisionId: loose, branch: 'main' });
  });

  it('gives the commit but no branch on a detached HEAD (a pull-request checkout)', () => {
    const root = dir();
    fakeGit(root, `${SHA}\n`);
    expect(readGitProvenance(root)).toEqual({ repositoryUri: 'https://github.com/acme/kv-store', revisionId: SHA });
  });

  it('follows a .git file to a linked worktree and its common directory', () => {
    const main = dir();
    fakeGit(main);
    const wt = path.join(main, '.git/worktrees/feature');
    mkdirSync(wt, { recursive: true });
    writeFileSync(path.join(wt, 'HEAD'), 'ref: refs/heads/feature\n');
    writeFileSync(path.join(wt, 'commondir'), '../..\n');
    writeFileSync(path.join(main, '.git/refs/heads/feature'), `${SHA}\n`);
    const checkout = dir();
    writeFileSync(path.join(checkout, '.git'), `gitdir: ${wt}\n`);
    expect(readGitProvenance(checkout)).toEqual({ repositoryUri: 'https://github.com/acme/kv-store', revisionId: SHA, branch: 'feature' });
  });

  it('gives nothing without a .git, or without an origin that has a web address', () => {
    expect(readGitProvenance(dir())).toBeUndefined();
    const root = dir();
    fakeGit(root);
    writeFileSync(path.join(root, '.git/config'), '[remote "origin"]\n\turl = /srv/git/kv.git\n');
    expect(readGitProvenance(root)).toBeUndefined();
  });

  it.each([
    ['https://github.com/acme/kv.git', 'https://github.com/acme/kv'],
    ['https://user:ghp_token@github.com/acme/kv.git/', 'https://github.com/acme/kv'],
    ['https://oauth2:tok@gitlab.example.com:8443/group/sub/kv.git?private_token=x#frag', 'https://gitlab.example.com:8443/group/sub/kv'],
    ['git@github.com:acme/kv.git', 'https://github.com/acme/kv'],
    ['github.com:acme/kv', 'https://github.com/acme/kv'],
    ['ssh://git@github.com:22/acme/kv.git', 'https://github.com/acme/kv'],
    ['git+ssh://git@GitHub.com/acme/kv', 'https://github.com/acme/kv'],
    ['git://github.com/acme/kv.git', 'https://github.com/acme/kv'],
    ['http://intranet/kv.git', 'http://intranet/kv'],
    ['/srv/git/kv.git', undefined],
    ['../kv', undefined],
    ['file:///srv/git/kv.git', undefined],
    ['C:\\repos\\kv', undefined],
  ])('normalises the remote %s', (url, expected) => {
    expect(normaliseRemoteUrl(url)).toBe(expected);
  });

  it('reads remote URLs the way git config does', () => {
    const config = [
      '[Remote "origin"] ; a comment',
      '\tURL = "https://github.com/acme/first.git" # trailing comment',
      '[remote "Origin"]',
      '\turl = https://github.com/acme/not-this.git',
      '[remote "origin"]',
      '\turl = https://github.com/acme/last.git',
      '[remote.upstream]',
      '\turl = https://github.com/acme/old-syntax.git',
    ].join('\n');
    expect(remoteUrl(config, 'origin')).toBe('https://github.com/acme/last.git');
    expect(remoteUrl(config, 'upstream')).toBe('https://github.com/acme/old-syntax.git');
    expect(remoteUrl(config, 'none')).toBeUndefined();
  });
});
