import { defineRule } from '../src/rule.js';
import { asMethodCall, unparen } from '../src/syntax.js';
import type { Node, SourceFile } from '../src/source.js';

const LOCKS = new Set(['lock', 'read', 'write']);

/** Text every flagged expression contains. */
const TRIGGER = /\b(lock|read|write)\s*\(\s*\)/;

export default defineRule({
  id: 'lock-unwrap',
  language: 'rust',
  severity: 'warning',
  summary: '`.lock().unwrap()` turns one panic into a permanently poisoned lock',
  precision: 'high',
  docs: {
    what:
      'Flags `.lock()`, `.read()` or `.write()` called with no arguments (a `Mutex` or `RwLock`) and followed directly by ' +
      '`.unwrap()` or `.expect(..)`. Inside an `extern "C"` function it is an error; elsewhere a warning.',
    why:
      'A panic while a guard is held poisons the lock; from then on every `.lock().unwrap()` panics too. In a library ' +
      'called from C, one bad call leaves the whole library unusable for the rest of the process, and each later call ' +
      'panics across the FFI boundary (an abort since Rust 1.81).',
    useInstead:
      'Recover the guard from a poisoned lock with `.lock().unwrap_or_else(|e| e.into_inner())` (the data is usually ' +
      'still consistent), map the error to an error code, or use a lock that does not poison (`parking_lot::Mutex`).',
    example: {
      bad: `static REGISTRY: Mutex<Vec<Handle>> = Mutex::new(Vec::new());

fn register(h: Handle) {
    REGISTRY.lock().unwrap().push(h);
}`,
      good: `fn register(h: Handle) {
    REGISTRY.lock().unwrap_or_else(PoisonError::into_inner).push(h);
}`,
    },
    notes: [
      '`read(&mut buf)` and other calls with arguments are I/O, not locks, and are not reported. `unwrap_or_else`, `match`, `?` and `map_err` handle poisoning and are not reported.',
      '`file.lock().unwrap()` on a `std::fs::File` (an advisory file lock, Rust 1.89) is not reported when ffiguard sees that the value is a `File` (a local bound to `File::open(..)`/`File::create(..)`/`OpenOptions`, or a parameter declared `File`). Other types with a `lock()`, `read()` or `write()` method returning a `Result` cannot be told apart from a `Mutex` without type information.',
      'An `RwLock` is only poisoned by a panic while it is held for writing; the message of `.read().unwrap()` says so.',
      'A WebAssembly guest (a package depending on `wit-bindgen`, `wasm-bindgen`, `wasi`, `wasip1` or `wasip2` outside any `[target]` table, and not as an optional dependency) is not checked: wasm32 targets abort on panic, so a lock is never poisoned.',
    ],
    references: [
      { title: 'std::sync::Mutex: poisoning', url: 'https://doc.rust-lang.org/std/sync/struct.Mutex.html#poisoning' },
      { title: 'std::sync::PoisonError::into_inner', url: 'https://doc.rust-lang.org/std/sync/struct.PoisonError.html#method.into_inner' },
    ],
    cwe: ['CWE-667'],
  },
  triggers: TRIGGER,
  check({ crate, report }) {
    // A WebAssembly guest aborts on panic: no lock is ever poisoned.
    if (crate.settings.wasmGuest) return;
    for (const file of crate.files) {
      file.walkWhere(TRIGGER, (n) => {
        const outer = asMethodCall(n);
        if (!outer || !((outer.method === 'unwrap' && outer.args.length === 0) || (outer.method === 'expect' && outer.args.length === 1))) return;
        const lock = asMethodCall(unparen(outer.receiver));
        if (!lock || !LOCKS.has(lock.method) || lock.args.length !== 0 || isFile(file, lock.receiver)) return;
        const ffi = crate.enclosingFfiFunction(file, n);
        const target = lock.receiver.text.replace(/\s+/g, '');
        // Named as written (`self.most_recent_network_change`), unless it is a long expression.
        const shown = target.length > 48 ? 'the lock' : `\`${target}\``;
        const field = lock.call.childForFieldName('function')?.childForFieldName('field') ?? lock.call;
        const call = `.${lock.method}().${outer.method}(${outer.method === 'expect' ? '..' : ''})`;
        const where = ffi ? ` (in \`extern "${ffi.abi}" fn ${ffi.name}\`, called from C)` : '';
        report({
          file,
          node: field,
          endNode: n,
          severity: ffi ? 'error' : undefined,
          // Only a panic under the write lock poisons an `RwLock`.
          message: `\`${call}\` panics once ${shown} is poisoned, so one panic while it is ${lock.method === 'read' ? 'held for writing' : 'held'} makes every later call panic${where}`,
          help: `recover the guard with \`.${lock.method}().unwrap_or_else(|e| e.into_inner())\`, or use a lock that does not poison (e.g. \`parking_lot\`)`,
        });
      });
    }
  },
});

/** Opened files: `File::lock()` (Rust 1.89) takes an advisory file lock and returns an `io::Result`. */
const OPENS_FILE = /^(std::fs::|fs::)?(File\s*::\s*(open|create|create_new|options)\b|OpenOptions\b)/;

/** Is `receiver` a `File`: a local bound to `File::open(..)` (or the like), or a parameter or local declared `File`? */
function isFile(file: SourceFile, receiver: Node): boolean {
  const r = unparen(receiver);
  if (r.type !== 'identifier') return OPENS_FILE.test(r.text);
  const value = file.letValue(r);
  if (value) return OPENS_FILE.test(value.text.replace(/^\s+/, ''));
  // A parameter whose type names `File`.
  const type = file.parameterOf(r)?.param.childForFieldName('type');
  return !!type && /^&?\s*(mut\s+)?((std::)?fs::)?File$/.test(type.text);
}
