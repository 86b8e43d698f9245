/**
 * What fixture markers cannot show about suppressions: the notifications for bad ignore comments, and
 * suppressed findings coming back with `--include-suppressed` (with the reason as SARIF justification).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type * as Sarif from 'sarif';
import { describe, expect, it } from 'vitest';
import { analyzeCrate, scan } from '../src/analyze.js';
import { main } from '../src/cli.js';
import { DEFAULT_SETTINGS } from '../src/crate-unit.js';

const SOURCE = `use std::sync::Mutex;
static M: Mutex<u32> = Mutex::new(0);

pub fn a() -> u32 {
    // ffiguard-ignore: lock-unwrap -- M is never held across user code
    *M.lock().unwrap()
}

pub fn b() -> u32 {
    *M.lock().unwrap() // ffiguard-ignore: lock-unwarp -- typo in the id
}

pub fn c() -> u32 {
    // ffiguard-ignore lock-unwrap
    *M.lock().unwrap()
}

pub fn d() -> u32 {
    // ffiguard-ignore: lock-unwrap because it is fine
    *M.lock().unwrap()
}

pub fn e() -> u32 {
    // ffiguard-ignore: lock-unwrap
    *M.lock().unwrap()
}

/// Reads.
#[allow(clippy::missing_safety_doc)]
pub unsafe fn f(p: *const u32) -> u32 {
    *p
}
`;

function tempCrate(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ffiguard-suppress-'));
  fs.writeFileSync(path.join(dir, 'lib.rs'), SOURCE);
  return dir;
}

describe('suppressions', () => {
  it('warns about unknown rule ids and malformed comments, naming the line', async () => {
    const { notifications } = await analyzeCrate('/crate', DEFAULT_SETTINGS, [{ path: '/crate/src/lib.rs', text: SOURCE }]);
    const messages = notifications.filter((n) => n.file === '/crate/src/lib.rs').map((n) => `${n.level}: ${n.message}`);
    expect(messages).toEqual([
      expect.stringMatching(/^warning: line 10: unknown rule `lock-unwarp` in ffiguard-ignore comment/),
      expect.stringMatching(/^warning: line 14: ffiguard-ignore comment without `:`/),
      expect.stringMatching(/^warning: line 19: malformed rule id `lock-unwrap because it is fine`/),
    ]);
  });

  it('leaves suppressed findings out by default; a comment without a reason still suppresses', async () => {
    const dir = tempCrate();
    const result = await scan({ paths: [dir], cwd: dir });
    const lines = result.findings.map((f) => `${f.span.startLine} ${f.ruleId}`);
    expect(lines).toEqual(['10 lock-unwrap', '15 lock-unwrap', '20 lock-unwrap']);
  });

  it('--include-suppressed returns them with the reason as justification, and SARIF marks them inSource', async () => {
    const dir = tempCrate();
    const result = await scan({ paths: [dir], cwd: dir, includeSuppressed: true });
    const suppressed = result.findings.filter((f) => f.suppression).map((f) => ({ line: f.span.startLine, rule: f.ruleId, ...f.suppression }));
    expect(suppressed).toContainEqual({ line: 6, rule: 'lock-unwrap', kind: 'comment', justification: 'M is never held across user code' });
    expect(suppressed).toContainEqual({ line: 25, rule: 'lock-unwrap', kind: 'comment', justification: '' });
    expect(result.findings.filter((f) => !f.suppression).map((f) => f.span.startLine)).toEqual([10, 15, 20]);

    let stdout = '';
    const sink = (append: (s: string) => void) => new Writable({ write: (chunk, _enc, done) => (append(String(chunk)), done()) });
    const code = await main(['scan', dir, '--include-suppressed', '--format', 'sarif'], { stdout: sink((s) => (stdout += s)), stderr: sink(() => {}), cwd: dir });
    expect(code).toBe(1);
    const results = (JSON.parse(stdout) as Sarif.Log).runs[0]!.results!;
    const line6 = results.find((r) => r.locations?.[0]?.physicalLocation?.region?.startLine === 6)!;
    expect(line6.suppressions).toEqual([{ kind: 'inSource', justification: 'M is never held across user code' }]);
    expect(results.find((r) => r.locations?.[0]?.physicalLocation?.region?.startLine === 10)!.suppressions).toBeUndefined();

    stdout = '';
    await main(['scan', dir, '--format', 'sarif'], { stdout: sink((s) => (stdout += s)), stderr: sink(() => {}), cwd: dir });
    const plain = (JSON.parse(stdout) as Sarif.Log).runs[0]!.results!;
    expect(plain.some((r) => r.suppressions)).toBe(false);
    expect(plain.map((r) => r.locations?.[0]?.physicalLocation?.region?.startLine)).toEqual([10, 15, 20]);
  });
});
