/** The progress bar: only on a terminal, only after a second, never in CI; it leaves no trace behind. */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { progressBar } from '../src/progress.js';

function stream(tty: boolean): Writable & { written: string } {
  const s = new Writable({ write: (chunk, _e, done) => ((s.written += String(chunk)), done()) }) as Writable & { written: string; isTTY?: boolean };
  s.written = '';
  if (tty) s.isTTY = true;
  return s;
}

describe('progress bar', () => {
  let now = 0;
  afterEach(() => vi.restoreAllMocks());
  const clock = () => vi.spyOn(performance, 'now').mockImplementation(() => now);

  it('appears on a terminal once the scan has run a second, with files and lines per second, and is erased at the end', () => {
    vi.stubEnv('CI', '');
    clock();
    now = 0;
    const out = stream(true);
    const bar = progressBar(out, () => 10);
    bar.update(2, 1000);
    expect(out.written).toBe('');
    now = 2000;
    bar.update(3, 3000);
    expect(out.written).toContain('5/10 files, 2,000 lines/s');
    bar.done();
    expect(out.written.endsWith('\r\x1b[2K')).toBe(true);
    vi.unstubAllEnvs();
  });

  it('prints nothing when stderr is not a terminal, or in CI', () => {
    clock();
    now = 0;
    const piped = stream(false);
    const inCi = stream(true);
    vi.stubEnv('CI', 'true');
    for (const out of [piped, inCi]) {
      const bar = progressBar(out, () => 10);
      now = 5000;
      bar.update(5, 5000);
      bar.done();
      expect(out.written).toBe('');
    }
    vi.unstubAllEnvs();
  });
});
