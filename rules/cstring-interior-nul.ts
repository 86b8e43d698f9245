import { cstringConstructor } from '../src/analysis/cstring.js';
import { defineRule } from '../src/rule.js';
import { asMethodCall, unparen } from '../src/syntax.js';

export default defineRule({
  id: 'cstring-interior-nul',
  language: 'rust',
  severity: 'warning',
  summary: '`CString::new(x).unwrap()` panics when `x` contains a NUL byte',
  precision: 'high',
  docs: {
    what: 'Flags `CString::new(x).unwrap()` and `CString::new(x).expect(..)` where `x` is not a string literal free of NUL bytes.',
    why:
      '`CString::new` fails when its input contains a `\\0` byte. Strings from users, files, the network or another ' +
      'language can contain one, and `.unwrap()` then panics: in an `extern "C"` function that aborts the host process, ' +
      'and anywhere it is a denial of service that an attacker controls.',
    useInstead:
      'Handle the error (`CString::new(x).map_err(..)?`, or return an error code to C), or remove / reject NUL bytes ' +
      'before converting. For constant strings use a C string literal (`c"text"`, Rust 1.77+).',
    example: {
      bad: `fn set_title(w: &Window, title: &str) {
    let t = CString::new(title).unwrap();
    unsafe { sys_set_title(w.raw, t.as_ptr()) };
}`,
      good: `fn set_title(w: &Window, title: &str) -> Result<(), NulError> {
    let t = CString::new(title)?;
    unsafe { sys_set_title(w.raw, t.as_ptr()) };
    Ok(())
}`,
    },
    notes: ['A literal argument without `\\0` cannot fail and is not reported.'],
    references: [
      { title: 'std::ffi::CString::new', url: 'https://doc.rust-lang.org/std/ffi/struct.CString.html#method.new' },
      { title: 'std::ffi::NulError', url: 'https://doc.rust-lang.org/std/ffi/struct.NulError.html' },
    ],
    cwe: ['CWE-248', 'CWE-170'],
  },
  check({ crate, report }) {
    for (const file of crate.files) {
      file.walk(file.root, (n) => {
        const m = asMethodCall(n);
        if (!m || !((m.method === 'unwrap' && m.args.length === 0) || (m.method === 'expect' && m.args.length === 1))) return;
        const ctor = cstringConstructor(m.receiver);
        if (!ctor || ctor.name !== 'new' || ctor.args.length !== 1) return;
        const arg = unparen(ctor.args[0]!);
        if (isNulFreeLiteral(arg.text, arg.type)) return;
        const shown = arg.text.replace(/\s+/g, ' ');
        report({
          file,
          node: ctor.call,
          endNode: n,
          message: `\`CString::new(${shown.length > 30 ? '..' : shown}).${m.method}()\` panics if the string contains a NUL byte`,
          help: 'handle the `NulError` (e.g. `CString::new(x).map_err(..)?`) or strip NUL bytes before converting',
        });
      });
    }
  },
});

function isNulFreeLiteral(text: string, type: string): boolean {
  if (type === 'string_literal' || type === 'raw_string_literal') return !/\\0|\\x00|\\u\{0+\}|\0/.test(text);
  // `b"..."` / `br"..."` parse as string literals with a prefix in tree-sitter-rust 0.24.
  return false;
}
