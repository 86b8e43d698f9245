import { isTemporaryCString } from '../src/analysis/cstring.js';
import { defineRule } from '../src/rule.js';
import { macroName, type Node, type SourceFile } from '../src/source.js';
import { asMethodCall, asPathCall } from '../src/syntax.js';

/** Methods and constructors that keep their argument beyond the statement. */
const STORING = new Set(['push', 'push_back', 'push_front', 'insert', 'extend', 'set', 'store', 'replace', 'new', 'from']);

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
      'Using the pointer as an argument of a call in the same statement is fine (`greet(CString::new(x)?.as_ptr())`): the temporary lives until the statement ends. This matches rustc\'s `dangling_pointers_from_temporaries` lint (1.84+).',
    ],
    references: [
      { title: 'std::ffi::CString::as_ptr', url: 'https://doc.rust-lang.org/std/ffi/struct.CString.html#method.as_ptr' },
      { title: 'rustc lint: dangling_pointers_from_temporaries', url: 'https://doc.rust-lang.org/rustc/lints/listing/warn-by-default.html#dangling-pointers-from-temporaries' },
    ],
    cwe: ['CWE-825', 'CWE-416'],
  },
  check({ crate, report }) {
    for (const file of crate.files) {
      file.walk(file.root, (n) => {
        const m = asMethodCall(n);
        if (!m || m.method !== 'as_ptr' || m.args.length !== 0 || !isTemporaryCString(m.receiver)) return;
        if (!escapesStatement(file, n)) return;
        const field = n.childForFieldName('function')?.childForFieldName('field') ?? n;
        report({
          file,
          node: field,
          endNode: n,
          message: 'this pointer dangles: the temporary `CString` is dropped at the end of the statement and `.as_ptr()` outlives it',
          help: 'bind the `CString` to a variable that outlives every use of the pointer (or pass ownership with `CString::into_raw`)',
          related: [{ file, node: m.receiver, message: 'temporary `CString` created here, freed at the end of the statement' }],
        });
      });
    }
  },
});

/** Does the pointer value leave the statement (bound, returned, stored) rather than being passed to a call in it? */
function escapesStatement(file: SourceFile, asPtr: Node): boolean {
  let cur = asPtr;
  for (const a of file.ancestors(asPtr)) {
    if (a.type === 'parenthesized_expression' || a.type === 'type_cast_expression') {
      cur = a;
      continue;
    }
    // `.cast()`, `.cast_mut()` keep the pointer.
    const m = asMethodCall(a);
    if (m && m.receiver.id === cur.id) {
      cur = a;
      continue;
    }
    if (a.type === 'arguments') {
      const call = a.parent!;
      const name = asPathCall(call)?.name ?? asMethodCall(call)?.method ?? '';
      return STORING.has(name) || /^[A-Z]/.test(name);
    }
    // Macro arguments (`println!("{:?}", ..)`) are used within the statement; `vec![..]` keeps them.
    if (a.tree !== file.tree) {
      if (a.type === 'tuple_expression' || a.type === 'array_expression' || a.type === 'expression_statement') {
        cur = a;
        continue;
      }
      if (a.type === 'source_file') return macroName(file.parent(a)!) === 'vec';
    }
    return true;
  }
  return true;
}
