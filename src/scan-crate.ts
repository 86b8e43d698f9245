/**
 * One crate's share of a scan: read its files, analyse them (or take the cached result), and give
 * the findings their configured severity. A `CrateJob` is plain data, so the same function runs in
 * the main thread or in a worker (see pool.ts) with the same result.
 */
import { createHash } from 'node:crypto';
import { statSync, type Stats } from 'node:fs';
import fs from 'node:fs/promises';
import type { AnalyzerConfig } from './config.js';
import { configuredSeverity, type RuleLevel } from './config-file.js';
import type { CrateSettings } from './crate-unit.js';
import { dedupeFindings, type Finding, type Notification } from './findings.js';
import { cacheFile, loadCached, saveCached, type CacheEntry } from './cache.js';
import { analysed, releaseFinishedCrates } from './memory.js';
import { compileQuestions, leftOutSignature, type LeftOutRecord } from './left-out.js';

export interface CrateJob {
  root: string;
  settings: CrateSettings;
  /** Absolute paths of the files to read, in order. */
  files: string[];
  config: AnalyzerConfig;
  /** Ids of the rules to run (a subset of ALL_RULES, in its order). */
  ruleIds: string[];
  /** Configured levels by rule id (`off` rules are already left out of `ruleIds`). */
  levels: [string, RuleLevel][];
  includeSuppressed: boolean;
  includeTests: boolean;
  explicitHeaders: string[];
  maxFileSize: number;
  parseBudgetMs: number;
  /** Leave out files no rule needs (see prefilter.ts). */
  prefilter: boolean;
  /** Directory of the incremental cache for this crate, or undefined for none. */
  cacheDir?: string;
  /** What else the cached result depends on (tool build, configuration): part of the cache key. */
  cacheKey: string;
}

export interface CrateScan {
  findings: Finding[];
  notifications: Notification[];
  filesParsed: number;
  /** Files the prefilter left unparsed (none of them was needed). */
  filesNotParsed: number;
  /** Files read (sources and headers). */
  filesRead: string[];
  /** Lines of the files read. */
  lines: number;
  /** Was the result taken from the cache? */
  cached: boolean;
}

/** Called after each file is read and analysed (for the progress bar). */
export type FileProgress = (files: number, lines: number) => void;

/**
 * The crate's findings from the cache when no file changed since they were recorded, else undefined.
 * Cheap: a file whose size and mtime are as recorded is not read (unless it was written in the same
 * moment as the cache, when a same-size edit could hide behind an unchanged mtime: then it is hashed).
 * A changed file the analysis never parsed, whose text still answers what the analysis asked of it
 * (see left-out.ts), leaves the findings as they were.
 * The pool asks this in the main thread first, so that an unchanged workspace starts no worker.
 */
export async function cachedScan(job: CrateJob, progress?: FileProgress): Promise<CrateScan | undefined> {
  if (!job.cacheDir) return undefined;
  const cache = cacheFile(job.cacheDir, job.root);
  const previous = await loadCached(cache, job.cacheKey);
  if (!previous || Object.keys(previous.files).length !== job.files.length) return undefined;
  const filesRead: string[] = [];
  const fingerprints: CacheEntry['files'] = {};
  let rehashed = false;
  let lines = 0;
  let compiled: RegExp[] | undefined;
  const questions = (): RegExp[] | undefined => (compiled ??= previous.leftOut && compileQuestions(previous.leftOut));
  for (const file of job.files) {
    const known = previous.files[file];
    if (!known) return undefined;
    // Synchronous: thousands of stats, each far cheaper than a round trip through the thread pool.
    let stat: Stats;
    try {
      stat = statSync(file);
    } catch {
      return undefined;
    }
    let now = known;
    if (stat.size !== known.size || stat.mtimeMs !== known.mtimeMs || known.mtimeMs >= previous.writtenAt - RACY_MS) {
      if (known.hash === 'skipped') return undefined;
      let bytes: Buffer;
      try {
        bytes = await fs.readFile(file);
      } catch {
        return undefined;
      }
      const hash = hashBytes(bytes);
      if (hash === known.hash) now = { ...known, mtimeMs: stat.mtimeMs, size: stat.size };
      else {
        const edited = stat.size <= job.maxFileSize ? leftOutEdit(previous.leftOut, questions, file, bytes) : undefined;
        if (!edited) return undefined;
        now = { mtimeMs: stat.mtimeMs, size: stat.size, hash, lines: edited.lines };
      }
      rehashed = true;
    }
    fingerprints[file] = now;
    if (now.hash !== 'skipped' && now.text !== false) {
      filesRead.push(file);
      lines += now.lines ?? 0;
    }
  }
  // Record what was re-hashed (a checkout or `touch` moved mtimes), so the next run need not hash again.
  if (rehashed) await saveCached(cache, { ...previous, key: job.cacheKey, writtenAt: Date.now(), files: fingerprints });
  progress?.(job.files.length, lines);
  return { ...previous.result, filesRead, lines, cached: true };
}

/**
 * An edited file that leaves the cached result as it is: one the analysis never parsed, still valid
 * UTF-8, whose text answers every question the analysis asked of it as before. Its line count, or
 * undefined when the crate must be analysed again.
 */
function leftOutEdit(leftOut: LeftOutRecord | undefined, questions: () => RegExp[] | undefined, file: string, bytes: Buffer): { lines: number } | undefined {
  const recorded = leftOut?.files[file];
  if (!recorded) return undefined;
  const text = decodeUtf8(bytes);
  if (typeof text !== 'string') return undefined;
  const asked = questions();
  if (!asked || leftOutSignature(text, asked) !== recorded) return undefined;
  return { lines: lineCount(text) };
}

/**
 * Reads every file of the crate, analyses it, and records the result in the cache (when there is one).
 * The trees of the crates this thread analysed before are garbage by now: they are freed first (memory.ts).
 */
export async function scanCrate(job: CrateJob, progress?: FileProgress): Promise<CrateScan> {
  releaseFinishedCrates();
  const notifications: Notification[] = [];
  const cache = job.cacheDir ? cacheFile(job.cacheDir, job.root) : undefined;
  // Written before the files are read: a file changed while this scan reads it is newer, and re-hashed next time.
  const writtenAt = Date.now();
  const sources: { path: string; text: string }[] = [];
  const filesRead: string[] = [];
  const fingerprints: CacheEntry['files'] = {};
  let lines = 0;
  for (const file of job.files) {
    try {
      const stat = await fs.stat(file);
      if (stat.size > job.maxFileSize) {
        notifications.push({ level: 'warning', file, message: `skipped: file is ${stat.size} bytes, over the limit of ${job.maxFileSize} bytes (--max-file-size)` });
        fingerprints[file] = { mtimeMs: stat.mtimeMs, size: stat.size, hash: 'skipped' };
        continue;
      }
      const bytes = await fs.readFile(file);
      const text = decodeUtf8(bytes);
      const fileLines = typeof text === 'string' ? lineCount(text) : 0;
      fingerprints[file] = { mtimeMs: stat.mtimeMs, size: stat.size, hash: cache ? hashBytes(bytes) : '', lines: fileLines, ...(typeof text === 'string' ? {} : { text: false }) };
      if (typeof text === 'string') {
        sources.push({ path: file, text });
        filesRead.push(file);
        lines += fileLines;
      } else notifications.push({ level: 'warning', file, message: `skipped: ${text.skipped}` });
    } catch (e) {
      notifications.push({ level: 'error', file, message: `could not read file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
    }
  }
  // The analysis (rules, crate model, tree-sitter) is loaded the first time a crate needs it, never by a scan answered from the cache.
  const [{ analyzeCrate }, { ALL_RULES }] = await Promise.all([import('./analyze.js'), import('../rules/index.js')]);
  const ruleSet = new Set(job.ruleIds);
  const rules = ALL_RULES.filter((r) => ruleSet.has(r.id));
  const result = await analyzeCrate(job.root, job.settings, sources, {
    config: job.config,
    rules,
    includeSuppressed: job.includeSuppressed,
    includeTests: job.includeTests,
    explicitHeaders: job.explicitHeaders,
    parseBudgetMs: job.parseBudgetMs,
    prefilter: job.prefilter,
    progress,
  });
  const levels = new Map(job.levels);
  // De-duplicated here, once, so that a scan answered from the cache need not (see scan.ts).
  const findings = dedupeFindings(result.findings).map((f) => {
    const level = levels.get(f.ruleId);
    const rule = rules.find((r) => r.id === f.ruleId);
    return level && level !== 'off' && rule ? { ...f, severity: configuredSeverity(f.severity, rule.severity, level) } : f;
  });
  const scanned = { findings, notifications: [...notifications, ...result.notifications], filesParsed: result.filesParsed, filesNotParsed: result.filesNotParsed };
  // A result that depends on the machine's speed (a parse cut off by --max-parse-seconds) or on a file
  // that could not be read is not kept: the next run may do better.
  const transient = notifications.some((n) => n.level === 'error') || result.notifications.some((n) => n.message.includes('--max-parse-seconds'));
  if (cache && !transient && Object.keys(fingerprints).length === job.files.length) {
    await saveCached(cache, { key: job.cacheKey, writtenAt, files: fingerprints, result: scanned, ...(result.leftOut ? { leftOut: result.leftOut } : {}) });
  }
  analysed(lines);
  return { ...scanned, filesRead, lines, cached: false };
}

/** An mtime this close to the moment the cache was written does not prove the file unchanged (racy clean). */
const RACY_MS = 2000;

function hashBytes(bytes: Buffer): string {
  return createHash('sha1').update(bytes).digest('hex');
}

export function lineCount(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * A source file's text, or why it is skipped: not UTF-8 (rustc reads only UTF-8 sources; this is also
 * what catches binary files and UTF-16). NUL bytes alone do not make a file binary: Rust allows a raw
 * NUL inside a string literal (see fixtures/cstring-interior-nul), and tree-sitter marks one elsewhere
 * as a syntax error.
 */
function decodeUtf8(bytes: Buffer): string | { skipped: string } {
  try {
    // ignoreBOM keeps a byte-order mark in the text, as reading with 'utf8' did, so columns do not move.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return { skipped: 'not valid UTF-8 (a binary file, or another encoding)' };
  }
}
