/**
 * Runs every rule on every fixture and compares what was found with the `//~` markers in the files
 * (see fixture-annotations.ts). A case is a `.rs` file or a directory (a crate, possibly with
 * Cargo.toml) under fixtures/<rule-id>/, fixtures/clean/ or fixtures/demo-crate.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scan } from '../src/analyze.js';
import type { Finding } from '../src/findings.js';
import { parseExpectations, type Expectation } from './fixture-annotations.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');
/** Fixture folders that hold inputs for other tests, not annotated cases. */
const NOT_CASES = new Set(['discover']);

function cases(): { group: string; name: string; path: string }[] {
  const out: { group: string; name: string; path: string }[] = [];
  for (const group of fs.readdirSync(FIXTURES).sort()) {
    if (NOT_CASES.has(group)) continue;
    const dir = path.join(FIXTURES, group);
    if (!fs.statSync(dir).isDirectory()) continue;
    if (fs.existsSync(path.join(dir, 'Cargo.toml'))) {
      out.push({ group, name: group, path: dir });
      continue;
    }
    for (const entry of fs.readdirSync(dir).sort()) {
      const p = path.join(dir, entry);
      if (entry.endsWith('.rs') || fs.statSync(p).isDirectory()) out.push({ group, name: entry, path: p });
    }
  }
  return out;
}

function filesOf(p: string): string[] {
  if (!fs.statSync(p).isDirectory()) return [p];
  return fs.readdirSync(p, { recursive: true, encoding: 'utf8' })
    .map((f) => path.join(p, f))
    .filter((f) => /\.(rs|h|hpp)$/.test(f));
}

const key = (file: string, line: number, rule: string): string => `${path.relative(FIXTURES, file)}:${line}: ${rule}`;

describe('fixtures', () => {
  for (const c of cases()) {
    it(`${c.group}/${c.name}`, async () => {
      const expected: Expectation[] = filesOf(c.path).flatMap((f) => parseExpectations(f, fs.readFileSync(f, 'utf8')));
      const result = await scan({ paths: [c.path], cwd: FIXTURES });
      const found = result.findings;
      // The prefilter only saves time: parsing every file finds exactly the same.
      expect((await scan({ paths: [c.path], cwd: FIXTURES, prefilter: false })).findings).toEqual(found);
      const missing: string[] = [];
      const wrongMessage: string[] = [];
      const unmatched = new Set<Finding>(found);
      for (const e of expected) {
        const f = found.find((x) => unmatched.has(x) && x.ruleId === e.ruleId && x.span.file === e.file && x.span.startLine === e.line);
        if (!f) {
          missing.push(key(e.file, e.line, e.ruleId));
          continue;
        }
        unmatched.delete(f);
        if (e.messageIncludes && !f.message.includes(e.messageIncludes)) wrongMessage.push(`${key(e.file, e.line, e.ruleId)}: message "${f.message}" lacks "${e.messageIncludes}"`);
      }
      const noisy = [...unmatched].map((f) => `${key(f.span.file, f.span.startLine, f.ruleId)}: ${f.message}`);
      const errors = result.notifications.filter((n) => n.level === 'error').map((n) => `${n.file}: ${n.message}`);
      expect({ missing, noisy, wrongMessage, errors }).toEqual({ missing: [], noisy: [], wrongMessage: [], errors: [] });
    });
  }
});
