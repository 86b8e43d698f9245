/** tree-sitter parsers, created once, and the text fixes the grammar needs before it can parse real code. */
import Parser from 'tree-sitter';
import Rust from 'tree-sitter-rust';
import { installNodeMemo } from './node-memo.js';
import './tree-sitter-nodes.js';

let rustParser: Parser | undefined;

export function rustParserInstance(): Parser {
  if (!rustParser) {
    rustParser = new Parser();
    rustParser.setLanguage(Rust as unknown as Parser.Language);
  }
  return rustParser;
}

/**
 * Text the grammar cannot parse, replaced by text of the same length (so every offset, line and
 * column still matches the file on disk):
 * - tree-sitter-rust 0.24 cannot parse edition-2024 `unsafe extern "C" { .. }` blocks nor the `safe`
 *   qualifier inside them (tree-sitter-rust#250): those keywords are blanked out;
 * - it reads `&raw` as the start of a raw borrow (`&raw const x`) even when `raw` is a variable
 *   (`parse(&raw)`), and fails on the rest of the statement: such a borrow of a variable named
 *   `raw` is read as `!raw`, an expression of the same name and length;
 * - it rejects a lifetime before a trait in a trait object (`Box<dyn 'a + FnOnce()>`): the lifetime
 *   bound is blanked (no analysis looks at lifetimes);
 * - it rejects `pub impl`, which attribute macros accept (`#[extend::ext] pub impl<T> Ext for T`):
 *   the visibility is blanked;
 * - it rejects an empty bound in a where clause (`where T:,`, which macros write): the predicate is
 *   blanked.
 * Attributes on the fields of a struct pattern, and `~` in a macro's tokens, are other gaps; see `reparseFixingErrors`.
 */
export function neutraliseRust(text: string): string {
  let out = text;
  if (out.includes('safe')) {
    out = out
      .replace(/\bunsafe(\s+extern\s*(?:"[^"\n]*"\s*)?\{)/g, (_m, rest: string) => '      ' + rest)
      .replace(/(^|[\s;{}])safe(\s+(?:fn|static)\b)/g, (_m, pre: string, rest: string) => pre + '    ' + rest);
  }
  if (out.includes('&raw')) out = out.replace(/(?<!&)&raw\b(?!\s*(?:const|mut)\b)/g, '!raw');
  if (out.includes("dyn '")) out = out.replace(/(\bdyn\s+)('[A-Za-z_]\w*\s*\+)/g, (_m, pre: string, bound: string) => pre + blank(bound));
  if (out.includes('impl')) out = out.replace(/\bpub(?:\s*\([^()]*\))?(?=\s+(?:unsafe\s+)?impl\b)/g, blank);
  if (out.includes('where')) out = out.replace(/(\bwhere\s+(?:[^{};]*?,\s*)?)([A-Za-z_]\w*\s*:\s*,)/g, (_m, pre: string, empty: string) => pre + blank(empty));
  return out;
}

/** The same number of characters, line breaks kept: offsets, lines and columns do not move. */
function blank(text: string): string {
  return text.replace(/[^\n]/g, ' ');
}

/**
 * Two gaps of tree-sitter-rust 0.24 that only a parse shows: it rejects attributes on the fields of a
 * struct pattern (`Some { a, #[cfg(x)] b, .. } =>`, as wasmtime and mullvad write them), and the `~`
 * token in a macro's tokens (seq-macro's `fn case_~N()`). The function holding one is then not
 * analysed. When a parse has errors, such attributes in the items holding the errors, and `~` tokens
 * that are errors of their own, are blanked (a field's cfg matters to no analysis, nor does a token of
 * a macro's input) and the text parsed again; the new tree is kept if it has fewer errors. Returns
 * the text and tree to use.
 */
export function reparseFixingErrors(text: string, tree: Parser.Tree, budgetMs?: number): { text: string; tree: Parser.Tree } {
  if (!tree.rootNode.hasError || !(text.includes('#[') || text.includes('~'))) return { text, tree };
  const errors = tree.rootNode.descendantsOfType('ERROR');
  // The error may start before the attribute (`if let S {` alone) or after it: the whole item is searched.
  const items = new Map<number, number>();
  for (const e of errors) {
    let top: Parser.SyntaxNode = e;
    while (top.parent && top.parent.type !== 'source_file') top = top.parent;
    items.set(top.startIndex, Math.max(items.get(top.startIndex) ?? 0, top.endIndex));
  }
  let fixed = text;
  for (const e of errors) if (e.text === '~') fixed = fixed.slice(0, e.startIndex) + ' ' + fixed.slice(e.endIndex);
  for (const [start, end] of items) {
    FIELD_ATTRIBUTE.lastIndex = start;
    for (let m = FIELD_ATTRIBUTE.exec(text); m && m.index < end; m = FIELD_ATTRIBUTE.exec(text)) {
      fixed = fixed.slice(0, m.index) + blank(m[0]) + fixed.slice(m.index + m[0].length);
    }
  }
  if (fixed === text) return { text, tree };
  const again = parseRust(fixed, budgetMs);
  return !again.rootNode.hasError || again.rootNode.descendantsOfType('ERROR').length < errors.length ? { text: fixed, tree: again } : { text, tree };
}

/** An outer attribute followed by a field pattern: `#[cfg(x)] name,`, `#[cfg(x)] ref mut name: _`. */
const FIELD_ATTRIBUTE = /#\[[^\[\]]*(?:\[[^\[\]]*\][^\[\]]*)*\](?=\s*(?:ref\s+)?(?:mut\s+)?[A-Za-z_]\w*\s*[:,}])/g;

/** Thrown when parsing a file takes longer than its budget (`--max-parse-seconds`). */
export class ParseTimeout extends Error {}

/** Parses text that went through `neutraliseRust`, giving up after `budgetMs` milliseconds when one is given. */
export function parseRust(text: string, budgetMs?: number): Parser.Tree {
  const parser = rustParserInstance();
  // The default buffer (32 KiB) makes tree-sitter re-read long files in small chunks.
  const bufferSize = Math.max(32 * 1024, text.length + 1);
  if (budgetMs === undefined) return parser.parse(text, null, { bufferSize });
  // tree-sitter calls this every few hundred bytes; returning true cancels the parse (parse() then
  // returns no tree) and the parser must be reset, or its next parse would resume this one.
  const deadline = performance.now() + budgetMs;
  const tree = parser.parse(text, null, { bufferSize, progressCallback: () => performance.now() > deadline }) as Parser.Tree | null | undefined;
  if (tree) return tree;
  parser.reset();
  throw new ParseTimeout(`parsing took longer than ${budgetMs / 1000} s`);
}

/** Parses `[startIndex, endIndex)` of `text` on its own, keeping the file's offsets and positions. */
export function parseRustRange(text: string, range: Parser.Range): Parser.Tree {
  return rustParserInstance().parse(text, null, {
    includedRanges: [range],
    bufferSize: Math.max(32 * 1024, text.length + 1),
  });
}

/**
 * What ffiguard's reads of the binding's private parts are checked on before they are used (node-fields.ts,
 * node-lists.ts): comments, non-ASCII text, a CRLF, an ERROR and a MISSING node.
 */
export const BINDING_CHECK_SAMPLE = 'fn é() {\r\n  let s = "ü"; f(s /* c */);\n  let = ;\n}\n/// d\nstruct S { a: u8, }\nfn g( {}\nfn h() { x(1 }\n';

// Node reads are memoised (node-memo.ts); child lists are read the fast way if the sample gives the same lists both ways.
installNodeMemo(() => parseRust(BINDING_CHECK_SAMPLE).rootNode);
