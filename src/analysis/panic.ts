/**
 * Where a function body can panic, and whether a panic boundary (`catch_unwind` or a crate guard)
 * stands between that place and the caller.
 *
 * What counts as a panic site: `.unwrap()`/`.expect()` and friends, panicking macros (`panic!`,
 * `assert!` ...), `resume_unwind`/`panic_any`, indexing, integer division or remainder by a
 * non-constant, arithmetic when the release profile enables `overflow-checks`, and calls to
 * functions of the same crate that can panic themselves (followed a few levels deep). Calls into
 * other crates are assumed not to panic: ffiguard cannot see their code, and flagging every call
 * would bury the real findings.
 */
import type { CrateModel } from '../model/crate.js';
import { ExpandedSource } from '../model/expand.js';
import type { FnInfo } from '../model/functions.js';
import { cfgEnabled, leadingAttributes, readAttribute, type Attribute } from '../model/attributes.js';
import { macroName, type Node, type SourceFile } from '../source.js';
import { declaredTypes, localName, parameterFor, resolveCallee } from './callees.js';
import { rawPointerParams, type NullCheckContext, type PointerParam } from './null-checks.js';
import { cannotHoldNul, cstringConstructor, isNulTerminatedConstant } from './cstring.js';
import { asMethodCall, asPathCall, isLiteral, lastOf, lastSegment, tailExpression, uncast, unparen } from '../syntax.js';
import { nodeId, sameNode } from '../node-fields.js';

export interface PanicSite {
  file: SourceFile;
  node: Node;
  /** What panics, in code font: "`.unwrap()`", "`panic!`", "indexing `v[i]`". */
  what: string;
  /** When it panics, if `what` does not say: "by zero", "on overflow, with `overflow-checks = true`". */
  detail?: string;
  /** The site raises again a panic that a boundary caught (`catch_unwind(..).unwrap()`, `resume_unwind`). */
  rethrows?: boolean;
  /** For a panic inside a callee: the calls from the analysed body down to the site. */
  via: { file: SourceFile; node: Node; callee: FnInfo }[];
  /** For a panic a crate macro's transcriber writes (`file` is the expansion): the invocation, in the analysed body. */
  invocation?: Node;
  /**
   * The site fails only when raw-pointer parameter `p` of the function it is in is null
   * (`assert!(!p.is_null())`, `p.as_ref().unwrap()`): it cannot fail when the caller checked the argument.
   */
  nullAssert?: string;
}

const NO_NAMES: ReadonlySet<string> = new Set();

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

/** Compiled out of release builds, arguments included. */
const DEBUG_ONLY_MACROS = new Set(['debug_assert', 'debug_assert_eq', 'debug_assert_ne']);

/** `std::panic` functions that start (or restart) a panic. */
const PANIC_FUNCTIONS = new Set(['resume_unwind', 'panic_any']);

const MAX_DEPTH = 4;

const OVERFLOW = 'on overflow, with `overflow-checks = true`';

/** What is known about the names of one function body. */
interface BodyContext {
  fn: FnInfo;
  /** Locals and parameters of a floating-point type: their division cannot panic. */
  floats: Set<string>;
  /** Type names of parameters and annotated locals, for resolving method calls. */
  types: ReadonlyMap<string, string>;
  /** Length tests (`i < v.len()`, `v.is_empty()`, `for i in 0..v.len()`) that make an index in range. */
  lengthTests: LengthTest[];
  /** The file imports `BorrowMut`: `.borrow_mut()` there is most likely the trait, which cannot panic. */
  borrowMutTrait: boolean;
  /** Raw-pointer parameters every caller on this path checked for null (see PanicAnalysis.firstSite). */
  nonNull?: ReadonlySet<string>;
}

interface LengthTest {
  /** The indexed value as written, whitespace removed: `v`, `self.items`. */
  subject: string;
  /** The index compared with the length (`i`), null when any constant index is meant (`is_empty()`, `len() > 2`), `VARIANT` for `is_some()` and friends. */
  index: string | null;
  /** The test covers indexes that start after this offset ... */
  from: number;
  /** ... and before this one (a `for` loop's body; the end of the function for an `if`). */
  to: number;
}

export class PanicAnalysis {
  /** First site per callee, for each mode (boundaries count, or not under `panic = "abort"`). */
  private readonly memo = [new Map<string, PanicSite | null>(), new Map<string, PanicSite | null>()];
  /** What the null-check analysis needs, to see whether a caller checked a pointer it hands on. */
  private readonly nullContext: NullCheckContext;
  /** Set while a callee search was cut short (depth limit or cycle): its "no panic" is not final. */
  private cutShort = false;

  constructor(private readonly crate: CrateModel) {
    this.nullContext = { guards: crate.guards, functionsByName: crate.functionsByName, expandMacro: (file, invocation) => crate.expandMacro(file, invocation) };
  }

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
    this.scan(fn, includeGuarded, 0, new Set([nodeId(fn.node)]), (s) => {
      out.push(s);
      return true;
    });
    // Source order (`v[0].unwrap()` indexes before it unwraps), not the walk's outside-in order.
    const anchor = (s: PanicSite): number => (s.via[0]?.node ?? s.invocation ?? s.node).startIndex;
    // One site per place: a macro's repetition (`$( assert_eq!(..); )*`) writes the same template line
    // at one invocation several times.
    const seen = new Set<string>();
    const unique = out.filter((s) => {
      const at = s.via[0] ?? s;
      const template = s.file instanceof ExpandedSource ? JSON.stringify(s.file.templateSpan(s.node)) : '';
      const key = `${JSON.stringify(at.file.span(at.node))}|${template}|${s.what}|${s.via.length}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    return unique.sort((a, b) => anchor(a) - anchor(b));
  }

  /**
   * Does `node` run under a boundary of `fn`'s body? Inside a boundary macro's input, everything
   * does (the macro pastes it into its closure); for a boundary function or method only the closure
   * (or async block) it is handed runs inside: its other arguments are evaluated before the call.
   */
  isGuarded(fn: FnInfo, node: Node): boolean {
    return this.enclosingBoundary(fn, node) !== null;
  }

  /** The boundary call or macro that `node` runs under (see `isGuarded`), if any. */
  enclosingBoundary(fn: FnInfo, node: Node): Node | null {
    for (let cur: Node | null = node; cur && cur.id !== fn.body?.id; cur = fn.file.parent(cur)) {
      if (cur.type === 'macro_invocation' && !sameNode(cur, node) && this.isBoundary(cur)) return cur;
      if (cur.type === 'closure_expression' || cur.type === 'async_block' || (sameNode(cur, node) && cur.type === 'identifier')) {
        const call = handedTo(fn.file, cur);
        if (call && this.isBoundary(call)) return call;
        const viaLocal = !sameNode(cur, node) ? this.boundaryOfLocal(fn, cur) : null;
        if (viaLocal) return viaLocal;
      }
    }
    return null;
  }

  /** How a boundary reads in a message: `catch_unwind()`, `ffi_guard!`. */
  boundaryName(boundary: Node): string {
    if (boundary.type === 'macro_invocation') return `${macroName(boundary)}!`;
    const name = asPathCall(boundary)?.name ?? asMethodCall(boundary)?.method;
    return `${name}()`;
  }

  /**
   * The first panic site of a callee, unguarded unless `includeGuarded` (memoised; cycles count as "does
   * not panic"). `nonNull`: its raw-pointer parameters the caller checked, whose null asserts cannot fire.
   */
  private firstSite(fn: FnInfo, includeGuarded: boolean, depth: number, stack: Set<Node['id']>, nonNull: ReadonlySet<string> = NO_NAMES): PanicSite | null {
    const memo = this.memo[includeGuarded ? 1 : 0]!;
    const key = nonNull.size === 0 ? String(nodeId(fn.node)) : `${nodeId(fn.node)} ${[...nonNull].sort().join(' ')}`;
    const cached = memo.get(key);
    if (cached !== undefined) return cached;
    // A function only debug builds have (`#[cfg(debug_assertions)] fn check(..)`) panics in none that ships.
    if (fn.file.says(RELEASE_OFF_CFG) && fn.attributes.some(isReleaseOffCfg)) return null;
    if (!fn.body || depth > MAX_DEPTH || stack.has(nodeId(fn.node))) {
      if (fn.body) this.cutShort = true;
      return null;
    }
    const outer = this.cutShort;
    this.cutShort = false;
    stack.add(nodeId(fn.node));
    let first: PanicSite | null = null;
    this.scan(fn, includeGuarded, depth, stack, (s) => {
      first = s;
      return false;
    }, nonNull);
    stack.delete(nodeId(fn.node));
    // A site found is final; "no site" only when nothing below was cut short by the depth limit or a cycle.
    if (first || !this.cutShort) memo.set(key, first);
    this.cutShort ||= outer;
    return first;
  }

  private scan(fn: FnInfo, includeGuarded: boolean, depth: number, stack: Set<Node['id']>, emit: (s: PanicSite) => boolean, nonNull: ReadonlySet<string> = NO_NAMES): void {
    const file = fn.file;
    const ctx = this.context(fn);
    ctx.nonNull = nonNull;
    const releaseOffFile = file.says(RELEASE_OFF_CFG);
    // The tests and float locals a site may rely on come before it in the source, so they are
    // gathered in the same pre-order walk, in the parts it skips too (a test there still counts).
    const skip = (n: Node): false => {
      file.walkBody(n, (d) => void (d !== n && ctx.see(d)));
      return false;
    };
    let going = true;
    file.walkBody(fn.body!, (n) => {
      if (!going) return false;
      ctx.see(n);
      if (n.type === 'macro_invocation' && DEBUG_ONLY_MACROS.has(macroName(n) ?? '')) return skip(n);
      // `#[cfg(debug_assertions)] self.check_invariants();`, a `#[cfg(test)] _ => unreachable!()` arm: compiled out of release builds too.
      if (releaseOffFile && isReleaseOff(n)) return skip(n);
      if ((n.type === 'closure_expression' || n.type === 'async_block') && this.runsElsewhere(fn, n, includeGuarded)) return skip(n);
      const direct = this.directSite(n, ctx);
      const nullAssert = direct?.nullAssert ?? (direct && n.type === 'macro_invocation' ? assertedNonNull(fn, n) : undefined);
      if (direct) {
        // `assert!(!p.is_null())` or `p.as_ref().unwrap()` on a pointer every caller on this path checked cannot fire.
        // So cannot one after this body's own null check (`if p.is_null() { return; } assert!(!p.is_null());`).
        const checkedHere = nullAssert !== undefined && !direct.nullAssert && this.checkedBefore(fn, nullAssert, n);
        if (!(nullAssert && (nonNull.has(nullAssert) || checkedHere))) going = emit({ file, ...direct, via: [], ...(nullAssert ? { nullAssert } : {}) });
      } else if (n.type === 'macro_invocation' && (includeGuarded || !this.isBoundary(n))) {
        // What the crate's own macro writes around its arguments runs here too (its arguments are walked as code below).
        for (const site of this.transcribedSites(n, fn)) if (going) going = emit({ ...site, via: [] });
      } else if (n.type === 'call_expression') {
        // A crate boundary function is followed too: it may re-raise what it caught.
        const callee = resolveCallee(this.crate.functionsByName, fn, ctx.types, n);
        // Calling an `async fn` only builds a future: its body runs when something polls it.
        if (callee && !(isAsync(callee) && !polledHere(file, n))) {
          let inner = this.firstSite(callee, includeGuarded, depth + 1, stack);
          // The callee asserts that a pointer it is handed is non-null: that cannot fire when this body
          // (or its own caller) checked the pointer first. Unchecked, the assert is on this body's parameter.
          let lifted: string | undefined;
          for (let checked = new Set<string>(); inner?.nullAssert && !checked.has(inner.nullAssert); ) {
            const arg = this.pointerArgument(fn, n, callee, inner.nullAssert);
            if (!arg) break;
            if (!nonNull.has(arg.name) && !arg.ptr.isChecked(n)) {
              lifted = arg.name;
              break;
            }
            checked = new Set([...checked, inner.nullAssert]);
            inner = this.firstSite(callee, includeGuarded, depth + 1, stack, checked);
          }
          if (inner) going = emit({ ...inner, via: [{ file, node: n, callee }, ...inner.via], nullAssert: lifted });
        }
      }
      if (!going) return false;
      // A boundary macro runs everything it is given under `catch_unwind`.
      if (!includeGuarded && n.type === 'macro_invocation' && this.isBoundary(n)) return skip(n);
      return undefined;
    });
  }

  /** For `p.as_ref()` / `p.as_mut()` on a raw-pointer parameter of `fn` (or a local copy of one): that parameter. */
  private unwrappedPointer(fn: FnInfo, receiver: Node): { name: string; ptr: PointerParam } | undefined {
    const target = asRefTarget(receiver);
    if (!target || !fn.body) return undefined;
    const found = rawPointerParams(fn, this.nullContext).find(({ ptr }) => ptr.isPointerExpr(target));
    return found && { name: found.param.name, ptr: found.ptr };
  }

  /** Is raw-pointer parameter `name` of `fn` checked for null before `node`? */
  private checkedBefore(fn: FnInfo, name: string, node: Node): boolean {
    return rawPointerParams(fn, this.nullContext).some(({ param, ptr }) => param.name === name && ptr.isChecked(node));
  }

  /**
   * The raw-pointer parameter of `fn` that `call` hands to `callee`'s parameter `param` (as it is, cast,
   * or through a local copy), with its null-check analysis; undefined for anything else.
   */
  private pointerArgument(fn: FnInfo, call: Node, callee: FnInfo, param: string): { name: string; ptr: PointerParam } | undefined {
    const args = asPathCall(call)?.args ?? asMethodCall(call)?.args ?? [];
    const index = args.findIndex((_, i) => parameterFor(callee, call, i)?.name === param);
    if (index < 0 || !fn.body) return undefined;
    const arg = uncast(unparen(args[index]!));
    const found = rawPointerParams(fn, this.nullContext).find(({ ptr }) => ptr.isPointerExpr(arg));
    return found && { name: found.param.name, ptr: found.ptr };
  }

  /**
   * Panic sites that a crate macro's transcriber writes (`assert!(!$p.is_null())` in the macro's body,
   * not in what the invocation hands it): found in the invocation's expansion, at nodes written by the
   * definition. Closures and async blocks there are left alone, and no call is followed from there.
   */
  private transcribedSites(invocation: Node, fn: FnInfo, file: SourceFile = fn.file, depth = 0, anchor: Node = invocation): Omit<PanicSite, 'via'>[] {
    const name = macroName(invocation);
    if (!name || depth > 2 || !this.crate.macros.has(name) || DEBUG_ONLY_MACROS.has(name) || PANIC_MACROS.has(name)) return [];
    const src = this.crate.expandMacro(file, invocation);
    if (!(src instanceof ExpandedSource)) return [];
    const ctx: BodyContext = { fn, floats: new Set(), types: new Map(), lengthTests: [], borrowMutTrait: importsBorrowMut(fn.file) };
    const tests = ctx.lengthTests;
    const out: Omit<PanicSite, 'via'>[] = [];
    src.walkBody(src.root, (n) => {
      collectTests(n, src.root.endIndex, tests);
      if (n.type === 'closure_expression' || n.type === 'async_block') return false;
      if (n.type === 'macro_invocation' && (DEBUG_ONLY_MACROS.has(macroName(n) ?? '') || this.isBoundary(n))) return false;
      const direct = this.directSite(n, ctx);
      if (direct && src.templateSpan(direct.node)) out.push({ file: src, ...direct, invocation: anchor });
      // A macro the transcriber invokes in turn (`content_fn!` writing `to_ref!(..)`).
      else if (n.type === 'macro_invocation') out.push(...this.transcribedSites(n, fn, src, depth + 1, anchor));
      return undefined;
    });
    return out;
  }

  /**
   * A closure or async block whose body does not run here outside a boundary: one handed to a
   * boundary (`catch_unwind(|| ..)`, `guard(AssertUnwindSafe(|| ..))`), to a new thread or task (a
   * panic there ends that thread, not the FFI call), or a closure bound to a local that is only ever
   * handed to a boundary (`let work = || ..; catch_unwind(work)`).
   */
  private runsElsewhere(fn: FnInfo, closure: Node, includeGuarded: boolean): boolean {
    const call = handedTo(fn.file, closure);
    if (call && (spawnsThread(call) || storesCallable(call))) return true;
    if (closure.type === 'closure_expression' && isDeferred(fn.file, fn.body!, closure)) return true;
    if (includeGuarded) return false;
    if (call && this.isBoundary(call)) return true;
    return this.boundaryOfLocal(fn, closure) !== null;
  }

  /**
   * For a closure bound to a local (`let work = || ..;`, `let work = AssertUnwindSafe(|| ..);`) that
   * is only ever handed to boundaries: the first of them.
   */
  private boundaryOfLocal(fn: FnInfo, closure: Node): Node | null {
    if (closure.type !== 'closure_expression') return null;
    const file = fn.file;
    let value: Node = closure;
    let holder = file.parent(value);
    while (holder && (holder.type === 'arguments' || holder.type === 'parenthesized_expression' || isUnwindSafeWrapper(holder))) {
      if (holder.type !== 'arguments') value = holder;
      holder = file.parent(holder);
    }
    if (holder?.type !== 'let_declaration' || !sameNode(holder.childForFieldName('value'), value)) return null;
    const pattern = holder.childForFieldName('pattern');
    if (pattern?.type !== 'identifier') return null;
    const name = pattern.text;
    let first: Node | null = null;
    let unguarded = false;
    file.walkBody(fn.body!, (n) => {
      if (unguarded) return false;
      if (n.type === 'identifier' && n.text === name && n.startIndex > holder.endIndex) {
        const boundary = this.enclosingBoundary(fn, n);
        if (!boundary) unguarded = true;
        first ??= boundary;
      }
      return undefined;
    });
    return unguarded ? null : first;
  }

  /** What is known before the body is walked; `see` adds what each node of the walk tells. */
  private context(fn: FnInfo): BodyContext & { see(n: Node): void } {
    const floats = new Set<string>();
    const isFloat = (type: Node): boolean => /^f(32|64)$/.test(type.text);
    for (const p of fn.params) if (isFloat(p.type)) floats.add(p.name);
    const tests: LengthTest[] = [];
    const end = fn.body?.endIndex ?? 0;
    return {
      fn,
      floats,
      types: declaredTypes(fn),
      lengthTests: tests,
      borrowMutTrait: importsBorrowMut(fn.file),
      see(n) {
        collectTests(n, end, tests);
        if (n.type !== 'let_declaration') return;
        // A float local: its divisions cannot panic (a `let` sees the ones before it).
        const name = localName(n);
        if (!name) return;
        const type = n.childForFieldName('type');
        const value = n.childForFieldName('value');
        if (type ? isFloat(type) : value && looksFloat(value, floats)) floats.add(name);
      },
    };
  }

  /** A panic site in the node itself (not in its children). */
  directSite(n: Node, ctx?: BodyContext): { node: Node; what: string; detail?: string; rethrows?: boolean; nullAssert?: string } | null {
    const floats = ctx?.floats ?? new Set<string>();
    switch (n.type) {
      case 'call_expression': {
        const m = asMethodCall(n);
        if (m && PANICKY_METHODS.get(m.method) === m.args.length && !(m.method === 'borrow_mut' && ctx?.borrowMutTrait) && !sameLengthCopy(m.method, m.receiver, m.args[0]) && !(ctx && isVariantTested(m.receiver, n, ctx.lengthTests)) && !(ctx && cannotFail(ctx.fn.file, m.receiver)) && !(ctx && variantMatched(ctx.fn.file, m.receiver, n, m.method))) {
          const field = n.childForFieldName('function')!;
          const name = field.type === 'generic_function' ? field.childForFieldName('function')! : field;
          const receiver = unparen(m.receiver);
          // `catch_unwind(..).unwrap()` turns the caught panic back into a panic.
          const rethrows = this.isBoundary(receiver);
          // The author's message states the invariant they rely on (`.expect("just allocated")`): show it for triage.
          const said = m.method.startsWith('expect') && m.args[0]?.type === 'string_literal' ? { detail: `message ${clip(m.args[0].text)}` } : {};
          // `p.as_ref().unwrap()` on a raw-pointer parameter fails only on null: not after a null check
          // (here, or by every caller on this path); unchecked, callers that check `p` make it safe.
          const pointer = ctx && (m.method === 'unwrap' || m.method === 'expect') ? this.unwrappedPointer(ctx.fn, receiver) : undefined;
          if (pointer && (ctx!.nonNull?.has(pointer.name) || pointer.ptr.isChecked(n))) return null;
          if (ctx && (m.method === 'unwrap' || m.method === 'expect') && pointsToPlace(ctx.fn.file, receiver)) return null;
          return { node: name.childForFieldName('field') ?? n, what: `\`.${m.method}()\``, ...(rethrows ? { detail: `re-raises the panic \`${this.boundaryName(receiver)}\` caught`, rethrows } : said), ...(pointer ? { nullAssert: pointer.name } : {}) };
        }
        const c = m ? null : asPathCall(n);
        // `Option::unwrap(x)`, `Result::expect(r, "..")`: the method called as a function.
        if (c && /^(Option|Result)$/.test(lastOf(c.qualifier)) && PANICKY_METHODS.get(c.name) === c.args.length - 1) return { node: c.callee, what: `\`${lastOf(c.qualifier)}::${c.name}()\`` };
        if (c && PANIC_FUNCTIONS.has(c.name) && (c.qualifier === '' || c.qualifier.endsWith('panic'))) return { node: c.callee, what: `\`${c.name}()\``, rethrows: c.name === 'resume_unwind' };
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
        if (ctx && isLengthTested(n, ctx.lengthTests)) return null;
        if (index && ctx && clampedSlice(ctx.fn.file, n, index)) return null;
        if (index && ctx && ownKey(ctx.fn.file, n, index)) return null;
        return { node: n, what: `indexing \`${clip(n.text)}\`` };
      }
      case 'binary_expression':
      case 'compound_assignment_expr': {
        const op = n.childForFieldName('operator')?.text ?? '';
        const right = n.childForFieldName('right');
        const left = n.childForFieldName('left');
        // An operator in what did not parse as code (`jni_sig!(() -> long)` read as `()` minus ..) is none.
        if (!right || !left || n.hasError) return null;
        const float = looksFloat(left, floats) || looksFloat(right, floats);
        if (/^[/%]=?$/.test(op)) {
          if (isNonZeroConstant(right) || float || (ctx && isZeroTested(right, n, ctx.lengthTests))) return null;
          return { node: n, what: `${op.startsWith('/') ? 'division' : 'remainder'} \`${clip(n.text)}\``, detail: 'by zero' };
        }
        // Constant expressions are checked at compile time; `String + &str` concatenates.
        const text = op.startsWith('+') && (looksString(left) || looksString(right));
        if (this.crate.settings.overflowChecks && /^([+*-]|<<|>>)=?$/.test(op) && !float && !text && !(isConstant(left) && isConstant(right))) {
          return { node: n, what: `arithmetic \`${clip(n.text)}\``, detail: OVERFLOW };
        }
        return null;
      }
      case 'unary_expression': {
        // `-x` overflows for the minimum value of a signed integer.
        const operand = n.namedChild(0);
        if (!this.crate.settings.overflowChecks || !n.text.startsWith('-') || !operand || isConstant(operand) || looksFloat(operand, floats)) return null;
        return { node: n, what: `negation \`${clip(n.text)}\``, detail: OVERFLOW };
      }
      default:
        return null;
    }
  }
}

/**
 * `for key in m.keys() { m[key] }` (also through a local: `let mut keys: Vec<_> = m.keys().collect();
 * keys.sort(); for key in keys { .. m[key] .. }`): a map indexed by one of its own keys.
 */
function ownKey(file: SourceFile, indexing: Node, index: Node): boolean {
  const subject = indexing.namedChild(0);
  let key = unparen(index);
  while (key.type === 'reference_expression' && key.namedChildCount > 0) key = unparen(key.namedChild(key.namedChildCount - 1)!);
  if (!subject || key.type !== 'identifier') return false;
  const loop = [...file.ancestors(indexing)].find((a) => a.type === 'for_expression' && a.childForFieldName('pattern')?.text === key.text);
  let source = loop?.childForFieldName('value') ?? null;
  for (let depth = 0; source && depth < 3; depth++) {
    const u = unparen(source);
    const m = asMethodCall(u);
    if (m && m.method === 'keys' && m.args.length === 0) return m.receiver.text.replace(/\s+/g, '') === subject.text.replace(/\s+/g, '');
    if (m && KEY_PRESERVING.has(m.method)) source = m.receiver;
    else if (u.type === 'identifier') source = file.letValue(u);
    else return false;
  }
  return false;
}

/** Iterator and collection steps that keep the keys they are given (`.collect()`, `.cloned()`, `.sorted()`). */
const KEY_PRESERVING = new Set(['collect', 'into_iter', 'iter', 'cloned', 'copied', 'rev', 'sorted', 'sorted_unstable']);

/**
 * `a[..n].copy_from_slice(&b[..n])`: both sides sliced to the same bound, so their lengths agree
 * (whether the slicing itself can panic is judged at each slice).
 */
function sameLengthCopy(method: string, receiver: Node, arg: Node | undefined): boolean {
  if ((method !== 'copy_from_slice' && method !== 'clone_from_slice') || !arg) return false;
  const bound = (e: Node): string | null => {
    let u = unparen(e);
    while (u.type === 'reference_expression' && u.namedChildCount > 0) u = unparen(u.namedChild(u.namedChildCount - 1)!);
    const index = u.type === 'index_expression' ? u.namedChild(1) : null;
    return index?.type === 'range_expression' && index.text.startsWith('..') && !index.text.startsWith('..=') ? index.text.replace(/\s+/g, '') : null;
  };
  const a = bound(receiver);
  return a !== null && a === bound(arg);
}

/**
 * `&v[..n]` or `&v[n..]` where `n` is clamped to `v.len()`: `min(want, v.len())`, `want.min(v.len())`,
 * `v.len().min(want)`, or a local bound to one (`let n = cmp::min(want, v.len());`). Such a bound is
 * at most the length, and a slice may end (or start) at the length. (`v[n]` with the same `n` can
 * still be out of range, at `n == v.len()`.)
 */
function clampedSlice(file: SourceFile, indexing: Node, index: Node): boolean {
  // `..n` or `n..`, not `..=n` (which reaches one past a bound equal to the length).
  if (index.type !== 'range_expression' || index.namedChildCount !== 1 || index.text.includes('..=')) return false;
  const subject = indexing.namedChild(0);
  if (!subject) return false;
  // `msg.as_bytes()[..n]` with `n` clamped to `msg.len()`: the same length.
  const base = (text: string): string => text.replace(/\s+/g, '').replace(/\.(as_bytes|as_slice|as_mut_slice)\(\)$/, '');
  const own = base(subject.text);
  const isLen = (e: Node): boolean => {
    const m = asMethodCall(unparen(e));
    return !!m && m.method === 'len' && m.args.length === 0 && base(m.receiver.text) === own;
  };
  const clamped = (e: Node, depth: number): boolean => {
    const u = unparen(e);
    const m = asMethodCall(u);
    if (m && m.method === 'min' && m.args.length === 1) return isLen(m.receiver) || isLen(m.args[0]!);
    const c = asPathCall(u);
    if (c && c.name === 'min' && /^((std|core)::)?(cmp)?$/.test(c.qualifier.replace(/::$/, '')) && c.args.length === 2) return c.args.some(isLen);
    if (u.type === 'identifier' && depth < 2) {
      const value = file.letValue(u);
      return !!value && clamped(value, depth + 1);
    }
    return false;
  };
  return clamped(index.namedChild(0)!, 0);
}

/**
 * Tests of a length in a body: a comparison with `x.len()` or an `x.is_empty()` call (an early
 * return or a branch on it usually guards the indexing that follows), and `for i in a..x.len()`;
 * also `x.is_some()`-style tests, which guard a later `x.unwrap()` the same way, and comparisons with
 * zero, which guard a later division. Called for each node of the body in source order; `end` is where
 * the body ends. Heuristic: ffiguard does not follow control flow, so any earlier test of the same
 * value counts.
 */
function collectTests(n: Node, end: number, out: LengthTest[]): void {
  if (n.type === 'binary_expression') {
    const op = n.childForFieldName('operator')?.text ?? '';
    if (/^([<>]=?|[!=]=)$/.test(op)) {
      const l = n.childForFieldName('left');
      const r = n.childForFieldName('right');
      const subject = lenOf(l) ?? lenOf(r);
      const other = lenOf(l) ? r : l;
      if (subject && other) out.push({ subject, index: isLiteral(unparen(other)) ? null : compact(unparen(other).text), from: n.startIndex, to: end });
      // `if d == 0 { return .. }`, `if d != 0 { n / d }`, `d > 0`: a test of the divisor against zero.
      const ul = l && unparen(l);
      const ur = r && unparen(r);
      const zeroTested = ul && ur ? (isZero(ur) ? ul : isZero(ul) ? ur : null) : null;
      if (zeroTested && !isLiteral(zeroTested)) out.push({ subject: compact(uncast(zeroTested).text), index: NONZERO, from: n.startIndex, to: end });
    }
    return;
  }
  if (n.type === 'for_expression') {
    const pattern = n.childForFieldName('pattern');
    const range = n.childForFieldName('value');
    const loopBody = n.childForFieldName('body');
    const upper = range?.type === 'range_expression' && !range.text.includes('..=') ? range.namedChild(range.namedChildCount - 1) : null;
    const subject = lenOf(upper);
    if (subject && pattern?.type === 'identifier' && loopBody) out.push({ subject, index: pattern.text, from: loopBody.startIndex, to: loopBody.endIndex });
    return;
  }
  const m = asMethodCall(n);
  if (m && m.method === 'is_empty' && m.args.length === 0) out.push({ subject: compact(m.receiver.text), index: null, from: n.startIndex, to: end });
  if (m && /^is_(some|none|ok|err)$/.test(m.method) && m.args.length === 0) out.push({ subject: compact(m.receiver.text), index: VARIANT, from: n.startIndex, to: end });
}

/** `x.len()` → `x` (whitespace removed), else null. */
function lenOf(n: Node | null): string | null {
  const m = n && asMethodCall(unparen(n));
  return m && m.method === 'len' && m.args.length === 0 ? compact(m.receiver.text) : null;
}

function isLengthTested(index: Node, tests: LengthTest[]): boolean {
  const subject = index.namedChild(0);
  const i = index.namedChild(1);
  if (!subject || !i || tests.length === 0) return false;
  const s = compact(subject.text);
  const constant = isLiteral(unparen(i));
  const text = compact(unparen(i).text);
  return tests.some((t) => t.index !== NONZERO && t.index !== VARIANT && t.subject === s && t.from < index.startIndex && index.endIndex <= t.to && (t.index === null ? constant : t.index === text));
}

/**
 * For `assert!(!p.is_null())` / `assert!(!p.is_null(), "..")` on a raw-pointer parameter `p` of `fn`
 * (not rebound in the body), `p`.
 */
function assertedNonNull(fn: FnInfo, invocation: Node): string | undefined {
  if (macroName(invocation) !== 'assert') return undefined;
  const args = invocation.namedChildren.find((c) => c.type === 'token_tree')?.text ?? '';
  const m = /^\(\s*!\s*(\w+)\s*\.\s*is_null\s*\(\s*\)\s*(,[\s\S]*)?\)$/.exec(args);
  if (!m) return undefined;
  const param = fn.params.find((p) => p.name === m[1] && p.isRawPointer);
  // Rebound by a `let` before the assert, the name is another value (after it, `let p = p.as_ref()..` is common).
  const before = fn.body ? fn.file.text.slice(fn.body.startIndex, invocation.startIndex) : '';
  if (!param || !fn.body || new RegExp(`\\blet\\s+(mut\\s+)?${param.name}\\b`).test(before)) return undefined;
  return param.name;
}

/** Text that a `cfg` a release build turns off contains (see isReleaseOffCfg). */
const RELEASE_OFF_CFG = /\bcfg\s*\([^\]]*\b(debug_assertions|test|doctest|miri)\b/;

/** `#[cfg(debug_assertions)]`, `#[cfg(test)]`, `#[cfg(all(.., debug_assertions, ..))]`: code release builds leave out. */
function isReleaseOffCfg(a: Attribute | null): boolean {
  return a?.name === 'cfg' && cfgEnabled(a.args, 'release') === false;
}

/** A statement or match arm under such a `cfg`. */
function isReleaseOff(n: Node): boolean {
  if (n.type === 'match_arm') return n.namedChildren.some((c) => c.type === 'attribute_item' && isReleaseOffCfg(readAttribute(c)));
  return isStatement(n) && leadingAttributes(n).some(isReleaseOffCfg);
}

function isStatement(n: Node): boolean {
  return n.type === 'expression_statement' || n.type === 'let_declaration' || (n.type === 'macro_invocation' && n.parent?.type === 'block');
}

/** Marks a `LengthTest` that is really a test of an `Option`/`Result` variant (`x.is_some()`). */
const VARIANT = '?';
/** Marks a `LengthTest` that is really a test of a value against zero (`d == 0`, `d > 0`). */
const NONZERO = '0';

/** A divisor tested against zero earlier in the body (casts aside: `n / d as u64` after `d == 0`). */
function isZeroTested(divisor: Node, division: Node, tests: LengthTest[]): boolean {
  const subject = compact(uncast(divisor).text);
  return tests.some((t) => t.index === NONZERO && t.subject === subject && t.from < division.startIndex && division.endIndex <= t.to);
}

function isZero(n: Node): boolean {
  return n.type === 'integer_literal' && /^0+(_*([iu](8|16|32|64|128|size)))?$/.test(n.text);
}


/** `x.unwrap()` (or `x.take().unwrap()`, `x.as_ref().unwrap()`) after a test of `x.is_some()` / `x.is_none()` / `x.is_ok()` / `x.is_err()`. */
function isVariantTested(receiver: Node, call: Node, tests: LengthTest[]): boolean {
  let r = unparen(receiver);
  for (let m = asMethodCall(r); m && m.args.length === 0 && /^(take|as_ref|as_mut|as_deref|as_deref_mut|clone|copied|cloned)$/.test(m.method); m = asMethodCall(r)) r = unparen(m.receiver);
  const subject = compact(r.text);
  return tests.some((t) => t.index === VARIANT && t.subject === subject && t.from < call.startIndex && call.endIndex <= t.to);
}

/** `CString::new(x)` of a value that cannot contain a NUL byte (`n.to_string()`, a literal): its `.unwrap()` cannot panic. */
function cannotFail(file: SourceFile, receiver: Node): boolean {
  const ctor = cstringConstructor(receiver);
  if (ctor) return ctor.name === 'new' && ctor.args.length === 1 && cannotHoldNul(file, ctor.args[0]!);
  return isNulTerminatedConstant(receiver);
}


/** `p` in `p.as_ref()` / `p.as_mut()`, also written `unsafe { p.as_ref() }`. */
function asRefTarget(receiver: Node): Node | null {
  const inner = receiver.type === 'unsafe_block' ? tailExpression(receiver.namedChild(0) ?? receiver) : receiver;
  const m = inner && asMethodCall(unparen(inner));
  return m && m.args.length === 0 && (m.method === 'as_ref' || m.method === 'as_mut') ? unparen(m.receiver) : null;
}

/**
 * `p.as_ref()` / `p.as_mut()` of a pointer made from a reference (`let p = &obj as *const T;`,
 * `ptr::addr_of!(obj)`, `NonNull::from(&obj).as_ptr()`): never null, so its unwrap cannot fail.
 */
function pointsToPlace(file: SourceFile, receiver: Node): boolean {
  const target = asRefTarget(receiver);
  if (!target) return false;
  const value = target.type === 'identifier' ? file.letValue(target) : target;
  if (!value) return false;
  const v = unparen(value);
  if (v.type === 'type_cast_expression') return unparen(v.childForFieldName('value')!).type === 'reference_expression';
  return v.type === 'macro_invocation' && /^addr_of(_mut)?$/.test(macroName(v) ?? '');
}

/**
 * Inside `if let Ok(..) = r { .. } else { .. }` (or `Err(..)`, `Some(..)`), the variant of `r` is
 * known: `r.unwrap_err()` in the `else` of `if let Ok(..) = r` cannot fail, nor `r.unwrap()` in the
 * body of `if let Some(..) = r`.
 */
function variantMatched(file: SourceFile, receiver: Node, call: Node, method: string): boolean {
  const r = unparen(receiver);
  if (r.type !== 'identifier') return false;
  const wants = /_err$/.test(method) ? 'Err' : 'Ok/Some';
  let prev = call;
  for (const a of file.ancestors(call)) {
    if (a.type === 'function_item' || a.type === 'closure_expression') return false;
    if (a.type === 'if_expression') {
      const cond = a.childForFieldName('condition');
      const value = cond?.type === 'let_condition' ? cond.childForFieldName('value') : null;
      const variant = /^(Ok|Err|Some)\b/.exec(cond?.childForFieldName('pattern')?.text ?? '')?.[1];
      if (value && variant && unparen(value).type === 'identifier' && unparen(value).text === r.text) {
        const inBody = sameNode(a.childForFieldName('consequence'), prev);
        const inElse = sameNode(a.childForFieldName('alternative'), prev);
        // What the value is known to be here.
        const known = inBody ? variant : inElse ? (variant === 'Ok' ? 'Err' : variant === 'Err' ? 'Ok' : null) : null;
        if (known) return wants === 'Err' ? known === 'Err' : known === 'Ok' || known === 'Some';
      }
    }
    prev = a;
  }
  return false;
}

function compact(text: string): string {
  return text.replace(/\s+/g, '');
}

/** Asked for every function scanned: answered once per file. */
function importsBorrowMut(file: SourceFile): boolean {
  return file.says(BORROW_MUT_IMPORT);
}
const BORROW_MUT_IMPORT = /\buse\s[^;]*\bBorrowMut\b/;

/**
 * The call that receives `value` as an argument or as its receiver, looking through parentheses and
 * `AssertUnwindSafe(..)`: for `catch_unwind(AssertUnwindSafe(|| ..))` and the closure, the
 * `catch_unwind` call.
 */
function handedTo(file: SourceFile, value: Node): Node | null {
  let cur = value;
  for (;;) {
    const p = file.parent(cur);
    if (!p) return null;
    if (p.type === 'parenthesized_expression') {
      cur = p;
    } else if (p.type === 'arguments') {
      const call = file.parent(p);
      if (!call || call.type !== 'call_expression') return null;
      if (!isUnwindSafeWrapper(call)) return call;
      cur = call;
    } else if (p.type === 'field_expression' && sameNode(p.childForFieldName('value'), cur)) {
      const call = file.parent(p);
      return call?.type === 'call_expression' && sameNode(call.childForFieldName('function'), p) ? call : null;
    } else {
      return null;
    }
  }
}

function isUnwindSafeWrapper(n: Node): boolean {
  return n.type === 'call_expression' && lastSegment(n.childForFieldName('function')) === 'AssertUnwindSafe';
}

/** `thread::spawn(|| ..)`, `thread::Builder::new().spawn(|| ..)`, `tokio::spawn(async ..)`, `spawn_blocking(|| ..)`. */
/**
 * `Box::new(|..| ..)`, `Arc::new(..)`, `Box::pin(async { .. })`: the callable is stored (a callback
 * registered for later, a future), not run during this call.
 */
function storesCallable(call: Node): boolean {
  const path = asPathCall(call);
  return !!path && ['new', 'pin', 'from'].includes(path.name) && /(^|::)(Box|Arc|Rc|Pin)$/.test(path.qualifier);
}

/**
 * Method names that register a callable for later (`set_hook`, `on_close`, `register_handler`,
 * `epoch_deadline_callback`, `add_to_linker`, `func_new`) rather than run it. Std methods that run
 * their closure at once (`map`, `and_then`, `unwrap_or_else`, `get_or_init`, `retain`, `with` ...)
 * match none of these.
 */
const REGISTERS = /^(set|on|register|subscribe|add)_|(^|_)(callback|handler|hook|listener)s?($|_)|(^|_)new($|_)|(^|_)wrap($|_)/;
/** Registration-like names that run the closure right away. */
const RUNS_AT_ONCE = new Set(['new_cyclic', 'new_uninit_with']);

/**
 * A closure that this call does not run: the function returns it (`fn make() -> impl Fn() { move || .. }`),
 * stores it in a struct field or assigns it to one, or hands it to a constructor (`Func::new(store, ty,
 * move |..| ..)`, `Lazy::new(|| ..)`) or a registering method (`store.epoch_deadline_callback(|..| ..)`,
 * `linker.func_new(name, |..| ..)`). Closures handed to any other call (iterator adaptors, `Option`
 * combinators, crate helpers) are taken to run during it.
 */
function isDeferred(file: SourceFile, body: Node, closure: Node): boolean {
  let v = closure;
  for (let p = file.parent(v); p; p = file.parent(v)) {
    if (p.type === 'parenthesized_expression' || p.type === 'type_cast_expression') {
      v = p;
      continue;
    }
    if (p.type !== 'arguments') break;
    const call = file.parent(p);
    if (!call) break;
    const path = asPathCall(call);
    const name = path?.name ?? asMethodCall(call)?.method ?? '';
    // `Some(f)`, `Box::new(f)`, `Ok(f)`, `AssertUnwindSafe(f)`: the value is carried on.
    if (/^(Some|Ok|AssertUnwindSafe)$/.test(name) || storesCallable(call)) {
      v = call;
      continue;
    }
    return !RUNS_AT_ONCE.has(name) && REGISTERS.test(name);
  }
  const at = file.parent(v);
  if (!at) return false;
  if (at.type === 'field_initializer' || at.type === 'return_expression') return true;
  if (at.type === 'assignment_expression') return sameNode(at.childForFieldName('right'), v) && at.childForFieldName('left')?.type === 'field_expression';
  // The function's value: its body's tail expression.
  if (sameNode(at, body)) return sameNode(body.namedChildren.filter((c) => !c.type.endsWith('comment')).pop(), v);
  return false;
}

function isAsync(fn: FnInfo): boolean {
  return fn.node.namedChildren.some((c) => c.type === 'function_modifiers' && c.children.some((m) => m.type === 'async'));
}

/** Is this future polled to completion right here: awaited, or (inside) the argument of `block_on`? */
function polledHere(file: SourceFile, call: Node): boolean {
  for (const a of file.ancestors(call)) {
    if (a.type === 'await_expression') return true;
    const m = asMethodCall(a) ?? asPathCall(a);
    if (m && ('method' in m ? m.method : m.name) === 'block_on') return true;
    if (a.type === 'block' || a.type === 'let_declaration' || a.type === 'expression_statement') return false;
  }
  return false;
}

function spawnsThread(call: Node): boolean {
  const path = asPathCall(call);
  if (path) return (path.name === 'spawn' || path.name === 'spawn_blocking') && /(^|::)(thread|tokio|task)$/.test(path.qualifier);
  const m = asMethodCall(call);
  return !!m && (m.method === 'spawn' || m.method === 'spawn_blocking') && m.args.length === 1 && /\bBuilder\b|\b(runtime|handle|rt)\b/i.test(m.receiver.text);
}

/** Literals, SCREAMING_CASE constants and arithmetic on them: evaluated (and overflow-checked) by the compiler. */
function isConstant(n: Node): boolean {
  const u = unparen(n);
  if (isLiteral(u)) return true;
  if (u.type === 'identifier' || u.type === 'scoped_identifier') return /^[A-Z][A-Z0-9_]*$/.test(lastSegment(u) ?? '');
  if (u.type === 'type_cast_expression' || u.type === 'unary_expression') {
    const inner = u.childForFieldName('value') ?? u.namedChild(0);
    return !!inner && isConstant(inner);
  }
  if (u.type === 'binary_expression') {
    const l = u.childForFieldName('left');
    const r = u.childForFieldName('right');
    return !!l && !!r && isConstant(l) && isConstant(r);
  }
  return false;
}

/** `"literal"`, `&name`, `x.to_string()`, `format!(..)`: operands of a string `+`. */
function looksString(n: Node): boolean {
  const u = unparen(n);
  if (u.type === 'string_literal' || u.type === 'raw_string_literal' || u.type === 'reference_expression') return true;
  if (u.type === 'macro_invocation') return macroName(u) === 'format';
  const m = asMethodCall(u);
  return !!m && ['to_string', 'to_owned', 'into_owned'].includes(m.method);
}

function isNonZeroConstant(n: Node): boolean {
  const u = unparen(n);
  // `size_of::<T>() as u64`: widening a non-zero constant keeps it non-zero.
  if (u.type === 'type_cast_expression') return isNonZeroConstant(u.childForFieldName('value')!);
  if (u.type === 'integer_literal' || u.type === 'float_literal') return !/^0+(_|[iu]\d+|usize|isize)*$/.test(u.text.replace(/^0x0+$/, '0'));
  // SCREAMING_CASE constants and `size_of::<T>()` are not zero in practice.
  if (u.type === 'identifier' || u.type === 'scoped_identifier') return /^[A-Z][A-Z0-9_]*$/.test(lastSegment(u) ?? '');
  const c = asPathCall(u);
  return !!c && ['size_of', 'align_of'].includes(c.name);
}

/** A floating-point expression: its arithmetic never panics. */
function looksFloat(n: Node, floats: ReadonlySet<string>): boolean {
  const u = unparen(n);
  switch (u.type) {
    case 'float_literal':
      return true;
    case 'integer_literal':
      return /f(32|64)$/.test(u.text);
    case 'identifier':
      return floats.has(u.text);
    case 'type_cast_expression':
      return /^f(32|64)$/.test(u.childForFieldName('type')?.text ?? '');
    case 'unary_expression':
      return !!u.namedChild(0) && looksFloat(u.namedChild(0)!, floats);
    case 'binary_expression': {
      if (!/^[+\-*/%]$/.test(u.childForFieldName('operator')?.text ?? '')) return false;
      const l = u.childForFieldName('left');
      const r = u.childForFieldName('right');
      return (!!l && looksFloat(l, floats)) || (!!r && looksFloat(r, floats));
    }
    default:
      return false;
  }
}

function clip(text: string): string {
  const one = text.replace(/\s+/g, ' ');
  return one.length > 40 ? one.slice(0, 37) + '...' : one;
}
