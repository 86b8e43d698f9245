/**
 * Temporary files (a report or cache file written before it is renamed into place) are removed when
 * the command is interrupted (Ctrl-C, `kill`, a closed terminal), instead of being left next to the
 * file they were to become. The signal is then raised again, so the process ends the way it would
 * have without ffiguard's handler (a shell sees "killed by SIGINT").
 *
 * Only the command (bin/ffiguard.js) installs the handlers (`cleanUpOnSignals`): a program that
 * uses ffiguard as a library keeps its own signal handling. Worker threads receive no signals; the
 * cache removes the temporary files they leave when killed on a later run (see cache.ts).
 */
import fs from 'node:fs';

const pending = new Set<string>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let installed = false;

function onSignal(signal: (typeof SIGNALS)[number]): void {
  for (const file of pending) fs.rmSync(file, { force: true });
  pending.clear();
  for (const s of SIGNALS) process.removeListener(s, onSignal);
  process.kill(process.pid, signal);
}

/**
 * Installs the handlers (once). They stay installed: a signal that arrives while a synchronous write
 * runs is delivered after it, and must still be handled.
 */
export function cleanUpOnSignals(): void {
  if (installed) return;
  installed = true;
  for (const s of SIGNALS) process.on(s, onSignal);
}

/** Marks `file` as temporary until the returned function is called (after the rename, or after the file was removed). */
export function temporaryFile(file: string): () => void {
  pending.add(file);
  return () => pending.delete(file);
}
