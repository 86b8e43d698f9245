/**
 * Where a function body can panic, and whether a panic boundary (`catch_unwind` or a crate guard)
 * stands between that place and the caller.
 *
 * What counts as a panic site: `.unwrap()`/`.expect()` and friends, panicking macros (`panic!`,
 * `assert!` ...), indexing, integer division or remainder by a non-constant, arithmetic when the
 * release profile enables `overflow-checks`, and calls to functions of the same crate that can panic
 * themselves (followed a few levels deep). Calls into other crates are assumed not to panic: ffiguard
 * cannot see their code, and flagging every call would bury the real findings.
 */
import type { CrateModel } from '../model/crate.js';
import type { FnInfo } from '../model/functions.js';
import { macroName, type Node, type SourceFile } from '../source.js';
import { asMethodCall, asPathCall, isLiteral, lastSegment, unparen } from '../syntax.js';

export interface PanicSite {
  file: SourceFile;
  node: Node;
  /** What panics, in code font: "`.unwrap()`", "`panic!`", "indexing `v[i]`". */
  what: string;
  /** For a panic inside a callee: the calls from the analysed body down to the site. */
  via: { file: SourceFile; node: Node; callee: FnInfo }[];
}

/** Methods of std types that panic on some input. Count of arguments they take. */
const PANICKY_METHODS = new Map<string, number>([
  ['unwrap', 0],
  ['expect', 1],
  ['unwrap_err', 0],
  ['expect_err', 1],
  ['borrow_mut', 0],
  ['copy_from_slice', 1],
  ['clone_from_slice', 1],
  ['split_at', 1],
  ['split_at_mut', 1],
  ['swap_remove', 1],
]);

const PANIC_MACROS = new Set(['panic', 'unreachable', 'todo', 'unimplemented', 'assert', 'assert_eq', 'assert_ne']);

const MAX_DEPTH = 4;

export class PanicAnalysis {
  private readonly memo = new Map<Node['id'], PanicSite | null>();

  constructor(private readonly crate: CrateModel) {}

  /** Is this call, method call or macro a panic boundary for the code in its arguments? */
  isBoundary(node: Node): boolean {
    const b = this.crate.guards.panicBoundaries;
    if (node.type === 'macro_invocation') return b.has(macroName(node) ?? '');
    const call = asPathCall(node);
    if (call) return b.has(call.name);
    const m = asMethodCall(node);
    return !!m && b.has(m.method);
  }

  /** Does the function carry an attribute that makes it a boundary (`#[ffi_export]` ...)? */
  hasBoundaryAttribute(fn: FnInfo): boolean {
    return fn.attributes.some((a) => this.crate.guards.boundaryAttributes.has(a.name.split('::').pop()!));
  }

  /**
   * Panic sites of `fn`'s body that no boundary inside the body covers. With `includeGuarded`, also
   * the sites inside boundaries (under `panic = "abort"` the boundaries catch nothing).
   */
  sites(fn: FnInfo, includeGuarded = false): PanicSite[] {
    if (!fn.body) return [];
    const out: PanicSite[] = [];
    this.scan(fn, includeGuarded, 0, new Set([fn.node.id]), (s) => {
      out.push(s);
      return true;
    });
    return out;
  }

  /** The first unguarded panic site of a callee (memoised; cycles count as "does not panic"). */
  private firstSite(fn: FnInfo, depth: number, stack: Set<Node['id']>): PanicSite | null {
    const cached = this.memo.get(fn.node.id);
    if (cached !== undefined) return cached;
    if (!fn.body || depth > MAX_DEPTH || stack.has(fn.node.id)) return null;
    stack.add(fn.node.id);
    let first: PanicSite | null = null;
    this.scan(fn, false, depth, stack, (s) => {
      first = s;
      return false;
    });
    stack.delete(fn.node.id);
    // Results cut short by the depth limit or a cycle are not final: only memoise what was complete.
    if (first || depth === 0) this.memo.set(fn.node.id, first);
    return first;
  }

  private scan(fn: FnInfo, includeGuarded: boolean, depth: number, stack: Set<Node['id']>, emit: (s: PanicSite) => boolean): void {
    const file = fn.file;
    let going = true;
    file.walkBody(fn.body!, (n) => {
      if (!going) return false;
      const direct = this.directSite(n);
      if (direct) going = emit({ file, node: direct.node, what: direct.what, via: [] });
      else if (n.type === 'call_expression') {
        const callee = this.resolveCallee(fn, n);
        if (callee) {
          const inner = this.firstSite(callee, depth + 1, stack);
          if (inner) going = emit({ ...inner, via: [{ file, node: n, callee }, ...inner.via] });
        }
      }
      if (!going) return false;
      // A boundary runs its arguments (and, for a method, its receiver) under `catch_unwind`.
      if (!includeGuarded && this.isBoundary(n)) return false;
      return undefined;
    });
  }

  /** A panic site in the node itself (not in its children). */
  directSite(n: Node): { node: Node; what: string } | null {
    switch (n.type) {
      case 'call_expression': {
        const m = asMethodCall(n);
        if (m && PANICKY_METHODS.get(m.method) === m.args.length) {
          const field = n.childForFieldName('function')!;
          const name = field.type === 'generic_function' ? field.childForFieldName('function')! : field;
          return { node: name.childForFieldName('field') ?? n, what: `\`.${m.method}()\`` };
        }
        return null;
      }
      case 'macro_invocation': {
        const name = macroName(n);
        if (name && PANIC_MACROS.has(name)) return { node: n.childForFieldName('macro') ?? n, what: `\`${name}!\`` };
        return null;
      }
      case 'index_expression': {
        const index = n.namedChild(1);
        // `&v[..]` cannot panic.
        if (index && index.type === 'range_expression' && index.namedChildCount === 0) return null;
        return { node: n, what: `indexing \`${clip(n.text)}\`` };
      }
      case 'binary_expression':
      case 'compound_assignment_expr': {
        const op = n.childForFieldName('operator')?.text ?? '';
        const right = n.childForFieldName('right');
        const left = n.childForFieldName('left');
        if (!right || !left) return null;
        if (/^[/%]=?$/.test(op)) {
          if (isNonZeroConstant(right) || looksFloat(left) || looksFloat(right)) return null;
          return { node: n, what: `${op.startsWith('/') ? 'division' : 'remainder'} \`${clip(n.text)}\` (by zero)` };
        }
        if (this.crate.settings.overflowChecks && /^([+*-]|<<|>>)=?$/.test(op) && !looksFloat(left) && !looksFloat(right) && !(isLiteral(left) && isLiteral(right))) {
          return { node: n, what: `arithmetic \`${clip(n.text)}\` (overflow, with \`overflow-checks = true\`)` };
        }
        return null;
      }
      default:
        return null;
    }
  }

  /** A call to a function of this crate that we can name with confidence. */
  private resolveCallee(caller: FnInfo, call: Node): FnInfo | null {
    const path = asPathCall(call);
    const method = path ? null : asMethodCall(call);
    const name = path?.name ?? method?.method;
    if (!name) return null;
    const candidates = (this.crate.functionsByName.get(name) ?? []).filter((f) => f.body && f.node.id !== caller.node.id);
    if (candidates.length === 0) return null;
    if (path) {
      const qualifier = path.qualifier.split('::').pop() ?? '';
      const typed = qualifier === 'Self' ? caller.implType : qualifier;
      const matching = candidates.filter((f) => (typed && !['self', 'super', 'crate'].includes(typed) ? f.implType === typed : !f.hasSelf && (!f.implType || !qualifier)));
      return matching.length === 1 ? matching[0]! : null;
    }
    const methods = candidates.filter((f) => f.hasSelf);
    return methods.length === 1 ? methods[0]! : null;
  }
}

function isNonZeroConstant(n: Node): boolean {
  const u = unparen(n);
  if (u.type === 'integer_literal' || u.type === 'float_literal') return !/^0+(_|[iu]\d+|usize|isize)*$/.test(u.text.replace(/^0x0+$/, '0'));
  // SCREAMING_CASE constants and `size_of::<T>()` are not zero in practice.
  if (u.type === 'identifier' || u.type === 'scoped_identifier') return /^[A-Z][A-Z0-9_]*$/.test(lastSegment(u) ?? '');
  const c = asPathCall(u);
  return !!c && ['size_of', 'align_of'].includes(c.name);
}

function looksFloat(n: Node): boolean {
  const u = unparen(n);
  if (u.type === 'float_literal') return true;
  if (u.type === 'type_cast_expression') return /^f(32|64)$/.test(u.childForFieldName('type')?.text ?? '');
  return false;
}

function clip(text: string): string {
  const one = text.replace(/\s+/g, ' ');
  return one.length > 40 ? one.slice(0, 37) + '...' : one;
}
