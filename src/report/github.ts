/**
 * GitHub Actions workflow commands: one annotation per finding, shown on the pull request's diff and
 * the run's summary, with no upload step and no extra permissions.
 *
 *   ::error file=src/lib.rs,line=12,endLine=12,col=5,endColumn=13,title=ffiguard (panic-across-ffi)::`unwrap` can panic ...
 *
 * The runner reads every line of a step's output as a possible command, and a file name or a message
 * comes from the scanned repository: both are escaped exactly as the runner unescapes them
 * (actions/runner ActionCommand.cs), so no value can end the line or the property list and inject a
 * command of its own. GitHub shows only the first 10 annotations of each level per step; SARIF upload
 * carries the full set.
 */
import path from 'node:path';
import { baselineSummary } from '../baseline.js';
import type { Finding, Notification, Severity } from '../findings.js';
import { repoRelativePath } from '../fingerprint.js';
import type { ScanResult } from '../scan-result.js';
import { displayPath, oneLine, ordinal, sortFindings, type RenderOptions } from './common.js';
import { summary } from './text.js';

const COMMAND: Record<Severity, string> = { error: 'error', warning: 'warning', note: 'notice' };

/** Command data (after `::`): `%`, CR and LF. */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A property value: as data, plus `:` (would end the property list) and `,` (would start another property). */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/**
 * Characters the runner's escaping leaves as they are but that must not reach a log or a terminal raw:
 * controls (an ESC sequence recolours or hides the log), line and paragraph separators, bidi overrides.
 * CR and LF are not among them: the runner escapes and restores those exactly.
 */
const UNPRINTABLE = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** The `file=` value for a file, or undefined when the annotation cannot name it: outside the checkout, or a name that cannot be printed. */
function annotationPath(root: string, file: string): string | undefined {
  const rel = repoRelativePath(root, file);
  return rel === undefined || UNPRINTABLE.test(rel) ? undefined : rel;
}

export function render(result: ScanResult, opts: RenderOptions): string {
  const env = opts.env ?? process.env;
  // Annotations name files relative to the checkout; the scan may have run from a subdirectory.
  const root = env.GITHUB_WORKSPACE ? path.resolve(env.GITHUB_WORKSPACE) : result.repoRoot;
  const lines: string[] = [];
  // Suppressed findings (`--include-suppressed`) are not problems: an annotation cannot say "suppressed".
  for (const f of sortFindings(result.findings.filter((f) => !f.suppression))) lines.push(findingCommand(f, root, result.cwd));
  const notifications = [...result.notifications].sort((a, b) => ordinal(a.file ?? '', b.file ?? '') || ordinal(a.message, b.message));
  for (const n of notifications) lines.push(notificationCommand(n, root, result.cwd));
  // Plain lines (not commands) for the log: what the annotations add up to.
  if (result.baseline) lines.push(`ffiguard: ${oneLine(baselineSummary(result.baseline))}`);
  lines.push(summary(result));
  return lines.map((l) => `${l}\n`).join('');
}

function findingCommand(f: Finding, root: string, cwd: string): string {
  const file = annotationPath(root, f.span.file);
  const props: [string, string | number][] = [];
  if (file !== undefined) {
    props.push(['file', file], ['line', f.span.startLine], ['endLine', f.span.endLine]);
    // GitHub honours columns only within one line (its check-run annotation API rejects them otherwise).
    if (f.span.endLine === f.span.startLine) props.push(['col', f.span.startColumn], ['endColumn', f.span.endColumn]);
  }
  props.push(['title', `ffiguard (${f.ruleId})`]);
  // Outside the checkout, or under a name that cannot be printed, the annotation cannot point at the
  // file: say where in the text instead (with its controls neutralised).
  const where = file === undefined ? `${oneLine(displayPath(cwd, f.span.file))}:${f.span.startLine}:${f.span.startColumn}: ` : '';
  const message = `${where}${oneLine(f.message)}${f.help ? `\nhelp: ${oneLine(f.help)}` : ''}`;
  return command(COMMAND[f.severity], props, message);
}

function notificationCommand(n: Notification, root: string, cwd: string): string {
  const file = n.file === undefined ? undefined : annotationPath(root, n.file);
  const where = n.file !== undefined && file === undefined ? `${oneLine(displayPath(cwd, n.file))}: ` : '';
  return command(COMMAND[n.level], [...(file === undefined ? [] : [['file', file] as [string, string]]), ['title', 'ffiguard']], `${where}${oneLine(n.message)}`);
}

function command(name: string, props: [string, string | number][], data: string): string {
  return `::${name} ${props.map(([k, v]) => `${k}=${escapeProperty(String(v))}`).join(',')}::${escapeData(data)}`;
}
