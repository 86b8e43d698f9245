/**
 * Attributes and doc comments in front of an item, read from the siblings tree-sitter puts before it.
 * Doc text is assembled the way rustdoc does it (and clippy, which reuses rustdoc's code): `///`,
 * `/**` block and `#[doc = ..]` fragments in order, block comments stripped of their `*` margin, and the
 * common indentation removed, so Markdown sees the same text rustdoc would.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Node } from '../source.js';

export interface Attribute {
  node: Node;
  /** Attribute path, unwrapped from `unsafe(..)`: `no_mangle`, `export_name`, `allow`, `doc`, `cfg` ... */
  name: string;
  /** Text inside the attribute's parentheses or after `=`, e.g. `clippy::missing_safety_doc` for `allow(..)`. */
  args: string;
  /** `#![..]` */
  inner: boolean;
  /** Written `name = value` (rather than `name(..)` or a bare `name`). */
  assigned?: boolean;
}

const TRIVIA = new Set(['attribute_item', 'line_comment', 'block_comment']);

/**
 * Attribute and comment nodes that belong to the item: contiguous preceding siblings, except a
 * comment that trails the previous item on its last line (`fn a() {} // about a`).
 */
export function leadingTrivia(item: Node): Node[] {
  const out: Node[] = [];
  // Each sibling is read once (for an item found by a search, every read is a call into the binding).
  for (let s = item.previousSibling; s && TRIVIA.has(s.type); ) {
    const before = s.previousSibling;
    if (s.type !== 'attribute_item' && before && !TRIVIA.has(before.type) && before.endPosition.row === s.startPosition.row) break;
    out.push(s);
    s = before;
  }
  return out.reverse();
}

export function leadingAttributes(item: Node): Attribute[] {
  return leadingTrivia(item)
    .filter((n) => n.type === 'attribute_item')
    .map(readAttribute)
    .filter((a): a is Attribute => a !== null);
}

/** `#![..]` attributes at the top of a file (`source_file`) or of an inline `mod`/`impl`/`trait` body. */
export function innerAttributes(item: Node): Attribute[] {
  const body = item.type === 'source_file' ? item : item.childForFieldName('body');
  if (!body) return [];
  return body.namedChildren
    .filter((n) => n.type === 'inner_attribute_item')
    .map(readAttribute)
    .filter((a): a is Attribute => a !== null);
}

export function readAttribute(item: Node): Attribute | null {
  const attr = item.namedChildren.find((c) => c.type === 'attribute');
  if (!attr) return null;
  const path = attr.namedChild(0);
  if (!path) return null;
  let name = path.text.replace(/\s+/g, '');
  let args = attr.childForFieldName('arguments')?.text.slice(1, -1).trim() ?? '';
  const value = attr.childForFieldName('value');
  if (value) args = value.text;
  let assigned = !!value;
  // `#[unsafe(no_mangle)]`, `#[unsafe(export_name = "f")]` (edition 2024).
  if (name === 'unsafe') {
    const m = parseMeta(args);
    if (m) [name, args, assigned] = [m.name, m.args, m.assigned];
  }
  return { node: item, name, args, inner: item.type === 'inner_attribute_item', ...(assigned ? { assigned } : {}) };
}

/** `name`, `name(args)` or `name = value` as written inside `#[..]`. */
function parseMeta(text: string): { name: string; args: string; assigned: boolean } | null {
  const m = /^\s*([A-Za-z_][\w:]*)\s*(?:=\s*([\s\S]*?)|\(([\s\S]*)\))?\s*$/.exec(text);
  return m ? { name: m[1]!.replace(/\s+/g, ''), args: (m[2] ?? m[3] ?? '').trim(), assigned: m[2] !== undefined } : null;
}

const CHAR_LITERAL = /^'(?:\\(?:u\{[0-9a-fA-F_]+\}|x[0-9a-fA-F]{2}|.)|[^\\'])'/;

/** Splits `a, b(c, d), "e,f"` at its top-level commas. */
export function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === "'" && CHAR_LITERAL.test(text.slice(i))) {
      i += CHAR_LITERAL.exec(text.slice(i))![0].length - 1;
    } else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = text.slice(start).trim();
  if (last) out.push(last);
  return out;
}

/**
 * Is a `cfg` predicate on when clippy checks the crate (a normal, non-test build), or with `release`,
 * in a release build (no `debug_assertions`)? `undefined` when it depends on features or the target;
 * callers then assume the code is compiled. With `reference`, in the one build ffiguard picks between
 * alternatives written for different builds: a release build for Linux on x86-64 with every feature on.
 */
export function cfgEnabled(pred: string, build: 'check' | 'release' | 'reference' = 'check'): boolean | undefined {
  const p = pred.trim();
  const call = /^(all|any|not)\s*\(([\s\S]*)\)$/.exec(p);
  if (call) {
    const parts = splitTopLevel(call[2]!).map((part) => cfgEnabled(part, build));
    if (call[1] === 'not') return parts[0] === undefined ? undefined : !parts[0];
    if (call[1] === 'all') return parts.includes(false) ? false : parts.includes(undefined) ? undefined : true;
    return parts.includes(true) ? true : parts.includes(undefined) ? undefined : false;
  }
  if (/^(test|doc|doctest|miri)$/.test(p)) return false;
  if (p === 'debug_assertions') return build === 'check';
  if (p === 'clippy') return true;
  // `cargo clippy` set this feature until Rust 1.78; it no longer does.
  if (/^feature\s*=\s*"cargo-clippy"$/.test(p)) return false;
  if (build === 'reference') {
    if (/^feature\s*=/.test(p)) return true;
    if (p === 'unix' || p === 'windows') return p === 'unix';
    const m = /^(target_os|target_family|target_arch|target_pointer_width|target_endian|target_env)\s*=\s*"([^"]*)"$/.exec(p);
    if (m) return REFERENCE_TARGET[m[1]!] === m[2];
  }
  return undefined;
}

/** The target of the `reference` build (see cfgEnabled). */
const REFERENCE_TARGET: Record<string, string> = { target_os: 'linux', target_family: 'unix', target_arch: 'x86_64', target_pointer_width: '64', target_endian: 'little', target_env: 'gnu' };

/** Attributes with `#[cfg_attr(pred, a, b)]` replaced by `a` and `b` when `pred` may hold. */
export function expandCfgAttr(attrs: Attribute[]): Attribute[] {
  const out: Attribute[] = [];
  for (const a of attrs) {
    if (a.name !== 'cfg_attr') {
      out.push(a);
      continue;
    }
    const [pred, ...rest] = splitTopLevel(a.args);
    if (pred === undefined || cfgEnabled(pred) === false) continue;
    for (const r of rest) {
      const m = parseMeta(r);
      if (m) out.push(...expandCfgAttr([{ node: a.node, name: m.name, args: m.args, inner: a.inner, ...(m.assigned ? { assigned: true } : {}) }]));
    }
  }
  return out;
}

/** Is the item switched off by a `#[cfg(..)]` that is false for a normal build (e.g. `cfg(test)`)? */
export function cfgDisabled(attrs: Attribute[]): boolean {
  return expandCfgAttr(attrs).some((a) => a.name === 'cfg' && cfgEnabled(a.args) === false);
}

/** `#[doc(hidden)]` (also `#[doc(hidden, ..)]`). */
export function isDocHidden(attrs: Attribute[]): boolean {
  return expandCfgAttr(attrs).some((a) => a.name === 'doc' && splitTopLevel(a.args).includes('hidden'));
}

export type LintLevel = 'allow' | 'expect' | 'warn' | 'deny' | 'forbid';

/**
 * The level the innermost `#[allow/expect/warn/deny/forbid(..)]` naming any of `lints` sets, scopes
 * given outermost first (a later attribute in the same scope wins, as in rustc). `undefined` if none does.
 */
export function lintLevel(scopes: Attribute[][], lints: string[]): LintLevel | undefined {
  for (let s = scopes.length - 1; s >= 0; s--) {
    const attrs = expandCfgAttr(scopes[s]!);
    for (let i = attrs.length - 1; i >= 0; i--) {
      const a = attrs[i]!;
      if (!/^(allow|expect|warn|deny|forbid)$/.test(a.name)) continue;
      const named = splitTopLevel(a.args).map((x) => x.replace(/\s+/g, ''));
      if (named.some((x) => lints.includes(x))) return a.name as LintLevel;
    }
  }
  return undefined;
}

export interface Docs {
  /** The Markdown rustdoc renders for the item. */
  text: string;
  /** Some `#[doc = ..]` value could not be evaluated (a macro or constant): the text is incomplete. */
  incomplete: boolean;
  /** An outer doc comment starting with `!` (`///!`): clippy reports that instead and skips the doc lints. */
  suspicious: boolean;
}

interface Fragment {
  text: string;
  sugared: boolean;
}

/** The item's outer docs (`///`, `/**` blocks, `#[doc = ..]`, also under a `cfg_attr` that may hold). */
export function readDocs(item: Node, filePath?: string): Docs {
  const fragments: Fragment[] = [];
  let incomplete = false;
  let suspicious = false;
  for (const n of leadingTrivia(item)) {
    if (n.type === 'line_comment' || n.type === 'block_comment') {
      if (!n.childForFieldName('outer')) continue;
      const raw = (n.childForFieldName('doc')?.text ?? '').replace(/\r?\n$/, '');
      if (raw.startsWith('!')) suspicious = true;
      fragments.push({ text: beautify(raw, n.type === 'block_comment'), sugared: true });
      continue;
    }
    const a = readAttribute(n);
    if (!a) continue;
    for (const d of expandCfgAttr([a])) {
      if (d.name !== 'doc' || !d.assigned) continue;
      const value = evalStringExpr(d.args, filePath);
      if (value === undefined) incomplete = true;
      else fragments.push({ text: beautify(value, false), sugared: false });
    }
  }
  return { text: joinFragments(fragments), incomplete, suspicious };
}

/** rustdoc's `beautify_doc_string`: drop a block comment's `*` margin and its all-star first/last lines. */
function beautify(data: string, block: boolean): string {
  if (!data.includes('\n')) return data;
  let lines = data.split('\n').map((l) => l.replace(/\r$/, ''));
  let changed = false;
  let i = 0;
  let j = lines.length;
  if (/^\**$/.test(lines[0]!)) i++;
  if (j > i && lines[j - 1] !== '' && /^\*+$/.test(lines[j - 1]!)) j--;
  if (i !== 0 || j !== lines.length) {
    lines = lines.slice(i, j);
    changed = true;
  }
  const margin = horizontalTrim(lines, block);
  if (margin !== undefined) {
    changed = true;
    lines = lines.map((line) => {
      if (!line.startsWith(margin)) return line;
      const rest = line.slice(margin.length);
      return block && (rest === '*' || rest.startsWith('* ') || rest.startsWith('**')) ? rest.slice(1) : rest;
    });
  }
  return changed ? lines.join('\n') : data;
}

/** The common `[ \t]*\*` prefix of the lines, if they all have the same one. */
function horizontalTrim(all: string[], block: boolean): string | undefined {
  let lines = all;
  if (block) {
    let i = all[0] !== undefined && !all[0].trimStart().startsWith('*') ? 1 : 0;
    let j = all.length;
    while (i < j && all[i]!.trim() === '') i++;
    while (j > i && all[j - 1]!.trim() === '') j--;
    lines = all.slice(i, j);
  }
  let at = Number.MAX_SAFE_INTEGER;
  let first = true;
  for (const line of lines) {
    let k = 0;
    for (; k < line.length; k++) {
      const c = line[k]!;
      if (k > at || !'* \t'.includes(c)) return undefined;
      if (c === '*') {
        if (first) {
          at = k;
          first = false;
        } else if (at !== k) return undefined;
        break;
      }
    }
    if (at >= line.length) return undefined;
  }
  return lines.length ? lines[0]!.slice(0, at) : undefined;
}

/** rustdoc's `unindent_doc_fragments` + `add_doc_fragment`: remove the indentation all lines share. */
function joinFragments(fragments: Fragment[]): string {
  const mixed = fragments.some((f, k) => k > 0 && f.sugared !== fragments[k - 1]!.sugared) && fragments.some((f) => f.sugared);
  const add = mixed ? 1 : 0;
  let min = Number.MAX_SAFE_INTEGER;
  for (const f of fragments) {
    for (const line of rustLines(f.text)) {
      if (!/\S/.test(line)) continue;
      min = Math.min(min, /^[ \t]*/.exec(line)![0].length + (f.sugared ? 0 : add));
    }
  }
  if (min === Number.MAX_SAFE_INTEGER) min = 0;
  let out = '';
  for (const f of fragments) {
    if (f.text === '') {
      out += '\n';
      continue;
    }
    const indent = !f.sugared && min > 0 ? min - add : min;
    for (const line of rustLines(f.text)) out += (/\S/.test(line) ? line.slice(indent) : line) + '\n';
  }
  return out.slice(0, -1);
}

/** Rust's `str::lines`: split at `\n`, drop a trailing `\r`, no empty last line after a final newline. */
function rustLines(s: string): string[] {
  const lines = s.split('\n').map((l) => l.replace(/\r$/, ''));
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * The value of a doc attribute's expression: a string literal (escapes, raw strings), `concat!` of
 * literals, or `include_str!("file")` read relative to the source file. `undefined` for anything else.
 */
export function evalStringExpr(expr: string, filePath?: string): string | undefined {
  const e = expr.trim();
  const raw = /^r(#*)"([\s\S]*)"\1$/.exec(e);
  if (raw) return raw[2]!;
  if (/^"[\s\S]*"$/.test(e)) return unescapeRust(e.slice(1, -1));
  const mac = /^(?:(?:::)?(?:std|core)::)?(concat|include_str)\s*!\s*[([{]([\s\S]*)[)\]}]$/.exec(e);
  if (!mac) return undefined;
  const args = splitTopLevel(mac[2]!);
  if (mac[1] === 'include_str') {
    const file = args.length === 1 ? evalStringExpr(args[0]!, filePath) : undefined;
    if (file === undefined || !filePath) return undefined;
    try {
      return fs.readFileSync(path.resolve(path.dirname(filePath), file), 'utf8');
    } catch {
      return undefined;
    }
  }
  let out = '';
  for (const a of args) {
    const ch = /^'([\s\S]*)'$/.exec(a);
    const v = ch ? unescapeRust(ch[1]!) : /^-?[\d_.]+(?:[eE][+-]?\d+)?[a-z0-9]*$|^(?:true|false)$/.test(a) ? a.replace(/_|[iuf](?:8|16|32|64|128|size)$/g, '') : evalStringExpr(a, filePath);
    if (v === undefined) return undefined;
    out += v;
  }
  return out;
}

function unescapeRust(s: string): string {
  return s.replace(/\\(?:\r?\n[ \t\r\n]*|x([0-7][0-9a-fA-F])|u\{([0-9a-fA-F_]{1,8})\}|([nrt0\\'"]))/g, (m, hex?: string, uni?: string, simple?: string) => {
    if (hex) return String.fromCharCode(parseInt(hex, 16));
    if (uni) return String.fromCodePoint(parseInt(uni.replace(/_/g, ''), 16));
    if (simple) return ({ n: '\n', r: '\r', t: '\t', '0': '\0' } as Record<string, string>)[simple] ?? simple;
    return m.startsWith('\\\r') || m.startsWith('\\\n') ? '' : m;
  });
}
