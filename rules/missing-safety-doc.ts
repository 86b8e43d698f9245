import { docText, leadingAttributes } from '../src/model/attributes.js';
import type { FnInfo } from '../src/model/functions.js';
import { defineRule } from '../src/rule.js';

/** A Markdown heading (ATX `#`..`######` or setext) whose text is "Safety". */
const SAFETY_HEADING = /^ {0,3}#{1,6}[ \t]+Safety[ \t]*#*[ \t]*$|^ {0,3}Safety[ \t]*\n {0,3}(=+|-+)[ \t]*$/m;

export function hasSafetySection(doc: string): boolean {
  return SAFETY_HEADING.test(doc.replace(/```[\s\S]*?```/g, ''));
}

export default defineRule({
  id: 'missing-safety-doc',
  language: 'rust',
  severity: 'warning',
  summary: 'A public `unsafe fn` has no `# Safety` section in its documentation',
  precision: 'very-high',
  docs: {
    what:
      'Flags a public `unsafe fn` (free, in an inherent `impl`, in a public trait, or `pub unsafe extern "C" fn`) whose doc ' +
      'comment has no `Safety` heading. It agrees with clippy\'s `missing_safety_doc`: only functions reachable from ' +
      'outside the crate are checked, and `#[allow(clippy::missing_safety_doc)]` silences it.',
    why:
      'An `unsafe fn` hands part of its correctness to the caller. Without a written contract (which pointers must be ' +
      'non-null, aligned, live for how long, which lengths must match) callers guess, and FFI bindings written in other ' +
      'languages guess worse. Each guess is a potential use-after-free, out-of-bounds read or data race.',
    useInstead: 'Add a `# Safety` section listing every condition the caller must uphold.',
    example: {
      bad: `/// Frees a buffer returned by \`buf_new\`.
pub unsafe extern "C" fn buf_free(buf: *mut Buf) {
    drop(Box::from_raw(buf));
}`,
      good: `/// Frees a buffer returned by \`buf_new\`.
///
/// # Safety
///
/// \`buf\` must come from \`buf_new\` and must not be used after this call.
pub unsafe extern "C" fn buf_free(buf: *mut Buf) {
    drop(Box::from_raw(buf));
}`,
    },
    notes: [
      'Docs may be \`///\`, \`/** */\` or \`#[doc = ".."]\`, with other attributes in between; a plain \`//\` comment is not documentation. Any heading level counts (\`# Safety\`, \`## Safety\`).',
      'Items under a \`#[doc(hidden)]\` parent and methods of trait implementations are skipped, as clippy does.',
    ],
    references: [
      { title: 'Clippy: missing_safety_doc', url: 'https://rust-lang.github.io/rust-clippy/master/index.html#missing_safety_doc' },
      { title: 'Rust API Guidelines: C-FAILURE (unsafe functions document their safety requirements)', url: 'https://rust-lang.github.io/api-guidelines/documentation.html#function-docs-include-error-panic-and-safety-considerations-c-failure' },
    ],
    cwe: ['CWE-1059'],
  },
  check({ crate, report }) {
    for (const fn of crate.functions) {
      if (!fn.isUnsafe || isTraitImplItem(fn) || docHidden(fn) || !crate.isExported(fn)) continue;
      if (hasSafetySection(docText(fn.node))) continue;
      report({
        file: fn.file,
        node: fn.nameNode,
        message: `unsafe function \`${fn.name}\` has no \`# Safety\` section in its docs`,
        help: `add a \`# Safety\` section to the docs of \`${fn.name}\` that says what the caller must guarantee`,
      });
    }
  },
});

function isTraitImplItem(fn: FnInfo): boolean {
  for (const a of fn.file.ancestors(fn.node)) {
    if (a.type === 'impl_item') return a.childForFieldName('trait') !== null;
    if (a.type === 'function_item') return false;
  }
  return false;
}

function docHidden(fn: FnInfo): boolean {
  const hidden = (n: typeof fn.node): boolean => leadingAttributes(n).some((a) => a.name === 'doc' && /^\s*hidden\s*$/.test(a.args));
  if (hidden(fn.node)) return true;
  for (const a of fn.file.ancestors(fn.node)) if (['mod_item', 'impl_item', 'trait_item'].includes(a.type) && hidden(a)) return true;
  return false;
}
