import { defineRule } from '../src/rule.js';
import { splitTopLevel } from '../src/model/attributes.js';
import { macroName, type Node, type SourceFile } from '../src/source.js';
import { asMethodCall, asPathCall, unparen } from '../src/syntax.js';

/** Text every flagged expression contains. */
const TRIGGER = /\bblock_on\b/;

export default defineRule({
  id: 'unbounded-block-on',
  language: 'rust',
  severity: 'warning',
  summary: '`block_on(..)` waits for a future with no timeout',
  precision: 'medium',
  docs: {
    what:
      'Flags `block_on(fut)` (tokio `Runtime::block_on` / `Handle::block_on` / `LocalSet::block_on(&rt, fut)`, `futures::executor::block_on`, `pollster`, ' +
      '`async_std::task::block_on`, any path or method named `block_on`) whose future is not bounded by a timeout. Inside an ' +
      '`extern "C"` function it is an error; elsewhere a warning.',
    why:
      '`block_on` parks the calling thread until the future completes. A future waiting on the network, a lock or a ' +
      'channel may never complete, and the C caller\'s thread (often a UI or event-loop thread) then hangs forever with ' +
      'no way to cancel it from the other side of the FFI boundary.',
    useInstead:
      'Bound the wait: `rt.block_on(tokio::time::timeout(Duration::from_secs(5), fut))`, handle the elapsed case, and ' +
      'return an error code to C.',
    example: {
      bad: `#[no_mangle]
pub extern "C" fn client_fetch(c: &Client) -> i32 {
    match c.rt.block_on(c.inner.fetch()) {
        Ok(_) => 0,
        Err(_) => -1,
    }
}`,
      good: `#[no_mangle]
pub extern "C" fn client_fetch(c: &Client) -> i32 {
    match c.rt.block_on(tokio::time::timeout(Duration::from_secs(10), c.inner.fetch())) {
        Ok(Ok(_)) => 0,
        _ => -1,
    }
}`,
    },
    notes: [
      'Bounded: the argument is a call to `timeout` / `timeout_at` (any path) or `.timeout(..)`, a local variable bound to one, or an `async` block in which every `.await` is on (or inside) such a call, every `select!` has a timer or timeout branch and every `join!` joins timeouts only (those macros await with no `.await` written). Further timeout helpers can be configured.',
      'A program\'s own `fn main` is not flagged: `Runtime::new()?.block_on(run())` there (what `#[tokio::main]` expands to) waits for the whole program by design, and no C caller is waiting on it.',
      'Other blocking waits are not flagged: `.wait()` (zenoh\'s `Wait` trait resolving a builder synchronously, `Condvar::wait(guard)`, `Child::wait()`, a `Barrier`), `recv()` on a channel, `JoinHandle::join()`. Their names say they block, C APIs built on them say so too (`zc_concurrent_close_handle_wait`, "blocks until the next sample"), and most complete at once or under the library\'s own timeouts (a zenoh `put` or `declare`): flagging each of zenoh-c\'s 85 `.wait()` calls would bury the few that can hang. `block_on` is different: it is where an async runtime meets a synchronous caller, and where a missing timeout is easy to add.',
    ],
    references: [
      { title: 'tokio::runtime::Runtime::block_on', url: 'https://docs.rs/tokio/latest/tokio/runtime/struct.Runtime.html#method.block_on' },
      { title: 'tokio::time::timeout', url: 'https://docs.rs/tokio/latest/tokio/time/fn.timeout.html' },
    ],
    cwe: ['CWE-833', 'CWE-400'],
  },
  triggers: TRIGGER,
  check({ crate, report }) {
    const timeouts = crate.guards.timeoutHelpers;
    const isTimeoutCall = (e: Node): boolean => {
      const u = unparen(e);
      const name = asPathCall(u)?.name ?? asMethodCall(u)?.method;
      return !!name && timeouts.has(name);
    };
    const bounded = (file: SourceFile, arg: Node, depth = 0): boolean => {
      let e = unparen(arg);
      // `block_on(&mut fut)`: tokio and futures accept `&mut F` for an `Unpin` future.
      while (e.type === 'reference_expression' && e.namedChildCount > 0) e = unparen(e.namedChild(e.namedChildCount - 1)!);
      if (isTimeoutCall(e)) return true;
      // `Box::pin(timeout(..))`
      const pin = asPathCall(e);
      if (pin && pin.name === 'pin' && pin.args[0]) return bounded(file, pin.args[0], depth);
      if (e.type === 'async_block') return asyncBlockBounded(file, e, (awaited) => bounded(file, awaited, depth + 1), timeouts);
      if (e.type === 'identifier' && depth < 3) {
        const value = file.letValue(e);
        return !!value && bounded(file, value, depth + 1);
      }
      return false;
    };
    for (const file of crate.files) {
      file.walkWhere(TRIGGER, (n) => {
        const path = asPathCall(n);
        const method = path ? null : asMethodCall(n);
        const name = path?.name ?? method?.method;
        const args = path?.args ?? method?.args ?? [];
        if (name !== 'block_on') return;
        // tokio's `LocalSet::block_on(&rt, fut)` takes the runtime first.
        const runtimeFirst = method && args.length === 2 && /^(reference_expression|identifier|field_expression|self)$/.test(args[0]!.type);
        const future = args.length === 1 ? args[0]! : runtimeFirst ? args[1]! : null;
        if (!future || bounded(file, future) || inProgramMain(file, n)) return;
        const ffi = crate.enclosingFfiFunction(file, n);
        const shown = future.text.replace(/\s+/g, ' ');
        // Start at `block_on` itself: a receiver chain may span several lines before it.
        const start = method ? (n.childForFieldName('function')?.childForFieldName('field') ?? n) : n;
        report({
          file,
          node: start,
          endNode: n,
          severity: ffi ? 'error' : undefined,
          message:
            `\`block_on(${shown.length > 40 ? '..' : shown})\`${ffi ? ` in \`extern "${ffi.abi}" fn ${ffi.name}\`` : ''} waits with no timeout: ` +
            `if the future never completes, ${ffi ? "the C caller's" : 'the calling'} thread hangs forever`,
          help: 'bound the wait with `tokio::time::timeout(duration, fut)` (or a configured timeout helper) and return an error when it elapses',
        });
      });
    }
  },
});

/**
 * Every `.await` in the block waits on a bounded future (a timeout call, or a local bound to one) or sits
 * inside a timeout's arguments. Nested async blocks and closures are skipped: they only run when awaited
 * or called, and awaiting them is judged at that `.await`.
 */
function asyncBlockBounded(file: SourceFile, block: Node, isBounded: (awaited: Node) => boolean, timeouts: ReadonlySet<string>): boolean {
  let ok = true;
  file.walkBody(block, (n) => {
    if (!ok) return false;
    if (n !== block && (n.type === 'async_block' || n.type === 'closure_expression')) return false;
    if (n.type === 'await_expression') {
      if (!isBounded(n.namedChild(0)!)) ok = false;
      return false;
    }
    // `select! { x = rx.next() => .. }` and `join!(a, b)` await their futures with no `.await` written.
    const awaiting = n.type === 'macro_invocation' ? AWAITING_MACROS[macroName(n) ?? ''] : undefined;
    if (awaiting && !macroBounded(n, awaiting, timeouts)) {
      ok = false;
      return false;
    }
    return undefined;
  });
  return ok;
}

/** Macros that await the futures they are given: all of them (`join`), or the first to finish (`select`). */
const AWAITING_MACROS: Record<string, 'all' | 'first'> = { select: 'first', select_biased: 'first', join: 'all', try_join: 'all' };

/** A timer future: a `select!` branch on one ends the wait when it fires. */
const TIMERS = ['sleep', 'sleep_until', 'delay_for', 'delay_until'];

/**
 * Is the wait of a `select!` or `join!` bounded? `select!` when a branch waits on a timer or a timeout
 * (that branch ends it); `join!` when every future it joins is a timeout call.
 */
function macroBounded(macro: Node, kind: 'all' | 'first', timeouts: ReadonlySet<string>): boolean {
  const args = macro.namedChildren.find((c) => c.type === 'token_tree');
  if (!args) return false;
  const calls = (text: string): string[] => [...text.matchAll(/(?<![\w$])([A-Za-z_]\w*)\s*(?:::\s*<[^>]*>\s*)?\(/g)].map((m) => m[1]!);
  const isTimer = (name: string): boolean => timeouts.has(name) || TIMERS.includes(name);
  if (kind === 'first') return calls(args.text).some(isTimer);
  const parts = splitTopLevel(args.text.slice(1, -1));
  return parts.length > 0 && parts.every((p) => {
    const first = calls(p)[0];
    return first !== undefined && p.startsWith(first) && timeouts.has(first);
  });
}

/** Is `node` in a file-level `fn main` (a binary's entry point), outside any closure or nested item? */
function inProgramMain(file: SourceFile, node: Node): boolean {
  for (const a of file.ancestors(node)) {
    if (a.type === 'closure_expression') return false;
    if (a.type === 'function_item') return a.childForFieldName('name')?.text === 'main' && a.parent?.type === 'source_file' && a.tree === file.tree;
  }
  return false;
}
