// Survey: run ffiguard over real crates and print findings per rule, so the survey can be repeated.
//   npm run eval -- DIR [DIR...]          each DIR is a crate (or workspace) to scan
//   npm run eval -- --root DIR            every subdirectory of DIR is scanned
// Writes a table to stdout and the full JSON to eval-results.json (gitignored).
import fs from 'node:fs';
import path from 'node:path';
import { scan } from '../dist/src/analyze.js';
import { ALL_RULES } from '../dist/rules/index.js';
import { DEFAULT_CONFIG } from '../dist/src/config.js';
import { DEFAULT_SETTINGS } from '../dist/src/crate-unit.js';
import { buildCrateModel } from '../dist/src/model/crate.js';
import { SourceFile } from '../dist/src/source.js';

const args = process.argv.slice(2);
let targets = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--root') {
    const root = path.resolve(args[++i]);
    targets.push(...fs.readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => path.join(root, d.name)));
  } else targets.push(path.resolve(args[i]));
}
if (targets.length === 0) {
  console.error('usage: npm run eval -- DIR [DIR...] | --root DIR');
  process.exit(2);
}

/**
 * C exports as the crate model sees them (`#[no_mangle]`, `export_name`, `ffi_fn!`-style export
 * templates, macro transcribers that write exports): every Rust file the scan read, taken as one crate.
 */
function countExports(files) {
  const sources = [];
  for (const f of files) {
    if (!f.endsWith('.rs')) continue;
    try {
      sources.push(new SourceFile(f, fs.readFileSync(f, 'utf8')));
    } catch {
      // unreadable or unparsable: the scan reported it
    }
  }
  return buildCrateModel('.', DEFAULT_SETTINGS, sources, DEFAULT_CONFIG).exportsBySymbol.size;
}

const ids = ALL_RULES.map((r) => r.id);
const rows = [];
const full = [];
for (const dir of targets.sort()) {
  const started = performance.now();
  let result;
  try {
    result = await scan({ paths: [dir], cwd: process.cwd() });
  } catch (e) {
    rows.push({ crate: path.basename(dir), error: e.message });
    continue;
  }
  const files = result.files ?? [];
  const counts = Object.fromEntries(ids.map((id) => [id, result.findings.filter((f) => f.ruleId === id).length]));
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  rows.push({ crate: path.relative(process.cwd(), dir) || '.', files: result.filesScanned, exports: countExports(files), seconds, ...counts });
  full.push({ crate: dir, findings: result.findings, notifications: result.notifications });
}

const short = (id) => id.replace('header-', 'h-').replace('cstring-', 'cs-').replace('-across-ffi', '').replace('ffi-', '');
const cols = ['crate', 'files', 'exports', 'seconds', ...ids];
const head = ['crate', 'files', 'exports', 's', ...ids.map(short)];
console.log(`| ${head.join(' | ')} |`);
console.log(`| ${head.map(() => '---').join(' | ')} |`);
for (const r of rows) console.log(r.error ? `| ${r.crate} | error: ${r.error} |` : `| ${cols.map((c) => r[c]).join(' | ')} |`);
fs.writeFileSync('eval-results.json', JSON.stringify(full, null, 1));
console.error(`\nfull findings: eval-results.json (${full.reduce((n, c) => n + c.findings.length, 0)} findings)`);
