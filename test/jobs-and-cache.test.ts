/**
 * The worker pool and the incremental cache change how fast a scan is, never what it reports: the
 * whole fixture tree gives byte-identical reports with one job or two, cold or warm, and the cache
 * notices every change that matters and distrusts every cache file it did not write.
 *
 * Worker threads run the built JavaScript, so these tests run the built CLI (`npm test` builds first).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { scan } from '../src/analyze.js';
import { renderReport } from '../src/report/index.js';
import { defaultJobs, jobsFor } from '../src/pool.js';

const REPO = path.resolve(import.meta.dirname, '..');
const BIN = path.join(REPO, 'bin', 'ffiguard.js');
const run = promisify(execFile);

let work: string;
let tree: string;

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, FFIGUARD_NO_CACHE: '', XDG_CACHE_HOME: path.join(work, 'xdg') };
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd: tree, env, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** The SARIF report without the fields that time a run. */
const stable = (sarif: string): string => sarif.replace(/"(startTimeUtc|endTimeUtc)": "[^"]*"/g, '"$1": "-"');

beforeAll(() => {
  process.env.XDG_CACHE_HOME = path.join(os.tmpdir(), `ffiguard-xdg-${process.pid}`);
  expect(fs.existsSync(path.join(REPO, 'dist', 'src', 'scan-worker.js')), 'run `npm run build` first (npm test does)').toBe(true);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'ffiguard-jobs-'));
  tree = path.join(work, 'fixtures');
  fs.cpSync(path.join(REPO, 'fixtures'), tree, { recursive: true });
  fs.rmSync(path.join(tree, 'demo-crate', 'target'), { recursive: true, force: true });
});

describe('reports do not depend on the number of jobs or on the cache', () => {
  it('cold with 1 and 2 jobs, warm with 2 and 1, and after an edit: byte-identical, and what the in-process scan finds', async () => {
    // With the suppressed findings too: the cache must keep every part of a finding.
    const cache = path.join(work, 'cache');
    const cold1 = await cli('scan', '.', '--format', 'sarif', '--include-suppressed', '--jobs', '1', '--no-cache');
    const cold2 = await cli('scan', '.', '--format', 'sarif', '--include-suppressed', '--jobs', '2', '--cache-dir', cache);
    const warm2 = await cli('scan', '.', '--format', 'sarif', '--include-suppressed', '--jobs', '2', '--cache-dir', cache);
    const warm1 = await cli('scan', '.', '--format', 'sarif', '--include-suppressed', '--jobs', '1', '--cache-dir', cache);
    for (const r of [cold1, cold2, warm2, warm1]) {
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('');
    }
    const results = JSON.parse(cold1.stdout).runs[0].results as { suppressions?: unknown[]; relatedLocations?: unknown[] }[];
    expect(results.length).toBeGreaterThan(100);
    expect(results.filter((r) => r.suppressions).length).toBeGreaterThan(10);
    expect(results.filter((r) => r.relatedLocations).length).toBeGreaterThan(100);
    expect(stable(cold2.stdout)).toBe(stable(cold1.stdout));
    expect(stable(warm2.stdout)).toBe(stable(cold1.stdout));
    expect(stable(warm1.stdout)).toBe(stable(cold1.stdout));

    const inProcess = await scan({ paths: ['.'], cwd: tree, jobs: 1 });
    const compact = await cli('scan', '.', '--format', 'compact', '--jobs', '2', '--cache-dir', cache);
    expect(compact.stdout).toBe(renderReport('compact', inProcess, { color: false, version: '0' }));
  }, 120_000);

  it('says in the summary how many crates came from the cache, and re-analyses only the crate that changed', async () => {
    const cache = path.join(work, 'cache-summary');
    const first = await cli('scan', '.', '--jobs', '2', '--cache-dir', cache);
    expect(first.stdout).not.toMatch(/unchanged since the cached scan/);
    const again = await cli('scan', '.', '--jobs', '2', '--cache-dir', cache);
    expect(again.stdout).toMatch(/\(\d+\.\d\ds, all \d+ crates unchanged since the cached scan\)$/m);
    expect(again.stdout.replace(/\(.*\)\n$/, '')).toBe(first.stdout.replace(/\(.*\)\n$/, ''));

    const lib = path.join(tree, 'demo-crate', 'src', 'lib.rs');
    const before = fs.readFileSync(lib, 'utf8');
    try {
      fs.appendFileSync(lib, '\n#[no_mangle]\npub extern "C" fn kv_added_later(p: *const u8) -> u8 {\n    unsafe { *p }\n}\n');
      const edited = await cli('scan', '.', '--jobs', '2', '--cache-dir', cache);
      expect(edited.stdout).toMatch(/parameter `p` of `kv_added_later` is dereferenced/);
      const [, unchanged, all] = /, (\d+) of (\d+) crates unchanged since the cached scan\)$/m.exec(edited.stdout) ?? [];
      expect(Number(all) - Number(unchanged)).toBe(1);
      fs.writeFileSync(lib, before);
      const restored = await cli('scan', '.', '--jobs', '2', '--cache-dir', cache);
      expect(restored.stdout).toMatch(new RegExp(`, ${unchanged} of ${all} crates unchanged since the cached scan\\)$`, 'm'));
      expect(restored.stdout).not.toMatch(/kv_added_later/);
      expect(restored.stdout).toBe(again.stdout.replace(/, all \d+ crates/, `, ${unchanged} of ${all} crates`).replace(/\(\d+\.\d\ds/, restored.stdout.match(/\(\d+\.\d\ds/)![0]));
    } finally {
      fs.writeFileSync(lib, before);
    }
  }, 120_000);
});

describe('an edit to a file the analysis never parsed', () => {
  /**
   * A crate whose lib.rs exports two functions: one calls a helper in helpers.rs (parsed when the call
   * is followed), one calls `decode_len`, which no file defines yet. util.rs has no text any rule or
   * the model needs, and nothing calls into it: the prefilter leaves it out and nothing parses it.
   */
  function crate(): { dir: string; util: string; helpers: string } {
    const dir = fs.mkdtempSync(path.join(work, 'left-out-'));
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(path.join(dir, 'Cargo.toml'), '[package]\nname = "lo"\nversion = "0.1.0"\nedition = "2021"\n');
    fs.writeFileSync(
      path.join(dir, 'src', 'lib.rs'),
      'mod helpers;\nmod util;\n\n#[no_mangle]\npub extern "C" fn parse_it(n: u32) -> u32 {\n    helpers::parse_number(n)\n}\n\n#[no_mangle]\npub extern "C" fn length_of(n: u32) -> u32 {\n    decode_len(n)\n}\n',
    );
    const helpers = path.join(dir, 'src', 'helpers.rs');
    fs.writeFileSync(helpers, 'pub fn parse_number(n: u32) -> u32 {\n    n.to_string().parse().unwrap()\n}\n');
    const util = path.join(dir, 'src', 'util.rs');
    fs.writeFileSync(util, 'pub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n');
    return { dir, util, helpers };
  }
  const scanned = async (dir: string, cache: boolean) => {
    const result = await scan({ paths: [dir], cwd: dir, jobs: 1, cache });
    return { report: renderReport('compact', result, { color: false, version: '0' }).replace(/\(.*\)\n$/, ''), cached: result.cratesCached ?? 0 };
  };
  /** Edits `file`, scans with the cache, and checks the findings are those of a scan without it. */
  async function edit(dir: string, file: string, text: string): Promise<{ cached: number; report: string }> {
    fs.writeFileSync(file, text);
    const warm = await scanned(dir, true);
    expect(warm.report).toBe((await scanned(dir, false)).report);
    return warm;
  }

  it('keeps the cached findings when the edit changes nothing the analysis asked of the file', async () => {
    const c = crate();
    const cold = await scanned(c.dir, true);
    expect(cold.cached).toBe(0);
    expect(cold.report).toMatch(/parse_it/);
    const body = await edit(c.dir, c.util, '// Sums.\npub fn add(a: u32, b: u32) -> u32 {\n    let s = a.wrapping_add(b);\n    s\n}\n');
    expect(body.cached).toBe(1);
    expect(body.report).toBe(cold.report);
    // The edit is recorded: the next scan need not read the file again.
    expect((await scanned(c.dir, true)).cached).toBe(1);
    const comment = await edit(c.dir, c.util, fs.readFileSync(c.util, 'utf8') + '// more\n');
    expect(comment.cached).toBe(1);
  });

  it('analyses the crate again when the file now holds what a rule or the model reads', async () => {
    const c = crate();
    await scanned(c.dir, true);
    // An export: the prefilter's trigger.
    const exported = await edit(c.dir, c.util, '#[no_mangle]\npub extern "C" fn first(v: *const u32) -> u32 {\n    unsafe { *v }\n}\n');
    expect(exported.cached).toBe(0);
    expect(exported.report).toMatch(/ffi-null-deref/);
  });

  it('analyses the crate again when the file now defines a function an export calls', async () => {
    const c = crate();
    const cold = await scanned(c.dir, true);
    expect(cold.report).not.toMatch(/length_of/);
    const defined = await edit(c.dir, c.util, 'pub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n\npub fn decode_len(n: u32) -> u32 {\n    [1u32, 2][n as usize]\n}\n');
    expect(defined.cached).toBe(0);
    expect(defined.report).toMatch(/length_of/);
  });

  it('analyses the crate again when the edited file was parsed to follow a call', async () => {
    const c = crate();
    const cold = await scanned(c.dir, true);
    expect(cold.report).toMatch(/`\.unwrap\(\)`/);
    const fixed = await edit(c.dir, c.helpers, 'pub fn parse_number(n: u32) -> u32 {\n    n.to_string().parse().unwrap_or(0)\n}\n');
    expect(fixed.cached).toBe(0);
    expect(fixed.report).not.toMatch(/parse_it/);
  });

  it('analyses the crate again when the file is no longer UTF-8', async () => {
    const c = crate();
    await scanned(c.dir, true);
    fs.writeFileSync(c.util, Buffer.from([0x66, 0x6e, 0xff, 0xfe, 0x0a]));
    const result = await scan({ paths: [c.dir], cwd: c.dir, jobs: 1, cache: true });
    expect(result.cratesCached ?? 0).toBe(0);
    expect(result.notifications.map((n) => n.message)).toContainEqual(expect.stringMatching(/not valid UTF-8/));
  });
});

describe('the cache trusts only what this user wrote for this exact input', () => {
  /** A one-crate tree with a fresh cache directory. */
  function crate(): { dir: string; cache: string; lib: string } {
    const dir = fs.mkdtempSync(path.join(work, 'crate-'));
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(path.join(dir, 'Cargo.toml'), '[package]\nname = "c"\nversion = "0.1.0"\nedition = "2021"\n');
    const lib = path.join(dir, 'src', 'lib.rs');
    fs.writeFileSync(lib, '#[no_mangle]\npub extern "C" fn read_it(p: *const u8) -> u8 {\n    unsafe { *p }\n}\n');
    return { dir, cache: path.join(dir, 'target', 'ffiguard'), lib };
  }
  /** The scan's findings in compact form, through the same cache code the CLI uses (in this thread, for speed). */
  const findings = async (dir: string, opts: { cache?: boolean; cacheDir?: string; ruleLevels?: Record<string, 'off' | 'note'> } = {}) =>
    renderReport('compact', await scan({ paths: [dir], cwd: dir, jobs: 1, cache: opts.cache ?? true, ...opts }), { color: false, version: '0' });
  const cacheFiles = (cache: string) => fs.readdirSync(cache).filter((f) => f.endsWith('.json')).map((f) => path.join(cache, f));

  it('lives in target/ffiguard/ of the crate by default, and --no-cache neither reads nor writes it', async () => {
    const c = crate();
    await findings(c.dir, { cache: false });
    expect(fs.existsSync(c.cache)).toBe(false);
    const cold = await findings(c.dir);
    expect(cacheFiles(c.cache)).toHaveLength(1);
    expect(cold).toMatch(/read_it/);
  });

  it('a cache file edited by someone else (a pull request can commit one) is ignored: the findings stay', async () => {
    const c = crate();
    const cold = await findings(c.dir);
    const [file] = cacheFiles(c.cache);
    const forged = fs.readFileSync(file!, 'utf8').replace(/"packed":\[.*\]/, '"packed":[]');
    expect(forged).not.toBe(fs.readFileSync(file!, 'utf8'));
    fs.writeFileSync(file!, forged);
    expect(await findings(c.dir)).toBe(cold);
  });

  it('a corrupt, truncated or foreign cache file is ignored and rebuilt', async () => {
    const c = crate();
    const cold = await findings(c.dir);
    const [file] = cacheFiles(c.cache);
    for (const junk of ['', 'not json', fs.readFileSync(file!, 'utf8').slice(0, 100), '{"format":1}', '\u0000\u0001']) {
      fs.writeFileSync(file!, junk);
      expect(await findings(c.dir)).toBe(cold);
      expect(fs.readFileSync(file!, 'utf8').length).toBeGreaterThan(200);
    }
  });

  it('removes the temporary files a killed scan left in the cache directory, once they are old', async () => {
    const c = crate();
    fs.mkdirSync(c.cache, { recursive: true });
    const stale = path.join(c.cache, 'c-0123456789ab.json.4242.00ff00ff00ff.tmp');
    const fresh = path.join(c.cache, 'c-0123456789ab.json.4243.00ff00ff00fe.tmp');
    const foreign = path.join(c.cache, 'notes.tmp');
    for (const f of [stale, fresh, foreign]) fs.writeFileSync(f, 'partial');
    const hourAgo = new Date(Date.now() - 3600_000);
    for (const f of [stale, foreign]) fs.utimesSync(f, hourAgo, hourAgo);
    await findings(c.dir);
    expect([stale, fresh, foreign].map((f) => fs.existsSync(f))).toEqual([false, true, true]);
  });

  it('a change of content, of configuration or of rule levels is never answered from the cache', async () => {
    const c = crate();
    expect(await findings(c.dir)).toMatch(/ffi-null-deref/);
    expect(await findings(c.dir, { ruleLevels: { 'ffi-null-deref': 'off' } })).not.toMatch(/ffi-null-deref/);
    expect(await findings(c.dir)).toMatch(/ffi-null-deref/);
    // Same size, same mtime, different content: the content hash is what decides once size or mtime moved.
    const { mtime } = fs.statSync(c.lib);
    fs.writeFileSync(c.lib, fs.readFileSync(c.lib, 'utf8').replace('read_it', 'read_im'));
    fs.utimesSync(c.lib, mtime, new Date(mtime.getTime() + 1000));
    expect(await findings(c.dir)).toMatch(/read_im/);
    fs.writeFileSync(path.join(c.dir, 'ffiguard.toml'), '[rules]\nffi-null-deref = "note"\n');
    expect(await findings(c.dir)).toMatch(/note: .*read_im/);
  });

  it('an unwritable cache directory only costs the cache', async () => {
    const c = crate();
    const blocked = path.join(c.dir, 'blocked');
    fs.writeFileSync(blocked, 'a file, not a directory');
    expect(await findings(c.dir, { cacheDir: path.join(blocked, 'cache') })).toMatch(/read_it/);
  });
});

describe('the default number of jobs', () => {
  const MiB = 2 ** 20;
  it('is one per core when memory is plentiful', () => {
    expect(jobsFor(2, 24 * 1024 * MiB)).toBe(2);
    expect(jobsFor(16, 24 * 1024 * MiB)).toBe(16);
  });
  it('is fewer when the memory available cannot hold a worker per core, and never less than one', () => {
    expect(jobsFor(16, 1024 * MiB)).toBe(3);
    expect(jobsFor(4, 600 * MiB)).toBe(1);
    expect(jobsFor(4, 0)).toBe(1);
  });
  it('is a whole number from 1 to the core count on this machine', () => {
    const n = defaultJobs();
    expect(Number.isInteger(n) && n >= 1 && n <= os.availableParallelism()).toBe(true);
  });
});
