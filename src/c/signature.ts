/** A Rust FFI function's signature in the shared C ABI description, and as a C prototype. */
import type { CrateModel } from '../model/crate.js';
import type { FnInfo } from '../model/functions.js';
import type { Node, SourceFile } from '../source.js';
import { rustType } from './rust-types.js';
import { declarations } from './abi-headers.js';
import type { CFunction, HeaderFile } from './header.js';
import type { CType, Scalar } from './types.js';

export interface RustSignature {
  /** The file the nodes below are in (an expansion, for a signature a macro rewrites). */
  file: SourceFile;
  params: { name: string | null; type: CType; node: Node }[];
  ret: CType;
  retNode: Node | null;
}

export function rustSignature(fn: FnInfo, crate: CrateModel): RustSignature {
  const { file, node } = fn.signature ?? fn;
  const params = (node.childForFieldName('parameters')?.namedChildren ?? [])
    .filter((p) => p.type === 'parameter')
    .map((p) => {
      const pat = p.childForFieldName('pattern');
      return { name: pat?.type === 'identifier' ? pat.text : null, type: rustType(p.childForFieldName('type'), crate.typeAliases), node: p };
    });
  const retNode = node.childForFieldName('return_type');
  return { file, params, ret: rustType(retNode, crate.typeAliases), retNode };
}

const C_SPELLING: Record<Scalar, string> = {
  i8: 'int8_t', u8: 'uint8_t', i16: 'int16_t', u16: 'uint16_t', i32: 'int32_t', u32: 'uint32_t', i64: 'int64_t', u64: 'uint64_t',
  char: 'char', long: 'long', ulong: 'unsigned long', size: 'size_t', ssize: 'ptrdiff_t', f32: 'float', f64: 'double', bool: 'bool',
};

/** `std::ffi` / `libc` aliases, spelled as C spells them (`c_int` is `int`, not `int32_t`). */
const C_ALIAS_SPELLING: Record<string, string> = {
  c_char: 'char', c_schar: 'signed char', c_uchar: 'unsigned char', c_short: 'short', c_ushort: 'unsigned short',
  c_int: 'int', c_uint: 'unsigned int', c_long: 'long', c_ulong: 'unsigned long', c_longlong: 'long long',
  c_ulonglong: 'unsigned long long', c_float: 'float', c_double: 'double', size_t: 'size_t', ssize_t: 'ssize_t',
};

/** Spellings C itself uses (`int`, `unsigned char`, `uint8_t`). */
const C_NAMES = new Set<string>([...Object.values(C_SPELLING), ...Object.values(C_ALIAS_SPELLING), 'unsigned', 'long long']);

/**
 * The C type `c` with the constness of Rust type `rust` at each pointer level: what the header would
 * say if only `const` changed (`char **` against Rust's `&mut *const u8` is `const char **`).
 */
export function withConstOf(c: CType, rust: CType): CType {
  if (c.kind !== 'pointer' || rust.kind !== 'pointer') return c;
  return { ...c, const: rust.const, to: withConstOf(c.to, rust.to) };
}

/**
 * How a C header would spell this type (`const char *`, `struct Store *`). `names` spells the crate's
 * own types the way its header does (`Config` → `quiche_config`, see `headerSpellings`), by the Rust
 * type as written.
 */
export function cSpelling(t: CType, names?: ReadonlyMap<string, string>): string {
  switch (t.kind) {
    case 'void':
      return 'void';
    case 'scalar':
      // A type read from a header keeps its own spelling (`int`, `unsigned char`).
      if (C_NAMES.has(t.text)) return t.text;
      return C_ALIAS_SPELLING[t.text.split('::').pop()!] ?? C_SPELLING[t.scalar];
    case 'named':
      return names?.get(t.text) ?? t.names[0]!;
    case 'pointer': {
      const to = cSpelling(t.to, names);
      // A const pointee that is itself a pointer: `const char *const *`, not `const const char **`.
      if (t.const && t.to.kind === 'pointer') return `${to}const *`;
      return `${t.const ? 'const ' : ''}${to} *`.replace('* *', '**');
    }
    case 'fn':
      return `${cSpelling(t.ret, names)} (*)(${t.params.map((p) => cSpelling(p, names)).join(', ') || 'void'})`;
    default:
      return `/* ${t.text} */`;
  }
}

export function cPrototype(symbol: string, sig: RustSignature, names?: ReadonlyMap<string, string>): string {
  const param = (p: RustSignature['params'][number]): string => {
    const spelled = cSpelling(p.type, names);
    if (p.type.kind === 'fn') return spelled.replace('(*)', `(*${p.name ?? ''})`);
    return `${spelled}${spelled.endsWith('*') ? '' : ' '}${p.name ?? ''}`.trim();
  };
  const ret = cSpelling(sig.ret, names);
  return `${ret}${ret.endsWith('*') ? '' : ' '}${symbol}(${sig.params.map(param).join(', ') || 'void'});`;
}

/**
 * The names the header gives the crate's types, learnt from the exports it declares: where a Rust
 * signature has `*mut Config` and the header's prototype `quiche_config *` in the same place, `Config`
 * is spelled `quiche_config`. A Rust name seen with two different C names is left as it is.
 */
export function headerSpellings(pairs: Iterable<{ rust: RustSignature; c: { params: { type: CType }[]; ret: CType } }>): Map<string, string> {
  const seen = new Map<string, string | null>();
  const learn = (r: CType, c: CType): void => {
    while (r.kind === 'pointer' && c.kind === 'pointer') {
      r = r.to;
      c = c.to;
    }
    if (r.kind !== 'named' || c.kind !== 'named') return;
    // As written: `Config` and `h3::Config` are two types.
    const rust = r.text;
    const spelled = c.text.replace(/\bconst\b/g, '').replace(/\s+/g, ' ').trim();
    if (!spelled || spelled === r.names[0]) return;
    const known = seen.get(rust);
    seen.set(rust, known === undefined || known === spelled ? spelled : null);
  };
  for (const { rust, c } of pairs) {
    learn(rust.ret, c.ret);
    if (rust.params.length === c.params.length) rust.params.forEach((p, i) => learn(p.type, c.params[i]!.type));
  }
  const out = new Map<string, string>();
  for (const [rust, c] of seen) if (c) out.set(rust, c);
  return out;
}

export interface DeclaredExport {
  symbol: string;
  fn: FnInfo;
  header: HeaderFile;
  cFn: CFunction;
  sig: RustSignature;
}

const declaredMemo = new WeakMap<CrateModel, { exports: DeclaredExport[]; names: Map<string, string> }>();

/**
 * Each export a scanned header declares, with its Rust signature, and the header's names for the
 * crate's types (`headerSpellings`): read once per crate for the header rules that need them.
 */
export function declaredExports(crate: CrateModel): { exports: DeclaredExport[]; names: Map<string, string> } {
  let known = declaredMemo.get(crate);
  if (!known) {
    const declared = declarations(crate);
    const exports = [...crate.exportsBySymbol].flatMap(([symbol, fn]) => {
      const d = declared.get(symbol);
      return d ? [{ symbol, fn, header: d.header, cFn: d.fn, sig: rustSignature(fn, crate) }] : [];
    });
    known = { exports, names: headerSpellings(exports.map((e) => ({ rust: e.sig, c: e.cFn }))) };
    declaredMemo.set(crate, known);
  }
  return known;
}

/** C's own integer names, as `std::ffi` spells them (`int` is `c_int`, not `i32`). */
const RUST_FFI_NAMES: Record<string, string> = {
  char: 'c_char', 'signed char': 'c_schar', 'unsigned char': 'c_uchar', short: 'c_short', 'unsigned short': 'c_ushort',
  int: 'c_int', unsigned: 'c_uint', 'unsigned int': 'c_uint', long: 'c_long', 'unsigned long': 'c_ulong',
  'long long': 'c_longlong', 'unsigned long long': 'c_ulonglong', float: 'f32', double: 'f64',
};
const RUST_SCALAR_NAMES: Record<Scalar, string> = {
  i8: 'i8', u8: 'u8', i16: 'i16', u16: 'u16', i32: 'i32', u32: 'u32', i64: 'i64', u64: 'u64',
  char: 'c_char', long: 'c_long', ulong: 'c_ulong', size: 'usize', ssize: 'isize', f32: 'f32', f64: 'f64', bool: 'bool',
};

/** How Rust would spell a C scalar type (`int` → `c_int`, `uint32_t` → `u32`, `size_t` → `usize`); undefined for other types. */
export function rustSpelling(t: CType): string | undefined {
  if (t.kind !== 'scalar') return undefined;
  return RUST_FFI_NAMES[t.text.replace(/\s+/g, ' ').trim()] ?? RUST_SCALAR_NAMES[t.scalar];
}
