/**
 * What the rules ask about one crate, built once per scan: its files, functions, macros, guards and
 * build settings. Rules query this model instead of re-walking syntax that another part understood.
 */
import type { HeaderFile } from '../c/header.js';
import type { AliasMap } from '../c/rust-types.js';
import { RUST_SCALARS, type CType } from '../c/types.js';
import { leadingAttributes } from './attributes.js';
import type { AnalyzerConfig } from '../config.js';
import type { CrateSettings } from '../crate-unit.js';
import { macroName, type Node, type SourceFile } from '../source.js';
import { collectFunction, isFfiFunction, type FnInfo } from './functions.js';
import type { FunctionLookup } from '../analysis/callees.js';
import { collectAliases, findGuards, type Guards, type UseAlias } from './guards.js';
import { ExpandedSource, MacroExpander, MAX_EXPANSION_DEPTH } from './expand.js';
import { occurrences, reachOf } from './references.js';
import { collectMacro, exportTemplate, type ExportTemplate, type MacroDef } from './macros.js';
import { buildModuleTree, type LazyFile, type ModuleTree } from './visibility.js';
import { sameNode } from '../node-fields.js';
import { answer, FUNCTION_NAMES, namesIn, question, REPR, signatureOf, typeNamePattern, type LeftOutRecord } from '../left-out.js';

export interface CrateModel {
  root: string;
  settings: CrateSettings;
  files: SourceFile[];
  /** Functions written in the crate's files (also inside macro arguments). */
  functions: FnInfo[];
  /**
   * Functions that macro transcribers write, from expanding invocations of the crate's macros that
   * generate `extern` functions (`expanded` is set; see expand.ts). Kept apart from `functions`: rules
   * that speak about source items (clippy's `missing_safety_doc`) judge a macro where it is defined.
   */
  generated: FnInfo[];
  /** Expansions of invocations of the crate's `extern`-fn-generating macros. */
  expansions: ExpandedSource[];
  /** Functions with a C-family `extern` ABI and a body, written or generated: called from C. */
  ffiFunctions: FnInfo[];
  /** Free functions and methods by name, for following calls inside the crate. */
  functionsByName: FunctionLookup;
  macros: Map<string, MacroDef>;
  guards: Guards;
  config: AnalyzerConfig;
  /** C headers that describe the crate's C ABI. */
  headers: HeaderFile[];
  /** Exported FFI functions by the symbol C links against (`export_name` or the fn name). */
  exportsBySymbol: Map<string, FnInfo>;
  /** Functions the crate imports from C (`extern "C" { fn f(); }`), by name. */
  imports: Map<string, { file: SourceFile; node: Node }>;
  /** `type Alias = Target;` items, by name. */
  typeAliases: AliasMap;
  /** Is this function reachable from outside the crate (clippy's "exported")? */
  isExported(fn: FnInfo): boolean;
  /** The crate's modules: exports, and the attributes (`#[doc(hidden)]`, lint levels) that enclose an item across files. */
  modules: ModuleTree;
  /** How many of the files the prefilter left out were parsed after all (a call led into them). */
  laterParsed(): number;
  /**
   * Every file of the crate, parsing those the prefilter left out: for questions no trigger text
   * announces. With `mayHold`, only files whose text matches every one of its patterns (the others are
   * not parsed). The patterns are recorded (see left-out.ts).
   */
  allFiles(mayHold?: readonly RegExp[]): SourceFile[];
  /** What the analysis asked of the files the prefilter left out and nothing parsed; `prefilter` holds the prefilter's own questions. */
  leftOut(prefilter: readonly RegExp[]): LeftOutRecord;
  /** The FFI function whose body contains `node`, if any. */
  enclosingFfiFunction(file: SourceFile, node: Node): FnInfo | undefined;
  /** The expansion of an invocation of one of the crate's `macro_rules!` macros, or null (see expand.ts). */
  expandMacro(file: SourceFile, invocation: Node): SourceFile | null;
}

/**
 * `ffi_fn! { fn name(..) { .. } }`: the `fn` takes the ABI and export of the macro's transcriber.
 * Returns the invocations handled this way, which are not expanded as well.
 */
function applyExportTemplates(functions: FnInfo[], macros: Map<string, MacroDef>, expander: MacroExpander): Set<string> {
  const handled = new Set<string>();
  const templates = new Map<string, ExportTemplate>();
  for (const [name, def] of macros) {
    const t = exportTemplate(def);
    if (t) templates.set(name, t);
  }
  if (templates.size === 0) return handled;
  for (const fn of functions) {
    if (fn.abi !== null) continue;
    // Only a `fn` written directly in the invocation's arguments, not one nested deeper.
    const root = fn.node.parent;
    if (!root || root.type !== 'source_file' || root.tree === fn.file.tree) continue;
    const host = fn.file.parent(root);
    const name = host ? macroName(host) : null;
    const t = name ? templates.get(name) : undefined;
    if (!t) continue;
    fn.abi = t.abi;
    fn.exported = fn.exported || t.exported;
    fn.generatedBy = name!;
    // The transcriber may rewrite the signature (`-> Result<T>` written, `-> T` exported).
    const expansion = expander.expandInvocation(fn.file, host!);
    const written = expansion?.root.descendantsOfType('function_item').filter((f) => f.childForFieldName('name')?.text === fn.name);
    if (expansion && written?.length === 1 && signatureText(written[0]!) !== signatureText(fn.node)) fn.signature = { file: expansion, node: written[0]! };
    handled.add(invocationKey(fn.file, host!));
  }
  return handled;
}

/** A function's parameters and return type as written, spacing aside. */
function signatureText(fn: Node): string {
  const params = fn.childForFieldName('parameters')?.text ?? '';
  const ret = fn.childForFieldName('return_type')?.text ?? '';
  return `${params}->${ret}`.replace(/\s+/g, '');
}

/** The items the model collects (see `collect` in buildCrateModel). */
const ITEM_TYPES = ['function_item', 'function_signature_item', 'macro_definition', 'macro_invocation', 'foreign_mod_item', 'type_item', 'struct_item', 'enum_item', 'use_declaration'];
/** Macro arguments that can hold one of those (an item keyword or another invocation) are read; `println!(..)` is not. */
const MAY_HOLD_ITEMS = /\b(fn|use|type|struct|enum|extern|macro_rules)\b|\w!\s*[({[]/;

/**
 * `bitflags! { #[repr(C)] pub struct Flags: c_int { .. } }` defines `Flags` as a wrapper of the
 * integer type it names (bitflags makes it `#[repr(transparent)]`): as C sees it, that integer.
 */
function bitflagsTypes(invocation: Node): [string, CType][] {
  const out: [string, CType][] = [];
  for (const m of invocation.text.matchAll(/\bstruct\s+(\w+)\s*:\s*((?:\w+\s*::\s*)*(\w+))\s*\{/g)) {
    const scalar = RUST_SCALARS[m[3]!];
    if (scalar) out.push([m[1]!, { kind: 'scalar', scalar, text: m[2]!.replace(/\s+/g, '') }]);
  }
  return out;
}

/** What a `#[repr(..)]` makes a type in the C ABI: the field of a transparent struct, the integer of an enum. */
function reprOf(item: Node): Node | CType | null {
  const repr = leadingAttributes(item).find((a) => a.name === 'repr');
  if (!repr) return null;
  const kinds = repr.args.split(',').map((k) => k.trim());
  if (item.type === 'enum_item') {
    // `#[repr(C, u8)] enum E { A(u32), .. }` is a tagged union, not an integer.
    const fieldless = (item.childForFieldName('body')?.namedChildren ?? []).every((v) => v.type !== 'enum_variant' || !v.childForFieldName('body'));
    if (!fieldless) return null;
    const int = kinds.find((k) => RUST_SCALARS[k] !== undefined);
    return int ? { kind: 'scalar', scalar: RUST_SCALARS[int]!, text: int } : null;
  }
  if (!kinds.includes('transparent')) return null;
  const body = item.childForFieldName('body');
  const fields = body?.type === 'ordered_field_declaration_list'
    ? body.namedChildren.filter((c) => !/^(attribute_item|visibility_modifier|line_comment|block_comment)$/.test(c.type))
    : (body?.namedChildren.filter((c) => c.type === 'field_declaration').map((f) => f.childForFieldName('type')).filter((t): t is Node => t !== null) ?? []);
  const real = fields.filter((t) => !/PhantomData/.test(t.text));
  return real.length === 1 ? real[0]! : null;
}

/**
 * Files the prefilter did not parse (see prefilter.ts): no rule looks inside them, but an analysis may
 * follow a call into a function they define, and the module tree may resolve a path through them. `parse` returns
 * null for a file that cannot be used (it reports why).
 */
export interface LaterFiles {
  sources: { path: string; text: string }[];
  parse(source: { path: string; text: string }): SourceFile | null;
}

export function buildCrateModel(root: string, settings: CrateSettings, files: SourceFile[], config: AnalyzerConfig, headers: HeaderFile[] = [], later?: LaterFiles): CrateModel {
  const functions: FnInfo[] = [];
  const generated: FnInfo[] = [];
  const imports = new Map<string, { file: SourceFile; node: Node }>();
  const typeAliases = new AliasIndex();
  const macros = new Map<string, MacroDef>();
  const aliases: UseAlias[] = [];
  const invocations: { file: SourceFile; node: Node; depth: number }[] = [];
  /**
   * What the model takes from a file's items; `depth` counts the expansions a file is nested in.
   * `late`: a file the prefilter left out, parsed because an analysis asked for something it defines.
   */
  const collect = (file: SourceFile, depth: number, into: FnInfo[], late = false): void => {
    const defineType = late ? (name: string, t: Node | CType) => typeAliases.add(name, t) : (name: string, t: Node | CType) => typeAliases.set(name, t);
    for (const n of file.nodesOfTypes(ITEM_TYPES, MAY_HOLD_ITEMS)) {
      if (n.type === 'function_item' || (n.type === 'function_signature_item' && n.parent?.parent?.type === 'trait_item')) {
        const fn = collectFunction(file, n);
        if (fn) into.push(fn);
      } else if (n.type === 'macro_definition') {
        // Macros that expansions define are not collected: their invocations are not expanded.
        const m = depth === 0 ? collectMacro(file, n) : null;
        if (m && !macros.has(m.name)) macros.set(m.name, m);
        continue;
      } else if (n.type === 'macro_invocation') {
        if (depth < MAX_EXPANSION_DEPTH) invocations.push({ file, node: n, depth });
        if (macroName(n) === 'bitflags') for (const [name, int] of bitflagsTypes(n)) defineType(name, int);
      } else if (n.type === 'foreign_mod_item') {
        for (const sig of n.descendantsOfType('function_signature_item')) {
          const name = sig.childForFieldName('name');
          if (name) imports.set(name.text, { file, node: sig });
        }
        continue;
      } else if (n.type === 'type_item') {
        const name = n.childForFieldName('name')?.text;
        const target = n.childForFieldName('type');
        // Lifetime parameters do not change the ABI; type parameters would need substitution.
        const params = n.childForFieldName('type_parameters')?.namedChildren ?? [];
        if (name && target && params.every((p) => p.type === 'lifetime' || p.type === 'lifetime_parameter')) defineType(name, target);
      } else if (n.type === 'struct_item' || n.type === 'enum_item') {
        // Reading an item's attributes walks its siblings: not in a file that never says `repr(`.
        if (!file.says(REPR)) continue;
        const name = n.childForFieldName('name')?.text;
        const repr = reprOf(n);
        if (name && repr) defineType(name, repr);
      } else if (n.type === 'use_declaration') {
        aliases.push(...collectAliases(file, n));
        continue;
      }
    }
  };
  for (const file of files) collect(file, 0, functions);
  const expander = new MacroExpander(macros);
  const handled = applyExportTemplates(functions, macros, expander);
  const expansions = expandGenerators(invocations, handled, expander, (src, depth) => {
    const start = generated.length;
    collect(src, depth, generated);
    for (const fn of generated.slice(start)) {
      fn.generatedBy = src.macro;
      fn.expanded = true;
    }
  });
  const written = functions;
  const all = [...written, ...generated];
  const functionsByName = new FunctionIndex();
  for (const fn of all) functionsByName.add(fn);
  // A left-out file's functions join the index when it is parsed (callees are looked up, not run as FFI
  // functions; its macro invocations are not expanded: the prefilter parsed every file invoking a crate macro).
  const laterFiles = new LaterParse(later, (file) => {
    const found: FnInfo[] = [];
    collect(file, MAX_EXPANSION_DEPTH, found, true);
    for (const fn of found) functionsByName.add(fn);
  });
  functionsByName.later = laterFiles;
  typeAliases.later = laterFiles;
  // `map_enum!(map_level, ..)` at item level writes a helper `fn map_level`: expanded when a call first
  // asks for a name its invocation mentions (or its macro writes), so calls follow into it.
  const helperWriters = invocations.filter(({ file, node }) => {
    const name = macroName(node);
    return !!name && expander.fnWriters.has(name) && !expander.generators.has(name) && inItemPosition(node) && !handled.has(invocationKey(file, node));
  });
  if (helperWriters.length > 0) {
    functionsByName.macroHelpers = new MacroHelpers(helperWriters, macros, expander, (src, depth) => {
      const found: FnInfo[] = [];
      collect(src, depth, found, true);
      for (const fn of found) {
        fn.generatedBy = src.macro;
        fn.expanded = true;
        functionsByName.add(fn);
      }
    });
  }
  // A non-exported `extern` function is called from C only if the crate hands it to C (anywhere: the
  // left-out files that name it are parsed to see how).
  const unexported = all.filter((fn) => fn.body && !fn.exported && isFfiFunction(fn));
  const names = [...new Set(unexported.map((fn) => fn.name))];
  const named = names.length === 0 ? new Map() : occurrences(names, [...files, ...expansions, ...laterFiles.mentioning(names)]);
  for (const fn of unexported) {
    const reach = reachOf(fn, named.get(fn.name) ?? []);
    if (reach.kind !== 'c') fn.reach = reach;
  }
  const ffiFunctions = all.filter((f) => f.body && isFfiFunction(f));
  const exportsBySymbol = new Map<string, FnInfo>();
  for (const fn of ffiFunctions) {
    if (!fn.exported) continue;
    const exportName = fn.attributes.find((a) => a.name === 'export_name');
    const symbol = exportName ? exportName.args.replace(/^\s*=?\s*"|"\s*$/g, '') : fn.name;
    if (!exportsBySymbol.has(symbol)) exportsBySymbol.set(symbol, fn);
  }
  const guards = findGuards(all, [...macros.values()], aliases, settings.dependencyBoundaries ? { ...config, panicBoundaries: [...config.panicBoundaries, ...settings.dependencyBoundaries] } : config);
  // Built when a rule first asks about visibility or enclosing attributes; a left-out file is parsed
  // only if a path is resolved through it.
  let moduleTree: ModuleTree | undefined;
  const tree = (): ModuleTree => (moduleTree ??= buildModuleTree(files, settings, laterFiles.lazy()));
  const modules: ModuleTree = {
    isExported: (fn) => tree().isExported(fn),
    attributeScopes: (file, node) => tree().attributeScopes(file, node),
  };
  const byFile = new Map<SourceFile, FnInfo[]>();
  for (const fn of ffiFunctions) {
    const list = byFile.get(fn.file);
    if (list) list.push(fn);
    else byFile.set(fn.file, [fn]);
  }

  return {
    root,
    settings,
    files,
    functions: written,
    generated,
    expansions,
    ffiFunctions,
    functionsByName,
    macros,
    guards,
    config,
    headers,
    exportsBySymbol,
    imports,
    typeAliases,
    // The module tree knows written items only; generated functions are judged at their macro.
    // Only a `pub` item, or an item of a trait (which shares the trait's visibility), can be: the
    // module tree, which reads every file with a `mod` or `pub use`, is not built to say no to the others.
    isExported: (fn) => !fn.expanded && (fn.visibility === 'pub' || fn.inTrait) && modules.isExported(fn),
    modules,
    laterParsed: () => laterFiles.parsedCount,
    allFiles: (mayHold) => [...(mayHold ? files.filter((f) => mayHold.every((p) => p.test(f.text))) : files), ...laterFiles.all(mayHold)],
    leftOut: (prefilter) => laterFiles.record(prefilter),
    expandMacro: (file, invocation) => expander.expandInvocation(file, invocation),
    enclosingFfiFunction(file, node) {
      // The innermost FFI function whose body contains the node (nested fns are their own functions).
      let best: FnInfo | undefined;
      for (const fn of byFile.get(file) ?? []) {
        if (fn.body && file.contains(fn.body, node) && (!best || file.contains(best.body!, fn.body))) best = fn;
      }
      if (!best) return undefined;
      for (const a of file.ancestors(node)) {
        if (a.type === 'function_item') return sameNode(a, best.node) ? best : undefined;
      }
      return undefined;
    },
  };
}

/** Parses the prefilter's left-out files on demand, each once. */
class LaterParse {
  private readonly parsed = new Map<string, SourceFile | null>();
  /** The text questions asked of every left-out file (see left-out.ts), by source and flags. */
  private readonly asked = new Map<string, RegExp>();
  /** Left-out files by the names of the functions they (textually) define. */
  readonly byFunctionName = new Map<string, { path: string; text: string }[]>();
  /** Left-out files by the names of the `type` aliases (and, in files that say `repr(` or `bitflags!`, structs and enums) they may define. */
  readonly byTypeName = new Map<string, { path: string; text: string }[]>();
  /** The function and type names each left-out file was indexed by (for `record`). */
  private readonly names = new Map<string, { functions: string[]; types: string[] }>();

  constructor(
    private readonly later: LaterFiles | undefined,
    /** Takes in the functions of a newly parsed file. */
    private readonly collect: (file: SourceFile) => void,
  ) {
    for (const src of later?.sources ?? []) {
      const functions = namesIn(src.text, FUNCTION_NAMES);
      const types = namesIn(src.text, typeNamePattern(src.text));
      index(this.byFunctionName, src, functions);
      index(this.byTypeName, src, types);
      this.names.set(src.path, { functions, types });
    }
  }

  /** Records a question about the text of left-out files, and returns it ready to ask. */
  ask(pattern: RegExp): RegExp {
    const q = question(pattern);
    const key = `${q.source}/${q.flags}`;
    const known = this.asked.get(key);
    if (known) return known;
    this.asked.set(key, q);
    return q;
  }

  /** The questions asked (after `prefilter`'s), and the signature of each left-out file nothing parsed. */
  record(prefilter: readonly RegExp[]): LeftOutRecord {
    const questions = [...prefilter.map(question), ...this.asked.values()];
    const files: Record<string, string> = {};
    for (const src of this.later?.sources ?? []) {
      if (this.parsed.has(src.path)) continue;
      const { functions, types } = this.names.get(src.path)!;
      files[src.path] = signatureOf(
        questions.map((q) => answer(q, src)),
        functions,
        types,
      );
    }
    return { questions: questions.map((q) => [q.source, q.flags]), files };
  }

  /** Parses `src` and collects its functions, if that was not done yet. */
  load(src: { path: string; text: string }): void {
    if (this.parsed.has(src.path)) return;
    const file = this.later!.parse(src);
    this.parsed.set(src.path, file);
    if (file) this.collect(file);
  }

  get parsedCount(): number {
    return this.parsed.size;
  }

  /** The left-out files whose text names one of `names`, parsed. */
  mentioning(names: readonly string[]): SourceFile[] {
    if (names.length === 0 || !this.later) return [];
    const word = this.ask(new RegExp(`(?<![\\w$])(${names.join('|')})(?![\\w$])`));
    const out: SourceFile[] = [];
    for (const src of this.later?.sources ?? []) {
      if (!answer(word, src)) continue;
      this.load(src);
      const file = this.parsed.get(src.path);
      if (file) out.push(file);
    }
    return out;
  }

  /** Every left-out file, to be parsed only when its `load` is called. */
  lazy(): LazyFile[] {
    return (this.later?.sources ?? []).map((src) => ({
      path: src.path,
      load: () => {
        this.load(src);
        return this.parsed.get(src.path) ?? null;
      },
    }));
  }

  /** Every left-out file (with `mayHold`, those whose text matches all its patterns), parsed. */
  all(mayHold?: readonly RegExp[]): SourceFile[] {
    const out: SourceFile[] = [];
    const patterns = mayHold?.map((p) => this.ask(p));
    for (const src of this.later?.sources ?? []) {
      if (patterns && !patterns.every((p) => answer(p, src))) continue;
      this.load(src);
      const file = this.parsed.get(src.path);
      if (file) out.push(file);
    }
    return out;
  }
}

/** Adds `src` to the list of each of `names`. */
function index<T>(into: Map<string, T[]>, src: T, names: readonly string[]): void {
  for (const name of names) {
    const list = into.get(name);
    if (!list) into.set(name, [src]);
    else if (list[list.length - 1] !== src) list.push(src);
  }
}

/**
 * `type` aliases and `#[repr]` types by name (what header comparison maps a Rust type through).
 * Asking for a name that a left-out file may define parses that file first: the comparison asks only
 * for the types FFI signatures name, so the prefilter need not parse every file with a `type` item.
 * A definition from such a file does not replace one already known (two types of one name in one
 * crate are ambiguous anyway; this keeps the answer independent of the order of questions).
 */
class AliasIndex extends Map<string, Node | CType> {
  later?: LaterParse;

  /** A definition from a left-out file parsed on demand. */
  add(name: string, type: Node | CType): void {
    if (!super.has(name)) super.set(name, type);
  }

  override get(name: string): Node | CType | undefined {
    const pending = super.has(name) ? undefined : this.later?.byTypeName.get(name);
    if (pending) {
      this.later!.byTypeName.delete(name);
      for (const src of pending) this.later!.load(src);
    }
    return super.get(name);
  }
}

/**
 * Functions by name. Asking for a name that a left-out file defines parses that file first, so a
 * lookup sees every definition in the crate, as callee resolution (which wants exactly one) needs.
 */
/**
 * Item-level invocations of crate macros that write ordinary functions (not `extern` ones, which are
 * expanded up front): each is expanded the first time a lookup asks for a name it may define, a word
 * of its arguments or a name its macro's transcriber writes literally.
 */
class MacroHelpers {
  private readonly byName = new Map<string, { file: SourceFile; node: Node; depth: number }[]>();
  private readonly done = new Set<string>();

  constructor(
    invocations: { file: SourceFile; node: Node; depth: number }[],
    macros: ReadonlyMap<string, MacroDef>,
    private readonly expander: MacroExpander,
    private readonly collect: (src: ExpandedSource, depth: number) => void,
  ) {
    const literal = new Map<string, string[]>();
    for (const inv of invocations) {
      const macro = macroName(inv.node)!;
      if (!literal.has(macro)) literal.set(macro, [...(macros.get(macro)?.node.text ?? '').matchAll(/\bfn\s+([A-Za-z_]\w*)/g)].map((m) => m[1]!));
      const args = inv.node.namedChildren.find((c) => c.type === 'token_tree')?.text ?? '';
      for (const name of new Set([...literal.get(macro)!, ...(args.match(/[A-Za-z_]\w*/g) ?? [])])) {
        const list = this.byName.get(name);
        if (list) list.push(inv);
        else this.byName.set(name, [inv]);
      }
    }
  }

  /** Expands (once) every invocation that may define `name`. */
  load(name: string): void {
    const pending = this.byName.get(name);
    if (!pending) return;
    this.byName.delete(name);
    for (const { file, node, depth } of pending) {
      const key = invocationKey(file, node);
      if (this.done.has(key)) continue;
      this.done.add(key);
      const src = this.expander.expandInvocation(file, node);
      if (src) this.collect(src, depth + 1);
    }
  }
}

class FunctionIndex extends Map<string, FnInfo[]> implements FunctionLookup {
  later?: LaterParse;
  macroHelpers?: MacroHelpers;
  /** `name type` pairs whose impl files `inImplOf` has parsed. */
  private readonly implsLoaded = new Set<string>();

  add(fn: FnInfo): void {
    const list = super.get(fn.name);
    if (list) list.push(fn);
    else super.set(fn.name, [fn]);
  }

  /**
   * The functions named `name`, of which those an `impl` or `trait` of `type` holds are all there:
   * of the left-out files defining `name`, only those whose text has such an item are parsed (a call
   * of `Box::new` does not parse every file with a `fn new`). The others are parsed when a question
   * needs them.
   */
  inImplOf(name: string, type: string): FnInfo[] | undefined {
    this.macroHelpers?.load(name);
    const pending = this.later?.byFunctionName.get(name);
    if (!pending || !/^[A-Za-z_]\w*$/.test(type)) return this.get(name);
    const key = `${name} ${type}`;
    if (!this.implsLoaded.has(key)) {
      this.implsLoaded.add(key);
      // `impl<T> Trait for Type<T> {`, `trait Type {`: the type's name comes before the item's `{`
      // (a block in the generics before it, `impl Trait<{ N }> for Type`, is not looked through).
      const holds = this.later!.ask(new RegExp(`\\b(?:impl|trait)\\b[^;{]*?\\b${type}\\b`));
      const now = pending.filter((src) => answer(holds, src));
      if (now.length === pending.length) return this.get(name);
      if (now.length > 0) this.later!.byFunctionName.set(name, pending.filter((src) => !now.includes(src)));
      for (const src of now) this.later!.load(src);
    }
    return super.get(name);
  }

  override get(name: string): FnInfo[] | undefined {
    this.macroHelpers?.load(name);
    const pending = this.later?.byFunctionName.get(name);
    if (pending) {
      this.later!.byFunctionName.delete(name);
      for (const src of pending) this.later!.load(src);
    }
    return super.get(name);
  }
}

/**
 * Expands each invocation of a macro that generates `extern` functions (once; nested invocations found
 * in an expansion are queued by `collect` up to MAX_EXPANSION_DEPTH) and hands every expansion to
 * `collect`. Invocations an `ffi_fn!`-style export template already handled are left alone.
 */
function expandGenerators(
  queue: { file: SourceFile; node: Node; depth: number }[],
  handled: ReadonlySet<string>,
  expander: MacroExpander,
  collect: (src: ExpandedSource, depth: number) => void,
): ExpandedSource[] {
  const out: ExpandedSource[] = [];
  if (expander.generators.size === 0) return out;
  for (let i = 0; i < queue.length; i++) {
    const { file, node, depth } = queue[i]!;
    const name = macroName(node);
    if (!name || !expander.generators.has(name) || handled.has(invocationKey(file, node))) continue;
    const src = expander.expand(file, node);
    if (!src) continue;
    out.push(src);
    collect(src, depth + 1);
  }
  return out;
}

/** Does the invocation stand for items: at file level, or in a `mod`, `impl` or `trait` body (`m!(..);` too)? */
function inItemPosition(invocation: Node): boolean {
  const up = invocation.parent?.type === 'expression_statement' ? invocation.parent.parent : invocation.parent;
  return up?.type === 'source_file' || up?.type === 'declaration_list';
}

const invocationKey = (file: SourceFile, node: Node): string => `${file.path}\0${node.startIndex}\0${node.endIndex}`;
