/** What a scan produces: findings with precise spans, and notifications about files it could not use. */

export type Severity = 'error' | 'warning' | 'note';

export const SEVERITY_RANK: Record<Severity, number> = { note: 1, warning: 2, error: 3 };

/** A source range. Lines and columns are 1-based; columns count UTF-16 code units (SARIF's default). */
export interface Span {
  /** Absolute path of the file. */
  file: string;
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
}

export interface RelatedLocation {
  span: Span;
  message: string;
}

export interface Suppression {
  /** Where the suppression came from, e.g. `// ffiguard-ignore` or `#[allow(clippy::missing_safety_doc)]`. */
  kind: 'comment' | 'attribute';
  justification: string;
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  span: Span;
  message: string;
  /** One line telling the user what to do. */
  help?: string;
  related: RelatedLocation[];
  suppression?: Suppression;
}

export interface Notification {
  level: 'error' | 'warning' | 'note';
  /** Absolute path of the file concerned, when there is one. */
  file?: string;
  message: string;
}

/** Code-unit order, the same on every machine (`localeCompare` depends on the locale). */
export function ordinal(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Findings in file, position, rule, message order, independent of locale: reports are byte-identical everywhere. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    ordinal(a.span.file, b.span.file) ||
    a.span.startLine - b.span.startLine ||
    a.span.startColumn - b.span.startColumn ||
    a.span.endLine - b.span.endLine ||
    a.span.endColumn - b.span.endColumn ||
    ordinal(a.ruleId, b.ruleId) ||
    ordinal(a.message, b.message)
  );
}

/** Findings without repeats (same rule, place and message), the first of each kept, in order. */
export function dedupeFindings(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.ruleId}\0${f.span.file}\0${f.span.startLine}:${f.span.startColumn}\0${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
