import { abiHeaders, declarations, macroDeclarations } from '../src/c/abi-headers.js';
import path from 'node:path';
import { cPrototype, declaredExports, rustSignature } from '../src/c/signature.js';
import type { HeaderFile } from '../src/c/header.js';
import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'header-missing-decl',
  language: 'c',
  severity: 'warning',
  summary: 'An exported Rust FFI function is declared in no C header',
  precision: 'high',
  docs: {
    what:
      'Flags a Rust function exported with `#[no_mangle]`, `#[unsafe(no_mangle)]` or `#[export_name]` that none of the ' +
      'crate\'s C headers declares. Only crates that ship a header are checked: a header counts as the crate\'s when it ' +
      'declares at least one of its exports.',
    why:
      'C callers can only call what the header declares. A missing prototype means the function is unusable from C, or ' +
      'that callers declare it themselves by hand (or, in old C, call it with no prototype at all), and those private ' +
      'declarations silently drift from the Rust signature.',
    useInstead: 'Add the prototype to the header, or regenerate the header (e.g. with cbindgen) after changing the Rust exports.',
    example: {
      bad: `// src/lib.rs
#[no_mangle]
pub extern "C" fn kv_len(store: *const Store) -> usize { .. }

// include/kv.h: no kv_len`,
      good: `// include/kv.h
size_t kv_len(const Store *store);`,
    },
    notes: [
      'The help line spells the prototype in C from the Rust signature. The crate\'s own types take the names the header gives them where a declared export shows it (`*mut Config` in Rust where the header says `quiche_config *`); check the others against your header\'s conventions. With several headers, the message names the one that declares the functions written in the same Rust file.',
      'A function the header declares through a function-like macro (`WASM_DECLARE_VEC(byte, )` with a `#define` that pastes `wasm_##name##_vec_new`) counts as declared: such calls are expanded (parameters, `##`, nested calls) to find the names they declare. Their prototypes are not compared with the Rust signature.',
      'Exports that a `macro_rules!` macro writes are checked too, and reported at the invocation.',
      'When the crate\'s header includes a header of its own (`#include "webgpu.h"`) that is neither beside it nor among the scanned files (a git submodule that is not checked out), the rule does not run: the exports declared there cannot be seen. A warning names the missing include.',
      'JNI entry points (`Java_<class>_<method>`, `JNI_OnLoad`, `JNI_OnUnload`) are not expected in the header: the JVM looks them up by name for the `native` methods of a Java class, and no C caller includes a prototype. They are checked like the others when a scanned header declares some `Java_` function (one that `javac -h` generated).',
    ],
    references: [{ title: 'cbindgen', url: 'https://github.com/mozilla/cbindgen' }],
    cwe: ['CWE-628'],
  },
  check({ crate, report }) {
    const headers = abiHeaders(crate);
    // A header includes one that is not there: what it declares is unknown (the scan says so in a notification).
    if (headers.length === 0 || headers.some((h) => h.missingIncludes.length > 0)) return;
    const declared = declarations(crate);
    const viaMacro = macroDeclarations(crate);
    const jniHeader = [...declared.keys()].some(isJniSymbol);
    const missing = [...crate.exportsBySymbol].filter(([symbol]) => !declared.has(symbol) && !viaMacro.has(symbol) && (!isJniSymbol(symbol) || jniHeader));
    if (missing.length === 0) return;
    // The header's names for the crate's types, and where it declares the exports of each Rust file.
    const { exports, names } = declaredExports(crate);
    const rel = (h: HeaderFile): string => path.relative(crate.root, h.path).split(path.sep).join('/');
    for (const [symbol, fn] of missing) {
      // Among several headers, the one declaring the functions written beside it is where it belongs.
      const beside = headers.length > 1 ? mostCommon(exports.filter((e) => e.fn.file.path === fn.file.path).map((e) => e.header)) : headers[0];
      const where = headers.length === 1 ? path.basename(headers[0]!.path) : `any of the ${headers.length} headers`;
      const prototype = `\`${cPrototype(symbol, rustSignature(fn, crate), names)}\``;
      report({
        file: fn.file,
        node: fn.nameNode,
        message: `\`${symbol}\` is exported to C but not declared in ${where}${headers.length > 1 && beside ? ` (the functions beside it are declared in ${rel(beside)})` : ''}`,
        help: beside && headers.length > 1 ? `declare it in ${rel(beside)}: ${prototype}` : `declare it in the header: ${prototype}`,
      });
    }
  },
});

/** A symbol the JVM looks up by name: a `native` method's implementation, or a library's load hooks. */
function isJniSymbol(symbol: string): boolean {
  return symbol.startsWith('Java_') || symbol === 'JNI_OnLoad' || symbol === 'JNI_OnUnload';
}

/** The value that occurs most often (the first of equals), or undefined for none. */
function mostCommon<T>(values: T[]): T | undefined {
  const counts = new Map<T, number>();
  let best: T | undefined;
  for (const v of values) {
    const n = (counts.get(v) ?? 0) + 1;
    counts.set(v, n);
    if (best === undefined || n > counts.get(best)!) best = v;
  }
  return best;
}
