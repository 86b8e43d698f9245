/**
 * Rust token trees, lexed from text, for expanding `macro_rules!` (see expand.ts). tree-sitter does not
 * parse what a macro is given nor what it writes, so expansion works on tokens the way rustc does:
 * identifiers, lifetimes, literals, punctuation, and delimited groups. Each token remembers where it
 * was written, so code in an expansion can be reported where it came from.
 */
import type { Span } from '../findings.js';

/** Where a token was written: at the invocation (an argument) or in a macro's definition. */
export interface Origin {
  span: Span;
  /** Written in the invocation's arguments, in the file being scanned (not in a macro's transcriber). */
  input: boolean;
}

export interface Tok {
  kind: 'ident' | 'lifetime' | 'literal' | 'punct';
  text: string;
  /** Whitespace before the token: '' (joined), ' ', or '\n'. */
  space: string;
  origin: Origin | null;
}

export interface Group {
  kind: 'group';
  delim: '(' | '[' | '{';
  tokens: TokenTree[];
  space: string;
  closeSpace: string;
  open: Origin | null;
  close: Origin | null;
}

export type TokenTree = Tok | Group;

const CLOSE: Record<string, '(' | '[' | '{'> = { ')': '(', ']': '[', '}': '{' };
export const CLOSING: Record<Group['delim'], string> = { '(': ')', '[': ']', '{': '}' };
/**
 * Joined punctuation kept as one token. `<` and `>` stay single (also in `<<` and `>>`), so that
 * `Vec<Vec<u8>>` closes two generic lists and a pattern's `>` matches either half.
 */
const PUNCT = ['...', '..=', '..', '::', '->', '=>', '==', '!=', '<=', '>=', '&&', '||', '+=', '-=', '*=', '/=', '%=', '^=', '&=', '|='];
const IDENT_START = /[A-Za-z_\u0080-\uffff]/;
const IDENT_CHAR = /[A-Za-z0-9_\u0080-\uffff]/;

/**
 * Lexes `text[start, end)` into token trees. `originOf` says where a token's range was written.
 * Comments are dropped; doc comments become `#[doc = ".."]` as rustc sees them. Null when the text
 * is not balanced or not Rust tokens.
 */
export function lexTokens(text: string, start: number, end: number, originOf: (s: number, e: number) => Origin | null): TokenTree[] | null {
  const stack: { group: Group | null; tokens: TokenTree[] }[] = [{ group: null, tokens: [] }];
  let space = '';
  const push = (t: TokenTree): void => {
    stack[stack.length - 1]!.tokens.push(t);
    space = '';
  };
  const tok = (kind: Tok['kind'], s: number, e: number, textOverride?: string): void =>
    push({ kind, text: textOverride ?? text.slice(s, e), space, origin: originOf(s, e) });
  let i = start;
  while (i < end) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      if (c === '\n') space = '\n';
      else if (!space) space = ' ';
      i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      let e = text.indexOf('\n', i);
      if (e < 0 || e > end) e = end;
      const doc = /^\/\/(\/(?!\/)|!)/.exec(text.slice(i, i + 4));
      if (doc) docComment(text.slice(i + 3, e).replace(/\r$/, ''), doc[1] === '!', i, e);
      else if (!space) space = ' ';
      i = e;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      let depth = 0;
      let j = i;
      while (j < end) {
        if (text[j] === '/' && text[j + 1] === '*') (depth++, (j += 2));
        else if (text[j] === '*' && text[j + 1] === '/') {
          j += 2;
          if (--depth === 0) break;
        } else j++;
      }
      if (depth !== 0) return null;
      const body = text.slice(i, j);
      if (/^\/\*\*[^*/]/.test(body) || /^\/\*!/.test(body)) docComment(body.slice(3, -2), body[2] === '!', i, j);
      else if (!space) space = body.includes('\n') ? '\n' : ' ';
      i = j;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') {
      const group: Group = { kind: 'group', delim: c, tokens: [], space, closeSpace: '', open: originOf(i, i + 1), close: null };
      push(group);
      stack.push({ group, tokens: group.tokens });
      i++;
      continue;
    }
    if (c === ')' || c === ']' || c === '}') {
      const top = stack.pop()!;
      if (!top.group || top.group.delim !== CLOSE[c]) return null;
      top.group.closeSpace = space;
      top.group.close = originOf(i, i + 1);
      space = '';
      i++;
      continue;
    }
    const lit = literalEnd(text, i, end);
    if (lit > i) {
      tok('literal', i, lit);
      i = lit;
      continue;
    }
    if (c === "'") {
      // A lifetime or label (`'a`); char literals were taken above.
      let j = i + 1;
      while (j < end && IDENT_CHAR.test(text[j]!)) j++;
      if (j === i + 1) return null;
      tok('lifetime', i, j);
      i = j;
      continue;
    }
    if (IDENT_START.test(c)) {
      let j = i + (c === 'r' && text[i + 1] === '#' && IDENT_START.test(text[i + 2] ?? '') ? 2 : 1);
      while (j < end && IDENT_CHAR.test(text[j]!)) j++;
      tok('ident', i, j);
      i = j;
      continue;
    }
    const p = PUNCT.find((op) => text.startsWith(op, i) && i + op.length <= end);
    if (p) {
      tok('punct', i, i + p.length);
      i += p.length;
      continue;
    }
    if (!/[!#$%&*+,\-./:;<=>?@^|~]/.test(c)) return null;
    tok('punct', i, i + 1);
    i++;
  }
  return stack.length === 1 ? stack[0]!.tokens : null;

  /** `/// text` is `#[doc = " text"]` (and `//! text` is `#![doc = ..]`) to the macro matcher. */
  function docComment(body: string, inner: boolean, s: number, e: number): void {
    const origin = originOf(s, e);
    const escaped = '"' + body.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n') + '"';
    push({ kind: 'punct', text: '#', space, origin });
    if (inner) push({ kind: 'punct', text: '!', space: '', origin });
    const attr: TokenTree[] = [
      { kind: 'ident', text: 'doc', space: '', origin },
      { kind: 'punct', text: '=', space: ' ', origin },
      { kind: 'literal', text: escaped, space: ' ', origin },
    ];
    push({ kind: 'group', delim: '[', tokens: attr, space: '', closeSpace: '', open: origin, close: origin });
    space = '\n';
  }
}

/** End of the string, char or number literal starting at `i`, or `i` when there is none. */
function literalEnd(text: string, i: number, end: number): number {
  const c = text[i]!;
  if (/[0-9]/.test(c)) {
    let j = i + 1;
    const hex = c === '0' && /[xob]/.test(text[i + 1] ?? '');
    while (j < end) {
      const d = text[j]!;
      if (/[0-9A-Za-z_]/.test(d)) {
        // `1e-5`: the sign belongs to the exponent of a decimal number.
        if (!hex && (d === 'e' || d === 'E') && /[+-]/.test(text[j + 1] ?? '') && /[0-9]/.test(text[j + 2] ?? '')) j += 2;
        j++;
      } else if (d === '.' && !hex && /[0-9]/.test(text[j + 1] ?? '')) j++;
      else if (d === '.' && !hex && text[j + 1] !== '.' && !IDENT_START.test(text[j + 1] ?? '')) j++; // `1.`
      else break;
    }
    return j;
  }
  // Prefixes: b"..", b'..', br".., r"..", r#"..", c"..", cr"..".
  const prefix = /^(br|cr|b|c|r)?/.exec(text.slice(i, i + 2))![0];
  let j = i + prefix.length;
  if (prefix.endsWith('r') && (text[j] === '"' || text[j] === '#')) {
    let hashes = 0;
    while (text[j] === '#') (hashes++, j++);
    if (text[j] !== '"') return i;
    const close = '"' + '#'.repeat(hashes);
    const e = text.indexOf(close, j + 1);
    return e < 0 || e + close.length > end ? i : e + close.length;
  }
  if (text[j] === '"') {
    for (j++; j < end; j++) {
      if (text[j] === '\\') j++;
      else if (text[j] === '"') return suffixEnd(text, j + 1, end);
    }
    return i;
  }
  if (text[j] === "'" && prefix !== 'r' && prefix !== 'br' && prefix !== 'cr') {
    // A char literal: `'x'`, `'\n'`, `'\u{1F600}'`, or one astral character; anything else is a lifetime.
    if (text[j + 1] === '\\') {
      const e = text.indexOf("'", j + 3);
      return e < 0 || e >= end ? i : e + 1;
    }
    const width = (text.codePointAt(j + 1) ?? 0) > 0xffff ? 2 : 1;
    return text[j + 1 + width] === "'" ? j + 2 + width : i;
  }
  return i;
}

/** Literal suffixes: `"a"suffix` is rare, but keep the token whole. */
function suffixEnd(text: string, j: number, end: number): number {
  while (j < end && IDENT_CHAR.test(text[j]!)) j++;
  return j;
}

/** Identifier-like tokens cannot touch without a space between them. */
const WORD = /[A-Za-z0-9_'"]$/;
const WORD_START = /^[A-Za-z0-9_'"]/;
/**
 * Pairs of punctuation that would lex as another token (`-` `>` as `->`, `/` `/` as a comment). `<<` and
 * `>>` are left alone: the lexer splits them, and written together they read as they were written.
 */
const GLUES = /^(-[>=]|=[>=]|:[:]|\.[.]|\/[/*]|<[-=]|>=|&[&=]|\|[|=]|![=]|\+=|\*=)$/;

/** Does joining `prev` and `next` without a space change how they lex? */
export function needsSpace(prev: string, next: string): boolean {
  if (!prev || !next) return false;
  if (WORD.test(prev) && WORD_START.test(next)) return true;
  return GLUES.test(prev[prev.length - 1]! + next[0]!);
}
