/**
 * One description of a C ABI type that both sides are mapped to, so a Rust signature and a C
 * prototype can be compared: scalars by ABI class, size and signedness, pointers with constness,
 * named structs and enums, function pointers. What cannot be mapped stays `unknown`, and the
 * comparison then says so instead of guessing.
 */

export type Scalar =
  | 'i8' | 'u8' | 'i16' | 'u16' | 'i32' | 'u32' | 'i64' | 'u64'
  | 'char' | 'long' | 'ulong' | 'size' | 'ssize' | 'f32' | 'f64' | 'bool';

export type CType =
  | { kind: 'void'; text: string }
  /** `alias`: the C typedef name the scalar was declared through (`typedef uint32_t kv_result;`). */
  | { kind: 'scalar'; scalar: Scalar; alias?: string; text: string }
  /**
   * `opaque`: a struct no header defines with a field list (C can only hold pointers to it).
   * `undeclared`: a bare name no scanned header declares (a typedef of a system or vendor header,
   * `socklen_t`, `GQuark`): it may stand for anything, a scalar included.
   */
  | { kind: 'named'; names: string[]; enum?: boolean; opaque?: boolean; undeclared?: boolean; text: string }
  /** `eitherConst`: a Rust pointer to an `UnsafeCell`/`Cell`, which C may declare `const` or not. */
  | { kind: 'pointer'; to: CType; const: boolean; eitherConst?: boolean; text: string }
  | { kind: 'fn'; ret: CType; params: CType[]; variadic: boolean; text: string }
  | { kind: 'unknown'; text: string };

interface ScalarInfo {
  cls: 'int' | 'float' | 'bool';
  /** Bytes; 0 = depends on the platform (`long`: 8 on Linux/macOS, 4 on Windows; pointer-sized). */
  size: number;
  signed: boolean | null;
}

const SCALARS: Record<Scalar, ScalarInfo> = {
  i8: { cls: 'int', size: 1, signed: true },
  u8: { cls: 'int', size: 1, signed: false },
  char: { cls: 'int', size: 1, signed: null },
  i16: { cls: 'int', size: 2, signed: true },
  u16: { cls: 'int', size: 2, signed: false },
  i32: { cls: 'int', size: 4, signed: true },
  u32: { cls: 'int', size: 4, signed: false },
  i64: { cls: 'int', size: 8, signed: true },
  u64: { cls: 'int', size: 8, signed: false },
  long: { cls: 'int', size: 0, signed: true },
  ulong: { cls: 'int', size: 0, signed: false },
  size: { cls: 'int', size: -1, signed: false },
  ssize: { cls: 'int', size: -1, signed: true },
  f32: { cls: 'float', size: 4, signed: null },
  f64: { cls: 'float', size: 8, signed: null },
  bool: { cls: 'bool', size: 1, signed: null },
};

/** C spellings (after collapsing whitespace) → scalar. */
export const C_SCALARS: Record<string, Scalar> = {
  int8_t: 'i8', uint8_t: 'u8', int16_t: 'i16', uint16_t: 'u16', int32_t: 'i32', uint32_t: 'u32', int64_t: 'i64', uint64_t: 'u64',
  char: 'char', 'signed char': 'i8', 'unsigned char': 'u8',
  short: 'i16', 'short int': 'i16', 'signed short': 'i16', 'unsigned short': 'u16', 'unsigned short int': 'u16',
  int: 'i32', 'signed int': 'i32', signed: 'i32', unsigned: 'u32', 'unsigned int': 'u32',
  long: 'long', 'long int': 'long', 'signed long': 'long', 'unsigned long': 'ulong', 'unsigned long int': 'ulong',
  'long long': 'i64', 'long long int': 'i64', 'signed long long': 'i64', 'unsigned long long': 'u64', 'unsigned long long int': 'u64',
  size_t: 'size', uintptr_t: 'size', ssize_t: 'ssize', intptr_t: 'ssize', ptrdiff_t: 'ssize',
  float: 'f32', double: 'f64', bool: 'bool', _Bool: 'bool',
  char16_t: 'u16', char32_t: 'u32', char8_t: 'u8',
  // jni.h's primitive types, the same on every platform (the JNI specification fixes them).
  jboolean: 'u8', jbyte: 'i8', jchar: 'u16', jshort: 'i16', jint: 'i32', jlong: 'i64', jfloat: 'f32', jdouble: 'f64', jsize: 'i32',
};

/** Rust spellings (last path segment) → scalar. */
export const RUST_SCALARS: Record<string, Scalar> = {
  i8: 'i8', u8: 'u8', i16: 'i16', u16: 'u16', i32: 'i32', u32: 'u32', i64: 'i64', u64: 'u64',
  isize: 'ssize', usize: 'size', f32: 'f32', f64: 'f64', bool: 'bool',
  c_char: 'char', c_schar: 'i8', c_uchar: 'u8', c_short: 'i16', c_ushort: 'u16', c_int: 'i32', c_uint: 'u32',
  c_long: 'long', c_ulong: 'ulong', c_longlong: 'i64', c_ulonglong: 'u64', c_float: 'f32', c_double: 'f64',
  size_t: 'size', ssize_t: 'ssize', intptr_t: 'ssize', uintptr_t: 'size', ptrdiff_t: 'ssize',
  int8_t: 'i8', uint8_t: 'u8', int16_t: 'i16', uint16_t: 'u16', int32_t: 'i32', uint32_t: 'u32', int64_t: 'i64', uint64_t: 'u64',
};

export interface Difference {
  severity: 'error' | 'warning' | 'note';
  /** An independent clause saying what differs, e.g. "`f32` in Rust but `double` in C: 32-bit vs 64-bit". */
  message: string;
  /** For "cannot map" notes: the type ffiguard could not map, so reports can group them. */
  unmapped?: string;
  /** Only `const` differs (here or in a pointee): either side may be the one to fix. */
  constness?: true;
}

/**
 * Compare a Rust type with a C type; null when they agree. `flow` says which way the value goes:
 * `in` for parameters (C hands it to Rust), `out` for return values. It decides how much a
 * constness difference matters: Rust writing through a pointer that C declared `const` (or C writing
 * through one Rust handed out as `*const`) is a warning; the harmless direction is a note.
 */
export function compareTypes(rust: CType, c: CType, flow: 'in' | 'out' = 'in'): Difference | null {
  // The same spelling on both sides (`wasmtime_call_future_t`) is the same type, even when ffiguard
  // cannot say what that type is.
  if (spelledAlike(rust.text, c.text)) return null;
  if (rust.kind === 'unknown' || c.kind === 'unknown') {
    const unmapped = rust.kind === 'unknown' ? rust.text : c.text;
    return { severity: 'note', message: `ffiguard cannot map \`${unmapped}\` to a C ABI type, so it did not compare \`${rust.text}\` with \`${c.text}\``, unmapped };
  }
  if (rust.kind === 'void' || c.kind === 'void') {
    return rust.kind === c.kind ? null : { severity: 'error', message: `\`${rust.text}\` in Rust but \`${c.text}\` in C` };
  }
  // The same name on both sides is the same type, whatever each side resolves it to.
  if (rust.kind === 'named' && c.kind === 'scalar' && c.alias && rust.names.some((n) => sameName(n, c.alias!))) return null;
  if (rust.kind === 'scalar' && c.kind === 'named' && c.enum) {
    const info = SCALARS[rust.scalar];
    if (info.cls === 'int' && info.size === 4) return null;
    return { severity: 'warning', message: `\`${rust.text}\` in Rust but the enum \`${c.text}\` in C (C enums are usually \`int\`-sized)` };
  }
  if (rust.kind !== c.kind && c.kind === 'named' && c.undeclared) {
    return { severity: 'note', message: `\`${rust.text}\` in Rust but \`${c.text}\` in C: no scanned header declares \`${c.text}\`, so ffiguard did not compare them`, unmapped: c.text };
  }
  if (rust.kind !== c.kind) return { severity: 'error', message: `\`${rust.text}\` in Rust but \`${c.text}\` in C` };
  switch (rust.kind) {
    case 'scalar':
      return compareScalars(rust, c as typeof rust);
    case 'named': {
      const cn = c as typeof rust;
      if (rust.names.some((n) => cn.names.some((m) => sameName(n, m)))) return null;
      return { severity: 'note', message: `\`${rust.text}\` in Rust but \`${c.text}\` in C, and ffiguard cannot tell whether they are the same type` };
    }
    case 'pointer': {
      const cp = c as typeof rust;
      // `void *` takes any pointer; a byte pointer is how C spells "some bytes" (pixels, a buffer).
      const anyPointee = (t: CType): boolean => t.kind === 'void';
      const bytes = (t: CType): boolean => t.kind === 'scalar' && ['u8', 'i8', 'char'].includes(t.scalar);
      if (anyPointee(rust.to) || anyPointee(cp.to)) return null;
      if ((bytes(cp.to) && rust.to.kind === 'named') || (bytes(rust.to) && cp.to.kind === 'named')) {
        return { severity: 'note', message: `\`${rust.text}\` in Rust but \`${c.text}\` in C: a byte pointer stands for a typed one; check the layouts agree` };
      }
      // Through a mutable pointer C hands in, Rust writes a value out (`name_out: &mut *const u8`):
      // the pointee flows the other way.
      const inner = compareTypes(rust.to, cp.to, flow === 'in' && !rust.const && rust.to.kind === 'pointer' ? 'out' : flow);
      if (inner && inner.severity !== 'note') return { severity: inner.severity, message: `\`${rust.text}\` in Rust but \`${c.text}\` in C: the pointee differs (${inner.message})`, ...(inner.constness ? { constness: true as const } : {}) };
      if (rust.const !== cp.const && !rust.eitherConst) {
        // Nobody writes through a pointer to an opaque struct from C, and Rust owns its contents:
        // constness on a handle only documents intent.
        if (cp.to.kind === 'named' && cp.to.opaque === true) return inner && rust.to.kind !== 'named' ? inner : null;
        const writerIsRust = flow === 'in' ? !rust.const : !cp.const;
        return writerIsRust
          ? { severity: 'warning', message: `\`${rust.text}\` in Rust but \`${c.text}\` in C: the pointee's constness differs, and ${flow === 'in' ? 'Rust may write through a pointer C declares `const`' : 'C may write through a pointer Rust hands out as `*const`'}`, constness: true }
          : { severity: 'note', message: `\`${rust.text}\` in Rust but \`${c.text}\` in C: the pointee's constness differs (harmless in this direction, but the header has drifted)`, constness: true };
      }
      // Different opaque names behind a pointer are ABI-compatible; only say so when nothing else differs.
      return inner && rust.to.kind !== 'named' ? inner : null;
    }
    case 'fn': {
      const cf = c as typeof rust;
      if (rust.params.length !== cf.params.length || rust.variadic !== cf.variadic) {
        return { severity: 'error', message: `\`${rust.text}\` in Rust but \`${c.text}\` in C: the function pointer takes ${rust.params.length} parameter${rust.params.length === 1 ? '' : 's'} in Rust but ${cf.params.length} in C` };
      }
      // A callback's parameters flow the other way: Rust hands them to C code.
      const back = flow === 'in' ? 'out' : 'in';
      const diffs = [compareTypes(rust.ret, cf.ret, flow), ...rust.params.map((p, i) => compareTypes(p, cf.params[i]!, back))].filter((d): d is Difference => d !== null);
      const worst = diffs.find((d) => d.severity === 'error') ?? diffs.find((d) => d.severity === 'warning') ?? diffs[0];
      return worst ? { severity: worst.severity, message: `\`${rust.text}\` in Rust but \`${c.text}\` in C: the function pointer differs (${worst.message})`, ...(worst.unmapped ? { unmapped: worst.unmapped } : {}) } : null;
    }
    default:
      return null;
  }
}

function compareScalars(r: Extract<CType, { kind: 'scalar' }>, c: Extract<CType, { kind: 'scalar' }>): Difference | null {
  if (r.scalar === c.scalar) return null;
  const a = SCALARS[r.scalar];
  const b = SCALARS[c.scalar];
  const both = `\`${r.text}\` in Rust but \`${c.text}\` in C`;
  if (a.cls !== b.cls) return { severity: 'error', message: both };
  if (a.size === 0 || b.size === 0) {
    // `long`: 64-bit on Linux and macOS, 32-bit on Windows.
    const fixed = a.size === 0 ? b : a;
    return fixed.size === 8 || fixed.size === 4
      ? { severity: 'warning', message: `${both}: \`long\` is ${fixed.size === 8 ? '32-bit on Windows' : '64-bit on Linux and macOS'}, so they differ on some platforms` }
      : { severity: 'error', message: both };
  }
  if (a.size === -1 || b.size === -1) {
    const fixed = a.size === -1 ? b : a;
    if (a.size === b.size) return a.signed === b.signed ? null : { severity: 'warning', message: `${both}: the signedness differs` };
    return fixed.size === 8 || fixed.size === 4
      ? { severity: 'warning', message: `${both}: pointer-sized on one side and ${fixed.size * 8}-bit on the other, so they differ on some platforms` }
      : { severity: 'error', message: both };
  }
  if (a.size !== b.size) return { severity: 'error', message: `${both}: ${a.size * 8}-bit vs ${b.size * 8}-bit` };
  if (a.signed !== null && b.signed !== null && a.signed !== b.signed) return { severity: 'warning', message: `${both}: the signedness differs` };
  return null;
}

function spelledAlike(rust: string, c: string): boolean {
  // A path names its last segment: `native::WGPULogCallback` (a bindgen module `include!`d from the
  // same header) is the header's `WGPULogCallback`.
  const norm = (s: string) => s.replace(/<'[^>]*>|\b(const|struct|enum|union)\b|^\s*(?:[A-Za-z_]\w*\s*::\s*)+/g, '').replace(/\s+/g, '');
  return /^[A-Za-z_]\w*$/.test(norm(rust)) && norm(rust) === norm(c);
}

/** `Store` ~ `Store`, `struct Store`, `kv_Store` (cbindgen prefix), `store_t`. */
function sameName(rust: string, c: string): boolean {
  const norm = (s: string) => s.replace(/^(struct|enum|union)\s+/, '').replace(/_t$/, '').replace(/_/g, '').toLowerCase();
  const r = norm(rust);
  const n = norm(c);
  return r === n || n.endsWith(r);
}
