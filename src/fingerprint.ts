/**
 * What makes a finding "the same one" across commits. SARIF's `partialFingerprints.primaryLocationLineHash`
 * (what GitHub matches alerts by) and baselines (`--baseline`) use this one definition, so an alert that
 * GitHub keeps open and a finding a baseline hides are always the same findings.
 *
 * The hash covers the rule, the file and the trimmed text of the finding's first line, not its line
 * number: code added above a finding, or re-indentation, keeps it; editing the flagged line makes it new.
 * Findings of the same rule on identical lines of one file are told apart by their occurrence (`:1`,
 * `:2`, ...) in file order.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Finding } from './findings.js';
import { SourceLines, sortFindings } from './report/common.js';

/** `file` relative to the repository root with `/` separators, or undefined when it lies outside the root. */
export function repoRelativePath(repoRoot: string, file: string): string | undefined {
  const rel = path.relative(repoRoot, file);
  if (!rel || path.isAbsolute(rel) || rel === '..' || rel.startsWith(`..${path.sep}`)) return undefined;
  return rel.split(path.sep).join('/');
}

/** A repository-relative `/` path as a URI reference: each segment percent-encoded (spaces, `%`, `#`, `?`, `:`, non-ASCII). */
export function encodePath(relative: string): string {
  return relative.split('/').map(encodeURIComponent).join('/');
}

/** How SARIF names a file, and what the fingerprint hashes: the encoded relative path, or a `file:` URI outside the repository. */
export function fileUri(repoRoot: string, file: string): string {
  const rel = repoRelativePath(repoRoot, file);
  return rel === undefined ? pathToFileURL(file).href : encodePath(rel);
}

/**
 * `hash:occurrence` for each finding. Every finding of one scan must be passed together (the occurrence
 * counts depend on the others); the order they come in does not matter.
 */
export function lineFingerprints(findings: readonly Finding[], repoRoot: string, sources: SourceLines): Map<Finding, string> {
  const occurrences = new Map<string, number>();
  const result = new Map<Finding, string>();
  const uris = new Map<string, string>();
  for (const f of sortFindings([...findings])) {
    // A file that cannot be read any more still gets a stable identity from its message.
    const text = (sources.line(f.span.file, f.span.startLine) ?? f.message).trim();
    let uri = uris.get(f.span.file);
    if (uri === undefined) uris.set(f.span.file, (uri = fileUri(repoRoot, f.span.file)));
    const hash = createHash('sha256').update(`${f.ruleId}\0${uri}\0${text}`).digest('hex').slice(0, 16);
    const occurrence = (occurrences.get(hash) ?? 0) + 1;
    occurrences.set(hash, occurrence);
    result.set(f, `${hash}:${occurrence}`);
  }
  return result;
}
