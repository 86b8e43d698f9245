import { calleeName } from '../src/analysis/callees.js';
import { rawPointerParams } from '../src/analysis/null-checks.js';
import { fnLabel } from '../src/model/functions.js';
import { chainSteps, cstrRead, cstrReadsInHelpers, describeChain, leafOf } from '../src/analysis/pointer-helpers.js';
import { placeNamer } from '../src/analysis/places.js';
import { defineRule, FFI_FUNCTIONS } from '../src/rule.js';
import { asPathCall } from '../src/syntax.js';

/** Docs that state the C-string contract: "a NUL-terminated string", "null terminated", "a C string". */
const NUL_DOCUMENTED = /\b(nul|null)[- ]terminated\b|\bC[- ]strings?\b/i;

export default defineRule({
  id: 'cstr-unbounded-read',
  language: 'rust',
  severity: 'warning',
  summary: '`CStr::from_ptr` on a parameter trusts the C caller to NUL-terminate it',
  precision: 'high',
  securitySeverity: '5.3',
  docs: {
    what:
      'Flags `CStr::from_ptr(p)` where `p` is a raw-pointer parameter of an `extern "C"` function (or a local copy of one), ' +
      'or a string pointer read through such a parameter (`CStr::from_ptr(*argv.add(i))`, `CStr::from_ptr((*opts).name)`); ' +
      'also a call that hands the parameter to a function of the crate that reads it with `CStr::from_ptr` (`cstr_to_str(path)`).',
    why:
      '`CStr::from_ptr` scans memory until it finds a NUL byte. If the caller passes a buffer that is not NUL-terminated ' +
      '(a Go or Rust string, a fixed-size field, a truncated read) the scan runs past the end of the buffer: an ' +
      'out-of-bounds read that can leak memory contents or crash. The API also cannot accept strings that contain NUL.',
    useInstead:
      'Take the length from the caller: `(ptr: *const c_char, len: usize)`, then read exactly that many bytes with ' +
      '`slice::from_raw_parts(ptr.cast::<u8>(), len)` and validate them (`str::from_utf8`). If the API must stay ' +
      'NUL-terminated, document the requirement in a `# Safety` section.',
    example: {
      bad: `#[no_mangle]
pub unsafe extern "C" fn set_name(name: *const c_char) -> i32 {
    let name = CStr::from_ptr(name);
    store(name.to_bytes())
}`,
      good: `#[no_mangle]
pub unsafe extern "C" fn set_name(name: *const u8, len: usize) -> i32 {
    if name.is_null() { return -1; }
    let name = std::slice::from_raw_parts(name, len);
    store(name)
}`,
    },
    notes: [
      'A null check does not silence this rule: it is about the missing length, not the null pointer (`ffi-null-deref` covers that).',
      'Calls are followed into the crate\'s own functions up to three calls deep; the finding is at the call in the `extern "C"` function, with the helper\'s `CStr::from_ptr` as a related location.',
      'Buffers the Rust side built itself (`CStr::from_ptr(buf.as_ptr())`) and Rust-ABI functions are not reported.',
      'A function whose docs state the contract ("a NUL-terminated string", "null terminated", "a C string") gets a note instead of a warning: the author chose the C-string convention and told callers; the message says the docs say so.',
      'Only exported functions (`#[no_mangle]`, `export_name`) are checked: an `extern "C"` callback the crate hands to a C library (a libxml2 SAX handler) has the signature that library defines, strings terminated as its contract says, and no room for a length. `ffi-null-deref` still checks its pointers.',
    ],
    references: [
      { title: 'std::ffi::CStr::from_ptr: safety', url: 'https://doc.rust-lang.org/std/ffi/struct.CStr.html#method.from_ptr' },
    ],
    cwe: ['CWE-170', 'CWE-126'],
  },
  triggers: FFI_FUNCTIONS,
  check({ crate, report }) {
    for (const fn of crate.ffiFunctions) {
      // A callback the crate hands to a C library (not exported) has the signature that library fixed,
      // and the library's contract says how its strings end: no length can be added there.
      if (!fn.exported) continue;
      const where = placeNamer(crate, fn.file);
      // The contract is written down: a design choice the author made, worth a note rather than a warning.
      // (The docs are read only for a function with a finding.)
      const documented = (): boolean => NUL_DOCUMENTED.test(fn.docs);
      const contract = (): { severity?: 'note' } => (documented() ? { severity: 'note' } : {});
      const said = (): string => (documented() ? ' (its docs say so)' : '');
      for (const { param, ptr } of rawPointerParams(fn, crate)) {
        const source = { file: fn.file, node: param.node, message: `\`${param.name}\` comes from the C caller` };
        fn.file.walkBody(fn.body!, (n) => {
          // The parameter itself, or a string pointer stored in what it points to (`*argv.add(i)`, `(*opts).name`).
          const read = cstrRead(ptr, n);
          if (!read) return;
          const direct = read === 'direct';
          const call = `\`CStr::from_ptr(${clip(asPathCall(n)!.args[0]!.text)})\``;
          report({
            file: fn.file,
            node: n,
            message: direct
              ? `${call} reads parameter \`${param.name}\` of ${fnLabel(fn)} up to a NUL byte that the C caller must supply${said()}`
              : `${call} reads a string reached through parameter \`${param.name}\` of ${fnLabel(fn)} up to a NUL byte that the C caller must supply${said()}`,
            help: direct ? lengthHelp(param.name) : 'have the caller pass each string with its length and read it with `slice::from_raw_parts`',
            related: [source],
            ...contract(),
          });
        });
        // `cstr_to_str(p)`: a crate helper (or a chain of them) does the read.
        for (const use of cstrReadsInHelpers(fn, ptr, crate)) {
          const leaf = leafOf(use, fn);
          report({
            file: fn.file,
            node: use.node,
            message: `parameter \`${param.name}\` of ${fnLabel(fn)}${use.via ? ` (as \`${use.via}\`)` : ''} is ${describeChain(use, where)} up to a NUL byte that the C caller must supply${said()}`,
            help: lengthHelp(param.name),
            related: [
              source,
              ...chainSteps(use),
              { file: leaf.fn.file, node: leaf.use.node, message: `\`${calleeName(leaf.fn)}()\` reads \`${leaf.param}\` here up to a NUL byte` },
            ],
            ...contract(),
          });
        }
      }
    }
  },
});

function lengthHelp(name: string): string {
  return `take the length too (\`${name}: *const c_char, ${name}_len: usize\`) and read it with \`slice::from_raw_parts\``;
}

function clip(text: string): string {
  const one = text.replace(/\s+/g, ' ');
  return one.length > 40 ? `${one.slice(0, 37)}...` : one;
}
