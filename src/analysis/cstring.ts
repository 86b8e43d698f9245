/** Owned C strings built in place (`CString::new(x).unwrap()` and the like), and where a pointer into one goes. */
import { macroName, type Node, type SourceFile } from '../source.js';
import { asMethodCall, asPathCall, isNumericType, lastOf, unparen } from '../syntax.js';
import { splitTopLevel } from '../model/attributes.js';
import { sameNode } from '../node-fields.js';
import { diverges } from './null-checks.js';

const CONSTRUCTORS = new Set(['new', 'from', 'from_vec_unchecked', 'from_vec_with_nul', 'from_vec_with_nul_unchecked', 'default', 'from_raw']);
const UNWRAPS = new Set(['unwrap', 'expect', 'unwrap_or_default', 'unwrap_unchecked', 'unwrap_or', 'unwrap_or_else']);

/** `CString::new(..)` (or `std::ffi::CString::from(..)` ...): the call, when `expr` is one. */
export function cstringConstructor(expr: Node): ReturnType<typeof asPathCall> {
  const c = asPathCall(unparen(expr));
  return c && lastOf(c.qualifier) === 'CString' && CONSTRUCTORS.has(c.name) ? c : null;
}

/** An expression that produces a fresh `CString` value (not a place): `CString::new(s).unwrap()`, `CString::new(s)?`. */
export function isTemporaryCString(expr: Node): boolean {
  const e = unparen(expr);
  // `unsafe { CString::from_vec_unchecked(v) }`: a block's value is its tail expression.
  if (e.type === 'unsafe_block' || e.type === 'block') {
    const block = e.type === 'unsafe_block' ? e.namedChildren.find((c) => c.type === 'block') : e;
    const tail = block ? lastCode(block) : undefined;
    return !!tail && tail.type !== 'expression_statement' && tail.type !== 'let_declaration' && isTemporaryCString(tail);
  }
  if (cstringConstructor(e)) return asPathCall(e)!.name !== 'new' && asPathCall(e)!.name !== 'from_vec_with_nul';
  if (e.type === 'try_expression') return !!cstringConstructor(e.namedChild(0)!);
  const m = asMethodCall(e);
  return !!m && UNWRAPS.has(m.method) && !!cstringConstructor(m.receiver);
}

/** Methods that store their argument in the receiver, which outlives the statement. */
const STORING = new Set(['push', 'push_back', 'push_front', 'insert', 'extend', 'set', 'store', 'replace', 'swap', 'write', 'get_or_insert']);
/** Calls whose result carries the argument on (`Some(p)`, `Wrapper::new(p)`): where that value goes decides. */
const WRAPPING = new Set(['new', 'from']);
/** Pointer methods whose result still points into the buffer. */
const KEEPS_POINTER = new Set([
  'cast', 'cast_mut', 'cast_const', 'add', 'sub', 'offset', 'byte_add', 'byte_sub', 'byte_offset', 'wrapping_add',
  'wrapping_sub', 'wrapping_offset', 'wrapping_byte_add', 'wrapping_byte_sub', 'with_addr', 'map_addr', 'as_ref', 'as_mut',
]);

/**
 * Where the pointer goes when it leaves the statement (bound, returned, stored), or null when it is only
 * used inside it: as a call argument, printed, compared, or thrown away.
 */
export function pointerEscape(file: SourceFile, asPtr: Node): string | null {
  let cur = asPtr;
  const short = (n: Node | null | undefined): string => {
    const t = n ? oneLine(n.text) : '';
    return t && t.length <= 30 ? ` \`${t}\`` : '';
  };
  for (const a of file.ancestors(asPtr)) {
    switch (a.type) {
      // The value flows on unchanged (or wrapped): keep going up.
      case 'type_cast_expression': {
        // `p as usize` is a number from here on; `p as *const u8` / `p as _` is still the pointer.
        const type = a.childForFieldName('type');
        if (type && type.type !== 'pointer_type' && type.text !== '_') return null;
        cur = a;
        continue;
      }
      case 'parenthesized_expression':
      case 'reference_expression':
      case 'tuple_expression':
      case 'array_expression':
      case 'field_expression':
      case 'generic_function':
      case 'else_clause':
      case 'match_arm':
      case 'match_block':
      case 'unsafe_block':
        cur = a;
        continue;
      case 'if_expression':
      case 'match_expression':
        // A condition or scrutinee is used by the `if` / `match` itself; a branch's value flows out.
        if (sameNode(a.childForFieldName(a.type === 'if_expression' ? 'condition' : 'value'), cur)) return null;
        cur = a;
        continue;
      case 'call_expression': {
        if (sameNode(a, cur)) continue; // reached from its arguments, already judged
        // `ptr.cast()`: the receiver's method decides whether the result is still the pointer.
        const m = asMethodCall(a);
        if (!m || !KEEPS_POINTER.has(m.method)) return null;
        cur = a;
        continue;
      }
      case 'arguments': {
        const call = a.parent!;
        const method = asMethodCall(call);
        if (method && STORING.has(method.method)) {
          const recv = oneLine(method.receiver.text);
          return `stored by \`${recv.length <= 30 ? recv : ''}.${method.method}(..)\``;
        }
        const name = asPathCall(call)?.name ?? method?.method ?? '';
        if (!WRAPPING.has(name) && !/^[A-Z]/.test(name)) return null;
        cur = call;
        continue;
      }
      case 'block': {
        const owner = a.parent;
        if (owner?.type === 'function_item') return 'returned';
        if (owner?.type === 'closure_expression') return 'returned from a closure';
        cur = a;
        continue;
      }
      case 'source_file':
        // The root of a re-parsed macro argument: the invocation above it decides.
        if (a.tree === file.tree) return null;
        cur = a;
        continue;
      case 'macro_invocation':
        // `vec![p]` keeps the pointer; `println!`, `format!`, `assert!` use it within the statement.
        if (macroName(a) !== 'vec') return null;
        cur = a;
        continue;
      case 'expression_statement':
        // The whole argument of a macro (`vec![..]`, `println!(..)`): the invocation decides.
        // A block-like expression (`unsafe { .. }`, `match`) without `;` at the end of a block is its value.
        if ((a.tree !== file.tree && a.parent?.type === 'source_file') || isBlockTail(a)) {
          cur = a;
          continue;
        }
        return null;
      case 'let_declaration':
        return `bound to${short(a.childForFieldName('pattern'))}`;
      case 'return_expression':
        return 'returned';
      case 'closure_expression':
        return 'returned from a closure';
      case 'field_initializer':
        return `stored in field${short(a.childForFieldName('field'))}`;
      case 'assignment_expression':
      case 'compound_assignment_expr':
        return `assigned to${short(a.childForFieldName('left'))}`;
      case 'static_item':
      case 'const_item':
        return 'stored in a static';
      default:
        // Comparisons, `!`, conditions, `if let` scrutinees and the like: the pointer is used, not kept.
        return null;
    }
  }
  return null;
}

/** Code on one line: a method chain split over lines joined back (string contents keep their spaces). */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, '');
}

function isBlockTail(stmt: Node): boolean {
  return stmt.parent?.type === 'block' && stmt.lastChild?.type !== ';' && sameNode(lastCode(stmt.parent), stmt);
}

/** The last statement or expression of a block, skipping comments. */
function lastCode(block: Node): Node | undefined {
  const code = block.namedChildren.filter((c) => c.type !== 'line_comment' && c.type !== 'block_comment');
  return code[code.length - 1];
}

/** For a string literal (`"..."`, `b"..."`, raw forms): does it hold a NUL byte? Null for anything else. */
export function literalHasNul(node: Node): boolean | null {
  if (node.type !== 'string_literal' && node.type !== 'raw_string_literal') return null;
  // Raw strings have no escapes: only a literal NUL character counts.
  if (node.type === 'raw_string_literal') return node.text.includes('\0');
  return node.namedChildren.some((c) =>
    c.type === 'escape_sequence' ? /^\\(0|x00|u\{0+\})$/.test(c.text) : c.type === 'string_content' && c.text.includes('\0'),
  );
}

/** Methods that turn a string into an owned string or bytes, keeping its contents. */
const SAME_CONTENTS = new Set(['to_string', 'to_owned', 'into', 'to_vec', 'into_bytes', 'as_bytes', 'as_str', 'into_owned']);

/**
 * Can the value given to `CString::new` never contain a NUL byte? True for a NUL-free literal (also
 * through `.to_string()`, `String::from`, `if`/`match` branches that are all such values), a number
 * turned into text (`n.to_string()`, `format!("{n} px")` whose arguments are all numbers), and bytes cut
 * off before the NUL a `NulError` found (`v[..e.nul_position()]`). `file` is needed to read the types of
 * the enclosing function's parameters and annotated locals.
 */
export function cannotHoldNul(file: SourceFile, expr: Node, depth = 0): boolean {
  const e = unparen(expr);
  if (depth > 4) return false;
  const lit = literalHasNul(e);
  if (lit !== null) return !lit;
  switch (e.type) {
    case 'integer_literal':
    case 'float_literal':
      return false;
    case 'if_expression': {
      const cons = e.childForFieldName('consequence');
      const alt = e.childForFieldName('alternative')?.namedChild(0);
      return !!cons && !!alt && blockValueCannotHoldNul(file, cons, depth) && blockValueCannotHoldNul(file, alt, depth);
    }
    case 'match_expression': {
      const arms = e.childForFieldName('body')?.namedChildren.filter((c) => c.type === 'match_arm') ?? [];
      const scrutinee = e.childForFieldName('value');
      // An arm that leaves (`Err(_) => return ..`) gives no value; `Ok(json) => json` gives the contents of the matched value.
      const gives = (a: Node): boolean => {
        const value = a.childForFieldName('value');
        if (!value) return false;
        if (diverges(value)) return true;
        const bound = /^(Ok|Some)\s*\(\s*(\w+)\s*\)$/.exec(a.childForFieldName('pattern')?.text ?? '');
        if (bound && unparen(value).type === 'identifier' && unparen(value).text === bound[2]) return !!scrutinee && cannotHoldNul(file, scrutinee, depth + 1);
        return blockValueCannotHoldNul(file, value, depth);
      };
      return arms.length > 0 && arms.every(gives) && !arms.every((a) => diverges(a.childForFieldName('value')));
    }
    case 'try_expression':
      return !!e.namedChild(0) && cannotHoldNul(file, e.namedChild(0)!, depth + 1);
    case 'block':
      return blockValueCannotHoldNul(file, e, depth);
    case 'macro_invocation':
      return macroName(e) === 'format' && formatIsNumeric(file, e);
    case 'reference_expression':
      return !!e.namedChild(e.namedChildCount - 1) && cannotHoldNul(file, e.namedChild(e.namedChildCount - 1)!, depth + 1);
    case 'index_expression':
      return isCutBeforeNul(file, e);
    case 'identifier': {
      // A local bound once to a NUL-free value, or a `const`/`static` of this file (`const DIR: &str = "/run/x/";`).
      const local = file.letValue(e);
      // `let mut` may be assigned something else before the use.
      if (local) return !local.parent?.children.some((c) => c.type === 'mutable_specifier') && cannotHoldNul(file, local, depth + 1);
      const item = /^[A-Z][A-Z0-9_]*$/.test(e.text) ? constantNamed(file, e.text) : null;
      if (item) return cannotHoldNul(file, item, depth + 1);
      // `Ok(json) => CString::new(json)`, `if let Some(s) = x { CString::new(s) }`: the contents of the matched value.
      const matched = variantScrutinee(file, e);
      return !!matched && cannotHoldNul(file, matched, depth + 1);
    }
  }
  const m = asMethodCall(e);
  if (m && m.args.length === 0 && SAME_CONTENTS.has(m.method)) {
    // `n.to_string()` of a number, or the contents of a NUL-free string.
    if (m.method === 'to_string' && isNumber(file, m.receiver)) return true;
    return cannotHoldNul(file, m.receiver, depth + 1);
  }
  // The value of a `Result`/`Option` of NUL-free contents.
  if (m && ((m.args.length === 0 && ['unwrap', 'unwrap_or_default', 'ok'].includes(m.method)) || (m.args.length === 1 && m.method === 'expect'))) return cannotHoldNul(file, m.receiver, depth + 1);
  const c = asPathCall(e);
  if (c && c.args.length === 1 && c.name === 'from' && /(^|::)(String|Vec)$/.test(c.qualifier)) return cannotHoldNul(file, c.args[0]!, depth + 1);
  // JSON escapes every control character (`\u0000`): serde_json's text never holds a NUL byte.
  if (c && /^(to_string|to_string_pretty|to_vec|to_vec_pretty)$/.test(c.name) && /(^|::)serde_json$/.test(c.qualifier)) return true;
  return false;
}

/**
 * For a name bound by `Ok(name)` / `Some(name)` in the match arm or `if let` that `ident` sits in
 * (and not bound again in between), the value matched.
 */
function variantScrutinee(file: SourceFile, ident: Node): Node | null {
  const binds = (pattern: Node | null): boolean => new RegExp(`^(Ok|Some)\\s*\\(\\s*${ident.text}\\s*\\)$`).test(pattern?.text ?? '');
  let prev = ident;
  for (const a of file.ancestors(ident)) {
    if (a.type === 'function_item' || a.type === 'closure_expression') return null;
    if (a.type === 'let_declaration' && patternNames(a).includes(ident.text) && !sameNode(a.childForFieldName('value'), prev)) return null;
    if (a.type === 'match_arm' && sameNode(a.childForFieldName('value'), prev)) {
      if (!binds(a.childForFieldName('pattern'))) return null;
      const match = a.parent?.parent;
      return match?.type === 'match_expression' ? match.childForFieldName('value') : null;
    }
    if (a.type === 'if_expression' && sameNode(a.childForFieldName('consequence'), prev)) {
      const cond = a.childForFieldName('condition');
      if (cond?.type === 'let_condition' && binds(cond.childForFieldName('pattern'))) return cond.childForFieldName('value');
    }
    prev = a;
  }
  return null;
}

function patternNames(letDecl: Node): string[] {
  return [...(letDecl.childForFieldName('pattern')?.text.matchAll(/\b[a-z_]\w*\b/g) ?? [])].map((m) => m[0]);
}

/** The value of the file's `const` or `static` item named `name`, when exactly one is written (in any module of the file). */
function constantNamed(file: SourceFile, name: string): Node | null {
  if (!new RegExp(`\\b(const|static)\\s+(mut\\s+)?${name}\\b`).test(file.text)) return null;
  const items = file.root.descendantsOfType(['const_item', 'static_item']).filter((c) => c.childForFieldName('name')?.text === name);
  return items.length === 1 ? items[0]!.childForFieldName('value') : null;
}

function blockValueCannotHoldNul(file: SourceFile, n: Node, depth: number): boolean {
  if (n.type !== 'block') return cannotHoldNul(file, n, depth + 1);
  const tail = lastCode(n);
  return !!tail && tail.type !== 'expression_statement' && tail.type !== 'let_declaration' && cannotHoldNul(file, tail, depth + 1);
}

/** `format!("literal {n}", x)` whose literal has no NUL and whose arguments and inline names are all numbers. */
function formatIsNumeric(file: SourceFile, macro: Node): boolean {
  const args = file.expansion(macro);
  const tuple = args?.namedChild(0)?.namedChild(0) ?? args?.namedChild(0);
  const items = tuple?.type === 'tuple_expression' ? tuple.namedChildren : tuple ? [tuple] : [];
  const fmt = items[0];
  if (!fmt || literalHasNul(fmt) !== false) return false;
  const inline = [...fmt.text.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?\}/g)].map((m) => m[1]!);
  return items.slice(1).every((a) => isNumber(file, a)) && inline.every((name) => numericName(file, macro, name));
}

/** A number: a numeric literal, a cast to a number, `x.len()`, or a name of a numeric type. */
function isNumber(file: SourceFile, expr: Node): boolean {
  const e = unparen(expr);
  if (e.type === 'integer_literal' || e.type === 'float_literal') return true;
  if (e.type === 'type_cast_expression') return isNumericType(e.childForFieldName('type')!);
  if (e.type === 'identifier') return numericName(file, e, e.text);
  const m = asMethodCall(e);
  return !!m && m.args.length === 0 && ['len', 'count', 'capacity'].includes(m.method);
}

/** Is `name` a parameter or annotated local of a numeric type in the function around `at`? */
function numericName(file: SourceFile, at: Node, name: string): boolean {
  let fn: Node | null = null;
  for (const a of file.ancestors(at)) {
    if (a.type === 'function_item') {
      fn = a;
      break;
    }
  }
  if (!fn) return false;
  const typed = (pattern: Node | null, type: Node | null): boolean => {
    const p = pattern?.type === 'mut_pattern' ? pattern.namedChild(0) : pattern;
    return p?.type === 'identifier' && p.text === name && !!type && isNumericType(type);
  };
  for (const p of fn.childForFieldName('parameters')?.namedChildren ?? []) {
    if (p.type === 'parameter' && typed(p.childForFieldName('pattern'), p.childForFieldName('type'))) return true;
  }
  let found = false;
  file.walkBody(fn.childForFieldName('body') ?? fn, (n) => {
    if (found) return false;
    if (n.type === 'let_declaration' && typed(n.childForFieldName('pattern'), n.childForFieldName('type'))) found = true;
    return undefined;
  });
  return found;
}

/** `v[..n]` / `v[0..n]` (owned or not) where `n` is the position of the first NUL: `let n = e.nul_position();`. */
function isCutBeforeNul(file: SourceFile, index: Node): boolean {
  const range = index.namedChild(1) ? unparen(index.namedChild(1)!) : null;
  if (!range || range.type !== 'range_expression' || range.text.includes('..=')) return false;
  const end = range.namedChild(range.namedChildCount - 1);
  if (!end || (range.namedChildCount === 2 && !/^0+$/.test(range.namedChild(0)!.text))) return false;
  const isNulPosition = (n: Node): boolean => asMethodCall(unparen(n))?.method === 'nul_position';
  if (isNulPosition(end)) return true;
  if (end.type !== 'identifier') return false;
  const v = file.letValue(end);
  return !!v && isNulPosition(v);
}

/**
 * `CStr::from_bytes_with_nul(concat!(lit, "\0").as_bytes())` (also `c"lit"` written the long way, as
 * librsvg's `rsvg_c_str!` does): text that ends with its only NUL cannot make it fail. The parts
 * before the NUL must be literals without one, or `stringify!(..)` (tokens hold no NUL).
 */
export function isNulTerminatedConstant(receiver: Node): boolean {
  const c = asPathCall(unparen(receiver));
  if (!c || c.name !== 'from_bytes_with_nul' || lastOf(c.qualifier) !== 'CStr' || c.args.length !== 1) return false;
  const bytes = asMethodCall(unparen(c.args[0]!));
  const concat = bytes && bytes.method === 'as_bytes' && bytes.args.length === 0 ? unparen(bytes.receiver) : null;
  if (concat?.type !== 'macro_invocation' || macroName(concat) !== 'concat') return false;
  // (An expansion pastes an `$x:expr` part in parentheses.)
  const parts = splitTopLevel(concat.namedChildren.find((n) => n.type === 'token_tree')?.text.slice(1, -1) ?? '').map((p) => p.replace(/^\(\s*([\s\S]*?)\s*\)$/, '$1'));
  const last = parts.pop();
  return (last === '"\\0"' || last === '"\\x00"') && parts.every((p) => /^stringify!\s*[({[]/.test(p) || (/^"(?:[^"\\]|\\.)*"$/.test(p) && !/\\(0|x00)|\u0000/.test(p)));
}
