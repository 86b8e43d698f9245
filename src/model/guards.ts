/**
 * The crate's own panic boundaries and null-check helpers, found by reading their definitions:
 * a macro or function is a panic boundary when its body calls `catch_unwind` (or another boundary)
 * on the code it is given; it is a null-check helper when it tests its pointer argument for null.
 * Boundaries can build on each other (a macro calling a helper function that calls
 * `catch_unwind`), so the sets grow to a fixpoint.
 */
import type { AnalyzerConfig } from '../config.js';
import type { Node, SourceFile } from '../source.js';
import { asMethodCall, asPathCall, lastSegment, mentions, tailExpression, uncast } from '../syntax.js';
import type { FnInfo } from './functions.js';
import { hasMetavariable, macroChecksNull, tokensCallOnInput, tokensRepanic, type MacroDef } from './macros.js';
import { escapeRegExp } from '../regexp.js';

export interface Guards {
  /** Names (last path segment or alias) of functions and macros that run their argument under `catch_unwind`. */
  panicBoundaries: Set<string>;
  /** Attributes that make the function they decorate a boundary. */
  boundaryAttributes: Set<string>;
  /** Macros and functions that test their pointer argument for null. */
  nullCheckHelpers: Set<string>;
  timeoutHelpers: Set<string>;
}

export interface UseAlias {
  /** Last segment of the imported path. */
  original: string;
  alias: string;
}

export function findGuards(fns: FnInfo[], macros: MacroDef[], aliases: UseAlias[], config: AnalyzerConfig): Guards {
  const boundaries = new Set<string>(['catch_unwind', ...config.panicBoundaries]);
  const macroBoundaries = new Set<string>();
  let changed = true;
  while (changed) {
    changed = false;
    const add = (name: string): void => {
      if (!boundaries.has(name)) {
        boundaries.add(name);
        changed = true;
      }
    };
    for (const a of aliases) if (boundaries.has(a.original)) add(a.alias);
    for (const m of macros) {
      if (macroBoundaries.has(m.name)) continue;
      // Every rule that is given code must guard it (directly or by expanding to the macro itself), and
      // none may re-raise what it caught.
      const callees = new Set([...boundaries, m.name]);
      const withInput = m.bodies.filter(hasMetavariable);
      if (withInput.some((b) => tokensCallOnInput(b, boundaries)) && withInput.every((b) => tokensCallOnInput(b, callees) && !tokensRepanic(b, boundaries))) {
        macroBoundaries.add(m.name);
        add(m.name);
      }
    }
    // Only a body that names a boundary can apply one: a text test spares walking every function.
    const named = new RegExp(`(?<![\\w$])(${[...boundaries].map(escapeRegExp).join('|')})(?![\\w$])`);
    for (const fn of fns) {
      // An FFI function is called from C, not handed Rust code to guard.
      if (boundaries.has(fn.name) || !fn.body || fn.abi !== null || !named.test(fn.file.text.slice(fn.body.startIndex, fn.body.endIndex))) continue;
      if (appliesBoundaryToParam(fn, boundaries)) add(fn.name);
    }
  }

  const nullCheckHelpers = new Set<string>(config.nullCheckHelpers);
  for (const m of macros) if (macroChecksNull(m, nullCheckHelpers)) nullCheckHelpers.add(m.name);
  for (const fn of fns) if (checksPointerParam(fn)) nullCheckHelpers.add(fn.name);
  for (const a of aliases) if (nullCheckHelpers.has(a.original)) nullCheckHelpers.add(a.alias);
  // A predicate that hands its pointer to a check and answers with it (`fn is_handle(p) -> bool {
  // instance_of::<T>(p as *const _) }`) is one too, however many such layers there are.
  for (let grew = true; grew; ) {
    grew = false;
    for (const fn of fns) {
      if (nullCheckHelpers.has(fn.name) || !delegatesCheck(fn, nullCheckHelpers)) continue;
      nullCheckHelpers.add(fn.name);
      grew = true;
    }
  }

  return {
    panicBoundaries: boundaries,
    boundaryAttributes: new Set(config.panicBoundaryAttributes),
    nullCheckHelpers,
    timeoutHelpers: new Set(config.timeoutHelpers),
  };
}

/** `fn guard<F: FnOnce() -> T>(f: F) -> .. { catch_unwind(AssertUnwindSafe(f)) .. }` */
function appliesBoundaryToParam(fn: FnInfo, boundaries: ReadonlySet<string>): boolean {
  const params = fn.node.childForFieldName('parameters')?.namedChildren ?? [];
  const names = params
    .filter((p) => p.type === 'parameter')
    .map((p) => p.childForFieldName('pattern'))
    .filter((p): p is Node => p?.type === 'identifier')
    .map((p) => p.text);
  if (names.length === 0) return false;
  let found = false;
  let rethrows = false;
  fn.file.walkBody(fn.body!, (n) => {
    const call = asPathCall(n);
    const method = call ? null : asMethodCall(n);
    // `resume_unwind(payload)`, `catch_unwind(f).unwrap()`: what was caught is raised again.
    if (call && (call.name === 'resume_unwind' || call.name === 'panic_any')) rethrows = true;
    if (method && (method.method === 'unwrap' || method.method === 'expect') && isBoundaryCall(method.receiver, boundaries)) rethrows = true;
    const name = call?.name ?? method?.method ?? (n.type === 'macro_invocation' ? lastSegment(n.childForFieldName('macro')) : null);
    if (!name || !boundaries.has(name)) return;
    const args = call?.args ?? method?.args ?? (n.type === 'macro_invocation' ? [n] : []);
    if (args.some((a) => runsParam(fn, a, names))) found = true;
  });
  return found && !rethrows;
}

/**
 * Does a boundary argument run one of the callable parameters: `f` itself, `AssertUnwindSafe(f)`, or
 * code that calls it (`|| f(conn)`, `$body` in a macro)? Merely mentioning a data parameter
 * (`catch_unwind(|| parse(data))`) does not make a function a boundary for its callers.
 */
function runsParam(fn: FnInfo, arg: Node, names: string[]): boolean {
  const bare = (n: Node): boolean => {
    if (n.type === 'identifier') return names.includes(n.text);
    const c = asPathCall(n);
    return !!c && c.name === 'AssertUnwindSafe' && c.args.length === 1 && bare(c.args[0]!);
  };
  if (bare(arg)) return true;
  let calls = false;
  fn.file.walk(arg, (n) => {
    if (calls) return false;
    const callee = n.type === 'call_expression' ? n.childForFieldName('function') : null;
    if (callee && ((callee.type === 'identifier' && names.includes(callee.text)) || (callee.type === 'parenthesized_expression' && names.some((p) => mentions(callee, p))))) calls = true;
    if (n.type === 'macro_invocation' && names.some((p) => mentions(n, p))) calls = true;
    return undefined;
  });
  return calls;
}

function isBoundaryCall(n: Node, boundaries: ReadonlySet<string>): boolean {
  const u = n.type === 'parenthesized_expression' && n.namedChild(0) ? n.namedChild(0)! : n;
  const name = asPathCall(u)?.name ?? (u.type === 'macro_invocation' ? lastSegment(u.childForFieldName('macro')) : null);
  return !!name && boundaries.has(name);
}

/** A function taking a raw pointer that tests it (`p.is_null()`, `p.as_ref()`, `NonNull::new(p)`). */
function checksPointerParam(fn: FnInfo): boolean {
  if (!fn.body) return false;
  // A text test first: most functions of a crate test nothing, and walking each body costs.
  if (!/\b(is_null|as_ref|as_mut|NonNull)\b/.test(fn.file.text.slice(fn.body.startIndex, fn.body.endIndex))) return false;
  // An `extern "C"` function is one when it is a predicate on one pointer (libimagequant exports its
  // `liq_received_invalid_pointer(p) -> bool` and calls it); an FFI function that happens to test one
  // of its parameters is no check of whatever else it is given.
  if (fn.abi !== null && (fn.params.filter((p) => p.isRawPointer).length !== 1 || fn.node.childForFieldName('return_type')?.text !== 'bool')) return false;
  const ptrs = fn.params.filter((p) => p.isRawPointer).map((p) => p.name);
  if (ptrs.length === 0) return false;
  let found = false;
  fn.file.walkBody(fn.body, (n) => {
    if (found) return false;
    const m = asMethodCall(n);
    if (m && ['is_null', 'as_ref', 'as_mut'].includes(m.method) && m.receiver.type === 'identifier' && ptrs.includes(m.receiver.text)) found = true;
    const c = asPathCall(n);
    if (c && c.name === 'new' && c.qualifier.endsWith('NonNull') && c.args[0]?.type === 'identifier' && ptrs.includes(c.args[0].text)) found = true;
  });
  return found;
}

/** A `bool` function on one raw pointer whose value is a helper's check of that pointer (casts aside). */
function delegatesCheck(fn: FnInfo, helpers: ReadonlySet<string>): boolean {
  // The signature's text first: most functions return something else, and reading fields costs.
  if (!fn.body || !/->\s*bool\s*$/.test(fn.file.text.slice(fn.node.startIndex, fn.body.startIndex).replace(/\bwhere\b[\s\S]*$/, ''))) return false;
  if (fn.node.childForFieldName('return_type')?.text !== 'bool') return false;
  const ptrs = fn.params.filter((p) => p.isRawPointer);
  if (ptrs.length !== 1) return false;
  const tail = tailExpression(fn.body);
  const call = tail ? asPathCall(tail) : null;
  if (!call || !helpers.has(call.name)) return false;
  return call.args.some((a) => {
    const e = uncast(a);
    return e.type === 'identifier' && e.text === ptrs[0]!.name;
  });
}

/** `use a::b::{c as d}` / `use a::b as d` aliases in a file. */
export function collectAliases(file: SourceFile, node: Node): UseAlias[] {
  const out: UseAlias[] = [];
  file.walk(node, (n) => {
    if (n.type === 'use_as_clause') {
      const original = lastSegment(n.childForFieldName('path'));
      const alias = n.childForFieldName('alias')?.text;
      if (original && alias) out.push({ original, alias });
      return false;
    }
    return undefined;
  });
  return out;
}
