// The parse floor: what reading, `neutraliseRust` and tree-sitter parsing of every .rs file costs
// with J worker threads, and nothing else. ffiguard cannot be faster than this; its distance to it is
// what its own analysis costs.
//   node scripts/bench/parse-floor.mjs DIR J PARSE_JS   → one JSON line on stdout
// PARSE_JS is ffiguard's dist/src/parse.js, so the floor parses exactly as the ffiguard measured does.
//
// Each worker parses every J-th file (of the sorted list, so big and small files spread evenly) and
// awaits setImmediate every 20 files, as ffiguard does: native trees are freed only when the event
// loop turns, and without it the floor would measure a memory build-up ffiguard does not have.
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { countLines, rustFiles } from './rust-files.mjs';

const YIELD_EVERY = 20;

async function parseShare({ files, j, index, parseJs }) {
  const { neutraliseRust, parseRust } = await import(pathToFileURL(parseJs).href);
  let lines = 0;
  let withErrors = 0;
  let count = 0;
  for (let i = index; i < files.length; i += j) {
    const text = fs.readFileSync(files[i], 'utf8');
    lines += countLines(text);
    if (parseRust(neutraliseRust(text)).rootNode.hasError) withErrors++;
    if (++count % YIELD_EVERY === 0) await new Promise((r) => setImmediate(r));
  }
  return { files: count, lines, withErrors };
}

async function main() {
  const [dir, jobs, parseJs] = process.argv.slice(2);
  const j = Math.max(1, Number(jobs) || 1);
  const files = rustFiles(dir);
  const shares = await Promise.all(
    Array.from({ length: j }, (_, index) => new Promise((resolve, reject) => {
      const w = new Worker(new URL(import.meta.url), { workerData: { files, j, index, parseJs } });
      w.once('message', resolve);
      w.once('error', reject);
    })),
  );
  const sum = (k) => shares.reduce((a, s) => a + s[k], 0);
  process.stdout.write(JSON.stringify({ files: sum('files'), lines: sum('lines'), withErrors: sum('withErrors'), workers: j }) + '\n');
}

if (isMainThread) await main();
else parentPort.postMessage(await parseShare(workerData));
