/**
 * Runs crate jobs on a pool of worker threads, each with its own tree-sitter parsers. The unit of work
 * is a crate: the crate model (guards, helpers, exports, headers) is built from all of a crate's files,
 * and trees cannot cross threads, so a crate is analysed where it is parsed. Results come back in job
 * order, whatever finishes first, so the report is the same for any number of jobs.
 */
import fs from 'node:fs';
import { availableParallelism, freemem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { cachedScan, scanCrate, type CrateJob, type CrateScan, type FileProgress } from './scan-crate.js';

/** The worker script next to this module, when it has been built (the TypeScript sources under test have none). */
function workerScript(): URL | undefined {
  const url = new URL('./scan-worker.js', import.meta.url);
  return import.meta.url.endsWith('.js') && fs.existsSync(fileURLToPath(url)) ? url : undefined;
}

/**
 * One job per core, but no more than the memory available holds: a worker analysing a big crate
 * (40k lines) peaks at about 150-200 MiB, and the main thread needs some too. The memory is the
 * smaller of what the system has available and the container's limit, when there is one.
 */
export function defaultJobs(): number {
  const limit = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
  const available = limit && limit > 0 ? Math.min(limit, freemem()) : freemem();
  return jobsFor(availableParallelism(), available);
}

/** Memory one worker is allowed for, and what the main thread keeps for itself (bytes). */
const WORKER_MEMORY = 256 * 2 ** 20;
const MAIN_MEMORY = 128 * 2 ** 20;

export function jobsFor(cores: number, availableBytes: number): number {
  return Math.max(1, Math.min(cores, Math.floor((availableBytes - MAIN_MEMORY) / WORKER_MEMORY)));
}

/**
 * A worker's young generation (where V8 puts new objects: node objects, mostly) is kept smaller than
 * V8's default (about 48 MiB). With two workers on the 1M-line benchmark this lowered peak RSS from
 * 385-422 MB to 338-355 MB (wasmtime: 410 to 385 MB) for 2-3% more CPU, the objects of an analysis
 * being short-lived or kept for the whole crate either way.
 */
const YOUNG_GENERATION_MB = 16;

/** Messages from a worker: progress while a crate is analysed, then its result or the error that stopped it. */
export type WorkerMessage = { progress: [number, number] } | { index: number; result: CrateScan } | { index: number; error: string; stack?: string };

export async function runCrateJobs(jobs: CrateJob[], workers: number, progress?: FileProgress): Promise<CrateScan[]> {
  const results: CrateScan[] = new Array(jobs.length);
  // Crates unchanged since the cached scan need no parser: answer them here, start workers for the rest.
  const todo: number[] = [];
  for (const [i, job] of jobs.entries()) {
    const cached = await cachedScan(job, progress);
    if (cached) results[i] = cached;
    else todo.push(i);
  }
  const script = workerScript();
  const n = Math.min(workers, todo.length);
  if (n <= 1 || !script) {
    for (const i of todo) results[i] = await scanCrate(jobs[i]!, progress);
    return results;
  }
  // Largest crates first, so that one big crate does not start last and leave the other workers idle.
  const order = todo.sort((a, b) => jobs[b]!.files.length - jobs[a]!.files.length || a - b);
  let next = 0;
  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const pool: Worker[] = [];
    /** The job each worker is busy with. */
    const holding = new Map<Worker, number>();
    const finish = (e?: Error): void => {
      if (settled || (!e && (holding.size > 0 || next < order.length))) return;
      settled = true;
      for (const w of pool) void w.terminate();
      if (e) reject(e);
      else resolve();
    };
    const feed = (w: Worker): void => {
      if (next >= order.length) return finish();
      const index = order[next++]!;
      holding.set(w, index);
      w.postMessage({ index, job: jobs[index] });
    };
    for (let i = 0; i < n; i++) {
      const w = new Worker(script, { resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
      pool.push(w);
      w.on('message', (m: WorkerMessage) => {
        if ('progress' in m) return progress?.(m.progress[0], m.progress[1]);
        holding.delete(w);
        if ('error' in m) return finish(Object.assign(new Error(m.error), { stack: m.stack }));
        results[m.index] = m.result;
        feed(w);
      });
      w.on('error', (e) => finish(e));
      // A worker that ends while it holds a crate (whatever its exit code) would leave the scan waiting.
      w.on('exit', (code) => {
        if (holding.has(w)) finish(new Error(`a scan worker stopped (exit code ${code}) while analysing ${jobs[holding.get(w)!]!.root}`));
      });
      feed(w);
    }
  });
  return results;
}
