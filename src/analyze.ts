/** One crate's files → crate model → every rule → findings (suppressed). The whole scan is in scan.ts. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { lineCount, type FileProgress } from './scan-crate.js';
import { DEFAULT_CONFIG, type AnalyzerConfig } from './config.js';
import type { CrateSettings } from './crate-unit.js';
import type { Finding, Notification, Span } from './findings.js';
import { buildCrateModel } from './model/crate.js';
import { ExpandedSource } from './model/expand.js';
import { inTestCode, isTestAttribute, testRanges } from './model/test-code.js';
import type { Locatable, Rule } from './rule.js';
import { abiHeaders } from './c/abi-headers.js';
import { parseHeaders, type HeaderFile } from './c/header.js';
import { isHeader } from './discover.js';
import { ParseTimeout } from './parse.js';
import { prefilter } from './prefilter.js';
import type { LeftOutRecord } from './left-out.js';
import { holdsWord } from './regexp.js';
import { SourceFile, type Node } from './source.js';
import { Suppressions } from './suppress.js';
import { ALL_RULES } from '../rules/index.js';

/**
 * Syntax trees deeper than this are skipped: no real code nests so deep, and the analyses' walks up
 * and down such a tree (10,000 nested blocks, a million-term `1 + 1 + ..`) take minutes or overflow the stack.
 */
export const MAX_TREE_DEPTH = 1000;

/** Native trees are freed only when the event loop turns: yield every few files to keep memory flat. */
const YIELD_EVERY = 20;

export interface CrateAnalysis {
  findings: Finding[];
  notifications: Notification[];
  /** Files analysed (those the prefilter left unparsed included). */
  filesParsed: number;
  /** Files the prefilter showed no rule needs, and that were never parsed. */
  filesNotParsed: number;
  /** What the analysis learnt of the files it never parsed (see left-out.ts); undefined without the prefilter. */
  leftOut?: LeftOutRecord;
}

/** Runs every rule over one crate whose file contents are given (what the fixture tests call directly). */
export async function analyzeCrate(
  root: string,
  settings: CrateSettings,
  sources: { path: string; text: string }[],
  opts: {
    config?: AnalyzerConfig;
    rules?: Rule[];
    includeSuppressed?: boolean;
    includeTests?: boolean;
    explicitHeaders?: string[];
    parseBudgetMs?: number;
    progress?: FileProgress;
    /** false: parse every file, as if no file could be left out (tests compare both). */
    prefilter?: boolean;
  } = {},
): Promise<CrateAnalysis> {
  const rules = opts.rules ?? ALL_RULES;
  const notifications: Notification[] = [];
  const files: SourceFile[] = [];
  let headers: HeaderFile[] = [];
  try {
    headers = parseHeaders(sources.filter((s) => isHeader(s.path) && isCHeader(s, root, opts)));
  } catch (e) {
    notifications.push({ level: 'error', message: `could not parse the crate's C headers: ${(e as Error).message}` });
  }
  for (const h of headers) if (opts.explicitHeaders?.includes(h.path)) h.explicit = true;
  const withErrors = new Map<string, SourceFile>();
  /** Parses one file; null (with a notification) when it cannot be used. */
  const parse = (src: { path: string; text: string }): SourceFile | null => {
    try {
      const file = new SourceFile(src.path, src.text, opts.parseBudgetMs);
      if (treeDepthOver(file.root, MAX_TREE_DEPTH)) {
        notifications.push({ level: 'warning', file: src.path, message: `skipped: code nested more than ${MAX_TREE_DEPTH} levels deep` });
        return null;
      }
      if (file.root.hasError) {
        const errors = file.root.descendantsOfType('ERROR');
        withErrors.set(src.path, file);
        const lines = [...new Set(errors.map((e) => e.startPosition.row + 1))];
        const shown = lines.slice(0, 5).join(', ') + (lines.length > 5 ? `, and ${lines.length - 5} more` : '');
        notifications.push({
          level: 'warning',
          file: src.path,
          message: errors.length > 0 ? `partially parsed: syntax errors at line ${shown}; findings inside them are not reported` : 'partially parsed: the file is incomplete (tree-sitter filled in missing tokens)',
        });
      }
      return file;
    } catch (e) {
      const timeout = e instanceof ParseTimeout;
      notifications.push({ level: timeout ? 'warning' : 'error', file: src.path, message: timeout ? `skipped: ${e.message} (--max-parse-seconds)` : `could not parse file: ${(e as Error).message}` });
      return null;
    }
  };
  const config = opts.config ?? DEFAULT_CONFIG;
  const rust = sources.filter((s) => !isHeader(s.path));
  const { parse: now, later, questions } = opts.prefilter === false ? { parse: rust, later: [], questions: undefined } : prefilter(rust, rules, config);
  for (const src of later) opts.progress?.(1, lineCount(src.text));
  for (const [i, src] of now.entries()) {
    if (i > 0 && i % YIELD_EVERY === 0) await new Promise((r) => setImmediate(r));
    opts.progress?.(1, lineCount(src.text));
    const file = parse(src);
    if (file) files.push(file);
  }
  // Keep the files in the crate's order, whatever the prefilter moved.
  const order = new Map(rust.map((s, i) => [s.path, i]));
  files.sort((x, y) => order.get(x.path)! - order.get(y.path)!);
  const crate = buildCrateModel(root, settings, files, config, headers, { sources: later, parse });
  // Parse errors matter in a header that describes the crate's ABI, or may (it names an export): a
  // vendored C or C++ library's header is not checked anyway, and a note about it is noise.
  const described = new Set(abiHeaders(crate));
  for (const h of headers) {
    if (h.errorCount === 0 || !(described.has(h) || holdsWord(h.text, crate.exportsBySymbol))) continue;
    notifications.push({ level: 'note', file: h.path, message: `${h.errorCount} place(s) tree-sitter-c could not parse (macros or C++); declarations there are not checked` });
  }
  // A header of a C library the crate calls (`extern "C" { fn f(); }` naming what it declares) is not
  // expected to declare the crate's exports: a binding crate gets no note about it.
  // `#include "webgpu.h"` in the crate's header, with webgpu.h nowhere (a git submodule not checked
  // out): the exports it declares cannot be found, and reporting them all as undeclared would be noise.
  const scannedHeaders = headers.map((h) => h.path);
  for (const h of described) {
    for (const inc of h.quotedIncludes()) {
      const beside = path.resolve(path.dirname(h.path), inc.name);
      const found = scannedHeaders.includes(beside) || scannedHeaders.some((p) => p.endsWith(path.sep + path.normalize(inc.name))) || existsSync(beside);
      if (found) continue;
      h.missingIncludes.push(inc);
      notifications.push({
        level: 'warning',
        file: h.path,
        message: `line ${inc.line} includes "${inc.name}", which is not in the scanned tree (a git submodule not checked out?): the exports it declares cannot be seen, so header-missing-decl did not run`,
      });
    }
  }
  const declaring = headers.filter((h) => h.functions.length > 0 && !h.functions.some((f) => crate.imports.has(f.name)));
  if (declaring.length > 0 && described.size === 0) {
    const exported = crate.exportsBySymbol.size;
    notifications.push({
      level: 'note',
      file: declaring[0]!.path,
      message:
        exported === 0
          ? "this crate exports no function ffiguard can see (exports generated by procedural macros are not recognised), so the header rules did not run; name the crate's header with --header to check it anyway"
          : usesCbindgen(root, settings)
            ? `no scanned header declares any of the ${exported} function(s) this crate exports: its header is generated by cbindgen at build time and is not in the tree, so the header rules did not run; build it and name it with --header to check it`
            : `no scanned header declares any of the ${exported} function(s) this crate exports, so the header rules did not run; name the crate's header with --header to check it anyway`,
    });
  }
  const raw: Finding[] = [];
  for (const rule of rules) {
    // One rule tripping over strange input must not lose the other rules' findings.
    try {
      runRule(rule);
    } catch (e) {
      notifications.push({ level: 'error', message: `rule ${rule.id} failed on the crate at ${root}, its findings may be incomplete: ${(e as Error).message}` });
    }
  }
  function runRule(rule: Rule): void {
    rule.check({
      crate,
      report(input) {
        raw.push({
          ruleId: rule.id,
          severity: input.severity ?? rule.severity,
          span: input.file.span(input.node, input.endNode),
          message: input.message,
          help: input.help,
          related: [...(input.related ?? []).map((r) => ({ span: r.file.span(r.node), message: r.message })), ...templateLocation(input.file, input.node)],
        });
      },
    });
  }
  const known = new Set(ALL_RULES.map((r) => r.id));
  const notify = (n: Notification): number => notifications.push(n);
  const suppressions = new Map([
    ...files.map((f) => [f.path, new Suppressions(f, known, notify)] as const),
    ...headers.map((h) => [h.path, Suppressions.forHeader(h, known, notify)] as const),
  ]);
  // Test code is looked up only in files that have findings.
  const byPath = new Map(files.map((f) => [f.path, f]));
  const tests = new Map<string, ReturnType<typeof testRanges> | undefined>();
  let anyTestAttribute: boolean | undefined;
  const testsOf = (p: string) => {
    if (!tests.has(p)) {
      const file = byPath.get(p);
      const t = file ? testRanges(file, root) : undefined;
      // `#[cfg(test)] mod mock;` in the parent module (or `#![cfg(test)]` at the top) makes the whole file test code.
      anyTestAttribute ??= files.some((f) => /#!?\[\s*(cfg\s*\([^\]]*\btest\b|test\b)/.test(f.text));
      if (file && t && !t.all && anyTestAttribute && crate.modules.attributeScopes(file, file.root).flat().some(isTestAttribute)) t.all = true;
      tests.set(p, t);
    }
    return tests.get(p);
  };
  const findings: Finding[] = [];
  for (const f of raw) {
    const broken = withErrors.get(f.span.file);
    if (broken && !reliable(broken, f.span)) continue;
    const t = opts.includeTests ? undefined : testsOf(f.span.file);
    if (!opts.includeTests && t && inTestCode(t, f.span.startLine)) continue;
    const d = suppressions.get(f.span.file)?.match(f);
    if (!d) findings.push(f);
    else if (opts.includeSuppressed) findings.push({ ...f, suppression: { kind: d.kind, justification: d.justification } });
  }
  return {
    findings,
    notifications,
    filesParsed: files.length + later.length + headers.length,
    filesNotParsed: later.length - crate.laterParsed(),
    ...(questions ? { leftOut: crate.leftOut(questions) } : {}),
  };
}

/** Does the crate generate its C header with cbindgen (a `cbindgen.toml`, or cbindgen in its Cargo.toml)? */
function usesCbindgen(root: string, settings: CrateSettings): boolean {
  if (existsSync(path.join(root, 'cbindgen.toml'))) return true;
  try {
    return !!settings.manifestPath && /^\s*cbindgen\s*=/m.test(readFileSync(settings.manifestPath, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * Is a finding in a file with syntax errors one to report? Inside an ERROR region tree-sitter guessed
 * at what the broken code meant, and a finding built on that guess comes and goes as the user types;
 * in a function holding an error, the null check or `catch_unwind` a rule looks for may be in the
 * broken part. So: a finding in a function is reported only when that function parsed without error
 * (even when tree-sitter wrapped it in an ERROR, as it does with everything before an unclosed `fn`),
 * and a finding outside any function only when it is not inside an ERROR.
 */
function reliable(file: SourceFile, span: Span): boolean {
  const at = { row: span.startLine - 1, column: span.startColumn - 1 };
  for (let n: Node | null = file.root.descendantForPosition(at); n; n = n.parent) {
    if (n.type === 'function_item') return !n.hasError;
    if (n.type === 'ERROR') return false;
  }
  return true;
}

/**
 * Is the tree deeper than `limit`? A subtree of n nodes is at most n - 1 levels deep, so only nodes
 * whose subtree is big enough to go past the limit are entered: on ordinary code that is a handful of
 * big items, where a walk of every node cost about a third of the parse. Iterative, not recursive:
 * the tree may be arbitrarily deep.
 */
function treeDepthOver(root: Node, limit: number): boolean {
  const stack: [Node, number][] = [[root, 0]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (depth > limit) return true;
    if (depth + node.descendantCount - 1 <= limit) continue;
    for (const child of node.children) stack.push([child, depth + 1]);
  }
  return false;
}

/** A finding in code a macro generated also points at the line of the macro's definition that wrote it. */
function templateLocation(file: Locatable, node: Node): { span: Span; message: string }[] {
  if (!(file instanceof ExpandedSource)) return [];
  const span = file.templateSpan(node);
  return span ? [{ span, message: `written here, in the definition of \`${file.macro}!\`` }] : [];
}

/**
 * Headers tree-sitter-c can read and that describe the library: C++-only headers (`.hpp`, `.hh`
 * without an `extern "C"` block: classes, templates), headers of test code, and those of the C
 * programs under `examples/` (which use the library: delta-kernel's examples/common/kernel_utils.h)
 * are left out.
 */
function isCHeader(src: { path: string; text: string }, root: string, opts: { includeTests?: boolean; explicitHeaders?: string[] }): boolean {
  if (opts.explicitHeaders?.includes(src.path)) return true;
  if (/\.(hh|hpp|hxx)$/.test(src.path) && !src.text.includes('extern "C"')) return false;
  const top = path.relative(root, src.path).split(path.sep)[0];
  if (top === 'examples') return false;
  return opts.includeTests || (top !== 'tests' && top !== 'benches');
}

// The whole-scan entry point lives in scan.ts (which loads this module only when a crate needs analysing).
export { DEFAULT_MAX_FILE_SIZE, DEFAULT_MAX_PARSE_SECONDS, scan, type ScanOptions } from './scan.js';
