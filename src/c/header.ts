/**
 * One parsed C header: its function prototypes with their types, and the typedefs, structs and
 * enums those types name. Parsed with tree-sitter-c after `neutraliseHeader`, tolerant of the
 * ERROR nodes that unknown macros still leave behind.
 */
import Parser from 'tree-sitter';
import C from 'tree-sitter-c';
import type { Span } from '../findings.js';
import { neutraliseHeader } from './neutralise.js';
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

export class HeaderFile {
  readonly tree: Parser.Tree;
  readonly functions: CFunction[] = [];
  private readonly typedefs = new Map<string, { node: Node; base: Node; declarator: Node | null; qualifiers: Node[] }>();
  private readonly enums = new Set<string>();
  private readonly lines: string[];

  constructor(
    readonly path: string,
    readonly text: string,
  ) {
    const clean = neutraliseHeader(text);
    this.tree = cParser().parse(clean, null, { bufferSize: Math.max(32 * 1024, clean.length + 1) });
    this.lines = text.split('\n');
    this.collect(this.tree.rootNode);
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

  private collect(root: Node): void {
    const decls: Node[] = [];
    const visit = (n: Node): void => {
      for (const c of n.namedChildren) {
        if (c.type === 'type_definition') this.addTypedef(c);
        else if (c.type === 'declaration') decls.push(c);
        else if (c.type === 'enum_specifier' || c.type === 'struct_specifier') this.addTag(c);
        if (/^(preproc_|linkage_specification|declaration_list|translation_unit)/.test(c.type) || c.type === 'ERROR') visit(c);
      }
    };
    visit(root);
    for (const d of decls) {
      for (const c of d.namedChildren) if (c.type === 'enum_specifier' || c.type === 'struct_specifier') this.addTag(c);
      const fn = this.readFunction(d);
      if (fn) this.functions.push(fn);
    }
  }

  private addTag(n: Node): void {
    const name = n.childForFieldName('name')?.text;
    if (name && n.type === 'enum_specifier') this.enums.add(name);
  }

  private addTypedef(n: Node): void {
    const base = n.childForFieldName('type');
    if (!base) return;
    if (base.type === 'enum_specifier' || base.type === 'struct_specifier') this.addTag(base);
    const qualifiers = n.namedChildren.filter((c) => c.type === 'type_qualifier');
    for (const d of n.childrenForFieldName('declarator')) {
      const name = declaratorName(d);
      if (name) this.typedefs.set(name, { node: n, base, declarator: d.type === 'type_identifier' ? null : d, qualifiers });
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
      return name ? withConst({ kind: 'named', names: [name], enum: n.type === 'enum_specifier', text }) : { kind: 'unknown', text };
    }
    if (n.type === 'type_identifier') {
      const name = n.text;
      const scalar = C_SCALARS[name];
      if (scalar) return withConst({ kind: 'scalar', scalar, text });
      const td = this.typedefs.get(name);
      if (td && depth < 8) {
        const inner = this.applyDeclarator(this.baseType(td.base, td.qualifiers.some((q) => q.text === 'const'), depth + 1), td.declarator).type;
        if (inner.kind === 'named') return withConst({ ...inner, names: [name, ...inner.names], text });
        if (inner.kind === 'unknown' && (td.base.type === 'struct_specifier' || td.base.type === 'union_specifier' || td.base.type === 'enum_specifier')) {
          return withConst({ kind: 'named', names: [name], enum: td.base.type === 'enum_specifier', text });
        }
        return { ...inner, text } as CType;
      }
      return withConst({ kind: 'named', names: [name], enum: this.enums.has(name), text });
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
