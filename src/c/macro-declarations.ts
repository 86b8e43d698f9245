/**
 * Functions a header declares through a function-like macro: `WASM_DECLARE_VEC(byte, )` with
 * `#define WASM_DECLARE_VEC(name, ptr) .. void wasm_##name##_vec_new(..); ..`. Header parsing blanks
 * such calls out (tree-sitter-c cannot expand them), so without this the functions would look
 * undeclared. The calls are expanded as text (parameters, `##` pasting, nested calls, a few levels)
 * and only the names of the functions in the expansion are kept: their prototypes are not checked.
 */

import { blankCplusplusOnly } from './neutralise.js';

interface CMacro {
  params: string[];
  body: string;
}

/** Macros calling macros this deep are expanded. */
const MAX_DEPTH = 4;
const NOT_FUNCTIONS = new Set([
  'sizeof', 'alignof', '_Alignof', '__attribute__', '__declspec', 'defined', 'if', 'while', 'for', 'switch', 'return',
  'void', 'char', 'short', 'int', 'long', 'float', 'double', 'signed', 'unsigned', 'const', 'volatile', 'struct', 'union', 'enum', 'typedef',
]);

/** For each header (by path), the functions its macro calls declare, with the line of the call. */
export function macroDeclaredFunctions(sources: readonly { path: string; text: string }[]): Map<string, Map<string, number>> {
  const macros = new Map<string, CMacro>();
  // As a C compiler reads them: what only C++ sees (overloads named like the C macros) is left out.
  const bare = sources.map((s) => ({ path: s.path, text: blankCplusplusOnly(withoutComments(s.text)) }));
  for (const { text } of bare) {
    for (const m of text.matchAll(/^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)\(([^)]*)\)((?:[^\n]*\\\r?\n)*[^\n]*)/gm)) {
      const params = m[2]!.split(',').map((p) => p.trim()).filter((p) => p !== '');
      if (!macros.has(m[1]!)) macros.set(m[1]!, { params, body: m[3]!.replace(/\\\r?\n/g, ' ') });
    }
  }
  const out = new Map<string, Map<string, number>>();
  if (macros.size === 0) return out;
  for (const { path, text } of bare) {
    const names = new Map<string, number>();
    // Calls at file level: not inside a `#define` (those are expanded with the macro that holds them),
    // nor inside a function body or struct (there a call is code, and its expansion declares nothing).
    const code = text.replace(/^[ \t]*#(?:[^\n]*\\\r?\n)*[^\n]*/gm, (d) => d.replace(/[^\n]/g, ' '));
    const nested = insideBraces(code);
    // Calls come in order: count the lines from the previous one, not from the top each time.
    let line = 1;
    let counted = 0;
    for (const call of calls(code, macros)) {
      if (nested(call.start)) continue;
      for (let i = code.indexOf('\n', counted); i !== -1 && i < call.start; i = code.indexOf('\n', i + 1)) line++;
      counted = call.start;
      for (const name of declaredNames(expand(call.name, call.args, macros, 0), macros)) if (!names.has(name)) names.set(name, line);
    }
    if (names.size) out.set(path, names);
  }
  return out;
}

/**
 * For the text of a header: is an offset inside braces (a function body, a struct, an initializer)?
 * `extern "C" { .. }` blocks do not count: declarations there are at file level.
 */
function insideBraces(code: string): (offset: number) => boolean {
  // Offsets where the depth changes, and the depth from there on.
  const at: number[] = [0];
  const depths: number[] = [0];
  const kinds: boolean[] = [];
  let depth = 0;
  for (let i = code.indexOf('{'), j = code.indexOf('}'); i !== -1 || j !== -1; ) {
    if (i !== -1 && (j === -1 || i < j)) {
      const linkage = /\bextern\s*"C(\+\+)?"\s*$/.test(code.slice(Math.max(0, i - 20), i));
      kinds.push(linkage);
      if (!linkage) depth++;
      at.push(i + 1);
      depths.push(depth);
      i = code.indexOf('{', i + 1);
    } else {
      if (kinds.length > 0 && !kinds.pop()) depth = Math.max(0, depth - 1);
      at.push(j);
      depths.push(depth);
      j = code.indexOf('}', j + 1);
    }
  }
  return (offset) => {
    // The last change at or before the offset.
    let lo = 0;
    let hi = at.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (at[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return depths[lo]! > 0;
  };
}

function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, (c) => c.replace(/[^\n]/g, ' '));
}

/** `NAME(args)` for the known macros, with the arguments split at top-level commas. */
function* calls(text: string, macros: ReadonlyMap<string, CMacro>): Generator<{ name: string; args: string[]; start: number; end: number }> {
  const re = /\b([A-Za-z_]\w*)\s*\(/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (!macros.has(m[1]!)) continue;
    const args: string[] = [];
    let depth = 0;
    let start = m.index + m[0].length;
    let i = start;
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === '(') depth++;
      else if (c === ')' && depth-- === 0) break;
      else if (c === ',' && depth === 0) {
        args.push(text.slice(start, i).trim());
        start = i + 1;
      }
    }
    if (i >= text.length) return;
    args.push(text.slice(start, i).trim());
    yield { name: m[1]!, args, start: m.index, end: i + 1 };
    re.lastIndex = i + 1;
  }
}

function expand(name: string, args: string[], macros: ReadonlyMap<string, CMacro>, depth: number): string {
  const def = macros.get(name)!;
  const values = new Map(def.params.map((p, i) => [p, args[i] ?? '']));
  let text = def.body.replace(/\b[A-Za-z_]\w*\b/g, (id) => values.get(id) ?? id);
  text = text.replace(/\s*##\s*/g, '');
  if (depth + 1 >= MAX_DEPTH) return text;
  let result = '';
  let last = 0;
  for (const call of calls(text, macros)) {
    result += text.slice(last, call.start) + ' ' + expand(call.name, call.args, macros, depth + 1) + ' ';
    last = call.end;
  }
  return result + text.slice(last);
}

/** Names followed by a parameter list: `void f(int)` declares `f`, `void (*cb)(int)` declares nothing. */
function declaredNames(text: string, macros: ReadonlyMap<string, CMacro>): string[] {
  const names: string[] = [];
  // (The look-behind only skips starts inside a name, where a match cannot begin once the name's start failed.)
  for (const m of text.matchAll(/(?<![A-Za-z_])([A-Za-z_]\w*)\s*\(/g)) {
    const name = m[1]!;
    let before = m.index - 1;
    while (before >= 0 && /\s/.test(text[before]!)) before--;
    // A name right after `(` is a call's argument or a declarator in parentheses, not a prototype.
    if (NOT_FUNCTIONS.has(name) || macros.has(name) || text[before] === '(') continue;
    names.push(name);
  }
  return names;
}
