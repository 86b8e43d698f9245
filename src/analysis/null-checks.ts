/**
 * Raw-pointer parameters: where a body dereferences them, and whether a null check dominates that
 * place. The reasoning is structural, the way people write the checks: a dereference is covered when
 * it sits inside the "non-null" side of a test (`if !p.is_null() { .. }`, the `else` of
 * `if p.is_null()`, the `Some` arm of `match p.as_ref()`, the right side of `!p.is_null() && ..`,
 * the body of `while !p.is_null()`), or when an earlier statement of an enclosing block bails out on
 * null (`if p.is_null() { return .. }`, `let Some(x) = p.as_ref() else { .. }`, `NonNull::new(p)?`,
 * `assert!(!p.is_null())`, a crate null-check macro or helper). Only the parts of an earlier
 * statement that always run count: a check nested under another `if`, in a loop or in a closure may
 * be skipped. `debug_assert!` is not a check: it is gone from release builds.
 */
import type { FnInfo } from '../model/functions.js';
import type { Guards } from '../model/guards.js';
import { macroName, type Node, type SourceFile } from '../source.js';
import { asMethodCall, asPathCall, lastOf, lastSegment, patternBindings, tailExpression, unparen } from '../syntax.js';
import { sameNode } from '../node-fields.js';
import { holdsWord } from '../regexp.js';

export interface Deref {
  node: Node;
  /** How the pointer is used, to complete "parameter `p` is ... at line N": `dereferenced`, `passed to \`Box::from_raw\``. */
  how: string;
  /** The local copy the use goes through (`q` in `let q = p as *mut T; *q`), when it is not the parameter itself. */
  via?: string;
}

/** What the analysis needs from the crate model. */
export interface NullCheckContext {
  guards: Guards;
  /** To read a boolean helper's body and learn which way round it answers. */
  functionsByName?: ReadonlyMap<string, FnInfo[]>;
  /** To see what an invocation of a crate macro does (`return_if_fail!(!p.is_null())` returns on null). */
  expandMacro?: (file: SourceFile, invocation: Node) => SourceFile | null;
}

const DEREF_METHODS = new Set(['read', 'write', 'read_unaligned', 'write_unaligned', 'read_volatile', 'write_volatile', 'replace', 'swap', 'drop_in_place', 'write_bytes', 'copy_to', 'copy_to_nonoverlapping', 'copy_from', 'copy_from_nonoverlapping']);
/** Methods of another pointer that also read or write through their pointer argument: `dst.copy_from(p, n)`. */
const DEREF_ARG_METHODS = new Set(['swap', 'copy_to', 'copy_to_nonoverlapping', 'copy_from', 'copy_from_nonoverlapping']);
const PTR_FUNCTIONS = new Set(['read', 'write', 'read_unaligned', 'write_unaligned', 'read_volatile', 'write_volatile', 'replace', 'swap', 'drop_in_place', 'write_bytes', 'copy', 'copy_nonoverlapping']);
/** `Type::function(p, ..)` calls that require `p` to be non-null. */
const FROM_POINTER: Record<string, string[]> = {
  from_raw_parts: ['slice', 'String', 'Vec'],
  from_raw_parts_mut: ['slice'],
  from_ptr: ['CStr'],
  from_raw: ['Box', 'Arc', 'Rc', 'CString', 'Weak'],
  increment_strong_count: ['Arc', 'Rc'],
  decrement_strong_count: ['Arc', 'Rc'],
};
/** Pointer arithmetic and casts keep "this is still `p`". */
const DERIVING_METHODS = new Set(['add', 'offset', 'sub', 'wrapping_add', 'wrapping_offset', 'wrapping_sub', 'byte_add', 'byte_offset', 'cast', 'cast_mut', 'cast_const']);
/** `Option`/`Result` methods after which `None` is still `None` (or `Err`): `p.as_ref().map(..)?`, `.ok_or(E)?`. */
const NONE_PRESERVING = new Set(['map', 'and_then', 'filter', 'cloned', 'copied', 'as_deref', 'as_deref_mut', 'ok_or', 'ok_or_else', 'map_err', 'context', 'with_context', 'as_ptr', 'as_mut_ptr', 'cast', 'to_owned']);
/** Statement-like expressions whose code may not run, or may run elsewhere: their checks protect nothing after them. */
const MAYBE_SKIPPED = new Set(['closure_expression', 'loop_expression', 'while_expression', 'async_block', 'function_item']);

/** Crate macros whose expansion invokes another, followed this deep. */
const MAX_MACRO_NESTING = 3;

/** Which way round a boolean helper answers: true for a non-null pointer, true for a null one, or unknown. */
type Polarity = 'nonnull' | 'null' | 'unknown';

export class PointerParam {
  /** The parameter and local names bound to it (`let q = p as *mut T;`). */
  readonly names: Set<string>;
  private readonly guards: Guards;

  constructor(
    private readonly file: SourceFile,
    private readonly body: Node,
    readonly name: string,
    private readonly ctx: NullCheckContext,
    /** How many crate macro expansions this body is nested in (see `expansionBails`). */
    private readonly depth = 0,
  ) {
    this.guards = ctx.guards;
    this.names = new Set([name]);
    file.walkBody(body, (n) => {
      if (n.type !== 'let_declaration') return;
      const pat = n.childForFieldName('pattern');
      const value = n.childForFieldName('value');
      if (pat?.type === 'identifier' && value && this.isPointerExpr(value) && !n.childForFieldName('alternative')) this.names.add(pat.text);
    });
  }

  /** `p`, `p as *mut T`, `p.cast::<T>()`, `p.add(i)`, `unsafe { p.add(i) }` (for one of our names, not shadowed). */
  isPointerExpr(expr: Node): boolean {
    const e = strip(expr);
    if (e.type === 'identifier') return this.names.has(e.text) && !this.shadowed(e);
    if (e.type === 'type_cast_expression') return this.isPointerExpr(e.childForFieldName('value')!);
    const m = asMethodCall(e);
    return !!m && DERIVING_METHODS.has(m.method) && this.isPointerExpr(m.receiver);
  }

  /** A value read through the pointer: `*p`, `*p.add(i)`, `(*p).field`, `p.read()` (a C string inside a C array or struct). */
  isLoadedFrom(expr: Node): boolean {
    const e = strip(expr);
    if (e.type === 'unary_expression' && e.child(0)?.type === '*') return this.isPointerExpr(e.namedChild(0)!);
    if (e.type === 'field_expression') {
      const value = strip(e.childForFieldName('value')!);
      return value.type === 'unary_expression' && value.child(0)?.type === '*' && this.isPointerExpr(value.namedChild(0)!);
    }
    const m = asMethodCall(e);
    return !!m && m.args.length === 0 && ['read', 'read_unaligned', 'read_volatile'].includes(m.method) && this.isPointerExpr(m.receiver);
  }

  /** Every place the body dereferences (or hands to an API that needs a non-null) this pointer. */
  derefs(): Deref[] {
    const out: Deref[] = [];
    this.file.walkBody(this.body, (n) => {
      const d = this.derefAt(n);
      if (d) out.push(d);
    });
    return out;
  }

  private derefAt(n: Node): Deref | null {
    const d = this.useAt(n);
    if (!d) return null;
    const name = this.usedName(n);
    return name && name !== this.name ? { ...d, via: name } : d;
  }

  /** The name of ours that a dereference goes through (the first one mentioned). */
  private usedName(n: Node): string | undefined {
    let found: string | undefined;
    this.file.walk(n, (c) => {
      if (found) return false;
      if (c.type === 'identifier' && this.names.has(c.text) && this.isPointerExpr(c)) found = c.text;
      return undefined;
    });
    return found;
  }

  private useAt(n: Node): Deref | null {
    if (n.type === 'unary_expression' && n.child(0)?.type === '*') {
      const operand = n.namedChild(0);
      return operand && this.isPointerExpr(operand) ? { node: n, how: 'dereferenced' } : null;
    }
    const m = asMethodCall(n);
    if (m) {
      // `p.as_mut().unwrap_unchecked()` promises the compiler the pointer is non-null: undefined
      // behaviour on null, exactly like `&mut *p`.
      if (m.method === 'unwrap_unchecked' && m.args.length === 0) {
        const conv = asMethodCall(strip(m.receiver));
        if (conv && ['as_ref', 'as_mut'].includes(conv.method) && this.isPointerExpr(conv.receiver)) return { node: n, how: `assumed non-null by \`.${conv.method}().unwrap_unchecked()\`` };
      }
      if (DEREF_METHODS.has(m.method) && this.isPointerExpr(m.receiver)) return { node: n, how: `dereferenced by \`.${m.method}()\`` };
      if (DEREF_ARG_METHODS.has(m.method) && m.args.some((a) => this.isPointerExpr(a))) return { node: n, how: `passed to \`.${m.method}()\`` };
      return null;
    }
    const c = asPathCall(n);
    if (!c) return null;
    const owner = lastOf(c.qualifier);
    if (PTR_FUNCTIONS.has(c.name) && owner === 'ptr') {
      return c.args.some((a) => this.isPointerExpr(a)) ? { node: n, how: `dereferenced by \`ptr::${c.name}\`` } : null;
    }
    const owners = FROM_POINTER[c.name];
    if (owners && owners.includes(owner) && c.args[0] && this.isPointerExpr(c.args[0])) {
      return { node: n, how: `passed to \`${owner}::${c.name}\`` };
    }
    return null;
  }

  /**
   * Places the body tests the pointer for null (`p.is_null()`, `p == ptr::null()`, `p.as_ref()`,
   * `NonNull::new(p)`, a crate helper), dominating or not, to explain a finding. `debugOnly` marks
   * tests inside `debug_assert!`.
   */
  nullTests(): { node: Node; debugOnly: boolean }[] {
    const out: { node: Node; debugOnly: boolean }[] = [];
    this.file.walkBody(this.body, (n) => {
      if (n.type === 'macro_invocation' && this.isHelperCall(n, 'any')) {
        out.push({ node: n, debugOnly: false });
        return false;
      }
      if (this.isNullTest(n) || this.isOptionOfPointer(n) || (n.type === 'call_expression' && this.isHelperCall(n, 'any'))) {
        // `p.as_ref().unwrap_unchecked()` tests nothing: it assumes.
        const parent = this.file.parent(n);
        const unchecked = parent?.type === 'field_expression' && parent.childForFieldName('field')?.text === 'unwrap_unchecked';
        if (unchecked) return false;
        const debugOnly = [...this.file.ancestors(n)].some((a) => a.type === 'macro_invocation' && /^debug_assert/.test(macroName(a) ?? ''));
        out.push({ node: n, debugOnly });
        return false;
      }
      return undefined;
    });
    return out;
  }

  /** Is the place `site` only reached when the pointer is non-null? */
  isChecked(site: Node): boolean {
    let prev = site;
    for (const a of this.file.ancestors(site)) {
      if (this.coveredBy(a, prev)) return true;
      if (sameNode(a, this.body)) return false;
      prev = a;
    }
    return false;
  }

  private coveredBy(a: Node, child: Node): boolean {
    switch (a.type) {
      case 'if_expression': {
        const cond = a.childForFieldName('condition');
        if (!cond) return false;
        const cons = a.childForFieldName('consequence');
        const alt = a.childForFieldName('alternative');
        if (cons && this.file.contains(cons, child)) return this.assertsNonNull(cond);
        if (alt && this.file.contains(alt, child)) return this.assertsNull(cond);
        return false;
      }
      case 'while_expression': {
        const cond = a.childForFieldName('condition');
        const body = a.childForFieldName('body');
        return !!cond && !!body && this.file.contains(body, child) && this.assertsNonNull(cond);
      }
      case 'binary_expression': {
        const op = a.childForFieldName('operator')?.text;
        const left = a.childForFieldName('left');
        const right = a.childForFieldName('right');
        if (!left || !right || !this.file.contains(right, child)) return false;
        return (op === '&&' && this.assertsNonNull(left)) || (op === '||' && this.assertsNull(left));
      }
      case 'match_arm': {
        const match = a.parent?.parent;
        const value = match?.type === 'match_expression' ? match.childForFieldName('value') : null;
        const pattern = a.childForFieldName('pattern');
        if (!value || !pattern || this.file.contains(pattern, child)) return false;
        return this.provesNonNull(pattern, value);
      }
      case 'call_expression': {
        // tree-sitter-rust reads `m! { .. }` then `(*p).x = 1;` on the next line as a call of the
        // invocation; in Rust the invocation is a statement of its own, run before.
        const callee = a.childForFieldName('function');
        const args = a.childForFieldName('arguments');
        const braced = callee?.type === 'macro_invocation' && callee.namedChildren.find((c) => c.type === 'token_tree')?.text.startsWith('{');
        return !!braced && !!args && this.file.contains(args, child) && this.bailsOutOnNull(callee!);
      }
      case 'block':
      case 'source_file':
      // `SourceFile.parent` goes from the statements of a re-parsed macro argument straight to the invocation.
      case 'macro_invocation': {
        // A crate null-check macro given the pointer runs its other arguments after the check (`non_null!(&*p ?= err)`).
        if (a.type === 'macro_invocation' && this.isHelperCall(a, 'any')) return true;
        for (let s = child.previousNamedSibling; s; s = s.previousNamedSibling) if (this.bailsOutOnNull(s)) return true;
        return false;
      }
      default:
        return false;
    }
  }

  /** A statement after which the pointer is known non-null (or the function has returned / panicked). */
  private bailsOutOnNull(stmt: Node): boolean {
    const s = stmt.type === 'expression_statement' ? stmt.namedChild(0) : stmt;
    if (!s) return false;
    if (s.type === 'let_declaration') {
      const value = s.childForFieldName('value');
      if (!value) return false;
      if (s.childForFieldName('alternative') && this.provesNonNull(s.childForFieldName('pattern'), value)) return true;
      return this.evaluationBails(value);
    }
    if (s.type === 'macro_invocation' && macroName(s) === 'assert') {
      const args = this.file.expansion(s);
      const first = args?.namedChild(0)?.namedChild(0) ?? args?.namedChild(0);
      return !!first && this.assertsNonNull(first.type === 'tuple_expression' ? first.namedChild(0)! : first);
    }
    return this.evaluationBails(s);
  }

  /**
   * Does evaluating `e` bail out when the pointer is null? Only the parts that always run count:
   * the condition of an `if` but not its branches, the left of `&&`/`||`, a `match` scrutinee.
   */
  private evaluationBails(e: Node): boolean {
    if (MAYBE_SKIPPED.has(e.type)) return false;
    switch (e.type) {
      case 'try_expression': {
        const inner = e.namedChild(0)!;
        return this.chainHasCheck(inner) || this.evaluationBails(inner);
      }
      case 'if_expression': {
        const cond = e.childForFieldName('condition');
        return this.ifChainBails(e) || (!!cond && this.evaluationBails(cond));
      }
      case 'match_expression': {
        const value = e.childForFieldName('value');
        if (!value) return false;
        // Some arm is reached only with a non-null pointer, and every other arm leaves.
        const arms = e.childForFieldName('body')?.namedChildren.filter((c) => c.type === 'match_arm') ?? [];
        const proving = arms.filter((arm) => this.provesNonNull(arm.childForFieldName('pattern'), value));
        if (proving.length > 0 && proving.length < arms.length && arms.every((arm) => proving.includes(arm) || diverges(arm.childForFieldName('value')))) return true;
        return this.evaluationBails(value);
      }
      case 'binary_expression': {
        const op = e.childForFieldName('operator')?.text;
        const left = e.childForFieldName('left');
        const right = e.childForFieldName('right');
        if (op === '&&' || op === '||') return !!left && this.evaluationBails(left);
        return (!!left && this.evaluationBails(left)) || (!!right && this.evaluationBails(right));
      }
      case 'block':
        return e.namedChildren.some((s) => this.bailsOutOnNull(s));
      case 'macro_invocation':
        // A crate null-check macro bails out, and so does a crate macro whose expansion does; other
        // macros may run their argument in a closure (guards do).
        return this.isHelperCall(e, 'any') || this.expansionBails(e);
      case 'for_expression': {
        const value = e.childForFieldName('value');
        return !!value && this.evaluationBails(value);
      }
    }
    // `p.as_ref().unwrap()` panics on null instead of dereferencing it: a panic, not undefined behaviour.
    const m = asMethodCall(e);
    if (m && (m.method === 'unwrap' || m.method === 'expect') && this.chainHasCheck(m.receiver)) return true;
    return e.namedChildren.some((c) => this.evaluationBails(c));
  }

  /**
   * Does an invocation of a crate macro that is given the pointer bail out on null once expanded
   * (`rsvg_return_val_if_fail! { f => v; !p.is_null(), }` writes `if !!p.is_null() { return v; }`)?
   * The expansion is judged like a block of statements written in its place.
   */
  private expansionBails(invocation: Node): boolean {
    // The arguments' text, not their re-parse: a crate macro's input need not parse as Rust (`f => v; a, b,`).
    if (!this.ctx.expandMacro || this.depth >= MAX_MACRO_NESTING || !holdsWord(invocation.text, this.names)) return false;
    const src = this.ctx.expandMacro(this.file, invocation);
    if (!src) return false;
    const inner = new PointerParam(src, src.root, this.name, this.ctx, this.depth + 1);
    for (const n of this.names) inner.names.add(n);
    return src.root.namedChildren.some((s) => inner.bailsOutOnNull(s));
  }

  /**
   * Does `value` matching `pattern` mean the pointer is non-null? `Some(..)` against `p.as_ref()`,
   * `(Some(a), Some(b))` against `(a.as_ref(), b.as_ref())`, `false` against `p.is_null()`.
   */
  private provesNonNull(pattern: Node | null, value: Node): boolean {
    const guard = pattern?.type === 'match_pattern' ? pattern.childForFieldName('condition') : null;
    const p = pattern?.type === 'match_pattern' ? pattern.namedChildren.find((c) => !sameNode(c, guard)) : pattern;
    if (!p) return false;
    if (p.type === 'tuple_struct_pattern') return isSomePattern(p) && this.chainHasCheck(value);
    if (p.type === 'boolean_literal') return p.text === 'true' ? this.assertsNonNull(value) : this.assertsNull(value);
    const v = strip(value);
    if (p.type === 'tuple_pattern' && v.type === 'tuple_expression') {
      // `_` is an anonymous node: count every element, not only the named ones.
      const ps = p.children.filter((c) => !['(', ')', ','].includes(c.type) && !c.type.endsWith('comment'));
      const vs = v.namedChildren.filter((c) => !c.type.endsWith('comment'));
      return ps.length === vs.length && ps.some((q, i) => this.provesNonNull(q, vs[i]!));
    }
    return false;
  }

  /** An `Option`/`Result` chain rooted at a conversion or check of the pointer: `p.as_ref()`, `NonNull::new(p).map(..)`, `helper(p)`. */
  private chainHasCheck(expr: Node): boolean {
    let e = strip(expr);
    for (;;) {
      if (this.isOptionOfPointer(e) || this.isHelperCall(e, 'any')) return true;
      const m = asMethodCall(e);
      if (m && NONE_PRESERVING.has(m.method)) e = strip(m.receiver);
      else if (e.type === 'try_expression') e = strip(e.namedChild(0)!);
      else return false;
    }
  }

  /** `if p.is_null() { return }`, `if a.is_null() || p.is_null() { return }`, `if x { return } else if p.is_null() { return }`, `if !p.is_null() { .. } else { return }`. */
  private ifChainBails(ifExpr: Node): boolean {
    let node: Node | null = ifExpr;
    while (node?.type === 'if_expression') {
      const cond: Node | null = node.childForFieldName('condition');
      const cons: Node | null = node.childForFieldName('consequence');
      const alt: Node | null = node.childForFieldName('alternative');
      const consDiverges = diverges(cons);
      if (cond && consDiverges && this.assertsNull(cond)) return true;
      const altBody: Node | null = alt?.namedChild(0) ?? null;
      if (cond && this.assertsNonNull(cond) && altBody?.type === 'block' && diverges(altBody)) return true;
      // Every earlier branch must leave for a later branch's check to cover what follows.
      if (!consDiverges) return false;
      node = altBody;
    }
    return false;
  }

  /** The condition is true only when the pointer is non-null. */
  assertsNonNull(cond: Node): boolean {
    const c = strip(cond);
    if (c.type === 'let_condition') {
      const value = c.childForFieldName('value');
      return !!value && this.provesNonNull(c.childForFieldName('pattern'), value);
    }
    if (c.type === 'let_chain') return c.namedChildren.some((x) => this.assertsNonNull(x));
    if (c.type === 'unary_expression' && c.child(0)?.type === '!') return this.assertsNull(c.namedChild(0)!);
    if (c.type === 'binary_expression') {
      const op = c.childForFieldName('operator')?.text;
      const l = c.childForFieldName('left')!;
      const r = c.childForFieldName('right')!;
      if (op === '&&') return this.assertsNonNull(l) || this.assertsNonNull(r);
      if (op === '!=') return this.comparesWithNull(l, r);
      return false;
    }
    const m = asMethodCall(c);
    if (m && m.method === 'is_some' && this.chainHasCheck(m.receiver)) return true;
    return this.isHelperCall(c, 'nonnull');
  }

  /** The condition is true whenever the pointer is null. */
  assertsNull(cond: Node): boolean {
    const c = strip(cond);
    if (c.type === 'binary_expression' && c.childForFieldName('operator')?.text === '||') {
      return this.assertsNull(c.childForFieldName('left')!) || this.assertsNull(c.childForFieldName('right')!);
    }
    // `!x` is true on null exactly when `x` is true only on non-null (De Morgan included).
    if (c.type === 'unary_expression' && c.child(0)?.type === '!') return this.assertsNonNull(c.namedChild(0)!);
    const m = asMethodCall(c);
    if (m && m.method === 'is_none' && this.chainHasCheck(m.receiver)) return true;
    return this.isNullTest(c) || this.isHelperCall(c, 'null');
  }

  /** `p.is_null()`, `p == ptr::null()`, `p == null_mut()`. */
  private isNullTest(expr: Node): boolean {
    const e = strip(expr);
    const m = asMethodCall(e);
    if (m && m.method === 'is_null') return this.isPointerExpr(m.receiver);
    if (e.type === 'binary_expression' && e.childForFieldName('operator')?.text === '==') {
      return this.comparesWithNull(e.childForFieldName('left')!, e.childForFieldName('right')!);
    }
    return false;
  }

  private comparesWithNull(l: Node, r: Node): boolean {
    const isNull = (n: Node): boolean => ['null', 'null_mut'].includes(asPathCall(strip(n))?.name ?? '');
    return (this.isPointerExpr(l) && isNull(r)) || (this.isPointerExpr(r) && isNull(l));
  }

  /** `p.as_ref()`, `p.as_mut()`, `NonNull::new(p)`: an `Option` that is `None` exactly when `p` is null. */
  private isOptionOfPointer(expr: Node): boolean {
    const e = strip(expr);
    const m = asMethodCall(e);
    if (m) return ['as_ref', 'as_mut', 'as_uninit_ref', 'as_uninit_mut'].includes(m.method) && this.isPointerExpr(m.receiver);
    const c = asPathCall(e);
    return !!c && c.name === 'new' && lastOf(c.qualifier) === 'NonNull' && !!c.args[0] && this.isPointerExpr(c.args[0]);
  }

  /**
   * A call to a crate null-check helper (function or macro) that is given this pointer. `want` is the
   * answer a boolean helper must give for a non-null (`nonnull`) or null (`null`) pointer; helpers
   * whose answer cannot be read from their body count either way.
   */
  private isHelperCall(expr: Node, want: Polarity | 'any'): boolean {
    const e = strip(expr);
    if (e.type === 'macro_invocation') return this.guards.nullCheckHelpers.has(macroName(e) ?? '') && this.mentionsPointer(e);
    const c = asPathCall(e);
    if (!c || !this.guards.nullCheckHelpers.has(c.name) || !c.args.some((a) => this.isPointerExpr(a))) return false;
    if (want === 'any') return true;
    const polarity = this.helperPolarity(c.name);
    return polarity === 'unknown' || polarity === want;
  }

  /** `fn is_valid(p: *const T) -> bool { !p.is_null() }` answers true for non-null; `{ p.is_null() }` for null. */
  private helperPolarity(name: string): Polarity {
    const found = new Set<Polarity>();
    for (const fn of this.ctx.functionsByName?.get(name) ?? []) {
      if (!fn.body) continue;
      const ptr = fn.params.find((p) => p.isRawPointer)?.name;
      const tail = tailExpression(fn.body);
      const e = tail ? strip(tail) : null;
      const isNullOf = (n: Node): boolean => {
        const m = asMethodCall(strip(n));
        return !!m && m.method === 'is_null' && strip(m.receiver).text === ptr;
      };
      if (!e || !ptr) found.add('unknown');
      else if (e.type === 'unary_expression' && e.child(0)?.type === '!' && isNullOf(e.namedChild(0)!)) found.add('nonnull');
      else if (isNullOf(e)) found.add('null');
      else found.add('unknown');
    }
    return found.size === 1 ? [...found][0]! : 'unknown';
  }

  private mentionsPointer(node: Node): boolean {
    let found = false;
    this.file.walk(node, (n) => {
      if (found) return false;
      if (n.type === 'identifier' && this.names.has(n.text)) found = true;
      return undefined;
    });
    return found;
  }

  /** Is this use of a name bound to something else: a `let`, an `if let`/`match` pattern, or a closure parameter in between? */
  private shadowed(ident: Node): boolean {
    const name = ident.text;
    let prev = ident;
    for (const a of this.file.ancestors(ident)) {
      if (sameNode(a, this.body)) {
        return this.shadowedInBlock(a, prev, name);
      }
      if (a.type === 'block' || a.type === 'source_file' || a.type === 'macro_invocation') {
        if (this.shadowedInBlock(a, prev, name)) return true;
      } else if (a.type === 'match_arm') {
        if (patternBindings(a.childForFieldName('pattern')).includes(name) && !this.file.contains(a.childForFieldName('pattern')!, ident)) return true;
      } else if (a.type === 'if_expression' || a.type === 'while_expression') {
        const cond = a.childForFieldName('condition');
        const body = a.childForFieldName(a.type === 'if_expression' ? 'consequence' : 'body');
        if (cond && body && this.file.contains(body, ident) && letBindings(cond).includes(name)) return true;
      } else if (a.type === 'closure_expression') {
        const params = a.childForFieldName('parameters');
        if (params && params.namedChildren.some((p) => patternBindings(p.type === 'parameter' ? p.childForFieldName('pattern') : p).includes(name))) return true;
      } else if (a.type === 'for_expression') {
        const body = a.childForFieldName('body');
        if (body && this.file.contains(body, ident) && patternBindings(a.childForFieldName('pattern')).includes(name)) return true;
      }
      prev = a;
    }
    return false;
  }

  private shadowedInBlock(block: Node, child: Node, name: string): boolean {
    if (sameNode(block, child)) return false;
    for (let s = child.previousNamedSibling; s; s = s.previousNamedSibling) {
      if (s.type !== 'let_declaration') continue;
      if (!patternBindings(s.childForFieldName('pattern')).includes(name)) continue;
      const value = s.childForFieldName('value');
      // `let q = p as *mut T;` rebinds the pointer itself: still ours.
      return !(value && !s.childForFieldName('alternative') && s.childForFieldName('pattern')?.type === 'identifier' && this.rebindsPointer(value));
    }
    return false;
  }

  private rebindsPointer(value: Node): boolean {
    const e = strip(value);
    if (e.type === 'identifier') return this.names.has(e.text);
    if (e.type === 'type_cast_expression') return this.rebindsPointer(e.childForFieldName('value')!);
    const m = asMethodCall(e);
    return !!m && DERIVING_METHODS.has(m.method) && this.rebindsPointer(m.receiver);
  }
}

/** The expression without parentheses or a wrapping `unsafe { .. }` / `{ .. }` that holds only it. */
function strip(node: Node): Node {
  let n = unparen(node);
  for (;;) {
    const block = n.type === 'unsafe_block' ? n.namedChildren.find((c) => c.type === 'block') : n.type === 'block' ? n : undefined;
    const inner = block?.namedChildren.filter((c) => !c.type.endsWith('comment'));
    if (!inner || inner.length !== 1 || /statement|declaration|_item$/.test(inner[0]!.type)) return n;
    n = unparen(inner[0]!);
  }
}

/** `Some(..)` / `Ok(..)`: the pattern that matches when the pointer was non-null. */
function isSomePattern(pattern: Node | null): boolean {
  return !!pattern && /^\s*(Some|Ok)\s*\(/.test(pattern.text);
}

function letBindings(cond: Node): string[] {
  const c = unparen(cond);
  if (c.type === 'let_condition') return patternBindings(c.childForFieldName('pattern'));
  if (c.type === 'let_chain') return c.namedChildren.flatMap(letBindings);
  return [];
}

/** Does this block / expression always leave: `return`, `break`, `continue`, a panic, `abort()`? */
export function diverges(node: Node | null): boolean {
  if (!node) return false;
  const n = unparen(node);
  switch (n.type) {
    case 'return_expression':
    case 'break_expression':
    case 'continue_expression':
      return true;
    case 'macro_invocation':
      return ['panic', 'unreachable', 'todo', 'unimplemented'].includes(macroName(n) ?? '');
    case 'call_expression':
      return ['abort', 'exit'].includes(lastSegment(n.childForFieldName('function')) ?? '');
    case 'expression_statement':
      return diverges(n.namedChild(0));
    case 'block':
    case 'unsafe_block':
      return n.namedChildren.some((c) => c.type !== 'let_declaration' && diverges(c)) || (n.type === 'unsafe_block' && diverges(n.namedChild(0)));
    default:
      return false;
  }
}

const pointerParamCache = new WeakMap<FnInfo, { param: FnInfo['params'][number]; ptr: PointerParam }[]>();

/**
 * The raw-pointer parameters of an FFI function with their analysis, built once per function:
 * `ffi-null-deref` and `cstr-unbounded-read` both ask, and each `PointerParam` walks the body.
 */
export function rawPointerParams(fn: FnInfo, ctx: NullCheckContext): { param: FnInfo['params'][number]; ptr: PointerParam }[] {
  let out = pointerParamCache.get(fn);
  if (!out) {
    // A callback's `void *` context that the crate itself allocated and handed to C with it is no caller input.
    const own = fn.reach?.kind === 'owned-context' ? fn.reach.param : undefined;
    out = fn.body ? fn.params.filter((p) => p.isRawPointer && p.name !== own).map((param) => ({ param, ptr: new PointerParam(fn.file, fn.body!, param.name, ctx) })) : [];
    pointerParamCache.set(fn, out);
  }
  return out;
}
