/**
 * Gives back the memory of crates already analysed. tree-sitter's native trees are freed only when V8
 * collects their JS wrappers, and the binding does not tell V8 how much native memory they hold: V8
 * sees a heap of a few dozen MB, seldom runs a full collection, and the trees of finished crates pile
 * up (a cold scan of 1 M lines reached 0.6-1.1 GB). So a thread that analyses crates tells V8 itself,
 * between two crates, once enough source was analysed since it last did: it allocates an ArrayBuffer
 * larger than what V8 lets memory outside its heap grow by before it collects (64 MiB). V8 counts an
 * ArrayBuffer's memory as its own and starts an ordinary incremental full collection, which frees the
 * trees while the next crate is analysed. The buffer is never written to: an allocation this large is
 * mapped on its own, and pages never touched take no physical memory.
 *
 * Not `gc()` (--expose-gc): a forced collection also drops the hidden classes that no live object has
 * any more, and with them nearly all optimized code; compiling it again after every crate cost some
 * 20% more CPU than the scan without it.
 */

/** Lines analysed in this thread between two requests (a crate of 20k lines leaves some 30-60 MB behind). */
export const COLLECT_EVERY_LINES = 20_000;

/** Over V8's 64 MiB allowance for memory outside its heap, whatever else the thread holds of it. */
const PRESSURE_BYTES = 80 * 1024 * 1024;

let linesSince = 0;
/** Held until the next request, so that no compiler can leave the allocation out. */
let pressure: ArrayBuffer | undefined;

/** Counts the lines of a crate just analysed in this thread. */
export function analysed(lines: number): void {
  linesSince += lines;
}

/**
 * Called before this thread analyses another crate: when enough was analysed since the last time,
 * makes V8 start a full collection, which frees the trees of the crates before. True if it did.
 */
export function releaseFinishedCrates(): boolean {
  if (linesSince < COLLECT_EVERY_LINES) return false;
  linesSince = 0;
  pressure = undefined;
  try {
    pressure = new ArrayBuffer(PRESSURE_BYTES);
  } catch {
    // No room for even an untouched mapping of that size (a tight ulimit -v): leave it to V8.
    return false;
  }
  return true;
}
