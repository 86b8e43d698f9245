/**
 * Runs crate jobs on a pool of worker threads, each with its own tree-sitter parsers. The unit of work
 * is a crate: the crate model (guards, helpers, exports, headers) is built from all of a crate's files,
 * and trees cannot cross threads, so a crate is analysed where it is parsed. Results come back in job
 * order, whatever finishes first, so the report is the same for any number of jobs.
 */
import fs from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { scanCrate, type CrateJob, type CrateScan, type FileProgress } from './scan-crate.js';

/** The worker script next to this module, when it has been built (the TypeScript sources under test have none). */
function workerScript(): URL | undefined {
  const url = new URL('./scan-worker.js', import.meta.url);
  return import.meta.url.endsWith('.js') && fs.existsSync(fileURLToPath(url)) ? url : undefined;
}

export function defaultJobs(): number {
  return Math.max(1, availableParallelism());
}

/** Messages from a worker: progress while a crate is analysed, then its result or the error that stopped it. */
export type WorkerMessage = { progress: [number, number] } | { index: number; result: CrateScan } | { index: number; error: string };

export async function runCrateJobs(jobs: CrateJob[], workers: number, progress?: FileProgress): Promise<CrateScan[]> {
  const results: CrateScan[] = new Array(jobs.length);
  // Crates unchanged since the cached scan need no parser: answer them here, start workers for the rest.
  const todo: number[] = [];
  for (const [i, job] of jobs.entries()) {
    const cached = job.cacheDir ? await scanCrate(job, progress, true) : undefined;
    if (cached) results[i] = cached;
    else todo.push(i);
  }
  const missed = (i: number): CrateJob => (jobs[i]!.cacheDir ? { ...jobs[i]!, cacheMissed: true } : jobs[i]!);
  const script = workerScript();
  const n = Math.min(workers, todo.length);
  if (n <= 1 || !script) {
    for (const i of todo) results[i] = await scanCrate(missed(i), progress);
    return results;
  }
  // Largest crates first, so that one big crate does not start last and leave the other workers idle.
  const order = todo.sort((a, b) => jobs[b]!.files.length - jobs[a]!.files.length || a - b);
  let next = 0;
  await new Promise<void>((resolve, reject) => {
    let running = 0;
    let failed = false;
    const pool: Worker[] = [];
    const finish = (e?: Error): void => {
      if (failed) return;
      if (e) failed = true;
      if (e || (running === 0 && next >= order.length)) {
        for (const w of pool) void w.terminate();
        if (e) reject(e);
        else resolve();
      }
    };
    const feed = (w: Worker): void => {
      if (next >= order.length) return finish();
      const index = order[next++]!;
      running++;
      w.postMessage({ index, job: missed(index) });
    };
    for (let i = 0; i < n; i++) {
      const w = new Worker(script);
      pool.push(w);
      w.on('message', (m: WorkerMessage) => {
        if ('progress' in m) return progress?.(m.progress[0], m.progress[1]);
        running--;
        if ('error' in m) return finish(new Error(m.error));
        results[m.index] = m.result;
        feed(w);
      });
      w.on('error', (e) => finish(e));
      w.on('exit', (code) => {
        if (code !== 0 && !failed && (running > 0 || next < order.length)) finish(new Error(`a scan worker stopped with exit code ${code}`));
      });
      feed(w);
    }
  });
  return results;
}
