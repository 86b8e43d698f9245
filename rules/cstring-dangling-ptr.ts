import { isTemporaryCString, oneLine, pointerEscape } from '../src/analysis/cstring.js';
import { defineRule } from '../src/rule.js';
import { asMethodCall } from '../src/syntax.js';

/** Text every flagged expression contains. */
const TRIGGER = /\bCString\s*::/;

export default defineRule({
  id: 'cstring-dangling-ptr',
  language: 'rust',
  severity: 'error',
  summary: '`.as_ptr()` on a temporary `CString` dangles at the end of the statement',
  precision: 'high',
  securitySeverity: '8.8',
  docs: {
    what:
      'Flags `.as_ptr()` called on a `CString` that is not stored anywhere (`CString::new(x).unwrap().as_ptr()`, ' +
      '`CString::new(x)?.as_ptr()`) when the pointer outlives the statement: bound to a variable, returned, stored in a ' +
      'struct or a collection.',
    why:
      'The temporary `CString` is dropped at the end of the statement and its buffer freed; the pointer then refers to ' +
      'freed memory. C code that reads it sees garbage or crashes, and the bug often hides in tests because the freed ' +
      'memory still holds the old bytes for a while.',
    useInstead:
      'Bind the `CString` to a variable that lives as long as the pointer is used (`let s = CString::new(x)?; f(s.as_ptr());`), ' +
      'or hand ownership to C with `CString::into_raw` and free it later with `CString::from_raw`.',
    example: {
      bad: `let name = CString::new(user).unwrap().as_ptr();
unsafe { greet(name) };`,
      good: `let name = CString::new(user).unwrap();
unsafe { greet(name.as_ptr()) };`,
    },
    notes: [
      'The pointer escapes when it is bound with `let`, returned (also as a block\'s or closure\'s value), assigned, stored in a struct field, pushed or inserted into a collection, or put in `vec![..]`; casts, `.cast()` and `Some(..)` / `Wrapper::new(..)` carry it on. Printing, comparing or reading through it inside the statement is fine.',
      'Using the pointer as an argument of a call in the same statement is fine (`greet(CString::new(x)?.as_ptr())`): the temporary lives until the statement ends. This matches rustc\'s `dangling_pointers_from_temporaries` lint (1.84+).',
    ],
    references: [
      { title: 'std::ffi::CString::as_ptr', url: 'https://doc.rust-lang.org/std/ffi/struct.CString.html#method.as_ptr' },
      { title: 'rustc lint: dangling_pointers_from_temporaries', url: 'https://doc.rust-lang.org/rustc/lints/listing/warn-by-default.html#dangling-pointers-from-temporaries' },
    ],
    cwe: ['CWE-825', 'CWE-416'],
  },
  triggers: TRIGGER,
  check({ crate, report }) {
    for (const file of crate.files) {
      file.walkWhere(TRIGGER, (n) => {
        const m = asMethodCall(n);
        if (!m || m.method !== 'as_ptr' || m.args.length !== 0 || !isTemporaryCString(m.receiver)) return;
        const where = pointerEscape(file, n);
        if (!where) return;
        const field = n.childForFieldName('function')?.childForFieldName('field') ?? n;
        const code = oneLine(n.text);
        const what = code.length > 50 ? 'a pointer into a temporary `CString`' : `\`${code}\``;
        report({
          file,
          node: field,
          endNode: n,
          message: `${what} is ${where}, but the temporary \`CString\` is freed at the end of the statement, so the pointer dangles`,
          help: 'bind the `CString` to a variable that outlives every use of the pointer (or pass ownership with `CString::into_raw`)',
          related: [{ file, node: m.receiver, message: 'temporary `CString` created here, freed at the end of the statement' }],
        });
      });
    }
  },
});
