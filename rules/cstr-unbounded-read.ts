import { PointerParam } from '../src/analysis/null-checks.js';
import { defineRule } from '../src/rule.js';
import { asPathCall, lastOf } from '../src/syntax.js';

export default defineRule({
  id: 'cstr-unbounded-read',
  language: 'rust',
  severity: 'warning',
  summary: '`CStr::from_ptr` on a parameter trusts the C caller to NUL-terminate it',
  precision: 'high',
  securitySeverity: '5.3',
  docs: {
    what: 'Flags `CStr::from_ptr(p)` where `p` is a raw-pointer parameter of an `extern "C"` function (or a local copy of one).',
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
    notes: ['A null check does not silence this rule: it is about the missing length, not the null pointer (`ffi-null-deref` covers that).'],
    references: [
      { title: 'std::ffi::CStr::from_ptr: safety', url: 'https://doc.rust-lang.org/std/ffi/struct.CStr.html#method.from_ptr' },
    ],
    cwe: ['CWE-170', 'CWE-126'],
  },
  check({ crate, report }) {
    for (const fn of crate.ffiFunctions) {
      for (const param of fn.params) {
        if (!param.isRawPointer) continue;
        const ptr = new PointerParam(fn.file, fn.body!, param.name, crate);
        fn.file.walkBody(fn.body!, (n) => {
          const c = asPathCall(n);
          if (!c || c.name !== 'from_ptr' || lastOf(c.qualifier) !== 'CStr' || !c.args[0] || !ptr.isPointerExpr(c.args[0])) return;
          report({
            file: fn.file,
            node: n,
            message: `\`CStr::from_ptr(${c.args[0].text})\` reads parameter \`${param.name}\` of \`${fn.name}\` up to a NUL byte that the C caller must supply`,
            help: `take the length too (\`${param.name}: *const c_char, ${param.name}_len: usize\`) and read it with \`slice::from_raw_parts\``,
            related: [{ file: fn.file, node: param.node, message: `\`${param.name}\` comes from the C caller` }],
          });
        });
      }
    }
  },
});
