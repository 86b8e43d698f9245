/** Output formats on hand-built scan results; source text comes from an in-memory reader. */
import path from 'node:path';
import type * as Sarif from 'sarif';
import { describe, expect, it } from 'vitest';
import { explainMarkdown, explainText } from '../src/explain.js';
import type { Finding } from '../src/findings.js';
import { renderReport, type SourceReader } from '../src/report/index.js';
import type { JsonReport } from '../src/report/json.js';
import { artifact, render as renderSarif, truncate } from '../src/report/sarif.js';
import { render as renderText } from '../src/report/text.js';
import { defineRule, type Rule } from '../src/rule.js';
import type { ScanResult } from '../src/scan-result.js';

const root = path.resolve('/proj');
const lib = path.join(root, 'src', 'lib.rs');
const jp = path.join(root, 'src', 'ünï', '日本.rs');

const rule = (id: string, severity: Rule['severity']): Rule =>
  defineRule({
    id,
    language: 'rust',
    severity,
    summary: `${id} summary`,
    precision: 'high',
    docs: {
      what: 'Flags a thing.',
      why: 'It breaks.',
      useInstead: 'Do the other thing.',
      example: { bad: 'let s = "```";\nbad();', good: 'good();' },
      notes: ['Only in FFI functions.'],
      references: [{ title: 'The [Rustonomicon]', url: 'https://doc.rust-lang.org/nomicon/ffi.html' }],
      cwe: ['CWE-248'],
    },
    check() {},
  });

const sources = new Map<string, string>([
  [lib, '#[no_mangle]\npub extern "C" fn parse(p: *const u8) -> i32 {\n\tlet n = len(p).unwrap();\n    n as i32\n}\n'],
  [jp, '// コメント\npub extern "C" fn g() { let s = "日本"; s.parse::<u8>().unwrap(); }\n'],
]);
const reader: SourceReader = (file) => sources.get(file);

function finding(f: Partial<Finding> & Pick<Finding, 'span' | 'message'>): Finding {
  return { ruleId: 'panic-across-ffi', severity: 'error', related: [], ...f };
}

function scan(findings: Finding[], extra: Partial<ScanResult> = {}): ScanResult {
  return {
    findings,
    notifications: [],
    ruleIds: ['panic-across-ffi', 'missing-safety-doc'],
    rules: [rule('panic-across-ffi', 'error'), rule('missing-safety-doc', 'warning')],
    filesScanned: 14,
    cratesScanned: 1,
    elapsedMs: 123,
    cwd: root,
    repoRoot: root,
    includeSuppressed: false,
    ...extra,
  };
}

const unwrapInLib = finding({
  span: { file: lib, startLine: 3, startColumn: 17, endLine: 3, endColumn: 25 },
  message: '`unwrap` can panic inside `extern "C" fn parse`',
  help: 'return an error code instead',
  related: [{ span: { file: lib, startLine: 2, startColumn: 1, endLine: 5, endColumn: 2 }, message: 'the FFI function starts here' }],
});
// `unwrap` after two wide characters: UTF-16 column 55, but 56 cells into the line (two extra for the two wide characters).
const unwrapInJp = finding({
  span: { file: jp, startLine: 2, startColumn: 55, endLine: 2, endColumn: 63 },
  message: '`unwrap` can panic',
});
const safetyDoc = finding({
  ruleId: 'missing-safety-doc',
  severity: 'warning',
  span: { file: lib, startLine: 2, startColumn: 1, endLine: 5, endColumn: 2 },
  message: 'no `# Safety` section',
});

describe('compact', () => {
  it('prints one line per finding, relative paths, nothing else', () => {
    const out = renderReport('compact', scan([unwrapInJp, safetyDoc, unwrapInLib]), { color: true, version: '0' });
    expect(out).toBe(
      [
        `${path.join('src', 'lib.rs')}:2:1: warning: no \`# Safety\` section [missing-safety-doc]`,
        `${path.join('src', 'lib.rs')}:3:17: error: \`unwrap\` can panic inside \`extern "C" fn parse\` [panic-across-ffi]`,
        `${path.join('src', 'ünï', '日本.rs')}:2:55: error: \`unwrap\` can panic [panic-across-ffi]`,
        '',
      ].join('\n'),
    );
    expect(renderReport('compact', scan([]), { color: false, version: '0' })).toBe('');
  });

  it('never lets a message or a path break a line', () => {
    const evil = path.join(root, 'src', 'a\nb\u2028c\x1b[2J.rs');
    const out = renderReport(
      'compact',
      scan([finding({ span: { ...unwrapInLib.span, file: evil }, message: 'first\r\nsecond\u0085third\x1b]0;pwned\x07' })]),
      { color: false, version: '0' },
    );
    const lines = out.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('');
    expect(lines[0]).toMatch(/^src.a b c\uFFFD\[2J\.rs:3:17: error: first  second third\uFFFD\]0;pwned\uFFFD \[panic-across-ffi\]$/);
  });
});

describe('text', () => {
  const opts = { color: false, version: '0', readSource: reader };

  it('renders like rustc: header, arrow, source line, carets, notes, help', () => {
    const out = renderText(scan([unwrapInLib]), opts);
    expect(out).toBe(
      [
        'error[panic-across-ffi]: `unwrap` can panic inside `extern "C" fn parse`',
        ` --> ${path.join('src', 'lib.rs')}:3:17`,
        '  |',
        '3 |     let n = len(p).unwrap();', // the tab is shown as four spaces, carets follow
        '  |                    ^^^^^^^^',
        'note: the FFI function starts here',
        ` --> ${path.join('src', 'lib.rs')}:2:1`,
        '  = help: return an error code instead',
        '',
        'ffiguard: 1 error in 14 files (0.12s)',
        '',
      ].join('\n'),
    );
  });

  it('puts carets under the span on a line with wide characters', () => {
    const lines = renderText(scan([unwrapInJp]), opts).split('\n');
    const source = lines.find((l) => l.startsWith('2 |'))!;
    const carets = lines[lines.indexOf(source) + 1]!;
    expect(carets).toMatch(/^  \| +\^{8}$/);
    // Two wide characters before the span: two cells more than code units.
    expect(carets.indexOf('^')).toBe('2 | '.length + 54 + 2);
  });

  it('underlines a multi-line span to the end of its first line', () => {
    const lines = renderText(scan([safetyDoc]), opts).split('\n');
    expect(lines[4]).toBe(`  | ${'^'.repeat('pub extern "C" fn parse(p: *const u8) -> i32 {'.length)}`);
  });

  it('summarises counts by severity, suppressed apart', () => {
    const suppressed = { ...unwrapInJp, suppression: { kind: 'comment' as const, justification: 'checked by caller' } };
    const last = (r: ScanResult) => renderText(r, opts).trimEnd().split('\n').at(-1);
    expect(last(scan([unwrapInLib, unwrapInJp, safetyDoc]))).toBe('ffiguard: 2 errors, 1 warning in 14 files (0.12s)');
    expect(last(scan([]))).toBe('ffiguard: no findings in 14 files (0.12s)');
    expect(last(scan([suppressed], { filesScanned: 1 }))).toBe('ffiguard: no findings, 1 suppressed in 1 file (0.12s)');
    expect(renderText(scan([suppressed]), opts)).toContain('= note: suppressed by comment: checked by caller');
  });

  it('prints notifications as level: path: message', () => {
    const out = renderText(scan([], { notifications: [{ level: 'warning', file: path.join(root, 'src', 'bad.rs'), message: 'could not be read' }] }), opts);
    expect(out).toContain(`warning: ${path.join('src', 'bad.rs')}: could not be read\n`);
  });

  it('colours only when asked', () => {
    const result = scan([unwrapInLib, safetyDoc], { notifications: [{ level: 'warning', message: 'x' }] });
    expect(renderText(result, opts)).not.toContain('\x1b');
    expect(renderText(result, { ...opts, color: true })).toContain('\x1b[1;31merror[panic-across-ffi]\x1b[0m');
  });

  it('strips terminal controls that came from the scanned files', () => {
    const hostile = path.join(root, 'src', 'x\x1b]0;owned\x07.rs');
    const text = 'fn f() { \x1b[2J\x1b[31mevil\u202e() }\n';
    const out = renderText(
      scan([finding({ span: { file: hostile, startLine: 1, startColumn: 19, endLine: 1, endColumn: 23 }, message: 'calls `evil\x1b[0m`' })], {
        notifications: [{ level: 'warning', file: hostile, message: 'odd \x9b name' }],
      }),
      { ...opts, readSource: (f) => (f === hostile ? text : undefined) },
    );
    expect(out).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/);
    // One replacement character per control keeps the carets aligned under `evil`.
    const lines = out.split('\n');
    expect(lines[3]).toBe('1 | fn f() { \uFFFD[2J\uFFFD[31mevil\uFFFD() }');
    expect(lines[4]!.indexOf('^')).toBe(lines[3]!.indexOf('evil'));
  });

  it('shows the location without a snippet when the file cannot be read', () => {
    const out = renderText(scan([unwrapInLib]), { ...opts, readSource: () => undefined });
    expect(out).not.toContain('|');
    expect(out).toContain(`--> ${path.join('src', 'lib.rs')}:3:17`);
  });
});

describe('json', () => {
  it('has the documented shape', () => {
    const suppressed = { ...unwrapInJp, suppression: { kind: 'attribute' as const, justification: 'reviewed' } };
    const report = JSON.parse(
      renderReport('json', scan([safetyDoc, unwrapInLib, suppressed], { includeSuppressed: true, notifications: [{ level: 'note', message: 'loose files' }] }), {
        color: true,
        version: '1.2.3',
      }),
    ) as JsonReport;
    expect(Object.keys(report)).toEqual(['version', 'config', 'findings', 'notifications', 'summary']);
    expect(report.version).toBe('1.2.3');
    expect(report.config).toBeNull();
    expect(report.findings[1]).toEqual({
      ruleId: 'panic-across-ffi',
      severity: 'error',
      path: path.join('src', 'lib.rs'),
      startLine: 3,
      startColumn: 17,
      endLine: 3,
      endColumn: 25,
      message: '`unwrap` can panic inside `extern "C" fn parse`',
      help: 'return an error code instead',
      related: [{ path: path.join('src', 'lib.rs'), startLine: 2, startColumn: 1, endLine: 5, endColumn: 2, message: 'the FFI function starts here' }],
    });
    expect(report.findings[0]!.help).toBeNull();
    expect(report.findings[2]!.suppressed).toEqual({ kind: 'attribute', justification: 'reviewed' });
    expect(report.notifications).toEqual([{ level: 'note', path: null, message: 'loose files' }]);
    expect(report.summary).toEqual({ errors: 1, warnings: 1, notes: 0, suppressed: 1, files: 14, filesNotParsed: 0, crates: 1, cratesFromCache: 0, elapsedMs: 123 });
  });
});

describe('sarif', () => {
  const fingerprints = (result: ScanResult, read: SourceReader) =>
    (JSON.parse(renderSarif(result, { version: '0', readSource: read })) as Sarif.Log).runs[0]!.results!.map(
      (r) => r.partialFingerprints!.primaryLocationLineHash,
    );

  it('keeps fingerprints when lines are added above a finding', () => {
    const before = fingerprints(scan([unwrapInLib, safetyDoc]), reader);
    const shifted = '// a new comment\n\nuse std::ffi::c_char;\n' + sources.get(lib)!;
    const down = (f: Finding): Finding => ({ ...f, span: { ...f.span, startLine: f.span.startLine + 3, endLine: f.span.endLine + 3 } });
    const after = fingerprints(scan([down(unwrapInLib), down(safetyDoc)]), (f) => (f === lib ? shifted : reader(f)));
    expect(after).toEqual(before);
    expect(before[0]).toMatch(/^[0-9a-f]{16}:1$/);
    expect(new Set(before).size).toBe(2);
  });

  it('counts occurrences of the same line text', () => {
    const text = 'fn a() { x.unwrap(); }\nfn a() { x.unwrap(); }\n';
    const at = (line: number) => finding({ span: { file: lib, startLine: line, startColumn: 10, endLine: line, endColumn: 20 }, message: 'm' });
    const [first, second] = fingerprints(scan([at(2), at(1)]), () => text);
    expect(first!.split(':')[0]).toBe(second!.split(':')[0]);
    expect([first!.split(':')[1], second!.split(':')[1]]).toEqual(['1', '2']);
  });

  it('encodes each path segment as a URI reference relative to the repository root', () => {
    expect(artifact(root, path.join(root, 'a b', '100%', 'x#?.rs'))).toEqual({ uri: 'a%20b/100%25/x%23%3F.rs', uriBaseId: '%SRCROOT%' });
    expect(artifact(root, path.join(root, 'c:d', 'é.rs')).uri).toBe('c%3Ad/%C3%A9.rs');
    expect(artifact(path.join(root, 'sub'), lib).uri).toMatch(/^file:\/\/\//);
  });

  it('truncates long descriptions at a word, within the limit', () => {
    const cut = truncate('word '.repeat(400), 1024);
    expect(cut.length).toBeLessThanOrEqual(1024);
    expect(cut.endsWith('word...')).toBe(true);
    expect(truncate('\u{1F600}'.repeat(600), 1024)).not.toMatch(/[\ud800-\udbff]\.\.\.$/);
  });
});

describe('explain', () => {
  const r = rule('panic-across-ffi', 'error');

  it('renders every part of the docs as text', () => {
    const text = explainText(r);
    for (const part of ['What it does', 'Flags a thing.', 'Why is this bad?', 'How to fix it', 'Do the other thing.', 'Flagged:', '    bad();', 'Fixed:', 'Only in FFI functions.', 'https://doc.rust-lang.org/nomicon/ffi.html', 'CWE-248: https://cwe.mitre.org/data/definitions/248.html']) {
      expect(text).toContain(part);
    }
  });

  it('renders Markdown whose code fences survive backticks in the example', () => {
    const md = explainMarkdown(r);
    expect(md).toContain('````rust\nlet s = "```";\nbad();\n````');
    expect(md).toContain('- [The \\[Rustonomicon\\]](https://doc.rust-lang.org/nomicon/ffi.html)');
    expect(md).toContain('- [CWE-248](https://cwe.mitre.org/data/definitions/248.html)');
    expect(explainMarkdown(r, { headingLevel: 4 })).toContain('#### Why is this bad?');
  });
});
