/**
 * `macro_rules!` definitions read as token streams. tree-sitter does not parse a macro's transcriber,
 * so the questions rules ask ("does this macro call `catch_unwind` on what it is given?") are answered
 * on its tokens.
 */
import { macroName, type Node, type SourceFile } from '../source.js';
import type { CrateModel } from './crate.js';
import { escapeRegExp } from '../regexp.js';

export interface MacroDef {
  name: string;
  file: SourceFile;
  node: Node;
  /** The transcribers (right-hand sides) of every rule. */
  bodies: Node[];
}

export function collectMacro(file: SourceFile, node: Node): MacroDef | null {
  const name = node.childForFieldName('name')?.text;
  if (!name) return null;
  const bodies = node.namedChildren
    .filter((r) => r.type === 'macro_rule')
    .map((r) => r.childForFieldName('right'))
    .filter((b): b is Node => b !== null);
  return { name, file, node, bodies };
}

/**
 * Does the token stream call one of `callees` (as `f(..)`, `a::f(..)` or `f!(..)`) with an argument that
 * contains one of the macro's metavariables (`$body`, `$($t)*`)? That is how a macro applies a
 * function to the code it was given.
 */
export function tokensCallOnInput(body: Node, callees: ReadonlySet<string>): boolean {
  const kids = body.children;
  for (let i = 0; i < kids.length; i++) {
    const k = kids[i]!;
    if (k.type === 'token_tree') {
      if (tokensCallOnInput(k, callees)) return true;
      continue;
    }
    if (k.type !== 'identifier' || !callees.has(k.text)) continue;
    let j = i + 1;
    const bang = kids[j]?.type === '!';
    if (bang) j++;
    const args = kids[j];
    // `f(..)`, `f![..]`, and a macro's `f! { .. }` (a brace after a plain name starts a block or struct literal).
    if (args?.type === 'token_tree' && (bang || /^[([]/.test(args.text)) && containsMetavariable(args)) return true;
  }
  return false;
}

/**
 * Does the token stream give a caught panic back: `resume_unwind(..)` / `panic_any(..)`, or a call to
 * one of `callees` followed by `.unwrap()` / `.expect(..)`? Such a macro is no boundary.
 */
export function tokensRepanic(body: Node, callees: ReadonlySet<string>): boolean {
  const kids = body.children;
  for (let i = 0; i < kids.length; i++) {
    const k = kids[i]!;
    if (k.type === 'token_tree') {
      if (tokensRepanic(k, callees)) return true;
      continue;
    }
    if (k.type !== 'identifier') continue;
    if (k.text === 'resume_unwind' || k.text === 'panic_any') return true;
    if (!callees.has(k.text)) continue;
    let j = i + 1;
    if (kids[j]?.type === '!') j++;
    if (kids[j]?.type !== 'token_tree') continue;
    if (kids[j + 1]?.type === '.' && /^(unwrap|expect)$/.test(kids[j + 2]?.text ?? '')) return true;
  }
  return false;
}

/** Does a transcriber use any of the macro's input (`$x`, `$($t)*`)? */
export function hasMetavariable(body: Node): boolean {
  return containsMetavariable(body);
}

function containsMetavariable(n: Node): boolean {
  // `$crate` names the defining crate, not input.
  if (n.type === 'metavariable') return n.text !== '$crate';
  // `$( $t )*` repetitions show up as a `$` token followed by a token tree.
  if (n.type === '$') return true;
  for (const c of n.children) if (containsMetavariable(c)) return true;
  return false;
}

/** Text of the transcribers with whitespace collapsed, for simple token-pattern questions. */
export function bodyText(def: MacroDef): string {
  return def.bodies.map((b) => b.text).join('\n');
}

/** Does the macro test one of its inputs for null (`$p.is_null()`, `$p.as_ref()`, `NonNull::new($p)`) and bail out? */
export function macroChecksNull(def: MacroDef, nullCheckNames: ReadonlySet<string>): boolean {
  const text = bodyText(def);
  const tests =
    /\$\w+\s*\)?\s*\.\s*(is_null|as_ref|as_mut)\s*\(/.test(text) ||
    /NonNull\s*::\s*new\s*\(\s*\$/.test(text) ||
    [...nullCheckNames].some((n) => new RegExp(`\\b${n}\\s*!?\\s*\\(\\s*\\$`).test(text));
  const bails = /\breturn\b|\?|\bpanic\s*!|\bunreachable\s*!|\bErr\s*\(|\bNone\b/.test(text);
  return tests && bails;
}

export interface ExportTemplate {
  abi: string;
  exported: boolean;
}

/**
 * A macro whose transcriber writes `extern "C" fn $name` around the `fn` it is given (hyper's and
 * regex-capi's `ffi_fn!`): each `fn` in an invocation becomes an FFI function with that ABI.
 */
export function exportTemplate(def: MacroDef): ExportTemplate | null {
  let abi: string | null = null;
  let exported = false;
  const scan = (tt: Node): void => {
    const kids = tt.children;
    for (let i = 0; i < kids.length; i++) {
      const k = kids[i]!;
      if (k.type === 'token_tree') scan(k);
      else if (k.type === 'identifier' && (k.text === 'no_mangle' || k.text === 'export_name')) exported = true;
      else if (k.type === 'identifier' && k.text === 'extern') {
        let j = i + 1;
        const lit = kids[j]?.type === 'string_literal' ? kids[j++]!.text.slice(1, -1) : 'C';
        if (kids[j]?.type === 'fn' && kids[j + 1]?.type === 'metavariable') abi ??= lit;
      }
    }
  };
  for (const b of def.bodies) scan(b);
  return abi ? { abi, exported } : null;
}

/** A line that starts with a macro invocation: the text a top-level one needs. */
const TOP_LEVEL_INVOCATION = /^(\w+::)*\w+!\s*[({[]/m;

/**
 * Identifiers handed to top-level invocations of macros the crate does not define (procedural macros,
 * other crates' macros): `declare_own!(wasm_engine_t)` may well generate `wasm_engine_delete`, and
 * ffiguard cannot expand it. Files the prefilter left out are parsed for it when their text can hold
 * one (and, with `only`, names one of those identifiers: the caller asks about no other).
 */
export function externalMacroArguments(crate: Pick<CrateModel, 'allFiles' | 'macros'>, only?: readonly string[]): Set<string> {
  const { macros } = crate;
  const out = new Set<string>();
  const named = only ? new RegExp(`(?<![\\w$])(${only.map(escapeRegExp).join('|')})(?![\\w$])`) : null;
  for (const file of crate.allFiles(named ? [TOP_LEVEL_INVOCATION, named] : [TOP_LEVEL_INVOCATION])) {
    for (const item of file.root.namedChildren) {
      const inv = item.type === 'expression_statement' ? item.namedChild(0) : item;
      if (inv?.type !== 'macro_invocation' || macros.has(macroName(inv) ?? '')) continue;
      for (const id of inv.descendantsOfType('identifier')) out.add(id.text);
    }
  }
  return out;
}
