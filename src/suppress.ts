/**
 * In-source suppressions: `// ffiguard-ignore: rule-id[, rule-id] -- reason` at the end of the flagged
 * line, on the line before it, or before an item or statement (then it covers all of it, attributes and
 * doc comments may sit in between), and `#[allow(clippy::missing_safety_doc)]` (or `expect`, also under
 * `cfg_attr`) on an item or a module around it, which also silences `missing-safety-doc` (so code already
 * annotated for clippy needs nothing more).
 */
import type { Finding, Notification } from './findings.js';
import { innerAttributes, leadingAttributes, leadingTrivia, lintLevel } from './model/attributes.js';
import type { HeaderFile } from './c/header.js';
import type { Node, SourceFile } from './source.js';

interface Directive {
  rules: Set<string>;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  kind: 'comment' | 'attribute';
  justification: string;
}

/** A plain `//` comment (not `///` or `//!` documentation) that starts with the keyword. */
const IGNORE = /^\/\/\s*ffiguard-ignore\b/;
const FORM = '`// ffiguard-ignore: rule-id[, rule-id] -- reason`';
const RULE_ID = /^[a-z][a-z0-9-]*$/;
/** Clippy lints that mean the same thing as one of our rules. */
const CLIPPY_EQUIVALENTS: Record<string, string> = { 'clippy::missing_safety_doc': 'missing-safety-doc' };
const ATTRIBUTE_RULES = new Set(Object.values(CLIPPY_EQUIVALENTS));
/** A comment before a statement covers the whole statement, however many lines it spans. */
const STATEMENTS = new Set(['let_declaration', 'expression_statement']);
const ITEM_TYPES = new Set(['function_item', 'function_signature_item', 'impl_item', 'trait_item', 'mod_item', 'struct_item', 'enum_item', 'union_item', 'const_item', 'static_item', 'macro_invocation', 'macro_definition', 'type_item']);

export class Suppressions {
  private readonly directives: Directive[] = [];
  /** `#[allow(clippy::missing_safety_doc)]` and the like, read when a finding of such a rule asks. */
  private attributeDirectives: Directive[] | undefined;
  /** The item around each line (walks the whole file): for comments on a line of their own, and clippy attributes. */
  private itemRanges: ItemRange[] | undefined;

  constructor(
    private readonly file: SourceFile | null,
    knownRules: ReadonlySet<string>,
    notify: (n: Notification) => void,
  ) {
    if (!file || !file.text.includes('ffiguard-ignore')) return;
    // Comments from the syntax tree, so that the words in a string literal or a doc comment do not count.
    // Comments inside macro invocations are in the tree too (inside their token trees).
    for (const comment of file.root.descendantsOfType('line_comment')) {
      const text = comment.text.trimEnd();
      if (!IGNORE.test(text)) continue;
      const row = comment.startPosition.row;
      const where = `line ${row + 1}`;
      const parsed = parseIgnore(text);
      if (typeof parsed === 'string') {
        notify({ level: 'warning', file: file.path, message: `${where}: ${parsed}; expected ${FORM}` });
        continue;
      }
      for (const r of parsed.rules) {
        if (!knownRules.has(r)) notify({ level: 'warning', file: file.path, message: `${where}: unknown rule \`${r}\` in ffiguard-ignore comment; \`ffiguard rules\` lists the rule ids` });
      }
      // Code before the comment on its line: it covers that line only.
      const prev = comment.previousSibling;
      const trailing = prev !== null && lastRow(prev) === row;
      let [start, end] = trailing ? [row, row] : [row + 1, row + 1];
      if (!trailing) {
        const item = this.items(file).find((it) => it.attachedCommentRows.has(row) || it.outerStart === row + 1);
        if (item) [start, end] = [item.start, item.end];
      }
      this.directives.push({ rules: new Set(parsed.rules), startLine: start + 1, endLine: end + 1, kind: 'comment', justification: parsed.reason });
    }
  }

  private items(file: SourceFile): ItemRange[] {
    return (this.itemRanges ??= collectItems(file));
  }

  /** Directives from clippy lint attributes (on items, and `#![..]` for the whole file), in that order. */
  private attributes(): Directive[] {
    if (this.attributeDirectives) return this.attributeDirectives;
    const out: Directive[] = [];
    const file = this.file;
    if (file && file.text.includes('missing_safety_doc')) {
      for (const it of this.items(file)) {
        for (const [lint, level] of it.allows) {
          const rule = CLIPPY_EQUIVALENTS[lint];
          if (rule) out.push({ rules: new Set([rule]), startLine: it.start + 1, endLine: it.end + 1, kind: 'attribute', justification: `#[${level}(${lint})]` });
        }
      }
      // `#![allow(clippy::missing_safety_doc)]` at the top of a file covers all of it.
      for (const [lint, rule] of Object.entries(CLIPPY_EQUIVALENTS)) {
        const level = lintLevel([innerAttributes(file.root)], [lint]);
        if (level === 'allow' || level === 'expect') out.push({ rules: new Set([rule]), startLine: 1, endLine: file.lineCount, kind: 'attribute', justification: `#![${level}(${lint})]` });
      }
    }
    return (this.attributeDirectives = out);
  }

  /**
   * Suppressions in a C header: `// ffiguard-ignore: ..` or `/* ffiguard-ignore: .. *\/` at the end of
   * a line covers that line; on a line of its own it covers the declaration that starts on the next line
   * (all of it, however many lines the prototype spans).
   */
  static forHeader(header: HeaderFile, knownRules: ReadonlySet<string>, notify: (n: Notification) => void): Suppressions {
    const out = new Suppressions(null, knownRules, notify);
    if (!header.text.includes('ffiguard-ignore')) return out;
    const declarations = header.tree.rootNode.descendantsOfType(['declaration', 'type_definition']);
    for (const comment of header.tree.rootNode.descendantsOfType('comment')) {
      const text = comment.text.replace(/^\/\*/, '//').replace(/\*\/$/, '').trimEnd();
      if (!IGNORE.test(text)) continue;
      const row = comment.startPosition.row;
      const parsed = parseIgnore(text);
      if (typeof parsed === 'string') {
        notify({ level: 'warning', file: header.path, message: `line ${row + 1}: ${parsed}; expected ${FORM}` });
        continue;
      }
      for (const r of parsed.rules) {
        if (!knownRules.has(r)) notify({ level: 'warning', file: header.path, message: `line ${row + 1}: unknown rule \`${r}\` in ffiguard-ignore comment; \`ffiguard rules\` lists the rule ids` });
      }
      const trailing = header.lineText(row).slice(0, comment.startPosition.column).trim() !== '';
      let [start, end] = [row + 1, row + 1];
      if (trailing) [start, end] = [row, row];
      else {
        const next = declarations.find((d) => d.startPosition.row === row + 1);
        if (next) end = next.endPosition.row;
      }
      out.directives.push({ rules: new Set(parsed.rules), startLine: start + 1, endLine: end + 1, kind: 'comment', justification: parsed.reason });
    }
    return out;
  }

  /** The directive that silences this finding, if any. */
  match(f: Finding): Directive | undefined {
    const covers = (d: Directive): boolean => d.rules.has(f.ruleId) && f.span.startLine >= d.startLine && f.span.startLine <= d.endLine;
    return this.directives.find(covers) ?? (ATTRIBUTE_RULES.has(f.ruleId) ? this.attributes().find(covers) : undefined);
  }
}

/** The rule ids and reason of an ignore comment, or what is wrong with it. */
function parseIgnore(text: string): { rules: string[]; reason: string } | string {
  const rest = text.replace(IGNORE, '').trim();
  if (!rest.startsWith(':')) return 'ffiguard-ignore comment without `:` and rule ids';
  const body = rest.slice(1);
  // Rule ids contain single hyphens, never `--`.
  const sep = body.indexOf('--');
  const ids = (sep < 0 ? body : body.slice(0, sep)).split(',').map((s) => s.trim());
  const reason = sep < 0 ? '' : body.slice(sep + 2).trim();
  if (ids.every((s) => s === '')) return 'ffiguard-ignore comment names no rule';
  const bad = ids.find((s) => !RULE_ID.test(s));
  if (bad !== undefined) return `malformed rule id \`${bad}\` in ffiguard-ignore comment (ids are separated by commas, the reason follows \`--\`)`;
  return { rules: ids, reason };
}

interface ItemRange {
  /** 0-based rows, from the first attribute or comment in front of the item to its end. */
  start: number;
  end: number;
  outerStart: number;
  /** Rows of the comments in front of the item with no blank line between them and the item. */
  attachedCommentRows: Set<number>;
  /** Lints allowed (or expected) on the item: `#[allow(..)]` in front, `#![allow(..)]` inside. */
  allows: Map<string, 'allow' | 'expect'>;
}

function collectItems(file: SourceFile): ItemRange[] {
  const out: ItemRange[] = [];
  const lints = Object.keys(CLIPPY_EQUIVALENTS);
  const visit = (n: Node): void => {
    // `file.children` enters macro invocations, so items a macro wraps (`ffi_fn! { fn .. }`) count too.
    for (const c of file.children(n)) {
      if (ITEM_TYPES.has(c.type) || STATEMENTS.has(c.type)) {
        const trivia = leadingTrivia(c);
        const allows = new Map<string, 'allow' | 'expect'>();
        for (const lint of lints) {
          const level = lintLevel([leadingAttributes(c), innerAttributes(c)], [lint]);
          if (level === 'allow' || level === 'expect') allows.set(lint, level);
        }
        const first = trivia[0] ?? c;
        out.push({
          start: first.startPosition.row,
          end: c.endPosition.row,
          outerStart: first.startPosition.row,
          attachedCommentRows: attachedComments(trivia, c),
          allows,
        });
      }
      visit(c);
    }
  };
  visit(file.root);
  return out;
}

/** Comment rows in `trivia` from which every line down to the item holds a comment, attribute or the item. */
function attachedComments(trivia: Node[], item: Node): Set<number> {
  const rows = new Set<number>();
  let next = item.startPosition.row;
  for (let i = trivia.length - 1; i >= 0; i--) {
    const t = trivia[i]!;
    if (lastRow(t) < next - 1) break;
    if (t.type === 'line_comment') rows.add(t.startPosition.row);
    next = t.startPosition.row;
  }
  return rows;
}

/** The last row a node's text is on: a `//` comment node may end at the start of the next line (its line break). */
function lastRow(n: Node): number {
  return n.type === 'line_comment' ? n.startPosition.row : n.endPosition.row;
}
