/**
 * Hostile and broken files (issue 7): the scan finishes, still reports the good file beside the bad
 * one, and names every skipped or partially parsed file in a notification.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCrate, MAX_TREE_DEPTH } from '../src/analyze.js';
import { DEFAULT_SETTINGS } from '../src/crate-unit.js';
import type { Rule } from '../src/rule.js';
import { ALL_RULES } from '../rules/index.js';
import { runCli } from './run-cli.js';

/** Two findings every scan must keep, whatever sits beside this file. */
const GOOD = '#[no_mangle]\npub extern "C" fn good_entry(p: *const u8) -> u8 {\n    unsafe { *p }\n}\n';
const GOOD_FINDING = /parameter `p` of `good_entry` is dereferenced/;

interface Sarif {
  runs: { results: { ruleId: string; message: { text: string }; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[]; invocations: { toolExecutionNotifications: { level: string; message: { text: string }; locations?: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[] }[];
}

/** A crate holding good.rs and bad.rs; scans it as SARIF and as text. */
async function scanBeside(bad: string | Buffer, ...flags: string[]) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ffiguard-bad-'));
  fs.writeFileSync(path.join(dir, 'good.rs'), GOOD);
  fs.writeFileSync(path.join(dir, 'bad.rs'), bad);
  const started = performance.now();
  const sarifRun = await runCli(dir, 'scan', '.', '--format', 'sarif', ...flags);
  const seconds = (performance.now() - started) / 1000;
  const text = await runCli(dir, 'scan', '.', ...flags);
  fs.rmSync(dir, { recursive: true, force: true });
  expect(sarifRun.stderr).toBe('');
  expect([0, 1]).toContain(sarifRun.code);
  const run = (JSON.parse(sarifRun.stdout) as Sarif).runs[0]!;
  // SARIF messages are sentences; compare them in the words ffiguard uses elsewhere.
  const words = (s: string) => s.charAt(0).toLowerCase() + s.slice(1).replace(/\.$/, '');
  const results = run.results.map((r) => ({ file: r.locations[0]!.physicalLocation.artifactLocation.uri, line: r.locations[0]!.physicalLocation.region.startLine, ruleId: r.ruleId, message: words(r.message.text) }));
  const notes = run.invocations[0]!.toolExecutionNotifications.map((n) => ({ level: n.level, file: n.locations?.[0]?.physicalLocation.artifactLocation.uri, message: words(n.message.text) }));
  expect(results.some((r) => r.file.endsWith('good.rs') && GOOD_FINDING.test(r.message))).toBe(true);
  return { results, notes, text: text.stdout, seconds, badResults: results.filter((r) => r.file.endsWith('bad.rs')) };
}

const skippedBecause = (reason: RegExp) => async (bad: string | Buffer, ...flags: string[]) => {
  const r = await scanBeside(bad, ...flags);
  expect(r.badResults).toEqual([]);
  expect(r.notes).toContainEqual({ level: 'warning', file: expect.stringMatching(/bad\.rs$/), message: expect.stringMatching(reason) });
  expect(r.text).toMatch(new RegExp(`^warning: bad\\.rs: skipped: ${reason.source}`, 'm'));
  return r;
};

describe('files that cannot be Rust are skipped with a notification', () => {
  it('binary content', () => skippedBecause(/not valid UTF-8/)(Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))));
  it('not valid UTF-8 (Latin-1)', () => skippedBecause(/not valid UTF-8/)(Buffer.concat([Buffer.from('// caf'), Buffer.from([0xe9]), Buffer.from('\n' + GOOD.replace('good_entry', 'other'))])));

  it('larger than --max-file-size, naming both sizes', async () => {
    const r = await skippedBecause(/file is 2000 bytes, over the limit of 1000 bytes/)('/'.repeat(1998) + '\n\n', '--max-file-size', '1000');
    expect(r.notes.find((n) => n.file?.endsWith('bad.rs'))!.message).toContain('--max-file-size');
  });

  it('50 MB, over the default 10 MB limit, without reading it', async () => {
    const r = await skippedBecause(/file is 52428800 bytes, over the limit of 10485760 bytes/)(Buffer.alloc(50 * 1024 * 1024, 0x20));
    expect(r.seconds).toBeLessThan(5);
  }, 30_000);

  it(`nested deeper than ${MAX_TREE_DEPTH} levels: 10,000 blocks, 10,000 parentheses, a 200,000-term sum on one line`, async () => {
    const fn = (body: string) => `#[no_mangle]\npub extern "C" fn deep(p: *const u8) -> u8 {\n${body}\n}\n`;
    for (const bad of [
      fn('{ '.repeat(10_000) + 'unsafe { *p }' + ' }'.repeat(10_000)),
      fn('let x = ' + '('.repeat(10_000) + 'Some(1).unwrap()' + ')'.repeat(10_000) + ';\nunsafe { *p }'),
      fn('let x = ' + '1 + '.repeat(200_000) + '1;\nunsafe { *p }'),
    ]) {
      const r = await skippedBecause(/code nested more than 1000 levels deep/)(bad);
      expect(r.seconds).toBeLessThan(10);
    }
  }, 60_000);

  it('a parse over --max-parse-seconds', () => skippedBecause(/parsing took longer than 0.001 s \(--max-parse-seconds\)/)(GOOD.replace('good_entry', 'other').repeat(20_000), '--max-parse-seconds', '0.001'));
});

describe('files that are Rust, however odd, are analysed', () => {
  it('NUL bytes: inside a string literal (valid Rust) analysed, elsewhere a syntax error', async () => {
    const inLiteral = await scanBeside('#[no_mangle]\npub extern "C" fn nul(p: *const u8) -> u8 {\n    let _s = "a\0b";\n    unsafe { *p }\n}\n');
    expect(inLiteral.notes).toEqual([]);
    expect(inLiteral.badResults.map((f) => f.ruleId)).toEqual(['ffi-null-deref']);
    // (`extern` makes the file one a rule needs: a file none needs is not parsed, so it has no syntax errors to report.)
    const elsewhere = await scanBeside('extern "C" fn a() {}\n\0\0 fn b() {}\n');
    expect(elsewhere.notes).toContainEqual({ level: 'warning', file: expect.stringMatching(/bad\.rs$/), message: expect.stringMatching(/^partially parsed: syntax errors at line 2;/) });
  });

  it('an empty file: no notification', async () => {
    const r = await scanBeside('');
    expect(r.notes).toEqual([]);
  });

  it('nesting just under the limit is analysed without overflowing the stack', async () => {
    const depth = 300;
    const r = await scanBeside(`#[no_mangle]\npub extern "C" fn deep(p: *const u8) -> u8 {\n${'{ '.repeat(depth)}let x = ${'('.repeat(depth)}Some(1u8)${')'.repeat(depth)}.unwrap(); unsafe { *p }${' }'.repeat(depth)}\n}\n`);
    expect(r.notes).toEqual([]);
    expect(r.badResults.map((f) => f.ruleId).sort()).toEqual(['ffi-null-deref', 'panic-across-ffi']);
  });

  it('a 2 MB single line', async () => {
    const r = await scanBeside('#[no_mangle] pub extern "C" fn long(p: *const u8) -> u8 { let s = "' + 'x'.repeat(2_000_000) + '"; unsafe { *p } }\n');
    expect(r.notes).toEqual([]);
    expect(r.badResults.map((f) => f.ruleId)).toEqual(['ffi-null-deref']);
  }, 60_000);
});

describe('syntax errors: findings inside ERROR regions are not reported, findings around them are', () => {
  it('a file full of syntax errors', async () => {
    const broken = Array.from({ length: 300 }, (_, i) => `fn f${i}( { ]] let = ; extern "C" ) }} ${i} @@ #`).join('\n');
    const r = await scanBeside(broken);
    expect(r.badResults).toEqual([]);
    expect(r.notes).toContainEqual({ level: 'warning', file: expect.stringMatching(/bad\.rs$/), message: expect.stringMatching(/^partially parsed: syntax errors at line 1, .*and \d+ more; findings inside them are not reported$/) });
    expect(r.text).toMatch(/^warning: bad\.rs: partially parsed: syntax errors at line 1/m);
  });

  it('findings in a function holding an ERROR region are dropped, those in an intact function beside it kept', async () => {
    const intact = GOOD.replace('good_entry', 'intact');
    const broken = '#[no_mangle]\npub extern "C" fn broken(p: *const u8) -> u8 {\n    let = = ;\n    unsafe { *p }\n}\n';
    const r = await scanBeside(intact + broken);
    expect(r.badResults.map((f) => f.message)).toEqual([expect.stringMatching(/parameter `p` of `intact` is dereferenced/)]);
    expect(r.notes).toContainEqual({ level: 'warning', file: expect.stringMatching(/bad\.rs$/), message: expect.stringMatching(/syntax errors at line 7;/) });
  });

  it('a half-typed, unclosed `extern "C" fn`: partially parsed, its findings wait until it parses', async () => {
    const half = '#[no_mangle]\npub extern "C" fn half(p: *const u8) -> u8 {\n    let v: Option<u8> = None;\n    v.unwrap();\n    unsafe { *p }\n';
    const r = await scanBeside(GOOD.replace('good_entry', 'before') + half);
    expect(r.badResults.map((f) => f.message)).toEqual([expect.stringMatching(/parameter `p` of `before` is dereferenced/)]);
    expect(r.notes).toContainEqual({ level: 'warning', file: expect.stringMatching(/bad\.rs$/), message: expect.stringMatching(/^partially parsed/) });
  });
});

describe('limit options', () => {
  it.each([['--max-file-size', '0'], ['--max-file-size', '10MB'], ['--max-file-size', '-5'], ['--max-parse-seconds', '0'], ['--max-parse-seconds', 'soon']])('%s %s exits 2', async (flag, value) => {
    const r = await runCli(os.tmpdir(), 'scan', '.', flag, value);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(flag);
  });
});

describe('a rule that throws', () => {
  it('costs only its own findings, with an error notification', async () => {
    const boom: Rule = { ...ALL_RULES[0]!, id: 'boom', check: () => { throw new RangeError('Maximum call stack size exceeded'); } };
    const file = path.join(os.tmpdir(), 'good.rs');
    const r = await analyzeCrate(os.tmpdir(), DEFAULT_SETTINGS, [{ path: file, text: GOOD }], { rules: [boom, ...ALL_RULES] });
    expect(r.findings.map((f) => f.ruleId)).toContain('ffi-null-deref');
    expect(r.notifications).toEqual([{ level: 'error', message: expect.stringMatching(/^rule boom failed on the crate at .*: Maximum call stack size exceeded$/) }]);
  });
});

describe('C headers that tree-sitter-c cannot fully parse', () => {
  const root = path.join(os.tmpdir(), 'ffiguard-headers');
  const lib = { path: path.join(root, 'src', 'lib.rs'), text: GOOD };
  const cxx = 'template <typename T> class Box { T value; public: T get() const { return value; } };\nint zlite_version(void);\n';
  const notes = async (headers: Record<string, string>) =>
    (await analyzeCrate(root, DEFAULT_SETTINGS, [lib, ...Object.entries(headers).map(([name, text]) => ({ path: path.join(root, name), text }))])).notifications.map((n) => `${path.relative(root, n.file ?? '')}: ${n.message}`);

  it('a vendored C++ header beside the crate header: no note about it', async () => {
    expect(await notes({ 'include/good.h': 'unsigned char good_entry(const unsigned char *p);\n', 'vendor/box.h': cxx })).toEqual([]);
  });

  it('the crate header itself: a note, as its declarations there go unchecked', async () => {
    const found = await notes({ 'include/good.h': `${cxx}unsigned char good_entry(const unsigned char *p);\n` });
    expect(found).toEqual([expect.stringMatching(/^include\/good\.h: \d+ place\(s\) tree-sitter-c could not parse \(macros or C\+\+\); declarations there are not checked$/)]);
  });

  it('code only a C++ compiler sees (`#else` of `#ifndef __cplusplus`) is read as a C compiler would: not at all', async () => {
    const header = [
      '#ifndef __cplusplus',
      '#define good_len(x) _Generic((x), const unsigned char *: good_entry)(x)',
      '#else',
      'template <typename T> inline unsigned char good_len(T x) { return good_entry(x); }',
      'namespace good { class Box { public: int get() const; }; }',
      '#endif',
      '#ifdef __cplusplus',
      'extern "C" {',
      '#endif',
      'unsigned char good_entry(const unsigned char *p);',
      '#ifdef __cplusplus',
      '}',
      '#endif',
      '',
    ].join('\n');
    expect(await notes({ 'include/good.h': header })).toEqual([]);
  });

  it('a header that names an export only inside what it cannot parse: a note too', async () => {
    const found = await notes({ 'include/good.h': 'template <typename T> T good_entry(T p) { return p; }\n' });
    expect(found.some((n) => /^include\/good\.h: \d+ place\(s\) tree-sitter-c could not parse/.test(n))).toBe(true);
  });

  it('a crate that exports nothing ffiguard can see says so, naming a header that declares functions', async () => {
    const r = await analyzeCrate(root, DEFAULT_SETTINGS, [{ path: lib.path, text: 'pub fn plain() {}\n' }, { path: path.join(root, 'include', 'api.h'), text: 'int api_init(void);\n' }]);
    expect(r.notifications.map((n) => n.message)).toEqual([expect.stringMatching(/^this crate exports no function ffiguard can see \(exports generated by procedural macros are not recognised\), so the header rules did not run/)]);
  });

  it('a header including one of its own that is not there: a warning, and no "not declared" findings', async () => {
    const exports = '#[no_mangle]\npub extern "C" fn api_init() -> i32 { 0 }\n#[no_mangle]\npub extern "C" fn api_base_version() -> i32 { 1 }\n';
    const r = await analyzeCrate(root, DEFAULT_SETTINGS, [
      { path: lib.path, text: exports },
      { path: path.join(root, 'include', 'api.h'), text: '#include <stdint.h>\n#include "api_base.h"\nint32_t api_init(void);\n' },
    ]);
    expect(r.findings.filter((f) => f.ruleId === 'header-missing-decl')).toEqual([]);
    expect(r.notifications.map((n) => `${path.relative(root, n.file ?? '')}: ${n.message}`)).toEqual([
      'include/api.h: line 2 includes "api_base.h", which is not in the scanned tree (a git submodule not checked out?): the exports it declares cannot be seen, so header-missing-decl did not run',
    ]);
    // With the included header scanned, the export it does not declare either is reported.
    const whole = await analyzeCrate(root, DEFAULT_SETTINGS, [
      { path: lib.path, text: exports },
      { path: path.join(root, 'include', 'api.h'), text: '#include <stdint.h>\n#include "api_base.h"\nint32_t api_init(void);\n' },
      { path: path.join(root, 'include', 'api_base.h'), text: '#include <stdint.h>\n' },
    ]);
    expect(whole.notifications).toEqual([]);
    expect(whole.findings.filter((f) => f.ruleId === 'header-missing-decl').map((f) => f.message)).toEqual(["`api_base_version` is exported to C but not declared in api.h"]);
  });

  it('exports that no scanned header declares: the note says when cbindgen writes the header at build time', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ffiguard-cbindgen-'));
    const sources = [
      { path: path.join(dir, 'src', 'lib.rs'), text: '#[no_mangle]\npub extern "C" fn api_init() -> i32 { 0 }\n' },
      { path: path.join(dir, 'include', 'utils.h'), text: 'int utils_version(void);\n' },
    ];
    const before = await analyzeCrate(dir, DEFAULT_SETTINGS, sources);
    expect(before.notifications.map((n) => n.message)).toEqual(["no scanned header declares any of the 1 function(s) this crate exports, so the header rules did not run; name the crate's header with --header to check it anyway"]);
    fs.writeFileSync(path.join(dir, 'cbindgen.toml'), 'language = "C"\n');
    const after = await analyzeCrate(dir, DEFAULT_SETTINGS, sources);
    expect(after.notifications.map((n) => n.message)).toEqual(['no scanned header declares any of the 1 function(s) this crate exports: its header is generated by cbindgen at build time and is not in the tree, so the header rules did not run; build it and name it with --header to check it']);
  });

  it('the header of a C example program (under examples/) is no header of the crate: no note about it', async () => {
    const r = await analyzeCrate(root, DEFAULT_SETTINGS, [
      { path: lib.path, text: '#[no_mangle]\npub extern "C" fn api_init() -> i32 { 0 }\n' },
      { path: path.join(root, 'examples', 'common', 'utils.h'), text: 'void print_schema(void *schema);\ntemplate <typename T> T broken(T x);\n' },
    ]);
    expect(r.notifications).toEqual([]);
  });

  it('a crate that binds to the C library its header declares (imports what it declares): no note', async () => {
    const binding = 'use std::os::raw::c_int;\nextern "C" {\n    pub fn api_init() -> c_int;\n}\npub fn init() -> i32 { unsafe { api_init() } }\n';
    const r = await analyzeCrate(root, DEFAULT_SETTINGS, [{ path: lib.path, text: binding }, { path: path.join(root, 'include', 'api.h'), text: 'int api_init(void);\nint api_other(void);\n' }]);
    expect(r.notifications).toEqual([]);
  });
});
