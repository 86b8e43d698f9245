/** Baselines: what matches across edits, the file format, its errors, and the CLI flow of adopting ffiguard. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';
import { applyBaseline, createBaseline, readBaseline, serializeBaseline, type Baseline } from '../src/baseline.js';
import { UsageError } from '../src/errors.js';
import type { Finding } from '../src/findings.js';
import type { JsonReport } from '../src/report/json.js';
import { defineRule, type Rule } from '../src/rule.js';
import type { ScanResult } from '../src/scan-result.js';

const tmpDirs: string[] = [];
afterAll(() => tmpDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'ffiguard-baseline-'));
  tmpDirs.push(d);
  return d;
}

const rule = (id: string): Rule =>
  defineRule({
    id,
    language: 'rust',
    severity: 'error',
    summary: id,
    precision: 'high',
    docs: { what: 'x', why: 'y', useInstead: 'z', example: { bad: 'a', good: 'b' }, references: [], cwe: [] },
    check() {},
  });

const root = path.resolve('/repo');
const lib = path.join(root, 'src', 'lib.rs');
const other = path.join(root, 'src', 'other.rs');
const SOURCE = ['#[no_mangle]', 'pub extern "C" fn get(p: *const u8) -> u8 {', '    let v = unsafe { *p };', '    v.checked_add(1).unwrap()', '}', ''].join('\n');

function at(line: number, ruleId = 'panic-across-ffi', file = lib): Finding {
  return { ruleId, severity: 'error', span: { file, startLine: line, startColumn: 5, endLine: line, endColumn: 9 }, message: `finding at ${line}`, related: [] };
}

function result(findings: Finding[], extra: Partial<ScanResult> = {}): ScanResult {
  return {
    findings,
    notifications: [],
    ruleIds: ['panic-across-ffi', 'ffi-null-deref'],
    rules: [rule('panic-across-ffi'), rule('ffi-null-deref')],
    filesScanned: 1,
    cratesScanned: 1,
    elapsedMs: 1,
    cwd: root,
    repoRoot: root,
    includeSuppressed: false,
    ...extra,
  };
}

describe('matching', () => {
  const read = (text: string) => (file: string) => (file === lib ? text : undefined);
  const baseline = createBaseline(result([at(3, 'ffi-null-deref'), at(4)]), '0.1.0', read(SOURCE));

  it('still matches a finding after lines are added above it', () => {
    const shifted = '// SPDX-License-Identifier: MIT\n\nuse std::ffi::c_char;\n' + SOURCE;
    const compared = applyBaseline(result([at(6, 'ffi-null-deref'), at(7)]), baseline, 'b.json', read(shifted));
    expect(compared.findings).toEqual([]);
    expect(compared.baseline!.unchanged).toHaveLength(2);
    expect(compared.baseline!.absent).toEqual([]);
  });

  it('reports a finding as new when its line changes, and the old entry as fixed', () => {
    const edited = SOURCE.replace('v.checked_add(1).unwrap()', 'v.checked_add(2).unwrap()');
    const compared = applyBaseline(result([at(3, 'ffi-null-deref'), at(4)]), baseline, 'b.json', read(edited));
    expect(compared.findings.map((f) => f.span.startLine)).toEqual([4]);
    expect(compared.baseline!.unchanged.map((f) => f.ruleId)).toEqual(['ffi-null-deref']);
    expect(compared.baseline!.absent.map((e) => [e.ruleId, e.line])).toEqual([['panic-across-ffi', 4]]);
  });

  it('tells apart the same rule on identical lines by occurrence', () => {
    const twice = 'x.unwrap();\nx.unwrap();\n';
    const b = createBaseline(result([at(1), at(2)]), '0', read(twice));
    expect(b.findings.map((e) => e.fingerprint.split(':')[1])).toEqual(['1', '2']);
    // One of the two is fixed: one is still known, one entry is fixed.
    const compared = applyBaseline(result([at(1)]), b, 'b.json', read('x.unwrap();\n'));
    expect([compared.findings.length, compared.baseline!.unchanged.length, compared.baseline!.absent.length]).toEqual([0, 1, 1]);
  });

  it('counts as fixed only entries of rules that ran and of files scanned or deleted', () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'src'));
    for (const f of ['lib.rs', 'other.rs']) fs.writeFileSync(path.join(dir, 'src', f), SOURCE);
    const dLib = path.join(dir, 'src/lib.rs');
    const entry = (ruleId: string, p: string) => ({ ruleId, path: p, fingerprint: '0000000000000000:1', line: 1, message: 'm' });
    const b: Baseline = {
      tool: 'ffiguard',
      format: 1,
      version: '0',
      findings: [entry('panic-across-ffi', 'src/lib.rs'), entry('panic-across-ffi', 'src/other.rs'), entry('panic-across-ffi', 'src/deleted.rs'), entry('lock-unwrap', 'src/lib.rs')],
    };
    const compared = applyBaseline(result([], { repoRoot: dir, cwd: dir, files: [dLib] }), b, 'b.json');
    expect(compared.baseline!.absent.map((e) => `${e.ruleId} ${e.path}`)).toEqual(['panic-across-ffi src/lib.rs', 'panic-across-ffi src/deleted.rs']);
  });

  it('never matches a suppressed finding', () => {
    const suppressed = { ...at(4), suppression: { kind: 'comment' as const, justification: 'ok' } };
    const withIt = result([at(3, 'ffi-null-deref'), suppressed], { includeSuppressed: true });
    expect(createBaseline(withIt, '0', read(SOURCE)).findings.map((e) => e.ruleId)).toEqual(['ffi-null-deref']);
    const compared = applyBaseline(withIt, baseline, 'b.json', read(SOURCE));
    expect(compared.findings).toEqual([suppressed]);
  });
});

describe('the baseline file', () => {
  const read = (file: string) => (file === lib || file === other ? SOURCE : undefined);

  it('is sorted and identical whatever order the findings come in', () => {
    const findings = [at(4, 'panic-across-ffi', other), at(3, 'ffi-null-deref'), at(4)];
    const a = serializeBaseline(createBaseline(result(findings), '0.1.0', read));
    const b = serializeBaseline(createBaseline(result([...findings].reverse()), '0.1.0', read));
    expect(a).toBe(b);
    const doc = JSON.parse(a) as Baseline;
    expect(Object.keys(doc)).toEqual(['tool', 'format', 'version', 'findings']);
    expect(doc.findings.map((e) => `${e.path}:${e.line} ${e.ruleId}`)).toEqual(['src/lib.rs:3 ffi-null-deref', 'src/lib.rs:4 panic-across-ffi', 'src/other.rs:4 panic-across-ffi']);
    expect(Object.keys(doc.findings[0]!)).toEqual(['ruleId', 'path', 'fingerprint', 'line', 'message']);
    expect(doc.findings[0]!.fingerprint).toMatch(/^[0-9a-f]{16}:1$/);
    expect(serializeBaseline(createBaseline(result([]), '0.1.0'))).toBe('{\n  "tool": "ffiguard",\n  "format": 1,\n  "version": "0.1.0",\n  "findings": []\n}\n');
  });

  it('reads back what it wrote', () => {
    const file = path.join(tempDir(), 'b.json');
    const written = createBaseline(result([at(3, 'ffi-null-deref'), at(4, 'panic-across-ffi', other)]), '0.1.0', read);
    fs.writeFileSync(file, serializeBaseline(written));
    expect(readBaseline(file)).toEqual(written);
  });

  it.each([
    ['missing', null, /no such file/],
    ['not JSON', '{"tool": "ffiguard",\n', /not valid JSON/],
    ['another tool', '{"runs": []}', /not an ffiguard baseline/],
    ['a future format', '{"tool": "ffiguard", "format": 2, "findings": []}', /unsupported format 2/],
    ['an entry without a fingerprint', '{"tool": "ffiguard", "format": 1, "findings": [{"ruleId": "x", "path": "a.rs", "message": "m"}]}', /findings\[0\]/],
  ])('rejects a baseline file that is %s, on one line naming it', (_what, content, why) => {
    const file = path.join(tempDir(), 'my baseline.json');
    if (content !== null) fs.writeFileSync(file, content);
    let error: unknown;
    try {
      readBaseline(file, 'my baseline.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    const message = (error as Error).message;
    expect(message).toMatch(/^cannot read baseline my baseline\.json: /);
    expect(message).toMatch(why);
    expect(message).not.toContain('\n');
  });
});

describe('ffiguard scan --write-baseline / --baseline', () => {
  const crate = (): string => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(path.join(dir, 'Cargo.toml'), '[package]\nname = "kv"\nversion = "0.1.0"\nedition = "2021"\n');
    fs.writeFileSync(
      path.join(dir, 'src/lib.rs'),
      '#[no_mangle]\npub extern "C" fn first(p: *const u8) -> u8 {\n    unsafe { *p }\n}\n\n#[no_mangle]\npub extern "C" fn second(p: *const u8) -> u8 {\n    unsafe { *p }\n}\n',
    );
    return dir;
  };
  const run = runCli;

  it('adopts on an existing crate: record, then see only new findings', async () => {
    const dir = crate();
    const written = await run(dir, 'scan', '.', '--write-baseline', 'ffiguard-baseline.json');
    expect(written.code).toBe(0);
    expect(written.stderr).toMatch(/^ffiguard: wrote \d+ finding\(s\) to the baseline ffiguard-baseline\.json\n$/);
    const recorded = JSON.parse(fs.readFileSync(path.join(dir, 'ffiguard-baseline.json'), 'utf8')) as Baseline;
    const known = recorded.findings.length;
    expect(recorded.findings.map((e) => e.ruleId)).toContain('ffi-null-deref');
    expect(written.stdout).toContain(`ffiguard: baseline ffiguard-baseline.json: ${known} known findings hidden\n`);

    const clean = await run(dir, 'scan', '.', '--baseline', 'ffiguard-baseline.json');
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/ffiguard: no findings in 1 file/);

    // Code added above the old findings, one of them fixed, and a new hazard.
    const lib = path.join(dir, 'src/lib.rs');
    const old = fs.readFileSync(lib, 'utf8');
    fs.writeFileSync(
      lib,
      '//! A key-value store.\n\n' +
        old.replace('pub extern "C" fn second(p: *const u8) -> u8 {\n    unsafe { *p }', 'pub extern "C" fn second(p: *const u8) -> u8 {\n    if p.is_null() { return 0 }\n    unsafe { *p }') +
        '\n#[no_mangle]\npub extern "C" fn third(q: *mut u32) {\n    unsafe { *q = 1 }\n}\n',
    );
    const after = await run(dir, 'scan', '.', '--baseline', 'ffiguard-baseline.json');
    expect(after.code).toBe(1);
    expect(after.stdout).toContain('`third`');
    expect(after.stdout).not.toMatch(/--> src.lib\.rs:5:/); // the old finding in `first`, now on line 5
    expect(after.stdout).toMatch(/ffiguard: baseline ffiguard-baseline\.json: \d+ known findings? hidden, [1-9]\d* fixed since it was written/);

    const json = JSON.parse((await run(dir, 'scan', '.', '--baseline', 'ffiguard-baseline.json', '--format', 'json')).stdout) as JsonReport;
    expect(json.findings.every((f) => f.message.includes('third'))).toBe(true);
    expect(json.summary.baseline).toMatchObject({ path: 'ffiguard-baseline.json' });
    expect(json.summary.baseline!.hidden + json.summary.baseline!.fixed).toBe(known);

    const compact = await run(dir, 'scan', '.', '--baseline', 'ffiguard-baseline.json', '--format', 'compact');
    expect(compact.stdout.trimEnd().split('\n').every((l) => l.includes('third'))).toBe(true);
    expect(compact.stderr).toContain('ffiguard: baseline ffiguard-baseline.json:');

    // --fail-on still decides on the new findings alone.
    expect((await run(dir, 'scan', '.', '--baseline', 'ffiguard-baseline.json', '--fail-on', 'none')).code).toBe(0);
  });

  it('exits 2 with one line naming a missing or corrupt baseline', async () => {
    const dir = crate();
    const missing = await run(dir, 'scan', '.', '--baseline', 'nope.json');
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toMatch(/^ffiguard: cannot read baseline nope\.json: no such file[^\n]*\n$/);
    fs.writeFileSync(path.join(dir, 'bad.json'), '{ "tool": "ffiguard", "findings": [1, 2');
    const corrupt = await run(dir, 'scan', '.', '--baseline', 'bad.json');
    expect(corrupt.code).toBe(2);
    expect(corrupt.stderr).toMatch(/^ffiguard: cannot read baseline bad\.json: not valid JSON[^\n]*\n$/);
    const unwritable = await run(dir, 'scan', '.', '--write-baseline', 'no/such/dir/b.json');
    expect(unwritable.code).toBe(2);
    expect(unwritable.stderr).toMatch(/^ffiguard: cannot write --write-baseline .*\n$/);
  });
});
