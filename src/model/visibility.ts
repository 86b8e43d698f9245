/**
 * Which items can be named from outside the crate, the way rustc's "effective visibility" (and so
 * clippy's `missing_safety_doc`) sees it. The crate's module tree is rebuilt from `mod` items (files
 * found like rustc does: `x.rs`, `x/mod.rs`, `#[path = ".."]`), then exports spread from the crate
 * root: a `pub` item of an exported module is exported, and so is whatever a `pub use` in an exported
 * module names (following `use` chains, renames and globs). A method of an inherent `impl` is exported
 * when it is `pub` and its self type is exported, wherever the `impl` block sits; a trait's methods
 * share the trait's visibility.
 */
import path from 'node:path';
import type { CrateSettings } from '../crate-unit.js';
import type { Node, SourceFile } from '../source.js';
import { cfgDisabled, innerAttributes, leadingAttributes, readAttribute, type Attribute } from './attributes.js';
import type { FnInfo } from './functions.js';

export interface ModuleTree {
  /** Is this function reachable from outside the crate (clippy's "exported")? */
  isExported(fn: FnInfo): boolean;
  /**
   * The attribute lists that apply to `node`, outermost first: the crate root's `#![..]`, each
   * enclosing module's (its `mod` item's attributes and its own `#![..]`, across files), each
   * enclosing `impl`/`trait`/`mod` block's, and last the node's own.
   */
  attributeScopes(file: SourceFile, node: Node): Attribute[][];
}

type Kind = 'mod' | 'fn' | 'type' | 'alias' | 'trait';

interface Entity {
  kind: Kind;
  name: string;
  node: Node | null;
  module: Module;
  pub: boolean;
  /** Switched off by `#[cfg(test)]` or similar: not compiled in a normal build. */
  off: boolean;
  /** For `mod` entities, the module itself. */
  target?: Module;
}

interface Use {
  module: Module;
  path: string[];
  /** The name it binds (alias or last segment); null for a glob. */
  name: string | null;
  pub: boolean;
  off: boolean;
}

interface Module {
  /** The file the module is in; for a lazy file module, set when its file is read. */
  file: SourceFile;
  /**
   * The module is in a file the prefilter left out (see LazyFile): its items are read only when a
   * path is resolved through it, and its items' exports are derived (see `isEntityExported`) rather
   * than spread by `exportModule`. Such a file has no `pub use` and no `mod x;` (either would have
   * made the prefilter keep it), so deriving them gives what spreading would.
   */
  lazy: boolean;
  /** The `mod` item (`mod x;` or `mod x { .. }`); null for a crate root. */
  decl: { file: SourceFile; node: Node } | null;
  parent: Module | null;
  self: Entity;
  items: Map<string, Entity[]>;
  uses: Use[];
}

const TYPE_KINDS: Record<string, Kind> = {
  function_item: 'fn',
  struct_item: 'type',
  enum_item: 'type',
  union_item: 'type',
  type_item: 'alias',
  trait_item: 'trait',
};

const ITEMS_WITHOUT_NAME = new Set(['impl_item', 'use_declaration', 'mod_item']);
/** Items whose insides are never module scope (a `fn` in a `const _: () = { .. }` block is not exported). */
const OTHER_ITEMS = new Set(['const_item', 'static_item', 'macro_definition', 'foreign_mod_item', 'extern_crate_declaration', 'function_signature_item', 'associated_type']);

const key = (file: SourceFile, node: Node): string => `${file.path}\0${node.startIndex}\0${node.endIndex}\0${node.type}`;

/** A file the prefilter left out: parsed only if the module tree must look inside it (null: it cannot be). */
export interface LazyFile {
  path: string;
  load(): SourceFile | null;
}

export function buildModuleTree(files: SourceFile[], settings: CrateSettings, lazyFiles: readonly LazyFile[] = []): ModuleTree {
  const byPath = new Map<string, SourceFile | LazyFile>([...files.map((f) => [f.path, f] as const), ...lazyFiles.map((f) => [f.path, f] as const)]);
  /** Modules by the path of the file they are (for file modules). */
  const fileModule = new Map<string, Module>();
  const entityByNode = new Map<string, Entity>();
  /** `impl` blocks at module level → the module they are in. */
  const implModule = new Map<string, Module>();

  const newModule = (file: SourceFile, name: string, decl: Module['decl'], parent: Module | null, pub: boolean, off: boolean, lazy = parent?.lazy ?? false): Module => {
    const m = { file, lazy, decl, parent, items: new Map(), uses: [] } as unknown as Module;
    m.self = { kind: 'mod', name, node: decl?.node ?? null, module: parent ?? m, pub, off, target: m };
    return m;
  };
  const addEntity = (m: Module, e: Entity): void => {
    const list = m.items.get(e.name);
    if (list) list.push(e);
    else m.items.set(e.name, [e]);
  };

  const scan = (m: Module, file: SourceFile, container: Node, isModRs: boolean, off: boolean): void => {
    scanSiblings(m, file, container.namedChildren, isModRs, off);
  };
  /**
   * Items among sibling nodes, with the attributes in front of each collected on the way (asking each
   * node for its previous siblings costs a native call per step). Returns the nodes that are no items.
   */
  const scanSiblings = (m: Module, file: SourceFile, nodes: Node[], isModRs: boolean, off: boolean): Node[] => {
    const rest: Node[] = [];
    let attrs: Node[] = [];
    for (const c of nodes) {
      if (c.type === 'attribute_item') attrs.push(c);
      else if (c.type !== 'line_comment' && c.type !== 'block_comment') {
        if (!scanItem(m, file, c, attrs, isModRs, off)) rest.push(c);
        attrs = [];
      }
    }
    return rest;
  };
  /** One child of a module body; false if it is no item (then a macro body is searched below it). */
  const scanItem = (m: Module, file: SourceFile, c: Node, attrNodes: Node[], isModRs: boolean, off: boolean): boolean => {
    const kind = TYPE_KINDS[c.type];
    if (c.type === 'macro_invocation') {
      // Items a module-level macro is given (`cfg_if! { .. }`, wrappers that re-emit their input).
      const root = file.expansion(c);
      if (root) scanTransparent(m, file, root, isModRs, off);
      return true;
    }
    if (OTHER_ITEMS.has(c.type)) return true;
    if (!kind && !ITEMS_WITHOUT_NAME.has(c.type)) return false;
    const itemOff = off || (attrNodes.length > 0 && cfgDisabled(attrNodes.map(readAttribute).filter((a): a is Attribute => a !== null)));
    const pub = isPub(c, file.text);
    if (kind) {
      const name = identifier(c.childForFieldName('name'));
      if (!name) return true;
      const e: Entity = { kind, name, node: c, module: m, pub, off: itemOff };
      addEntity(m, e);
      entityByNode.set(key(file, c), e);
    } else if (c.type === 'impl_item') {
      implModule.set(key(file, c), m);
    } else if (c.type === 'use_declaration') {
      const arg = c.childForFieldName('argument');
      if (arg) for (const u of flattenUse(arg, [])) m.uses.push({ module: m, ...u, pub, off: itemOff });
    } else if (c.type === 'mod_item') {
      const name = identifier(c.childForFieldName('name'));
      if (!name) return true;
      const body = c.childForFieldName('body');
      if (body) {
        const child = newModule(file, name, { file, node: c }, m, pub, itemOff);
        addEntity(m, child.self);
        entityByNode.set(key(file, c), child.self);
        scan(child, file, body, isModRs, itemOff);
        return true;
      }
      const target = resolveModFile(file, c, name, isModRs, byPath);
      if (!target || fileModule.has(target.path)) return true;
      const child = fileModuleOf(target, name, { file, node: c }, m, pub, itemOff, /(^|[\\/])mod\.rs$/.test(target.path));
      addEntity(m, child.self);
      entityByNode.set(key(file, c), child.self);
    }
    return true;
  };
  /** The module a file is: read now, or (a file the prefilter left out) when a lookup first needs its items. */
  const fileModuleOf = (f: SourceFile | LazyFile, name: string, decl: Module['decl'], parent: Module | null, pub: boolean, off: boolean, isModRs: boolean): Module => {
    if (!isLazy(f)) {
      const m = newModule(f, name, decl, parent, pub, off);
      fileModule.set(f.path, m);
      scan(m, f, f.root, isModRs, off);
      return m;
    }
    const m = newModule(null as unknown as SourceFile, name, decl, parent, pub, off, true);
    fileModule.set(f.path, m);
    const { items, uses } = m;
    let loaded = false;
    const load = (): void => {
      if (loaded) return;
      loaded = true;
      const file = f.load();
      if (!file) return;
      m.file = file;
      scan(m, file, file.root, isModRs, off);
    };
    Object.defineProperty(m, 'items', { get: () => (load(), items) });
    Object.defineProperty(m, 'uses', { get: () => (load(), uses) });
    return m;
  };
  /** Items anywhere in a macro's parsed arguments (`cfg_if!` puts them inside blocks), not inside other items. */
  const scanTransparent = (m: Module, file: SourceFile, root: Node, isModRs: boolean, off: boolean): void => {
    const stack = [root];
    while (stack.length) stack.push(...scanSiblings(m, file, stack.pop()!.namedChildren, isModRs, off));
  };

  const roots: Module[] = [];
  const addRoot = (f: SourceFile | LazyFile): void => {
    roots.push(fileModuleOf(f, path.basename(f.path, '.rs'), null, null, true, false, true));
  };
  const all = [...byPath.values()];
  for (const f of crateRoots(all, settings)) if (!fileModule.has(f.path)) addRoot(f);
  // Files no `mod` reaches (bins, examples, tests, or a tree we only partly see) are their own roots;
  // shallow files first, so a root claims its module files before they could become roots themselves.
  const depth = (f: { path: string }): number => f.path.split(/[\\/]/).length;
  for (const f of all.sort((a, b) => depth(a) - depth(b) || a.path.localeCompare(b.path))) if (!fileModule.has(f.path)) addRoot(f);

  const resolver = new Resolver();
  const exported = new Set<Entity>();
  /** Modules whose contents have been exported (the module itself, or a glob re-export of it). */
  const contentsExported = new Set<Module>();
  const exportModule = (m: Module): void => {
    // A lazy module's exports are derived when asked (isEntityExported): it has no `pub use` to follow.
    if (m.lazy) return;
    for (const list of m.items.values()) for (const e of list) if (e.pub && !e.off) exportEntity(e);
    for (const u of m.uses) {
      if (!u.pub || u.off) continue;
      for (const t of resolver.resolve(u.module, u.path)) {
        if (u.name === null) {
          if (t.target) exportEntity(t.target.self, true);
        } else exportEntity(t);
      }
    }
  };
  /** `viaGlob`: only the module's contents are re-exported, not the module itself. */
  const exportEntity = (e: Entity, viaGlob = false): void => {
    if (e.off || (!viaGlob && exported.has(e))) return;
    if (!viaGlob) exported.add(e);
    if (e.target && !contentsExported.has(e.target)) {
      contentsExported.add(e.target);
      exportModule(e.target);
    }
  };
  for (const r of roots) exportEntity(r.self);

  /**
   * What exportModule would have found had it spread into lazy modules: a `pub` item (not switched
   * off) of a module whose contents are exported. A lazy file's own module has its contents marked
   * when its `mod` item is exported; a module written inline in it (the only kind whose parent is
   * lazy too: a lazy file declares no `mod x;`), when it is `pub` and its parent's contents are.
   */
  const contentsOut = (m: Module): boolean =>
    contentsExported.has(m) || (m.lazy && m.parent !== null && m.parent.lazy && m.self.pub && !m.self.off && contentsOut(m.parent));
  const isEntityExported = (e: Entity): boolean => exported.has(e) || (e.module.lazy && e.pub && !e.off && contentsOut(e.module));

  const isTypeExported = (m: Module, type: Node | null, depthLeft = 4): boolean | undefined => {
    const segs = type ? typePath(type) : null;
    if (!segs) return undefined;
    const targets = resolver.resolve(m, segs).filter((t) => t.kind !== 'mod' && t.kind !== 'fn');
    if (!targets.length) return undefined;
    return targets.some((t) => {
      if (t.kind !== 'alias') return isEntityExported(t);
      // `impl Alias { .. }` is an impl on the aliased type: its visibility is that type's.
      return depthLeft > 0 && !!isTypeExported(t.module, t.node?.childForFieldName('type') ?? null, depthLeft - 1);
    });
  };

  const fileScopes = new Map<SourceFile, Attribute[][]>();
  const scopesOfFile = (file: SourceFile): Attribute[][] => {
    let s = fileScopes.get(file);
    if (!s) {
      const m = fileModule.get(file.path);
      s = [...(m?.decl ? attributeScopes(m.decl.file, m.decl.node) : []), innerAttributes(file.root)];
      fileScopes.set(file, s);
    }
    return s;
  };
  const attributeScopes = (file: SourceFile, node: Node): Attribute[][] => {
    const enclosing = [...file.ancestors(node)].filter((a) => ['mod_item', 'impl_item', 'trait_item', 'function_item'].includes(a.type)).reverse();
    const own = (n: Node): Attribute[] => [...leadingAttributes(n), ...(n.childForFieldName('body') && n.type !== 'function_item' ? innerAttributes(n) : [])];
    return [...scopesOfFile(file), ...enclosing.map(own), own(node)];
  };

  return {
    attributeScopes,
    isExported(fn) {
      const e = entityByNode.get(key(fn.file, fn.node));
      if (e) return isEntityExported(e);
      for (const a of fn.file.ancestors(fn.node)) {
        if (a.type === 'impl_item') {
          const m = implModule.get(key(fn.file, a));
          if (!m || a.childForFieldName('trait') || !isPub(fn.node)) return false;
          // A self type we cannot resolve (made by a macro, `dyn Trait`): judge by where the impl sits.
          return isTypeExported(m, a.childForFieldName('type')) ?? isEntityExported(m.self);
        }
        if (a.type === 'trait_item') {
          const t = entityByNode.get(key(fn.file, a));
          return !!t && isEntityExported(t);
        }
        if (a.type === 'function_item' || a.type === 'mod_item') return false;
      }
      return false;
    },
  };
}

/** Resolves `use` paths and type paths inside the crate; paths into other crates resolve to nothing. */
class Resolver {
  private readonly active = new Set<Use>();
  /** Memoised lookups: glob re-exports form DAGs (and cycles) that would otherwise be walked again and again. */
  private readonly cache = new Map<Module, Map<string, Entity[]>>();

  resolve(from: Module, segs: string[]): Entity[] {
    if (!segs.length) return [];
    let cur: Entity[];
    let rest = segs;
    const first = segs[0]!;
    if (first === 'crate' || first === '$crate') {
      let r = from;
      while (r.parent) r = r.parent;
      cur = [r.self];
      rest = segs.slice(1);
    } else if (first === 'self' || first === 'super') {
      let m: Module = from;
      while (rest[0] === 'super' || rest[0] === 'self') {
        if (rest[0] === 'super') m = m.parent ?? m;
        rest = rest.slice(1);
      }
      cur = [m.self];
    } else if (first === '') {
      return [];
    } else {
      cur = this.lookup(from, first);
      if (!cur.length) {
        // Edition 2015 paths start at the crate root.
        let r = from;
        while (r.parent) r = r.parent;
        if (r !== from) cur = this.lookup(r, first);
      }
      rest = segs.slice(1);
    }
    for (const seg of rest) {
      cur = cur.flatMap((e) => (e.target ? this.lookup(e.target, seg) : []));
      if (!cur.length) return [];
    }
    return cur;
  }

  /** What `name` means inside module `m`: its own items, then its imports, then its glob imports. */
  private lookup(m: Module, name: string): Entity[] {
    let byName = this.cache.get(m);
    if (!byName) this.cache.set(m, (byName = new Map()));
    const cached = byName.get(name);
    if (cached) return cached;
    // A lookup that comes back to itself (`use a::*` in b, `use b::*` in a) finds nothing new there.
    byName.set(name, []);
    const found = this.lookupUncached(m, name);
    byName.set(name, found);
    return found;
  }

  private lookupUncached(m: Module, name: string): Entity[] {
    const own = m.items.get(name) ?? [];
    const imported: Entity[] = [];
    for (const u of m.uses) {
      if (u.name !== name || this.active.has(u)) continue;
      this.active.add(u);
      imported.push(...this.resolve(u.module, u.path));
      this.active.delete(u);
    }
    if (own.length || imported.length) return [...own, ...imported];
    for (const u of m.uses) {
      if (u.name !== null || this.active.has(u)) continue;
      this.active.add(u);
      for (const t of this.resolve(u.module, u.path)) if (t.target) imported.push(...this.lookup(t.target, name).filter((e) => e.pub || e.module !== t.target));
      this.active.delete(u);
    }
    return imported;
  }
}

/** The bindings a `use` tree makes: `a::{b, c as d, e::*}` → `a::b` as `b`, `a::c` as `d`, glob `a::e`. */
function flattenUse(node: Node, prefix: string[]): { path: string[]; name: string | null }[] {
  switch (node.type) {
    case 'use_as_clause': {
      const p = node.childForFieldName('path');
      const alias = node.childForFieldName('alias')?.text;
      if (!p || !alias || alias === '_') return [];
      return flattenUse(p, prefix).map((b) => ({ ...b, name: alias }));
    }
    case 'use_list':
      return node.namedChildren.flatMap((c) => flattenUse(c, prefix));
    case 'scoped_use_list': {
      const p = node.childForFieldName('path');
      const list = node.childForFieldName('list');
      return list ? flattenUse(list, [...prefix, ...(p ? segments(p.text) : [''])]) : [];
    }
    case 'use_wildcard': {
      const p = node.namedChildren[0];
      return [{ path: [...prefix, ...(p ? segments(p.text) : [])], name: null }];
    }
    default: {
      const segs = [...prefix, ...segments(node.text)];
      // `a::{self}` binds `a`.
      if (segs[segs.length - 1] === 'self' && segs.length > 1) segs.pop();
      return [{ path: segs, name: segs[segs.length - 1]! }];
    }
  }
}

/** `crate :: a :: B<T>` → `['crate', 'a', 'B']`; a leading `::` gives an empty first segment. */
function segments(text: string): string[] {
  let t = text.replace(/\s+/g, '');
  for (let prev = ''; prev !== t; ) [prev, t] = [t, t.replace(/<[^<>]*>/g, '')];
  return t.split('::').map((s) => s.replace(/^r#/, ''));
}

/** The path of a type written after `impl`, without generics; null for `dyn Trait`, references and the like. */
function typePath(type: Node): string[] | null {
  if (type.type === 'generic_type') {
    const inner = type.childForFieldName('type');
    return inner ? typePath(inner) : null;
  }
  if (type.type === 'type_identifier' || type.type === 'scoped_type_identifier') return segments(type.text);
  return null;
}

function isPub(item: Node, text?: string): boolean {
  // Most items say it in their first characters: no `pub`, or `pub` followed by a keyword. Reading
  // the text there spares building node objects for every child of every item of the crate.
  if (text !== undefined) {
    const head = text.slice(item.startIndex, item.startIndex + 8);
    if (!head.startsWith('pub')) return false;
    if (/^pub\s+\w/.test(head)) return true;
  }
  // The visibility comes first among an item's children (attributes are its siblings).
  const vis = item.firstNamedChild;
  return vis?.type === 'visibility_modifier' && vis.text.replace(/\s+/g, '') === 'pub';
}

function isLazy(f: SourceFile | LazyFile): f is LazyFile {
  return typeof (f as LazyFile).load === 'function';
}

function crateRoots<F extends { path: string }>(files: F[], settings: CrateSettings): F[] {
  const names = new Set([settings.libRoot, ...files.filter((f) => /[\\/]src[\\/](lib|main)\.rs$/.test(f.path)).map((f) => f.path)]);
  return files.filter((f) => names.has(f.path));
}

function resolveModFile(
  file: SourceFile,
  mod: Node,
  name: string,
  isModRs: boolean,
  byPath: Map<string, SourceFile | LazyFile>,
): SourceFile | LazyFile | undefined {
  const dir = path.dirname(file.path);
  const explicit = leadingAttributes(mod).find((a) => a.name === 'path');
  if (explicit) {
    const rel = explicit.args.replace(/^"|"$/g, '');
    return byPath.get(path.resolve(dir, rel));
  }
  // Inline `mod a { mod b; }` nests the directory.
  const inline: string[] = [];
  for (const a of file.ancestors(mod)) if (a.type === 'mod_item') inline.unshift(identifier(a.childForFieldName('name')) ?? '');
  const base = isModRs ? dir : path.join(dir, path.basename(file.path, '.rs'));
  const moduleDir = path.join(base, ...inline);
  return byPath.get(path.join(moduleDir, `${name}.rs`)) ?? byPath.get(path.join(moduleDir, name, 'mod.rs'));
}

/** A name as Rust resolves it: `r#gen` is `gen` (a raw identifier names the file `gen.rs`). */
function identifier(name: Node | null): string | undefined {
  return name?.text.replace(/^r#/, '');
}
