/**
 * One parsed Rust file. Besides the tree it knows how to look inside macro invocations: tree-sitter
 * sees their arguments as opaque token trees, so those are re-parsed on demand (keeping the file's
 * offsets) and walked as if they were ordinary children of the invocation.
 */
import type Parser from 'tree-sitter';
import { neutraliseRust, parseRust, parseRustRange, reparseFixingErrors } from './parse.js';
import type { Span } from './findings.js';
import { nodeId, sameNode } from './node-fields.js';

export type Node = Parser.SyntaxNode;

/** Macros whose arguments are not Rust expressions or statements worth reading. */
/**
 * Macros whose arguments are no code of this crate: text, configuration, or (`quote!` and friends, in
 * a procedural macro crate) a template of code the macro writes into other crates.
 */
const OPAQUE_MACROS = new Set(['macro_rules', 'include_str', 'include_bytes', 'include', 'concat', 'stringify', 'env', 'option_env', 'cfg', 'compile_error', 'quote', 'quote_spanned', 'parse_quote', 'parse_quote_spanned']);

export class SourceFile {
  readonly tree: Parser.Tree;
  private readonly parsedText: string;
  private readonly lineStarts: number[];
  private readonly expansions = new Map<number, Parser.Tree | null>();
  private readonly hosts = new Map<Parser.Tree, Node>();
  private readonly childCache = new Map<number, readonly Node[]>();
  private readonly matchCache = new Map<string, number[]>();
  private readonly sayings = new Map<RegExp, boolean>();

  constructor(
    /** Absolute path. */
    readonly path: string,
    readonly text: string,
    /** Give up parsing (throwing `ParseTimeout`) after this many milliseconds. */
    parseBudgetMs?: number,
  ) {
    const neutral = neutraliseRust(text);
    const parsed = reparseFixingErrors(neutral, parseRust(neutral, parseBudgetMs), parseBudgetMs);
    this.parsedText = parsed.text;
    this.tree = parsed.tree;
    this.lineStarts = [0];
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  get root(): Node {
    return this.tree.rootNode;
  }

  /** The text of 0-based line `row`, without its line break. */
  lineText(row: number): string {
    const start = this.lineStarts[row] ?? this.text.length;
    const next = this.lineStarts[row + 1];
    let end = next === undefined ? this.text.length : next - 1;
    if (end > start && this.text.charCodeAt(end - 1) === 13) end--;
    return this.text.slice(start, end);
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  span(node: Node, endNode: Node = node): Span {
    return {
      file: this.path,
      startLine: node.startPosition.row + 1,
      startColumn: node.startPosition.column + 1,
      endLine: endNode.endPosition.row + 1,
      endColumn: endNode.endPosition.column + 1,
    };
  }

  /** The span of `[start, end)` of the text. */
  spanAt(start: number, end: number): Span {
    const at = (offset: number): [number, number] => {
      let lo = 0;
      let hi = this.lineStarts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (this.lineStarts[mid]! <= offset) lo = mid;
        else hi = mid - 1;
      }
      return [lo + 1, offset - this.lineStarts[lo]! + 1];
    };
    const [startLine, startColumn] = at(start);
    const [endLine, endColumn] = at(end);
    return { file: this.path, startLine, startColumn, endLine, endColumn };
  }

  /** 1-based line of a node. */
  line(node: Node): number {
    return node.startPosition.row + 1;
  }

  /**
   * The parsed contents of a macro invocation's arguments: `name! { stmts }` as statements,
   * `name!(a, b)` / `name![a, b]` as a tuple / array expression. Null for macros that hold no code.
   */
  expansion(macro: Node): Node | null {
    if (macro.type !== 'macro_invocation') return null;
    const tt = macro.namedChildren.find((c) => c.type === 'token_tree');
    if (!tt || tt.namedChildCount === 0) return null;
    const name = macroName(macro);
    if (name && OPAQUE_MACROS.has(name)) return null;
    const cached = this.expansions.get(nodeId(tt));
    if (cached !== undefined) return cached?.rootNode ?? null;
    const brace = tt.text.startsWith('{');
    const range: Parser.Range = brace
      ? {
          startIndex: tt.startIndex + 1,
          endIndex: tt.endIndex - 1,
          startPosition: { row: tt.startPosition.row, column: tt.startPosition.column + 1 },
          endPosition: { row: tt.endPosition.row, column: tt.endPosition.column - 1 },
        }
      : { startIndex: tt.startIndex, endIndex: tt.endIndex, startPosition: tt.startPosition, endPosition: tt.endPosition };
    let tree: Parser.Tree | null = null;
    try {
      tree = parseRustRange(this.parsedText, range);
      // `ffi_fn! { fn f() { .. } ?= default }`: macro syntax after an item confuses the parser; the
      // item alone still parses, so parse up to the end of the last `fn`'s body.
      const cut = brace && tree.rootNode.hasError ? endOfLastFnBody(tt) : null;
      if (cut) {
        const shorter = parseRustRange(this.parsedText, { ...range, endIndex: cut.endIndex, endPosition: cut.endPosition });
        if (!shorter.rootNode.hasError) tree = shorter;
      }
      this.hosts.set(tree, macro);
    } catch {
      tree = null;
    }
    this.expansions.set(nodeId(tt), tree);
    return tree?.rootNode ?? null;
  }

  /** Named children, looking through macro invocations into their re-parsed arguments. */
  children(node: Node): readonly Node[] {
    // A node remembers its own children (node-memo.ts); an invocation's re-parsed arguments are kept here.
    if (node.type !== 'macro_invocation') return node.namedChildren;
    const key = nodeId(node);
    const cached = this.childCache.get(key);
    if (cached) return cached;
    const root = this.expansion(node);
    const kids = root ? root.namedChildren : [];
    this.childCache.set(key, kids);
    return kids;
  }

  /** The parent, crossing from a re-parsed macro argument back to its invocation. */
  parent(node: Node): Node | null {
    // The root of a re-parsed argument list (a `source_file` holding its statements) is a real step:
    // analyses that look at earlier statements of a block look at it like at a block.
    const p = node.parent;
    if (p) return p;
    return node.tree === this.tree ? null : (this.hosts.get(node.tree) ?? null);
  }

  /**
   * Depth-first walk that also enters macro arguments. `visit` returns false to skip a node's children.
   * Nested items (`fn`, `impl`, `mod` ...) are entered too; use `walkBody` to stay inside one function.
   */
  walk(node: Node, visit: (n: Node) => boolean | void): void {
    const stack: Node[] = [node];
    while (stack.length) {
      const n = stack.pop()!;
      if (visit(n) === false) continue;
      const kids = this.children(n);
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
    }
  }

  /**
   * Like `walk` from the root, but enters only nodes whose text holds a match of `pattern` (a rule's
   * trigger): a rule that looks for `.lock().unwrap()` never visits a function without `lock()` in it.
   * A node visited contains the start of a match; `visit` sees every such node from the root down.
   */
  walkWhere(pattern: RegExp, visit: (n: Node) => boolean | void): void {
    const hits = this.matchStarts(pattern);
    if (hits.length === 0) return;
    this.walk(this.root, (n) => (holdsAny(hits, n.startIndex, n.endIndex) ? visit(n) : false));
  }

  /**
   * Nodes of the given types, in the order `walk` would visit them, found by one native search instead
   * of a walk: in the file's tree, and in the arguments of macro invocations whose arguments' text can
   * hold such a node (`expandWhen`; an invocation like `println!(..)` is not re-parsed for nothing).
   * The binding's `descendantsOfType` finds them in less than half the time a query with the same
   * node types takes.
   */
  nodesOfTypes(types: readonly string[], expandWhen: RegExp): Node[] {
    const searched = [...new Set([...types, 'macro_invocation'])];
    const wanted = new Set(types);
    const out: Node[] = [];
    const visit = (root: Node): void => {
      for (const node of root.descendantsOfType(searched)) {
        if (node.type !== 'macro_invocation') {
          out.push(node);
          continue;
        }
        if (wanted.has('macro_invocation')) out.push(node);
        // The arguments, not the invocation: its own `name!(` would match an `\w!(` pattern every time.
        const args = node.namedChildren.find((c) => c.type === 'token_tree');
        if (!args || !expandWhen.test(this.text.slice(args.startIndex, args.endIndex))) continue;
        const inner = this.expansion(node);
        if (inner) visit(inner);
      }
    };
    visit(this.root);
    // Pre-order: by start, an enclosing node before what it holds.
    return out.sort((a, b) => a.startIndex - b.startIndex || b.endIndex - a.endIndex);
  }

  /**
   * Does the text match `pattern` anywhere? Remembered per pattern object: analyses ask it for every
   * function of a file ("does this file say `repr(` at all?") before doing anything costly.
   */
  says(pattern: RegExp): boolean {
    let answer = this.sayings.get(pattern);
    if (answer === undefined) this.sayings.set(pattern, (answer = pattern.test(this.text)));
    return answer;
  }

  /** Offsets where `pattern` matches the text, ascending (cached per pattern). */
  private matchStarts(pattern: RegExp): number[] {
    let hits = this.matchCache.get(`${pattern.source}/${pattern.flags}`);
    if (!hits) {
      hits = [...this.text.matchAll(new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g'))].map((m) => m.index);
      this.matchCache.set(`${pattern.source}/${pattern.flags}`, hits);
    }
    return hits;
  }

  /** Like `walk`, but does not enter nested items: their code does not run as part of this body. */
  walkBody(node: Node, visit: (n: Node) => boolean | void): void {
    this.walk(node, (n) => (n !== node && NESTED_ITEMS.has(n.type) ? false : visit(n)));
  }

  /** Is `inner` inside `outer` (or the same node), crossing macro boundaries? */
  contains(outer: Node, inner: Node): boolean {
    return inner.startIndex >= outer.startIndex && inner.endIndex <= outer.endIndex;
  }

  /**
   * The `parameter` of the innermost function enclosing `ident` that binds its name (`p`, `mut p`),
   * with that function; null when it has none. (Whether a `let` rebinds the name is `letValue`'s.)
   */
  parameterOf(ident: Node): { fn: Node; param: Node } | null {
    for (const a of this.ancestors(ident)) {
      if (a.type !== 'function_item') continue;
      const params = a.childForFieldName('parameters')?.namedChildren ?? [];
      const param = params.find((p) => p.type === 'parameter' && p.childForFieldName('pattern')?.text.replace(/^mut\s+/, '') === ident.text);
      return param ? { fn: a, param } : null;
    }
    return null;
  }

  /**
   * The value of the nearest `let name = value;` (or `let mut name`) before `ident` that binds its name,
   * looking in each enclosing block up to the function (or, with `stopAtClosure`, the closure) holding it.
   * Null when there is none or it has no value.
   */
  letValue(ident: Node, stopAtClosure = false): Node | null {
    let prev = ident;
    for (const a of this.ancestors(ident)) {
      if (a.type === 'block' || a.type === 'source_file') {
        for (let s = prev.previousNamedSibling; s; s = s.previousNamedSibling) {
          if (s.type !== 'let_declaration') continue;
          const pattern = s.childForFieldName('pattern');
          const name = pattern?.type === 'mut_pattern' ? pattern.namedChild(0)?.text : pattern?.text;
          if (name === ident.text) return s.childForFieldName('value');
        }
      }
      if (a.type === 'function_item' || (stopAtClosure && a.type === 'closure_expression')) return null;
      prev = a;
    }
    return null;
  }

  /** Ancestors from the parent up to the root, crossing macro boundaries. */
  *ancestors(node: Node): Generator<Node> {
    for (let p = this.parent(node); p; p = this.parent(p)) yield p;
  }
}

/** Is some offset of ascending `offsets` in `[start, end)`? */
function holdsAny(offsets: number[], start: number, end: number): boolean {
  let lo = 0;
  let hi = offsets.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (offsets[mid]! < start) lo = mid + 1;
    else hi = mid;
  }
  return lo < offsets.length && offsets[lo]! < end;
}

const NESTED_ITEMS = new Set(['function_item', 'impl_item', 'trait_item', 'mod_item', 'macro_definition', 'struct_item', 'enum_item', 'const_item', 'static_item']);

/** The `{ .. }` body of the last top-level `fn` in a token tree, when other tokens follow it. */
function endOfLastFnBody(tt: Node): Node | null {
  const kids = tt.children;
  let afterFn = false;
  let body: Node | null = null;
  for (let i = 1; i < kids.length - 1; i++) {
    const k = kids[i]!;
    if (k.type === 'fn') afterFn = true;
    else if (afterFn && k.type === 'token_tree' && k.text.startsWith('{')) {
      body = k;
      afterFn = false;
    }
  }
  return body && !sameNode(body, kids[kids.length - 2]) ? body : null;
}

export function macroName(macro: Node): string | null {
  const m = macro.childForFieldName('macro');
  if (!m) return null;
  return m.type === 'scoped_identifier' ? (m.childForFieldName('name')?.text ?? null) : m.text;
}
