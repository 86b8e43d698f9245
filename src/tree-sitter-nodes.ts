/**
 * Imported for its effect, before any tree is made (parse.ts and c/header.ts import it): the node
 * binding registers every node object it hands out in a native cache of its tree, so that asking for
 * the same node again gives the same object while that one lives. Each entry costs a weak reference
 * and a finalizer (a few hundred bytes of native memory V8 does not see), keeps the object from dying
 * young, and must be finalized when V8 collects it; a crate of 40k lines makes some 150k of them.
 * ffiguard only reads trees (the cache also serves `Tree.edit`, which it never calls) and tells nodes
 * apart by `id`, never by object identity (test/memory.test.ts), so the registration is turned off:
 * a node object is then an ordinary JS object, and a scan takes less memory and less CPU.
 */
import Parser from 'tree-sitter';

const tree = (Parser as unknown as { Tree?: { prototype: Record<string, unknown> } }).Tree?.prototype;
if (tree && typeof tree._cacheNode === 'function' && typeof tree._cacheNodes === 'function') {
  tree._cacheNode = () => undefined;
  tree._cacheNodes = () => undefined;
}
