// The .rs files of a directory tree, as the benchmark counts them (lines, parse floor): hidden
// directories, target/ and node_modules/ are skipped, as ffiguard skips them. (ffiguard also honours
// .gitignore; the real repositories benchmarked have nothing ignored among their sources.)
import fs from 'node:fs';
import path from 'node:path';

export function rustFiles(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (e.name.startsWith('.') || e.name === 'target' || e.name === 'node_modules') continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...rustFiles(p));
    else if (e.isFile() && e.name.endsWith('.rs')) out.push(p);
  }
  return out;
}

/** Lines as an editor numbers them: a final line without a newline counts too. */
export function countLines(text) {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return text.length > 0 && !text.endsWith('\n') ? n + 1 : n;
}
