/**
 * The native trees of crates already analysed are freed while the next crate is analysed, not whenever
 * V8 gets round to a full collection (it seldom does: the binding does not report the native memory).
 */
import v8 from 'node:v8';
import { expect, it } from 'vitest';
import { analysed, COLLECT_EVERY_LINES, releaseFinishedCrates } from '../src/memory.js';
import { parseRust } from '../src/parse.js';

it('has V8 collect the trees of finished crates once enough lines were analysed since the last time', async () => {
  // Told by a FinalizationRegistry, not a WeakRef: `deref()` while V8 marks would keep the tree alive.
  let collected = false;
  const registry = new FinalizationRegistry(() => (collected = true));
  registry.register(parseRust('fn main() { let x = 1; }'), 'tree');
  analysed(COLLECT_EVERY_LINES - 1);
  expect(releaseFinishedCrates()).toBe(false);
  analysed(1);
  const before = v8.getHeapStatistics().external_memory;
  expect(releaseFinishedCrates()).toBe(true);
  // V8 starts a full collection when memory outside its heap grew by more than 64 MiB since the last one.
  expect(v8.getHeapStatistics().external_memory - before).toBeGreaterThan(64 * 1024 * 1024);
  // The collection is V8's own, incremental one: it ends in a task of the event loop some turns later.
  // About one run in ten, V8 lets that first request pass without collecting (its limit for memory
  // outside the heap is not always where the 64 MiB rule puts it); the next request, after the next
  // crate, then gets the collection, as the pressure of both adds up. So: the trees go within a few
  // requests, never by waiting alone.
  let requests = 1;
  for (let turns = 0; !collected; turns++) {
    await new Promise((r) => setImmediate(r));
    if (turns < 500 || collected) continue;
    turns = 0;
    requests++;
    expect(requests, 'requests before the trees were collected').toBeLessThanOrEqual(4);
    analysed(COLLECT_EVERY_LINES);
    expect(releaseFinishedCrates()).toBe(true);
  }
  // The count starts again after a request.
  expect(releaseFinishedCrates()).toBe(false);
});

it('hands out node objects that are not registered in the binding: the same node twice is two objects of one id', () => {
  const root = parseRust('fn main() { let x = 1; }').rootNode;
  // Asked twice of the binding itself: child lists are remembered on their parent (node-memo.ts).
  const [a, b] = [root.descendantForIndex(3), root.descendantForIndex(3)];
  // (Not `expect(a).not.toBe(b)`: printing a node object for the failure message crashes the binding.)
  expect(a === b).toBe(false);
  expect(a.id).toBe(b.id);
  expect(a.parent!.id).toBe(root.namedChildren[0]!.id);
});
