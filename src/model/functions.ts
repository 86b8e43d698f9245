/** Every `fn` item of a crate, with what the rules ask about it: ABI, export attributes, raw-pointer parameters. */
import type { Node, SourceFile } from '../source.js';
import { patternBindings } from '../syntax.js';
import { leadingAttributes, type Attribute } from './attributes.js';

/** ABIs whose functions are called from C: an unwinding panic must not leave them (unless `-unwind`). */
const C_ABIS = /^(C|system|cdecl|stdcall|fastcall|vectorcall|thiscall|win64|sysv64|aapcs|efiapi)(-unwind)?$/;

export interface Param {
  name: string;
  node: Node;
  type: Node;
  /** `*const T` / `*mut T` (not `&T`, `Option<&T>`, `NonNull<T>`). */
  isRawPointer: boolean;
}

export interface FnInfo {
  file: SourceFile;
  node: Node;
  name: string;
  nameNode: Node;
  body: Node | null;
  params: Param[];
  /** The extern ABI string: `"C"` for a bare `extern fn`, null for a Rust-ABI function. */
  abi: string | null;
  isUnsafe: boolean;
  /** The visibility modifier as written (`pub`, `pub(crate)`), or null for private. */
  visibility: string | null;
  attributes: Attribute[];
  /** `#[no_mangle]`, `#[unsafe(no_mangle)]`, `#[export_name = ..]` (also in their `unsafe(..)` forms). */
  exported: boolean;
  /** Type name of the enclosing `impl`, when inside one. */
  implType: string | null;
  /** True for `impl Trait for Type` and `trait` items. */
  inTrait: boolean;
  hasSelf: boolean;
  /**
   * The macro that turns this `fn` into an FFI export (`ffi_fn! { fn name(..) { .. } }` whose
   * transcriber writes `#[no_mangle] pub extern "C" fn $name`): its ABI and export come from there.
   */
  generatedBy?: string;
}

/** Called from C: an `extern` function with a C-family ABI. */
export function isFfiFunction(fn: FnInfo): boolean {
  return fn.abi !== null && C_ABIS.test(fn.abi);
}

/** `extern "C-unwind"` and friends may unwind into the caller by design. */
export function mayUnwind(fn: FnInfo): boolean {
  return fn.abi !== null && fn.abi.endsWith('-unwind');
}

export function collectFunction(file: SourceFile, node: Node): FnInfo | null {
  const nameNode = node.childForFieldName('name');
  if (!nameNode) return null;
  const modifiers = node.namedChildren.find((c) => c.type === 'function_modifiers');
  let abi: string | null = null;
  let isUnsafe = false;
  if (modifiers) {
    for (const m of modifiers.children) {
      if (m.type === 'unsafe') isUnsafe = true;
      if (m.type === 'extern_modifier') {
        const s = m.namedChildren.find((c) => c.type === 'string_literal');
        abi = s ? s.text.slice(1, -1) : 'C';
      }
    }
  }
  const vis = node.namedChildren.find((c) => c.type === 'visibility_modifier');
  const attributes = leadingAttributes(node);
  const container = enclosingContainer(node, file);
  const params: Param[] = [];
  let hasSelf = false;
  for (const p of node.childForFieldName('parameters')?.namedChildren ?? []) {
    if (p.type === 'self_parameter') hasSelf = true;
    if (p.type !== 'parameter') continue;
    const type = p.childForFieldName('type');
    const names = patternBindings(p.childForFieldName('pattern'));
    if (!type || names.length !== 1) continue;
    params.push({ name: names[0]!, node: p, type, isRawPointer: type.type === 'pointer_type' });
  }
  return {
    file,
    node,
    name: nameNode.text,
    nameNode,
    body: node.childForFieldName('body'),
    params,
    abi,
    isUnsafe,
    visibility: vis ? vis.text.replace(/\s+/g, '') : null,
    attributes,
    exported: attributes.some((a) => a.name === 'no_mangle' || a.name === 'export_name'),
    implType: container.implType,
    inTrait: container.inTrait,
    hasSelf,
  };
}

function enclosingContainer(node: Node, file: SourceFile): { implType: string | null; inTrait: boolean } {
  for (const a of file.ancestors(node)) {
    if (a.type === 'impl_item') {
      const t = a.childForFieldName('type');
      const name = t ? (t.type === 'generic_type' ? (t.childForFieldName('type')?.text ?? t.text) : t.text) : null;
      return { implType: name, inTrait: a.childForFieldName('trait') !== null };
    }
    if (a.type === 'trait_item') return { implType: a.childForFieldName('name')?.text ?? null, inTrait: true };
    if (a.type === 'function_item') break;
  }
  return { implType: null, inTrait: false };
}
