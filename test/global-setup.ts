/**
 * Every test run gets a temporary directory of its own, removed when the run ends: tests create their
 * scratch crates with `mkdtemp(os.tmpdir())` (and the CLI children they start inherit TMPDIR), so a
 * run leaves nothing behind in the system's /tmp, whichever test forgot to clean up or failed midway.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ffiguard-tests-'));
  process.env.TMPDIR = dir;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    fs.rmSync(dir, { recursive: true, force: true });
  };
}
