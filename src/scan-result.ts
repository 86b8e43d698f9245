/** Everything a report needs to render one scan. */
import type { BaselineComparison } from './baseline.js';
import type { Finding, Notification } from './findings.js';
import type { Rule } from './rule.js';

export interface ScanResult {
  findings: Finding[];
  notifications: Notification[];
  /** Ids of the rules that ran, in the order of `rules/index.ts`. */
  ruleIds: string[];
  /**
   * The rules that ran (their documentation, which SARIF prints). scan() sets them unless asked not to
   * (`loadRules: false`, what the CLI does for the other formats, so that a scan answered from the
   * cache loads no rule module).
   */
  rules?: Rule[];
  filesScanned: number;
  /** Of those, files the textual prefilter showed no rule needs: never parsed. */
  filesNotParsed?: number;
  cratesScanned: number;
  /** Crates whose findings were taken from the incremental cache: no file changed, or none in a way their analysis could see. */
  cratesCached?: number;
  elapsedMs: number;
  /** Absolute directory the user ran from; text and compact paths are relative to it. */
  cwd: string;
  /**
   * Absolute directory SARIF URIs, fingerprints and baselines are relative to: the repository root (nearest
   * directory with `.git` above the first scanned path), else `cwd`, else the deepest directory holding every
   * file the scan read, whichever holds them all (see report-root.ts).
   */
  repoRoot: string;
  /** Suppressed findings are in `findings` (with `suppression` set) only when this is true. */
  includeSuppressed: boolean;
  /** Absolute paths of the files the scan read (sources and headers), when known. */
  files?: string[];
  /** Set after comparing with `--baseline`: `findings` then holds only the findings not in the baseline. */
  baseline?: BaselineComparison;
  /** The configuration file the scan used (`table`: its Cargo.toml metadata table), if any. */
  config?: { file: string; table?: string };
}
