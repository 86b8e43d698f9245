/**
 * `missing-safety-doc` promises to agree with clippy's `missing_safety_doc`; this test holds it to
 * that. Every case under fixtures/missing-safety-doc/ (a `.rs` file becomes the `lib.rs` of a crate,
 * a crate folder is copied) goes into one temporary workspace, `cargo clippy` runs on it once, and
 * the (file, line) pairs clippy reports must be exactly the ones ffiguard reports. The fixtures hold
 * the tricky cases (setext headings, code blocks, re-exports, hidden and allowed modules), so a
 * disagreement on any of them fails here. Skipped, with the reason printed, when clippy is missing.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scan } from '../src/analyze.js';
import { ALL_RULES } from '../rules/index.js';

const CASES = path.resolve(import.meta.dirname, '../fixtures/missing-safety-doc');
const RULE = ALL_RULES.filter((r) => r.id === 'missing-safety-doc');

function clippyUnavailable(): string | null {
  const r = spawnSync('cargo', ['clippy', '--version'], { encoding: 'utf8' });
  if (r.error) return `cargo is not installed (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})`;
  if (r.status !== 0) return `cargo clippy is not available: ${r.stderr.trim().split('\n')[0]}`;
  return null;
}

interface Member {
  /** Folder inside the temporary workspace. */
  dir: string;
  /** The fixture this member was made from (a `.rs` file or a crate folder). */
  source: string;
  /** Workspace-relative file → fixture file. */
  files: Map<string, string>;
}

/** Writes every case into `root` as a workspace member. */
function buildWorkspace(root: string): Member[] {
  const members: Member[] = [];
  for (const entry of fs.readdirSync(CASES).sort()) {
    const source = path.join(CASES, entry);
    const name = entry.replace(/\.rs$/, '').replace(/[^A-Za-z0-9_-]/g, '-');
    if (entry.endsWith('.rs')) {
      const dir = `file-${name}`;
      fs.mkdirSync(path.join(root, dir, 'src'), { recursive: true });
      fs.writeFileSync(path.join(root, dir, 'Cargo.toml'), `[package]\nname = "msd-file-${name}"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n`);
      fs.copyFileSync(source, path.join(root, dir, 'src/lib.rs'));
      members.push({ dir, source, files: new Map([[`${dir}/src/lib.rs`, source]]) });
    } else if (fs.existsSync(path.join(source, 'Cargo.toml'))) {
      const dir = `crate-${name}`;
      const files = new Map<string, string>();
      fs.cpSync(source, path.join(root, dir), { recursive: true, filter: (src) => !/[\\/](target|Cargo\.lock)$/.test(src) });
      for (const rel of fs.readdirSync(source, { recursive: true, encoding: 'utf8' })) {
        if (rel.endsWith('.rs')) files.set(`${dir}/${rel.split(path.sep).join('/')}`, path.join(source, rel));
      }
      members.push({ dir, source, files });
    }
  }
  const list = members.map((m) => JSON.stringify(m.dir)).join(', ');
  fs.writeFileSync(path.join(root, 'Cargo.toml'), `[workspace]\nmembers = [${list}]\nresolver = "2"\n`);
  return members;
}

interface ClippyRun {
  findings: Set<string>;
  errors: string[];
}

/**
 * Plain `cargo clippy` (missing_safety_doc is on by default, in `style`), so each fixture crate's own
 * `[lints.clippy]` table applies as it does for users; findings as `fixture-relative-path:line`.
 */
function runClippy(root: string, members: Member[]): ClippyRun {
  const r = spawnSync(
    'cargo',
    ['clippy', '--workspace', '--offline', '--quiet', '--message-format=json'],
    { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 120_000, env: { ...process.env, CARGO_TARGET_DIR: path.join(root, 'target'), CARGO_TERM_COLOR: 'never' } },
  );
  const byFile = new Map(members.flatMap((m) => [...m.files]));
  const findings = new Set<string>();
  const errors: string[] = [];
  for (const line of r.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const msg = JSON.parse(line) as { reason: string; message?: { level: string; rendered: string; code: { code: string } | null; spans: { is_primary: boolean; file_name: string; line_start: number }[] } };
    if (msg.reason !== 'compiler-message' || !msg.message) continue;
    if (msg.message.level === 'error') errors.push(msg.message.rendered);
    if (msg.message.code?.code !== 'clippy::missing_safety_doc') continue;
    const span = msg.message.spans.find((s) => s.is_primary)!;
    const file = byFile.get(span.file_name.split(path.sep).join('/'));
    findings.add(`${file ? path.relative(CASES, file) : `(outside the fixtures) ${span.file_name}`}:${span.line_start}`);
  }
  if (r.error || (r.status !== 0 && !errors.length)) errors.push(`cargo clippy failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr}`);
  return { findings, errors };
}

const unavailable = clippyUnavailable();
if (unavailable) console.warn(`skipping the clippy oracle test: ${unavailable}`);

describe('missing-safety-doc agrees with clippy::missing_safety_doc', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ffiguard-clippy-oracle-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it.skipIf(unavailable !== null)('on every fixture of the rule', { timeout: 180_000 }, async () => {
    const members = buildWorkspace(root);
    const clippy = runClippy(root, members);
    expect(clippy.errors, 'the fixtures must compile').toEqual([]);
    const ours = new Set<string>();
    for (const m of members) {
      const result = await scan({ paths: [m.source], cwd: CASES, rules: RULE });
      // The one documented extension: non-`pub` C symbols, which clippy does not check (rust-clippy#14359).
      for (const f of result.findings) if (!f.message.includes('exported as a C symbol')) ours.add(`${path.relative(CASES, f.span.file)}:${f.span.startLine}`);
    }
    // Guard against a vacuous pass (e.g. clippy not running the lint at all).
    expect(clippy.findings.size).toBeGreaterThan(20);
    const sorted = (s: Iterable<string>): string[] => [...s].sort();
    expect({
      onlyClippy: sorted([...clippy.findings].filter((k) => !ours.has(k))),
      onlyFfiguard: sorted([...ours].filter((k) => !clippy.findings.has(k))),
    }).toEqual({ onlyClippy: [], onlyFfiguard: [] });
  });
});
