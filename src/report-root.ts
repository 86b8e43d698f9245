/**
 * The directory that SARIF URIs (`%SRCROOT%`), fingerprints and baselines name files relative to.
 * Reports must never name a file by `..` or by an absolute path of the machine that ran the scan: a
 * relative URI is what GitHub resolves against the checkout, and an absolute one leaks the layout of
 * the machine into an uploaded report. So the root is a directory that holds every file a report can
 * name, chosen as follows:
 *
 * 1. the repository root (the nearest directory with `.git` at or above the first scanned path), as
 *    GitHub code scanning resolves paths against it;
 * 2. else the working directory, as the other formats name files relative to it;
 * 3. else (`scan ../other`, `scan /abs/path`, or paths in two repositories) the deepest directory
 *    holding every scanned path and every file read.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * `scanned`: the paths given on the command line; `named`: other paths the report names (files named in
 * notifications, which may be directories); `read`: the files the scan read. All absolute, or relative
 * to `cwd`.
 */
export function reportRoot(cwd: string, scanned: readonly string[], named: readonly string[], read: readonly string[] = []): string {
  // A directory holds a file the scan read if and only if it holds the file's directory: thousands of
  // files come down to their few directories, which are directories without asking the file system.
  const readDirs = [...new Set(read.map((f) => path.dirname(path.resolve(cwd, f))))];
  const all = [...scanned, ...named].map((p) => path.resolve(cwd, p));
  const repo = repositoryRoot(all[0] ?? readDirs[0] ?? cwd);
  for (const candidate of [repo, cwd]) {
    if (candidate !== undefined && all.every((p) => holds(candidate, p)) && readDirs.every((d) => holds(candidate, d))) return candidate;
  }
  return commonDirectory([...all.map((p) => (isDirectory(p) ? p : path.dirname(p))), ...readDirs]) ?? repo ?? cwd;
}

/** Nearest directory with `.git` at or above `start` (the directory holding it, for a file). */
function repositoryRoot(start: string): string | undefined {
  let dir = start;
  try {
    if (!statSync(dir).isDirectory()) dir = path.dirname(dir);
  } catch {
    return undefined;
  }
  for (;;) {
    if (existsSync(path.join(dir, '.git'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function holds(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/** The deepest directory holding every one of `dirs`, or undefined when there is none (Windows paths on different drives). */
function commonDirectory(dirs: string[]): string | undefined {
  if (dirs.length === 0) return undefined;
  let common = dirs[0]!;
  for (const dir of dirs.slice(1)) {
    while (!holds(common, dir)) {
      const parent = path.dirname(common);
      if (parent === common) return undefined;
      common = parent;
    }
  }
  return common;
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
