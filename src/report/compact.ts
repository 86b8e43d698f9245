/**
 * `path:line:col: severity: message [rule-id]`, one finding per line, for editors and CI problem matchers
 * (VS Code `$gcc`, GitHub Actions matchers). Those read every line, so nothing else is printed: no
 * summary, no notifications (they go to stderr through the CLI).
 */
import path from 'node:path';
import type { ScanResult } from '../scan-result.js';
import { displayPath, oneLine, ordinal, sortFindings, type RenderOptions } from './common.js';

export function render(result: ScanResult, _opts: RenderOptions): string {
  const lines = sortFindings(result.findings).map((f) => {
    const file = commandSafe(oneLine(displayPath(result.cwd, f.span.file)));
    // Kept inside the message so that the line still ends in `[rule-id]` for matchers anchored on it.
    const suppressed = f.suppression ? ` (suppressed: ${f.suppression.justification})` : '';
    return `${file}:${f.span.startLine}:${f.span.startColumn}: ${f.severity}: ${oneLine(f.message + suppressed)} [${f.ruleId}]`;
  });
  return lines.map((l) => `${l}\n`).join('');
}

/**
 * The notifications of a compact report, for stderr: editors read stdout line by line as findings, so
 * notes about files ffiguard could not use go elsewhere. File names come from the scanned tree: one line each.
 */
export function renderNotifications(result: ScanResult): string {
  const sorted = [...result.notifications].sort((a, b) => ordinal(a.file ?? '', b.file ?? '') || ordinal(a.message, b.message));
  return sorted.map((n) => `ffiguard: ${n.level}: ${n.file === undefined ? '' : `${oneLine(displayPath(result.cwd, n.file))}: `}${oneLine(n.message)}\n`).join('');
}

/**
 * The GitHub Actions runner reads every output line that starts with `::` (after blanks) as a workflow
 * command, and a compact line starts with the file name: a file called `::error file=x::pwned.rs` would
 * be one. `./` in front names the same file and starts no command.
 */
function commandSafe(file: string): string {
  return /^[\s:]/.test(file) ? `.${path.sep}${file}` : file;
}
