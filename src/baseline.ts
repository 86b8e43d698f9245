/**
 * Baselines let a crate adopt ffiguard without fixing every old finding first: `--write-baseline FILE`
 * records today's findings, `--baseline FILE` reports only the ones that are not in it. A finding
 * matches a baseline entry by rule, repository-relative path and fingerprint (src/fingerprint.ts), so
 * code added above it does not bring it back, while editing its line does.
 *
 * The file is small, sorted and deterministic, to be committed and reviewed:
 *
 *   {
 *     "tool": "ffiguard",
 *     "format": 1,
 *     "version": "0.1.0",                      // ffiguard version that wrote it (informational)
 *     "findings": [
 *       {
 *         "ruleId": "panic-across-ffi",
 *         "path": "src/lib.rs",                // relative to the repository root, `/`-separated
 *         "fingerprint": "5f0c3d2a9e8b7c61:1",  // what matching uses, with ruleId and path
 *         "line": 12,                          // where it was when recorded (informational)
 *         "message": "`unwrap` can panic inside `extern \"C\" fn parse`"
 *       }
 *     ]
 *   }
 */
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from './errors.js';
import type { Finding } from './findings.js';
import { lineFingerprints } from './fingerprint.js';
import { ordinal, SourceLines, type SourceReader } from './report/common.js';
import type { ScanResult } from './scan-result.js';

export const BASELINE_FORMAT = 1;

export interface BaselineEntry {
  ruleId: string;
  /** Relative to the repository root, `/`-separated (`../` when the file lies outside it). */
  path: string;
  fingerprint: string;
  /** 1-based line of the finding when the baseline was written; not used for matching. */
  line: number;
  message: string;
}

export interface Baseline {
  tool: 'ffiguard';
  format: typeof BASELINE_FORMAT;
  version: string;
  findings: BaselineEntry[];
}

/** What comparing a scan with a baseline found; `ScanResult.findings` then holds only the new findings. */
export interface BaselineComparison {
  /** The baseline file as the user named it. */
  file: string;
  /** Findings the baseline already had: hidden from every format but SARIF (`baselineState: unchanged`). */
  unchanged: Finding[];
  /** Entries for files and rules this scan covered that no longer match a finding: fixed (SARIF `absent`). */
  absent: BaselineEntry[];
}

/** `file` as baselines name it: relative to the repository root, `/`-separated. */
export function baselinePath(repoRoot: string, file: string): string {
  return path.relative(repoRoot, file).split(path.sep).join('/');
}

/** The baseline recording every finding of `result` that is not suppressed in the source. */
export function createBaseline(result: ScanResult, version: string, readSource?: SourceReader): Baseline {
  const fingerprints = lineFingerprints(result.findings, result.repoRoot, new SourceLines(readSource));
  const findings = result.findings
    .filter((f) => !f.suppression)
    .map((f): BaselineEntry => ({
      ruleId: f.ruleId,
      path: baselinePath(result.repoRoot, f.span.file),
      fingerprint: fingerprints.get(f)!,
      line: f.span.startLine,
      message: f.message,
    }))
    .sort((a, b) => ordinal(a.path, b.path) || a.line - b.line || ordinal(a.ruleId, b.ruleId) || ordinal(a.fingerprint, b.fingerprint));
  return { tool: 'ffiguard', format: BASELINE_FORMAT, version, findings };
}

export function serializeBaseline(baseline: Baseline): string {
  // One entry per line keeps diffs of a committed baseline readable.
  const entries = baseline.findings.map((e) => `    ${JSON.stringify({ ruleId: e.ruleId, path: e.path, fingerprint: e.fingerprint, line: e.line, message: e.message })}`);
  const head = `{\n  "tool": "ffiguard",\n  "format": ${BASELINE_FORMAT},\n  "version": ${JSON.stringify(baseline.version)},\n  "findings": [`;
  return entries.length ? `${head}\n${entries.join(',\n')}\n  ]\n}\n` : `${head}]\n}\n`;
}

/** Reads and checks a baseline file; any problem is a one-line `UsageError` naming the file. */
export function readBaseline(file: string, shownAs: string = file): Baseline {
  const fail = (why: string): never => {
    throw new UsageError(`cannot read baseline ${shownAs}: ${why.replace(/\s+/g, ' ')}`);
  };
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    fail(code === 'ENOENT' ? 'no such file (create it with --write-baseline)' : (code ?? (e as Error).message));
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    fail(`not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(data) || data.tool !== 'ffiguard' || !Array.isArray(data.findings)) fail('not an ffiguard baseline (expected {"tool": "ffiguard", "findings": [...]})');
  const doc = data as Record<string, unknown> & { findings: unknown[] };
  if (doc.format !== BASELINE_FORMAT) fail(`unsupported format ${JSON.stringify(doc.format)} (this ffiguard reads format ${BASELINE_FORMAT})`);
  const findings = doc.findings.map((e, i): BaselineEntry => {
    const ok =
      isObject(e) &&
      typeof e.ruleId === 'string' &&
      typeof e.path === 'string' &&
      typeof e.fingerprint === 'string' &&
      typeof e.message === 'string' &&
      (e.line === undefined || (Number.isInteger(e.line) && (e.line as number) >= 1));
    if (!ok) return fail(`findings[${i}] needs string ruleId, path, fingerprint and message, and a positive integer line`);
    const entry = e as Record<string, unknown>;
    return { ruleId: entry.ruleId as string, path: entry.path as string, fingerprint: entry.fingerprint as string, line: (entry.line as number | undefined) ?? 1, message: entry.message as string };
  });
  return { tool: 'ffiguard', format: BASELINE_FORMAT, version: typeof doc.version === 'string' ? doc.version : '', findings };
}

/**
 * Splits `result.findings` into new ones (kept in `findings`, so every format and the exit code see
 * only them) and those the baseline has (`baseline.unchanged`). Entries count as fixed (`absent`) only
 * for rules that ran and for files that were scanned or no longer exist: scanning one crate of a
 * workspace against the workspace's baseline does not call the other crates' findings fixed.
 */
export function applyBaseline(result: ScanResult, baseline: Baseline, shownAs: string, readSource?: SourceReader): ScanResult {
  const fingerprints = lineFingerprints(result.findings, result.repoRoot, new SourceLines(readSource));
  const key = (ruleId: string, file: string, fingerprint: string) => `${ruleId}\0${file}\0${fingerprint}`;
  const pending = new Map(baseline.findings.map((e) => [key(e.ruleId, e.path, e.fingerprint), e]));
  const findings: Finding[] = [];
  const unchanged: Finding[] = [];
  for (const f of result.findings) {
    const k = key(f.ruleId, baselinePath(result.repoRoot, f.span.file), fingerprints.get(f)!);
    if (!f.suppression && pending.has(k)) {
      pending.delete(k);
      unchanged.push(f);
    } else {
      findings.push(f);
    }
  }
  const ran = new Set(result.ruleIds);
  const scanned = result.files ? new Set(result.files.map((f) => baselinePath(result.repoRoot, f))) : undefined;
  const covered = (e: BaselineEntry) => !scanned || scanned.has(e.path) || !fs.existsSync(path.resolve(result.repoRoot, e.path));
  const absent = [...pending.values()].filter((e) => ran.has(e.ruleId) && covered(e));
  return { ...result, findings, baseline: { file: shownAs, unchanged, absent } };
}

/** `baseline.json: 12 findings hidden, 2 fixed`: what the text and github formats print about a baseline. */
export function baselineSummary(comparison: BaselineComparison): string {
  const n = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  const fixed = comparison.absent.length;
  return (
    `baseline ${comparison.file}: ${n(comparison.unchanged.length, 'known finding')} hidden` +
    (fixed ? `, ${fixed} fixed since it was written (rewrite it with --write-baseline to forget them)` : '')
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
