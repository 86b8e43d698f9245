/** Helpers every output format shares: options, source lines, paths, counts and text hygiene. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { compareFindings, ordinal, type Finding } from '../findings.js';

/** Returns a scanned file's text, or undefined when it cannot be read. */
export type SourceReader = (file: string) => string | undefined;

export interface RenderOptions {
  /** ANSI colour (text format only). */
  color: boolean;
  /** ffiguard's own version, written into JSON and SARIF. */
  version: string;
  /** Where source lines come from (text snippets, SARIF fingerprints); defaults to the file system. */
  readSource?: SourceReader;
  /** SARIF `runAutomationDetails.id` (`--category`): separates analyses of one repository, e.g. per crate of a monorepo. */
  category?: string;
  /** Write absolute paths of this machine into the report (`--absolute-paths`; SARIF: where `%SRCROOT%` is). */
  absolutePaths?: boolean;
  /** Environment of the run (github format: `GITHUB_WORKSPACE`); defaults to `process.env`. */
  env?: Record<string, string | undefined>;
}

export const readFromDisk: SourceReader = (file) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

/** Splits each file once per render; reports print many findings from the same few files. */
export class SourceLines {
  private readonly cache = new Map<string, string[] | null>();

  constructor(private readonly read: SourceReader = readFromDisk) {}

  /** 1-based `line` without its line break, or undefined when the file or line is not there (any more). */
  line(file: string, line: number): string | undefined {
    let lines = this.cache.get(file);
    if (lines === undefined) {
      const text = this.read(file);
      // Rows are counted on `\n` only, like tree-sitter does, so a lone `\r` stays inside its line.
      lines = text === undefined ? null : text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
      this.cache.set(file, lines);
    }
    return lines?.[line - 1];
  }
}

/** A path as the user should see it: relative to where they ran ffiguard (OS separators kept). */
export function displayPath(cwd: string, file: string): string {
  // Reports name the same few files thousands of times: each is made relative once per directory
  // (absolute paths only: a relative one depends on the process's working directory).
  if (!path.isAbsolute(cwd) || !path.isAbsolute(file)) return path.relative(cwd, file) || path.basename(file);
  if (cwd !== shownFrom || shown.size > 50_000) {
    shownFrom = cwd;
    shown.clear();
  }
  let relative = shown.get(file);
  if (relative === undefined) shown.set(file, (relative = path.relative(cwd, file) || path.basename(file)));
  return relative;
}
let shownFrom = '';
const shown = new Map<string, string>();

// Characters that end a line for some reader: terminals, editors (VS Code splits on U+2028/9), problem matchers.
const LINE_BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029]/g;
// Terminal controls (C0, DEL, C1: ESC sequences can recolour, retitle or hide output) and bidi overrides
// ("Trojan Source": text that displays in a different order than it reads).
const CONTROLS = /[\u0000-\u0008\u000e-\u001f\u007f-\u0084\u0086-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Text from the scanned files (or messages quoting it) made safe to print on one line. */
export function oneLine(text: string): string {
  return text.replace(LINE_BREAKS, ' ').replace(CONTROLS, '\uFFFD');
}

export interface Counts {
  errors: number;
  warnings: number;
  notes: number;
  suppressed: number;
}

/** Severity counts of the findings that are not suppressed, and how many are. */
export function countFindings(findings: Finding[]): Counts {
  const counts: Counts = { errors: 0, warnings: 0, notes: 0, suppressed: 0 };
  for (const f of findings) {
    if (f.suppression) counts.suppressed++;
    else if (f.severity === 'error') counts.errors++;
    else if (f.severity === 'warning') counts.warnings++;
    else counts.notes++;
  }
  return counts;
}

/** Code-unit order: `localeCompare` depends on the machine's locale, and output must not. */
export { ordinal };

/** Findings in file, position, rule, message order, independent of locale. */
export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort(compareFindings);
}
