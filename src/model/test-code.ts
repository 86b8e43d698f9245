/**
 * Test code: files under the crate's `tests/`, `benches/` and `examples/` (clippy skips them by default too), its build
 * script (`build.rs`, which runs when the crate is built, never in the library), and items marked `#[cfg(test)]`,
 * `#[test]`, `#[bench]` or a test macro (`#[tokio::test]`); a whole file when its module is declared
 * `#[cfg(test)] mod mock;` (see analyze.ts, which asks the module tree). Callbacks written in tests dereference
 * pointers they made themselves and unwrap freely; findings there are noise for an FFI audit, so they
 * are left out unless `--include-tests` asks for them.
 */
import path from 'node:path';
import type { SourceFile } from '../source.js';
import { leadingAttributes } from './attributes.js';

export interface TestRanges {
  /** The whole file is test code. */
  all: boolean;
  /** 1-based inclusive line ranges of test items. */
  ranges: [number, number][];
}

export function testRanges(file: SourceFile, crateRoot: string): TestRanges {
  const rel = path.relative(crateRoot, file.path).split(path.sep);
  if (rel[0] === 'tests' || rel[0] === 'benches' || rel[0] === 'examples' || (rel.length === 1 && rel[0] === 'build.rs')) return { all: true, ranges: [] };
  const ranges: [number, number][] = [];
  if (!/\btest\b|\bbench\b/.test(file.text)) return { all: false, ranges };
  const visit = (node: SourceFile['root']): void => {
    for (const c of node.namedChildren) {
      if (c.type === 'attribute_item' || c.type.endsWith('comment')) continue;
      if (leadingAttributes(c).some(isTestAttribute)) {
        ranges.push([c.startPosition.row + 1, c.endPosition.row + 1]);
        continue;
      }
      if (c.type === 'mod_item' || c.type === 'declaration_list' || c.type === 'impl_item') visit(c.type === 'declaration_list' ? c : (c.childForFieldName('body') ?? c));
    }
  };
  visit(file.root);
  return { all: false, ranges };
}

export function isTestAttribute(a: { name: string; args: string }): boolean {
  if (a.name === 'test' || a.name === 'bench' || a.name.endsWith('::test')) return true;
  // `#[cfg(test)]`, `#[cfg(all(test, feature = "x"))]`, but not `#[cfg(not(test))]` nor `#[cfg(feature = "test-utils")]`.
  const args = a.args.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return a.name === 'cfg' && /\btest\b/.test(args) && !/\bnot\s*\(\s*test\s*\)/.test(args);
}

export function inTestCode(t: TestRanges, line: number): boolean {
  return t.all || t.ranges.some(([s, e]) => line >= s && line <= e);
}
