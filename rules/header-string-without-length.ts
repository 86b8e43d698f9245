import { abiHeaders } from '../src/c/abi-headers.js';
import type { CFunction, CParam } from '../src/c/header.js';
import type { FnInfo } from '../src/model/functions.js';
import { defineRule } from '../src/rule.js';
import { freedBy } from '../src/analysis/frees.js';

const LENGTH_NAME = /(^|_)(len|length|size|sz|n|count|cnt|nbytes|bytes|bytelen)$|^n[_A-Z]|Len(gth)?$|Size$/;

export default defineRule({
  id: 'header-string-without-length',
  language: 'c',
  severity: 'note',
  summary: 'A C prototype passes a `char *` string with no length parameter',
  precision: 'medium',
  docs: {
    what:
      'Flags a `const char *` or `char *` parameter in the crate\'s C header that is not followed by a length parameter (an ' +
      'integer named like `len`, `size`, `n`, `*_len`): the API assumes NUL-terminated strings.',
    why:
      'A NUL-terminated API cannot carry strings with interior NUL bytes, makes every call scan for the terminator, and ' +
      'reads past the buffer when a caller (Go, Rust, Python bytes, a fixed-size field) passes one without a terminator. ' +
      'Audits of FFI crates keep recommending the fix: C strings with explicit lengths that tolerate interior NUL bytes.',
    useInstead: 'Pass strings as (pointer, length) pairs: `const char *key, size_t key_len`, and read exactly that many bytes on the Rust side.',
    example: {
      bad: 'int kv_put(kv_store_t *store, const char *key, const char *value);',
      good: 'int kv_put(kv_store_t *store, const char *key, size_t key_len, const char *value, size_t value_len);',
    },
    notes: [
      'Only the crate\'s own headers are checked (those that declare one of its exports). Pointers to pointers (`char **out`) are out-parameters and not reported.',
      'A `char *` that the Rust function takes back with `CString::from_raw` or `libc::free` (a `*_free` function for strings the crate returned) is ownership handed back, not a string read, and is not reported; nor is one the Rust function ignores (a parameter named `_name`, often a deprecated one callers pass NULL for).',
      'A `size_t *` after the string counts as its length (passed in and out), unless it is named as a result (`ret_len`, `out_size`, `size_out`): that one only comes back, and the string before it has no length.',
      'A function whose API also has the length-taking variant is not reported: another declared function of the same name but for the words that say how it takes the string (`str`/`substr`, `_n`, `_with_len`, `_null_terminated`, the parameter\'s name) with the same parameters and a length right after the string (zenoh-c\'s `z_keyexpr_from_substr` beside `z_keyexpr_from_str`). The NUL-terminated one is then a convenience for callers that have a C string.',
    ],
    references: [{ title: 'CWE-170: Improper Null Termination', url: 'https://cwe.mitre.org/data/definitions/170.html' }],
    cwe: ['CWE-170'],
  },
  check({ crate, report }) {
    const headers = abiHeaders(crate);
    const declared = headers.flatMap((h) => h.functions.filter((f) => !f.isStatic));
    for (const header of headers) {
      for (const fn of header.functions) {
        if (fn.isStatic) continue;
        const rust = crate.exportsBySymbol.get(fn.name);
        fn.params.forEach((p, i) => {
          if (!isCharPointer(p) || isLength(fn.params[i + 1]) || isByteBuffer(p)) return;
          if (rust && (ignores(rust, i) || takesBack(rust, i))) return;
          const ordinal = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth'][i] ?? `${i + 1}th`;
          // An unnamed parameter (`const char *` alone) is named by its place.
          const [lengthName, after] = p.name ? [`${p.name}_len`, `\`${p.name}\``] : ['len', `the ${ordinal} parameter`];
          // The API has the length-taking variant too: the NUL-terminated one is a convenience.
          if (lengthTakingSibling(fn, i, declared)) return;
          report({
            file: header,
            node: p.node,
            message: `\`${p.node.text.replace(/\s+/g, ' ')}\` of \`${fn.name}\` has no length parameter after it: the API assumes a NUL-terminated string`,
            help: `add a \`size_t ${lengthName}\` parameter after ${after} and read exactly that many bytes in Rust`,
          });
        });
      }
    }
  },
});

/**
 * Another declared function of the same name, the string words aside, with the same parameters but a
 * length right after string parameter `i` (zenoh-c's `z_keyexpr_from_substr(ke, expr, len)` beside
 * `z_keyexpr_from_str(ke, expr)`, `z_get_with_parameters_substr` beside `z_get`): the API already has
 * the length-taking variant.
 */
function lengthTakingSibling(fn: CFunction, i: number, declared: readonly CFunction[]): string | undefined {
  const same = (a: CParam, b: CParam): boolean => a.type.text.replace(/\s+/g, '') === b.type.text.replace(/\s+/g, '');
  const param = fn.params[i]!.name ?? '';
  const stem = (name: string): string =>
    name
      .toLowerCase()
      .split('_')
      .filter((w) => w && !STRING_WORDS.has(w) && w !== param.toLowerCase())
      .join('_');
  const own = stem(fn.name);
  return declared.find(
    (g) =>
      g !== fn &&
      g.params.length === fn.params.length + 1 &&
      isLength(g.params[i + 1]) &&
      g.params.every((q, k) => k === i + 1 || same(q, fn.params[k > i + 1 ? k - 1 : k]!)) &&
      stem(g.name) === own,
  )?.name;
}

/** Words that name how a function takes its string, not what it does: `from_str` / `from_substr`, `_n`, `_with_len`, `_null_terminated`. */
const STRING_WORDS = new Set(['str', 'substr', 'string', 'cstr', 'n', 'len', 'length', 'with', 'null', 'nul', 'terminated']);

/**
 * Does the export take parameter `i` back to free it (`CString::from_raw(s)`, `libc::free(s)`)? Then it
 * is an owned string returned, not one read.
 */
function takesBack(fn: FnInfo, i: number): boolean {
  const param = fn.params[i];
  return !!param?.isRawPointer && freedBy(fn, param.name) !== undefined;
}

/** The Rust side never reads parameter `i` (`_os_name`: a deprecated parameter the header says to pass NULL for). */
function ignores(fn: FnInfo, i: number): boolean {
  return fn.params[i]?.name.startsWith('_') ?? false;
}

function isCharPointer(p: CParam): boolean {
  return p.type.kind === 'pointer' && p.type.to.kind === 'scalar' && p.type.to.scalar === 'char';
}

/**
 * An integer named like a length, or a pointer to one (`size_t *len`: the length is passed both ways),
 * but not a pointer named as a result (`size_t *ret_bytes`, `size_t *out_len`): that one only comes back.
 */
function isLength(p: CParam | undefined): boolean {
  if (!p || !p.name || !LENGTH_NAME.test(p.name)) return false;
  if (p.type.kind === 'pointer' && /^(ret|out|result)_|_out$/i.test(p.name)) return false;
  const t = p.type.kind === 'pointer' ? p.type.to : p.type;
  return t.kind === 'scalar' && !['f32', 'f64', 'bool', 'char'].includes(t.scalar);
}

/** A mutable `char *` named like a byte buffer (`pixmap`, `data`, `buf`) is memory, not a string. */
function isByteBuffer(p: CParam): boolean {
  return p.type.kind === 'pointer' && !p.type.const && /^(buf|buffer|data|bytes|pix|pixels|pixmap|mem|out_?buf)$/i.test(p.name ?? '');
}
