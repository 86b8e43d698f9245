/**
 * The incremental cache: one JSON file per crate holding the fingerprint of every file (mtime, size,
 * content hash) and the crate's findings. A re-scan that finds every fingerprint unchanged reuses the
 * findings without parsing; a changed file re-analyses its crate, unless it is one the analysis never
 * parsed and its edit changed nothing the analysis asked of its text (left-out.ts). Never trees, never code.
 *
 * The key covers everything else a result depends on: ffiguard's own code (a hash of its modules, so
 * a rebuilt checkout never reads stale results), the grammar versions, and the configuration. A cache
 * file that does not parse, has another key or the wrong shape is ignored and overwritten: the cache
 * can be deleted at any time. A cache file is also signed (HMAC-SHA256) with a secret kept outside the
 * scanned tree, in the user's cache directory: a cache file committed into a pull request, or copied
 * from another machine, fails the check and is rebuilt, so it cannot hide or invent findings.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import os from 'node:os';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Finding, Notification, Span } from './findings.js';
import { temporaryFile } from './interrupt.js';
import { isLeftOutRecord, type LeftOutRecord } from './left-out.js';

const FORMAT = 4;

export interface CacheEntry {
  key: string;
  /** When the files were read for this result (ms since the epoch). */
  writtenAt: number;
  /** `hash` is `skipped` for a file over the size limit; `text: false` marks one that is not UTF-8. */
  files: Record<string, { mtimeMs: number; size: number; hash: string; lines?: number; text?: false }>;
  result: { findings: Finding[]; notifications: Notification[]; filesParsed: number; filesNotParsed: number };
  /** What the analysis learnt of the files it never parsed: an edit to one of them may leave the result as it is. */
  leftOut?: LeftOutRecord;
}

/** The cache file of the crate at `root`, inside `dir`. */
export function cacheFile(dir: string, root: string): string {
  return path.join(dir, `${path.basename(root).replace(/[^\w.-]/g, '_')}-${createHash('sha1').update(root).digest('hex').slice(0, 12)}.json`);
}

export async function loadCached(file: string, key: string): Promise<CacheEntry | undefined> {
  const secret = cacheSecret();
  if (!secret) return undefined;
  let data: unknown;
  try {
    // Read and signed as bytes: the body is decoded once, for JSON.parse, and never encoded again to check it.
    const bytes = fs.readFileSync(file);
    const newline = bytes.indexOf(0x0a);
    if (newline < 0) return undefined;
    const mac = Buffer.from(bytes.toString('latin1', 0, newline), 'hex');
    const body = bytes.subarray(newline + 1);
    const expected = sign(secret, body);
    if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return undefined;
    data = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  return toEntry(data, key);
}

/**
 * Findings as the cache stores them: arrays instead of objects, and each file's path once. A warm scan
 * of a big workspace reads tens of thousands of findings, and this halves the time JSON.parse takes.
 *
 * A finding is `[ruleId, severity, message, help or 0, ...span, related, suppression or 0]`, a span is
 * `file, startLine, startColumn, endLine, endColumn` (`file` an index into `paths`), `related` is a flat
 * array of `...span, message` per location, and a suppression is `[kind, justification]`.
 */
interface PackedFindings {
  paths: string[];
  packed: unknown[][];
}

function packFindings(findings: readonly Finding[]): PackedFindings {
  const paths: string[] = [];
  const index = new Map<string, number>();
  const span = (s: Span): unknown[] => {
    let i = index.get(s.file);
    if (i === undefined) index.set(s.file, (i = paths.push(s.file) - 1));
    return [i, s.startLine, s.startColumn, s.endLine, s.endColumn];
  };
  const packed = findings.map((f) => [
    f.ruleId,
    f.severity,
    f.message,
    f.help ?? 0,
    ...span(f.span),
    f.related.flatMap((r) => [...span(r.span), r.message]),
    f.suppression ? [f.suppression.kind, f.suppression.justification] : 0,
  ]);
  return { paths, packed };
}

/** The findings `packFindings` stored, or undefined if they are not what it writes. */
function unpackFindings(data: PackedFindings): Finding[] | undefined {
  const { paths, packed } = data;
  if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string') || !Array.isArray(packed)) return undefined;
  const span = (a: unknown[], at: number): Span | undefined => {
    const file = paths[a[at] as number];
    const startLine = a[at + 1];
    const startColumn = a[at + 2];
    const endLine = a[at + 3];
    const endColumn = a[at + 4];
    if (typeof file !== 'string' || typeof startLine !== 'number' || typeof startColumn !== 'number' || typeof endLine !== 'number' || typeof endColumn !== 'number') return undefined;
    return { file, startLine, startColumn, endLine, endColumn };
  };
  const out: Finding[] = [];
  for (const f of packed) {
    if (!Array.isArray(f) || f.length !== 11) return undefined;
    const ruleId: unknown = f[0];
    const severity: unknown = f[1];
    const message: unknown = f[2];
    const help: unknown = f[3];
    const related: unknown = f[9];
    const suppression: unknown = f[10];
    const at = span(f, 4);
    if (typeof ruleId !== 'string' || (severity !== 'error' && severity !== 'warning' && severity !== 'note') || typeof message !== 'string' || (help !== 0 && typeof help !== 'string') || !at) return undefined;
    if (!Array.isArray(related) || related.length % 6 !== 0) return undefined;
    const locations: Finding['related'] = [];
    for (let i = 0; i < related.length; i += 6) {
      const where = span(related, i);
      const text: unknown = related[i + 5];
      if (!where || typeof text !== 'string') return undefined;
      locations.push({ span: where, message: text });
    }
    // Keys in the order a rule writes them (a finding without help has no `help` key).
    const finding: Finding = help === 0 ? { ruleId, severity, span: at, message, related: locations } : { ruleId, severity, span: at, message, help: help as string, related: locations };
    if (suppression !== 0) {
      const [kind, justification] = Array.isArray(suppression) ? (suppression as unknown[]) : [];
      if ((kind !== 'comment' && kind !== 'attribute') || typeof justification !== 'string') return undefined;
      finding.suppression = { kind, justification };
    }
    out.push(finding);
  }
  return out;
}

/** Written to a temporary file and renamed; a cache that cannot be written (read-only checkout) is not an error. */
export async function saveCached(file: string, entry: CacheEntry): Promise<void> {
  const secret = cacheSecret();
  if (!secret) return;
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const done = temporaryFile(tmp);
  try {
    await fsp.mkdir(path.dirname(file), { recursive: true });
    sweepTemporaries(path.dirname(file));
    const body = JSON.stringify({ format: FORMAT, ...entry, result: { ...entry.result, findings: undefined, ...packFindings(entry.result.findings) } });
    await fsp.writeFile(tmp, `${sign(secret, body).toString('hex')}\n${body}`);
    await fsp.rename(tmp, file);
  } catch {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
  } finally {
    done();
  }
}

const swept = new Set<string>();
/** A temporary file this old was left by a scan that was killed (in a worker, signals cannot clean up). */
const STALE_MS = 10 * 60 * 1000;

/** Removes, once per directory and process, the cache's temporary files that interrupted scans left behind. */
function sweepTemporaries(dir: string): void {
  if (swept.has(dir)) return;
  swept.add(dir);
  try {
    for (const name of fs.readdirSync(dir)) {
      if (!/\.json\.\d+\.[0-9a-f]{12}\.tmp$/.test(name)) continue;
      const p = path.join(dir, name);
      if (Date.now() - fs.statSync(p).mtimeMs > STALE_MS) fs.rmSync(p, { force: true });
    }
  } catch {
    // A file removed meanwhile, or a directory that cannot be listed: nothing to clean.
  }
}

function sign(secret: Buffer, body: string | Buffer): Buffer {
  return createHmac('sha256', secret).update(body).digest();
}

/**
 * This user's signing key, created on first use in `$XDG_CACHE_HOME/ffiguard` (or `~/.cache/ffiguard`),
 * readable by the user only. Undefined (no caching) when that directory cannot be written.
 */
export function cacheSecret(): Buffer | undefined {
  if (secret !== undefined) return secret ?? undefined;
  const dir = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'ffiguard');
  const file = path.join(dir, 'cache-key');
  try {
    const existing = fs.readFileSync(file);
    if (existing.length >= 32) return (secret = existing);
  } catch {
    // Not there yet.
  }
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const fresh = randomBytes(32);
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, fresh, { mode: 0o600 });
    // Another process may have created one meanwhile: keep whichever landed, and use that one.
    try {
      fs.linkSync(tmp, file);
    } catch {
      // exists
    }
    fs.rmSync(tmp, { force: true });
    const landed = fs.readFileSync(file);
    return (secret = landed.length >= 32 ? landed : null) ?? undefined;
  } catch {
    secret = null;
    return undefined;
  }
}
let secret: Buffer | null | undefined;

/** What the tool itself contributes to every cache key: its code and the grammars it parses with. */
export function toolFingerprint(): string {
  toolHash ??= computeToolHash();
  return toolHash;
}
let toolHash: string | undefined;

function computeToolHash(): string {
  const hash = createHash('sha1');
  // This module lives in src/ (tests) or dist/src/ (installed); the analysis code is src/ and rules/ beside it.
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const dir of [here, path.join(here, '..', 'rules')]) {
    for (const file of listFiles(dir)) hash.update(file.slice(here.length)).update(fs.readFileSync(file));
  }
  for (const pkg of ['tree-sitter', 'tree-sitter-rust', 'tree-sitter-c']) hash.update(`${pkg}@${packageVersion(here, pkg)}`);
  return hash.digest('hex');
}

/** The version of an installed package, read from the nearest `node_modules` above `from` (read, never loaded). */
function packageVersion(from: string, pkg: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    try {
      return (JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      if (path.dirname(dir) === dir) return '?';
    }
  }
}

function listFiles(dir: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p));
    else if (/\.(js|ts|scm)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The entry `data` holds (its findings unpacked), or undefined if it is not one this version wrote for `key`. */
function toEntry(data: unknown, key: string): CacheEntry | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const d = data as Record<string, unknown>;
  if (d.format !== FORMAT || d.key !== key || typeof d.writtenAt !== 'number' || typeof d.files !== 'object' || d.files === null) return undefined;
  for (const f of Object.values(d.files as Record<string, unknown>)) {
    const v = f as Record<string, unknown> | null;
    if (!v || typeof v.mtimeMs !== 'number' || typeof v.size !== 'number' || typeof v.hash !== 'string') return undefined;
  }
  const r = d.result as (Record<string, unknown> & PackedFindings) | null;
  if (!r || !Array.isArray(r.notifications) || typeof r.filesParsed !== 'number' || typeof r.filesNotParsed !== 'number') return undefined;
  if (!r.notifications.every((n) => typeof (n as Notification)?.message === 'string')) return undefined;
  const findings = unpackFindings(r);
  if (!findings) return undefined;
  if (d.leftOut !== undefined && !isLeftOutRecord(d.leftOut)) return undefined;
  return {
    key,
    writtenAt: d.writtenAt,
    files: d.files as CacheEntry['files'],
    result: { findings, notifications: r.notifications as Notification[], filesParsed: r.filesParsed, filesNotParsed: r.filesNotParsed },
    ...(d.leftOut ? { leftOut: d.leftOut } : {}),
  };
}
