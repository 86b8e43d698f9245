/**
 * A stable JSON document for scripts. The interfaces below are its documentation: fields are only ever
 * added, never renamed or removed, and every documented field is always present unless marked optional.
 */
import type { Finding, Notification, Span } from '../findings.js';
import type { ScanResult } from '../scan-result.js';
import { countFindings, displayPath, ordinal, sortFindings, type RenderOptions } from './common.js';

export interface JsonRange {
  /** Relative to the directory ffiguard ran from, with the OS path separator. */
  path: string;
  /** 1-based; columns count UTF-16 code units, end column is exclusive. */
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
}

export interface JsonFinding extends JsonRange {
  ruleId: string;
  severity: 'error' | 'warning' | 'note';
  message: string;
  /** What to do about it; null when the rule has nothing more specific than its docs. */
  help: string | null;
  related: (JsonRange & { message: string })[];
  /** Present only on suppressed findings (listed only with `--include-suppressed`). */
  suppressed?: { kind: 'comment' | 'attribute'; justification: string };
}

export interface JsonNotification {
  level: 'error' | 'warning' | 'note';
  /** The file concerned (relative, like finding paths), or null. */
  path: string | null;
  message: string;
}

export interface JsonReport {
  /** ffiguard's version. */
  version: string;
  /** The configuration file the scan used (path relative like finding paths; `table`: the Cargo.toml metadata table read, else null), or null. */
  config: { path: string; table: string | null } | null;
  findings: JsonFinding[];
  notifications: JsonNotification[];
  summary: {
    /** Counts of findings that are not suppressed. */
    errors: number;
    warnings: number;
    notes: number;
    /** Suppressed findings present in `findings`. */
    suppressed: number;
    files: number;
    /** Of `files`, those the textual prefilter showed no rule needs: never parsed. */
    filesNotParsed: number;
    crates: number;
    /** Crates whose findings came from the incremental cache (no file changed). */
    cratesFromCache: number;
    elapsedMs: number;
    /**
     * Present only with `--baseline`: `findings` then lists only findings not in the baseline; `hidden`
     * counts those it already had, `fixed` its entries no longer found. `path` is relative like finding paths.
     */
    baseline?: { path: string; hidden: number; fixed: number };
  };
}

export function toJsonReport(result: ScanResult, opts: Pick<RenderOptions, 'version'>): JsonReport {
  const range = (span: Span): JsonRange => ({
    path: displayPath(result.cwd, span.file),
    startLine: span.startLine,
    startColumn: span.startColumn,
    endLine: span.endLine,
    endColumn: span.endColumn,
  });
  // Written out rather than spread from range(): one object per finding, not two (the key order is the same).
  const finding = (f: Finding): JsonFinding => ({
    ruleId: f.ruleId,
    severity: f.severity,
    path: displayPath(result.cwd, f.span.file),
    startLine: f.span.startLine,
    startColumn: f.span.startColumn,
    endLine: f.span.endLine,
    endColumn: f.span.endColumn,
    message: f.message,
    help: f.help ?? null,
    related: f.related.map((r) => ({ ...range(r.span), message: r.message })),
    ...(f.suppression ? { suppressed: { kind: f.suppression.kind, justification: f.suppression.justification } } : {}),
  });
  const notification = (n: Notification): JsonNotification => ({
    level: n.level,
    path: n.file === undefined ? null : displayPath(result.cwd, n.file),
    message: n.message,
  });
  const { errors, warnings, notes, suppressed } = countFindings(result.findings);
  return {
    version: opts.version,
    config: result.config ? { path: displayPath(result.cwd, result.config.file), table: result.config.table ?? null } : null,
    findings: sortFindings(result.findings).map(finding),
    notifications: [...result.notifications]
      .sort((a, b) => ordinal(a.file ?? '', b.file ?? '') || ordinal(a.message, b.message))
      .map(notification),
    summary: {
      errors,
      warnings,
      notes,
      suppressed,
      files: result.filesScanned,
      filesNotParsed: result.filesNotParsed ?? 0,
      crates: result.cratesScanned,
      cratesFromCache: result.cratesCached ?? 0,
      elapsedMs: result.elapsedMs,
      ...(result.baseline ? { baseline: { path: result.baseline.file, hidden: result.baseline.unchanged.length, fixed: result.baseline.absent.length } } : {}),
    },
  };
}

export function render(result: ScanResult, opts: RenderOptions): string {
  return `${JSON.stringify(toJsonReport(result, opts), null, 2)}\n`;
}
