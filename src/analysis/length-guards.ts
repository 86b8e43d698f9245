/**
 * Pointers that are only used when their length is non-zero. C APIs pass buffers as (pointer, length)
 * pairs, and their convention (the wasm C API's, and most others') is that the pointer may be NULL only
 * when the length is 0. Code that skips the pointer for an empty buffer (`if len == 0 { &[] } else {
 * slice::from_raw_parts(p, len) }`, `(0..len).map(|i| p.add(i).read())`, `for i in 0..len { *p.add(i) }`)
 * is then correct: a NULL with a non-zero length is a caller bug of the same kind as a wrong length,
 * which no analysis of the callee can rule out.
 *
 * What counts: the length is an integer parameter that C supplies (for a helper: one whose argument at
 * the call comes from such a parameter of the caller), paired with the pointer (both are arguments of
 * one call, like `from_raw_parts(p, len)`, or the pointer is used per element of a `..len` range), and
 * the use is only reached when that length is non-zero. `slice::from_raw_parts(p, len)` on its own is
 * not covered: it requires a non-null pointer even for a length of 0.
 */
import type { FnInfo } from '../model/functions.js';
import { macroName, type Node, type SourceFile } from '../source.js';
import { asMethodCall, callArgs, isIntegerType, lastSegment, mentions, patternBindings, uncast, unparen } from '../syntax.js';
import { diverges, type PointerParam } from './null-checks.js';
import { sameNode } from '../node-fields.js';

/** Iterator methods that run their closure once per element of the receiver (never for an empty range). */
const PER_ELEMENT = new Set([
  'map', 'for_each', 'try_for_each', 'filter', 'filter_map', 'flat_map', 'flatten', 'enumerate', 'rev', 'step_by', 'take', 'skip',
  'zip', 'fold', 'try_fold', 'all', 'any', 'position', 'find', 'find_map', 'map_while', 'take_while', 'skip_while', 'inspect',
  'scan', 'into_iter', 'iter', 'peekable', 'copied', 'cloned', 'sum', 'product', 'count', 'collect', 'max_by_key', 'min_by_key',
]);

/** The integer parameters of a function: the lengths a C caller supplies along with its pointers. */
export function integerParams(fn: FnInfo): Set<string> {
  return new Set(fn.params.filter((p) => isIntegerType(p.type)).map((p) => p.name));
}

/**
 * The callee's parameters that receive a trusted length: an integer parameter whose argument at the
 * call mentions one of the caller's trusted lengths (`helper(p, len)`, `helper(p, len as usize)`).
 */
export function lengthsPassed(callee: FnInfo, args: Node[], trusted: ReadonlySet<string>, paramAt: (i: number) => FnInfo['params'][number] | undefined): Set<string> {
  const out = new Set<string>();
  if (trusted.size === 0) return out;
  args.forEach((a, i) => {
    const p = paramAt(i);
    if (p && isIntegerType(p.type) && [...trusted].some((t) => mentions(a, t))) out.add(p.name);
  });
  return out;
}

export class LengthGuards {
  private paired: Set<string> | null = null;

  constructor(
    private readonly file: SourceFile,
    private readonly body: Node,
    private readonly ptr: PointerParam,
    /** Integer parameters C supplies (directly, or through the caller's arguments). */
    private readonly lengths: ReadonlySet<string>,
    /** Does the crate helper this call names use its argument `lenAt` as the length of argument `ptrAt`? */
    private readonly pairedByHelper?: (call: Node, ptrAt: number, lenAt: number) => boolean,
  ) {}

  /** The length whose non-zero value the use at `site` depends on, if any. */
  guardOf(site: Node): string | null {
    if (this.lengths.size === 0) return null;
    let prev = site;
    for (const a of this.file.ancestors(site)) {
      const len = this.coveredBy(a, prev, site);
      if (len) return len;
      if (sameNode(a, this.body)) return null;
      prev = a;
    }
    return null;
  }

  private coveredBy(a: Node, child: Node, site: Node): string | null {
    switch (a.type) {
      case 'if_expression': {
        const cond = a.childForFieldName('condition');
        const cons = a.childForFieldName('consequence');
        const alt = a.childForFieldName('alternative');
        if (!cond) return null;
        if (cons && this.file.contains(cons, child)) return this.pairedOnly(this.nonZero(cond));
        if (alt && this.file.contains(alt, child)) return this.pairedOnly(this.zero(cond));
        return null;
      }
      case 'while_expression': {
        const cond = a.childForFieldName('condition');
        const body = a.childForFieldName('body');
        return cond && body && this.file.contains(body, child) ? this.pairedOnly(this.nonZero(cond)) : null;
      }
      case 'binary_expression': {
        const op = a.childForFieldName('operator')?.text;
        const left = a.childForFieldName('left');
        const right = a.childForFieldName('right');
        if (!left || !right || !this.file.contains(right, child)) return null;
        return this.pairedOnly(op === '&&' ? this.nonZero(left) : op === '||' ? this.zero(left) : null);
      }
      case 'for_expression': {
        const body = a.childForFieldName('body');
        const value = a.childForFieldName('value');
        // The use must go through the index (`*p.add(i)`): a pointer read once per element is not an array of `len`.
        const index = patternBindings(a.childForFieldName('pattern'));
        return body && value && this.file.contains(body, child) && index.some((i) => mentions(site, i)) ? this.rangeEnd(value) : null;
      }
      case 'closure_expression': {
        // `(0..len).map(|i| p.add(i).read())`: the closure runs once per element.
        const args = this.file.parent(a);
        const call = args?.type === 'arguments' ? this.file.parent(args) : null;
        const m = call ? asMethodCall(call) : null;
        const index = (a.childForFieldName('parameters')?.namedChildren ?? []).flatMap((p) => patternBindings(p.type === 'parameter' ? p.childForFieldName('pattern') : p));
        return m && PER_ELEMENT.has(m.method) && index.some((i) => mentions(site, i)) ? this.rangeEnd(m.receiver) : null;
      }
      case 'block':
      case 'source_file': {
        for (let s = child.previousNamedSibling; s; s = s.previousNamedSibling) {
          const len = this.pairedOnly(this.bailsOnZero(s));
          if (len) return len;
        }
        return null;
      }
      default:
        return null;
    }
  }

  /** `if len == 0 { return .. }`, `if len > 0 { .. } else { return .. }`, `assert!(len > 0)`. */
  private bailsOnZero(stmt: Node): string | null {
    const s = stmt.type === 'expression_statement' ? stmt.namedChild(0) : stmt;
    if (!s) return null;
    if (s.type === 'if_expression') {
      const cond = s.childForFieldName('condition');
      const cons = s.childForFieldName('consequence');
      const alt = s.childForFieldName('alternative')?.namedChild(0) ?? null;
      if (!cond) return null;
      if (diverges(cons)) return this.zero(cond);
      if (alt?.type === 'block' && diverges(alt)) return this.nonZero(cond);
      return null;
    }
    if (s.type === 'macro_invocation' && macroName(s) === 'assert') {
      const args = this.file.expansion(s);
      const first = args?.namedChild(0)?.namedChild(0) ?? args?.namedChild(0);
      return first ? this.nonZero(first.type === 'tuple_expression' ? first.namedChild(0)! : first) : null;
    }
    return null;
  }

  /** A length that is non-zero whenever `cond` holds: `len > 0`, `len != 0`, `i < len`, `len >= 1`. */
  private nonZero(cond: Node): string | null {
    return this.lengthTest(cond, true);
  }

  /** A length that makes `cond` hold whenever it is zero: `len == 0`, `len < 1`, `a.is_null() || len == 0`. */
  private zero(cond: Node): string | null {
    return this.lengthTest(cond, false);
  }

  /**
   * Both questions at once: with `nonZero`, a length non-zero whenever `cond` holds; without, a length
   * that makes `cond` hold when it is zero. `!` swaps the question; one side of `&&` (resp. `||`) is enough.
   */
  private lengthTest(cond: Node, nonZero: boolean): string | null {
    const c = unparen(cond);
    if (c.type === 'unary_expression' && c.child(0)?.type === '!') return this.lengthTest(c.namedChild(0)!, !nonZero);
    if (c.type !== 'binary_expression') return null;
    const op = c.childForFieldName('operator')?.text;
    const l = c.childForFieldName('left')!;
    const r = c.childForFieldName('right')!;
    if (op === (nonZero ? '&&' : '||')) return this.lengthTest(l, nonZero) ?? this.lengthTest(r, nonZero);
    if (!op) return null;
    // Read with the length on the left: `i < len` as `len > i`.
    const test = (len: string | null, o: string, other: Node): string | null => {
      if (!len) return null;
      const holds = nonZero ? o === '>' || (o === '!=' && isZero(other)) || (o === '>=' && isOne(other)) : (o === '==' && isZero(other)) || (o === '<' && isOne(other)) || (o === '<=' && isZero(other));
      return holds ? len : null;
    };
    return test(this.lengthName(l), op, r) ?? test(this.lengthName(r), MIRRORED[op] ?? op, l);
  }

  /** The end of a `start..len` range (exclusive), seen through per-element adaptors: `(0..len).rev()`. */
  private rangeEnd(expr: Node): string | null {
    let e = unparen(expr);
    for (let m = asMethodCall(e); m && PER_ELEMENT.has(m.method); m = asMethodCall(e)) e = unparen(m.receiver);
    if (e.type !== 'range_expression' || e.text.includes('..=') || e.namedChildCount !== 2) return null;
    return this.lengthName(e.namedChild(1)!);
  }

  /** `len`, `len as usize`: one of the trusted lengths. */
  private lengthName(n: Node): string | null {
    const e = uncast(n);
    return e.type === 'identifier' && this.lengths.has(e.text) ? e.text : null;
  }

  /** Keeps a length tested in a condition only when the body uses it as the pointer's length (`from_raw_parts(p, len)`). */
  private pairedOnly(len: string | null): string | null {
    return len && this.pairedLengths().has(len) ? len : null;
  }

  /**
   * The lengths the body uses as the pointer's length: both are arguments of a std call that takes a
   * (pointer, length) pair (`slice::from_raw_parts(p, len)`, `ptr::copy(p, dst, len)`), of a crate
   * helper that pairs them itself (`pairedByHelper`), or the pointer is used per element of `..len`.
   */
  pairedLengths(): Set<string> {
    if (this.paired) return this.paired;
    const paired = new Set<string>();
    this.paired = paired;
    this.file.walkBody(this.body, (n) => {
      if (n.type === 'for_expression') {
        const len = this.rangeEnd(n.childForFieldName('value')!);
        const body = n.childForFieldName('body');
        const index = patternBindings(n.childForFieldName('pattern'));
        if (len && body && this.indexesPointer(body, index)) paired.add(len);
        return;
      }
      if (n.type !== 'call_expression') return;
      const m = asMethodCall(n);
      const args = callArgs(n);
      if (m && PER_ELEMENT.has(m.method)) {
        const len = this.rangeEnd(m.receiver);
        const indexed = (c: Node): boolean =>
          this.indexesPointer(c, (c.childForFieldName('parameters')?.namedChildren ?? []).flatMap((p) => patternBindings(p.type === 'parameter' ? p.childForFieldName('pattern') : p)));
        if (len && args.some((a) => a.type === 'closure_expression' && indexed(a))) paired.add(len);
      }
      const all = m ? [m.receiver, ...args] : args;
      const ptrAt = all.findIndex((a) => this.mentionsPointer(a));
      if (ptrAt < 0) return;
      const name = m ? m.method : lastSegment(n.childForFieldName('function'));
      for (const len of this.lengths) {
        const lenAt = all.findIndex((a) => mentions(a, len));
        if (lenAt < 0 || lenAt === ptrAt) continue;
        const std = name !== null && PAIRING_CALLS.has(name);
        // Helper argument positions do not count the receiver of a method call.
        if (std || (this.pairedByHelper && this.pairedByHelper(n, m ? ptrAt - 1 : ptrAt, m ? lenAt - 1 : lenAt))) paired.add(len);
      }
    });
    return paired;
  }

  /** Does `n` use the pointer offset by one of the `index` names (`p.add(i)`, `*p.offset(i as isize)`)? */
  private indexesPointer(n: Node, index: string[]): boolean {
    let found = false;
    this.file.walk(n, (c) => {
      if (found) return false;
      const m = asMethodCall(c);
      if (m && OFFSETS.has(m.method) && this.ptr.isPointerExpr(m.receiver) && m.args.some((a) => index.some((i) => mentions(a, i)))) found = true;
      return undefined;
    });
    return found;
  }

  private mentionsPointer(n: Node): boolean {
    for (const name of this.ptr.names) if (mentions(n, name)) return true;
    return false;
  }
}

/** Pointer arithmetic that selects an element. */
const OFFSETS = new Set(['add', 'offset', 'wrapping_add', 'wrapping_offset', 'byte_add', 'byte_offset']);

/** std functions and pointer methods that take a pointer and the length of what it points to. */
const PAIRING_CALLS = new Set([
  'from_raw_parts', 'from_raw_parts_mut', 'slice_from_raw_parts', 'slice_from_raw_parts_mut', 'copy', 'copy_nonoverlapping',
  'write_bytes', 'swap_nonoverlapping', 'copy_to', 'copy_from', 'copy_to_nonoverlapping', 'copy_from_nonoverlapping',
]);

/** The comparison with its operands swapped. */
const MIRRORED: Record<string, string> = { '<': '>', '>': '<', '<=': '>=', '>=': '<=' };

function isZero(n: Node): boolean {
  const u = unparen(n);
  return u.type === 'integer_literal' && /^0+(_*([iu](8|16|32|64|128|size)))?$/.test(u.text);
}

function isOne(n: Node): boolean {
  const u = unparen(n);
  return u.type === 'integer_literal' && /^0*1(_*([iu](8|16|32|64|128|size)))?$/.test(u.text);
}

