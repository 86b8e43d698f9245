/**
 * `path:line:col: severity: message [rule-id]`, one finding per line, for editors and CI problem matchers
 * (VS Code `$gcc`, GitHub Actions matchers). Those read every line, so nothing else is printed: no
 * summary, no notifications (they go to stderr through the CLI).
 */
import type { ScanResult } from '../scan-result.js';
import { displayPath, oneLine, sortFindings, type RenderOptions } from './common.js';

export function render(result: ScanResult, _opts: RenderOptions): string {
  const lines = sortFindings(result.findings).map((f) => {
    const file = oneLine(displayPath(result.cwd, f.span.file));
    // Kept inside the message so that the line still ends in `[rule-id]` for matchers anchored on it.
    const suppressed = f.suppression ? ` (suppressed: ${f.suppression.justification})` : '';
    return `${file}:${f.span.startLine}:${f.span.startColumn}: ${f.severity}: ${oneLine(f.message + suppressed)} [${f.ruleId}]`;
  });
  return lines.map((l) => `${l}\n`).join('');
}
