/**
 * A whole scan: paths → crates (discover.ts) → one job per crate, answered from the incremental cache
 * or analysed (pool.ts) → findings sorted and de-duplicated. This module and what it imports are all
 * that a scan answered from the cache loads: the analysis (analyze.ts, the rules, tree-sitter) is
 * imported only when a crate has to be analysed, and the rule objects only when asked for.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { toolFingerprint } from './cache.js';
import { defaultJobs, runCrateJobs } from './pool.js';
import type { CrateJob, CrateScan, FileProgress } from './scan-crate.js';
import { DEFAULT_CONFIG, type AnalyzerConfig } from './config.js';
import { fileFilter, loadProjectConfig, withConfiguredNames, type RuleLevel } from './config-file.js';
import type { CrateSettings } from './crate-unit.js';
import { discover, isHeader } from './discover.js';
import { compareFindings, dedupeFindings } from './findings.js';
import type { Rule } from './rule.js';
import { RULE_IDS } from './rule-ids.js';
import type { ScanResult } from './scan-result.js';
import { DEFAULT_MAX_FILE_SIZE, DEFAULT_MAX_PARSE_SECONDS } from './limits.js';
import { reportRoot } from './report-root.js';

export interface ScanOptions {
  paths: string[];
  cwd: string;
  config?: AnalyzerConfig;
  rules?: Rule[];
  includeSuppressed?: boolean;
  /** C headers named on the command line (`--header`), added to every crate they belong to. */
  headers?: string[];
  /** Skip C headers altogether (`--no-headers`). */
  noHeaders?: boolean;
  /** Also report findings in test code (`tests/`, `benches/`, `#[cfg(test)]`, `#[test]`). */
  includeTests?: boolean;
  /** A configuration file named with `--config`; else ffiguard.toml or Cargo.toml metadata is looked for (see config-file.ts). */
  configFile?: string;
  /** Rule levels from `--rule ID=LEVEL`, over those of the configuration file. */
  ruleLevels?: Record<string, RuleLevel>;
  /** Files larger than this many bytes are skipped with a notification (`--max-file-size`). */
  maxFileSize?: number;
  /** A file whose parse takes longer than this is skipped with a notification (`--max-parse-seconds`). */
  maxParseSeconds?: number;
  /** Crates analysed in parallel (worker threads); 1 analyses in this thread. Default: the available cores. */
  jobs?: number;
  /** Reuse and record results in the incremental cache (see cache.ts). Off unless asked: the CLI asks. */
  cache?: boolean;
  /** Where the cache lives (default: each workspace's `target/ffiguard/`). */
  cacheDir?: string;
  /** Called as files are analysed (counts since the last call), for a progress bar. */
  progress?: FileProgress;
  /** false: parse every file, leaving none out by its text (to check that the prefilter loses nothing). */
  prefilter?: boolean;
  /** Told how many files the scan will read, once they are known. */
  onFiles?: (count: number) => void;
  /** Follow symbolic links out of the scanned directories (`--follow-symlinks`); see discover.ts. */
  followSymlinks?: boolean;
  /**
   * false: leave `rules` (the rule objects, with their documentation) out of the result, so that a scan
   * answered from the cache loads no rule module. The CLI loads them only for SARIF, which prints them.
   */
  loadRules?: boolean;
}

export { DEFAULT_MAX_FILE_SIZE, DEFAULT_MAX_PARSE_SECONDS };

export async function scan(opts: ScanOptions): Promise<ScanResult> {
  const started = performance.now();
  const { crates, notifications } = await discover(opts.paths, opts.cwd, { followSymlinks: opts.followSymlinks });
  const project = loadProjectConfig(opts);
  const levels = new Map([...(project?.rules ?? []), ...Object.entries(opts.ruleLevels ?? {})]);
  const chosen = opts.rules?.filter((r) => levels.get(r.id) !== 'off');
  if (chosen) {
    // Rules given by the caller are loaded already, and so then is rules/index.ts.
    const { ALL_RULES } = await import('../rules/index.js');
    const unknown = chosen.find((r) => !ALL_RULES.includes(r));
    if (unknown) throw new Error(`scan() runs the rules of rules/index.ts only, not \`${unknown.id}\` (use analyzeCrate)`);
  }
  const ruleIds = chosen?.map((r) => r.id) ?? RULE_IDS.filter((id) => levels.get(id) !== 'off');
  const config = withConfiguredNames(opts.config ?? DEFAULT_CONFIG, project);
  const wanted = fileFilter(project);
  const extraHeaders = [...(opts.headers ?? []).map((h) => path.resolve(opts.cwd, h)), ...(opts.noHeaders ? [] : (project?.headers ?? []))];
  const jobs: CrateJob[] = crates.map((unit) => {
    let files = (opts.noHeaders ? unit.files.filter((f) => !isHeader(f)) : unit.files).filter(wanted);
    // A header named with --header belongs to the crate it sits in, or to every crate when it sits in none.
    const mine = extraHeaders.filter((h) => h.startsWith(unit.root + path.sep) || !crates.some((c) => h.startsWith(c.root + path.sep)));
    files = [...new Set([...files, ...mine])];
    const job: Omit<CrateJob, 'cacheKey'> = {
      root: unit.root,
      settings: unit.settings,
      files,
      config,
      ruleIds,
      levels: [...levels],
      includeSuppressed: !!opts.includeSuppressed,
      includeTests: !!opts.includeTests,
      explicitHeaders: extraHeaders,
      maxFileSize: opts.maxFileSize ?? DEFAULT_MAX_FILE_SIZE,
      parseBudgetMs: (opts.maxParseSeconds ?? DEFAULT_MAX_PARSE_SECONDS) * 1000,
      prefilter: opts.prefilter !== false,
      cacheDir: opts.cache ? (opts.cacheDir ? path.resolve(opts.cwd, opts.cacheDir) : defaultCacheDir(unit.settings)) : undefined,
    };
    return { ...job, cacheKey: job.cacheDir ? createHash('sha1').update(toolFingerprint()).update(JSON.stringify({ ...job, files: undefined })).digest('hex') : '' };
  });
  opts.onFiles?.(jobs.reduce((n, j) => n + j.files.length, 0));
  const results = await runCrateJobs(jobs, opts.jobs ?? defaultJobs(), opts.progress);
  const findings = results.flatMap((r) => r.findings);
  for (const r of results) notifications.push(...r.notifications);
  return {
    // Each crate's findings are de-duplicated already (scan-crate.ts); across crates only a file two crates share (a --header) can repeat one.
    findings: (sharesFiles(results) ? dedupeFindings(findings) : findings).sort(compareFindings),
    notifications,
    ruleIds,
    ...(opts.loadRules === false ? {} : { rules: chosen ?? (await ruleObjects(ruleIds)) }),
    filesScanned: results.reduce((n, r) => n + r.filesParsed, 0),
    filesNotParsed: results.reduce((n, r) => n + r.filesNotParsed, 0),
    cratesScanned: crates.length,
    cratesCached: results.filter((r) => r.cached).length,
    elapsedMs: performance.now() - started,
    cwd: opts.cwd,
    repoRoot: reportRoot(opts.cwd, opts.paths.length > 0 ? opts.paths : ['.'], notifications.flatMap((n) => (n.file === undefined ? [] : [n.file])), results.flatMap((r) => r.filesRead)),
    includeSuppressed: !!opts.includeSuppressed,
    files: results.flatMap((r) => r.filesRead),
    ...(project ? { config: { file: project.file, table: project.table } } : {}),
  };
}

/** The rule objects with these ids, in the order of rules/index.ts (loaded on first use). */
export async function ruleObjects(ids: readonly string[]): Promise<Rule[]> {
  const { ALL_RULES } = await import('../rules/index.js');
  return ALL_RULES.filter((r) => ids.includes(r.id));
}

/**
 * Where a crate's cache lives by default: Cargo's `target/` of its workspace (or of the crate), under
 * `ffiguard/`. Files outside any Cargo package have no such place and are not cached without `--cache-dir`.
 */
function defaultCacheDir(settings: CrateSettings): string | undefined {
  const manifest = settings.workspaceManifest ?? settings.manifestPath;
  return manifest ? path.join(path.dirname(manifest), 'target', 'ffiguard') : undefined;
}

/** Do findings of two crates point into the same file? */
function sharesFiles(results: CrateScan[]): boolean {
  const owner = new Map<string, number>();
  for (const [i, r] of results.entries()) {
    for (const f of r.findings) {
      const o = owner.get(f.span.file);
      if (o === undefined) owner.set(f.span.file, i);
      else if (o !== i) return true;
    }
  }
  return false;
}
