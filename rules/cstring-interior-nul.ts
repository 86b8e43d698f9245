import { cannotHoldNul, cstringConstructor, literalHasNul } from '../src/analysis/cstring.js';
import { defineRule } from '../src/rule.js';
import { asMethodCall, unparen } from '../src/syntax.js';

/** Text every flagged expression contains. */
const TRIGGER = /\bCString\s*::/;

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
    notes: [
      'A value that cannot contain a NUL byte is not reported: a literal without `\\0` (also through `.to_string()`, `String::from` or `if`/`match` branches that are all such literals), a number turned into text (`n.to_string()`, `format!("{n}px")` whose arguments are all numbers: parameters or annotated locals of an integer or float type, numeric literals, casts, `.len()`), and bytes cut before the NUL a `NulError` reported (`v[..err.nul_position()]`). `panic-across-ffi` does not count the `.unwrap()` of such a call either.',
      'Other strings are reported even when the crate\'s own code builds them (`CString::new(version()).expect(..)`): ffiguard does not follow what a function returns.',
    ],
    references: [
      { title: 'std::ffi::CString::new', url: 'https://doc.rust-lang.org/std/ffi/struct.CString.html#method.new' },
      { title: 'std::ffi::NulError', url: 'https://doc.rust-lang.org/std/ffi/struct.NulError.html' },
    ],
    cwe: ['CWE-248', 'CWE-170'],
  },
  triggers: TRIGGER,
  check({ crate, report }) {
    for (const file of crate.files) {
      file.walkWhere(TRIGGER, (n) => {
        const m = asMethodCall(n);
        if (!m || !((m.method === 'unwrap' && m.args.length === 0) || (m.method === 'expect' && m.args.length === 1))) return;
        const ctor = cstringConstructor(m.receiver);
        if (!ctor || ctor.name !== 'new' || ctor.args.length !== 1) return;
        const arg = unparen(ctor.args[0]!);
        const nul = literalHasNul(arg);
        if (nul === false || (nul === null && cannotHoldNul(file, arg))) return;
        const shown = arg.text.replace(/\s+/g, ' ');
        const call = `\`CString::new(${shown.length > 30 ? '..' : shown}).${m.method}(${m.method === 'expect' ? '..' : ''})\``;
        report({
          file,
          node: ctor.call,
          endNode: n,
          message: nul ? `${call} always panics: the literal contains a NUL byte` : `${call} panics if the string contains a NUL byte`,
          help: nul
            ? 'remove the NUL byte, or write the string as a C string literal (`c"text"`, Rust 1.77+)'
            : 'handle the `NulError` (e.g. `CString::new(x).map_err(..)?`) or strip NUL bytes before converting',
        });
      });
    }
  },
});
