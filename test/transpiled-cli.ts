/**
 * ffiguard as an installed command, for tests that must run it as a separate process (a clean
 * environment, Node's permission model) without a full `tsc` build: every module of src/ and rules/ is
 * transpiled on its own (no type check, which `npm test` does anyway) into a temporary directory laid
 * out like the package, in about a second.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(import.meta.dirname, '..');

/** Builds the copy; returns the path of its `bin/ffiguard.js` and a function that removes it. */
export function transpiledCli(): { bin: string; remove: () => void } {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ffiguard-cli-')));
  const options: ts.CompilerOptions = { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, esModuleInterop: true };
  for (const top of ['src', 'rules']) {
    for (const entry of fs.readdirSync(path.join(ROOT, top), { recursive: true, withFileTypes: true })) {
      const from = path.join(entry.parentPath, entry.name);
      const to = path.join(dir, 'dist', path.relative(ROOT, from));
      if (entry.isDirectory()) continue;
      fs.mkdirSync(path.dirname(to), { recursive: true });
      if (!entry.name.endsWith('.ts')) fs.copyFileSync(from, to);
      else fs.writeFileSync(to.replace(/\.ts$/, '.js'), ts.transpileModule(fs.readFileSync(from, 'utf8'), { compilerOptions: options, fileName: from }).outputText);
    }
  }
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.copyFileSync(path.join(ROOT, 'bin', 'ffiguard.js'), path.join(dir, 'bin', 'ffiguard.js'));
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return { bin: path.join(dir, 'bin', 'ffiguard.js'), remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
