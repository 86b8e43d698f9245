/**
 * node-memo.ts answers parent, sibling and field reads from what nodes remember. Those answers must be
 * the binding's own, however a node was reached: by walking down child lists, through a field, or
 * from a search. The binding's tree cursor, which node-memo does not touch, gives the expected tree.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { childList } from '../src/node-lists.js';
import { parseRust } from '../src/parse.js';
import type { Node } from '../src/source.js';
import { nodeId } from '../src/node-fields.js';

const SOURCE = `//! crate docs
#[no_mangle]
/// Doc.
pub unsafe extern "C" fn f(p: *const u8, n: usize) -> i32 {
    // comment
    let x = if p.is_null() { return -1 } else { *p };
    let v = vec![1, 2, 3];
    match n { 0 => 0, _ => v[n] + x as i32 }
}
impl Thing { fn g(&self) -> u8 { self.a.b().c[0] } }
macro_rules! m { ($e:expr) => { $e }; }
`;

interface Expected {
  parent: number | null;
  previous: number | null;
  next: number | null;
  previousNamed: number | null;
  nextNamed: number | null;
}

/** Every node's parent and neighbours, by id, from a cursor walk (the cursor's reads are the binding's own). */
function expectedTree(tree: ReturnType<typeof parseRust>): Map<number, Expected> {
  const cursor = tree.walk();
  const out = new Map<number, Expected>([[tree.rootNode.id, { parent: null, previous: null, next: null, previousNamed: null, nextNamed: null }]]);
  const visit = (parent: number): void => {
    if (!cursor.gotoFirstChild()) return;
    const kids: { id: number; named: boolean }[] = [];
    do {
      kids.push({ id: cursor.currentNode.id, named: cursor.nodeIsNamed });
      visit(cursor.currentNode.id);
    } while (cursor.gotoNextSibling());
    cursor.gotoParent();
    const named = kids.filter((k) => k.named);
    kids.forEach((k, i) => {
      const j = named.indexOf(k);
      out.set(k.id, {
        parent,
        previous: kids[i - 1]?.id ?? null,
        next: kids[i + 1]?.id ?? null,
        // The named neighbours of an anonymous node are not asked for here (`previousNamedSibling` of `;`).
        previousNamed: j < 0 ? null : (named[j - 1]?.id ?? null),
        nextNamed: j < 0 ? null : (named[j + 1]?.id ?? null),
      });
    });
  };
  visit(tree.rootNode.id);
  return out;
}

const idOf = (n: Node | null): number | null => (n ? nodeId(n) : null);

function check(node: Node, expected: Map<number, Expected>): void {
  const e = expected.get(nodeId(node));
  expect(e, `${node.type} at ${node.startIndex}`).toBeDefined();
  const got = {
    parent: idOf(node.parent),
    previous: idOf(node.previousSibling),
    next: idOf(node.nextSibling),
    previousNamed: node.isNamed ? idOf(node.previousNamedSibling) : null,
    nextNamed: node.isNamed ? idOf(node.nextNamedSibling) : null,
  };
  expect(got, `${node.type} at ${node.startIndex}`).toEqual(e);
}

describe('node-memo', () => {
  it('answers parent and sibling reads like the binding for nodes reached through child lists', () => {
    const tree = parseRust(SOURCE);
    const expected = expectedTree(tree);
    let count = 0;
    const stack: Node[] = [tree.rootNode];
    while (stack.length) {
      const n = stack.pop()!;
      check(n, expected);
      count++;
      // Named children first on some nodes, all children first on others: both orders share objects.
      const kids = count % 2 ? n.namedChildren : n.children;
      stack.push(...(count % 2 ? n.children : kids));
    }
    expect(count).toBeGreaterThan(100);
  });

  it('answers them like the binding for search results and their fields', () => {
    const tree = parseRust(SOURCE);
    const expected = expectedTree(tree);
    for (const n of tree.rootNode.descendantsOfType(['function_item', 'let_declaration', 'call_expression', 'field_expression', 'identifier', 'index_expression'])) {
      check(n, expected);
      for (const field of ['name', 'body', 'value', 'function', 'arguments', 'pattern', 'field']) {
        const child = n.childForFieldName(field);
        if (!child) continue;
        check(child, expected);
        expect(nodeId(child.parent!)).toBe(nodeId(n));
        // Asked again, the same object (it remembers what it was asked).
        expect(n.childForFieldName(field) === child).toBe(true);
      }
    }
  });

  it('hands a field child out as the object in the child list once that list was read', () => {
    const fn = parseRust('fn f() { g(); }').rootNode.namedChildren[0]!;
    const listed = fn.children;
    const body = fn.childForFieldName('body')!;
    expect(listed.some((c) => c === body)).toBe(true);
    expect(Object.isFrozen(listed)).toBe(true);
    expect(Object.isFrozen(fn.namedChildren)).toBe(true);
    // Named children are the same objects as in the list of all children.
    expect(fn.namedChildren.every((c) => listed.includes(c))).toBe(true);
  });

  it('reads child lists the fast way (node-lists.ts), giving what the cursor sees, on every fixture file', () => {
    const dir = path.resolve(import.meta.dirname, '../fixtures');
    const files = fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith('.rs'));
    expect(files.length).toBeGreaterThan(20);
    let nodes = 0;
    for (const e of files) {
      const tree = parseRust(fs.readFileSync(path.join(e.parentPath, e.name), 'utf8'));
      const cursor = tree.walk();
      const visit = (): void => {
        const node = cursor.currentNode;
        const fast = childList(node, 'children');
        const named = childList(node, 'namedChildren');
        // Undefined would mean the self-check failed on the pinned binding: slower, and unnoticed.
        expect(fast && named).toBeDefined();
        const want: { id: number; type: string; start: number; end: number; named: boolean }[] = [];
        if (cursor.gotoFirstChild()) {
          do {
            const c = cursor.currentNode;
            want.push({ id: c.id, type: c.type, start: c.startIndex, end: c.endIndex, named: cursor.nodeIsNamed });
            visit();
          } while (cursor.gotoNextSibling());
          cursor.gotoParent();
        }
        const shape = (n: Node) => ({ id: n.id, type: n.type, start: n.startIndex, end: n.endIndex, named: n.isNamed });
        expect(fast!.map(shape)).toEqual(want);
        expect(named!.map(shape)).toEqual(want.filter((w) => w.named));
        nodes++;
      };
      visit();
    }
    expect(nodes).toBeGreaterThan(10_000);
  });
});
