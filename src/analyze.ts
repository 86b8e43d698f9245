/** Files → crate model → every rule → findings (suppressed, sorted, de-duplicated). */
import fs from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_CONFIG, type AnalyzerConfig } from './config.js';
import { configuredSeverity, fileFilter, loadProjectConfig, withConfiguredNames, type RuleLevel } from './config-file.js';
import type { CrateSettings } from './crate-unit.js';
import { discover } from './discover.js';
import { compareFindings, type Finding, type Notification, type Span } from './findings.js';
import { buildCrateModel } from './model/crate.js';
import { ExpandedSource } from './model/expand.js';
import { inTestCode, testRanges } from './model/test-code.js';
import type { Locatable, Rule } from './rule.js';
import type { ScanResult } from './scan-result.js';
import { abiHeaders } from './c/abi-headers.js';
import { parseHeaders, type HeaderFile } from './c/header.js';
import { isHeader } from './discover.js';
import { SourceFile, type Node } from './source.js';
import { Suppressions } from './suppress.js';
import { ALL_RULES } from '../rules/index.js';

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
}

/** Native trees are freed only when the event loop turns: yield every few files to keep memory flat. */
const YIELD_EVERY = 20;

export async function scan(opts: ScanOptions): Promise<ScanResult> {
  const started = performance.now();
  const { crates, notifications } = await discover(opts.paths, opts.cwd);
  const project = loadProjectConfig(opts);
  const levels = new Map([...(project?.rules ?? []), ...Object.entries(opts.ruleLevels ?? {})]);
  const rules = (opts.rules ?? ALL_RULES).filter((r) => levels.get(r.id) !== 'off');
  const config = withConfiguredNames(opts.config ?? DEFAULT_CONFIG, project);
  const wanted = fileFilter(project);
  const findings: Finding[] = [];
  let filesScanned = 0;
  const filesRead: string[] = [];
  const extraHeaders = [...(opts.headers ?? []).map((h) => path.resolve(opts.cwd, h)), ...(opts.noHeaders ? [] : (project?.headers ?? []))];
  for (const unit of crates) {
    const sources: { path: string; text: string }[] = [];
    let files = (opts.noHeaders ? unit.files.filter((f) => !isHeader(f)) : unit.files).filter(wanted);
    // A header named with --header belongs to the crate it sits in, or to every crate when it sits in none.
    const mine = extraHeaders.filter((h) => h.startsWith(unit.root + path.sep) || !crates.some((c) => h.startsWith(c.root + path.sep)));
    files = [...new Set([...files, ...mine])];
    for (const file of files) {
      try {
        sources.push({ path: file, text: await fs.readFile(file, 'utf8') });
        filesRead.push(file);
      } catch (e) {
        notifications.push({ level: 'error', file, message: `could not read file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
      }
    }
    const result = await analyzeCrate(unit.root, unit.settings, sources, { ...opts, config, rules, explicitHeaders: extraHeaders });
    for (const f of result.findings) {
      const level = levels.get(f.ruleId);
      const rule = rules.find((r) => r.id === f.ruleId);
      findings.push(level && level !== 'off' && rule ? { ...f, severity: configuredSeverity(f.severity, rule.severity, level) } : f);
    }
    notifications.push(...result.notifications);
    filesScanned += result.filesParsed;
  }
  return {
    findings: dedupe(findings).sort(compareFindings),
    notifications,
    rules,
    filesScanned,
    cratesScanned: crates.length,
    elapsedMs: performance.now() - started,
    cwd: opts.cwd,
    repoRoot: await repositoryRoot(path.resolve(opts.cwd, opts.paths[0] ?? '.'), opts.cwd),
    includeSuppressed: !!opts.includeSuppressed,
    files: filesRead,
    ...(project ? { config: { file: project.file, table: project.table } } : {}),
  };
}

export interface CrateAnalysis {
  findings: Finding[];
  notifications: Notification[];
  filesParsed: number;
}

/** Runs every rule over one crate whose file contents are given (what the fixture tests call directly). */
export async function analyzeCrate(
  root: string,
  settings: CrateSettings,
  sources: { path: string; text: string }[],
  opts: { config?: AnalyzerConfig; rules?: Rule[]; includeSuppressed?: boolean; includeTests?: boolean; explicitHeaders?: string[] } = {},
): Promise<CrateAnalysis> {
  const rules = opts.rules ?? ALL_RULES;
  const notifications: Notification[] = [];
  const files: SourceFile[] = [];
  let headers: HeaderFile[] = [];
  try {
    headers = parseHeaders(sources.filter((s) => isHeader(s.path) && isCHeader(s, root, opts)));
  } catch (e) {
    notifications.push({ level: 'error', message: `could not parse the crate's C headers: ${(e as Error).message}` });
  }
  for (const h of headers) {
    if (opts.explicitHeaders?.includes(h.path)) h.explicit = true;
    if (h.errorCount > 0) notifications.push({ level: 'note', file: h.path, message: `${h.errorCount} place(s) tree-sitter-c could not parse (macros or C++); declarations there are not checked` });
  }
  for (const [i, src] of sources.filter((s) => !isHeader(s.path)).entries()) {
    if (i > 0 && i % YIELD_EVERY === 0) await new Promise((r) => setImmediate(r));
    try {
      const file = new SourceFile(src.path, src.text);
      if (file.root.hasError) notifications.push({ level: 'note', file: src.path, message: 'file has syntax errors; findings around them may be incomplete' });
      files.push(file);
    } catch (e) {
      notifications.push({ level: 'error', file: src.path, message: `could not parse file: ${(e as Error).message}` });
    }
  }
  const crate = buildCrateModel(root, settings, files, opts.config ?? DEFAULT_CONFIG, headers);
  const declaring = headers.filter((h) => h.functions.length > 0);
  if (declaring.length > 0 && abiHeaders(crate).length === 0) {
    notifications.push({
      level: 'note',
      file: declaring[0]!.path,
      message: `no scanned header declares any of the ${crate.exportsBySymbol.size} function(s) this crate exports as ffiguard sees them (exports generated by procedural macros are not recognised), so the header rules did not run; name the crate's header with --header to check it anyway`,
    });
  }
  const raw: Finding[] = [];
  for (const rule of rules) {
    rule.check({
      crate,
      report(input) {
        raw.push({
          ruleId: rule.id,
          severity: input.severity ?? rule.severity,
          span: input.file.span(input.node, input.endNode),
          message: input.message,
          help: input.help,
          related: [...(input.related ?? []).map((r) => ({ span: r.file.span(r.node), message: r.message })), ...templateLocation(input.file, input.node)],
        });
      },
    });
  }
  const known = new Set(ALL_RULES.map((r) => r.id));
  const notify = (n: Notification): number => notifications.push(n);
  const suppressions = new Map([
    ...files.map((f) => [f.path, new Suppressions(f, known, notify)] as const),
    ...headers.map((h) => [h.path, Suppressions.forHeader(h, known, notify)] as const),
  ]);
  const tests = new Map(files.map((f) => [f.path, testRanges(f, root)]));
  const findings: Finding[] = [];
  for (const f of raw) {
    const t = tests.get(f.span.file);
    if (!opts.includeTests && t && inTestCode(t, f.span.startLine)) continue;
    const d = suppressions.get(f.span.file)?.match(f);
    if (!d) findings.push(f);
    else if (opts.includeSuppressed) findings.push({ ...f, suppression: { kind: d.kind, justification: d.justification } });
  }
  return { findings, notifications, filesParsed: files.length + headers.length };
}

/** A finding in code a macro generated also points at the line of the macro's definition that wrote it. */
function templateLocation(file: Locatable, node: Node): { span: Span; message: string }[] {
  if (!(file instanceof ExpandedSource)) return [];
  const span = file.templateSpan(node);
  return span ? [{ span, message: `written here, in the definition of \`${file.macro}!\`` }] : [];
}

/**
 * Headers tree-sitter-c can read and that describe the library: C++-only headers (`.hpp`, `.hh`
 * without an `extern "C"` block: classes, templates) and headers of test code are left out.
 */
function isCHeader(src: { path: string; text: string }, root: string, opts: { includeTests?: boolean; explicitHeaders?: string[] }): boolean {
  if (opts.explicitHeaders?.includes(src.path)) return true;
  if (/\.(hh|hpp|hxx)$/.test(src.path) && !src.text.includes('extern "C"')) return false;
  const top = path.relative(root, src.path).split(path.sep)[0];
  return opts.includeTests || (top !== 'tests' && top !== 'benches');
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.ruleId}\0${f.span.file}\0${f.span.startLine}:${f.span.startColumn}\0${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Nearest directory with `.git` at or above `start`; else `cwd`. */
async function repositoryRoot(start: string, cwd: string): Promise<string> {
  let dir = start;
  try {
    if (!(await fs.stat(dir)).isDirectory()) dir = path.dirname(dir);
  } catch {
    return cwd;
  }
  for (;;) {
    try {
      await fs.stat(path.join(dir, '.git'));
      return dir;
    } catch {
      const parent = path.dirname(dir);
      if (parent === dir) return cwd;
      dir = parent;
    }
  }
}
