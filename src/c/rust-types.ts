/** Rust types of FFI signatures mapped to the shared C ABI description (see types.ts). */
import type { Node } from '../source.js';
import { RUST_SCALARS, type CType } from './types.js';

/**
 * Names the crate defines as another type: `type Alias = Target;`, `#[repr(transparent)] struct
 * Id(u32);` (both give the target's syntax), `#[repr(u8)] enum Mode { .. }` (its integer type).
 */
export type AliasMap = Map<string, Node | CType>;

export function rustType(node: Node | null, aliases: AliasMap, depth = 0): CType {
  if (!node) return { kind: 'void', text: '()' };
  const text = node.text.replace(/\s+/g, ' ');
  switch (node.type) {
    case 'unit_type':
    case 'never_type':
      return { kind: 'void', text };
    case 'primitive_type': {
      if (node.text === 'char') return { kind: 'scalar', scalar: 'u32', text };
      const s = RUST_SCALARS[node.text];
      return s ? { kind: 'scalar', scalar: s, text } : { kind: 'unknown', text };
    }
    case 'type_identifier':
    case 'scoped_type_identifier': {
      const name = node.type === 'scoped_type_identifier' ? (node.childForFieldName('name')?.text ?? text) : node.text;
      if (name === 'c_void') return { kind: 'void', text };
      const nonZero = /^NonZero([IU]\d+|[IU]size)$/.exec(name);
      if (nonZero) return { kind: 'scalar', scalar: RUST_SCALARS[nonZero[1]!.toLowerCase()]!, text };
      const s = RUST_SCALARS[name];
      if (s) return { kind: 'scalar', scalar: s, text };
      const alias = aliases.get(name);
      if (alias && depth < 8) {
        const target = 'kind' in alias ? alias : rustType(alias, aliases, depth + 1);
        // Keep the alias's own name: C often declares the same name (`wasm_functype_t` both sides).
        if (target.kind === 'named') return { ...target, names: [name, ...target.names], text };
        return { ...target, text, ...(target.kind === 'scalar' ? { alias: name } : {}) } as CType;
      }
      return { kind: 'named', names: [name], text };
    }
    case 'pointer_type': {
      const isConst = node.children.some((c) => c.type === 'const');
      const pointee = node.childForFieldName('type');
      return { kind: 'pointer', to: pointeeType(pointee, aliases, depth), const: isConst, ...(interiorlyMutable(pointee) ? { eitherConst: true } : {}), text };
    }
    case 'reference_type': {
      const isMut = node.namedChildren.some((c) => c.type === 'mutable_specifier');
      const pointee = node.childForFieldName('type');
      return { kind: 'pointer', to: pointeeType(pointee, aliases, depth), const: !isMut, ...(interiorlyMutable(pointee) ? { eitherConst: true } : {}), text };
    }
    case 'generic_type': {
      const outer = node.childForFieldName('type');
      const name = outer?.type === 'scoped_type_identifier' ? outer.childForFieldName('name')?.text : outer?.text;
      const args = (node.childForFieldName('type_arguments')?.namedChildren ?? []).filter((a) => a.type !== 'lifetime');
      // `Str<'a>`: lifetimes do not change the ABI.
      if (args.length === 0 && outer) return { ...rustType(outer, aliases, depth), text };
      const arg = args[0] ?? null;
      if (!arg) return { kind: 'unknown', text };
      if (name === 'NonNull' || name === 'Box') return { kind: 'pointer', to: rustType(arg, aliases, depth), const: false, text };
      if (name === 'Option') {
        // `Option<&T>`, `Option<NonNull<T>>`, `Option<Box<T>>`, `Option<extern "C" fn(..)>` are nullable pointers.
        const inner = rustType(arg, aliases, depth);
        const nonZero = /^(core::num::|std::num::)?NonZero/.test(arg.text);
        return inner.kind === 'pointer' || inner.kind === 'fn' || (nonZero && inner.kind === 'scalar') ? { ...inner, text } : { kind: 'unknown', text };
      }
      // Wrappers with the layout of what they wrap.
      if (name === 'ManuallyDrop' || name === 'MaybeUninit' || name === 'UnsafeCell' || name === 'Cell' || name === 'Wrapping') return { ...rustType(arg, aliases, depth), text };
      // `NonZero<u32>`, and `Option<NonZeroU64>` (the niche keeps it the integer's size).
      if (name === 'NonZero') return { ...rustType(arg, aliases, depth), text };
      return { kind: 'unknown', text };
    }
    case 'function_type': {
      const params = (node.childForFieldName('parameters')?.namedChildren ?? [])
        .filter((p) => p.type !== 'variadic_parameter' && p.type !== 'line_comment' && p.type !== 'block_comment')
        .map((p) => rustType(p.type === 'parameter' ? p.childForFieldName('type') : p, aliases, depth));
      const variadic = (node.childForFieldName('parameters')?.namedChildren ?? []).some((p) => p.type === 'variadic_parameter');
      return { kind: 'fn', ret: rustType(node.childForFieldName('return_type'), aliases, depth), params, variadic, text };
    }
    default:
      return { kind: 'unknown', text };
  }
}

/**
 * `UnsafeCell<T>` / `Cell<T>`: what a pointer to one points at may be written even through a `*const`
 * or `&`, so C may spell it either way: `uint8_t *` (wasmtime's shared memory, which C writes) or
 * `const uint8_t *` (a C reader that promises not to).
 */
function interiorlyMutable(type: Node | null): boolean {
  if (type?.type !== 'generic_type') return false;
  const outer = type.childForFieldName('type');
  const name = outer?.type === 'scoped_type_identifier' ? outer.childForFieldName('name')?.text : outer?.text;
  return name === 'UnsafeCell' || name === 'Cell';
}

/**
 * What a pointer points at. Behind a pointer, a generic type ffiguard cannot map by value
 * (`*mut Iter<'a, Attribute<'b>>`, a handle C holds opaquely) is still a named type: C sees its
 * address, not its layout.
 */
function pointeeType(node: Node | null, aliases: AliasMap, depth: number): CType {
  const t = rustType(node, aliases, depth);
  if (t.kind !== 'unknown' || node?.type !== 'generic_type') return t;
  const outer = node.childForFieldName('type');
  const name = outer?.type === 'scoped_type_identifier' ? outer.childForFieldName('name')?.text : outer?.text;
  return name ? { kind: 'named', names: [name], text: t.text } : t;
}
