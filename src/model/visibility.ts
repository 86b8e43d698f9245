/**
 * Which items can be reached from outside the crate, the way rustc's "effective visibility" (and so
 * clippy's `missing_safety_doc`) sees it: a `pub` item whose enclosing modules are all `pub` from the
 * crate root, or that a `pub use` re-exports. Module files are found by following `mod x;` from the
 * crate root like rustc does (`x.rs`, `x/mod.rs`, `#[path = ".."]`).
 */
import path from 'node:path';
import type { CrateSettings } from '../crate-unit.js';
import type { Node, SourceFile } from '../source.js';
import { leadingAttributes } from './attributes.js';
import type { FnInfo } from './functions.js';

export function computeExports(files: SourceFile[], settings: CrateSettings): (fn: FnInfo) => boolean {
  const byPath = new Map(files.map((f) => [f.path, f]));
  /** File → are all of its enclosing modules public from its crate root? */
  const publicFile = new Map<SourceFile, boolean>();
  const reexported = new Set<string>();
  const privateTypes = new Set<string>();

  /** Modules re-exported whole by `pub use m::*` (by module name). */
  const globbed = new Set<string>();
  for (const file of files) {
    for (const use of file.root.descendantsOfType('use_declaration')) {
      if (!isPub(use)) continue;
      for (const w of use.descendantsOfType('use_wildcard')) {
        const segs = w.text.replace(/\s+/g, '').replace(/::\*$/, '').split('::');
        globbed.add(segs[segs.length - 1]!);
      }
      for (const id of use.descendantsOfType('identifier')) reexported.add(id.text);
    }
  }

  const roots = crateRoots(files, settings);
  const visit = (file: SourceFile, isPublic: boolean, isModRs: boolean): void => {
    if (publicFile.has(file)) return;
    publicFile.set(file, isPublic);
    file.walk(file.root, (n) => {
      if (n.type === 'function_item') return false;
      if (['struct_item', 'enum_item', 'union_item', 'type_item'].includes(n.type)) {
        const name = n.childForFieldName('name')?.text;
        if (name && !(isPub(n) && inPublicScope(file, n, isPublic))) privateTypes.add(name);
      }
      if (n.type === 'mod_item' && !n.childForFieldName('body')) {
        const name = n.childForFieldName('name')?.text;
        const target = name ? resolveModFile(file, n, name, isModRs, byPath) : undefined;
        if (target) visit(target, (isPublic && isPub(n) && inPublicScope(file, n, true)) || globbed.has(name!), /(^|[\\/])mod\.rs$/.test(target.path));
      }
      return undefined;
    });
  };
  for (const root of roots) visit(root, true, true);
  // Files no `mod` reaches (bins, examples, tests, or a tree we only partly see) are their own roots.
  for (const f of files) if (!publicFile.has(f)) visit(f, true, true);

  return (fn) => {
    const nameMatches = reexported.has(fn.name);
    if (fn.implType && privateTypes.has(fn.implType) && !reexported.has(fn.implType)) return false;
    if (fn.inTrait && fn.implType) {
      // A trait's items share the trait's visibility.
      const trait = ancestorOfType(fn.file, fn.node, 'trait_item');
      return !!trait && isPub(trait) && inPublicScope(fn.file, trait, publicFile.get(fn.file) ?? true);
    }
    if (!isPub(fn.node)) return false;
    return inPublicScope(fn.file, fn.node, publicFile.get(fn.file) ?? true) || nameMatches;
  };
}

function isPub(item: Node): boolean {
  const vis = item.namedChildren.find((c) => c.type === 'visibility_modifier');
  return !!vis && vis.text.replace(/\s+/g, '') === 'pub';
}

/** Are all inline `mod` blocks around `node` public (and the file itself, per `fileIsPublic`)? */
function inPublicScope(file: SourceFile, node: Node, fileIsPublic: boolean): boolean {
  if (!fileIsPublic) return false;
  for (const a of file.ancestors(node)) {
    if (a.type === 'mod_item' && !isPub(a)) return false;
    if (a.type === 'function_item') return false;
  }
  return true;
}

function ancestorOfType(file: SourceFile, node: Node, type: string): Node | undefined {
  for (const a of file.ancestors(node)) if (a.type === type) return a;
  return undefined;
}

function crateRoots(files: SourceFile[], settings: CrateSettings): SourceFile[] {
  const names = new Set([settings.libRoot, ...files.filter((f) => /[\\/]src[\\/](lib|main)\.rs$/.test(f.path)).map((f) => f.path)]);
  return files.filter((f) => names.has(f.path));
}

function resolveModFile(
  file: SourceFile,
  mod: Node,
  name: string,
  isModRs: boolean,
  byPath: Map<string, SourceFile>,
): SourceFile | undefined {
  const dir = path.dirname(file.path);
  const explicit = leadingAttributes(mod).find((a) => a.name === 'path');
  if (explicit) {
    const rel = explicit.args.replace(/^"|"$/g, '');
    return byPath.get(path.resolve(dir, rel));
  }
  // Inline `mod a { mod b; }` nests the directory.
  const inline: string[] = [];
  for (const a of file.ancestors(mod)) if (a.type === 'mod_item') inline.unshift(a.childForFieldName('name')?.text ?? '');
  const base = isModRs ? dir : path.join(dir, path.basename(file.path, '.rs'));
  const moduleDir = path.join(base, ...inline);
  return byPath.get(path.join(moduleDir, `${name}.rs`)) ?? byPath.get(path.join(moduleDir, name, 'mod.rs'));
}
