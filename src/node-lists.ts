/**
 * Child lists read straight from the tree-sitter binding's native methods, building the node objects
 * in a cheaper way than its `children`/`namedChildren` getters do. Those getters go through a general
 * unmarshalling step: a 64-bit id made of two BigInts per node, a Map per call, a class constructor
 * that defines `tree` with `Object.defineProperty`, and an array copy for the binding's node cache
 * (which tree-sitter-nodes.ts turns off). On the FFI-body walks that was about a third of the time
 * spent building node objects.
 *
 * This reads private parts of the pinned binding (tree-sitter 0.25.1): its native `NodeMethods`, the
 * shared `nodeTransferArray` (6 numbers per node) and the language's `nodeSubclasses`. So the lists
 * are checked once against the public getters on a sample parse, node by node (id, type, range, text,
 * children); if anything differs, or those parts are missing, `childList` returns undefined and the
 * caller uses the getters: nothing but speed changes.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type Parser from 'tree-sitter';

/** The number of transfer-array slots per node, as the binding lays them out. */
const FIELDS = 6;
/** The binding's type id for ERROR nodes, which have no subclass of their own. */
const ERROR_TYPE_ID = 0xffff;

interface Binding {
  NodeMethods: Record<'children' | 'namedChildren', (tree: Parser.Tree) => unknown[]>;
  nodeTransferArray: Uint32Array;
}

type NodeClass = { prototype: object };
type Language = { nodeSubclasses?: NodeClass[] };
type Fielded = Parser.SyntaxNode & Record<number, number>;

let binding: Binding | null | undefined;
let syntaxNode: NodeClass | undefined;

/** The binding tree-sitter itself loaded (Node keeps one instance of a native module per file). */
function loadBinding(): Binding | null {
  try {
    const fromTreeSitter = createRequire(createRequire(import.meta.url).resolve('tree-sitter'));
    const load = fromTreeSitter('node-gyp-build') as (dir: string) => Binding;
    const b = load(path.dirname(fromTreeSitter.resolve('tree-sitter')));
    return typeof b?.NodeMethods?.namedChildren === 'function' && typeof b.NodeMethods.children === 'function' && b.nodeTransferArray instanceof Uint32Array ? b : null;
  } catch {
    return null;
  }
}

/** `node.children` or `node.namedChildren`, built here; undefined when this fast read is not available. */
export function childList(node: Parser.SyntaxNode, which: 'children' | 'namedChildren'): Parser.SyntaxNode[] | undefined {
  if (!binding) return undefined;
  const tree = node.tree;
  const classes = (tree as unknown as { language: Language }).language.nodeSubclasses;
  if (!classes) return undefined;
  let transfer = binding.nodeTransferArray;
  for (let i = 0; i < FIELDS; i++) transfer[i] = (node as Fielded)[i]!;
  const list = binding.NodeMethods[which](tree) as (number | Parser.SyntaxNode | null)[];
  // The binding may have grown (replaced) the array to hold the answer.
  transfer = binding.nodeTransferArray;
  let offset = 0;
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    if (typeof v !== 'number') continue;
    if (transfer[offset] === 0 && transfer[offset + 1] === 0) {
      list[i] = null;
    } else {
      const n = Object.create((v === ERROR_TYPE_ID ? syntaxNode! : (classes[v] ?? syntaxNode!)).prototype) as Fielded & { tree: Parser.Tree };
      n.tree = tree;
      for (let k = 0; k < FIELDS; k++) n[k] = transfer[offset + k]!;
      list[i] = n;
    }
    offset += FIELDS;
  }
  return list as Parser.SyntaxNode[];
}

/**
 * Turns the fast read on if it gives what the getters give on a sample parse (with ERROR and MISSING
 * nodes, comments and non-ASCII text). `getters` are the binding's original `children`/`namedChildren`.
 */
export function enableChildLists(parser: typeof Parser, root: Parser.SyntaxNode, getters: Record<'children' | 'namedChildren', (this: Parser.SyntaxNode) => unknown>): boolean {
  binding = loadBinding();
  if (!binding) return false;
  syntaxNode = (parser as unknown as { SyntaxNode: NodeClass }).SyntaxNode;
  try {
    const stack = [root];
    while (stack.length) {
      const n = stack.pop()!;
      for (const which of ['children', 'namedChildren'] as const) {
        const want = getters[which].call(n) as Parser.SyntaxNode[];
        const got = childList(n, which);
        const same = got && got.length === want.length && got.every((g, i) => g.id === want[i]!.id && g.type === want[i]!.type && g.startIndex === want[i]!.startIndex && g.endIndex === want[i]!.endIndex && g.text === want[i]!.text && g.isMissing === want[i]!.isMissing && g.tree === n.tree);
        if (!same) {
          binding = null;
          return false;
        }
        if (which === 'children') stack.push(...want);
      }
    }
    return true;
  } catch {
    binding = null;
    return false;
  }
}
