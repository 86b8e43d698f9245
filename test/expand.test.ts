/**
 * The `macro_rules!` matcher and transcriber of src/model/expand.ts: which rule matches, what the
 * expansion says, and where its code is reported (the fixtures check what rules make of it).
 */
import { describe, expect, it } from 'vitest';
import { MacroExpander, type ExpandedSource } from '../src/model/expand.js';
import { collectMacro, type MacroDef } from '../src/model/macros.js';
import { macroName, SourceFile, type Node } from '../src/source.js';

function setup(text: string): { file: SourceFile; expander: MacroExpander; invocations: Node[] } {
  const file = new SourceFile('/crate/src/lib.rs', text);
  const macros = new Map<string, MacroDef>();
  const invocations: Node[] = [];
  file.walk(file.root, (n) => {
    if (n.type === 'macro_definition') {
      const m = collectMacro(file, n);
      if (m) macros.set(m.name, m);
      return false;
    }
    if (n.type === 'macro_invocation') invocations.push(n);
    return undefined;
  });
  return { file, expander: new MacroExpander(macros), invocations };
}

function expandFirst(text: string, name?: string): ExpandedSource | null {
  const { file, expander, invocations } = setup(text);
  const inv = invocations.find((i) => !name || macroName(i) === name)!;
  return expander.expand(file, inv);
}

const squash = (s: string | undefined): string => (s ?? '').replace(/\s+/g, ' ').trim();

describe('macro_rules! expansion', () => {
  it('substitutes fragments into a transcriber that writes an extern fn', () => {
    const x = expandFirst(`
macro_rules! declare_vec {
    ($name:ident, $new:ident, $elem:ty) => {
        #[no_mangle]
        pub unsafe extern "C" fn $new(out: *mut $name, size: usize, ptr: *const $elem) {
            (*out).data = std::slice::from_raw_parts(ptr, size).to_vec();
        }
    };
}
declare_vec!(byte_vec_t, byte_vec_new, u8);
`);
    expect(squash(x?.text)).toBe(
      '#[no_mangle] pub unsafe extern "C" fn byte_vec_new(out: *mut byte_vec_t, size: usize, ptr: *const u8) { (*out).data = std::slice::from_raw_parts(ptr, size).to_vec(); }',
    );
    expect(x?.root.hasError).toBe(false);
  });

  it('pastes an expr fragment as one operand, as rustc does: `!$c` of `a || b` is `!(a || b)`', () => {
    const x = expandFirst(`
macro_rules! negated {
    ($name:ident, $c:expr, $d:expr) => { #[no_mangle] pub extern "C" fn $name(a: bool, b: bool) -> bool { !$c && $d } };
}
negated!(either, a || b, b);
`);
    expect(squash(x?.text)).toBe('#[no_mangle] pub extern "C" fn either(a: bool, b: bool) -> bool { !(a || b) && b }');
  });

  it('picks the first rule that matches, and keeps commas inside generic arguments in a type', () => {
    const x = expandFirst(`
macro_rules! getter {
    (flag $name:ident) => { #[no_mangle] pub extern "C" fn $name() -> bool { true } };
    ($name:ident: $ty:ty = $value:expr) => { #[no_mangle] pub extern "C" fn $name() -> usize { let m: $ty = $value; m.len() } };
}
getter!(map_len: HashMap<u32, Vec<Vec<u8>>> = HashMap::new());
`);
    expect(squash(x?.text)).toBe('#[no_mangle] pub extern "C" fn map_len() -> usize { let m: HashMap<u32, Vec<Vec<u8>>> = (HashMap::new()); m.len() }');
  });

  it('repeats with separators, nested repetitions, optional parts and $crate', () => {
    const x = expandFirst(`
macro_rules! exports {
    ($prefix:ident { $($name:ident ( $($arg:ident : $ty:ty),* ) $(-> $ret:ty)? ;)+ }) => {$(
        #[no_mangle]
        pub extern "C" fn $name($($arg: $ty),*) $(-> $ret)? { $crate::imp::$name($($arg),*) }
    )+};
}
exports!(ffi {
    a(x: u8, y: *const u8) -> i32;
    b();
});
`);
    expect(squash(x?.text)).toBe(
      '#[no_mangle] pub extern "C" fn a(x: u8, y: *const u8) -> i32 { crate::imp::a(x, y) } #[no_mangle] pub extern "C" fn b() { crate::imp::b() }',
    );
  });

  it('matches doc comments as #[doc] attributes', () => {
    const x = expandFirst(`
macro_rules! documented {
    ($(#[$m:meta])* $name:ident) => { $(#[$m])* #[no_mangle] pub extern "C" fn $name() {} };
}
documented! {
    /// Says hello.
    hello
}
`);
    expect(squash(x?.text)).toBe('#[doc = " Says hello."] #[no_mangle] pub extern "C" fn hello() {}');
  });

  it('expands only macros that write extern fns, and gives up quietly when no rule matches', () => {
    const { file, expander, invocations } = setup(`
macro_rules! plain { ($n:ident) => { pub fn $n() {} }; }
macro_rules! ext { ($n:ident) => { #[no_mangle] pub extern "C" fn $n() {} }; }
macro_rules! outer { ($n:ident) => { ext!($n); }; }
plain!(f);
ext!(1 + 2);
`);
    expect([...expander.generators].sort()).toEqual(['ext', 'outer']);
    expect(invocations.map((i) => expander.expand(file, i))).toEqual([null, null]);
  });

  it('reports code from the transcriber at the name the invocation gave, and argument code where it is written', () => {
    const text = `
macro_rules! wrap {
    ($name:ident => $body:block) => {
        #[no_mangle]
        pub extern "C" fn $name(p: *const u8) -> u8 { let v = unsafe { *p }; $body }
    };
}
wrap! {
    get_one =>
    { v + 1 }
}
`;
    const x = expandFirst(text)!;
    const deref = x.root.descendantsOfType('unary_expression')[0]!;
    expect(x.span(deref)).toMatchObject({ file: '/crate/src/lib.rs', startLine: 9, startColumn: 5, endLine: 9, endColumn: 12 });
    const body = x.root.descendantsOfType('binary_expression')[0]!;
    expect(x.span(body)).toMatchObject({ startLine: 10, startColumn: 7, endLine: 10, endColumn: 12 });
    expect(x.templateSpan(deref)).toMatchObject({ startLine: 5 });
  });

  it('matches wasmtime-style keyed lists with optional generics', () => {
    const x = expandFirst(`
macro_rules! vecs {
    ($(( name: $name:ident $(<$lt:tt>)?, ty: $elem:ty, new: $new:ident, ))*) => {$(
        #[no_mangle]
        pub unsafe extern "C" fn $new $(<$lt>)? (out: &mut $name $(<$lt>)?, size: usize, ptr: *const $elem) {}
    )*};
}
vecs! {
    ( name: frame_vec_t<'a>, ty: Option<Box<frame_t<'a>>>, new: frame_vec_new, )
    ( name: byte_vec_t, ty: u8, new: byte_vec_new, )
}
`);
    expect(squash(x?.text)).toBe(
      "#[no_mangle] pub unsafe extern \"C\" fn frame_vec_new <'a> (out: &mut frame_vec_t <'a>, size: usize, ptr: *const Option<Box<frame_t<'a>>>) {} " +
        '#[no_mangle] pub unsafe extern "C" fn byte_vec_new (out: &mut byte_vec_t, size: usize, ptr: *const u8) {}',
    );
    expect(x?.root.hasError).toBe(false);
  });

  it('pastes [<..>] identifiers, as paste! does, and reports at the argument that named the function', () => {
    const x = expandFirst(`
macro_rules! kernels {
    ($(($w:literal, $name:ident)),*) => {$(
        paste::paste! {
            #[no_mangle]
            pub extern "C" fn [<sad_ $w x $w _ $name:lower>](p: *const u8) -> u32 { unsafe { *p as u32 } }
        }
    )*};
}
kernels!(
    (16, AVX2),
    (32, Sse4)
);
`);
    expect(squash(x?.text)).toContain('fn sad_16x16_avx2(p: *const u8)');
    expect(squash(x?.text)).toContain('fn sad_32x32_sse4(p: *const u8)');
    const names: Node[] = [];
    x!.walk(x!.root, (n) => void (n.type === 'function_item' && names.push(n.childForFieldName('name')!)));
    expect(names.map((n) => [n.text, x!.span(n).startLine])).toEqual([['sad_16x16_avx2', 11], ['sad_32x32_sse4', 12]]);
  });
});
