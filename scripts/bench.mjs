// Benchmark: ffiguard's scan time against the tree-sitter parse floor, on a generated workspace and on
// any crate directories given as arguments.   npm run bench [-- DIR ...]
// Prints a table and writes bench-results.json. Numbers are wall-clock seconds on this machine.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { scan } from '../dist/src/analyze.js';
import { neutraliseRust, parseRust } from '../dist/src/parse.js';

/** A workspace of `crates` crates, each with `files` files of FFI-style Rust (guards, pointers, locks, headers). */
function generate(root, crates = 20, files = 40) {
  fs.rmSync(root, { recursive: true, force: true });
  for (let c = 0; c < crates; c++) {
    const dir = path.join(root, `crate${c}`);
    fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'Cargo.toml'), `[package]\nname = "crate${c}"\nversion = "0.1.0"\nedition = "2021"\n`);
    const mods = [];
    for (let f = 0; f < files; f++) {
      mods.push(`mod m${f};`);
      let text = 'use std::ffi::{CStr, CString};\nuse std::os::raw::{c_char, c_int};\nuse std::sync::Mutex;\n\n';
      for (let i = 0; i < 12; i++) {
        const n = `c${c}_m${f}_f${i}`;
        text += `pub struct S${i} { v: Mutex<Vec<u32>> }\n\n`;
        text += `/// Does thing ${i}.\n#[no_mangle]\npub extern "C" fn ${n}(p: *const S${i}, s: *const c_char, n: usize) -> c_int {\n`;
        text += i % 3 === 0 ? `    if p.is_null() || s.is_null() {\n        return -1;\n    }\n` : '';
        text += `    let name = unsafe { CStr::from_ptr(s) }.to_str().unwrap_or("");\n`;
        text += `    let v = unsafe { &*p }.v.lock().unwrap();\n    let k = v.get(n).copied().unwrap_or(0) as usize;\n`;
        text += `    std::panic::catch_unwind(|| name.len() + k).unwrap_or(0) as c_int\n}\n\n`;
        text += `fn helper_${i}(xs: &[u32], i: usize) -> u32 {\n    xs.iter().take(i).fold(0u32, |a, b| a.wrapping_add(*b))\n}\n\n`;
      }
      fs.writeFileSync(path.join(dir, 'src', `m${f}.rs`), text);
    }
    fs.writeFileSync(path.join(dir, 'src', 'lib.rs'), mods.join('\n') + '\n');
  }
  return root;
}

function rustFiles(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.') || e.name === 'target' || e.name === 'node_modules') continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...rustFiles(p));
    else if (e.name.endsWith('.rs')) out.push(p);
  }
  return out;
}

async function parseFloor(files) {
  const started = performance.now();
  let lines = 0;
  for (const [i, f] of files.entries()) {
    const text = fs.readFileSync(f, 'utf8');
    lines += text.split('\n').length;
    parseRust(neutraliseRust(text));
    if (i % 20 === 0) await new Promise((r) => setImmediate(r));
  }
  return { seconds: (performance.now() - started) / 1000, lines };
}

async function measure(name, dir) {
  const files = rustFiles(dir);
  const floor = await parseFloor(files);
  const started = performance.now();
  const result = await scan({ paths: [dir], cwd: process.cwd() });
  const seconds = (performance.now() - started) / 1000;
  return {
    corpus: name,
    files: files.length,
    lines: floor.lines,
    parseSeconds: +floor.seconds.toFixed(2),
    scanSeconds: +seconds.toFixed(2),
    overParse: +(seconds / floor.seconds).toFixed(2),
    linesPerSecond: Math.round(floor.lines / seconds),
    findings: result.findings.length,
    rssMB: Math.round(process.memoryUsage().rss / 1e6),
  };
}

const rows = [];
const generated = generate(path.join(os.tmpdir(), 'ffiguard-bench-workspace'));
rows.push(await measure('generated workspace', generated));
for (const dir of process.argv.slice(2)) rows.push(await measure(path.basename(path.resolve(dir)), path.resolve(dir)));

const cols = Object.keys(rows[0]);
console.log(`| ${cols.join(' | ')} |\n| ${cols.map(() => '---').join(' | ')} |`);
for (const r of rows) console.log(`| ${cols.map((c) => r[c]).join(' | ')} |`);
fs.writeFileSync('bench-results.json', JSON.stringify({ node: process.version, cpus: os.cpus().length, rows }, null, 1));
