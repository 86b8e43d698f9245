/**
 * Text fixes that let tree-sitter-c parse real headers. Each replaces characters with spaces of the
 * same length (newlines kept), so every line and column still matches the file:
 * - code only a C++ compiler sees (see blankCplusplusOnly), the `#ifdef __cplusplus / extern "C" {
 *   / #endif` guard and its closing `}` among it, and bare `extern "C" { .. }` of C++-only headers;
 * - export and attribute macros (`FOO_API`, `FOO_DEPRECATED`, `CALLBACK`) in front of or after a
 *   prototype, which tree-sitter-c cannot know are macros.
 */

const blank = (s: string): string => s.replace(/[^\n]/g, ' ');

export function neutraliseHeader(text: string, knownMacros: ReadonlySet<string> = new Set()): string {
  let out = blankCommentsInDefines(text);
  out = blankCplusplusOnly(out);
  out = blankBareExternC(out);
  out = blankExportMacros(out, new Set([...WELL_KNOWN_DECORATIONS, ...knownMacros, ...decorationMacros(text)]));
  out = blankMacroCallLines(out);
  return out;
}

/**
 * Decorations that system headers define, so a header uses them without defining them: JNI's
 * (`JNIEXPORT jint JNICALL Java_..`, from jni.h) and Windows' calling conventions (windef.h).
 */
const WELL_KNOWN_DECORATIONS = ['JNIEXPORT', 'JNICALL', 'JNIIMPORT', 'WINAPI', 'APIENTRY', 'CALLBACK'];

/**
 * Names `#define`d to nothing or to decorations (`__attribute__`, `__declspec`, `extern`, visibility,
 * another macro): what may stand before or after a prototype. Function-like ones too
 * (`#define DEPRECATED(msg) __attribute__((deprecated(msg)))`).
 */
export function decorationMacros(text: string): string[] {
  const names: string[] = [];
  for (const m of text.matchAll(/^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)(\([^)]*\))?[ \t]*(.*)$/gm)) {
    const body = m[3]!.replace(/\/\*.*?\*\/|\/\/.*$/g, '').replace(/\\$/, '').trim();
    // Another macro is a decoration when the name is one too (`FOO_API` -> `FOO_EXPORT`); a lower-case
    // name standing for an upper-case one is a type (`#define ssize_t SSIZE_T` for MSVC).
    const renamesMacro = /^[A-Z][A-Z0-9_]*(\([^)]*\))?$/.test(body) && !/[a-z]/.test(m[1]!);
    if (body === '' || /^(__attribute__|__declspec|extern\b|static\b|inline\b|__inline|_Pragma|\[\[)/.test(body) || renamesMacro) names.push(m[1]!);
  }
  return names;
}

/** tree-sitter-c ends a macro body at a block comment: blank comments inside `#define` lines continued with `\`. */
function blankCommentsInDefines(text: string): string {
  if (!text.includes('#define') || !text.includes('/*')) return text;
  return text.replace(/^[ \t]*#[ \t]*define\b(?:[^\n]*\\\r?\n)+[^\n]*$/gm, (block) => block.replace(/\/\*[\s\S]*?\*\//g, (c) => blank(c)));
}

/**
 * A line holding only a macro call at file level (`WASM_DECLARE_OWN(frame)`, `DECLARE_HANDLE(kv)`):
 * it expands to declarations ffiguard cannot see, and without a `;` tree-sitter-c would glue it to
 * the next prototype.
 */
function blankMacroCallLines(text: string): string {
  const lines = text.split('\n');
  let prev = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const atStatementStart = prev === '' || /[;{}]\s*$|\*\/\s*$|^\s*#/.test(prev);
    if (atStatementStart && /^\s*[A-Z][A-Z0-9]*_[A-Z0-9_]*\s*\((?:[^()]|\([^()]*\))*\)\s*(\/\/.*|\/\*.*\*\/)?\s*$/.test(line)) lines[i] = blank(line);
    if (lines[i]!.trim() !== '') prev = lines[i]!;
  }
  return lines.join('\n');
}

/** A preprocessor condition on `__cplusplus`: true when it holds only in C++, false only in C, else undefined. */
function cplusplusTest(directive: string): boolean | undefined {
  const d = directive.replace(/\/\/.*$|\/\*.*?\*\//g, '').trim();
  if (/^#\s*ifdef\s+__cplusplus$/.test(d) || /^#\s*if\s+defined\s*\(?\s*__cplusplus\s*\)?$/.test(d) || /^#\s*if\s+__cplusplus\s*(>=?|>)\s*\d+L?$/.test(d)) return true;
  if (/^#\s*ifndef\s+__cplusplus$/.test(d) || /^#\s*if\s+!\s*defined\s*\(?\s*__cplusplus\s*\)?$/.test(d)) return false;
  return undefined;
}

/**
 * Code only a C++ compiler sees: the `#ifdef __cplusplus` branch, the `#else` of `#ifndef
 * __cplusplus` (zenoh-c's C++ overloads of its `_Generic` macros, a thousand lines). Blanked: a C
 * header is read as a C compiler reads it.
 */
export function blankCplusplusOnly(text: string): string {
  if (!text.includes('__cplusplus')) return text;
  const lines = text.split('\n');
  /** Per open `#if`: is the current branch C++-only, and was the group's test one on `__cplusplus` (its value)? */
  const stack: { cxx: boolean; test: boolean | undefined }[] = [];
  const inCxx = (): boolean => stack.some((g) => g.cxx);
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const directive = /^\s*#\s*(if|ifdef|ifndef|elif|else|endif)\b/.exec(l);
    const blankIt = inCxx();
    if (directive) {
      const kind = directive[1]!;
      if (kind === 'if' || kind === 'ifdef' || kind === 'ifndef') {
        const test = cplusplusTest(l);
        stack.push({ cxx: test === true, test });
      } else if (kind === 'endif') {
        stack.pop();
      } else if (stack.length > 0) {
        const g = stack[stack.length - 1]!;
        // After a test on `__cplusplus`, the other branches hold in the other language.
        g.cxx = g.test === false;
      }
      // A directive line is blanked when it sits in C++-only code, or opens or closes such a branch.
      if (blankIt || inCxx()) lines[i] = blank(l);
      continue;
    }
    if (blankIt) lines[i] = blank(l);
  }
  return lines.join('\n');
}

/** `extern "C" {` ... `}` without a preprocessor guard (C++-only headers). */
function blankBareExternC(text: string): string {
  const re = /extern\s+"C"\s*\{/g;
  let out = text;
  for (let m = re.exec(out); m; m = re.exec(out)) {
    const open = m.index + m[0].length;
    const close = matchingBrace(out, open);
    out = out.slice(0, m.index) + blank(m[0]) + out.slice(open);
    if (close >= 0) out = out.slice(0, close) + ' ' + out.slice(close + 1);
  }
  return out;
}

/** Index of the `}` closing a block whose `{` ends just before `from`, skipping comments and strings. */
function matchingBrace(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '/' && text[i + 1] === '/') i = text.indexOf('\n', i) < 0 ? text.length : text.indexOf('\n', i);
    else if (c === '/' && text[i + 1] === '*') i = text.indexOf('*/', i + 2) < 0 ? text.length : text.indexOf('*/', i + 2) + 1;
    else if (c === '"' || c === "'") {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === '\\') i++;
    } else if (c === '{') depth++;
    else if (c === '}') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

/**
 * Macros used as decorations: names `#define`d to nothing or to attributes (`__attribute__`,
 * `__declspec`, `extern`, visibility), plus SCREAMING_CASE words that stand where no C syntax can
 * (before a declaration's type, or between a prototype's `)` and `;`).
 */
function blankExportMacros(text: string, names: ReadonlySet<string>): string {
  let out = text;
  const code = out.split('\n');
  for (let i = 0; i < code.length; i++) {
    let line = code[i]!;
    if (/^\s*#/.test(line)) continue;
    // Known decoration macros, with or without arguments: `FOO_API`, `FOO_DEPRECATED("use bar")`.
    for (const name of names) {
      if (!line.includes(name)) continue;
      line = line.replace(new RegExp(`\\b${name}\\b(\\s*\\([^()]*\\))?`, 'g'), (s) => blank(s));
    }
    // Unknown SCREAMING_CASE words before a type at the start of a declaration, also when the
    // return type stands alone on its line (`WASM_API_EXTERN own wasm_store_t *` / `name(..);`).
    line = line.replace(/^(\s*)((?:[A-Z][A-Z0-9]*_[A-Z0-9_]*\s+)+)(?=(?:const\s+|struct\s+|enum\s+|unsigned\s+|signed\s+)?[A-Za-z_]\w*(?:\s*\*)*\s*$)/, (_m, pre: string, macros: string) => pre + blank(macros));
    line = line.replace(/^(\s*)((?:[A-Z][A-Z0-9]*_[A-Z0-9_]*\s+)+)(?=(?:const\s+|struct\s+|enum\s+|unsigned\s+|signed\s+)?[A-Za-z_]\w*[\s*]+\**\s*[A-Za-z_]\w*\s*\()/, (_m, pre: string, macros: string) => pre + blank(macros));
    // Unknown SCREAMING_CASE words after the parameter list: `void f(void) FOO_DEPRECATED;`
    line = line.replace(/\)(\s+[A-Z][A-Z0-9]*_[A-Z0-9_]*(?:\s*\([^()]*\))?)+\s*;/, (s) => s.replace(/[A-Z][A-Z0-9]*_[A-Z0-9_]*(\s*\([^()]*\))?/g, (x) => blank(x)));
    code[i] = line;
  }
  out = code.join('\n');
  return out;
}
