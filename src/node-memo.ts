/**
 * Remembers, on each node object, what the analyses ask it again and again: its parent, children,
 * fields and end. Every read through the tree-sitter binding is a native call that builds fresh node
 * objects; the FFI-body analyses walk the same bodies many times, and these reads were about a third
 * of a cold scan. Trees are never edited here, so an answer never goes stale.
 *
 * The binding's own cache of node objects is off (tree-sitter-nodes.ts), so two reads of one node
 * can give two objects; but a child list is remembered on its parent, so everything reached by walking
 * down from a node is the same objects each time, and what is stored on them is found again. Nodes
 * are told apart by id (node-fields.ts), never by object identity. Child lists are frozen: they are
 * shared now, and a caller that sorted one in place would change it for everyone (and gets a
 * TypeError instead).
 */
import Parser from 'tree-sitter';
import { sameNode, startIndexOf } from './node-fields.js';
import { childList, enableChildLists } from './node-lists.js';

const MEMO = Symbol('ffiguard.nodeMemo');

/** One shape for every memo (all slots present from the start), so V8 keeps them compact. */
class Memo {
  parent: Parser.SyntaxNode | null | undefined = undefined;
  children: readonly Parser.SyntaxNode[] | undefined = undefined;
  namedChildren: readonly Parser.SyntaxNode[] | undefined = undefined;
  endIndex = -1;
  /** Position among the parent's children and among its named children (-1: not known). */
  index = -1;
  namedIndex = -1;
  /** Fields asked for, as [name, child, name, child ...]: a node is asked for few. */
  fields: (string | Parser.SyntaxNode | null)[] | undefined = undefined;
}

type Memoised = Parser.SyntaxNode & { [MEMO]?: Memo };

let installed = false;

/**
 * Installs the memoising reads on the binding's node class (once; idempotent). `sample` parses a
 * sample on which the fast child lists are checked before they are used (see node-lists.ts).
 */
export function installNodeMemo(sample: () => Parser.SyntaxNode): void {
  if (installed) return;
  installed = true;
  const proto = (Parser as unknown as { SyntaxNode: { prototype: object } }).SyntaxNode.prototype;
  const getter = (name: string): ((this: Parser.SyntaxNode) => unknown) => Object.getOwnPropertyDescriptor(proto, name)!.get!;
  const memo = (n: Memoised): Memo => (n[MEMO] ??= new Memo());

  const parent = getter('parent');
  const children = getter('children');
  const namedChildren = getter('namedChildren');
  const startIndex = getter('startIndex');
  const endIndex = getter('endIndex');
  const childForFieldName = (proto as { childForFieldName: (this: Parser.SyntaxNode, f: string) => Parser.SyntaxNode | null }).childForFieldName;
  // Checked with the binding's own getters, before they are replaced below.
  const fastLists = enableChildLists(Parser, sample(), { children, namedChildren });
  const readChildren = fastLists ? (n: Parser.SyntaxNode) => childList(n, 'children')! : (n: Parser.SyntaxNode) => children.call(n) as Parser.SyntaxNode[];
  const readNamedChildren = fastLists ? (n: Parser.SyntaxNode) => childList(n, 'namedChildren')! : (n: Parser.SyntaxNode) => namedChildren.call(n) as Parser.SyntaxNode[];

  const define = (name: string, get: (this: Memoised) => unknown): void => {
    Object.defineProperty(proto, name, { get, configurable: true, enumerable: false });
  };
  define('parent', function () {
    const m = memo(this);
    if (m.parent === undefined) m.parent = parent.call(this) as Parser.SyntaxNode | null;
    return m.parent;
  });
  /**
   * A child list, each child told that this object is its parent: walking back up then meets the
   * same objects (and what they remember) instead of asking the binding for a fresh parent. A child
   * already in the other list (named children are among all children) is that same object.
   */
  const adopt = (parent: Memoised, kids: Parser.SyntaxNode[], other: readonly Parser.SyntaxNode[] | undefined, named: boolean): readonly Parser.SyntaxNode[] => {
    // One pass over both lists (a token tree can hold thousands of tokens): the named children
    // are, in order, a subsequence of all the children.
    let j = 0;
    for (let i = 0; i < kids.length; i++) {
      if (other) {
        const kid = kids[i]!;
        if (named) {
          let k = j;
          while (k < other.length && !sameNode(other[k], kid)) k++;
          if (k < other.length) {
            kids[i] = other[k]!;
            j = k + 1;
          }
        } else if (j < other.length && sameNode(other[j], kid)) {
          kids[i] = other[j++]!;
        }
      }
      const km = memo(kids[i] as Memoised);
      if (km.parent === undefined) km.parent = parent;
      if (named) km.namedIndex = i;
      else km.index = i;
    }
    return Object.freeze(kids);
  };
  define('children', function () {
    const m = memo(this);
    return (m.children ??= adopt(this, readChildren(this), m.namedChildren, false));
  });
  define('namedChildren', function () {
    const m = memo(this);
    return (m.namedChildren ??= adopt(this, readNamedChildren(this), m.children, true));
  });
  // The start is among the node's own fields (node-fields.ts): nothing to remember.
  define('startIndex', function () {
    return startIndexOf(this) ?? (startIndex.call(this) as number);
  });
  define('endIndex', function () {
    const m = memo(this);
    if (m.endIndex < 0) m.endIndex = endIndex.call(this) as number;
    return m.endIndex;
  });
  // A sibling is the neighbour in the parent's child list, when the node was reached through that
  // list. (Finding the position of a node reached otherwise, a search result say, would read its
  // parent's children anew for every such node: slower than the binding.)
  const previousSibling = getter('previousSibling');
  const previousNamedSibling = getter('previousNamedSibling');
  const nextSibling = getter('nextSibling');
  const nextNamedSibling = getter('nextNamedSibling');
  const sibling = (n: Memoised, named: boolean, step: number, read: (this: Parser.SyntaxNode) => unknown): Parser.SyntaxNode | null => {
    const m = memo(n);
    const at = named ? m.namedIndex : m.index;
    if (at < 0 || !m.parent) return read.call(n) as Parser.SyntaxNode | null;
    return (named ? m.parent.namedChildren : m.parent.children)[at + step] ?? null;
  };
  define('previousSibling', function () {
    return sibling(this, false, -1, previousSibling);
  });
  define('nextSibling', function () {
    return sibling(this, false, 1, nextSibling);
  });
  define('previousNamedSibling', function () {
    return sibling(this, true, -1, previousNamedSibling);
  });
  define('nextNamedSibling', function () {
    return sibling(this, true, 1, nextNamedSibling);
  });
  define('childCount', function () {
    return this.children.length;
  });
  define('namedChildCount', function () {
    return this.namedChildren.length;
  });
  define('firstNamedChild', function () {
    return this.namedChildren[0] ?? null;
  });
  define('lastNamedChild', function () {
    const kids = this.namedChildren;
    return kids[kids.length - 1] ?? null;
  });
  define('firstChild', function () {
    return this.children[0] ?? null;
  });
  define('lastChild', function () {
    const kids = this.children;
    return kids[kids.length - 1] ?? null;
  });
  Object.defineProperty(proto, 'child', {
    value(this: Parser.SyntaxNode, i: number) {
      return this.children[i] ?? null;
    },
    configurable: true,
    writable: true,
  });
  Object.defineProperty(proto, 'namedChild', {
    value(this: Parser.SyntaxNode, i: number) {
      return this.namedChildren[i] ?? null;
    },
    configurable: true,
    writable: true,
  });
  Object.defineProperty(proto, 'childForFieldName', {
    value(this: Memoised, field: string) {
      const m = memo(this);
      const fields = (m.fields ??= []);
      for (let i = 0; i < fields.length; i += 2) if (fields[i] === field) return fields[i + 1] as Parser.SyntaxNode | null;
      let child = childForFieldName.call(this, field);
      // The child object already listed, if the children were asked for: it remembers more.
      if (child && m.children) child = m.children.find((c) => sameNode(c, child)) ?? child;
      else if (child) {
        const cm = memo(child as Memoised);
        if (cm.parent === undefined) cm.parent = this;
      }
      fields.push(field, child);
      return child;
    },
    configurable: true,
    writable: true,
  });
}
