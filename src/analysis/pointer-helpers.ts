/**
 * Pointers handed on to the crate's own functions. An FFI function often does not touch its pointer
 * itself but passes it to a helper (`parse(key)`, `cstr_to_str(path)`, `self.feed(buf, len)`) that
 * dereferences it or reads it as a C string. The hazard is the FFI function's: C can pass NULL (or
 * an unterminated string) to it, whatever the helper's `# Safety` section says. So a call counts as
 * a use of the pointer when the helper's matching raw-pointer parameter is used that way in its
 * body, directly or through further helpers (a few levels deep; recursion ends the search).
 * A helper that checks its parameter for null first does not dereference it unchecked; FFI
 * functions called as helpers are reported on their own and not followed.
 */
import type { FnInfo } from '../model/functions.js';
import { isFfiFunction } from '../model/functions.js';
import type { Node, SourceFile } from '../source.js';
import { asPathCall, callArgs, lastOf } from '../syntax.js';
import { calleeName, declaredTypes, parameterFor, resolveCallee } from './callees.js';
import { integerParams, LengthGuards, lengthsPassed } from './length-guards.js';
import { PointerParam, type Deref, type NullCheckContext } from './null-checks.js';
import { nodeId } from '../node-fields.js';

/** A use of the pointer; for a call to a crate helper, also what the helper does with it. */
export interface PointerUse extends Deref {
  helper?: { fn: FnInfo; param: string; use: PointerUse };
}

/** What the crate model provides for following calls. */
export interface HelperContext extends NullCheckContext {
  functionsByName: ReadonlyMap<string, FnInfo[]>;
}

/** Helpers called from helpers called from the FFI function: deep enough for real wrappers, cheap to follow. */
const MAX_DEPTH = 3;

/** `deref`: any use that needs a non-null pointer, with no null check before it. `cstr`: `CStr::from_ptr` on it, checked or not. */
type Kind = 'deref' | 'cstr';

/** `CStr::from_ptr(p)` on the pointer itself (`direct`) or on a string pointer read through it (`loaded`: `*argv.add(i)`, `(*opts).name`). */
export function cstrRead(ptr: PointerParam, node: Node): 'direct' | 'loaded' | null {
  const c = asPathCall(node);
  const arg = c?.args[0];
  if (!c || c.name !== 'from_ptr' || lastOf(c.qualifier) !== 'CStr' || !arg) return null;
  return ptr.isPointerExpr(arg) ? 'direct' : ptr.isLoadedFrom(arg) ? 'loaded' : null;
}

/**
 * Every use of parameter `ptr` of `fn` that needs a non-null pointer and that no null check covers:
 * dereferences in the body and calls handing it to a helper that dereferences it unchecked, in
 * source order.
 */
export function uncheckedUses(fn: FnInfo, ptr: PointerParam, ctx: HelperContext): PointerUse[] {
  // C supplies every integer parameter of an FFI function: the lengths its pointers come with.
  return tracerFor(ctx).uses(fn, ptr, 'deref', 0, integerParams(fn));
}

/** Calls of `fn` handing parameter `ptr` to a helper that reads it with `CStr::from_ptr` (the direct reads are the rule's own). */
export function cstrReadsInHelpers(fn: FnInfo, ptr: PointerParam, ctx: HelperContext): PointerUse[] {
  return tracerFor(ctx).helperCalls(fn, ptr, 'cstr', 0, NO_LENGTHS);
}

/** The end of a chain of helper calls: where the pointer is finally used, in which function. */
export function leafOf(use: PointerUse, fn: FnInfo): { use: PointerUse; fn: FnInfo; param?: string } {
  let leaf = { use, fn, param: undefined as string | undefined };
  while (leaf.use.helper) leaf = { use: leaf.use.helper.use, fn: leaf.use.helper.fn, param: leaf.use.helper.param };
  return leaf;
}

/**
 * The rest of a sentence about a use handed to helpers: "passed to `a()`, which passes it to `b()`,
 * which dereferences it at src/b.rs:3". `where` renders a location.
 */
export function describeChain(use: PointerUse, where: (file: SourceFile, node: Node) => string): string {
  const parts = [use.how];
  for (let u = use; u.helper; u = u.helper.use) {
    const next = u.helper.use;
    parts.push(`which ${activeVoice(next.how)}${next.helper ? '' : ` at ${where(u.helper.fn.file, next.node)}`}`);
  }
  return parts.join(', ');
}

/** The calls of a chain below the first, as related locations: "`a()` passes `q` on to `b()` here". */
export function chainSteps(use: PointerUse): { file: SourceFile; node: Node; message: string }[] {
  const out: { file: SourceFile; node: Node; message: string }[] = [];
  for (let u = use; u.helper; u = u.helper.use) {
    const next = u.helper.use;
    if (next.helper) out.push({ file: u.helper.fn.file, node: next.node, message: `\`${calleeName(u.helper.fn)}()\` passes \`${u.helper.param}\` on to \`${calleeName(next.helper.fn)}()\` here` });
  }
  return out;
}

/** "dereferenced" → "dereferences it", "passed to `f()`" → "passes it to `f()`"; `object` replaces "it". */
export function activeVoice(how: string, object = 'it'): string {
  return how
    .replace(/^dereferenced by /, `dereferences ${object} with `)
    .replace(/^dereferenced$/, `dereferences ${object}`)
    .replace(/^passed to /, `passes ${object} to `)
    .replace(/^read by /, `reads ${object} with `);
}

class Tracer {
  /** First use per helper, parameter, kind and depth (deeper calls may follow fewer helpers). */
  private readonly memo = new Map<string, PointerUse | null>();
  private readonly stack = new Set<string>();
  /** Set while a search was cut short by recursion: its "no use" depends on the path taken and is not final. */
  private cutShort = false;
  private readonly types = new Map<FnInfo, ReadonlyMap<string, string>>();
  /** Whether a helper uses one parameter as the length of a pointer parameter, by helper and parameters. */
  private readonly pairing = new Map<string, boolean>();

  constructor(private readonly ctx: HelperContext) {}

  /** `lengths`: the integer parameters of `fn` that carry a length C supplied (see length-guards.ts). */
  uses(fn: FnInfo, ptr: PointerParam, kind: Kind, depth: number, lengths: ReadonlySet<string>): PointerUse[] {
    const guards = new LengthGuards(fn.file, fn.body!, ptr, lengths, this.helperPairs(fn));
    const direct: PointerUse[] =
      kind === 'deref'
        ? ptr.derefs().filter((d) => !ptr.isChecked(d.node) && !guards.guardOf(d.node))
        : this.cstrReads(fn, ptr);
    const seen = new Set(direct.map((d) => nodeId(d.node)));
    const all = [...direct, ...this.helperCalls(fn, ptr, kind, depth, lengths, guards).filter((h) => !seen.has(nodeId(h.node)))];
    return all.sort((a, b) => a.node.startIndex - b.node.startIndex);
  }

  /** Calls handing the pointer to a crate helper that uses it (unchecked, for `deref`). */
  helperCalls(fn: FnInfo, ptr: PointerParam, kind: Kind, depth: number, lengths: ReadonlySet<string>, guards?: LengthGuards): PointerUse[] {
    const out: PointerUse[] = [];
    if (!fn.body || depth >= MAX_DEPTH) return out;
    fn.file.walkBody(fn.body, (n) => {
      if (n.type !== 'call_expression') return;
      const args = callArgs(n);
      const passed = args.map((a, i) => (ptr.isPointerExpr(a) ? i : -1)).filter((i) => i >= 0);
      if (passed.length === 0 || (kind === 'deref' && (ptr.isChecked(n) || guards?.guardOf(n)))) return;
      const callee = resolveCallee(this.ctx.functionsByName, fn, this.typesOf(fn), n);
      if (!callee?.body || isFfiFunction(callee)) return;
      const passedLengths = kind === 'deref' ? lengthsPassed(callee, args, lengths, (i) => parameterFor(callee, n, i)) : NO_LENGTHS;
      for (const i of passed) {
        const param = parameterFor(callee, n, i);
        if (!param?.isRawPointer) continue;
        const inner = this.firstUse(callee, param.name, kind, depth + 1, passedLengths);
        if (!inner) continue;
        const name = namedIn(fn.file, ptr, args[i]!);
        out.push({ node: n, how: `passed to \`${calleeName(callee)}()\``, ...(name && name !== ptr.name ? { via: name } : {}), helper: { fn: callee, param: param.name, use: inner } });
        return;
      }
    });
    return out;
  }

  private cstrReads(fn: FnInfo, ptr: PointerParam): PointerUse[] {
    const out: PointerUse[] = [];
    fn.file.walkBody(fn.body!, (n) => {
      if (cstrRead(ptr, n) === 'direct') out.push({ node: n, how: 'read by `CStr::from_ptr`' });
    });
    return out;
  }

  /** The first use of parameter `param` of helper `fn` (memoised; recursion and the depth limit count as "no use"). */
  private firstUse(fn: FnInfo, param: string, kind: Kind, depth: number, lengths: ReadonlySet<string>): PointerUse | null {
    const active = `${kind}:${nodeId(fn.node)}:${param}`;
    const key = `${active}:${depth}:${[...lengths].sort().join(',')}`;
    const cached = this.memo.get(key);
    if (cached !== undefined) return cached;
    if (this.stack.has(active)) {
      this.cutShort = true;
      return null;
    }
    const outer = this.cutShort;
    this.cutShort = false;
    this.stack.add(active);
    const first = this.uses(fn, new PointerParam(fn.file, fn.body!, param, this.ctx), kind, depth, lengths)[0] ?? null;
    this.stack.delete(active);
    if (first || !this.cutShort) this.memo.set(key, first);
    this.cutShort ||= outer;
    return first;
  }

  /** For `LengthGuards`: does the crate helper a call of `fn` names use argument `lenAt` as the length of argument `ptrAt`? */
  private helperPairs(fn: FnInfo): (call: Node, ptrAt: number, lenAt: number) => boolean {
    return (call, ptrAt, lenAt) => {
      if (ptrAt < 0 || lenAt < 0) return false;
      const callee = resolveCallee(this.ctx.functionsByName, fn, this.typesOf(fn), call);
      if (!callee?.body) return false;
      const p = parameterFor(callee, call, ptrAt);
      const l = parameterFor(callee, call, lenAt);
      if (!p?.isRawPointer || !l) return false;
      const key = `${nodeId(callee.node)}:${p.name}:${l.name}`;
      const known = this.pairing.get(key);
      if (known !== undefined) return known;
      // Recursion: assume not paired while the answer is being worked out.
      this.pairing.set(key, false);
      const ptr = new PointerParam(callee.file, callee.body, p.name, this.ctx);
      const answer = new LengthGuards(callee.file, callee.body, ptr, new Set([l.name]), this.helperPairs(callee)).pairedLengths().has(l.name);
      this.pairing.set(key, answer);
      return answer;
    };
  }

  private typesOf(fn: FnInfo): ReadonlyMap<string, string> {
    let t = this.types.get(fn);
    if (!t) this.types.set(fn, (t = declaredTypes(fn)));
    return t;
  }
}

const NO_LENGTHS: ReadonlySet<string> = new Set();

const tracers = new WeakMap<HelperContext, Tracer>();

/** One tracer per crate model, so helpers are analysed once per scan whichever rule asks first. */
function tracerFor(ctx: HelperContext): Tracer {
  let t = tracers.get(ctx);
  if (!t) tracers.set(ctx, (t = new Tracer(ctx)));
  return t;
}

/** The first of the pointer's names that an argument mentions (`q` in `helper(q as *const u8)`). */
function namedIn(file: SourceFile, ptr: PointerParam, arg: Node): string | undefined {
  let found: string | undefined;
  file.walk(arg, (c) => {
    if (found) return false;
    if (c.type === 'identifier' && ptr.names.has(c.text) && ptr.isPointerExpr(c)) found = c.text;
    return undefined;
  });
  return found;
}
