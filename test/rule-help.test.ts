/**
 * Help lines that fixture markers do not check (they match messages): what they tell the user to
 * write must be something the user can write.
 */
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCrate } from '../src/analyze.js';
import { DEFAULT_SETTINGS } from '../src/crate-unit.js';

describe('header-string-without-length help', () => {
  it('names an unnamed parameter by its place, never by an internal placeholder', async () => {
    const root = path.join(os.tmpdir(), 'ffiguard-help');
    const r = await analyzeCrate(root, DEFAULT_SETTINGS, [
      { path: path.join(root, 'lib.rs'), text: '#[no_mangle]\npub extern "C" fn kv_open(flags: i32, path: *const u8) -> i32 { 0 }\n#[no_mangle]\npub extern "C" fn kv_name(name: *const u8) -> i32 { 0 }\n' },
      { path: path.join(root, 'kv.h'), text: 'int kv_open(int flags, const char *);\nint kv_name(const char *name);\n' },
    ]);
    const helps = r.findings.filter((f) => f.ruleId === 'header-string-without-length').map((f) => f.help);
    expect(helps).toEqual([
      'add a `size_t len` parameter after the second parameter and read exactly that many bytes in Rust',
      'add a `size_t name_len` parameter after `name` and read exactly that many bytes in Rust',
    ]);
  });
});

describe('header-missing-decl help', () => {
  it('spells std::ffi aliases as C does: `c_int` is `int`, not `int32_t`', async () => {
    const root = path.join(os.tmpdir(), 'ffiguard-help');
    const r = await analyzeCrate(root, DEFAULT_SETTINGS, [
      { path: path.join(root, 'lib.rs'), text: 'use std::os::raw::{c_int, c_uint};\n#[no_mangle]\npub extern "C" fn kv_open(flags: c_int) -> i32 { 0 }\n#[no_mangle]\npub extern "C" fn kv_count(flags: std::os::raw::c_int, n: u64) -> c_uint { 0 }\n' },
      { path: path.join(root, 'kv.h'), text: 'int kv_open(int flags);\n' },
    ]);
    expect(r.findings.filter((f) => f.ruleId === 'header-missing-decl').map((f) => f.help)).toEqual(['declare it in the header: `unsigned int kv_count(int flags, uint64_t n);`']);
  });
});
