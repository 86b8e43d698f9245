/**
 * A node's identity, read from the fields the tree-sitter Node binding keeps on every
 * node object (its marshalled TSNode: id low and high words, start byte, start row, start column)
 * instead of through the getters, each of which is a native call. The analyses ask for ids and starts
 * millions of times on a big crate; this was about a tenth of a cold scan.
 *
 * The layout is checked once against the getters on a small parse. Should a future binding store
 * its nodes differently, the getters are used and nothing but speed changes.
 */
import { BINDING_CHECK_SAMPLE, parseRust } from './parse.js';
import type { Node } from './source.js';

type Fields = Node & Record<number, number>;

let layoutKnown: boolean | undefined;

function fieldsUsable(): boolean {
  if (layoutKnown === undefined) {
    // While checking, the getters answer (the check's own reads may compare nodes, see node-memo.ts).
    layoutKnown = false;
    const root = parseRust(BINDING_CHECK_SAMPLE).rootNode;
    const nodes: Node[] = [];
    const stack: Node[] = [root];
    while (stack.length) {
      const n = stack.pop()!;
      nodes.push(n);
      stack.push(...n.children);
    }
    layoutKnown = nodes.every((n) => {
      const f = n as Fields;
      return f[0]! + f[1]! * 2 ** 32 === n.id && f[2]! >>> 1 === n.startIndex && f[3] === n.startPosition.row && f[4]! >>> 1 === n.startPosition.column;
    });
  }
  return layoutKnown;
}

/** The node's id: equal for two objects of the same node of one tree, distinct across live trees. */
export function nodeId(n: Node): number {
  return fieldsUsable() ? (n as Fields)[0]! + (n as Fields)[1]! * 2 ** 32 : n.id;
}

/** Are `a` and `b` the same node? False when either is missing. */
export function sameNode(a: Node | null | undefined, b: Node | null | undefined): boolean {
  return !!a && !!b && (a === b || nodeId(a) === nodeId(b));
}

/** The node's start offset (what `startIndex` answers), read from its fields when their layout is known. */
export function startIndexOf(n: Node): number | undefined {
  return fieldsUsable() ? (n as Fields)[2]! >>> 1 : undefined;
}
