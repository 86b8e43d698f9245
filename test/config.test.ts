/** ffiguard.toml, Cargo.toml metadata, --config, --rule and `ffiguard init`: every setting changes results, every mistake exits 2. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';
import { configuredSeverity } from '../src/config-file.js';
import { defaultConfigText } from '../src/config-template.js';
import { globMatcher } from '../src/glob.js';
import type { JsonReport } from '../src/report/json.js';
import { ALL_RULES } from '../rules/index.js';

const LIB_RS = `use std::sync::Mutex;
use support::{check_ptr, guard, my_export, with_deadline};
mod extra;

static M: Mutex<u32> = Mutex::new(0);

pub fn count() -> u32 {
    *M.lock().unwrap()
}

#[no_mangle]
pub extern "C" fn item(v: &Vec<u32>, i: usize) -> u32 {
    v[i]
}

#[no_mangle]
pub extern "C" fn guarded(v: &Vec<u32>, i: usize) -> u32 {
    guard(|| v[i])
}

#[my_export]
#[no_mangle]
pub extern "C" fn attributed(v: &Vec<u32>, i: usize) -> u32 {
    v[i]
}

/// # Safety
/// \`p\` must be valid.
#[no_mangle]
pub unsafe extern "C" fn read(p: *const u32) -> u32 {
    check_ptr!(p);
    *p
}

pub fn wait(rt: &tokio::runtime::Runtime) {
    rt.block_on(with_deadline(work()));
}

pub struct Thing {
    x: u32,
}

#[no_mangle]
pub extern "C" fn mixed(a: i64, b: std::ffi::c_long, c: *mut Thing) -> i32 {
    0
}
`;

const EXTRA_RS = `pub fn extra_count(m: &std::sync::Mutex<u32>) -> u32 {
    *m.lock().unwrap()
}
`;

const DEMO_H = `#include <stdint.h>
#include <stddef.h>
uint32_t item(const void *v, size_t i);
uint32_t guarded(const void *v, size_t i);
uint32_t attributed(const void *v, size_t i);
uint32_t read(const uint32_t *p);
int32_t mixed(int32_t a, int64_t b, uint8_t *c);
`;

/** What the crate above yields with no configuration, as `rule severity file:line`. */
const UNCONFIGURED = [
  'header-signature-mismatch error include/demo.h:7',
  'header-signature-mismatch warning include/demo.h:7',
  'header-signature-mismatch note include/demo.h:7',
  'lock-unwrap warning src/extra.rs:2',
  'lock-unwrap warning src/lib.rs:8',
  'panic-across-ffi error src/lib.rs:13',
  'panic-across-ffi error src/lib.rs:18',
  'panic-across-ffi error src/lib.rs:24',
  'ffi-null-deref error src/lib.rs:32',
  'unbounded-block-on warning src/lib.rs:36',
];

/**
 * A repository (a directory with `.git`) holding the crate at `repo/crate`; `outside` is the
 * directory above the repository, where a stray ffiguard.toml must not be found.
 */
function makeRepo(files: Record<string, string> = {}): { outside: string; repo: string; crate: string } {
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'ffiguard-config-'));
  const repo = path.join(outside, 'repo');
  const crate = path.join(repo, 'crate');
  const all: Record<string, string> = {
    'crate/Cargo.toml': '[package]\nname = "demo"\nversion = "0.1.0"\n',
    'crate/src/lib.rs': LIB_RS,
    'crate/src/extra.rs': EXTRA_RS,
    'crate/include/demo.h': DEMO_H,
    ...files,
  };
  fs.mkdirSync(path.join(repo, '.git'), { recursive: true });
  for (const [name, text] of Object.entries(all)) {
    fs.mkdirSync(path.dirname(path.join(repo, name)), { recursive: true });
    fs.writeFileSync(path.join(repo, name), text);
  }
  return { outside, repo, crate };
}

const run = runCli;

/** Scans `crate` (run from the crate's directory) and lists the findings as `rule severity file:line`. */
async function findings(crate: string, ...flags: string[]): Promise<string[]> {
  const r = await run(crate, 'scan', '.', '--format', 'json', '--fail-on', 'none', ...flags);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return listed(JSON.parse(r.stdout) as JsonReport);
}

function listed(report: JsonReport): string[] {
  return report.findings.map((f) => `${f.ruleId} ${f.severity} ${f.path.split(path.sep).join('/')}:${f.startLine}`).sort();
}

const sorted = (list: string[]): string[] => [...list].sort();
const without = (list: string[], ...gone: string[]): string[] => sorted(list.filter((f) => !gone.some((g) => f.includes(g))));

describe('ffiguard.toml settings', () => {
  it('finds what the unconfigured crate has', async () => {
    expect(await findings(makeRepo().crate)).toEqual(sorted(UNCONFIGURED));
  });

  it('turns a rule off and sets the level of another', async () => {
    const { crate } = makeRepo({ 'crate/ffiguard.toml': '[rules]\nlock-unwrap = "off"\nffi-null-deref = "warning"\n' });
    const expected = without(UNCONFIGURED, 'lock-unwrap').map((f) => f.replace('ffi-null-deref error', 'ffi-null-deref warning'));
    expect(await findings(crate)).toEqual(sorted(expected));
  });

  it('a rule turned off does not run: it is left out of the SARIF rules too', async () => {
    const { crate } = makeRepo({ 'crate/ffiguard.toml': '[rules]\nlock-unwrap = "off"\n' });
    const r = await run(crate, 'scan', '.', '--format', 'sarif', '--fail-on', 'none');
    const sarif = JSON.parse(r.stdout) as { runs: { tool: { driver: { rules: { id: string }[] } } }[] };
    const ids = sarif.runs[0]!.tool.driver.rules.map((rule) => rule.id);
    expect(ids).not.toContain('lock-unwrap');
    expect(ids).toContain('panic-across-ffi');
  });

  it('keeps findings a rule reports below its default level at min(their level, configured level)', async () => {
    const levelsAt = async (level: string): Promise<string[]> => {
      const { crate } = makeRepo({ 'crate/ffiguard.toml': `[rules]\nheader-signature-mismatch = "${level}"\n` });
      return (await findings(crate)).filter((f) => f.startsWith('header-signature-mismatch')).map((f) => f.split(' ')[1]!);
    };
    expect(await levelsAt('error')).toEqual(['error', 'note', 'warning']);
    expect(await levelsAt('warning')).toEqual(['note', 'warning', 'warning']);
    expect(await levelsAt('note')).toEqual(['note', 'note', 'note']);
  });

  it('maps a reported severity through the configured level', () => {
    // header-signature-mismatch: default error, some findings lower.
    expect(configuredSeverity('note', 'error', 'warning')).toBe('note');
    expect(configuredSeverity('warning', 'error', 'note')).toBe('note');
    // lock-unwrap: default warning, an error inside an FFI function.
    expect(configuredSeverity('error', 'warning', 'warning')).toBe('error');
    expect(configuredSeverity('error', 'warning', 'note')).toBe('note');
    expect(configuredSeverity('warning', 'warning', 'error')).toBe('error');
    expect(configuredSeverity('error', 'warning', 'error')).toBe('error');
    // header-string-without-length: default note, raised.
    expect(configuredSeverity('note', 'note', 'error')).toBe('error');
  });

  it('excludes and includes files by glob, relative to the configuration file', async () => {
    const excluded = makeRepo({ 'crate/ffiguard.toml': 'exclude = ["src/extra.rs"]\n' });
    expect(await findings(excluded.crate)).toEqual(without(UNCONFIGURED, 'src/extra.rs'));
    const directory = makeRepo({ 'crate/ffiguard.toml': 'exclude = ["include"]\n' });
    expect(await findings(directory.crate)).toEqual(without(UNCONFIGURED, 'include/'));
    const included = makeRepo({ 'crate/ffiguard.toml': 'include = ["src/l*.rs", "**/*.h"]\n' });
    expect(await findings(included.crate)).toEqual(without(UNCONFIGURED, 'src/extra.rs'));
    // From the repository root, the same globs are relative to the crate's directory.
    const fromRoot = makeRepo({ 'crate/ffiguard.toml': 'exclude = ["src/extra.rs"]\n' });
    const r = await run(fromRoot.repo, 'scan', 'crate', '--format', 'json', '--fail-on', 'none');
    expect(listed(JSON.parse(r.stdout) as JsonReport)).toEqual(without(UNCONFIGURED, 'src/extra.rs').map((f) => f.replace(/ (src|include)\//, ' crate/$1/')));
  });

  it.each([
    ['panic-boundaries = ["support::guard"]', 'src/lib.rs:18'],
    ['panic-boundary-attributes = ["my_export"]', 'src/lib.rs:24'],
    ['null-check-helpers = ["check_ptr!"]', 'src/lib.rs:32'],
    ['timeout-helpers = ["with_deadline"]', 'src/lib.rs:36'],
  ])('%s removes the finding at %s', async (setting, gone) => {
    const { crate } = makeRepo({ 'crate/ffiguard.toml': `${setting}\n` });
    expect(await findings(crate)).toEqual(without(UNCONFIGURED, gone));
  });

  it('reads extra headers, relative to the configuration file', async () => {
    const { crate } = makeRepo({
      'crate/ffiguard.toml': 'headers = ["../api/extra.h"]\n',
      'api/extra.h': '#include <stdint.h>\nuint32_t item(const void *v, size_t i);\nint32_t retired(void);\n',
    });
    expect(await findings(crate)).toEqual(sorted([...UNCONFIGURED, 'header-stale-decl error ../api/extra.h:3']));
    // --no-headers wins over the configuration.
    expect((await findings(crate, '--no-headers')).some((f) => f.startsWith('header'))).toBe(false);
  });

  it('says in the JSON report which configuration it used', async () => {
    const { crate } = makeRepo({ 'crate/ffiguard.toml': '[rules]\nlock-unwrap = "off"\n' });
    const r = await run(crate, 'scan', '.', '--format', 'json', '--fail-on', 'none');
    expect((JSON.parse(r.stdout) as JsonReport).config).toEqual({ path: 'ffiguard.toml', table: null });
    const plain = await run(makeRepo().crate, 'scan', '.', '--format', 'json', '--fail-on', 'none');
    expect((JSON.parse(plain.stdout) as JsonReport).config).toBeNull();
  });
});

describe('where the configuration is found', () => {
  it('reads [package.metadata.ffiguard] from Cargo.toml', async () => {
    const { crate } = makeRepo({
      'crate/Cargo.toml': '[package]\nname = "demo"\nversion = "0.1.0"\n\n[package.metadata.ffiguard]\nexclude = ["src/extra.rs"]\n\n[package.metadata.ffiguard.rules]\nunbounded-block-on = "off"\n',
    });
    expect(await findings(crate)).toEqual(without(UNCONFIGURED, 'src/extra.rs', 'unbounded-block-on'));
  });

  it('reads [workspace.metadata.ffiguard] of the workspace when a member is scanned', async () => {
    const { repo, crate } = makeRepo({
      'Cargo.toml': '[workspace]\nmembers = ["crate"]\n\n[workspace.metadata.ffiguard.rules]\nlock-unwrap = "off"\n',
    });
    expect(await findings(crate)).toEqual(without(UNCONFIGURED, 'lock-unwrap'));
    const r = await run(repo, 'scan', '.', '--format', 'json', '--fail-on', 'none');
    const report = JSON.parse(r.stdout) as JsonReport;
    expect(report.config).toEqual({ path: 'Cargo.toml', table: 'workspace.metadata.ffiguard' });
    expect(listed(report).some((f) => f.startsWith('lock-unwrap'))).toBe(false);
  });

  it('prefers ffiguard.toml to Cargo.toml metadata in the same directory, and the nearer directory to a farther one', async () => {
    const { crate } = makeRepo({
      'ffiguard.toml': '[rules]\npanic-across-ffi = "off"\n',
      'crate/Cargo.toml': '[package]\nname = "demo"\nversion = "0.1.0"\n[package.metadata.ffiguard.rules]\nffi-null-deref = "off"\n',
      'crate/ffiguard.toml': '[rules]\nlock-unwrap = "off"\n',
    });
    expect(await findings(crate)).toEqual(without(UNCONFIGURED, 'lock-unwrap'));
  });

  it('walks up from a scanned file to the repository root, and no further', async () => {
    const { outside, repo, crate } = makeRepo({ 'ffiguard.toml': '[rules]\nlock-unwrap = "off"\n' });
    const r = await run(crate, 'scan', 'src/extra.rs', '--format', 'json', '--fail-on', 'none');
    expect(listed(JSON.parse(r.stdout) as JsonReport)).toEqual([]);
    fs.renameSync(path.join(repo, 'ffiguard.toml'), path.join(outside, 'ffiguard.toml'));
    const above = await run(crate, 'scan', 'src/extra.rs', '--format', 'json', '--fail-on', 'none');
    expect(listed(JSON.parse(above.stdout) as JsonReport)).toEqual(['lock-unwrap warning src/extra.rs:2']);
  });

  it('--config names the file to read instead (an ffiguard.toml or a Cargo.toml)', async () => {
    const { outside, crate } = makeRepo({ 'crate/ffiguard.toml': '[rules]\nlock-unwrap = "off"\n' });
    fs.writeFileSync(path.join(outside, 'strict.toml'), '[rules]\nunbounded-block-on = "error"\n');
    const expected = UNCONFIGURED.map((f) => f.replace('unbounded-block-on warning', 'unbounded-block-on error'));
    expect(await findings(crate, '--config', path.join(outside, 'strict.toml'))).toEqual(sorted(expected));
    fs.writeFileSync(path.join(outside, 'Cargo.toml'), '[workspace]\n[workspace.metadata.ffiguard.rules]\npanic-across-ffi = "off"\n');
    expect(await findings(crate, '--config', path.join(outside, 'Cargo.toml'))).toEqual(without(UNCONFIGURED, 'panic-across-ffi'));
  });

  it('--rule overrides the file, in both directions', async () => {
    const { crate } = makeRepo({ 'crate/ffiguard.toml': '[rules]\nlock-unwrap = "off"\nffi-null-deref = "error"\n' });
    const expected = without(UNCONFIGURED, 'ffi-null-deref').concat(['lock-unwrap error src/extra.rs:2', 'lock-unwrap error src/lib.rs:8']).filter((f) => !f.startsWith('lock-unwrap warning'));
    expect(await findings(crate, '--rule', 'lock-unwrap=error', '--rule', 'ffi-null-deref=off')).toEqual(sorted(expected));
    // The last --rule for a rule wins.
    expect(await findings(crate, '--rule', 'lock-unwrap=error', '--rule', 'lock-unwrap=warning')).toEqual(sorted(UNCONFIGURED));
  });
});

describe('ffiguard init', () => {
  it('writes a commented ffiguard.toml listing every rule at its default level, which changes nothing', async () => {
    const { crate } = makeRepo();
    const before = await findings(crate);
    const r = await run(crate, 'init');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('ffiguard: wrote ffiguard.toml\n');
    const text = fs.readFileSync(path.join(crate, 'ffiguard.toml'), 'utf8');
    expect(text).toBe(defaultConfigText());
    for (const rule of ALL_RULES) expect(text).toMatch(new RegExp(`^${rule.id} = "${rule.severity}"`, 'm'));
    for (const key of ['include', 'exclude', 'headers', 'panic-boundaries', 'panic-boundary-attributes', 'null-check-helpers', 'timeout-helpers']) {
      expect(text).toMatch(new RegExp(`^# ${key} = \\[`, 'm'));
    }
    const report = JSON.parse((await run(crate, 'scan', '.', '--format', 'json', '--fail-on', 'none')).stdout) as JsonReport;
    expect(report.config).toEqual({ path: 'ffiguard.toml', table: null });
    expect(listed(report)).toEqual(before);
  });

  it('every commented example is valid once uncommented', async () => {
    const { crate } = makeRepo({ 'crate/include/mylib.h': '' });
    fs.writeFileSync(path.join(crate, 'ffiguard.toml'), defaultConfigText().replace(/^# ([a-z-]+ = \[)/gm, '$1'));
    const r = await run(crate, 'scan', '.', '--format', 'json', '--fail-on', 'none');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('the README example is a valid configuration', async () => {
    const readme = fs.readFileSync(path.resolve(import.meta.dirname, '../README.md'), 'utf8');
    const example = /```toml\n# ffiguard\.toml\n([\s\S]*?)```/.exec(readme)![1]!;
    const { crate } = makeRepo({ 'crate/ffiguard.toml': example, 'include/mylib.h': '' });
    const r = await run(crate, 'scan', '.', '--format', 'json', '--fail-on', 'none');
    expect(r.stderr).toBe('');
    expect(listed(JSON.parse(r.stdout) as JsonReport).some((f) => f.startsWith('lock-unwrap'))).toBe(false);
  });

  it('writes into a given directory, refuses to overwrite unless --force', async () => {
    const { repo, crate } = makeRepo();
    expect((await run(repo, 'init', 'crate')).code).toBe(0);
    fs.writeFileSync(path.join(crate, 'ffiguard.toml'), '# mine\n');
    const again = await run(repo, 'init', 'crate');
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^ffiguard: init: .*ffiguard\.toml already exists \(use --force to overwrite it\)\n$/);
    expect(fs.readFileSync(path.join(crate, 'ffiguard.toml'), 'utf8')).toBe('# mine\n');
    expect((await run(repo, 'init', 'crate', '--force')).code).toBe(0);
    expect(fs.readFileSync(path.join(crate, 'ffiguard.toml'), 'utf8')).toBe(defaultConfigText());
    expect((await run(repo, 'init', 'no-such-dir')).code).toBe(2);
  });
});

describe('configuration mistakes exit 2 with the file, the key and what is allowed', () => {
  const RULES = ALL_RULES.map((r) => r.id).join(', ');
  const LEVELS = 'levels: off, note, warning, error';
  const KEYS = 'keys: include, exclude, headers, panic-boundaries, panic-boundary-attributes, null-check-helpers, timeout-helpers, rules';

  it.each([
    ['[rules]\nlock-unwarp = "off"\n', `ffiguard.toml: unknown rule \`lock-unwarp\` in [rules] (did you mean \`lock-unwrap\`?); rules: ${RULES}`],
    ['[rules]\nno-such-thing = "off"\n', `ffiguard.toml: unknown rule \`no-such-thing\` in [rules]; rules: ${RULES}`],
    ['[rules]\nlock-unwrap = "warn"\n', `ffiguard.toml: invalid level "warn" (did you mean "warning"?) for \`rules.lock-unwrap\`; ${LEVELS}`],
    ['[rules]\nlock-unwrap = "Off"\n', `ffiguard.toml: invalid level "Off" (did you mean "off"?) for \`rules.lock-unwrap\`; ${LEVELS}`],
    // A name of Object.prototype's members is no synonym of a level.
    ['[rules]\nlock-unwrap = "constructor"\n', `ffiguard.toml: invalid level "constructor" for \`rules.lock-unwrap\`; ${LEVELS}`],
    ['[rules]\nlock-unwrap = false\n', `ffiguard.toml: \`rules.lock-unwrap\` must be a string, not a boolean; ${LEVELS}`],
    ['rules = ["lock-unwrap"]\n', `ffiguard.toml: \`rules\` must be a table of rule id = level, not an array; ${LEVELS}`],
    ['exclud = ["vendor"]\n', `ffiguard.toml: unknown key \`exclud\` (did you mean \`exclude\`?); ${KEYS}`],
    ['[rule]\nlock-unwrap = "off"\n', `ffiguard.toml: unknown key \`rule\` (did you mean \`rules\`?); ${KEYS}`],
    ['include = "src/**"\n', 'ffiguard.toml: `include` must be an array of strings, e.g. include = ["src/**"], not a string'],
    ['exclude = ["a", 3]\n', 'ffiguard.toml: `exclude[1]` must be a string, not an integer; `exclude` is an array of strings, e.g. exclude = ["src/**"]'],
    ['exclude = ["src/{a,b"]\n', 'ffiguard.toml: `exclude[0]` "src/{a,b" is not a usable glob: a `{` is never closed; globs use `*`, `**`, `?`, `[abc]`, `{a,b}`'],
    ['panic-boundaries = ["my guard"]\n', 'ffiguard.toml: `panic-boundaries[0]` "my guard" is not a Rust name; expected a macro, function or attribute name such as "ffi_guard" or "my_crate::ffi_guard"'],
    ['timeout-helpers = [{ name = "x" }]\n', 'ffiguard.toml: `timeout-helpers[0]` must be a string, not a table; `timeout-helpers` is an array of strings, e.g. timeout-helpers = ["my_guard"]'],
    ['headers = ["include/missing.h"]\n', 'ffiguard.toml: `headers[0]`: no such file "include/missing.h" (paths are relative to the directory of ffiguard.toml)'],
    ['headers = ["src/lib.rs"]\n', 'ffiguard.toml: `headers[0]` "src/lib.rs" is not a C header; expected a .h, .hh, .hpp or .hxx file'],
    ['[rules]\nlock-unwrap = "off"\n[rules\n', /^ffiguard\.toml:3:7: invalid TOML: illegal character in key\n$/],
  ])('ffiguard.toml %j', async (toml, message) => {
    const { crate } = makeRepo({ 'crate/ffiguard.toml': toml });
    const r = await run(crate, 'scan', '.');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    if (typeof message === 'string') expect(r.stderr).toBe(`ffiguard: ${message}\n`);
    else expect(r.stderr.replace(/^ffiguard: /, '')).toMatch(message);
  });

  it.each([
    ['[package.metadata.ffiguard]\nrule = {}\n', `Cargo.toml: unknown key \`package.metadata.ffiguard.rule\` (did you mean \`rules\`?); ${KEYS}`],
    ['[package.metadata.ffiguard.rules]\nlock-unwrap = "on"\n', `Cargo.toml: invalid level "on" for \`package.metadata.ffiguard.rules.lock-unwrap\`; ${LEVELS}`],
    ['[package.metadata.ffiguard.rules]\nlockunwrap = "off"\n', `Cargo.toml: unknown rule \`lockunwrap\` in [package.metadata.ffiguard.rules] (did you mean \`lock-unwrap\`?); rules: ${RULES}`],
    ['[package.metadata]\nffiguard = 3\n', `Cargo.toml: \`package.metadata.ffiguard\` must be a table, not an integer; keys: include, exclude, headers, panic-boundaries, panic-boundary-attributes, null-check-helpers, timeout-helpers, rules`],
    ['[package.metadata.ffiguard]\n[workspace]\n[workspace.metadata.ffiguard]\n', 'Cargo.toml: both [package.metadata.ffiguard] and [workspace.metadata.ffiguard] are present; keep one'],
  ])('Cargo.toml %j', async (toml, message) => {
    const { crate } = makeRepo({ 'crate/Cargo.toml': `[package]\nname = "demo"\nversion = "0.1.0"\n\n${toml}` });
    const r = await run(crate, 'scan', '.');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`ffiguard: ${message}\n`);
  });

  it.each([
    [['--rule', 'lock-unwarp=off'], `--rule lock-unwarp=off: unknown rule \`lock-unwarp\` (did you mean \`lock-unwrap\`?); rules: ${RULES}`],
    [['--rule', 'lock-unwrap'], '--rule lock-unwrap: expected ID=LEVEL, e.g. --rule lock-unwrap=off; levels: off, note, warning, error'],
    [['--rule', 'lock-unwrap=loud'], `--rule lock-unwrap=loud: invalid level "loud"; ${LEVELS}`],
    [['--rule', 'lock-unwrap=deny'], `--rule lock-unwrap=deny: invalid level "deny" (did you mean "error"?); ${LEVELS}`],
    [['--config', 'no-such.toml'], '--config no-such.toml: no such file'],
    [['--config', 'src'], '--config src: not a file'],
    [['--config', 'Cargo.toml'], '--config Cargo.toml: it has no [package.metadata.ffiguard] or [workspace.metadata.ffiguard] table'],
  ])('scan %j', async (flags, message) => {
    const { crate } = makeRepo();
    const r = await run(crate, 'scan', '.', ...flags);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`ffiguard: ${message}\n`);
  });

  it('names the file given with --config, relative to the working directory', async () => {
    const { crate } = makeRepo({ 'crate/conf/strict.toml': 'rules = 1\n' });
    const r = await run(crate, 'scan', '.', '--config', 'conf/strict.toml');
    expect(r.stderr).toBe(`ffiguard: ${path.join('conf', 'strict.toml')}: \`rules\` must be a table of rule id = level, not an integer; ${LEVELS}\n`);
  });
});

describe('include/exclude globs', () => {
  it.each([
    [['src/**'], 'src/a/b.rs', true],
    [['src/*.rs'], 'src/a/b.rs', false],
    [['src/*.rs'], 'src/lib.rs', true],
    [['**/generated/**'], 'crates/x/generated/y.rs', true],
    [['**/*.h'], 'api.h', true],
    [['vendor'], 'vendor/x/y.rs', true],
    [['vendor/'], 'vendor/y.rs', true],
    [['./vendor'], 'vendor/y.rs', true],
    [['vendor'], 'src/vendor.rs', false],
    [['src/{a,b}.rs'], 'src/b.rs', true],
    [['src/[ab].rs'], 'src/c.rs', false],
    [['src/[!ab].rs'], 'src/c.rs', true],
    [['src/?.rs'], 'src/ab.rs', false],
    [['src/lib.rs'], 'src/lib_rs', false],
  ])('%j matches %s: %s', (patterns, file, matches) => {
    expect(globMatcher(patterns)(file)).toBe(matches);
  });
});
