/**
 * One parsed C header: its function prototypes with their types, and the typedefs, structs and
 * enums those types name. Parsed with tree-sitter-c after `neutraliseHeader`, tolerant of the
 * ERROR nodes that unknown macros still leave behind.
 */
import Parser from 'tree-sitter';
import C from 'tree-sitter-c';
import '../tree-sitter-nodes.js';
import type { Span } from '../findings.js';
import { macroDeclaredFunctions } from './macro-declarations.js';
import { decorationMacros, neutraliseHeader } from './neutralise.js';
import { C_SCALARS, type CType } from './types.js';

type Node = Parser.SyntaxNode;

export interface CParam {
  name: string | null;
  type: CType;
  node: Node;
}

export interface CFunction {
  name: string;
  nameNode: Node;
  node: Node;
  params: CParam[];
  ret: CType;
  variadic: boolean;
  /** `static` / `static inline` functions are defined in the header itself. */
  isStatic: boolean;
}

let parser: Parser | undefined;
function cParser(): Parser {
  if (!parser) {
    parser = new Parser();
    parser.setLanguage(C as unknown as Parser.Language);
  }
  return parser;
}

/**
 * What the headers of one crate share: a typedef, struct or export macro is often declared in one
 * header and used in another (`WASM_API_EXTERN` in wasm.h, used by every wasmtime header).
 */
export class HeaderScope {
  readonly typedefs = new Map<string, { node: Node; base: Node; declarator: Node | null; qualifiers: Node[] }>();
  readonly enums = new Set<string>();
  /** Structs and unions defined with a field list somewhere (the others are opaque). */
  readonly completeTypes = new Set<string>();
  readonly decorationMacros = new Set<string>();
}

/** Parses a crate's headers together, so that names declared in one resolve in the others. */
export function parseHeaders(sources: { path: string; text: string }[]): HeaderFile[] {
  const scope = new HeaderScope();
  for (const src of sources) for (const name of decorationMacros(src.text)) scope.decorationMacros.add(name);
  const headers = sources.map((src) => new HeaderFile(src.path, src.text, scope));
  for (const h of headers) h.collectTypes();
  for (const h of headers) h.collectFunctions();
  const viaMacros = macroDeclaredFunctions(sources);
  for (const h of headers) h.macroFunctions = viaMacros.get(h.path) ?? new Map();
  return headers;
}

export class HeaderFile {
  readonly tree: Parser.Tree;
  readonly functions: CFunction[] = [];
  /** Named with `--header`: it describes the crate's C ABI whatever it declares. */
  explicit = false;
  /** Functions declared by expanding a macro call (`WASM_DECLARE_VEC(byte, )`), with the call's line; names only. */
  macroFunctions = new Map<string, number>();
  /** `#include "x.h"` targets found neither beside the header nor among the scanned files (set by the analysis). */
  missingIncludes: { name: string; line: number }[] = [];
  private readonly typedefs: HeaderScope['typedefs'];
  private readonly enums: Set<string>;
  private readonly lines: string[];
  private readonly declarations: Node[] = [];

  constructor(
    readonly path: string,
    readonly text: string,
    private readonly scope: HeaderScope = new HeaderScope(),
  ) {
    const clean = neutraliseHeader(text, scope.decorationMacros);
    this.tree = cParser().parse(clean, null, { bufferSize: Math.max(32 * 1024, clean.length + 1) });
    this.lines = text.split('\n');
    this.typedefs = scope.typedefs;
    this.enums = scope.enums;
  }

  /** Number of places tree-sitter-c could not parse (unknown macros, C++), for a notification. */
  get errorCount(): number {
    return this.tree.rootNode.hasError ? this.tree.rootNode.descendantsOfType('ERROR').length : 0;
  }

  /** `#include "name"` directives (quoted: the project's own headers), with their 1-based lines. */
  quotedIncludes(): { name: string; line: number }[] {
    const out: { name: string; line: number }[] = [];
    this.lines.forEach((l, i) => {
      const m = /^\s*#\s*include\s*"([^"]+)"/.exec(l);
      if (m) out.push({ name: m[1]!, line: i + 1 });
    });
    return out;
  }

  lineText(row: number): string {
    return (this.lines[row] ?? '').replace(/\r$/, '');
  }

  get lineCount(): number {
    return this.lines.length;
  }

  span(node: Node, endNode: Node = node): Span {
    return { file: this.path, startLine: node.startPosition.row + 1, startColumn: node.startPosition.column + 1, endLine: endNode.endPosition.row + 1, endColumn: endNode.endPosition.column + 1 };
  }

  /** First pass over every header of the crate: typedefs, enums, complete structs. */
  collectTypes(): void {
    const visit = (n: Node): void => {
      for (const c of n.namedChildren) {
        if (c.type === 'type_definition') this.addTypedef(c);
        else if (c.type === 'declaration') {
          this.declarations.push(c);
          for (const t of c.namedChildren) if (/^(enum|struct|union)_specifier$/.test(t.type)) this.addTag(t);
        } else if (/^(enum|struct|union)_specifier$/.test(c.type)) this.addTag(c);
        if (/^(preproc_|linkage_specification|declaration_list|translation_unit)/.test(c.type) || c.type === 'ERROR' || c.type === 'expression_statement') visit(c);
      }
    };
    visit(this.tree.rootNode);
  }

  /** Second pass, once every header's types are known: the function prototypes. */
  collectFunctions(): void {
    for (const d of this.declarations) {
      const fn = this.readFunction(d);
      if (fn) this.functions.push(fn);
    }
  }

  private addTag(n: Node): void {
    const name = n.childForFieldName('name')?.text;
    if (!name) return;
    if (n.type === 'enum_specifier') this.enums.add(name);
    else if (n.childForFieldName('body')) this.scope.completeTypes.add(name);
  }

  private addTypedef(n: Node): void {
    const base = n.childForFieldName('type');
    if (!base) return;
    if (/^(enum|struct|union)_specifier$/.test(base.type)) this.addTag(base);
    const qualifiers = n.namedChildren.filter((c) => c.type === 'type_qualifier');
    for (const d of n.childrenForFieldName('declarator')) {
      const name = declaratorName(d);
      if (!name) continue;
      this.typedefs.set(name, { node: n, base, declarator: d.type === 'type_identifier' ? null : d, qualifiers });
      // `typedef struct { .. } point_t;` defines a complete type named by the typedef.
      if (base.childForFieldName('body') && /^(struct|union)_specifier$/.test(base.type)) this.scope.completeTypes.add(name);
    }
  }

  private readFunction(decl: Node): CFunction | null {
    const base = decl.childForFieldName('type');
    const declarator = decl.childForFieldName('declarator');
    if (!base || !declarator) return null;
    // Find the function declarator whose own declarator is the name (not `(*name)(..)`: a variable).
    let d: Node | null = declarator;
    let pointers = 0;
    const pointerConst: boolean[] = [];
    while (d && d.type === 'pointer_declarator') {
      pointers++;
      pointerConst.push(d.namedChildren.some((c) => c.type === 'type_qualifier' && c.text === 'const'));
      d = d.childForFieldName('declarator');
    }
    if (!d || d.type !== 'function_declarator') return null;
    const nameNode = d.childForFieldName('declarator');
    if (!nameNode || nameNode.type !== 'identifier') return null;
    const isConst = decl.namedChildren.some((c) => c.type === 'type_qualifier' && c.text === 'const');
    let ret = this.baseType(base, isConst);
    for (let i = 0; i < pointers; i++) ret = { kind: 'pointer', to: ret, const: i === 0 ? isConst : pointerConst[i - 1]!, text: `${ret.text} *` };
    const { params, variadic } = this.readParams(d.childForFieldName('parameters'));
    return {
      name: nameNode.text,
      nameNode,
      node: decl,
      params,
      ret: fixText(ret, decl, base, d),
      variadic,
      isStatic: decl.namedChildren.some((c) => c.type === 'storage_class_specifier' && c.text === 'static'),
    };
  }

  private readParams(list: Node | null): { params: CParam[]; variadic: boolean } {
    const params: CParam[] = [];
    let variadic = false;
    for (const p of list?.namedChildren ?? []) {
      if (p.type === 'variadic_parameter') variadic = true;
      if (p.type !== 'parameter_declaration') continue;
      const base = p.childForFieldName('type');
      if (!base) continue;
      const isConst = p.namedChildren.some((c) => c.type === 'type_qualifier' && c.text === 'const');
      const decl = p.childForFieldName('declarator');
      const { name, type } = this.applyDeclarator(this.baseType(base, isConst), decl);
      if (type.kind === 'void' && !decl) continue; // `f(void)`
      params.push({ name, type: { ...type, text: p.text.replace(/\s+/g, ' ').replace(new RegExp(`\\s*\\b${name ?? '\\0'}\\b\\s*(?=$|\\)|\\[)`), '').trim() } as CType, node: p });
    }
    return { params, variadic };
  }

  /** Wraps `base` in the pointers, arrays and function types a declarator adds. */
  private applyDeclarator(base: CType, d: Node | null): { name: string | null; type: CType } {
    if (!d) return { name: null, type: base };
    switch (d.type) {
      case 'identifier':
      case 'field_identifier':
      case 'type_identifier':
        return { name: d.text, type: base };
      case 'pointer_declarator':
      case 'abstract_pointer_declarator': {
        // `T (*f)(..)`: a pointer to a function is the function pointer itself.
        // `T * const`: the qualifier makes this pointer itself const, i.e. the pointee of the next level.
        const selfConst = d.namedChildren.some((c) => c.type === 'type_qualifier' && c.text === 'const');
        const ptr: CType = base.kind === 'fn' ? base : { kind: 'pointer', to: base, const: constOf(base), text: `${base.text} *`, ...(selfConst ? { selfConst } : {}) };
        return this.applyDeclarator(ptr, d.childForFieldName('declarator'));
      }
      case 'array_declarator':
      case 'abstract_array_declarator':
        return this.applyDeclarator({ kind: 'pointer', to: base, const: constOf(base), text: `${base.text} *` }, d.childForFieldName('declarator'));
      case 'function_declarator':
      case 'abstract_function_declarator': {
        const { params, variadic } = this.readParams(d.childForFieldName('parameters'));
        const fn: CType = { kind: 'fn', ret: base, params: params.map((p) => p.type), variadic, text: d.text };
        return this.applyDeclarator(fn, d.childForFieldName('declarator'));
      }
      case 'parenthesized_declarator':
      case 'abstract_parenthesized_declarator':
        return this.applyDeclarator(base, d.namedChildren.find((c) => c.type !== 'type_qualifier') ?? null);
      default:
        return { name: null, type: base };
    }
  }

  private named(names: string[], isEnum: boolean, text: string): CType {
    // A struct never defined with a field list in any header is opaque: C cannot touch its contents.
    const opaque = !isEnum && !names.some((n) => this.scope.completeTypes.has(n));
    return { kind: 'named', names, enum: isEnum, ...(opaque ? { opaque } : {}), text };
  }

  /** The type a specifier names (`int`, `unsigned long`, `struct S`, a typedef name). */
  private baseType(n: Node, isConst: boolean, depth = 0): CType {
    const text = (isConst ? 'const ' : '') + n.text.replace(/\s+/g, ' ');
    const withConst = <T extends CType>(t: T): T => (isConst ? ({ ...t, const: true } as T) : t);
    if (n.type === 'primitive_type' || n.type === 'sized_type_specifier') {
      const spelled = n.text.replace(/\s+/g, ' ').trim();
      if (spelled === 'void') return withConst({ kind: 'void', text });
      const scalar = C_SCALARS[spelled] ?? C_SCALARS[spelled.replace(/ int$/, '')];
      return scalar ? withConst({ kind: 'scalar', scalar, text }) : { kind: 'unknown', text };
    }
    if (n.type === 'struct_specifier' || n.type === 'union_specifier' || n.type === 'enum_specifier') {
      const name = n.childForFieldName('name')?.text;
      return name ? withConst(this.named([name], n.type === 'enum_specifier', text)) : { kind: 'unknown', text };
    }
    if (n.type === 'type_identifier') {
      const name = n.text;
      const scalar = C_SCALARS[name];
      if (scalar) return withConst({ kind: 'scalar', scalar, text });
      const td = this.typedefs.get(name);
      if (td && depth < 8) {
        const inner = this.applyDeclarator(this.baseType(td.base, td.qualifiers.some((q) => q.text === 'const'), depth + 1), td.declarator).type;
        if (inner.kind === 'named') return withConst(this.named([name, ...inner.names], inner.enum === true, text));
        if (inner.kind === 'unknown' && (td.base.type === 'struct_specifier' || td.base.type === 'union_specifier' || td.base.type === 'enum_specifier')) {
          return withConst(this.named([name], td.base.type === 'enum_specifier', text));
        }
        // `typedef uint32_t kv_result;`: keep the name, a Rust type of that name is the same type.
        return { ...inner, text, ...(inner.kind === 'scalar' ? { alias: name } : {}) } as CType;
      }
      const named = this.named([name], this.enums.has(name), text);
      return withConst(this.enums.has(name) ? named : { ...named, undeclared: true });
    }
    return { kind: 'unknown', text };
  }
}

/** Is a value of this type const (for a pointer: the pointer itself, as in `T * const`)? */
function constOf(t: CType): boolean {
  return t.kind === 'pointer' ? (t as { selfConst?: boolean }).selfConst === true : (t as { const?: boolean }).const === true;
}

function declaratorName(d: Node): string | null {
  if (d.type === 'type_identifier' || d.type === 'identifier') return d.text;
  const inner = d.childForFieldName('declarator') ?? d.namedChildren.find((c) => /declarator|identifier/.test(c.type)) ?? null;
  return inner ? declaratorName(inner) : null;
}

/** The return type as written in the prototype (`const char *`), for messages. */
function fixText(ret: CType, decl: Node, base: Node, fnDecl: Node): CType {
  const start = decl.namedChildren.find((c) => c.type === 'type_qualifier')?.startIndex ?? base.startIndex;
  const spelled = decl.text.slice(start - decl.startIndex, fnDecl.startIndex - decl.startIndex).replace(/\s+/g, ' ').trim();
  return { ...ret, text: spelled || ret.text } as CType;
}
