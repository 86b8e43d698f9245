import { cSpelling, declaredExports, rustSpelling, withConstOf } from '../src/c/signature.js';
import { compareTypes, type CType, type Difference } from '../src/c/types.js';
import { defineRule, type Locatable } from '../src/rule.js';
import type { Node } from '../src/source.js';

export default defineRule({
  id: 'header-signature-mismatch',
  language: 'c',
  severity: 'error',
  summary: 'A C prototype disagrees with the Rust function it declares',
  precision: 'high',
  securitySeverity: '7.0',
  docs: {
    what:
      'Compares each exported Rust FFI function with its prototype in the crate\'s C header: the number of parameters, ' +
      'and each parameter and return type by ABI (size, integer or float, signedness, pointer constness, struct and enum ' +
      'names through typedefs, function pointers). Different sizes or kinds are errors; signedness, pointee constness ' +
      'and platform-dependent sizes (`long`, pointer-sized vs fixed) are warnings; types ffiguard cannot map are notes.',
    why:
      'The C compiler trusts the header and the Rust compiler trusts the Rust signature; nothing checks that they agree. ' +
      'A parameter too many or of the wrong size shifts every later argument, a 32-bit `int` read as a 64-bit `i64` picks ' +
      'up garbage in the upper half, a `const` pointer that Rust writes through breaks the caller\'s assumptions. The ' +
      'result is memory corruption that no test of either side alone can see.',
    useInstead: 'Make the prototype match the Rust signature (or regenerate the header with cbindgen).',
    example: {
      bad: `// src/lib.rs
#[no_mangle]
pub extern "C" fn kv_count(store: *const Store, out: *mut u64) -> i32 { .. }

// include/kv.h
int kv_count(const kv_store_t *store, uint32_t *out);`,
      good: `// include/kv.h
int32_t kv_count(const kv_store_t *store, uint64_t *out);`,
    },
    notes: [
      'Type mapping: `i8`..`u64` ↔ `int8_t`..`uint64_t`, `c_int` ↔ `int`, `usize` ↔ `size_t`/`uintptr_t`, `isize` ↔ `ptrdiff_t`/`intptr_t`/`ssize_t`, `f32`/`f64` ↔ `float`/`double`, `bool` ↔ `bool`/`_Bool`, `*const T` ↔ `const T *`, `*mut T`, `&mut T`, `NonNull<T>`, `Box<T>` ↔ `T *`, `&T` ↔ `const T *`, `Option<&T>` and `Option<extern "C" fn(..)>` ↔ nullable pointers, `()` ↔ `void`.',
      'Structs and enums are matched by name through typedefs (`typedef struct Store kv_store_t;`) and cbindgen\'s prefixes. Two different names behind a pointer are ABI-compatible and are not reported.',
      'Constness behind a pointer to an opaque struct (one the headers declare without fields: a handle) is not compared: C cannot read or write through a handle, so `const kv_store_t *` against `*mut Store` only documents intent. Behind pointers to scalars and to structs with fields it is: Rust writing through a pointer C declared `const` is a warning, the other direction a note.',
      'A function written inside an export macro\'s invocation is compared in the signature the macro exports: getsentry/symbolic\'s `ffi_fn! { unsafe fn f(..) -> Result<T> { .. } }` writes `extern "C" fn f(..) -> T`.',
      'JNI\'s primitive types (`jint`, `jlong`, `jboolean`, ...) map to their fixed sizes. Another name that no scanned header declares (`socklen_t` from <sys/socket.h>) may stand for anything: a difference there is a note that it was not compared, never an error.',
    ],
    references: [
      { title: 'The Rustonomicon: FFI', url: 'https://doc.rust-lang.org/nomicon/ffi.html' },
      { title: 'std::ffi type aliases (c_int, c_long, ...)', url: 'https://doc.rust-lang.org/std/ffi/index.html' },
    ],
    cwe: ['CWE-686', 'CWE-843'],
  },
  check({ crate, report }) {
    // Each declared export with both signatures, and how the header names the crate's types (for the help).
    const { exports, names } = declaredExports(crate);
    // One note per type ffiguard cannot map (wasmtime passes one such type to 100 functions).
    const unmapped = new Map<string, { first: Parameters<typeof report>[0]; more: { file: Locatable; node: Node; message: string }[] }>();
    const reportDifference = (input: Parameters<typeof report>[0], d: Difference): void => {
      if (!d.unmapped) return report(input);
      // One type however it is spelled: lifetimes, spacing and the path (`crate::X`, `X`) aside.
      const key = d.unmapped.replace(/<'[^>]*>/g, '').replace(/\s+/g, '').replace(/\b(?:\w+::)+/g, '');
      const seen = unmapped.get(key);
      if (seen) seen.more.push({ file: input.file, node: input.node, message: input.message });
      else unmapped.set(key, { first: input, more: [] });
    };
    for (const { symbol, fn: rustFn, header, cFn, sig } of exports) {
      const rustAt = { file: rustFn.file, node: rustFn.nameNode, message: `\`${symbol}\` is defined here` };
      if (cFn.variadic) {
        report({ file: header, node: cFn.nameNode, message: `\`${symbol}\` is variadic (\`...\`) in C but not in Rust`, help: 'remove `...` from the prototype', related: [rustAt] });
        continue;
      }
      if (sig.params.length !== cFn.params.length) {
        report({
          file: header,
          node: cFn.nameNode,
          message: `\`${symbol}\` takes ${sig.params.length} parameter${sig.params.length === 1 ? '' : 's'} in Rust but ${cFn.params.length} in this prototype`,
          help: 'make the prototype\'s parameter list match the Rust function',
          related: [rustAt],
        });
        continue;
      }
      sig.params.forEach((p, i) => {
        const c = cFn.params[i]!;
        const d = compareTypes(p.type, c.type);
        if (!d) return;
        const name = c.name ?? p.name ?? `#${i + 1}`;
        reportDifference({
          file: header,
          node: c.node,
          severity: d.severity,
          message: `parameter \`${name}\` of \`${symbol}\`: ${d.message}`,
          help: d.constness
            ? constnessHelp(`the Rust parameter \`${p.node.text.replace(/\s+/g, ' ')}\``, cSpelling(withConstOf(c.type, p.type), names))
            : d.severity === 'note'
              ? 'check this parameter by hand, or use types ffiguard knows (`std::ffi` aliases, `#[repr(C)]` types)'
              : `declare it${asC(cSpelling(p.type, names))} to match the Rust parameter \`${p.node.text.replace(/\s+/g, ' ')}\`${orRust(c.type)}`,
          related: [{ file: sig.file, node: p.node, message: 'the Rust parameter' }],
        }, d);
      });
      const d = compareTypes(sig.ret, cFn.ret, 'out');
      if (d) {
        reportDifference({
          file: header,
          node: cFn.nameNode,
          severity: d.severity,
          message: `return type of \`${symbol}\`: ${d.message}`,
          help: d.constness
            ? constnessHelp(`the Rust return type \`${sig.ret.text}\``, cSpelling(withConstOf(cFn.ret, sig.ret), names))
            : d.severity === 'note'
              ? 'check the return type by hand'
              : `declare the return type${asC(cSpelling(sig.ret, names))} to match the Rust \`${sig.ret.text}\`${orRust(cFn.ret)}`,
          related: [sig.retNode ? { file: sig.file, node: sig.retNode, message: 'the Rust return type' } : { file: rustFn.file, node: rustFn.nameNode, message: 'the Rust return type' }],
        }, d);
      }
    }
    for (const { first, more } of unmapped.values()) {
      if (more.length === 0) {
        report(first);
        continue;
      }
      report({
        ...first,
        message: `${first.message} (nor in ${more.length} more place${more.length === 1 ? '' : 's'} where it is used)`,
        related: [...(first.related ?? []), ...more.slice(0, 10).map((m) => ({ ...m, message: 'also not compared here' }))],
      });
    }
  },
});

/**
 * Only `const` differs: the header may have drifted, or the Rust side may be the one that is wrong
 * (a buffer C is meant to write into, handed out as `*const`). Say how C spells the Rust type, and
 * leave the choice to whoever knows the intent.
 */
function constnessHelp(rust: string, inC: string): string {
  return `make the constness agree on whichever side is wrong: declare it \`${inC}\` in the header to match ${rust}, or, if the header says what is meant, change the Rust type's \`*const\`/\`*mut\` (or \`&\`/\`&mut\`)`;
}

/** ` as \`T\``, when ffiguard can spell the type in C (not a type it cannot map, which it spells as a comment). */
function asC(spelled: string): string {
  return spelled.startsWith('/*') ? '' : ` as \`${spelled}\``;
}

/**
 * `, or make the Rust type \`c_int\` ..`: a header that is the published API (libimagequant's, which
 * the Rust side copies) is the side to keep, and only its authors know which it is.
 */
function orRust(c: CType): string {
  const rust = rustSpelling(c);
  return rust ? `; or, if the header is the published API, make the Rust type \`${rust}\`` : '';
}
