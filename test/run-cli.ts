/** Runs the CLI in-process with captured output (shared by the CLI-level tests). */
import { Writable } from 'node:stream';
import { main } from '../src/cli.js';

export async function runCli(cwd: string, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void) => new Writable({ write: (chunk, _enc, done) => (append(String(chunk)), done()) });
  const code = await main(argv, { stdout: sink((s) => (stdout += s)), stderr: sink((s) => (stderr += s)), cwd });
  return { code, stdout, stderr };
}
