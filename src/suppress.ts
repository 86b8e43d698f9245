/**
 * In-source suppressions: `// ffiguard-ignore: rule-id[, rule-id] -- reason` at the end of the flagged
 * line, on the line before it, or before an item (then it covers the whole item), and
 * `#[allow(clippy::missing_safety_doc)]` on an item or a module around it, which also silences
 * `missing-safety-doc` (so code already annotated for clippy needs nothing more).
 */
import type { Finding, Notification } from './findings.js';
import { leadingTrivia, readAttribute } from './model/attributes.js';
import type { Node, SourceFile } from './source.js';

interface Directive {
  rules: Set<string>;
  startLine: number;
  endLine: number;
  kind: 'comment' | 'attribute';
  justification: string;
}

const IGNORE = /\/\/\s*ffiguard-ignore\s*:\s*([\w\s,-]*?)\s*(?:--\s*(.*?))?\s*$/;
/** Clippy lints that mean the same thing as one of our rules. */
const CLIPPY_EQUIVALENTS: Record<string, string> = { 'clippy::missing_safety_doc': 'missing-safety-doc' };
/** A comment before a statement covers the whole statement, however many lines it spans. */
const STATEMENTS = new Set(['let_declaration', 'expression_statement']);
const ITEM_TYPES = new Set(['function_item', 'function_signature_item', 'impl_item', 'trait_item', 'mod_item', 'struct_item', 'enum_item', 'union_item', 'const_item', 'static_item', 'macro_invocation', 'macro_definition', 'type_item']);

export class Suppressions {
  private readonly directives: Directive[] = [];

  constructor(file: SourceFile, knownRules: ReadonlySet<string>, notify: (n: Notification) => void) {
    if (!file.text.includes('ffiguard-ignore') && !file.text.includes('missing_safety_doc')) return;
    const items = collectItems(file);
    for (let row = 0; row < file.lineCount; row++) {
      const line = file.lineText(row);
      if (!line.includes('ffiguard-ignore')) continue;
      const m = IGNORE.exec(line);
      if (!m) {
        notify({ level: 'warning', file: file.path, message: `line ${row + 1}: malformed ffiguard-ignore comment (expected \`// ffiguard-ignore: rule-id -- reason\`)` });
        continue;
      }
      const rules = new Set(m[1]!.split(',').map((s) => s.trim()).filter(Boolean));
      for (const r of rules) {
        if (!knownRules.has(r)) notify({ level: 'warning', file: file.path, message: `line ${row + 1}: unknown rule \`${r}\` in ffiguard-ignore comment` });
      }
      const justification = m[2]?.trim() ?? '';
      const trailing = line.slice(0, m.index).trim() !== '';
      let [start, end] = trailing ? [row, row] : [row + 1, row + 1];
      if (!trailing) {
        const item = items.find((it) => it.commentRows.has(row) || it.outerStart === row + 1);
        if (item) [start, end] = [item.start, item.end];
      }
      this.directives.push({ rules, startLine: start + 1, endLine: end + 1, kind: 'comment', justification });
    }
    for (const it of items) {
      for (const [lint, rule] of Object.entries(CLIPPY_EQUIVALENTS)) {
        if (it.allows.has(lint)) this.directives.push({ rules: new Set([rule]), startLine: it.start + 1, endLine: it.end + 1, kind: 'attribute', justification: `#[allow(${lint})]` });
      }
    }
    // `#![allow(clippy::missing_safety_doc)]` at the top of a file covers all of it.
    for (const n of file.root.namedChildren) {
      if (n.type !== 'inner_attribute_item') continue;
      const a = readAttribute(n);
      if (a?.name !== 'allow') continue;
      for (const [lint, rule] of Object.entries(CLIPPY_EQUIVALENTS)) {
        if (a.args.replace(/\s+/g, '').split(',').includes(lint)) this.directives.push({ rules: new Set([rule]), startLine: 1, endLine: file.lineCount, kind: 'attribute', justification: `#![allow(${lint})]` });
      }
    }
  }

  /** The directive that silences this finding, if any. */
  match(f: Finding): Directive | undefined {
    return this.directives.find((d) => d.rules.has(f.ruleId) && f.span.startLine >= d.startLine && f.span.startLine <= d.endLine);
  }
}

interface ItemRange {
  /** 0-based rows. */
  start: number;
  end: number;
  outerStart: number;
  commentRows: Set<number>;
  allows: Set<string>;
}

function collectItems(file: SourceFile): ItemRange[] {
  const out: ItemRange[] = [];
  const visit = (n: Node): void => {
    for (const c of n.namedChildren) {
      if (ITEM_TYPES.has(c.type) || STATEMENTS.has(c.type)) {
        const trivia = leadingTrivia(c);
        const allows = new Set<string>();
        for (const t of trivia) {
          const a = t.type === 'attribute_item' ? readAttribute(t) : null;
          if (a?.name === 'allow') for (const lint of a.args.replace(/\s+/g, '').split(',')) allows.add(lint);
        }
        // An item's own `#![allow(..)]` (inside a `mod { .. }`) covers it too.
        const body = c.childForFieldName('body');
        for (const inner of body?.namedChildren ?? []) {
          const a = inner.type === 'inner_attribute_item' ? readAttribute(inner) : null;
          if (a?.name === 'allow') for (const lint of a.args.replace(/\s+/g, '').split(',')) allows.add(lint);
        }
        const first = trivia[0] ?? c;
        out.push({
          start: first.startPosition.row,
          end: c.endPosition.row,
          outerStart: first.startPosition.row,
          commentRows: new Set(trivia.filter((t) => t.type === 'line_comment').map((t) => t.startPosition.row)),
          allows,
        });
      }
      if (c.type === 'declaration_list' || c.type === 'block' || ITEM_TYPES.has(c.type) || STATEMENTS.has(c.type) || /_expression$/.test(c.type)) visit(c);
    }
  };
  visit(file.root);
  return out;
}
