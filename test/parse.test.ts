/** The text fixes that let tree-sitter-rust 0.24 parse code it rejects (src/parse.ts). */
import { describe, expect, it } from 'vitest';
import { neutraliseRust, parseRust, reparseFixingErrors } from '../src/parse.js';

/** Parses `code` as SourceFile does: fixed text, then the pattern-attribute re-parse. */
function parse(code: string): { text: string; errors: number } {
  const neutral = neutraliseRust(code);
  const { text, tree } = reparseFixingErrors(neutral, parseRust(neutral));
  return { text, errors: tree.rootNode.hasError ? Math.max(1, tree.rootNode.descendantsOfType('ERROR').length) : 0 };
}

describe('code the grammar rejects', () => {
  const rejected: [string, string][] = [
    ['a variable named raw, borrowed', 'fn f() { let raw = 1; g(&raw); }'],
    ['edition-2024 unsafe extern block', 'unsafe extern "C" { pub safe fn f(); }'],
    ['a lifetime before the trait of a trait object', "fn f(x: Box<dyn 's + FnOnce() -> u8>) {}"],
    ['pub impl under an attribute macro', '#[extend::ext(name = E)]\npub impl<T> Result<T, ()> { fn a(self) {} }'],
    ['pub(crate) impl', '#[ext]\npub(crate) unsafe impl Vec<u8> {}'],
    ['an empty bound in a where clause', 'fn f<T, U>() where U: Clone, T:, {}'],
    ['an attribute on a field of a match pattern', 'fn f() { match s { S::D { ref mut a, #[cfg(x)]\n b: _, } => 1, _ => 2 }; }'],
    ['an attribute on a field of a let pattern', 'fn f() { if let S { #[cfg(unix)] ref mut fd, since } = s { g(fd, since); } }'],
    ['an attribute on a field of a destructuring let', 'fn f() { let S { a, #[cfg(x)] b, c } = s; }'],
    ['a `~` in a macro definition (seq-macro)', 'macro_rules! m { ($n:literal) => { seq!(N in $n..=$n { fn case_~N() {} }); }; }\nfn g() {}'],
  ];
  for (const [what, code] of rejected) {
    it(`parses ${what}, keeping every offset`, () => {
      expect(parseRust(code).rootNode.hasError).toBe(true);
      const { text, errors } = parse(code);
      expect(errors).toBe(0);
      expect(text).toHaveLength(code.length);
      expect(text.split('\n').map((l) => l.length)).toEqual(code.split('\n').map((l) => l.length));
    });
  }

  const untouched = [
    'fn f() { let p = &raw const x; let q = &raw mut y; }',
    "fn f(x: Box<dyn FnOnce() + 's>) where T: Clone + 'static, U: Send {}",
    'pub fn f() {} impl S { pub fn g() {} }',
    'fn f() { let s = S { a, #[cfg(x)] b: 1, c }; }',
    '#[cfg(test)]\nmod tests { #[test] fn t() {} }',
  ];
  for (const code of untouched) {
    it(`leaves code it parses alone: ${code.split('\n')[0]}`, () => {
      expect(parseRust(code).rootNode.hasError).toBe(false);
      expect(parse(code).text).toBe(code);
    });
  }

  it('keeps the text as it was when blanking the attributes leaves as many errors', () => {
    // The attribute is on a field of a struct expression, which parses; the error is elsewhere.
    const code = 'fn f() { let s = S { #[cfg(x)] a: 1 }; let = ; }';
    const neutral = neutraliseRust(code);
    const first = parseRust(neutral);
    expect(first.rootNode.hasError).toBe(true);
    const { text, tree } = reparseFixingErrors(neutral, first);
    expect(text).toBe(neutral);
    expect(tree).toBe(first);
  });
});
