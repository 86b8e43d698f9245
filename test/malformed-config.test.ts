/**
 * Broken `Cargo.toml` and `ffiguard.toml` files (issue 7): exit 2 with one line naming the file, the
 * line (and column, for TOML syntax) and the problem; never a stack trace. A broken manifest that a
 * directory search merely came across is a warning, and the rest is scanned.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ffiguard-config-')));
  made.push(root);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  return root;
}

const FFI = '#[no_mangle]\npub extern "C" fn get(p: *const u8) -> u8 {\n    unsafe { *p }\n}\n';
const PKG = '[package]\nname = "x"\nversion = "0.1.0"\n';

async function expectError(files: Record<string, string>, message: (root: string) => string): Promise<void> {
  const root = tree({ 'src/lib.rs': FFI, ...files });
  const r = await runCli(root, 'scan', '.');
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toBe(`ffiguard: ${message(root)}\n`);
}

describe('a Cargo.toml that is not valid TOML', () => {
  it.each([
    ['a value missing', `${PKG}edition = \n`, '4:11: invalid TOML: invalid value'],
    ['an unterminated string', `${PKG}edition = "2021\n`, '4:16: invalid TOML: control characters are not allowed in strings'],
    ['a key defined twice', `${PKG}name = "y"\n`, '4:1: invalid TOML: trying to redefine an already defined table or value'],
    ['a table header never closed', '[package\nname = "x"\n', '1:9: invalid TOML: illegal character in key'],
    ['arrays nested 10,000 deep', `${PKG}[package.metadata]\nx = ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`, '5:1005: invalid TOML: document contains excessively nested structures. aborting.'],
  ])('%s: file, line, column and reason', (_, toml, where) => expectError({ 'Cargo.toml': toml }, (root) => `${path.join(root, 'Cargo.toml')}:${where}`));
});

describe('a Cargo.toml key ffiguard reads, with the wrong type', () => {
  it.each([
    ['rust-version = 5', `${PKG}rust-version = 5\n`, '4: `package.rust-version` must be a string such as "1.70" (or { workspace = true }), not an integer'],
    ['rust-version = a date', `${PKG}rust-version = 1979-05-27\n`, '4: `package.rust-version` must be a string such as "1.70" (or { workspace = true }), not a date'],
    ['members = "x"', '[workspace]\nmembers = "crates/*"\n', '2: `workspace.members` must be an array of strings such as ["crates/*"], not a string'],
    ['members = [1]', '[workspace]\nmembers = [1]\n', '2: `workspace.members` must be an array of strings such as ["crates/*"], not an array'],
    ['package = 3', 'package = 3\n', '1: `package` must be a table, not an integer'],
    ['[lib] path = true', `${PKG}[lib]\npath = true\n`, '5: `lib.path` must be a string such as "src/lib.rs", not a boolean'],
    ['a dependency path that is a number', `${PKG}\n[dependencies]\nsys = { path = 5 }\n`, '6: `dependencies.sys.path` must be a string such as "../mylib-sys", not an integer'],
    ['overflow-checks = "yes"', `${PKG}[profile.release]\noverflow-checks = "yes"\n`, '5: `profile.release.overflow-checks` must be a boolean (true or false), not a string'],
    ['panic = 1 as a dotted key', `profile.release.panic = 1\n${PKG}`, '1: `profile.release.panic` must be a string such as "abort", not an integer'],
  ])('%s', (_, toml, where) => expectError({ 'Cargo.toml': toml }, (root) => `${path.join(root, 'Cargo.toml')}:${where}`));
});

describe('ffiguard.toml', () => {
  it.each([
    ['not valid TOML', '[rules]\nlock-unwrap = \n', 'ffiguard.toml:2:15: invalid TOML: invalid value'],
    ['a string where a table is expected', 'rules = "off"\n', 'ffiguard.toml: `rules` must be a table of rule id = level, not a string; levels: off, note, warning, error'],
    ['a header that is a directory', 'headers = ["include/x.h"]\n', 'ffiguard.toml: `headers[0]`: "include/x.h" is not a file'],
  ])('%s', async (_, toml, message) => {
    const root = tree({ 'src/lib.rs': FFI, 'ffiguard.toml': toml });
    fs.mkdirSync(path.join(root, 'include', 'x.h'), { recursive: true });
    const r = await runCli(root, 'scan', '.');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`ffiguard: ${message}\n`);
  });
});

describe('a broken Cargo.toml met while searching a directory', () => {
  it('is a warning naming it, and every other crate is scanned', async () => {
    const root = tree({ 'good/Cargo.toml': PKG, 'good/src/lib.rs': FFI, 'bad/Cargo.toml': `${PKG}rust-version = 5\n`, 'bad/src/lib.rs': FFI, 'ugly/Cargo.toml': '[package\n', 'ugly/src/lib.rs': FFI });
    const r = await runCli(root, 'scan', '.', '--format', 'json');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { findings: { path: string }[]; notifications: { level: string; path: string; message: string }[] };
    // Their files are still scanned, without their settings.
    expect(report.findings.map((f) => f.path.split(path.sep).join('/')).sort()).toEqual(['bad/src/lib.rs', 'good/src/lib.rs', 'ugly/src/lib.rs']);
    expect(report.notifications).toEqual([
      { level: 'warning', path: path.join('bad', 'Cargo.toml'), message: `${path.join(root, 'bad', 'Cargo.toml')}:4: \`package.rust-version\` must be a string such as "1.70" (or { workspace = true }), not an integer; its files are scanned without its settings` },
      { level: 'warning', path: path.join('ugly', 'Cargo.toml'), message: `${path.join(root, 'ugly', 'Cargo.toml')}:1:9: invalid TOML: illegal character in key; its files are scanned without its settings` },
    ]);
  });
});
