/**
 * Which scanned headers describe this crate's C ABI: those that declare at least one function the
 * crate exports. A vendored C library's header under the crate declares none of them, and judging
 * it against the crate would only produce noise. A header named with `--header` always counts.
 */
import type { CrateModel } from '../model/crate.js';
import type { CFunction, HeaderFile } from './header.js';

export function abiHeaders(crate: CrateModel): HeaderFile[] {
  return crate.headers.filter((h) => h.explicit || h.functions.some((f) => crate.exportsBySymbol.has(f.name)) || [...h.macroFunctions.keys()].some((n) => crate.exportsBySymbol.has(n)));
}

/** Functions the crate's ABI headers declare through macro calls (names only: no prototype to compare). */
export function macroDeclarations(crate: CrateModel): Set<string> {
  return new Set(abiHeaders(crate).flatMap((h) => [...h.macroFunctions.keys()]));
}

/** Every prototype of the crate's ABI headers, by name (first declaration wins). */
export function declarations(crate: CrateModel): Map<string, { header: HeaderFile; fn: CFunction }> {
  const out = new Map<string, { header: HeaderFile; fn: CFunction }>();
  for (const header of abiHeaders(crate)) {
    for (const fn of header.functions) if (!fn.isStatic && !out.has(fn.name)) out.set(fn.name, { header, fn });
  }
  return out;
}
