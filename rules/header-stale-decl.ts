import { abiHeaders, declarations, macroDeclarations } from '../src/c/abi-headers.js';
import type { CFunction } from '../src/c/header.js';
import { rustSignature } from '../src/c/signature.js';
import { compareTypes } from '../src/c/types.js';
import type { CrateModel } from '../src/model/crate.js';
import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'header-stale-decl',
  language: 'c',
  severity: 'error',
  summary: 'A C header declares a function the crate does not export',
  precision: 'high',
  securitySeverity: '5.0',
  docs: {
    what:
      'Flags a prototype in the crate\'s C header for which the crate exports no symbol: the Rust function was renamed or ' +
      'removed, lacks `#[no_mangle]`, or is only declared in an `extern "C" { }` block (an import, not a definition).',
    why:
      'C code compiles against the header and then fails to link, or, when a symbol of that name exists elsewhere in the ' +
      'process, links against the wrong function and calls it with the wrong arguments.',
    useInstead:
      'Remove the prototype, rename it to the current Rust name, or add `#[no_mangle]` to the Rust function. If the function ' +
      'is implemented in C elsewhere on purpose, suppress the finding with `// ffiguard-ignore: header-stale-decl -- reason`.',
    example: {
      bad: `// include/kv.h
int kv_remove(kv_store_t *store, const char *key);

// src/lib.rs: renamed
#[no_mangle]
pub extern "C" fn kv_delete(store: *mut Store, key: *const c_char) -> c_int { .. }`,
      good: `// include/kv.h
int kv_delete(kv_store_t *store, const char *key);`,
    },
    notes: ['`static` and `static inline` functions are defined in the header itself and are not checked. Headers that declare none of the crate\'s exports (a vendored library\'s) are ignored.'],
    references: [{ title: 'The Rust Reference: the no_mangle attribute', url: 'https://doc.rust-lang.org/reference/abi.html#the-no_mangle-attribute' }],
    cwe: ['CWE-628'],
  },
  check({ crate, report }) {
    const ffiByName = new Map(crate.functions.map((f) => [f.name, f]));
    const declared = declarations(crate);
    const viaMacro = macroDeclarations(crate);
    // A renamed function is exported but declared nowhere.
    const undeclared = [...crate.exportsBySymbol.keys()].filter((s) => !declared.has(s) && !viaMacro.has(s));
    for (const header of abiHeaders(crate)) {
      for (const fn of header.functions) {
        if (fn.isStatic || crate.exportsBySymbol.has(fn.name)) continue;
        const imported = crate.imports.get(fn.name);
        const unexported = ffiByName.get(fn.name);
        const similar = imported || unexported ? undefined : (closest(fn.name, undeclared) ?? sameSignature(fn, undeclared, crate));
        let message = `\`${fn.name}\` is declared here but the crate exports no such symbol`;
        let help = 'remove the prototype or rename it to the exported Rust function';
        const related = [];
        if (imported) {
          message = `\`${fn.name}\` is declared here but the crate only imports it (\`extern "C" { fn ${fn.name}(..); }\`) and never defines it`;
          related.push({ file: imported.file, node: imported.node, message: 'imported here' });
        } else if (unexported) {
          message = `\`${fn.name}\` is declared here but the Rust function of that name is not exported${unexported.abi ? '' : ' and has the Rust ABI'}`;
          help = unexported.abi ? `add \`#[no_mangle]\` to \`${fn.name}\`` : `make it \`#[no_mangle] pub extern "C" fn ${fn.name}\``;
          related.push({ file: unexported.file, node: unexported.nameNode, message: 'defined here without `#[no_mangle]`' });
        } else if (similar) {
          message = `\`${fn.name}\` is declared here but the crate exports no such symbol (renamed to \`${similar}\`?)`;
          help = `rename the prototype to \`${similar}\` if that is the same function, or remove it`;
          const target = crate.exportsBySymbol.get(similar)!;
          related.push({ file: target.file, node: target.nameNode, message: `\`${similar}\` is exported here` });
        }
        report({ file: header, node: fn.nameNode, message, help, related });
      }
    }
  },
});

/** The only undeclared export whose signature matches the prototype exactly: most likely the same function renamed. */
function sameSignature(fn: CFunction, candidates: string[], crate: CrateModel): string | undefined {
  const matches = candidates.filter((name) => {
    const sig = rustSignature(crate.exportsBySymbol.get(name)!, crate);
    return sig.params.length === fn.params.length && !compareTypes(sig.ret, fn.ret) && sig.params.every((p, i) => !compareTypes(p.type, fn.params[i]!.type));
  });
  return matches.length === 1 ? matches[0] : undefined;
}

/** The exported name closest to `name` (edit distance at most a third of its length), if any. */
function closest(name: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const c of candidates) {
    const d = distance(name, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}
