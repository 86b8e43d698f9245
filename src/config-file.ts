/**
 * Project configuration: `ffiguard.toml`, or a `[package.metadata.ffiguard]` /
 * `[workspace.metadata.ffiguard]` table in Cargo.toml (the Rust ecosystem's habit, like clippy.toml
 * and `[package.metadata.docs.rs]`).
 *
 * Where it is found (one configuration per run):
 * 1. `--config FILE` (an `ffiguard.toml`-style file, or a Cargo.toml whose metadata table is read);
 * 2. else, from the directory of the first scanned path (the directory holding it, for a file) up to
 *    the repository root (the nearest directory with `.git`; the filesystem root outside a
 *    repository): in each directory `ffiguard.toml` first, then Cargo.toml's metadata table. So a
 *    member crate of a workspace is scanned with the workspace's configuration, and a nearer file
 *    wins over a farther one, as with clippy.toml and Ruff.
 *
 * Everything is checked strictly: an unknown key, an unknown rule id, a wrong type or an invalid
 * level is a UsageError naming the file, the dotted key and what is allowed. A typo must never
 * silently disable a rule (or silently keep one running).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { parse, TomlError } from 'smol-toml';
import { tomlErrorText, typeName } from './cargo.js';
import type { AnalyzerConfig } from './config.js';
import { isHeader } from './discover.js';
import { UsageError } from './errors.js';
import { SEVERITY_RANK, type Severity } from './findings.js';
import { globMatcher, globProblem } from './glob.js';
import { didYouMean, RULE_LEVELS, ruleLevelProblem, ruleList, ruleProblem, type RuleLevel } from './rule-levels.js';

export { didYouMean, parseRuleOption, RULE_LEVELS, type RuleLevel } from './rule-levels.js';

export const CONFIG_FILE_NAME = 'ffiguard.toml';

export interface ProjectConfig {
  /** Absolute path of the file read. */
  file: string;
  /** The table holding the settings: undefined for ffiguard.toml, else `package.metadata.ffiguard` or `workspace.metadata.ffiguard`. */
  table?: string;
  /** `[rules]`: level by rule id, only for the rules it names. */
  rules: Map<string, RuleLevel>;
  /** Globs relative to the file's directory. */
  include: string[];
  exclude: string[];
  /** Absolute paths of extra C headers. */
  headers: string[];
  /** Names added to the analyzer's built-in ones (last path segments). */
  names: AnalyzerConfig;
}

/** The lists of names that extend `AnalyzerConfig`, by TOML key. */
const NAME_KEYS = {
  'panic-boundaries': 'panicBoundaries',
  'panic-boundary-attributes': 'panicBoundaryAttributes',
  'null-check-helpers': 'nullCheckHelpers',
  'timeout-helpers': 'timeoutHelpers',
} as const satisfies Record<string, keyof AnalyzerConfig>;

type NameKey = keyof typeof NAME_KEYS;

/** Every top-level key, in the order `ffiguard init` writes them. */
export const CONFIG_KEYS = ['include', 'exclude', 'headers', ...(Object.keys(NAME_KEYS) as NameKey[]), 'rules'] as const;

/** Finds and reads the configuration for a scan of `paths`; undefined when there is none. */
export function loadProjectConfig(opts: { paths: string[]; cwd: string; configFile?: string }): ProjectConfig | undefined {
  if (opts.configFile !== undefined) {
    const file = resolve(opts.cwd, opts.configFile);
    let isFile = false;
    try {
      isFile = statSync(file).isFile();
    } catch {
      throw new UsageError(`--config ${opts.configFile}: no such file`);
    }
    if (!isFile) throw new UsageError(`--config ${opts.configFile}: not a file`);
    if (basename(file) === 'Cargo.toml') {
      const found = cargoMetadata(file, opts.cwd);
      if (!found) throw new UsageError(`--config ${opts.configFile}: it has no [package.metadata.ffiguard] or [workspace.metadata.ffiguard] table`);
      return validate(found.value, file, opts.cwd, found.table);
    }
    return validate(readToml(file, opts.cwd), file, opts.cwd);
  }
  let start = resolve(opts.cwd, opts.paths[0] ?? '.');
  try {
    if (!statSync(start).isDirectory()) start = dirname(start);
  } catch {
    return undefined;
  }
  const top = repositoryRoot(start);
  for (let dir = start; ; dir = dirname(dir)) {
    const own = join(dir, CONFIG_FILE_NAME);
    if (existsSync(own)) return validate(readToml(own, opts.cwd), own, opts.cwd);
    const manifest = join(dir, 'Cargo.toml');
    if (existsSync(manifest)) {
      const found = cargoMetadata(manifest, opts.cwd);
      if (found) return validate(found.value, manifest, opts.cwd, found.table);
    }
    if (dir === top || dirname(dir) === dir) return undefined;
  }
}

function repositoryRoot(start: string): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

type Table = Record<string, unknown>;

const isTable = (v: unknown): v is Table => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

function readToml(file: string, cwd: string): Table {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${shown(file, cwd)}: ${code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (code ?? String(e))}`);
  }
  try {
    return parse(text);
  } catch (e) {
    if (!(e instanceof TomlError)) throw e;
    throw new UsageError(`${shown(file, cwd)}:${tomlErrorText(e)}`);
  }
}

/** The ffiguard table of a Cargo.toml, if it has one. Both tables in one file would be ambiguous: an error. */
function cargoMetadata(manifest: string, cwd: string): { table: string; value: unknown } | undefined {
  const doc = readToml(manifest, cwd);
  const found = (['package', 'workspace'] as const).flatMap((section) => {
    const metadata = isTable(doc[section]) ? (doc[section] as Table).metadata : undefined;
    return isTable(metadata) && 'ffiguard' in metadata ? [{ table: `${section}.metadata.ffiguard`, value: metadata.ffiguard }] : [];
  });
  if (found.length > 1) throw new UsageError(`${shown(manifest, cwd)}: both [package.metadata.ffiguard] and [workspace.metadata.ffiguard] are present; keep one`);
  return found[0];
}

/** Checks every key and value of a configuration table. `table` is its dotted path in the file, if it is not the whole file. */
function validate(value: unknown, file: string, cwd: string, table?: string): ProjectConfig {
  const where = shown(file, cwd);
  const key = (k: string): string => (table ? `${table}.${k}` : k);
  const fail = (message: string): never => {
    throw new UsageError(`${where}: ${message}`);
  };
  if (!isTable(value)) return fail(`\`${table}\` must be a table, not ${typeName(value)}; keys: ${CONFIG_KEYS.join(', ')}`);
  const config: ProjectConfig = {
    file,
    table,
    rules: new Map(),
    include: [],
    exclude: [],
    headers: [],
    names: { panicBoundaries: [], panicBoundaryAttributes: [], nullCheckHelpers: [], timeoutHelpers: [] },
  };
  const strings = (k: string, v: unknown, example: string): string[] => {
    const expected = `an array of strings, e.g. ${k} = ${example}`;
    if (!Array.isArray(v)) return fail(`\`${key(k)}\` must be ${expected}, not ${typeName(v)}`);
    return v.map((item, i) => (typeof item === 'string' ? item : fail(`\`${key(k)}[${i}]\` must be a string, not ${typeName(item)}; \`${key(k)}\` is ${expected}`)));
  };
  for (const [k, v] of Object.entries(value)) {
    if (k === 'rules') config.rules = ruleLevels(v, key('rules'), fail);
    else if (k === 'include' || k === 'exclude') {
      config[k] = strings(k, v, '["src/**"]');
      config[k].forEach((g, i) => {
        const problem = globProblem(g);
        if (problem) fail(`\`${key(k)}[${i}]\` "${g}" is not a usable glob: ${problem}; globs use \`*\`, \`**\`, \`?\`, \`[abc]\`, \`{a,b}\``);
      });
    } else if (k === 'headers') {
      config.headers = strings(k, v, '["include/mylib.h"]').map((h, i) => {
        const abs = resolve(dirname(file), h);
        if (!isHeader(abs)) fail(`\`${key(k)}[${i}]\` "${h}" is not a C header; expected a .h, .hh, .hpp or .hxx file`);
        if (!existsSync(abs)) fail(`\`${key(k)}[${i}]\`: no such file "${h}" (paths are relative to the directory of ${basename(file)})`);
        if (!statSync(abs).isFile()) fail(`\`${key(k)}[${i}]\`: "${h}" is not a file`);
        return abs;
      });
    } else if (k in NAME_KEYS) {
      config.names[NAME_KEYS[k as NameKey]] = strings(k, v, '["my_guard"]').map((name, i) => {
        const last = lastSegment(name);
        if (!last) fail(`\`${key(k)}[${i}]\` "${name}" is not a Rust name; expected a macro, function or attribute name such as "ffi_guard" or "my_crate::ffi_guard"`);
        return last!;
      });
    } else fail(`unknown key \`${key(k)}\`${didYouMean(k, CONFIG_KEYS)}; keys: ${CONFIG_KEYS.join(', ')}`);
  }
  return config;
}

function ruleLevels(v: unknown, at: string, fail: (message: string) => never): Map<string, RuleLevel> {
  const levels = new Map<string, RuleLevel>();
  if (!isTable(v)) return fail(`\`${at}\` must be a table of rule id = level, not ${typeName(v)}; levels: ${RULE_LEVELS.join(', ')}`);
  for (const [id, level] of Object.entries(v)) {
    const problem = ruleProblem(id, ` in [${at}]`);
    if (problem) fail(`${problem}${ruleList()}`);
    if (typeof level !== 'string') fail(`\`${at}.${id}\` must be a string, not ${typeName(level)}; levels: ${RULE_LEVELS.join(', ')}`);
    const levelProblem = ruleLevelProblem(level as string);
    if (levelProblem) fail(`${levelProblem} for \`${at}.${id}\`; levels: ${RULE_LEVELS.join(', ')}`);
    levels.set(id, level as RuleLevel);
  }
  return levels;
}

/** `my_crate::ffi_guard!` → `ffi_guard`; undefined when that is not an identifier. */
function lastSegment(name: string): string | undefined {
  const last = name.trim().replace(/^#\[|\]$/g, '').replace(/!$/, '').split('::').pop()!.trim();
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(last) ? last : undefined;
}

/** A path as the user would write it: relative to the working directory when below it. */
function shown(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/** The analyzer's names: the built-in ones (or those given) plus the configured ones. */
export function withConfiguredNames(base: AnalyzerConfig, config: ProjectConfig | undefined): AnalyzerConfig {
  if (!config) return base;
  const merged = { ...base };
  for (const k of Object.values(NAME_KEYS)) merged[k] = [...new Set([...base[k], ...config.names[k]])];
  return merged;
}

/** Whether a scanned file passes `include` and `exclude`. */
export function fileFilter(config: ProjectConfig | undefined): (file: string) => boolean {
  if (!config || (config.include.length === 0 && config.exclude.length === 0)) return () => true;
  const dir = dirname(config.file);
  const included = config.include.length > 0 ? globMatcher(config.include) : () => true;
  const excluded = globMatcher(config.exclude);
  return (file) => {
    const rel = relative(dir, file).split(sep).join('/');
    return included(rel) && !excluded(rel);
  };
}

/**
 * The severity of a finding a rule reported at `reported` (the rule's default being `ruleDefault`)
 * once the rule is configured at `level`. Restating the default changes nothing. Lowering the level
 * caps every finding at it. Raising it lifts the findings at the default level (and keeps those the
 * rule raised further, e.g. `lock-unwrap` inside an FFI function, if they are higher still), while
 * the findings a rule deliberately reports below its default (a `header-signature-mismatch` note
 * about a type ffiguard cannot map) keep their lower level: min(their level, configured level).
 */
export function configuredSeverity(reported: Severity, ruleDefault: Severity, level: Severity): Severity {
  const rank = SEVERITY_RANK;
  if (rank[level] < rank[ruleDefault]) return rank[reported] < rank[level] ? reported : level;
  if (rank[reported] < rank[ruleDefault]) return reported;
  return rank[reported] > rank[level] ? reported : level;
}
