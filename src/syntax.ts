/** Small questions about tree-sitter-rust nodes that several parts of the analysis ask. */
import type { Node } from './source.js';

/** The node without surrounding parentheses. */
export function unparen(node: Node): Node {
  let n = node;
  while (n.type === 'parenthesized_expression' && n.namedChildCount === 1) n = n.namedChild(0)!;
  return n;
}

/** `x`, `(x)`, `x as usize`, `(x as u64) as usize` → `x`: parentheses and casts aside. */
export function uncast(node: Node): Node {
  let n = unparen(node);
  while (n.type === 'type_cast_expression' && n.childForFieldName('value')) n = unparen(n.childForFieldName('value')!);
  return n;
}

/** The value a block ends with, looking into `unsafe { .. }` and inner blocks: `f(p)` in `{ unsafe { f(p) } }`; null when it ends with a statement. */
export function tailExpression(block: Node): Node | null {
  let last = block.namedChildren.filter((c) => !c.type.endsWith('comment')).pop() ?? null;
  // tree-sitter wraps a block-like tail (`unsafe { .. }`) in an expression statement, without a `;`.
  if (last?.type === 'expression_statement' && !last.text.trimEnd().endsWith(';')) last = last.namedChild(0);
  if (!last) return null;
  const u = unparen(last);
  if (u.type === 'unsafe_block' || u.type === 'block') {
    const inner = u.type === 'block' ? u : u.namedChildren.find((c) => c.type === 'block');
    return inner ? tailExpression(inner) : null;
  }
  return u.type.endsWith('statement') || u.type === 'let_declaration' ? null : u;
}

/** The last segment of a path-like expression: `a::b::c` → `c`, `f::<T>` → `f`. */
export function lastSegment(node: Node | null): string | null {
  if (!node) return null;
  switch (node.type) {
    case 'identifier':
    case 'field_identifier':
      return node.text;
    case 'scoped_identifier':
      return node.childForFieldName('name')?.text ?? null;
    case 'generic_function':
      return lastSegment(node.childForFieldName('function'));
    default:
      return null;
  }
}

/** The full path text of a path-like callee without generics or whitespace: `std :: panic :: catch_unwind` → `std::panic::catch_unwind`. */
export function pathText(node: Node): string {
  const n = node.type === 'generic_function' ? (node.childForFieldName('function') ?? node) : node;
  return n.text.replace(/\s+/g, '');
}

export interface MethodCall {
  call: Node;
  receiver: Node;
  method: string;
  args: Node[];
}

/** `recv.method(args)` (also `recv.method::<T>(args)`). */
export function asMethodCall(node: Node): MethodCall | null {
  if (node.type !== 'call_expression') return null;
  let fn = node.childForFieldName('function');
  if (fn?.type === 'generic_function') fn = fn.childForFieldName('function');
  if (fn?.type !== 'field_expression') return null;
  const receiver = fn.childForFieldName('value');
  const field = fn.childForFieldName('field');
  if (!receiver || !field || field.type !== 'field_identifier') return null;
  return { call: node, receiver, method: field.text, args: callArgs(node) };
}

export interface PathCall {
  call: Node;
  callee: Node;
  /** Last path segment, e.g. `from_ptr` for `CStr::from_ptr`. */
  name: string;
  /** The path without its last segment, e.g. `CStr` or `std::ffi::CStr`; empty for a bare name. */
  qualifier: string;
  args: Node[];
}

/** `f(args)`, `a::b::f(args)`, `f::<T>(args)`. */
export function asPathCall(node: Node): PathCall | null {
  if (node.type !== 'call_expression') return null;
  const callee = node.childForFieldName('function');
  if (!callee) return null;
  const name = lastSegment(callee);
  if (!name || callee.type === 'field_expression') return null;
  const full = pathText(callee);
  // `Arc::<T>::from_raw` → `Arc`: the turbofish belongs to the type, not to the path.
  const qualifier = full.includes('::') ? full.slice(0, full.lastIndexOf('::')).replace(/(::)?<.*>$/, '') : '';
  return { call: node, callee, name, qualifier, args: callArgs(node) };
}

export function callArgs(call: Node): Node[] {
  const args = call.childForFieldName('arguments');
  return args ? args.namedChildren.filter((c) => c.type !== 'line_comment' && c.type !== 'block_comment') : [];
}

/** The last segment of a qualifier: `std::ffi::CStr` → `CStr`. */
export function lastOf(qualifier: string): string {
  const i = qualifier.lastIndexOf('::');
  return i < 0 ? qualifier : qualifier.slice(i + 2);
}

export function isLiteral(node: Node): boolean {
  return /(_literal|^true$|^false$)/.test(node.type) || node.type === 'boolean_literal';
}

/** Does `node` mention identifier `name` anywhere inside (ignoring field names)? */
export function mentions(node: Node, name: string): boolean {
  if (node.type === 'identifier') return node.text === name;
  if (node.type === 'metavariable') return node.text === name;
  for (const c of node.namedChildren) if (mentions(c, name)) return true;
  return false;
}

/** Identifier names bound by a pattern (`x`, `(a, b)`, `Some(p)`, `Foo { x, .. }`, `mut x`, `ref x`). */
export function patternBindings(pattern: Node | null): string[] {
  if (!pattern) return [];
  const out: string[] = [];
  const visit = (n: Node, isPath: boolean): void => {
    switch (n.type) {
      case 'identifier':
        if (!isPath && !/^[A-Z]/.test(n.text)) out.push(n.text);
        return;
      case 'tuple_struct_pattern': {
        const kids = n.namedChildren;
        for (let i = 1; i < kids.length; i++) visit(kids[i]!, false);
        return;
      }
      case 'struct_pattern':
        for (const c of n.namedChildren) if (c.type === 'field_pattern') visit(c.childForFieldName('pattern') ?? c.childForFieldName('name') ?? c, false);
        return;
      case 'field_pattern':
        return;
      case 'scoped_identifier':
      case 'shorthand_field_identifier':
        if (n.type === 'shorthand_field_identifier') out.push(n.text);
        return;
      default:
        for (const c of n.namedChildren) visit(c, false);
    }
  };
  visit(pattern, false);
  return out;
}

const INTEGER_TYPE = /^([iu](8|16|32|64|128|size)|c_u?(char|schar|uchar|short|ushort|int|uint|long|ulong|longlong|ulonglong)|c_size_t|c_ssize_t|size_t|ssize_t|ptrdiff_t|uintptr_t|intptr_t|c_ptrdiff_t)$/;

/** Is this type an integer (`usize`, `u32`, `libc::size_t`, `c_int`)? */
export function isIntegerType(type: Node): boolean {
  const t = type.type === 'scoped_type_identifier' ? type.childForFieldName('name') : type;
  return !!t && (t.type === 'primitive_type' || t.type === 'type_identifier') && INTEGER_TYPE.test(t.text);
}

/** Is this type a number: an integer, `f32`/`f64`, `c_float`/`c_double`? */
export function isNumericType(type: Node): boolean {
  const t = type.type === 'scoped_type_identifier' ? type.childForFieldName('name') : type;
  return isIntegerType(type) || (!!t && /^(f32|f64|c_float|c_double)$/.test(t.text));
}
