// A deterministic generator of a realistic Rust Cargo workspace for the benchmark (scripts/bench.mjs).
// Same seed, size and mix: byte-identical files, so figures from two runs or two machines compare.
//
// Two mixes: "ffi-heavy" (≈30% of the files are FFI code (every file but lib.rs and tests/ may be): #[no_mangle] extern "C" functions taking raw
// pointers, with and without null checks and catch_unwind, CStr/CString, Mutex locks, block_on, unsafe
// fns with and without `# Safety`) and "ffi-light" (≈3% FFI, the rest ordinary library code: structs,
// impls, traits, generics, iterators, match, closures, error enums, macro_rules, docs, test modules).
// Files are 50-1500 lines (log-uniform, so most are a few hundred), grouped in crates of 5-40k lines
// with a `mod` tree (src/lib.rs, src/x.rs, src/dir/mod.rs + src/dir/y.rs), some tests/ files, and a C
// header per crate with FFI code, as cbindgen would write one.
import fs from 'node:fs';
import path from 'node:path';

export const MIXES = { 'ffi-heavy': 0.3, 'ffi-light': 0.03 };

/** mulberry32: a tiny seeded PRNG (Math.random cannot be seeded, and the corpus must be reproducible). */
export function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
    chance: (p) => next() < p,
  };
}

const NOUNS = 'buffer session config codec frame packet stream handle registry cache index token span reader writer queue pool channel event metric schema record table page block node graph route peer key value entry batch chunk image pixel color font glyph path shape matrix sample filter encoder decoder parser lexer symbol scope module engine store client server request response header body cookie timer task worker job slot arena region segment cursor view layer tile mesh vertex texture shader clip track voice policy ticket lease quota shard replica snapshot journal cert signer digest cipher'.split(' ');
const VERBS = 'open close read write get set put take push pop flush reset resize encode decode parse render load store insert remove lookup find update apply commit rollback start stop poll send recv connect bind accept sign verify hash compress expand merge split scan seek'.split(' ');
const FIELD_TYPES = ['u8', 'u16', 'u32', 'u64', 'usize', 'i32', 'i64', 'f32', 'f64', 'bool', 'String', 'Vec<u8>', 'Vec<u32>', 'Option<String>', 'Option<u64>', 'HashMap<String, u64>', 'Box<[u8]>'];
const ERRORS = ['Io', 'Parse', 'Timeout', 'NotFound', 'Invalid', 'Closed', 'Overflow', 'Unsupported', 'Busy', 'Corrupt'];

const pascal = (s) => s[0].toUpperCase() + s.slice(1);
const lineCount = (text) => text.split('\n').length - 1;

/** Names unique within one file (Rust rejects two items of one name in a module). */
class Names {
  constructor(rng) {
    this.rng = rng;
    this.used = new Set();
  }
  unique(make) {
    for (let i = 0; ; i++) {
      const name = make() + (i >= 3 ? String(i) : '');
      if (!this.used.has(name)) {
        this.used.add(name);
        return name;
      }
    }
  }
  type() {
    return this.unique(() => pascal(this.rng.pick(NOUNS)) + pascal(this.rng.pick(NOUNS)));
  }
  fn() {
    return this.unique(() => `${this.rng.pick(VERBS)}_${this.rng.pick(NOUNS)}`);
  }
}

// ---------------------------------------------------------------------------------------------------
// Ordinary Rust items. Each returns a block of text ending in a blank line.

function docLines(rng, what, indent = '') {
  const out = [`${indent}/// ${pascal(rng.pick(VERBS))}s the ${what} and returns the ${rng.pick(NOUNS)}.`];
  if (rng.chance(0.4)) out.push(`${indent}///`, `${indent}/// The ${rng.pick(NOUNS)} is kept until the ${rng.pick(NOUNS)} is ${rng.pick(VERBS)}ed; calling this`, `${indent}/// twice is allowed and cheap.`);
  if (rng.chance(0.15)) out.push(`${indent}///`, `${indent}/// # Examples`, `${indent}///`, `${indent}/// \`\`\``, `${indent}/// let x = ${rng.int(1, 99)};`, `${indent}/// assert!(x > 0);`, `${indent}/// \`\`\``);
  return out.join('\n') + '\n';
}

function structWithImpl(rng, names) {
  const name = names.type();
  const fields = Array.from({ length: rng.int(2, 7) }, (_, i) => [`${rng.pick(NOUNS)}_${i}`, rng.pick(FIELD_TYPES)]);
  let s = docLines(rng, name.toLowerCase());
  s += `#[derive(Debug, Clone, Default)]\npub struct ${name} {\n`;
  for (const [f, t] of fields) s += `    ${rng.chance(0.5) ? 'pub ' : ''}${f}: ${t},\n`;
  s += `}\n\nimpl ${name} {\n    pub fn new() -> Self {\n        Self::default()\n    }\n`;
  for (let m = rng.int(1, 5); m > 0; m--) s += '\n' + method(rng, names, fields);
  return s + '}\n\n';
}

function method(rng, names, fields) {
  const [f, t] = rng.pick(fields);
  const name = names.fn();
  switch (rng.int(0, 5)) {
    case 0:
      return `    pub fn ${name}(&self) -> &${t} {\n        &self.${f}\n    }\n`;
    case 1:
      return `    pub fn ${name}(&mut self, value: ${t}) -> &mut Self {\n        self.${f} = value;\n        self\n    }\n`;
    case 2:
      return (
        `    pub fn ${name}(&self, items: &[u32]) -> Vec<u32> {\n` +
        `        items\n            .iter()\n            .copied()\n            .filter(|x| x % ${rng.int(2, 9)} != 0)\n` +
        `            .map(|x| x.wrapping_mul(${rng.int(3, 97)}))\n            .collect()\n    }\n`
      );
    case 3:
      return (
        `    pub fn ${name}(&self, key: &str) -> Option<usize> {\n        if key.is_empty() {\n            return None;\n        }\n` +
        `        let n = key.bytes().fold(0usize, |acc, b| acc.wrapping_mul(31).wrapping_add(b as usize));\n` +
        `        Some(n % ${rng.int(16, 4096)})\n    }\n`
      );
    case 4:
      return (
        `    fn ${name}(&self, input: &str) -> Result<u64, String> {\n        let mut total = 0u64;\n        for (i, part) in input.split(',').enumerate() {\n` +
        `            let v: u64 = part.trim().parse().map_err(|e| format!("field {i}: {e}"))?;\n            total = total.saturating_add(v);\n        }\n        Ok(total)\n    }\n`
      );
    default:
      return (
        `    pub fn ${name}<F>(&self, mut f: F) -> usize\n    where\n        F: FnMut(usize) -> bool,\n    {\n` +
        `        let mut count = 0;\n        for i in 0..${rng.int(4, 64)} {\n            if f(i) {\n                count += 1;\n            }\n        }\n        count\n    }\n`
      );
  }
}

function enumWithMatch(rng, names) {
  const name = names.type();
  const variants = Array.from({ length: rng.int(3, 8) }, () => pascal(rng.pick(NOUNS)));
  const uniq = [...new Set(variants)];
  let s = `/// The kinds of ${name.toLowerCase()}.\n#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]\npub enum ${name} {\n`;
  s += uniq.map((v) => `    ${v},\n`).join('');
  s += `}\n\nimpl ${name} {\n    pub fn as_str(self) -> &'static str {\n        match self {\n`;
  s += uniq.map((v) => `            ${name}::${v} => "${v.toLowerCase()}",\n`).join('');
  s += `        }\n    }\n\n    pub fn weight(self) -> u32 {\n        match self {\n`;
  s += uniq.slice(0, -1).map((v, i) => `            ${name}::${v} => ${i * rng.int(1, 9)},\n`).join('');
  s += `            _ => 0,\n        }\n    }\n}\n\n`;
  return s;
}

function errorEnum(rng, names) {
  const name = names.unique(() => `${pascal(rng.pick(NOUNS))}Error`);
  const vs = [...new Set(Array.from({ length: rng.int(3, 6) }, () => rng.pick(ERRORS)))];
  let s = `/// Errors returned by the ${name.replace('Error', '').toLowerCase()} API.\n#[derive(Debug)]\npub enum ${name} {\n`;
  s += vs.map((v) => (v === 'Io' ? `    Io(std::io::Error),\n` : `    ${v}(String),\n`)).join('');
  s += `}\n\nimpl std::fmt::Display for ${name} {\n    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {\n        match self {\n`;
  s += vs.map((v) => `            ${name}::${v}(e) => write!(f, "${v.toLowerCase()}: {}", e),\n`).join('');
  s += `        }\n    }\n}\n\nimpl std::error::Error for ${name} {}\n\n`;
  if (vs.includes('Io')) s += `impl From<std::io::Error> for ${name} {\n    fn from(e: std::io::Error) -> Self {\n        ${name}::Io(e)\n    }\n}\n\n`;
  return s;
}

function traitWithImpls(rng, names) {
  const name = names.unique(() => pascal(rng.pick(VERBS)) + 'able');
  const a = names.type();
  const b = names.type();
  const m = names.fn();
  let s = `/// Something that can be ${name.toLowerCase()}d.\npub trait ${name} {\n    fn ${m}(&self, n: usize) -> usize;\n\n`;
  s += `    fn describe(&self) -> String {\n        format!("{} items", self.${m}(1))\n    }\n}\n\n`;
  for (const t of [a, b]) {
    s += `pub struct ${t}(pub Vec<u64>);\n\nimpl ${name} for ${t} {\n    fn ${m}(&self, n: usize) -> usize {\n        self.0.iter().take(n).filter(|v| **v > ${rng.int(0, 100)}).count()\n    }\n}\n\n`;
  }
  const g = names.fn();
  s += `pub fn ${g}<T: ${name} + ?Sized>(items: &[Box<T>]) -> usize {\n    items.iter().map(|i| i.${m}(${rng.int(1, 16)})).sum()\n}\n\n`;
  return s;
}

function macroRules(rng, names) {
  const name = names.unique(() => `impl_${rng.pick(NOUNS)}`);
  const types = [names.type(), names.type()];
  let s = `macro_rules! ${name} {\n    ($t:ident, $v:expr) => {\n        impl $t {\n            pub const LIMIT: usize = $v;\n\n`;
  s += `            pub fn limit(&self) -> usize {\n                Self::LIMIT\n            }\n        }\n    };\n}\n\n`;
  for (const t of types) s += `pub struct ${t};\n${name}!(${t}, ${rng.int(8, 1 << 16)});\n\n`;
  return s;
}

function freeFunctions(rng, names) {
  let s = '';
  for (let n = rng.int(1, 3); n > 0; n--) {
    const name = names.fn();
    switch (rng.int(0, 3)) {
      case 0:
        s += docLines(rng, name.replace('_', ' '));
        s += `pub fn ${name}(data: &[u8]) -> u32 {\n    let mut h: u32 = ${rng.int(1, 1 << 30)};\n    for chunk in data.chunks(${rng.int(2, 16)}) {\n`;
        s += `        for &b in chunk {\n            h = h.rotate_left(5) ^ u32::from(b);\n        }\n    }\n    h\n}\n\n`;
        break;
      case 1:
        s += `pub fn ${name}(words: &[&str]) -> std::collections::BTreeMap<usize, Vec<String>> {\n    let mut by_len = std::collections::BTreeMap::new();\n`;
        s += `    for w in words {\n        by_len.entry(w.len()).or_insert_with(Vec::new).push(w.to_string());\n    }\n    by_len\n}\n\n`;
        break;
      case 2:
        s += `fn ${name}(xs: &mut Vec<i64>) -> Option<i64> {\n    xs.sort_unstable();\n    xs.dedup();\n    let mid = xs.len() / 2;\n`;
        s += `    match xs.len() {\n        0 => None,\n        n if n % 2 == 1 => Some(xs[mid]),\n        _ => Some((xs[mid - 1] + xs[mid]) / 2),\n    }\n}\n\n`;
        break;
      default:
        s += `pub(crate) fn ${name}(path: &std::path::Path) -> std::io::Result<Vec<String>> {\n    let text = std::fs::read_to_string(path)?;\n`;
        s += `    Ok(text\n        .lines()\n        .map(str::trim)\n        .filter(|l| !l.is_empty() && !l.starts_with('#'))\n        .map(String::from)\n        .collect())\n}\n\n`;
    }
  }
  return s;
}

function constants(rng, names) {
  return (
    `pub const ${names.unique(() => rng.pick(NOUNS).toUpperCase() + '_LIMIT')}: usize = ${rng.int(16, 1 << 20)};\n` +
    `static ${names.unique(() => 'DEFAULT_' + rng.pick(NOUNS).toUpperCase())}: &str = "${rng.pick(NOUNS)}";\n` +
    `pub type ${names.type()} = std::collections::HashMap<String, Vec<u32>>;\n\n`
  );
}

/** Things an FFI rule could also flag outside FFI code: locks, block_on, unsafe fns (with and without docs). */
function ordinaryHazards(rng, names) {
  const t = names.type();
  let s = `pub struct ${t} {\n    inner: std::sync::Mutex<Vec<u64>>,\n}\n\nimpl ${t} {\n`;
  s += `    pub fn push(&self, v: u64) {\n        self.inner.lock().unwrap().push(v);\n    }\n\n`;
  s += `    pub fn total(&self) -> u64 {\n        let guard = self.inner.lock().expect("poisoned");\n        guard.iter().sum()\n    }\n}\n\n`;
  const f = names.fn();
  if (rng.chance(0.5)) s += `/// Reads \`n\` values starting at \`p\`.\n///\n/// # Safety\n///\n/// \`p\` must point to \`n\` initialised values.\n`;
  else s += `/// Reads \`n\` values starting at \`p\`.\n`;
  s += `pub unsafe fn ${f}(p: *const u64, n: usize) -> u64 {\n    std::slice::from_raw_parts(p, n).iter().sum()\n}\n\n`;
  if (rng.chance(0.3)) s += `pub fn ${names.fn()}(rt: &tokio::runtime::Runtime) -> u64 {\n    rt.block_on(async { 42 })\n}\n\n`;
  return s;
}

function testsModule(rng, names) {
  let s = `#[cfg(test)]\nmod tests {\n    use super::*;\n`;
  for (let n = rng.int(1, 4); n > 0; n--) {
    s += `\n    #[test]\n    fn ${names.unique(() => `${rng.pick(VERBS)}_${rng.pick(NOUNS)}_works`)}() {\n        let v: Vec<u32> = (0..${rng.int(3, 50)}).collect();\n`;
    s += `        assert_eq!(v.len(), v.iter().count());\n        assert!(v.iter().all(|x| *x < 1000));\n    }\n`;
  }
  return s + '}\n';
}

const ORDINARY = [structWithImpl, structWithImpl, enumWithMatch, errorEnum, traitWithImpls, macroRules, freeFunctions, freeFunctions, constants];

// ---------------------------------------------------------------------------------------------------
// FFI items. `exports` collects the C prototypes for the crate's header.

const C_TYPES = { c_int: 'int', usize: 'size_t', bool: 'bool', '*const c_char': 'const char *', '*mut c_char': 'char *', '*const u8': 'const uint8_t *', '*mut usize': 'size_t *', '()': 'void' };
const cType = (rust) => C_TYPES[rust] ?? (rust.startsWith('*mut ') ? `${rust.slice(5)} *` : rust.startsWith('*const ') ? `const ${rust.slice(7)} *` : rust);

const FFI_PRELUDE =
  'use std::ffi::{CStr, CString};\nuse std::os::raw::{c_char, c_int};\nuse std::panic::{self, AssertUnwindSafe};\nuse std::ptr;\nuse std::sync::Mutex;\n\n';

/** A #[repr(C)] handle type with a constructor and (usually) a destructor exported to C. */
function ffiHandle(rng, names, ctx) {
  const t = names.type();
  const base = `${ctx.prefix}_${t.toLowerCase()}`;
  ctx.handles.push(t);
  let s = `/// An opaque ${t} handed to C.\npub struct ${t} {\n    state: Mutex<Vec<u8>>,\n    name: String,\n}\n\n`;
  s += `#[no_mangle]\npub extern "C" fn ${base}_new() -> *mut ${t} {\n    Box::into_raw(Box::new(${t} { state: Mutex::new(Vec::new()), name: String::new() }))\n}\n\n`;
  ctx.exports.push({ name: `${base}_new`, ret: `${t} *`, params: [] });
  if (rng.chance(0.85)) {
    s += `/// Frees a ${t} made by \`${base}_new\`.\n///\n/// # Safety\n///\n/// \`p\` must come from \`${base}_new\` and not be used afterwards.\n`;
    s += `#[no_mangle]\npub unsafe extern "C" fn ${base}_free(p: *mut ${t}) {\n    if p.is_null() {\n        return;\n    }\n    drop(Box::from_raw(p));\n}\n\n`;
    ctx.exports.push({ name: `${base}_free`, ret: 'void', params: [`${t} *p`] });
  }
  return s;
}

/** One exported function: a random mix of guards (null checks, catch_unwind) and hazards. */
function ffiFunction(rng, names, ctx) {
  const t = ctx.handles.length > 0 && rng.chance(0.8) ? rng.pick(ctx.handles) : null;
  const name = names.unique(() => `${ctx.prefix}_${rng.pick(NOUNS)}_${rng.pick(VERBS)}`);
  const params = [];
  if (t) params.push(['h', rng.chance(0.5) ? `*mut ${t}` : `*const ${t}`]);
  const takesStr = rng.chance(0.5);
  if (takesStr) params.push(['s', '*const c_char']);
  const takesBuf = rng.chance(0.35);
  if (takesBuf) params.push(['buf', '*const u8'], ['len', 'usize']);
  const hasOut = rng.chance(0.4);
  if (hasOut) params.push(['out', '*mut usize']);
  const retString = !hasOut && rng.chance(0.15);
  const ret = retString ? '*mut c_char' : 'c_int';
  const fail = retString ? 'ptr::null_mut()' : '-1';
  const ptrs = params.filter(([, ty]) => ty.startsWith('*'));

  const body = [];
  if (ptrs.length > 0 && rng.chance(0.55)) body.push(`if ${ptrs.map(([p]) => `${p}.is_null()`).join(' || ')} {`, `    return ${fail};`, '}');
  if (t) body.push(params[0][1].startsWith('*mut') ? 'let obj = unsafe { &mut *h };' : 'let obj = unsafe { &*h };');
  if (takesStr) body.push(rng.chance(0.5) ? 'let text = unsafe { CStr::from_ptr(s) }.to_str().unwrap();' : 'let text = unsafe { CStr::from_ptr(s) }.to_string_lossy().into_owned();');
  if (takesBuf) body.push('let bytes = unsafe { std::slice::from_raw_parts(buf, len) };', `let first = bytes[0] as usize;`);
  if (t && rng.chance(0.6)) body.push('let mut state = obj.state.lock().unwrap();', `state.push(${rng.int(0, 255)});`);
  if (rng.chance(0.2)) body.push('let n = runtime().block_on(async { fetch_count().await });');
  else body.push(`let n: usize = ${rng.int(0, 9)};`);
  if (takesStr) body.push('let n = n + text.len();');
  if (takesBuf) body.push('let n = n.wrapping_add(first);');
  if (hasOut) body.push('unsafe {', '    *out = n;', '}');
  if (retString) body.push(rng.chance(0.3) ? 'CString::new(format!("{n}")).unwrap().as_ptr() as *mut c_char' : 'CString::new(format!("{n}")).unwrap().into_raw()');
  else body.push('n as c_int');

  const guarded = rng.chance(0.4);
  const isUnsafe = rng.chance(0.3);
  let s = '';
  if (isUnsafe && rng.chance(0.5)) s += `/// ${pascal(rng.pick(VERBS))}s through the handle.\n///\n/// # Safety\n///\n/// Every pointer must be valid or null.\n`;
  else s += `/// ${pascal(rng.pick(VERBS))}s the ${rng.pick(NOUNS)}.\n`;
  s += `#[no_mangle]\npub ${isUnsafe ? 'unsafe ' : ''}extern "C" fn ${name}(${params.map(([p, ty]) => `${p}: ${ty}`).join(', ')}) -> ${ret} {\n`;
  if (guarded) {
    s += `    match panic::catch_unwind(AssertUnwindSafe(|| {\n${body.map((l) => `        ${l}\n`).join('')}    })) {\n        Ok(v) => v,\n        Err(_) => ${fail},\n    }\n`;
  } else s += body.map((l) => `    ${l}\n`).join('');
  s += '}\n\n';
  ctx.exports.push({ name, ret: cType(ret), params: params.map(([p, ty]) => `${cType(ty)}${cType(ty).endsWith('*') ? '' : ' '}${p}`) });
  return s;
}

function ffiRuntime() {
  return (
    'static RUNTIME: Mutex<Option<&\'static tokio::runtime::Runtime>> = Mutex::new(None);\n\n' +
    "fn runtime() -> &'static tokio::runtime::Runtime {\n    let mut slot = RUNTIME.lock().unwrap();\n" +
    '    *slot.get_or_insert_with(|| Box::leak(Box::new(tokio::runtime::Runtime::new().expect("runtime"))))\n}\n\n' +
    'async fn fetch_count() -> usize {\n    7\n}\n\n'
  );
}

// ---------------------------------------------------------------------------------------------------
// Files, crates, workspace.

/** One source file of about `target` lines; FFI files mix exported functions with ordinary helpers. */
function sourceFile(rng, target, ffi, ctx) {
  const names = new Names(rng);
  let text = ffi ? FFI_PRELUDE + ffiRuntime() : rng.chance(0.5) ? 'use std::collections::HashMap;\nuse std::fmt;\n\n' : 'use std::collections::HashMap;\n\n';
  if (!ffi && rng.chance(0.6)) text = `//! ${pascal(rng.pick(NOUNS))} ${rng.pick(NOUNS)}s and their ${rng.pick(NOUNS)}s.\n\n` + text;
  if (ffi) ctx.handles = [];
  const withTests = rng.chance(0.4);
  // Decided per file, as in real crates: macro_rules! sits in 10-30% of files and locks, unsafe fns
  // and raw pointers in a minority (measured on regex, hyper, rav1e); a per-item choice would put them
  // in nearly every long file.
  const withMacros = ffi || rng.chance(0.2);
  const withHazards = ffi || rng.chance(0.2);
  while (lineCount(text) < target) {
    if (ffi && (ctx.handles.length === 0 || rng.chance(0.12))) text += ffiHandle(rng, names, ctx);
    else if (ffi && rng.chance(0.6)) text += ffiFunction(rng, names, ctx);
    else if (withHazards && rng.chance(0.06)) text += ordinaryHazards(rng, names);
    else {
      const item = rng.pick(ORDINARY);
      text += (item === macroRules && !withMacros ? structWithImpl : item)(rng, names);
    }
  }
  if (withTests) text += testsModule(rng, names);
  return text;
}

/** A file length in [50, 1500], log-uniform: most files are a few hundred lines, a few are long. */
const fileLength = (rng) => Math.round(50 * Math.exp(rng.next() * Math.log(30)));

function header(crate, exports) {
  const guard = `${crate.toUpperCase().replace(/-/g, '_')}_H`;
  const types = [...new Set(exports.flatMap((e) => [e.ret, ...e.params]).map((s) => s.match(/\b([A-Z]\w*)\b/)?.[1]).filter(Boolean))];
  let h = `/* Generated by cbindgen (benchmark corpus). */\n#ifndef ${guard}\n#define ${guard}\n\n#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n\n`;
  h += types.map((t) => `typedef struct ${t} ${t};\n`).join('') + '\n#ifdef __cplusplus\nextern "C" {\n#endif\n\n';
  h += exports.map((e) => `${e.ret}${e.ret.endsWith('*') ? '' : ' '}${e.name}(${e.params.join(', ') || 'void'});\n`).join('');
  return h + '\n#ifdef __cplusplus\n}\n#endif\n\n#endif\n';
}

/**
 * Writes the workspace under `root` (emptied first) and returns what the benchmark needs to know:
 * file and line counts, and the FFI files (one of them is edited for the "one file changed" run).
 */
export function generateWorkspace(root, { lines, mix, seed = 1 }) {
  const ffiShare = MIXES[mix];
  if (ffiShare === undefined) throw new Error(`unknown mix ${mix}; known: ${Object.keys(MIXES).join(', ')}`);
  const rng = prng(seed);
  fs.rmSync(root, { recursive: true, force: true });
  const write = (rel, text) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  };
  const members = [];
  const ffiFiles = [];
  // Error diffusion with a random threshold: FFI files land at random, yet their share stays close
  // to `ffiShare` even in a small corpus (plain coin flips drift by several points in 200 files).
  let owed = 0;
  const isFfi = () => {
    owed += ffiShare;
    if (owed < rng.next()) return false;
    owed -= 1;
    return true;
  };
  let total = 0;
  let files = 0;
  for (let c = 0; total < lines; c++) {
    const crate = `${rng.pick(NOUNS)}-${rng.pick(NOUNS)}-${c}`;
    const ctx = { prefix: crate.split('-')[0].slice(0, 4) + c, handles: [], exports: [] };
    const budget = Math.min(lines - total, rng.int(5_000, 40_000));
    const used = new Set();
    const modName = () => {
      let n;
      do n = `${rng.pick(NOUNS)}${used.size >= 40 ? used.size : ''}`;
      while (used.has(n) || n === 'tests');
      used.add(n);
      return n;
    };
    const lib = { rel: 'src/lib.rs', mods: [] };
    const parents = [lib];
    let crateLines = 0;
    const addFile = (rel, parent, name) => {
      const ffi = isFfi();
      const text = sourceFile(rng, fileLength(rng), ffi, ctx);
      parent.mods.push(name);
      write(path.join('crates', crate, rel), text);
      if (ffi) ffiFiles.push(path.join('crates', crate, rel));
      crateLines += lineCount(text);
      files++;
    };
    while (crateLines < budget) {
      if (rng.chance(0.25)) {
        // A directory module: src/dir/mod.rs (itself a source file) with 2-6 submodules.
        const dir = modName();
        const ffi = isFfi();
        const mod = { rel: `src/${dir}/mod.rs`, mods: [], own: sourceFile(rng, fileLength(rng), ffi, ctx) };
        if (ffi) ffiFiles.push(path.join('crates', crate, mod.rel));
        lib.mods.push(dir);
        parents.push(mod);
        crateLines += lineCount(mod.own);
        for (let n = rng.int(2, 6); n > 0 && crateLines < budget; n--) {
          const sub = modName();
          addFile(`src/${dir}/${sub}.rs`, mod, sub);
        }
      } else {
        const name = modName();
        addFile(`src/${name}.rs`, lib, name);
      }
    }
    lib.own = `//! The \`${crate}\` crate.\n\n` + sourceFile(rng, rng.int(20, 120), false, ctx);
    for (const p of parents) {
      const text = p.mods.map((m) => `pub mod ${m};\n`).join('') + '\n' + p.own;
      write(path.join('crates', crate, p.rel), text);
      crateLines += lineCount(text) - (p === lib ? 0 : lineCount(p.own));
      files++;
    }
    if (rng.chance(0.3)) {
      const text = `use ${crate.replace(/-/g, '_')}::*;\n\n` + testsModule(rng, new Names(rng)).replace('#[cfg(test)]\nmod tests {\n    use super::*;\n', 'mod integration {\n');
      write(path.join('crates', crate, 'tests', 'integration.rs'), text);
      crateLines += lineCount(text);
      files++;
    }
    const rustVersion = rng.chance(0.5) ? `rust-version = "1.${rng.int(70, 85)}"\n` : '';
    const cdylib = ctx.exports.length > 0 ? '\n[lib]\ncrate-type = ["cdylib", "rlib"]\n' : '';
    write(path.join('crates', crate, 'Cargo.toml'), `[package]\nname = "${crate}"\nversion = "0.${rng.int(1, 9)}.${rng.int(0, 20)}"\nedition = "2021"\n${rustVersion}${cdylib}\n[dependencies]\ntokio = { version = "1", features = ["rt"] }\n`);
    if (ctx.exports.length > 0) write(path.join('crates', crate, 'include', `${crate}.h`), header(crate, ctx.exports));
    members.push(`crates/${crate}`);
    total += crateLines;
  }
  write('Cargo.toml', `[workspace]\nresolver = "2"\nmembers = [\n${members.map((m) => `    "${m}",\n`).join('')}]\n\n[profile.release]\nlto = true\n`);
  return { root, mix, seed, crates: members.length, files, lines: total, ffiFiles: ffiFiles.length, editFile: ffiFiles[0] ? path.join(root, ffiFiles[0]) : undefined };
}
