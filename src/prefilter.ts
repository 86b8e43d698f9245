/**
 * The textual prefilter: a file whose text cannot hold anything a rule or the crate model looks at is
 * not parsed up front. Each rule declares the text it needs (`Rule.triggers`); the model adds what it
 * reads across files (FFI functions, macros, guards, module structure). The test is on raw text, so a
 * word in a comment or string only makes a file parsed for nothing, never a finding lost.
 *
 * A file left out is still part of the crate: when an analysis follows a call into a function it
 * defines, the file is parsed then (see LaterParse in model/crate.ts), and so it is when a header
 * comparison asks for a type it may define (AliasIndex) or the module tree resolves a path through it
 * (see LazyFile in model/visibility.ts).
 */
import type { AnalyzerConfig } from './config.js';
import type { Rule } from './rule.js';
import { escapeRegExp } from './regexp.js';
import { answer } from './left-out.js';

/**
 * What the crate model reads: FFI functions and imports (`extern`, export attributes), the crate's macros
 * (which may write FFI functions or guards), `catch_unwind` guards, null-check helpers (raw pointers,
 * `is_null`, `NonNull`), and the files that shape the module tree or the crate's attributes (`mod x;`,
 * `pub use`, `#![..]`).
 */
const MODEL_TRIGGERS = [
  /\bextern\b/,
  /\*\s*(const|mut)\b/,
  /\bis_null\b|\bNonNull\b/,
  /\bno_mangle\b|\bexport_name\b/,
  /\bmacro_rules!/,
  /\bcatch_unwind\b/,
  /\bmod\s+(r#)?\w+\s*;/,
  /\bpub\s*(\([^)]*\)\s*)?use\b/,
  /#!\[/,
];
/** A function that takes a closure: it may run it under a guard defined elsewhere. */
const TAKES_CLOSURE = /\bfn\s+(?:r#)?(\w+)[^{;]*?\b(?:FnOnce|FnMut|Fn)\s*\(/;
const closureTakers = (text: string): string[] => [...text.matchAll(new RegExp(TAKES_CLOSURE.source, 'g'))].map((m) => m[1]!);

export interface Prefiltered<T> {
  /** Files to parse now. */
  parse: T[];
  /** Files no rule needs unless a function they define is called from parsed code. */
  later: T[];
  /**
   * What the decision asked of each file's text: a file left out gives the same answers, whatever its
   * edits, is left out again (the other files unchanged). See left-out.ts.
   */
  questions: RegExp[];
}

export function prefilter<T extends { text: string }>(sources: T[], rules: readonly Rule[], config: AnalyzerConfig): Prefiltered<T> {
  const names = [...config.panicBoundaries, ...config.panicBoundaryAttributes, ...config.nullCheckHelpers, ...config.timeoutHelpers];
  const patterns = [...MODEL_TRIGGERS, ...rules.flatMap((r) => (r.triggers ? [r.triggers] : [])), ...names.map((n) => new RegExp(`\\b${escapeRegExp(n)}\\b`))];
  const anyTrigger = new RegExp(patterns.map((p) => p.source).join('|'), 'm');
  const parse: T[] = [];
  const later: T[] = [];
  const questions = [anyTrigger];
  for (const s of sources) (answer(anyTrigger, s) ? parse : later).push(s);
  // An invocation of one of the crate's macros may write an FFI function (`ffi_fn! { fn f() {..} }`,
  // `declare_vec!(name)`): files that invoke them are parsed too. Macros are defined in parsed files.
  const macros = new Set<string>();
  for (const s of parse) for (const m of s.text.matchAll(/\bmacro_rules!\s*(?:r#)?(\w+)/g)) macros.add(m[1]!);
  let rest = later;
  if (macros.size > 0) {
    const invokes = new RegExp(`\\b(${[...macros].map(escapeRegExp).join('|')})\\s*!`);
    questions.push(invokes);
    rest = moveMatching(rest, parse, invokes);
  }
  // A guard can wrap another one: `fn ffi_call<F: FnOnce()>(f: F) { guarded(f) }` where `guarded` calls
  // `catch_unwind`. Files that define closure-taking functions calling a known guard or wrapper are
  // parsed too, until no new wrapper turns up.
  const guards = new Set(macros);
  for (const s of parse) if (/\bcatch_unwind\b/.test(s.text)) for (const name of closureTakers(s.text)) guards.add(name);
  for (let grew = guards.size > 0; grew && rest.length > 0; ) {
    const mentions = new RegExp(`\\b(${[...guards].map(escapeRegExp).join('|')})\\b`);
    const wrappers = rest.filter((s) => TAKES_CLOSURE.test(s.text) && mentions.test(s.text));
    const before = guards.size;
    for (const s of wrappers) for (const name of closureTakers(s.text)) guards.add(name);
    parse.push(...wrappers);
    rest = rest.filter((s) => !wrappers.includes(s));
    grew = guards.size > before;
  }
  // A left-out file does not take a closure or names no guard of the final set (which holds every earlier one).
  if (guards.size > 0) questions.push(TAKES_CLOSURE, new RegExp(`\\b(${[...guards].map(escapeRegExp).join('|')})\\b`));
  return { parse, later: rest, questions };
}

/** Moves the sources matching `pattern` into `into`; returns the others. */
function moveMatching<T extends { text: string }>(sources: T[], into: T[], pattern: RegExp): T[] {
  const rest: T[] = [];
  for (const s of sources) (answer(pattern, s) ? into : rest).push(s);
  return rest;
}

