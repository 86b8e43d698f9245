/**
 * Files the prefilter left out and that nothing parsed: what the analysis of their crate learnt about
 * them, so that an edit to one of them can be shown not to change that analysis.
 *
 * The analysis reads a left-out file's text in three ways only: the prefilter's tests (is there a
 * trigger? an invocation of a crate macro? a closure-taking wrapper of a guard?), the names of the
 * functions and types it may define (the lookup indexes of model/crate.ts), and the text questions
 * lookups ask of every left-out file ("does it name one of these identifiers?", "an `impl` of this
 * type?"). A file whose answers come out as before is still left out and still never parsed: the
 * crate's findings cannot have changed, and a warm scan keeps them (see cachedScan in scan-crate.ts).
 * A file that was parsed, or whose answers differ, makes the crate analysed again.
 *
 * Kept free of tree-sitter: the warm path runs it without loading the analysis.
 */
import { createHash } from 'node:crypto';

/** What a crate's cached result records about its left-out files. */
export interface LeftOutRecord {
  /** The text questions asked (regular expressions, as source and flags), in the order asked. */
  questions: [string, string][];
  /** Signature (see `leftOutSignature`) of each left-out file nothing parsed, by path. */
  files: Record<string, string>;
}

/** `fn name`: the functions a left-out file may define (parsed when a call asks for the name). */
export const FUNCTION_NAMES = /\bfn\s+(?:r#)?([A-Za-z_]\w*)/g;
/** `repr(` in a file: its structs and enums may be what a prototype's type names. */
export const REPR = /\brepr\s*\(/;
/** The types a left-out file may define, as a header comparison looks them up (aliases; `#[repr]` and `bitflags!` types). */
export function typeNamePattern(text: string): RegExp {
  return REPR.test(text) || /\bbitflags!/.test(text) ? /\b(?:type|struct|enum)\s+(?:r#)?([A-Za-z_]\w*)/g : /\btype\s+(?:r#)?([A-Za-z_]\w*)/g;
}

/** The first group of each match of `pattern` (global) in `text`. */
export function namesIn(text: string, pattern: RegExp): string[] {
  return [...text.matchAll(pattern)].map((m) => m[1]!);
}

/** A question as it is recorded and asked again: without `g`/`y`, whose `lastIndex` would make `test` depend on earlier calls. */
export function question(pattern: RegExp): RegExp {
  return /[gy]/.test(pattern.flags) ? new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')) : pattern;
}

/** Everything the analysis can have learnt from a left-out file's text, as a short digest. */
export function leftOutSignature(text: string, questions: readonly RegExp[]): string {
  return signatureOf(
    questions.map((q) => q.test(text)),
    namesIn(text, FUNCTION_NAMES),
    namesIn(text, typeNamePattern(text)),
  );
}

/** The digest `leftOutSignature` computes, from answers and names already known. */
export function signatureOf(answers: readonly boolean[], functions: readonly string[], types: readonly string[]): string {
  return createHash('sha1').update(`${answers.map((a) => (a ? '1' : '0')).join('')}\n${functions.join(' ')}\n${types.join(' ')}`).digest('hex');
}

const answered = new WeakMap<object, Map<RegExp, boolean>>();

/**
 * `question.test(source.text)`, remembered for this source object: the analysis asks its questions of
 * every left-out file, and the record of what it asked (`LaterParse.record`) needs the same answers.
 */
export function answer(question: RegExp, source: { text: string }): boolean {
  let known = answered.get(source);
  if (!known) answered.set(source, (known = new Map()));
  let a = known.get(question);
  if (a === undefined) known.set(question, (a = question.test(source.text)));
  return a;
}

/** The questions of a record, compiled; undefined if one is not a valid regular expression (a foreign cache). */
export function compileQuestions(record: LeftOutRecord): RegExp[] | undefined {
  try {
    return record.questions.map(([source, flags]) => new RegExp(source, flags));
  } catch {
    return undefined;
  }
}

/** Is `data` a record `LeftOutRecord` describes? */
export function isLeftOutRecord(data: unknown): data is LeftOutRecord {
  if (typeof data !== 'object' || data === null) return false;
  const d = data as Record<string, unknown>;
  return (
    Array.isArray(d.questions) &&
    d.questions.every((q) => Array.isArray(q) && q.length === 2 && typeof q[0] === 'string' && typeof q[1] === 'string') &&
    typeof d.files === 'object' &&
    d.files !== null &&
    Object.values(d.files).every((s) => typeof s === 'string')
  );
}
