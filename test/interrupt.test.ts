/**
 * An interrupted scan removes the temporary file it was writing (a report before its rename) and
 * still ends by the signal (interrupt.ts). Run in a child process, which the signal really ends.
 * Without the handlers (a library user), a signal is left to its default action.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, expect, it } from 'vitest';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ffiguard-interrupt-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const module = path.join(dir, 'interrupt.mjs');
fs.writeFileSync(module, ts.transpileModule(fs.readFileSync(path.resolve(import.meta.dirname, '../src/interrupt.ts'), 'utf8'), { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText);

/** Writes `kept` and `temporary`, marks both temporary, releases `kept`, then gets `signal`. */
function interrupted(signal: NodeJS.Signals): { signal: NodeJS.Signals | null; kept: boolean; temporary: boolean } {
  const kept = path.join(dir, `${signal}.kept`);
  const temporary = path.join(dir, `${signal}.tmp`);
  const script = `
    import fs from 'node:fs';
    import { cleanUpOnSignals, temporaryFile } from ${JSON.stringify(module)};
    cleanUpOnSignals();
    fs.writeFileSync(${JSON.stringify(kept)}, 'x');
    fs.writeFileSync(${JSON.stringify(temporary)}, 'x');
    temporaryFile(${JSON.stringify(kept)})();
    temporaryFile(${JSON.stringify(temporary)});
    process.kill(process.pid, ${JSON.stringify(signal)});
    setTimeout(() => process.exit(0), 10_000);
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  return { signal: r.signal, kept: fs.existsSync(kept), temporary: fs.existsSync(temporary) };
}

it.for(['SIGINT', 'SIGTERM'] as const)('removes the temporary files on %s and ends by that signal', (signal) => {
  expect(interrupted(signal)).toEqual({ signal, kept: true, temporary: false });
});

it('installs no handler unless asked: a library user keeps the default action (and the file)', () => {
  const temporary = path.join(dir, 'library.tmp');
  const script = `
    import fs from 'node:fs';
    import { temporaryFile } from ${JSON.stringify(module)};
    fs.writeFileSync(${JSON.stringify(temporary)}, 'x');
    temporaryFile(${JSON.stringify(temporary)});
    process.kill(process.pid, 'SIGTERM');
    setTimeout(() => process.exit(0), 10_000);
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  expect({ signal: r.signal, temporary: fs.existsSync(temporary) }).toEqual({ signal: 'SIGTERM', temporary: true });
});
