/**
 * `ffiguard init`: the commented default ffiguard.toml. Every key is shown, commented out with an
 * example, and every rule is listed at its default level, so the file changes nothing until edited
 * (a test checks that a scan with it finds exactly what a scan without it finds).
 */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_FILE_NAME, CONFIG_KEYS } from './config-file.js';
import { DEFAULT_CONFIG } from './config.js';
import { UsageError } from './errors.js';
import { ALL_RULES } from '../rules/index.js';

type Key = Exclude<(typeof CONFIG_KEYS)[number], 'rules'>;

const KEY_DOCS: Record<Key, { doc: string[]; example: string }> = {
  include: {
    doc: ['Scan only the files matching one of these globs (default: every file found). Globs are', 'relative to this file\'s directory: `*`, `?`, `**`, `[abc]`, `{a,b}`; a directory matches all below it.'],
    example: '["src/**", "include/**"]',
  },
  exclude: {
    doc: ['Skip the files matching any of these globs (applied after `include`).'],
    example: '["vendor", "src/generated/**"]',
  },
  headers: {
    doc: ['C headers that declare the crate\'s API, besides those found under the crate (always checked).'],
    example: '["include/mylib.h"]',
  },
  'panic-boundaries': {
    doc: ['Macros or functions from other crates that run their argument under `catch_unwind`.', `Built in: ${DEFAULT_CONFIG.panicBoundaries.join(', ')}. A path is reduced to its last segment.`],
    example: '["ffi_guard", "my_support::catch_ffi_panic"]',
  },
  'panic-boundary-attributes': {
    doc: ['Attributes whose macro turns the function into a panic boundary.', `Built in: ${DEFAULT_CONFIG.panicBoundaryAttributes.join(', ')}.`],
    example: '["my_ffi_export"]',
  },
  'null-check-helpers': {
    doc: ['Macros or functions from other crates that check their pointer argument for null and bail out.', `Built in: ${DEFAULT_CONFIG.nullCheckHelpers.join(', ')}.`],
    example: '["ensure_non_null"]',
  },
  'timeout-helpers': {
    doc: ['Functions that bound a future with a deadline (for `unbounded-block-on`).', `Built in: ${DEFAULT_CONFIG.timeoutHelpers.join(', ')}.`],
    example: '["with_deadline"]',
  },
};

export function defaultConfigText(): string {
  const lines = [
    '# ffiguard configuration. Unknown keys, rule ids and levels are errors, so a typo never goes unnoticed.',
    '# The commented lines show every setting; the lists add to ffiguard\'s built-in names.',
    '',
  ];
  for (const key of CONFIG_KEYS) {
    if (key === 'rules') continue;
    const { doc, example } = KEY_DOCS[key];
    lines.push(...doc.map((d) => `# ${d}`), `# ${key} = ${example}`, '');
  }
  const width = Math.max(...ALL_RULES.map((r) => r.id.length + r.severity.length + 5));
  lines.push(
    '# The level of each rule: "off" (do not run it), "note", "warning" or "error". Lowering a level caps',
    '# the rule\'s findings at it; raising it lifts them to it. `--rule ID=LEVEL` overrides these.',
    '[rules]',
    ...ALL_RULES.map((r) => `${`${r.id} = "${r.severity}"`.padEnd(width)}  # ${r.summary}`),
  );
  return lines.join('\n') + '\n';
}

/** Writes `dir/ffiguard.toml`; returns its path. */
export function writeDefaultConfig(dir: string, force: boolean): string {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new UsageError(`init: no such directory: ${dir}`);
  }
  if (!isDir) throw new UsageError(`init: not a directory: ${dir}`);
  const file = join(dir, CONFIG_FILE_NAME);
  if (existsSync(file) && !force) throw new UsageError(`init: ${file} already exists (use --force to overwrite it)`);
  try {
    writeFileSync(file, defaultConfigText());
  } catch (e) {
    throw new UsageError(`init: cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return file;
}
