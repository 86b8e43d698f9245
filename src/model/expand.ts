/**
 * Expands `macro_rules!` invocations whose macro writes `extern "C" fn`s in its transcriber
 * (`declare_vec!(byte_vec_t, byte_vec_new, u8)` → `#[no_mangle] pub extern "C" fn byte_vec_new(..)`),
 * so the generated exports are analysed like written ones. A small matcher and transcriber at the
 * token level: each rule's pattern is tried in order (literal tokens, `$x:frag`, `$(..) sep op`
 * repetitions, nested groups) and the first that matches is transcribed. A fragment takes as many
 * tokens as it can before a token it cannot contain (`,` `;` `=>`; for types also `=` `|` `{..}` and
 * a `>` that closes nothing), backing off when the rest of the pattern does not match; fragments are
 * not checked to parse as what they claim, which is enough for the macros FFI crates write.
 *
 * The expansion is parsed as its own tree, in an `ExpandedSource` whose spans point back into the
 * scanned file: to the argument a token came from, else to the generated function's name, else to the
 * invocation.
 */
import type { Span } from '../findings.js';
import { macroName, SourceFile, type Node } from '../source.js';
import { CLOSING, lexTokens, needsSpace, type Group, type Origin, type Tok, type TokenTree } from './macro-tokens.js';
import type { MacroDef } from './macros.js';

/** Nested invocations (an expansion that invokes another generating macro) are expanded this deep. */
export const MAX_EXPANSION_DEPTH = 3;
/** Matching steps allowed per rule, so that a pathological macro cannot stall a scan. */
const MATCH_BUDGET = 200_000;

type Pattern =
  | { kind: 'tok'; tok: Tok }
  | { kind: 'group'; delim: Group['delim']; elems: Pattern[] }
  | { kind: 'frag'; name: string; frag: string }
  | { kind: 'rep'; elems: Pattern[]; sep: Tok | null; op: string };

type Template =
  | { kind: 'tok'; tok: Tok }
  | { kind: 'group'; group: Group; elems: Template[] }
  | { kind: 'var'; name: string; dollar: Tok }
  | { kind: 'rep'; elems: Template[]; sep: Tok | null; op: string; dollar: Tok };

interface Rule {
  pattern: Pattern[];
  body: Template[];
}

/** `expr`: bound to an `$x:expr` fragment, which stays one expression wherever it is pasted. */
type Binding = { kind: 'leaf'; tokens: TokenTree[]; expr?: boolean } | { kind: 'seq'; items: Binding[] };
type Env = ReadonlyMap<string, Binding>;

/** A macro invocation's expansion, parsed. Spans of its nodes point into the scanned file. */
export class ExpandedSource extends SourceFile {
  constructor(
    /** The file (or outer expansion) the invocation is written in. */
    readonly host: SourceFile,
    text: string,
    /** Output ranges and where their tokens were written, in order. */
    private readonly marks: { start: number; end: number; origin: Origin | null }[],
    /** The macro's name, without `!`. */
    readonly macro: string,
    /** The invocation's `path!`, in the scanned file. */
    readonly invocationSpan: Span,
  ) {
    super(host.path, text);
  }

  /** Where the token at `offset` of the expansion was written. */
  originAt(offset: number): Origin | null {
    let lo = 0;
    let hi = this.marks.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const m = this.marks[mid]!;
      if (offset < m.start) hi = mid - 1;
      else if (offset >= m.end) lo = mid + 1;
      else return m.origin;
    }
    return null;
  }

  /**
   * Code from the invocation's arguments is reported where it is written; code from the transcriber
   * at the name of the function it is in (when the invocation supplies that name), else at the invocation.
   */
  override span(node: Node, endNode: Node = node): Span {
    const first = this.originAt(node.startIndex);
    if (first?.input) {
      const last = this.originAt(endNode.endIndex - 1);
      const s = first.span;
      const ordered = last?.input && last.span.endLine * 1e6 + last.span.endColumn >= s.endLine * 1e6 + s.endColumn;
      return ordered ? { ...s, endLine: last.span.endLine, endColumn: last.span.endColumn } : s;
    }
    const name = this.functionName(node);
    const named = name ? this.originAt(name.startIndex) : null;
    return named?.input ? named.span : this.invocationSpan;
  }

  override line(node: Node): number {
    return this.span(node).startLine;
  }

  /** Where in the macro's definition the code of `node` is written, when it comes from a transcriber. */
  templateSpan(node: Node): Span | null {
    const o = this.originAt(node.startIndex);
    return o && !o.input ? o.span : null;
  }

  private functionName(node: Node): Node | null {
    for (let n: Node | null = node; n; n = this.parent(n)) {
      if (n.type === 'function_item') return n.childForFieldName('name');
    }
    return null;
  }
}

/** Expands invocations of a crate's macros that generate `extern` functions; one expansion per invocation. */
export class MacroExpander {
  /** Macros whose transcriber writes `extern "C" fn` (or invokes such a macro). */
  readonly generators = new Set<string>();
  /** Macros whose transcriber writes any `fn` (`map_enum!(map_level, ..)` writing a conversion helper). */
  readonly fnWriters = new Set<string>();
  private readonly rules = new Map<string, Rule[] | null>();
  private readonly cache = new Map<SourceFile, Map<string, ExpandedSource | null>>();

  constructor(private readonly macros: ReadonlyMap<string, MacroDef>) {
    const direct = new Map<string, TokenTree[]>();
    for (const [name, def] of macros) {
      const body = definitionTokens(def);
      if (body) direct.set(name, body);
    }
    for (const [name, body] of direct) {
      if (writesExternFn(body)) this.generators.add(name);
      if (writesFn(body)) this.fnWriters.add(name);
    }
    // A macro that invokes a generating macro generates too.
    for (let changed = true; changed; ) {
      changed = false;
      for (const [name, body] of direct) {
        if (!this.generators.has(name) && invokesAny(body, this.generators)) {
          this.generators.add(name);
          changed = true;
        }
      }
    }
  }

  /** The expansion of an invocation of a generating macro (see `generators`), or null. */
  expand(file: SourceFile, invocation: Node): ExpandedSource | null {
    const name = macroName(invocation);
    return name && this.generators.has(name) ? this.expandInvocation(file, invocation) : null;
  }

  /** The expansion of `invocation` (a `macro_invocation` node of `file`), or null when it is no crate macro or no rule matches. */
  expandInvocation(file: SourceFile, invocation: Node): ExpandedSource | null {
    const name = macroName(invocation);
    if (!name) return null;
    let cache = this.cache.get(file);
    if (!cache) this.cache.set(file, (cache = new Map()));
    const key = `${invocation.startIndex}:${invocation.endIndex}`;
    if (cache.has(key)) return cache.get(key)!;
    let result: ExpandedSource | null = null;
    try {
      result = this.expandUncached(file, invocation, name);
    } catch {
      // A stack overflow on a huge invocation, or a shape we did not foresee: no expansion.
      result = null;
    }
    cache.set(key, result);
    return result;
  }

  private expandUncached(file: SourceFile, invocation: Node, name: string): ExpandedSource | null {
    const rules = this.rulesOf(name);
    const tt = invocation.namedChildren.find((c) => c.type === 'token_tree');
    if (!rules || !tt) return null;
    const fromHost = file instanceof ExpandedSource;
    const input = lexTokens(file.text, tt.startIndex + 1, tt.endIndex - 1, (s, e) =>
      fromHost ? file.originAt(s) : { span: file.spanAt(s, e), input: true },
    );
    if (!input) return null;
    for (const rule of rules) {
      const env = matchRule(rule.pattern, input);
      if (!env) continue;
      const out: Tok[] = [];
      if (!transcribe(rule.body, env, out)) return null;
      const { text, marks } = render(pasteIdentifiers(out));
      const head = invocation.children.find((c) => c.type === '!') ?? invocation;
      const span = file.span(invocation.child(0) ?? invocation, head);
      return new ExpandedSource(file, text, marks, name, span);
    }
    return null;
  }

  private rulesOf(name: string): Rule[] | null {
    if (!this.rules.has(name)) {
      const def = this.macros.get(name);
      const body = def ? definitionTokens(def) : null;
      this.rules.set(name, body ? parseRules(body) : null);
    }
    return this.rules.get(name)!;
  }
}

const definitionCache = new WeakMap<MacroDef, TokenTree[] | null>();

/** The tokens inside `macro_rules! name { .. }`. */
function definitionTokens(def: MacroDef): TokenTree[] | null {
  if (definitionCache.has(def)) return definitionCache.get(def)!;
  const name = def.node.childForFieldName('name');
  const file = def.file;
  const tokens = name ? lexTokens(file.text, name.endIndex, def.node.endIndex, (s, e) => ({ span: file.spanAt(s, e), input: false })) : null;
  const group = tokens?.find((t): t is Group => t.kind === 'group');
  const body = group ? group.tokens : null;
  definitionCache.set(def, body);
  return body;
}

/** Does `test` hold at some token, groups searched too? It gets the token's list and its index in it. */
function someToken(tokens: TokenTree[], test: (list: TokenTree[], i: number) => boolean): boolean {
  return tokens.some((t, i) => (t.kind === 'group' ? someToken(t.tokens, test) : test(tokens, i)));
}

/** `extern fn` or `extern "abi" fn` anywhere in the tokens. */
function writesExternFn(tokens: TokenTree[]): boolean {
  return someToken(tokens, (list, i) => {
    const t = list[i]!;
    if (t.kind !== 'ident' || t.text !== 'extern') return false;
    const next = list[i + 1]?.kind === 'literal' ? list[i + 2] : list[i + 1];
    return next?.kind === 'ident' && next.text === 'fn';
  });
}

/** `fn name` or `fn $name` anywhere in the tokens. */
function writesFn(tokens: TokenTree[]): boolean {
  return someToken(tokens, (list, i) => {
    const t = list[i]!;
    const next = list[i + 1];
    return t.kind === 'ident' && t.text === 'fn' && !!next && (next.kind === 'ident' || (next.kind !== 'group' && next.text.startsWith('$')));
  });
}

/** `name!` for one of `names` anywhere in the tokens. */
function invokesAny(tokens: TokenTree[], names: ReadonlySet<string>): boolean {
  return someToken(tokens, (list, i) => list[i]!.kind === 'ident' && names.has(list[i]!.text) && isPunct(list[i + 1], '!'));
}

const isPunct = (t: TokenTree | undefined, text: string): boolean => t?.kind === 'punct' && t.text === text;

/** `(pattern) => { body };` rules. Null when a rule cannot be read. */
function parseRules(tokens: TokenTree[]): Rule[] | null {
  const rules: Rule[] = [];
  for (let i = 0; i < tokens.length; ) {
    const left = tokens[i];
    const right = tokens[i + 2];
    if (left?.kind !== 'group' || !isPunct(tokens[i + 1], '=>') || right?.kind !== 'group') return null;
    const pattern = parsePattern(left.tokens);
    const body = parseTemplate(right.tokens);
    if (!pattern || !body) return null;
    rules.push({ pattern, body });
    i += 3;
    if (isPunct(tokens[i], ';')) i++;
  }
  return rules;
}

/** After `$( .. )`: an optional separator token and the operator. */
function repetitionTail(tokens: TokenTree[], i: number): { sep: Tok | null; op: string; next: number } | null {
  const a = tokens[i];
  if (a?.kind === 'punct' && /^[*+?]$/.test(a.text)) return { sep: null, op: a.text, next: i + 1 };
  const b = tokens[i + 1];
  if (a && a.kind !== 'group' && b?.kind === 'punct' && /^[*+?]$/.test(b.text)) return { sep: a, op: b.text, next: i + 2 };
  return null;
}

function parsePattern(tokens: TokenTree[]): Pattern[] | null {
  const out: Pattern[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'group') {
      const elems = parsePattern(t.tokens);
      if (!elems) return null;
      out.push({ kind: 'group', delim: t.delim, elems });
      continue;
    }
    const next = tokens[i + 1];
    if (isPunct(t, '$') && next?.kind === 'ident' && next.text !== 'crate' && isPunct(tokens[i + 2], ':') && tokens[i + 3]?.kind === 'ident') {
      out.push({ kind: 'frag', name: next.text, frag: (tokens[i + 3] as Tok).text });
      i += 3;
    } else if (isPunct(t, '$') && next?.kind === 'group' && next.delim === '(') {
      const elems = parsePattern(next.tokens);
      const tail = repetitionTail(tokens, i + 2);
      if (!elems || !tail) return null;
      out.push({ kind: 'rep', elems, sep: tail.sep, op: tail.op });
      i = tail.next - 1;
    } else out.push({ kind: 'tok', tok: t });
  }
  return out;
}

function parseTemplate(tokens: TokenTree[]): Template[] | null {
  const out: Template[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'group') {
      const elems = parseTemplate(t.tokens);
      if (!elems) return null;
      out.push({ kind: 'group', group: t, elems });
      continue;
    }
    const next = tokens[i + 1];
    if (isPunct(t, '$') && next?.kind === 'ident' && next.space === '') {
      // `$crate` names the defining crate: `crate` from inside it.
      out.push(next.text === 'crate' ? { kind: 'tok', tok: { ...next, space: t.space } } : { kind: 'var', name: next.text, dollar: t });
      i++;
    } else if (isPunct(t, '$') && next?.kind === 'group' && next.delim === '(') {
      const elems = parseTemplate(next.tokens);
      const tail = repetitionTail(tokens, i + 2);
      if (!elems || !tail) return null;
      out.push({ kind: 'rep', elems, sep: tail.sep, op: tail.op, dollar: t });
      i = tail.next - 1;
    } else out.push({ kind: 'tok', tok: t });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Matching

/** Tokens a fragment of this kind cannot contain outside a group; it stops before them. */
const STOPS: Record<string, ReadonlySet<string>> = {
  expr: new Set([',', ';', '=>']),
  stmt: new Set([',', ';', '=>']),
  meta: new Set([',', ';', '=>']),
  ty: new Set([',', ';', '=>', '=', '|', ':']),
  path: new Set([',', ';', '=>', '=', '|', ':']),
  pat: new Set([',', ';', '=>', '=', ':', 'if', 'in']),
  pat_param: new Set([',', ';', '=>', '=', ':', 'if', 'in', '|']),
  item: new Set(),
};
STOPS.expr_2021 = STOPS.expr!;

function sameToken(a: TokenTree, b: Tok): boolean {
  return a.kind === b.kind && a.text === b.text;
}

/** The token counts a fragment may take at `j`, in the order to try them (longest first). */
function fragmentLengths(frag: string, toks: TokenTree[], j: number): number[] {
  const t = toks[j];
  switch (frag) {
    case 'ident':
      return t?.kind === 'ident' && t.text !== '_' ? [1] : [];
    case 'lifetime':
      return t?.kind === 'lifetime' ? [1] : [];
    case 'tt':
      return t ? [1] : [];
    case 'block':
      return t?.kind === 'group' && t.delim === '{' ? [1] : [];
    case 'literal':
      if (t?.kind === 'literal' || (t?.kind === 'ident' && (t.text === 'true' || t.text === 'false'))) return [1];
      return isPunct(t, '-') && toks[j + 1]?.kind === 'literal' ? [2] : [];
    case 'vis':
      if (t?.kind === 'ident' && t.text === 'pub') return toks[j + 1]?.kind === 'group' && (toks[j + 1] as Group).delim === '(' ? [2, 1, 0] : [1, 0];
      return [0];
  }
  const stops = STOPS[frag];
  if (!stops) return [];
  const typeLike = frag === 'ty' || frag === 'path';
  const ends: number[] = [];
  let angle = 0;
  for (let k = j; k < toks.length; k++) {
    const u = toks[k]!;
    if (u.kind !== 'group' && angle === 0 && stops.has(u.text)) break;
    if (typeLike) {
      if (u.kind === 'group' && u.delim === '{' && angle === 0) break;
      if (isPunct(u, '<')) angle++;
      else if (isPunct(u, '>')) {
        if (angle === 0) break;
        angle--;
      }
    }
    if (angle === 0) ends.push(k + 1 - j);
  }
  return ends.reverse();
}

/** Names bound by a pattern (inside repetitions too). */
function boundNames(elems: Pattern[], out: Set<string> = new Set()): Set<string> {
  for (const e of elems) {
    if (e.kind === 'frag') out.add(e.name);
    else if (e.kind === 'group' || e.kind === 'rep') boundNames(e.elems, out);
  }
  return out;
}

type Continue = (j: number, env: Env) => Env | null;

/** Bindings when `pattern` matches all of `input`, else null. */
function matchRule(pattern: Pattern[], input: TokenTree[]): Env | null {
  let steps = 0;
  const step = (): boolean => ++steps <= MATCH_BUDGET;

  const seq = (elems: Pattern[], i: number, toks: TokenTree[], j: number, env: Env, k: Continue): Env | null => {
    if (!step()) return null;
    if (i === elems.length) return k(j, env);
    const e = elems[i]!;
    const rest: Continue = (jj, ee) => seq(elems, i + 1, toks, jj, ee, k);
    switch (e.kind) {
      case 'tok': {
        const t = toks[j];
        return t && sameToken(t, e.tok) ? rest(j + 1, env) : null;
      }
      case 'group': {
        const g = toks[j];
        if (g?.kind !== 'group' || g.delim !== e.delim) return null;
        return seq(e.elems, 0, g.tokens, 0, env, (jj, ee) => (jj === g.tokens.length ? rest(j + 1, ee) : null));
      }
      case 'frag': {
        for (const n of fragmentLengths(e.frag, toks, j)) {
          const bound = new Map(env).set(e.name, { kind: 'leaf', tokens: toks.slice(j, j + n), ...(e.frag === 'expr' ? { expr: true } : {}) });
          const r = rest(j + n, bound);
          if (r || steps > MATCH_BUDGET) return r;
        }
        return null;
      }
      case 'rep':
        return repetition(e, toks, j, [], env, rest);
    }
  };

  const repetition = (e: Extract<Pattern, { kind: 'rep' }>, toks: TokenTree[], j: number, iterations: Env[], env: Env, k: Continue): Env | null => {
    if (!step()) return null;
    // Greedy: one more iteration first, then stop here.
    const sepAt = iterations.length > 0 && e.sep ? toks[j] : undefined;
    const sepOk = !(iterations.length > 0 && e.sep) || (sepAt !== undefined && sameToken(sepAt, e.sep!));
    if (!(e.op === '?' && iterations.length === 1) && sepOk) {
      const start = sepAt ? j + 1 : j;
      const r = seq(e.elems, 0, toks, start, new Map(), (jj, ee) => (jj > j ? repetition(e, toks, jj, [...iterations, ee], env, k) : null));
      if (r || steps > MATCH_BUDGET) return r;
    }
    if (e.op === '+' && iterations.length === 0) return null;
    const bound = new Map(env);
    for (const name of boundNames(e.elems)) bound.set(name, { kind: 'seq', items: iterations.map((it) => it.get(name) ?? { kind: 'seq', items: [] }) });
    return k(j, bound);
  };

  return seq(pattern, 0, input, 0, new Map(), (j, env) => (j === input.length ? env : null));
}

// ---------------------------------------------------------------------------------------------------
// Transcription

/** Variables a template uses (inside repetitions too). */
function usedNames(elems: Template[], out: Set<string> = new Set()): Set<string> {
  for (const e of elems) {
    if (e.kind === 'var') out.add(e.name);
    else if (e.kind === 'group' || e.kind === 'rep') usedNames(e.elems, out);
  }
  return out;
}

function flatten(tokens: TokenTree[], out: Tok[]): void {
  for (const t of tokens) {
    if (t.kind !== 'group') {
      out.push(t);
      continue;
    }
    out.push({ kind: 'punct', text: t.delim, space: t.space, origin: t.open });
    flatten(t.tokens, out);
    out.push({ kind: 'punct', text: CLOSING[t.delim], space: t.closeSpace, origin: t.close });
  }
}

/** Writes the template with `env` substituted; false when the macro uses a variable at the wrong depth. */
function transcribe(elems: Template[], env: Env, out: Tok[]): boolean {
  for (const e of elems) {
    switch (e.kind) {
      case 'tok':
        out.push(e.tok);
        break;
      case 'group':
        out.push({ kind: 'punct', text: e.group.delim, space: e.group.space, origin: e.group.open });
        if (!transcribe(e.elems, env, out)) return false;
        out.push({ kind: 'punct', text: CLOSING[e.group.delim], space: e.group.closeSpace, origin: e.group.close });
        break;
      case 'var': {
        const b = env.get(e.name);
        if (!b) {
          // Not a metavariable of this rule: rustc writes `$name` as it is.
          out.push(e.dollar, { kind: 'ident', text: e.name, space: '', origin: e.dollar.origin });
          break;
        }
        if (b.kind !== 'leaf') return false;
        const start = out.length;
        // rustc pastes an `expr` fragment as one operand: `!$cond` with `a || b` is `!(a || b)`.
        // Parentheses say so to the parser (a single token or group needs none).
        const wrap = b.expr === true && b.tokens.length > 1;
        if (wrap) out.push({ kind: 'punct', text: '(', space: '', origin: firstOrigin(b.tokens) });
        flatten(b.tokens, out);
        if (wrap) out[start + 1] = { ...out[start + 1]!, space: '' };
        if (wrap) out.push({ kind: 'punct', text: ')', space: '', origin: firstOrigin(b.tokens) });
        // The first token takes the spacing the template gave `$name`.
        if (out.length > start) out[start] = { ...out[start]!, space: e.dollar.space };
        break;
      }
      case 'rep': {
        const driving = [...usedNames(e.elems)].map((n) => env.get(n)).filter((b): b is Extract<Binding, { kind: 'seq' }> => b?.kind === 'seq');
        if (driving.length === 0) return false;
        const count = driving[0]!.items.length;
        if (driving.some((d) => d.items.length !== count)) return false;
        for (let i = 0; i < count; i++) {
          const inner = new Map(env);
          for (const n of usedNames(e.elems)) {
            const b = env.get(n);
            if (b?.kind === 'seq') inner.set(n, b.items[i]!);
          }
          if (i > 0 && e.sep) out.push(e.sep);
          const start = out.length;
          if (!transcribe(e.elems, inner, out)) return false;
          // Spacing as rustc prints it: `a, b` after a separator, `f() -> T` where `$(` was spaced.
          const space = i === 0 ? e.dollar.space : e.sep && /^[,;]$/.test(e.sep.text) ? ' ' : '';
          if (out.length > start && !out[start]!.space && space) out[start] = { ...out[start]!, space };
        }
        break;
      }
    }
  }
  return true;
}

const CASE: Record<string, (s: string) => string> = {
  lower: (s) => s.toLowerCase(),
  upper: (s) => s.toUpperCase(),
  snake: (s) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase(),
  camel: (s) => s.replace(/(?:^|_)([a-z0-9])/g, (_m, c: string) => c.toUpperCase()),
};

/**
 * `[<new_ $name>]` inside `paste!`/`pastey::item!` is one identifier: FFI macros build export names
 * this way. Pasted here (with `:lower`/`:upper`/`:snake`/`:camel`), so the function has its real name;
 * it takes the origin of its first piece the invocation wrote.
 */
function pasteIdentifiers(tokens: Tok[]): Tok[] {
  const out: Tok[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.text === '[' && tokens[i + 1]?.text === '<') {
      const pieces: Tok[] = [];
      let text = '';
      let j = i + 2;
      for (; j < tokens.length; j++) {
        const u = tokens[j]!;
        if (u.kind === 'ident' || u.kind === 'literal' || u.kind === 'lifetime') {
          const modifier = tokens[j + 1]?.text === ':' ? CASE[tokens[j + 2]?.text ?? ''] : undefined;
          const piece = u.kind === 'literal' ? u.text.replace(/^"|"$/g, '') : u.text.replace(/^'/, '');
          text += modifier ? modifier(piece) : piece;
          pieces.push(u);
          if (modifier) j += 2;
        } else break;
      }
      if (pieces.length && tokens[j]?.text === '>' && tokens[j + 1]?.text === ']' && /^[A-Za-z_]\w*$/.test(text)) {
        const origin = pieces.find((p) => p.origin?.input)?.origin ?? pieces[0]!.origin;
        out.push({ kind: 'ident', text, space: t.space, origin });
        i = j + 1;
        continue;
      }
    }
    out.push(t);
  }
  return out;
}

/** The expansion's text, and which range of it each token came from. */
function render(tokens: Tok[]): { text: string; marks: { start: number; end: number; origin: Origin | null }[] } {
  let text = '';
  const marks: { start: number; end: number; origin: Origin | null }[] = [];
  let prev = '';
  for (const t of tokens) {
    const space = t.space || (needsSpace(prev, t.text) ? ' ' : '');
    text += space;
    marks.push({ start: text.length, end: text.length + t.text.length, origin: t.origin });
    text += t.text;
    prev = t.text;
  }
  return { text, marks };
}

/** Where the first token of `tokens` was written (for the parentheses put around a pasted expression). */
function firstOrigin(tokens: readonly TokenTree[]): Origin | null {
  const t = tokens[0];
  return !t ? null : t.kind === 'group' ? t.open : t.origin;
}
