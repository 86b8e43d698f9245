/**
 * Help lines that fixture markers do not check (they match messages): what they tell the user to
 * write must be something the user can write.
 */
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCrate } from '../src/analyze.js';
import { DEFAULT_SETTINGS } from '../src/crate-unit.js';

/** The help lines of `ruleId` for a crate of one Rust file and one header. */
async function helpsOf(ruleId: string, rust: string, header: string): Promise<(string | undefined)[]> {
  const root = path.join(os.tmpdir(), 'ffiguard-help');
  const r = await analyzeCrate(root, DEFAULT_SETTINGS, [
    { path: path.join(root, 'lib.rs'), text: rust },
    { path: path.join(root, 'kv.h'), text: header },
  ]);
  return r.findings.filter((f) => f.ruleId === ruleId).map((f) => f.help);
}

describe('header-string-without-length help', () => {
  it('names an unnamed parameter by its place, never by an internal placeholder', async () => {
    const rust = '#[no_mangle]\npub extern "C" fn kv_open(flags: i32, path: *const u8) -> i32 { 0 }\n#[no_mangle]\npub extern "C" fn kv_name(name: *const u8) -> i32 { 0 }\n';
    expect(await helpsOf('header-string-without-length', rust, 'int kv_open(int flags, const char *);\nint kv_name(const char *name);\n')).toEqual([
      'add a `size_t len` parameter after the second parameter and read exactly that many bytes in Rust',
      'add a `size_t name_len` parameter after `name` and read exactly that many bytes in Rust',
    ]);
  });
});

describe('header-missing-decl help', () => {
  it('spells std::ffi aliases as C does: `c_int` is `int`, not `int32_t`', async () => {
    const rust = 'use std::os::raw::{c_int, c_uint};\n#[no_mangle]\npub extern "C" fn kv_open(flags: c_int) -> i32 { 0 }\n#[no_mangle]\npub extern "C" fn kv_count(flags: std::os::raw::c_int, n: u64) -> c_uint { 0 }\n';
    expect(await helpsOf('header-missing-decl', rust, 'int kv_open(int flags);\n')).toEqual(['declare it in the header: `unsigned int kv_count(int flags, uint64_t n);`']);
  });

  it("spells the crate's types as its header names them, learnt from the exports it declares", async () => {
    const rust =
      'pub struct Config;\npub struct Conn;\n#[no_mangle]\npub extern "C" fn kv_config_new() -> *mut Config { todo!() }\n' +
      '#[no_mangle]\npub extern "C" fn kv_connect(config: *const Config) -> *mut Conn { todo!() }\n' +
      '#[no_mangle]\npub unsafe extern "C" fn kv_config_set(config: *mut Config, conn: *mut Conn, v: u8) {}\n';
    const header = 'typedef struct Config kv_config;\ntypedef struct Conn kv_conn_t;\nkv_config *kv_config_new(void);\nkv_conn_t *kv_connect(const kv_config *config);\n';
    expect(await helpsOf('header-missing-decl', rust, header)).toEqual(['declare it in the header: `void kv_config_set(kv_config *config, kv_conn_t *conn, uint8_t v);`']);
  });
});

describe('header-signature-mismatch help', () => {
  it('spells the Rust type in C (and the C type in Rust), and leaves a difference to be fixed on either side', async () => {
    const rust = [
      '#[no_mangle]',
      'pub extern "C" fn kv_data(n: u32) -> *const u8 { std::ptr::null() }',
      '#[no_mangle]',
      'pub extern "C" fn kv_keys(keys: *const *const u8, n: u64) {}',
      '#[no_mangle]',
      'pub extern "C" fn kv_close(n: u32) {}',
      '',
    ].join('\n');
    const header = 'uint8_t *kv_data(unsigned int n);\nvoid kv_keys(const uint8_t **keys, int n);\nint kv_close(unsigned int n);\n';
    expect(await helpsOf('header-signature-mismatch', rust, header)).toEqual([
      'make the constness agree on whichever side is wrong: declare it `const uint8_t *` in the header to match the Rust return type `*const u8`, or, if the header says what is meant, change the Rust type\'s `*const`/`*mut` (or `&`/`&mut`)',
      'make the constness agree on whichever side is wrong: declare it `const uint8_t *const *` in the header to match the Rust parameter `keys: *const *const u8`, or, if the header says what is meant, change the Rust type\'s `*const`/`*mut` (or `&`/`&mut`)',
      'declare it as `uint64_t` to match the Rust parameter `n: u64`; or, if the header is the published API, make the Rust type `c_int`',
      'declare the return type as `void` to match the Rust `()`; or, if the header is the published API, make the Rust type `c_int`',
    ]);
  });
});

describe('panic-across-ffi help', () => {
  it('for a panic only a NULL pointer sets off, says to check the pointer and return an error', async () => {
    const rust = [
      'fn name_of(p: *const u8) -> u8 {',
      '    assert!(!p.is_null());',
      '    unsafe { *p }',
      '}',
      '#[no_mangle]',
      'pub extern "C" fn kv_name(key: *const u8) -> u8 {',
      '    name_of(key)',
      '}',
      '#[no_mangle]',
      'pub unsafe extern "C" fn kv_first(key: *const u8, v: &[u8], i: usize) -> u8 {',
      '    let k = key.as_ref().unwrap();',
      '    v[i] + k',
      '}',
      '',
    ].join('\n');
    expect(await helpsOf('panic-across-ffi', rust, '')).toEqual([
      'check `key` for null before calling `name_of()` and return an error value to C (`if key.is_null() { return ..; }`): this panic fires only when C passes NULL',
      'return an error value to C when `key` is null instead of unwrapping it (`if key.is_null() { return ..; }`, or `let Some(..) = .. else { return ..; }`): this panic fires only when C passes NULL; for the other sites, handle the failure without panicking, or wrap the body of `kv_first` in `std::panic::catch_unwind(|| ..)` and return an error value when it catches a panic',
    ]);
  });

  it('for an assert that is itself the null check, says to return early instead, also when the name is rebound after it', async () => {
    const rust = [
      '#[no_mangle]',
      'pub unsafe extern "C" fn kv_len(key: *const Vec<u8>) -> usize {',
      '    assert!(!key.is_null());',
      '    let key = &*key;',
      '    key.len()',
      '}',
      '',
    ].join('\n');
    expect(await helpsOf('panic-across-ffi', rust, '')).toEqual([
      'replace the assert with an early return of an error value to C (`if key.is_null() { return ..; }`): it fires only when C passes NULL',
    ]);
  });
});

describe('unbounded-block-on help', () => {
  it("suggests a timer the call's executor can drive: tokio's timeout panics under futures or pollster", async () => {
    const rust = [
      'use pollster::block_on;',
      'async fn fetch() -> i32 { 0 }',
      'pub fn a(rt: &tokio::runtime::Runtime) -> i32 { rt.block_on(fetch()) }',
      'pub fn b() -> i32 { futures::executor::block_on(fetch()) }',
      'pub fn c() -> i32 { block_on(fetch()) }',
    ].join('\n');
    const helps = await helpsOf('unbounded-block-on', rust, '');
    expect(helps[0]).toMatch(/^bound the wait with `tokio::time::timeout/);
    expect(helps[1]).toMatch(/`async_std::future::timeout`.*`tokio::time::timeout` panics outside a tokio runtime/);
    expect(helps[2]).toEqual(helps[1]);
  });

  it("names no executor's timer for a `block_on` method the crate defines itself", async () => {
    const rust = [
      'pub trait TaskExecutor { fn block_on<T>(&self, task: impl std::future::Future<Output = T>) -> T; }',
      'async fn fetch() -> i32 { 0 }',
      'pub fn a(exec: &dyn TaskExecutor) -> i32 { exec.block_on(fetch()) }',
    ].join('\n');
    const helps = await helpsOf('unbounded-block-on', rust, '');
    expect(helps).toHaveLength(1);
    expect(helps[0]).toMatch(/^bound the wait with a timeout the executor can drive/);
  });
});

describe('ffi-ownership-no-free help', () => {
  it('a `*mut c_char` from `.into_raw()` goes back through `CString::from_raw`, whatever the local is called', async () => {
    const rust = 'use std::ffi::CString;\nuse std::os::raw::c_char;\n#[no_mangle]\npub extern "C" fn kv_text() -> *mut c_char {\n    let data = CString::new("x").unwrap_or_default();\n    data.into_raw()\n}\n';
    expect(await helpsOf('ffi-ownership-no-free', rust, '')).toEqual(['export `kv_text_free(p: *mut c_char)` that calls `CString::from_raw(p)`, and document it as the way to free the result']);
  });

  it('a boxed slice goes back with its length, and a pointer to pointers is spelled as Rust writes it', async () => {
    const rust = 'pub struct Doc;\n#[no_mangle]\npub unsafe extern "C" fn kv_docs(len: *mut usize) -> *mut *mut Doc {\n    let out = Vec::<*mut Doc>::new().into_boxed_slice();\n    *len = out.len();\n    Box::into_raw(out) as *mut _\n}\n';
    expect(await helpsOf('ffi-ownership-no-free', rust, '')).toEqual([
      'export `kv_docs_free(p: *mut *mut Doc, len: usize)` that calls `drop(Box::from_raw(std::ptr::slice_from_raw_parts_mut(p, len)))`, and document it as the way to free the result',
    ]);
  });
});

describe('missing-safety-doc help', () => {
  it('points at a `#Safety` line that Markdown does not read as a heading', async () => {
    const rust = '/// Reads a byte.\n///\n/// #Safety\n/// `p` must point to a readable byte.\npub unsafe fn read_byte(p: *const u8) -> u8 { *p }\n/// Nothing about safety.\npub unsafe fn write_byte(p: *mut u8) { *p = 0 }\n';
    expect(await helpsOf('missing-safety-doc', rust, '')).toEqual([
      '`#Safety` in the docs of `read_byte` is no heading (Markdown needs a space after `#`): write `# Safety`',
      'add a `# Safety` section to the docs of `write_byte` that says what the caller must guarantee',
    ]);
  });
});
