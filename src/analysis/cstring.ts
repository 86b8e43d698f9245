/** Owned C strings built in place (`CString::new(x).unwrap()` and the like), and where a pointer into one goes. */
import { macroName, type Node, type SourceFile } from '../source.js';
import { asMethodCall, asPathCall, lastOf, unparen } from '../syntax.js';

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
        if (a.childForFieldName(a.type === 'if_expression' ? 'condition' : 'value')?.id === cur.id) return null;
        cur = a;
        continue;
      case 'call_expression': {
        if (a.id === cur.id) continue; // reached from its arguments, already judged
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
  return stmt.parent?.type === 'block' && stmt.lastChild?.type !== ';' && lastCode(stmt.parent)?.id === stmt.id;
}

/** The last statement or expression of a block, skipping comments. */
function lastCode(block: Node): Node | undefined {
  const code = block.namedChildren.filter((c) => c.type !== 'line_comment' && c.type !== 'block_comment');
  return code[code.length - 1];
}
