// The benchmark (issue 6): ffiguard against the tree-sitter parse floor and ast-grep, on generated
// Cargo workspaces and on real repositories, plus a memory soak of repeated scans in one process.
//
//   npm run bench                                  # 1,000,000 lines per mix, 3 repetitions, soak
//   npm run bench -- --lines 100000 --reps 2       # a quick run
//   npm run bench -- /tmp/real/wasmtime DIR ...    # real repositories too (scanned in a copy)
//   node scripts/bench.mjs --help                  # every option
//
// Prints markdown tables and writes bench-results.json (machine, options, every raw time). Times are
// wall-clock seconds of a whole process (Node start-up included), measured from here. Each repetition
// runs every measure once, one after the other ("paired"), so a machine that slows down for a while
// slows every measure of that repetition rather than one row.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateWorkspace, MIXES } from './bench/corpus.mjs';
import { countLines, rustFiles } from './bench/rust-files.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.dirname(HERE);

const HELP = `usage: node scripts/bench.mjs [options] [DIR...]

DIR...                   real repositories to benchmark too (each is copied first, target/ left out)
--lines N                lines of Rust per generated workspace (default 1000000)
--mix NAMES              generated mixes, comma-separated: ${Object.keys(MIXES).join(', ')} (default both; "none" for none)
--reps N                 timed repetitions of every measure (default 3)
--jobs N                 worker count J for ffiguard --jobs, the parse floor and ast-grep (default: cores)
--seed N                 corpus seed (default 1)
--soak-lines N           size of the soak workspace (default 100000)
--soak-iterations N      scans in the soak (default 50)
--soak-jobs N            jobs option of the soak's scan() (default 1)
--no-soak                skip the memory soak
--ffiguard DIR           the ffiguard checkout to measure (default: this one; it must be built)
--out FILE               results file (default bench-results.json in the repository)
--keep                   keep the work directory (generated corpora, copies, outputs)`;

function options() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      lines: { type: 'string', default: '1000000' },
      mix: { type: 'string', default: Object.keys(MIXES).join(',') },
      reps: { type: 'string', default: '3' },
      jobs: { type: 'string', default: String(os.availableParallelism()) },
      seed: { type: 'string', default: '1' },
      'soak-lines': { type: 'string', default: '100000' },
      'soak-iterations': { type: 'string', default: '50' },
      'soak-jobs': { type: 'string', default: '1' },
      'no-soak': { type: 'boolean', default: false },
      ffiguard: { type: 'string', default: REPO },
      out: { type: 'string', default: path.join(REPO, 'bench-results.json') },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const int = (name) => {
    const n = Number(values[name]);
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} expects a whole number ≥ 1, got ${values[name]}`);
    return n;
  };
  const mixes = values.mix === 'none' ? [] : values.mix.split(',').map((m) => m.trim());
  for (const m of mixes) if (!(m in MIXES)) throw new Error(`--mix: unknown mix ${m}; known: ${Object.keys(MIXES).join(', ')}`);
  return {
    lines: int('lines'),
    mixes,
    reps: int('reps'),
    jobs: int('jobs'),
    seed: int('seed'),
    soak: values['no-soak'] ? null : { lines: int('soak-lines'), iterations: int('soak-iterations'), jobs: int('soak-jobs') },
    ffiguard: path.resolve(values.ffiguard),
    out: path.resolve(values.out),
    keep: values.keep,
    dirs: positionals.map((d) => path.resolve(d)),
  };
}

// ---------------------------------------------------------------------------------------------------
// What this machine and these tools can do.

function machine() {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    availableParallelism: os.availableParallelism(),
    ramGB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverageAtStart: os.loadavg().map((l) => +l.toFixed(2)),
  };
}

function gitDescribe(dir) {
  const git = (...args) => spawnSync('git', ['-C', dir, ...args], { encoding: 'utf8' });
  const head = git('rev-parse', '--short', 'HEAD');
  if (head.status !== 0) return null;
  const dirty = git('status', '--porcelain', '--untracked-files=no').stdout.trim() !== '';
  // The last commit that changed the analyzer itself: what the figures describe, whatever came after.
  const engine = git('log', '-1', '--format=%h', '--', 'src', 'rules', 'bin').stdout.trim();
  return { commit: head.stdout.trim(), engineCommit: engine, subject: git('log', '-1', '--format=%s').stdout.trim(), dirty };
}

/**
 * The scan flags this ffiguard has. `--jobs`, `--no-cache` and `--cache-dir` arrive with the engine
 * performance work; before it the warm and edited rows cannot be measured and are skipped.
 */
function ffiguardFlags(bin) {
  const help = spawnSync(process.execPath, [bin, 'scan', '--help'], { encoding: 'utf8' });
  if (help.status !== 0) throw new Error(`${bin} scan --help failed (is ffiguard built? npm run build):\n${help.stderr}`);
  return { jobs: help.stdout.includes('--jobs'), noCache: help.stdout.includes('--no-cache'), cacheDir: help.stdout.includes('--cache-dir') };
}

function astGrep() {
  const bin = path.join(REPO, 'node_modules', '.bin', process.platform === 'win32' ? 'ast-grep.cmd' : 'ast-grep');
  const v = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return v.status === 0 ? { bin, version: v.stdout.trim().replace(/^ast-grep\s+/, ''), config: path.join(HERE, 'bench', 'ast-grep', 'sgconfig.yml') } : null;
}

/**
 * How peak memory (and CPU time) is read. GNU time's %M is the child's peak resident set (getrusage
 * ru_maxrss): for worker threads that is the whole process, workers included; %U + %S is its CPU time.
 * Without GNU time, /proc/PID/status VmHWM is polled (the same peak, read every 50 ms while the
 * process lives) and CPU time is not known.
 */
function rssMethod() {
  const t = spawnSync('/usr/bin/time', ['-f', '%M', 'true'], { encoding: 'utf8' });
  if (t.status === 0 && /^\d+\s*$/.test(t.stderr)) return 'gnu-time';
  return fs.existsSync('/proc/self/status') ? 'proc-vmhwm' : 'none';
}

// ---------------------------------------------------------------------------------------------------
// Running one timed process.

/**
 * Runs `cmd args` to completion: wall-clock seconds, CPU seconds and peak RSS in MB (null when not
 * known), exit code, stderr. CPU time is what to compare between runs on a busy machine: other
 * processes stretch the wall clock, not the work done.
 */
function timed(cmd, args, { cwd, stdoutFile, rss, work }) {
  const stdout = stdoutFile ? fs.openSync(stdoutFile, 'w') : 'ignore';
  const rssFile = path.join(work, 'time.txt');
  const [file, argv] = rss === 'gnu-time' ? ['/usr/bin/time', ['-f', '%M %U %S', '-o', rssFile, cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = running(spawn(file, argv, { cwd, stdio: ['ignore', stdout, 'pipe'], detached: true }));
    let stderr = '';
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    let polledKB = null;
    const poll = rss === 'proc-vmhwm' ? setInterval(() => (polledKB = vmHwmKB(child.pid) ?? polledKB), 50) : null;
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (poll) clearInterval(poll);
      if (typeof stdout === 'number') fs.closeSync(stdout);
      let kb = polledKB;
      let cpuSeconds = null;
      if (rss === 'gnu-time') {
        // The last line: GNU time prefixes "Command exited with non-zero status N" when there is one.
        const [maxKB, user, sys] = fs.readFileSync(rssFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
        fs.rmSync(rssFile, { force: true });
        kb = maxKB;
        cpuSeconds = user + sys;
      }
      resolve({ seconds, cpuSeconds, rssMB: kb === null ? null : Math.round(kb / 1024), code, stderr });
    });
  });
}

function vmHwmKB(pid) {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------------
// The measures. Each runs once per repetition and returns { seconds, rssMB, findings? }.

function measures(corpus, ctx) {
  const { opts, flags, ag } = ctx;
  const bin = path.join(opts.ffiguard, 'bin', 'ffiguard.js');
  const report = path.join(ctx.work, `${corpus.name}.ffiguard.json`);
  const cacheDir = path.join(ctx.work, 'cache', corpus.name);
  // --fail-on none: findings are expected, so any other exit code than 0 is a failure of the run.
  // Never `-o /dev/null`: ffiguard writes reports atomically (temporary file, then rename), which as
  // root would replace /dev/null with a regular file.
  const scanArgs = [bin, 'scan', corpus.dir, '--format', 'json', '--fail-on', 'none', '-o', report, ...(flags.jobs ? ['--jobs', String(opts.jobs)] : [])];
  const warmArgs = [...scanArgs, ...(flags.cacheDir ? ['--cache-dir', cacheDir] : [])];
  const ffiguard = async (args) => {
    const r = await timed(process.execPath, args, { cwd: corpus.dir, rss: ctx.rss, work: ctx.work });
    if (r.code !== 0) throw new Error(`ffiguard exited with ${r.code} on ${corpus.dir}:\n${r.stderr}`);
    const json = JSON.parse(fs.readFileSync(report, 'utf8'));
    return { ...r, findings: json.findings.length, files: json.summary.files };
  };
  const noCaching = flags.noCache ? null : 'this ffiguard has no cache (see the notes)';
  let edits = 0;
  return [
    {
      id: 'floor',
      label: `parse floor (${opts.jobs} worker${opts.jobs > 1 ? 's' : ''})`,
      command: `node scripts/bench/parse-floor.mjs DIR ${opts.jobs}`,
      run: async () => {
        const out = path.join(ctx.work, `${corpus.name}.floor.json`);
        const r = await timed(process.execPath, [path.join(HERE, 'bench', 'parse-floor.mjs'), corpus.dir, String(opts.jobs), path.join(opts.ffiguard, 'dist', 'src', 'parse.js')], { stdoutFile: out, rss: ctx.rss, work: ctx.work });
        if (r.code !== 0) throw new Error(`parse floor failed on ${corpus.dir}:\n${r.stderr}`);
        const floor = JSON.parse(fs.readFileSync(out, 'utf8'));
        return { ...r, files: floor.files, filesWithSyntaxErrors: floor.withErrors };
      },
    },
    {
      id: 'ast-grep',
      label: `ast-grep scan (${opts.jobs} thread${opts.jobs > 1 ? 's' : ''})`,
      command: `ast-grep scan -c scripts/bench/ast-grep/sgconfig.yml --json=stream -j ${opts.jobs} DIR`,
      skip: ag ? null : 'ast-grep is not installed (npm ci installs @ast-grep/cli)',
      run: async () => {
        const out = path.join(ctx.work, `${corpus.name}.ast-grep.jsonl`);
        const r = await timed(ag.bin, ['scan', '-c', ag.config, '--json=stream', '-j', String(opts.jobs), corpus.dir], { cwd: corpus.dir, stdoutFile: out, rss: ctx.rss, work: ctx.work });
        // Exit code 1 means "found error-level matches", which the rules are meant to.
        if (r.code !== 0 && r.code !== 1) throw new Error(`ast-grep exited with ${r.code}:\n${r.stderr}`);
        return { ...r, findings: countLines(fs.readFileSync(out, 'utf8')) };
      },
    },
    {
      id: 'cold',
      label: 'ffiguard cold',
      command: `ffiguard scan DIR --format json${flags.jobs ? ` --jobs ${opts.jobs}` : ''}${flags.noCache ? ' --no-cache' : ''}`,
      run: () => ffiguard(flags.noCache ? [...scanArgs, '--no-cache'] : scanArgs),
    },
    {
      id: 'warm',
      label: 'ffiguard warm (nothing changed)',
      command: `ffiguard scan DIR --format json${flags.jobs ? ` --jobs ${opts.jobs}` : ''} --cache-dir CACHE`,
      skip: noCaching,
      // The cache is primed once before the first repetition (see benchCorpus).
      prime: () => ffiguard(warmArgs),
      run: () => ffiguard(warmArgs),
    },
    {
      id: 'edited',
      label: 'ffiguard warm, 1 file edited',
      command: 'the warm command, after appending a comment line to one FFI file',
      skip: noCaching,
      run: () => {
        // A new line each time, so the file's content hash differs from every earlier run's.
        fs.appendFileSync(corpus.editFile, `// benchmark edit ${++edits}\n`);
        return ffiguard(warmArgs);
      },
    },
    {
      id: 'edited-ordinary',
      label: 'ffiguard warm, 1 ordinary file edited',
      command: 'the warm command, after appending a comment line to a library source (src/) that holds no text a rule or the crate model reads (in the crate of the FFI file, else in the biggest crate that has one)',
      skip: noCaching ?? (corpus.ordinaryFile ? null : 'no crate has a file without trigger text'),
      run: () => {
        fs.appendFileSync(corpus.ordinaryFile, `// benchmark edit ${++edits}\n`);
        return ffiguard(warmArgs);
      },
    },
  ];
}

async function benchCorpus(corpus, ctx) {
  const list = measures(corpus, ctx);
  const results = new Map(list.map((m) => [m.id, []]));
  for (const m of list.filter((m) => !m.skip && m.prime)) {
    log(`${corpus.name}: priming the cache (${m.label})`);
    await m.prime();
  }
  for (let rep = 1; rep <= ctx.opts.reps; rep++) {
    for (const m of list.filter((m) => !m.skip)) {
      const r = await m.run();
      results.get(m.id).push(r);
      log(`${corpus.name}: rep ${rep}/${ctx.opts.reps}: ${m.label}: ${r.seconds.toFixed(2)} s, ${r.rssMB ?? '?'} MB`);
    }
  }
  return summarise(corpus, list, results);
}

// ---------------------------------------------------------------------------------------------------
// Figures.

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function summarise(corpus, list, results) {
  const med = (id) => (results.get(id)?.length ? median(results.get(id).map((r) => r.seconds)) : null);
  const floor = med('floor');
  const ag = med('ast-grep');
  return list.map((m) => {
    const runs = results.get(m.id);
    if (m.skip) return { corpus: corpus.name, measure: m.id, label: m.label, command: m.command, skipped: m.skip };
    const seconds = runs.map((r) => +r.seconds.toFixed(3));
    const mid = median(seconds);
    const rss = runs.map((r) => r.rssMB).filter((x) => x !== null);
    const cpu = runs.map((r) => r.cpuSeconds).filter((x) => x !== null);
    return {
      corpus: corpus.name,
      measure: m.id,
      label: m.label,
      command: m.command,
      seconds,
      median: +mid.toFixed(3),
      min: Math.min(...seconds),
      max: Math.max(...seconds),
      cpuSeconds: cpu.map((c) => +c.toFixed(2)),
      cpuMedian: cpu.length ? +median(cpu).toFixed(2) : null,
      linesPerSecond: Math.round(corpus.lines / mid),
      overFloor: floor ? +(mid / floor).toFixed(2) : null,
      overAstGrep: ag ? +(mid / ag).toFixed(2) : null,
      peakRssMB: rss.length ? Math.max(...rss) : null,
      ...(runs[0].findings !== undefined ? { findings: runs[0].findings } : {}),
      ...(runs[0].files !== undefined ? { files: runs[0].files } : {}),
      ...(runs[0].filesWithSyntaxErrors !== undefined ? { filesWithSyntaxErrors: runs[0].filesWithSyntaxErrors } : {}),
    };
  });
}

const secs = (s) => (s < 10 ? s.toFixed(2) : s.toFixed(1));
const thousands = (n) => n.toLocaleString('en-US');

function corporaTable(corpora) {
  const lines = ['| corpus | crates | .rs files | lines | FFI files |', '| --- | ---: | ---: | ---: | ---: |'];
  for (const c of corpora) lines.push(`| ${c.name} | ${c.crates ?? '–'} | ${thousands(c.files)} | ${thousands(c.lines)} | ${c.ffiFiles ?? '–'} |`);
  return lines.join('\n');
}

function rowsTable(rows) {
  const lines = [
    '| corpus | run | seconds: median (min–max) | CPU s | lines/s | × parse floor | × ast-grep | peak RSS MB | findings |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    if (r.skipped) lines.push(`| ${r.corpus} | ${r.label} | skipped: ${r.skipped} | | | | | | |`);
    else lines.push(`| ${r.corpus} | ${r.label} | ${secs(r.median)} (${secs(r.min)}–${secs(r.max)}) | ${r.cpuMedian === null ? '–' : secs(r.cpuMedian)} | ${thousands(r.linesPerSecond)} | ${r.overFloor?.toFixed(2) ?? '–'} | ${r.overAstGrep?.toFixed(2) ?? '–'} | ${r.peakRssMB ?? '–'} | ${r.findings ?? '–'} |`);
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------
// Corpora.

/**
 * The file edited for the "1 ordinary file edited" run: the first library source (under `src/`, by
 * path) whose text has nothing any rule or the crate model looks for, as ffiguard's own prefilter
 * decides (with every rule, the default configuration), in the crate of the FFI file the other edit
 * touches, else in the biggest crate that has one. What most edits in a big crate are. Undefined when
 * there is none, or this ffiguard has no prefilter.
 */
async function ordinaryFile(corpusDir, editFile, ffiguardDir) {
  const load = (p) => import(path.join(ffiguardDir, 'dist', p));
  let prefilter, rules, config;
  try {
    [{ prefilter }, { ALL_RULES: rules }, { DEFAULT_CONFIG: config }] = await Promise.all([load('src/prefilter.js'), load('rules/index.js'), load('src/config.js')]);
  } catch {
    return undefined;
  }
  const crateOf = (file) => {
    for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
      if (fs.existsSync(path.join(dir, 'Cargo.toml'))) return dir;
      if (path.dirname(dir) === dir) return undefined;
    }
  };
  const crates = new Map();
  for (const f of rustFiles(corpusDir).sort()) {
    const root = crateOf(f);
    if (!root || path.relative(root, f).split(path.sep).includes('target')) continue;
    if (!crates.has(root)) crates.set(root, []);
    crates.get(root).push({ path: f, text: fs.readFileSync(f, 'utf8') });
  }
  const size = (sources) => sources.reduce((n, s) => n + s.text.length, 0);
  const home = crateOf(editFile);
  const order = [...crates.keys()].sort((a, b) => (a === home ? -1 : b === home ? 1 : size(crates.get(b)) - size(crates.get(a)) || (a < b ? -1 : 1)));
  for (const root of order) {
    const library = path.join(root, 'src') + path.sep;
    const file = prefilter(crates.get(root), rules, config).later.find((s) => s.path.startsWith(library))?.path;
    if (file) return file;
  }
  return undefined;
}

function generatedCorpus(mix, lines, opts, work) {
  log(`generating ${mix}, ${thousands(lines)} lines`);
  const g = generateWorkspace(path.join(work, mix), { lines, mix, seed: opts.seed });
  return { name: mix, dir: g.root, crates: g.crates, files: g.files, lines: g.lines, ffiFiles: g.ffiFiles, editFile: g.editFile ?? rustFiles(g.root)[0] };
}

/** A real repository, copied so that the edited run and the cache never touch the original. */
function realCorpus(src, work) {
  const name = path.basename(src);
  const dir = path.join(work, 'real', name);
  log(`copying ${src}`);
  fs.cpSync(src, dir, { recursive: true, filter: (p) => !['target', 'node_modules'].includes(path.basename(p)) });
  const files = rustFiles(dir);
  let lines = 0;
  // The file edited for the "1 file edited" run: one that exports functions to C, else one that
  // defines an extern "C" fn, else the first.
  let exporting;
  let externFn;
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    lines += countLines(text);
    const defines = /extern\s+"C"\s+fn/.test(text);
    if (!exporting && defines && /no_mangle/.test(text)) exporting = f;
    if (!externFn && defines) externFn = f;
  }
  return { name, dir, source: src, files: files.length, lines, editFile: exporting ?? externFn ?? files[0] };
}

// ---------------------------------------------------------------------------------------------------
// Memory soak.

async function soak(opts, work) {
  const dir = path.join(work, 'soak');
  log(`soak: generating ffi-heavy, ${thousands(opts.soak.lines)} lines`);
  const g = generateWorkspace(dir, { lines: opts.soak.lines, mix: 'ffi-heavy', seed: opts.seed });
  const script = path.join(HERE, 'bench', 'soak.mjs');
  const analyze = path.join(opts.ffiguard, 'dist', 'src', 'analyze.js');
  const child = running(spawn(process.execPath, ['--expose-gc', script, dir, String(opts.soak.iterations), String(opts.soak.jobs), analyze], { stdio: ['ignore', 'pipe', 'inherit'], detached: true }));
  const iterations = [];
  let buffered = '';
  child.stdout.on('data', (d) => {
    buffered += d;
    for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
      const it = JSON.parse(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
      iterations.push(it);
      log(`soak: scan ${it.i}/${opts.soak.iterations}: ${it.seconds.toFixed(2)} s, RSS ${it.rssMB} MB, heap used ${it.heapUsedMB} MB`);
    }
  });
  const code = await new Promise((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`the soak exited with ${code}`);
  return { lines: g.lines, files: g.files, iterations: opts.soak.iterations, jobs: opts.soak.jobs, perIteration: iterations };
}

/** One line per series: every 5th value, then first, last, min and max. */
function soakSummary(s) {
  const series = (key) => {
    const xs = s.perIteration.map((it) => it[key]);
    const every5 = xs.filter((_, i) => i === 0 || (i + 1) % 5 === 0).map((x) => Math.round(x));
    return `${every5.join(' ')}  (first ${Math.round(xs[0])}, last ${Math.round(xs.at(-1))}, min ${Math.round(Math.min(...xs))}, max ${Math.round(Math.max(...xs))})`;
  };
  const times = s.perIteration.map((it) => it.seconds);
  return [
    `Memory soak: ${s.iterations} scans of ${thousands(s.lines)} lines (ffi-heavy) in one process, jobs ${s.jobs}, median scan ${secs(median(times))} s`,
    `  RSS MB (scan 1, 5, 10, ...):       ${series('rssMB')}`,
    `  heap used MB (scan 1, 5, 10, ...): ${series('heapUsedMB')}`,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------

/**
 * The child being timed, so that an interrupted benchmark stops it too (see main). Children are
 * spawned detached, each in a process group of its own, so that the whole group (GNU time, the
 * ffiguard under it, its workers) can be stopped at once.
 */
let current = null;
function running(child) {
  current = child;
  child.on('close', () => {
    if (current === child) current = null;
  });
  return child;
}

function log(message) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

async function main() {
  const opts = options();
  const bin = path.join(opts.ffiguard, 'bin', 'ffiguard.js');
  const ctx = { opts, flags: ffiguardFlags(bin), ag: astGrep(), rss: rssMethod(), work: fs.mkdtempSync(path.join(os.tmpdir(), 'ffiguard-bench-')) };
  // Interrupted (Ctrl-C, a timeout's SIGTERM): stop the timed child and leave no corpus behind.
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      if (current) process.kill(-current.pid, 'SIGTERM');
      if (!opts.keep) fs.rmSync(ctx.work, { recursive: true, force: true });
      process.exit(130);
    });
  }
  const info = { machine: machine(), ffiguard: { dir: opts.ffiguard, ...gitDescribe(opts.ffiguard), flags: ctx.flags }, astGrep: ctx.ag?.version ?? null, rssMethod: ctx.rss };
  const notes = [];
  if (!ctx.flags.jobs) notes.push(`this ffiguard has no --jobs flag: it ran as it does by default, while the parse floor and ast-grep used ${opts.jobs} workers`);
  if (!ctx.flags.noCache) notes.push('this ffiguard has no cache (no --no-cache flag): the warm and edited rows were skipped; they are measured once the engine work is merged');
  if (ctx.rss === 'gnu-time') notes.push('CPU s: user + system time (GNU time), median; peak RSS: GNU time %M; both of the whole process, worker threads included');
  else if (ctx.rss === 'proc-vmhwm') notes.push('peak RSS: /proc VmHWM polled every 50 ms, the whole process (worker threads included)');
  try {
    const corpora = [...opts.mixes.map((m) => generatedCorpus(m, opts.lines, opts, ctx.work)), ...opts.dirs.map((d) => realCorpus(d, ctx.work))];
    for (const c of corpora) c.ordinaryFile = await ordinaryFile(c.dir, c.editFile, opts.ffiguard);
    const rows = [];
    for (const c of corpora) rows.push(...(await benchCorpus(c, ctx)));
    const soakResult = opts.soak ? await soak(opts, ctx.work) : null;
    info.machine.loadAverageAtEnd = os.loadavg().map((l) => +l.toFixed(2));

    const m = info.machine;
    const f = info.ffiguard;
    console.log(`\nffiguard ${f.commit ?? '?'}${f.engineCommit && f.engineCommit !== f.commit ? ` (engine ${f.engineCommit})` : ''}${f.dirty ? ' with uncommitted changes' : ''} on ${m.cpu}, ${m.cores} cores, ${m.ramGB} GB, Node ${m.node}; ast-grep ${info.astGrep ?? 'absent'}; J = ${opts.jobs}; ${opts.reps} repetitions\n`);
    console.log(corporaTable(corpora) + '\n');
    console.log(rowsTable(rows) + '\n');
    for (const n of notes) console.log(`- ${n}`);
    if (soakResult) console.log('\n' + soakSummary(soakResult));

    const { ffiguard: _f, out: _o, ...shownOpts } = opts;
    const relative = (f) => (f ? path.relative(ctx.work, f) : null);
    const results = { ...info, options: shownOpts, notes, corpora: corpora.map(({ dir: _d, editFile, ordinaryFile: o, ...c }) => ({ ...c, editFile: relative(editFile), ordinaryFile: relative(o) })), rows, soak: soakResult };
    fs.writeFileSync(opts.out, JSON.stringify(results, null, 1) + '\n');
    log(`wrote ${path.relative(process.cwd(), opts.out) || opts.out}`);
  } finally {
    if (opts.keep) log(`kept ${ctx.work}`);
    else fs.rmSync(ctx.work, { recursive: true, force: true });
  }
}

await main();
