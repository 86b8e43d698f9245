// Memory soak: the same workspace scanned again and again in ONE process, as an editor or language
// server would, to show whether memory comes back between scans (native tree-sitter trees, caches
// that only grow, listeners). One JSON line per scan on stdout.
//   node --expose-gc scripts/bench/soak.mjs DIR ITERATIONS JOBS ANALYZE_JS
// With --expose-gc, a full collection runs before each reading, so the numbers show what is still
// held, not how far the collector happened to get.
import { pathToFileURL } from 'node:url';

const [dir, iterations, jobs, analyzeJs] = process.argv.slice(2);
const { scan } = await import(pathToFileURL(analyzeJs).href);
const mb = (bytes) => Math.round(bytes / 1e5) / 10;

for (let i = 0; i < Number(iterations); i++) {
  const started = performance.now();
  // `jobs`, `cache: false` and `noCache` are the option names of the engine work in progress; an
  // engine without them ignores them (and then never caches, and runs on this thread).
  const result = await scan({ paths: [dir], cwd: dir, jobs: Number(jobs), cache: false, noCache: true });
  const seconds = (performance.now() - started) / 1000;
  // Native trees are released when their JS wrappers are collected and the event loop turns.
  await new Promise((r) => setImmediate(r));
  globalThis.gc?.();
  await new Promise((r) => setImmediate(r));
  const m = process.memoryUsage();
  process.stdout.write(JSON.stringify({ i: i + 1, seconds: +seconds.toFixed(3), rssMB: mb(m.rss), heapUsedMB: mb(m.heapUsed), externalMB: mb(m.external), findings: result.findings.length }) + '\n');
}
