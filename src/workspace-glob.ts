/**
 * Glob patterns of a workspace's `members` and `exclude` (see cargo.ts), with fast-glob. A module of
 * its own so that fast-glob is loaded only for a manifest that has such a pattern: most list plain paths.
 */
import fg from 'fast-glob';

export function isDynamicPattern(pattern: string): boolean {
  return fg.isDynamicPattern(pattern);
}

/** Paths below `rootDir` that `pattern` matches (absolute); symbolic links are matched, not walked through. */
export function globPaths(rootDir: string, pattern: string): string[] {
  return fg.sync(pattern, { cwd: rootDir, onlyFiles: false, absolute: true, followSymbolicLinks: false });
}
