/**
 * Raw-pointer parameters: where a body dereferences them, and whether a null check dominates that
 * place. The reasoning is structural, the way people write the checks: a dereference is covered when
 * it sits inside the "non-null" side of a test (`if !p.is_null() { .. }`, the `else` of
 * `if p.is_null()`, the `Some` arm of `match p.as_ref()`, the right side of `!p.is_null() && ..`), or
 * when an earlier statement of an enclosing block bails out on null (`if p.is_null() { return .. }`,
 * `let Some(x) = p.as_ref() else { .. }`, `NonNull::new(p)?`, `assert!(!p.is_null())`, a crate
 * null-check macro or helper). `debug_assert!` is not a check: it is gone from release builds.
 */
import type { Guards } from '../model/guards.js';
import { macroName, type Node, type SourceFile } from '../source.js';
import { asMethodCall, asPathCall, lastOf, lastSegment, patternBindings, unparen } from '../syntax.js';

export interface Deref {
  node: Node;
  /** How the pointer is used, to complete "parameter `p` is ... but never checked for null". */
  how: string;
}

const DEREF_METHODS = new Set(['read', 'write', 'read_unaligned', 'write_unaligned', 'read_volatile', 'write_volatile', 'replace', 'swap', 'drop_in_place', 'write_bytes', 'copy_to', 'copy_to_nonoverlapping', 'copy_from', 'copy_from_nonoverlapping']);
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

export class PointerParam {
  /** The parameter and local names bound to it (`let q = p as *mut T;`). */
  readonly names: Set<string>;

  constructor(
    private readonly file: SourceFile,
    private readonly body: Node,
    readonly name: string,
    private readonly guards: Guards,
  ) {
    this.names = new Set([name]);
    file.walkBody(body, (n) => {
      if (n.type !== 'let_declaration') return;
      const pat = n.childForFieldName('pattern');
      const value = n.childForFieldName('value');
      if (pat?.type === 'identifier' && value && this.isPointerExpr(value) && !n.childForFieldName('alternative')) this.names.add(pat.text);
    });
  }

  /** `p`, `p as *mut T`, `p.cast::<T>()`, `p.add(i)` (for one of our names, not shadowed). */
  isPointerExpr(expr: Node): boolean {
    const e = unparen(expr);
    if (e.type === 'identifier') return this.names.has(e.text) && !this.shadowed(e);
    if (e.type === 'type_cast_expression') return this.isPointerExpr(e.childForFieldName('value')!);
    const m = asMethodCall(e);
    return !!m && DERIVING_METHODS.has(m.method) && this.isPointerExpr(m.receiver);
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
    if (n.type === 'unary_expression' && n.child(0)?.type === '*') {
      const operand = n.namedChild(0);
      return operand && this.isPointerExpr(operand) ? { node: n, how: 'dereferenced here' } : null;
    }
    const m = asMethodCall(n);
    if (m) return DEREF_METHODS.has(m.method) && this.isPointerExpr(m.receiver) ? { node: n, how: `dereferenced here by \`.${m.method}()\`` } : null;
    const c = asPathCall(n);
    if (!c) return null;
    const owner = lastOf(c.qualifier);
    if (PTR_FUNCTIONS.has(c.name) && owner === 'ptr') {
      return c.args.some((a) => this.isPointerExpr(a)) ? { node: n, how: `dereferenced here by \`ptr::${c.name}\`` } : null;
    }
    const owners = FROM_POINTER[c.name];
    if (owners && owners.includes(owner) && c.args[0] && this.isPointerExpr(c.args[0])) {
      return { node: n, how: `passed to \`${owner}::${c.name}\` here (which requires a non-null pointer)` };
    }
    return null;
  }

  /** Is the place `site` only reached when the pointer is non-null? */
  isChecked(site: Node): boolean {
    let prev = site;
    for (const a of this.file.ancestors(site)) {
      if (this.coveredBy(a, prev)) return true;
      if (a.id === this.body.id) return false;
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
        return !!value && !!pattern && this.isOptionOfPointer(value) && /^\s*Some\s*\(/.test(pattern.text);
      }
      case 'block':
      case 'source_file': {
        for (let s = child.previousNamedSibling; s; s = s.previousNamedSibling) if (this.bailsOutOnNull(s)) return true;
        return false;
      }
      default:
        return false;
    }
  }

  /** A statement after which the pointer is known non-null (or the function has returned / panicked). */
  private bailsOutOnNull(stmt: Node): boolean {
    const s = stmt.type === 'expression_statement' ? stmt.namedChild(0)! : stmt;
    if (!s) return false;
    if (s.type === 'if_expression') return this.ifChainBails(s);
    if (s.type === 'let_declaration') {
      const value = s.childForFieldName('value');
      if (!value) return false;
      if (s.childForFieldName('alternative') && (this.isOptionOfPointer(value) || this.isHelperCall(value))) return true;
      return this.valueBails(value);
    }
    if (s.type === 'macro_invocation') {
      const name = macroName(s) ?? '';
      if (this.guards.nullCheckHelpers.has(name) && this.mentionsPointer(s)) return true;
      if (name === 'assert') {
        const args = this.file.expansion(s);
        const first = args?.namedChild(0)?.namedChild(0) ?? args?.namedChild(0);
        return !!first && this.assertsNonNull(first.type === 'tuple_expression' ? first.namedChild(0)! : first);
      }
      return false;
    }
    return this.valueBails(s);
  }

  /** `NonNull::new(p)?`, `p.as_ref().unwrap()`, `helper(p)?`, `match p.as_ref() { None => return .. }` inside an expression. */
  private valueBails(expr: Node): boolean {
    let found = false;
    this.file.walkBody(expr, (n) => {
      if (found || n.type === 'closure_expression') return false;
      if (n.type === 'try_expression' && this.chainHasCheck(n.namedChild(0)!)) found = true;
      const m = asMethodCall(n);
      // `p.as_ref().unwrap()` panics on null instead of dereferencing it: a panic, not undefined behaviour.
      if (m && (m.method === 'unwrap' || m.method === 'expect') && this.chainHasCheck(m.receiver)) found = true;
      if (n.type === 'match_expression') {
        const value = n.childForFieldName('value');
        if (value && this.isOptionOfPointer(value)) {
          const arms = n.childForFieldName('body')?.namedChildren.filter((c) => c.type === 'match_arm') ?? [];
          const none = arms.filter((arm) => !/^\s*Some\s*\(/.test(arm.childForFieldName('pattern')?.text ?? ''));
          if (none.length > 0 && none.every((arm) => diverges(arm.childForFieldName('value')))) found = true;
        }
      }
      if (n.type === 'if_expression' && this.ifChainBails(n)) found = true;
      if (n.type === 'macro_invocation' && this.guards.nullCheckHelpers.has(macroName(n) ?? '') && this.mentionsPointer(n)) found = true;
      return undefined;
    });
    return found;
  }

  /** A method/`?` chain whose root converts or checks the pointer: `p.as_ref()`, `NonNull::new(p)`, `helper(p)`. */
  private chainHasCheck(expr: Node): boolean {
    let e = unparen(expr);
    for (;;) {
      if (this.isOptionOfPointer(e) || this.isHelperCall(e)) return true;
      const m = asMethodCall(e);
      if (m) e = unparen(m.receiver);
      else if (e.type === 'try_expression') e = unparen(e.namedChild(0)!);
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
    const c = unparen(cond);
    if (c.type === 'let_condition') {
      const value = c.childForFieldName('value');
      return !!value && /^\s*Some\s*\(/.test(c.childForFieldName('pattern')?.text ?? '') && this.isOptionOfPointer(value);
    }
    if (c.type === 'let_chain') return c.namedChildren.some((x) => this.assertsNonNull(x));
    if (c.type === 'unary_expression' && c.child(0)?.type === '!') return this.isNullTest(c.namedChild(0)!);
    if (c.type === 'binary_expression') {
      const op = c.childForFieldName('operator')?.text;
      const l = c.childForFieldName('left')!;
      const r = c.childForFieldName('right')!;
      if (op === '&&') return this.assertsNonNull(l) || this.assertsNonNull(r);
      if (op === '!=') return this.comparesWithNull(l, r);
    }
    const m = asMethodCall(c);
    if (m && m.method === 'is_some' && this.isOptionOfPointer(m.receiver)) return true;
    return this.isHelperCall(c);
  }

  /** The condition is true whenever the pointer is null. */
  assertsNull(cond: Node): boolean {
    const c = unparen(cond);
    if (c.type === 'binary_expression' && c.childForFieldName('operator')?.text === '||') {
      return this.assertsNull(c.childForFieldName('left')!) || this.assertsNull(c.childForFieldName('right')!);
    }
    if (c.type === 'unary_expression' && c.child(0)?.type === '!') {
      const inner = unparen(c.namedChild(0)!);
      return this.isHelperCall(inner) || (asMethodCall(inner)?.method === 'is_some' && this.isOptionOfPointer(asMethodCall(inner)!.receiver));
    }
    const m = asMethodCall(c);
    if (m && m.method === 'is_none' && this.isOptionOfPointer(m.receiver)) return true;
    return this.isNullTest(c) || this.isHelperCall(c);
  }

  /** `p.is_null()`, `p == ptr::null()`, `p == null_mut()`. */
  private isNullTest(expr: Node): boolean {
    const e = unparen(expr);
    const m = asMethodCall(e);
    if (m && m.method === 'is_null') return this.isPointerExpr(m.receiver);
    if (e.type === 'binary_expression' && e.childForFieldName('operator')?.text === '==') {
      return this.comparesWithNull(e.childForFieldName('left')!, e.childForFieldName('right')!);
    }
    return false;
  }

  private comparesWithNull(l: Node, r: Node): boolean {
    const isNull = (n: Node): boolean => ['null', 'null_mut'].includes(asPathCall(unparen(n))?.name ?? '');
    return (this.isPointerExpr(l) && isNull(r)) || (this.isPointerExpr(r) && isNull(l));
  }

  /** `p.as_ref()`, `p.as_mut()`, `NonNull::new(p)`: an `Option` that is `None` exactly when `p` is null. */
  private isOptionOfPointer(expr: Node): boolean {
    const e = unparen(expr);
    const m = asMethodCall(e);
    if (m) return ['as_ref', 'as_mut', 'as_uninit_ref', 'as_uninit_mut'].includes(m.method) && this.isPointerExpr(m.receiver);
    const c = asPathCall(e);
    return !!c && c.name === 'new' && lastOf(c.qualifier) === 'NonNull' && !!c.args[0] && this.isPointerExpr(c.args[0]);
  }

  /** A call to a crate null-check helper (function or macro) that is given this pointer. */
  private isHelperCall(expr: Node): boolean {
    const e = unparen(expr);
    if (e.type === 'macro_invocation') return this.guards.nullCheckHelpers.has(macroName(e) ?? '') && this.mentionsPointer(e);
    const c = asPathCall(e);
    return !!c && this.guards.nullCheckHelpers.has(c.name) && c.args.some((a) => this.isPointerExpr(a));
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
      if (a.id === this.body.id) {
        return this.shadowedInBlock(a, prev, name);
      }
      if (a.type === 'block' || a.type === 'source_file') {
        if (this.shadowedInBlock(a, prev, name)) return true;
      } else if (a.type === 'match_arm') {
        if (patternBindings(a.childForFieldName('pattern')).includes(name) && !this.file.contains(a.childForFieldName('pattern')!, ident)) return true;
      } else if (a.type === 'if_expression') {
        const cond = a.childForFieldName('condition');
        const cons = a.childForFieldName('consequence');
        if (cond && cons && this.file.contains(cons, ident) && letBindings(cond).includes(name)) return true;
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
    if (block.id === child.id) return false;
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
    const e = unparen(value);
    if (e.type === 'identifier') return this.names.has(e.text);
    if (e.type === 'type_cast_expression') return this.rebindsPointer(e.childForFieldName('value')!);
    const m = asMethodCall(e);
    return !!m && DERIVING_METHODS.has(m.method) && this.rebindsPointer(m.receiver);
  }
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
