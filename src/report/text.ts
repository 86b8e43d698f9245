/**
 * The human format, shaped like rustc's diagnostics so that Rust programmers (and rust-analyzer's
 * `$rustc` problem matcher) read it without learning anything new:
 *
 *   error[rule-id]: message
 *     --> src/lib.rs:12:5
 *      |
 *   12 |     let v = p.unwrap();
 *      |             ^^^^^^^^^^
 *   note: related message
 *     --> src/lib.rs:10:1
 *      = help: what to do
 */
import { baselineSummary } from '../baseline.js';
import type { Severity, Span } from '../findings.js';
import type { ScanResult } from '../scan-result.js';
import { countFindings, displayPath, oneLine, ordinal, sortFindings, SourceLines, type RenderOptions } from './common.js';

export function render(result: ScanResult, opts: RenderOptions): string {
  const paint = painter(opts.color);
  const sources = new SourceLines(opts.readSource);
  const where = (span: Span) => `${oneLine(displayPath(result.cwd, span.file))}:${span.startLine}:${span.startColumn}`;
  const out: string[] = [];

  for (const f of sortFindings(result.findings)) {
    const gutter = String(Math.max(f.span.startLine, ...f.related.map((r) => r.span.startLine))).length;
    const pad = ' '.repeat(gutter);
    const bar = paint.blue('|');
    out.push(`${paint.severity(f.severity, `${f.severity}[${f.ruleId}]`)}${paint.bold(`: ${oneLine(f.message)}`)}`);
    out.push(`${pad}${paint.blue('-->')} ${where(f.span)}`);
    const source = sources.line(f.span.file, f.span.startLine);
    if (source !== undefined) {
      const { indent, width } = underline(source, f.span);
      const shown = displaySource(source);
      out.push(`${pad} ${bar}`);
      out.push(`${paint.blue(String(f.span.startLine).padStart(gutter))} ${bar}${shown ? ` ${shown}` : ''}`);
      out.push(`${pad} ${bar} ${' '.repeat(indent)}${paint.severity(f.severity, '^'.repeat(width))}`);
    }
    for (const r of f.related) {
      out.push(`${paint.bold('note')}: ${oneLine(r.message)}`);
      out.push(`${pad}${paint.blue('-->')} ${where(r.span)}`);
    }
    if (f.suppression) {
      out.push(`${pad} ${paint.blue('=')} ${paint.bold('note')}: suppressed by ${f.suppression.kind}: ${oneLine(f.suppression.justification)}`);
    }
    if (f.help) out.push(`${pad} ${paint.blue('=')} ${paint.bold('help')}: ${oneLine(f.help)}`);
    out.push('');
  }

  const notifications = [...result.notifications].sort((a, b) => ordinal(a.file ?? '', b.file ?? '') || ordinal(a.message, b.message));
  for (const n of notifications) {
    const file = n.file === undefined ? '' : `${oneLine(displayPath(result.cwd, n.file))}: `;
    out.push(`${paint.severity(n.level, n.level)}: ${file}${oneLine(n.message)}`);
  }
  if (result.baseline) out.push(`ffiguard: ${oneLine(baselineSummary(result.baseline))}`);
  out.push(summary(result));
  return `${out.join('\n')}\n`;
}

/** `ffiguard: 2 errors, 1 warning in 14 files (0.12s)`. */
export function summary(result: ScanResult): string {
  const c = countFindings(result.findings);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const parts = [
    c.errors ? plural(c.errors, 'error') : '',
    c.warnings ? plural(c.warnings, 'warning') : '',
    c.notes ? plural(c.notes, 'note') : '',
  ].filter(Boolean);
  if (parts.length === 0) parts.push('no findings');
  if (c.suppressed) parts.push(`${c.suppressed} suppressed`);
  const seconds = (result.elapsedMs / 1000).toFixed(2);
  const n = result.cratesCached ?? 0;
  const all = result.cratesScanned;
  const cached = n === 0 ? '' : `, ${all === 1 ? 'crate' : n === all ? `all ${all} crates` : `${n} of ${all} crates`} unchanged since the cached scan`;
  return `ffiguard: ${parts.join(', ')} in ${plural(result.filesScanned, 'file')} (${seconds}s${cached})`;
}

/**
 * Where the carets go, in terminal cells. Span columns count UTF-16 code units, but a terminal shows a
 * tab as several cells, CJK and emoji as two and combining marks as none; counting cells keeps the carets
 * under the code they mean. A span running onto later lines is underlined to the end of its first line.
 */
export function underline(source: string, span: Span): { indent: number; width: number } {
  const start = Math.min(Math.max(span.startColumn - 1, 0), source.length);
  const end = span.endLine === span.startLine ? Math.min(Math.max(span.endColumn - 1, start), source.length) : source.length;
  return { indent: cells(source.slice(0, start)), width: Math.max(1, cells(source.slice(start, end))) };
}

const TAB = '    ';
// Everything that could move the cursor, recolour or reorder the terminal (see common.ts), plus line
// separators a source line may still hold (a lone `\r`, U+2028): shown as one replacement character.
const SOURCE_CONTROLS = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\u200b-\u200d\u2060\ufeff]$/u;

/** A source line as printed: tabs expanded, controls neutralised (one cell each, to match `cells`). */
export function displaySource(line: string): string {
  return line.replace(/\t/g, TAB).replace(SOURCE_CONTROLS, '\uFFFD');
}

function cells(text: string): number {
  let n = 0;
  for (const ch of text) {
    if (ch === '\t') n += TAB.length;
    else if (ZERO_WIDTH.test(ch)) n += 0;
    else n += isWide(ch.codePointAt(0)!) ? 2 : 1;
  }
  return n;
}

/** East Asian wide and fullwidth ranges and emoji: an approximation of wcwidth that covers real code. */
function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

interface Painter {
  bold(s: string): string;
  blue(s: string): string;
  severity(level: Severity, s: string): string;
}

function painter(enabled: boolean): Painter {
  const sgr = (code: string) => (s: string) => (enabled ? `\x1b[${code}m${s}\x1b[0m` : s);
  const bySeverity: Record<Severity, (s: string) => string> = { error: sgr('1;31'), warning: sgr('1;33'), note: sgr('1;32') };
  return { bold: sgr('1'), blue: sgr('1;34'), severity: (level, s) => bySeverity[level](s) };
}

