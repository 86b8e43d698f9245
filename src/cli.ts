/** The `ffiguard` command line: scan | rules | explain. Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or tool error. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { UsageError } from './errors.js';
import { temporaryFile } from './interrupt.js';
import type { ScanResult } from './scan-result.js';
import { parseRuleOption, type RuleLevel } from './rule-levels.js';
import { SEVERITY_RANK, type Severity } from './findings.js';
import { DEFAULT_MAX_FILE_SIZE, DEFAULT_MAX_PARSE_SECONDS } from './limits.js';
import { oneLine } from './report/common.js';
import { loadRenderer, REPORT_FORMATS, type ReportFormat } from './report/formats.js';

// Only what parsing the command line needs is imported here: `--version`, `--help` and usage errors
// answer without loading the scanner, and each command loads what it uses (a scan answered from the
// cache never loads the analysis, see scan.ts).

export const VERSION: string = readOwnVersion();

/** ffiguard's version from its package.json (this module runs from src/ in tests and dist/src/ when installed). */
function readOwnVersion(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'package.json');
    if (fs.existsSync(candidate)) {
      const pkg = JSON.parse(fs.readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'ffiguard' && pkg.version) return pkg.version;
    }
    if (path.dirname(dir) === dir) return '0.0.0';
  }
}

interface ScanFlags {
  format: ReportFormat;
  output?: string;
  failOn: Severity | 'none';
  includeSuppressed?: boolean;
  includeTests?: boolean;
  header?: string[];
  headers?: boolean;
  color?: boolean;
  debug?: boolean;
  baseline?: string;
  writeBaseline?: string;
  category?: string;
  config?: string;
  rule?: [string, RuleLevel][];
  maxFileSize: number;
  maxParseSeconds: number;
  jobs?: number;
  cache: boolean;
  cacheDir?: string;
  followSymlinks?: boolean;
  absolutePaths?: boolean;
}

export async function main(argv: string[], io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; cwd: string } = { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() }): Promise<number> {
  let exitCode = 0;
  const debug = argv.includes('--debug');
  const program = new Command('ffiguard')
    .description('Find FFI hazards in Rust crates that expose a C ABI, without compiling them.')
    .version(VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // A usage error is one line, its suggestion ("Did you mean scan?") and the help hint included.
      outputError: (s, write) => write(`${s.trim().replace(/\s*\n\s*/g, ' ')} (run \`ffiguard --help\` for usage)\n`),
    });

  program
    .command('scan')
    .description('scan crates, workspaces, directories or .rs files (default: the current directory)')
    .argument('[paths...]', 'crate or workspace directories, directories, or .rs files', ['.'])
    .addOption(new Option('-f, --format <format>', 'output format').choices([...REPORT_FORMATS]).default('text'))
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .addOption(new Option('--fail-on <severity>', 'exit with 1 when a finding is at or above this severity').choices(['error', 'warning', 'note', 'none']).default('warning'))
    .option('--baseline <file>', 'report only findings that are not in this baseline (SARIF marks them new, unchanged or absent)')
    .option('--write-baseline <file>', 'record the current findings in a baseline file (then report against it)')
    .option('--category <name>', 'SARIF run category (runAutomationDetails.id), to keep several analyses of one repository apart')
    .option('--include-suppressed', 'also report findings silenced by ffiguard-ignore comments (SARIF marks them suppressed)')
    .option('--include-tests', 'also report findings in test code (tests/, benches/, examples/, build.rs, #[cfg(test)], #[test])')
    .option('--header <files...>', 'C headers that declare the crate\'s C API (added to those found under the crate)')
    .option('--no-headers', 'do not read C headers')
    .option('--no-color', 'never colour text output (colour is used only on a terminal, and never when NO_COLOR is set)')
    .option('--debug', 'print stack traces of internal errors')
    .option('--config <file>', 'read the configuration from this file (default: ffiguard.toml or Cargo.toml metadata, searched upwards)')
    .option('--rule <id=level>', 'set a rule\'s level: off, note, warning or error (repeatable; overrides the configuration)', collectRule, [])
    .option('--max-file-size <bytes>', 'skip (with a warning) files larger than this many bytes', parseByteCount, DEFAULT_MAX_FILE_SIZE)
    .option('--max-parse-seconds <seconds>', 'skip (with a warning) a file whose parse takes longer than this', parseSeconds, DEFAULT_MAX_PARSE_SECONDS)
    .option('-j, --jobs <n>', 'crates analysed in parallel (worker threads; 1: no workers) [default: the number of cores, fewer if memory is short]', parseJobs)
    .option('--no-cache', 'do not read or write the incremental cache (also: environment variable FFIGUARD_NO_CACHE=1)')
    .option('--cache-dir <dir>', 'keep the incremental cache here (default: target/ffiguard/ of each Cargo workspace)')
    .option('--follow-symlinks', 'follow symbolic links that lead out of the scanned directories (loops are still detected)')
    .option('--absolute-paths', 'write absolute paths of this machine into the report (SARIF: where %SRCROOT% is)')
    .action(async (paths: string[], flags: ScanFlags) => {
      exitCode = await runScan(paths, flags, io);
    });

  program
    .command('init')
    .description('write a commented default ffiguard.toml (every rule at its default level)')
    .argument('[dir]', 'directory to write it in', '.')
    .option('--force', 'overwrite an existing ffiguard.toml')
    .action(async (dir: string, flags: { force?: boolean }) => {
      // The rule modules (and what they import) are loaded only by the commands that print them.
      const { writeDefaultConfig } = await import('./config-template.js');
      const file = writeDefaultConfig(path.resolve(io.cwd, dir), !!flags.force);
      io.stdout.write(`ffiguard: wrote ${path.relative(io.cwd, file) || file}\n`);
    });

  program
    .command('rules')
    .description('list every rule with its default severity and summary')
    .action(async () => {
      const { ALL_RULES } = await import('../rules/index.js');
      const width = Math.max(...ALL_RULES.map((r) => r.id.length));
      for (const r of ALL_RULES) io.stdout.write(`${r.id.padEnd(width)}  ${r.severity.padEnd(7)}  ${r.summary}\n`);
    });

  program
    .command('explain')
    .description('print the full documentation of a rule')
    .argument('<rule>', 'rule id, as printed by `ffiguard rules`')
    .action(async (id: string) => {
      const [{ findRule }, { explainText }] = await Promise.all([import('../rules/index.js'), import('./explain.js')]);
      const rule = findRule(id);
      if (!rule) throw new UsageError(`unknown rule \`${id}\` (run \`ffiguard rules\` to list them)`);
      io.stdout.write(explainText(rule) + '\n');
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here too, with their own exit code 0.
      return e.exitCode === 0 ? 0 : 2;
    }
    // Messages name files and quote text from the scanned tree: one line, no terminal controls.
    if (e instanceof UsageError) {
      io.stderr.write(`ffiguard: ${oneLine(e.message)}\n`);
      return 2;
    }
    io.stderr.write(`ffiguard: internal error: ${oneLine((e as Error).message ?? String(e))}${debug ? '\n' + (e as Error).stack : ' (run with --debug for details)'}\n`);
    return 2;
  }
}

async function runScan(paths: string[], flags: ScanFlags, io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; cwd: string }): Promise<number> {
  const [{ scan, ruleObjects }, { progressBar }, render, baselines] = await Promise.all([
    import('./scan.js'),
    import('./progress.js'),
    loadRenderer(flags.format),
    flags.baseline || flags.writeBaseline ? import('./baseline.js') : undefined,
  ]);
  const output = flags.output ? path.resolve(io.cwd, flags.output) : undefined;
  if (output) checkWritable(output);
  // Read before scanning, so that a wrong path fails at once rather than after a long scan.
  const baseline = flags.baseline ? baselines!.readBaseline(path.resolve(io.cwd, flags.baseline), flags.baseline) : undefined;
  const baselineOut = flags.writeBaseline ? path.resolve(io.cwd, flags.writeBaseline) : undefined;
  if (baselineOut) checkWritable(baselineOut, '--write-baseline');
  const bar = progressBar(io.stderr, () => total);
  let total = 0;
  for (const h of flags.header ?? []) checkReadableFile(path.resolve(io.cwd, h), `--header ${h}`);
  let result: ScanResult;
  try {
    result = await scan({
      paths,
      cwd: io.cwd,
      includeSuppressed: flags.includeSuppressed,
      includeTests: flags.includeTests,
      headers: flags.header,
      noHeaders: flags.headers === false,
      configFile: flags.config,
      ruleLevels: Object.fromEntries(flags.rule ?? []),
      maxFileSize: flags.maxFileSize,
      maxParseSeconds: flags.maxParseSeconds,
      jobs: flags.jobs,
      // An explicit --cache-dir wins over FFIGUARD_NO_CACHE; --no-cache wins over both.
      cache: flags.cache && (!!flags.cacheDir || !/^(1|true|yes)$/i.test(process.env.FFIGUARD_NO_CACHE ?? '')),
      cacheDir: flags.cacheDir,
      progress: (files, lines) => bar.update(files, lines),
      onFiles: (n) => (total = n),
      followSymlinks: flags.followSymlinks,
      loadRules: false,
    });
  } finally {
    // Erased even when the scan fails, so that the error does not print on the bar's line.
    bar.done();
  }
  if (baselineOut) {
    const written = baselines!.createBaseline(result, VERSION);
    writeAtomically(baselineOut, baselines!.serializeBaseline(written), '--write-baseline');
    io.stderr.write(`ffiguard: wrote ${written.findings.length} finding(s) to the baseline ${flags.writeBaseline}\n`);
    result = baselines!.applyBaseline(result, baseline ?? written, flags.baseline ?? flags.writeBaseline!);
  } else if (baseline) {
    result = baselines!.applyBaseline(result, baseline, flags.baseline!);
  }
  // Only SARIF prints the rules' documentation: the other formats never load the rule modules for it.
  if (flags.format === 'sarif') result = { ...result, rules: await ruleObjects(result.ruleIds) };
  const color = flags.format === 'text' && !output && flags.color !== false && !process.env.NO_COLOR && (io.stdout as NodeJS.WriteStream).isTTY === true;
  const report = render(result, { color, version: VERSION, category: flags.category, absolutePaths: flags.absolutePaths });
  if (output) writeAtomically(output, report);
  else io.stdout.write(report);
  // Compact output is read line by line by editors: keep notes about unreadable files on stderr.
  if (flags.format === 'compact') io.stderr.write((await import('./report/compact.js')).renderNotifications(result));
  if (flags.format === 'compact' && result.baseline) io.stderr.write(`ffiguard: ${baselines!.baselineSummary(result.baseline)}\n`);
  if (flags.failOn === 'none') return 0;
  const threshold = SEVERITY_RANK[flags.failOn];
  return result.findings.some((f) => !f.suppression && SEVERITY_RANK[f.severity] >= threshold) ? 1 : 0;
}

function collectRule(spec: string, previous: [string, RuleLevel][]): [string, RuleLevel][] {
  return [...previous, parseRuleOption(spec)];
}

function parseByteCount(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)) || Number(value) === 0) throw new InvalidArgumentError('expected a whole number of bytes greater than 0');
  return Number(value);
}

function parseJobs(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 256) throw new InvalidArgumentError('expected a whole number of jobs from 1 to 256');
  return n;
}

function parseSeconds(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(n > 0) || n > 86_400) throw new InvalidArgumentError('expected a number of seconds greater than 0 (at most 86400)');
  return n;
}

/** Checked before the scan, so that a long scan never ends in a report that cannot be written. */
function checkWritable(file: string, flag = '--output'): void {
  // A device or a pipe is written in place (see writeAtomically): it must be writable itself.
  let existing: fs.Stats | undefined;
  try {
    existing = fs.statSync(file);
  } catch {
    // Not there (or its directory is not): the checks below say which.
  }
  if (existing && !existing.isFile() && !existing.isDirectory()) {
    try {
      fs.accessSync(file, fs.constants.W_OK);
      return;
    } catch {
      throw new UsageError(`cannot write ${flag} ${file}: it is not writable`);
    }
  }
  const dir = path.dirname(file);
  let isDir = false;
  try {
    isDir = fs.statSync(dir).isDirectory();
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    throw new UsageError(`cannot write ${flag} ${file}: directory ${dir} does not exist or is not writable`);
  }
  if (!isDir) throw new UsageError(`cannot write ${flag} ${file}: ${dir} is not a directory`);
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) throw new UsageError(`cannot write ${flag} ${file}: it is a directory`);
}

function checkReadableFile(file: string, what: string): void {
  let stats: fs.Stats;
  try {
    stats = fs.statSync(file);
    fs.accessSync(file, fs.constants.R_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`${what}: ${code === 'ENOENT' || code === 'ENOTDIR' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : `cannot read it (${code ?? String(e)})`}`);
  }
  if (!stats.isFile()) throw new UsageError(`${what}: not a file`);
}

/** Write to a temporary file and rename it, so an interrupted run never leaves a truncated report or baseline behind. */
function writeAtomically(file: string, content: string, flag = '--output'): void {
  // A device or a pipe (`-o /dev/null`, `-o /dev/stdout`, a FIFO) is written to, never replaced.
  let special = false;
  try {
    special = !fs.statSync(file).isFile();
  } catch {
    // Does not exist yet: a new regular file.
  }
  if (special) {
    try {
      fs.writeFileSync(file, content);
      return;
    } catch (e) {
      throw new UsageError(`cannot write ${flag} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  const tmp = `${file}.${process.pid}.tmp`;
  const done = temporaryFile(tmp);
  try {
    fs.writeFileSync(tmp, content);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new UsageError(`cannot write ${flag} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  } finally {
    done();
  }
}
