/** A worker thread of the pool (pool.ts): analyses the crates it is sent, one at a time. */
import { parentPort } from 'node:worker_threads';
import type { WorkerMessage } from './pool.js';
import { scanCrate, type CrateJob } from './scan-crate.js';

const port = parentPort!;
port.on('message', ({ index, job }: { index: number; job: CrateJob }) => {
  const send = (m: WorkerMessage): void => port.postMessage(m);
  scanCrate(job, (files, lines) => send({ progress: [files, lines] })).then(
    (result) => send({ index, result }),
    (e: unknown) => send({ index, error: (e as Error)?.message ?? String(e), stack: (e as Error)?.stack }),
  );
});
