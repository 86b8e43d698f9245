import { defineRule } from '../src/rule.js';
import { splitTopLevel } from '../src/model/attributes.js';
import { macroName, type Node, type SourceFile } from '../src/source.js';
import { asMethodCall, asPathCall, unparen } from '../src/syntax.js';
import { sameNode } from '../src/node-fields.js';
import { placeNamer } from '../src/analysis/places.js';

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
      'Bound the wait: `rt.block_on(tokio::time::timeout(Duration::from_secs(5), fut))` under tokio (`async_std::future::timeout`, ' +
      'or a `futures_timer::Delay` raced with the future, under other executors), handle the elapsed case, and return an error code to C.',
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
      'A program\'s own `fn main` is not flagged, closures in it included: `Runtime::new()?.block_on(run())` there (what `#[tokio::main]` expands to) waits for the whole program by design, and no C caller is waiting on it.',
      'A function that hands the future it is given to `block_on` (`fn block_on<F: Future>(f: F) -> F::Output { RT.block_on(f) }`) is not flagged itself: each call of it is judged like a `block_on` call, with the wrapper\'s line in the message. A wrapper not named `block_on` is found by its name (a free function the crate defines once).',
      'A future that only waits to receive from a channel (`rx.recv()`, `async { rx.recv().await }`, a runtime thread\'s `async { while let Some(t) = rx.recv().await { run(t) } }`) is not flagged: it is the async form of the blocking `recv()` below, an event pump that waits for the next event by design.',
      'A task aborted just before it is waited for (`task.abort(); rt.block_on(task)`, earlier in the same function) is not flagged: the wait only lasts until the task notices the abort.',
      'A crate\'s own executor, a free `fn block_on` that polls the future itself instead of handing it to another `block_on`, is judged by its body: with no `loop` or `while` in it (a bounded number of polls, then an error or a panic), bare `block_on(..)` calls of it cannot wait forever and are not flagged; one that loops until the future is ready is flagged at its calls like any `block_on`.',
      'The help names a timeout the executor can drive (none in particular for a `block_on` method of the crate\'s own, such as a `TaskExecutor` trait\'s): `tokio::time::timeout` for a runtime\'s `block_on` method, a runtime-independent timer for `futures::executor`, `pollster` and the like (tokio\'s timeout panics outside a tokio runtime).',
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
    /** A `block_on` call found in the walk, and the future it waits for. */
    interface Wait {
      file: SourceFile;
      call: Node;
      name: string;
      future: Node;
      /** Whose executor runs it (for the help). */
      executor: Executor;
      /** Set for a call of a crate function that hands its argument to `block_on` (see below). */
      via?: Wait;
    }
    const waits: Wait[] = [];
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
        if (future) waits.push({ file, call: n, name, future, executor: executorOf(file, path?.qualifier ?? null) });
      });
    }
    // `fn block_on<F: Future>(f: F) -> F::Output { RT.block_on(f) }`: a function that hands the future
    // it is given to `block_on` waits for its callers' futures. Those calls are judged instead of its
    // body (by name when the function is called `block_on`, else found here), with the wrapper's
    // executor. A wrapper whose name the crate gives to other functions too, or that the crate never
    // calls, is judged at its own `block_on` as before.
    const wrappers = new Map<string, Wait>();
    for (const w of waits) {
      const fn = forwardingFunction(w.file, w.future);
      const named = fn?.childForFieldName('name')?.text;
      if (named && (crate.functionsByName.get(named) ?? []).length === 1) wrappers.set(named, w);
    }
    const called = new Set<Wait>();
    // A bare `block_on(..)` calls the crate's own `fn block_on` when there is one.
    const own = wrappers.get('block_on');
    if (own) {
      for (const w of waits) {
        if (w === own || asPathCall(w.call)?.qualifier !== '') continue;
        w.executor = own.executor;
        w.via = own;
        called.add(own);
      }
    }
    // The crate's own executor: a `fn block_on` that polls the future itself instead of handing it on
    // (wasmtime's fuzzing `block_on` polls 100,000 times, then panics). With no `loop` or `while` in
    // it, it cannot wait forever, and bare `block_on(..)` calls (or `crate::block_on(..)`) are calls of it.
    const ownBlockOn = crate.functionsByName.get('block_on') ?? [];
    const executors = ownBlockOn.filter((f) => !f.implType && !f.inTrait);
    // A method the crate defines (`trait TaskExecutor { fn block_on(..) }`): its calls are not known to be tokio's.
    if (ownBlockOn.some((f) => f.implType || f.inTrait)) for (const w of waits) if (asMethodCall(w.call) && w.executor === 'tokio' && !w.via) w.executor = 'unknown';
    const ownExecutorBounded = !own && executors.length === 1 && !!executors[0]!.body && !hasOpenLoop(executors[0]!.file, executors[0]!.body);
    const others = [...wrappers.keys()].filter((name) => name !== 'block_on');
    if (others.length > 0) {
      const named = new RegExp(`\\b(${others.join('|')})\\b`);
      for (const file of crate.files) {
        file.walkWhere(named, (n) => {
          const call = asPathCall(n);
          // `run_sync(..)`, `util::run_sync(..)`, `crate::util::run_sync(..)`: not another crate's.
          const ours = call && (call.qualifier === '' || /^(crate|self|super)(::|$)/.test(call.qualifier) || /^[a-z_]\w*$/.test(call.qualifier));
          const via = ours ? wrappers.get(call!.name) : undefined;
          if (!via || call!.args.length !== 1 || sameNode(n, via.call)) return;
          waits.push({ file, call: n, name: call!.name, future: call!.args[0]!, executor: via.executor, via });
          called.add(via);
        });
      }
    }
    for (const w of waits) {
      if (called.has(w) || (ownExecutorBounded && /^((crate|self|super)(::|$))?$/.test(asPathCall(w.call)?.qualifier ?? '-'))) continue;
      const { file, call: n, future } = w;
      if (bounded(file, future) || receivesOnly(file, future, timeouts) || inProgramMain(file, n) || abortedBefore(file, future, n)) continue;
      const ffi = crate.enclosingFfiFunction(file, n);
      const shown = future.text.replace(/\s+/g, ' ');
      // Start at `block_on` itself: a receiver chain may span several lines before it.
      const method = asMethodCall(n);
      const start = method ? (n.childForFieldName('function')?.childForFieldName('field') ?? n) : n;
      const place = placeNamer(crate, file);
      report({
        file,
        node: start,
        endNode: n,
        severity: ffi ? 'error' : undefined,
        message:
          `\`${w.name}(${shown.length > 40 ? '..' : shown})\`${ffi ? ` in \`extern "${ffi.abi}" fn ${ffi.name}\`` : ''} waits with no timeout${w.via ? ` (it hands the future to \`block_on\` at ${place(w.via.file, w.via.call)})` : ''}: ` +
          `if the future never completes, ${ffi ? "the C caller's" : 'the calling'} thread hangs forever`,
        help: HELP[w.executor],
        ...(w.via ? { related: [{ file: w.via.file, node: w.via.call, message: 'the future is handed to `block_on` here' }] } : {}),
      });
    }
  },
});

/** The executor a `block_on` belongs to, as far as its path and the file's imports tell. */
type Executor = 'tokio' | 'other' | 'unknown';

const HELP: Record<Executor, string> = {
  tokio: 'bound the wait with `tokio::time::timeout(duration, fut)` (or a configured timeout helper) and return an error when it elapses',
  other:
    'bound the wait with a timer this executor can drive (`async_std::future::timeout`, or `futures::future::select` with a `futures_timer::Delay`; `tokio::time::timeout` panics outside a tokio runtime) and return an error when it elapses',
  unknown:
    "bound the wait with a timeout the executor can drive (`tokio::time::timeout(duration, fut)` under tokio, `async_std::future::timeout` or a `futures_timer::Delay` elsewhere) and return an error when it elapses",
};

/** Executors other than tokio, as their paths are written. */
const OTHER_EXECUTORS = /\b(futures|executor|pollster|futures_lite|smol|async_std|async_global_executor)\b/;

/**
 * A method call (`rt.block_on`, `Handle::current().block_on`) is tokio's (the other executors have
 * free functions); a path says whose it is; a bare `block_on(..)` is the one the file imports.
 */
function executorOf(file: SourceFile, qualifier: string | null): Executor {
  if (qualifier === null) return 'tokio';
  if (qualifier !== '') return OTHER_EXECUTORS.test(qualifier) ? 'other' : /\btokio\b|Runtime|Handle/.test(qualifier) ? 'tokio' : 'unknown';
  if (/\buse\s+[^;]*\b(futures|pollster|futures_lite|smol|async_std|async_global_executor)\b[^;]*\bblock_on\b/.test(file.text)) return 'other';
  return 'unknown';
}

/**
 * The function whose parameter `future` is, when it is handed on as it came (a parameter of the
 * innermost enclosing function, not rebound by a `let`).
 */
function forwardingFunction(file: SourceFile, future: Node): Node | null {
  const e = unparen(future);
  if (e.type !== 'identifier' || file.letValue(e) !== null) return null;
  const bound = file.parameterOf(e);
  // Inside a closure, the future may be handed on several times, or later.
  if (!bound || [...file.ancestors(e)].some((a) => a.type === 'closure_expression' && a.startIndex > bound.fn.startIndex)) return null;
  return bound.fn;
}

/**
 * `task.abort(); rt.block_on(task)`: waiting for a task just aborted only waits for it to notice (at
 * its next `.await`), the usual way to cancel and then join a tokio task.
 */
function abortedBefore(file: SourceFile, future: Node, call: Node): boolean {
  const e = unparen(future);
  if (e.type !== 'identifier') return false;
  const body = [...file.ancestors(call)].find((a) => a.type === 'block' && (a.parent?.type === 'function_item' || a.parent?.type === 'closure_expression'));
  if (!body) return false;
  return new RegExp(`\\b${e.text}\\s*\\.\\s*abort\\s*\\(\\s*\\)`).test(file.text.slice(body.startIndex, call.startIndex));
}

/** Does the body hold a loop that runs until something happens (`loop`, `while`), not only `for` loops over a range? */
function hasOpenLoop(file: SourceFile, body: Node): boolean {
  let open = false;
  file.walkBody(body, (n) => {
    if (n.type === 'loop_expression' || n.type === 'while_expression') open = true;
    return !open;
  });
  return open;
}

/**
 * A future that only waits to receive from a channel (`rx.recv()`, `async { rx.recv().await }`, a
 * pump `async { while let Some(t) = rx.recv().await { run(t); } }`): the async form of the
 * blocking `recv()` this rule leaves alone (see the notes), waiting for the next event by design.
 * Judged like a bounded block whose every other wait is a receive.
 */
function receivesOnly(file: SourceFile, future: Node, timeouts: ReadonlySet<string>): boolean {
  const isRecv = (e: Node): boolean => /^(recv|recv_async)$/.test(asMethodCall(unparen(e))?.method ?? '');
  const e = unparen(future);
  return isRecv(e) || (e.type === 'async_block' && asyncBlockBounded(file, e, isRecv, timeouts));
}

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

/** Is `node` in a file-level `fn main` (a binary's entry point), a closure in it included, but no nested item? */
function inProgramMain(file: SourceFile, node: Node): boolean {
  for (const a of file.ancestors(node)) {
    if (a.type === 'function_item') return a.childForFieldName('name')?.text === 'main' && a.parent?.type === 'source_file' && a.tree === file.tree;
  }
  return false;
}
