/**
 * A one-line progress bar on stderr: files done / total and lines per second. Shown only when stderr
 * is a terminal and the scan has run for more than a second; nothing in CI or when piped.
 */
export interface Progress {
  update(files: number, lines: number): void;
  done(): void;
}

const QUIET: Progress = { update() {}, done() {} };

export function progressBar(stream: NodeJS.WritableStream, total: () => number): Progress {
  const tty = stream as NodeJS.WriteStream;
  if (!tty.isTTY || process.env.CI) return QUIET;
  const started = performance.now();
  let files = 0;
  let lines = 0;
  let shown = false;
  let last = 0;
  return {
    update(f, l) {
      files += f;
      lines += l;
      const now = performance.now();
      if (now - started < 1000 || now - last < 100) return;
      last = now;
      shown = true;
      const all = Math.max(total(), files);
      const width = 24;
      const filled = Math.round((files / all) * width);
      const rate = Math.round(lines / ((now - started) / 1000));
      tty.write(`\r\x1b[2Kffiguard [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${files}/${all} files, ${rate.toLocaleString('en-US')} lines/s`);
    },
    done() {
      if (shown) tty.write('\r\x1b[2K');
    },
  };
}
