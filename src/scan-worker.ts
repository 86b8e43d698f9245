/** A worker thread of the pool (pool.ts): analyses the crates it is sent, one at a time. */
import { parentPort } from 'node:worker_threads';
import { analysed, releaseFinishedCrates } from './memory.js';
import type { WorkerMessage } from './pool.js';
import { scanCrate, type CrateJob } from './scan-crate.js';

const port = parentPort!;
port.on('message', ({ index, job }: { index: number; job: CrateJob }) => {
  const send = (m: WorkerMessage): void => port.postMessage(m);
  // The trees of the crates this worker analysed before are garbage now: have them freed.
  releaseFinishedCrates();
  scanCrate(job, (files, lines) => send({ progress: [files, lines] })).then(
    (result) => {
      analysed(result.lines);
      send({ index, result });
    },
    (e: unknown) => send({ index, error: (e as Error)?.message ?? String(e), stack: (e as Error)?.stack }),
  );
});
