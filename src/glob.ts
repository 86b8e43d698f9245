/**
 * The globs of `include` / `exclude` in ffiguard.toml, matched against `/`-separated paths relative to
 * the configuration file's directory. Written here rather than taken from fast-glob's matcher (a
 * transitive dependency we do not declare) because the syntax is small: `*` and `?` within one path
 * segment, `**` across segments, `[abc]` / `[!abc]` classes and `{a,b}` alternatives. A pattern that
 * matches a directory also matches every file below it, so `exclude = ["vendor"]` does what it says.
 */

export type PathMatcher = (relativePath: string) => boolean;

/** A matcher for any of `patterns`; a path matches when it, or one of its parent directories, matches one. */
export function globMatcher(patterns: string[]): PathMatcher {
  const regexps = patterns.map(globToRegExp);
  return (relativePath) => {
    const segments = relativePath.split('/');
    for (let n = segments.length; n > 0; n--) {
      const prefix = segments.slice(0, n).join('/');
      if (regexps.some((r) => r.test(prefix))) return true;
    }
    return false;
  };
}

export function globToRegExp(pattern: string): RegExp {
  // `./src/**` and `/src/**` both mean the directory of the configuration file; `dir/` means `dir`.
  const glob = pattern.replace(/^\.\//, '').replace(/^\/+/, '').replace(/\/+$/, '');
  let out = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      const atStart = i === 0 || glob[i - 1] === '/';
      const next = glob[i + 2];
      if (atStart && next === '/') {
        out += '(?:.*/)?';
        i += 2;
      } else if (atStart && next === undefined) {
        out += '.*';
        i += 1;
      } else {
        out += '[^/]*';
        i += 1;
      }
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) out += '\\[';
      else {
        const body = glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\');
        out += `[${body}]`;
        i = end;
      }
    } else if (c === '{') {
      braces++;
      out += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      out += ')';
    } else if (c === ',' && braces > 0) out += '|';
    else out += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** Why `pattern` is not a usable glob, or undefined when it is. */
export function globProblem(pattern: string): string | undefined {
  if (pattern.trim() === '') return 'an empty pattern matches nothing';
  let depth = 0;
  for (const c of pattern) {
    if (c === '{') depth++;
    else if (c === '}' && --depth < 0) return 'a `}` closes no `{`';
  }
  if (depth > 0) return 'a `{` is never closed';
  if (pattern.includes('\\')) return 'use `/` to separate directories, also on Windows';
  return undefined;
}
