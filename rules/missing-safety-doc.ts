import { cfgDisabled, isDocHidden, lintLevel, readDocs, type Attribute } from '../src/model/attributes.js';
import type { FnInfo } from '../src/model/functions.js';
import { markdownHeadings } from '../src/model/markdown.js';
import type { Node, SourceFile } from '../src/source.js';
import { clippyLevel } from '../src/cargo.js';
import type { CrateSettings } from '../src/crate-unit.js';
import { defineRule } from '../src/rule.js';

/** Heading texts clippy accepts as the safety section (compared with the heading's text runs, trimmed). */
const SAFETY_TITLES = new Set(['Safety', 'SAFETY', 'Implementation safety', 'Implementation Safety']);
/** `missing_safety_doc` and the clippy groups that contain it. */
const CLIPPY_LINTS = ['clippy::missing_safety_doc', 'clippy::style', 'clippy::all'];

/** Does the Markdown have a heading (any level, ATX or setext) whose text is "Safety"? */
function hasSafetySection(doc: string): boolean {
  return markdownHeadings(doc).some((runs) => runs.some((r) => SAFETY_TITLES.has(r.trim())));
}

export default defineRule({
  id: 'missing-safety-doc',
  language: 'rust',
  severity: 'warning',
  summary: 'A public `unsafe fn` (or any `unsafe trait`) has no `# Safety` section in its documentation',
  precision: 'very-high',
  docs: {
    what:
      'Flags a public `unsafe fn` (free, in an inherent `impl`, in a public trait, or `pub unsafe extern "C" fn`) whose doc ' +
      'comment has no `Safety` heading, and an `unsafe trait` without one. It agrees with clippy\'s `missing_safety_doc`: ' +
      'functions reachable from outside the crate are checked (through `pub` modules or a `pub use`), and ' +
      '`#[allow(clippy::missing_safety_doc)]` (or `clippy::style`, `clippy::all`, `expect`) on the item or around it silences it. ' +
      'It also checks `unsafe` functions exported as C symbols (`#[no_mangle]`, `export_name`) whatever their Rust visibility, which clippy misses.',
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
      'Docs may be `///`, `/** */` or `#[doc = ".."]` (also `concat!`, `include_str!`, under a `cfg_attr`), with other attributes in between; a plain `//` comment is not documentation.',
      'The docs are read as rustdoc\'s Markdown: any heading level or style counts (`# Safety`, `## Safety`, `Safety` underlined with `===` or `---`, also `SAFETY` and `Implementation safety`), but not a heading inside a code block or HTML block, nor "Safety" in a paragraph or in bold.',
      'Items under a `#[doc(hidden)]` parent, `#[cfg(test)]` code and methods of trait implementations are skipped, as clippy does.',
      'Unlike clippy, it also checks a non-`pub` `#[no_mangle] unsafe extern "C" fn`: its symbol is public, and C callers need the contract just as much (rust-clippy#14359). The message says so, and that is the only place where it disagrees with clippy.',
      'Functions a `macro_rules!` transcriber writes (the name given at the invocation) are not checked: clippy reports those at the macro\'s definition, which ffiguard does not model; the other rules analyse them and report at the invocation.',
    ],
    references: [
      { title: 'Clippy: missing_safety_doc', url: 'https://rust-lang.github.io/rust-clippy/master/index.html#missing_safety_doc' },
      { title: 'Rust API Guidelines: C-FAILURE (unsafe functions document their safety requirements)', url: 'https://rust-lang.github.io/api-guidelines/documentation.html#function-docs-include-error-panic-and-safety-considerations-c-failure' },
    ],
    cwe: ['CWE-1059'],
  },
  triggers: /\bunsafe\s+(fn|extern|trait|auto)\b/,
  check({ crate, report }) {
    const missing = (file: SourceFile, item: Node): boolean => {
      const docs = readDocs(item, file.path);
      // A doc value we cannot evaluate might hold the section; clippy skips items with a `///!` comment.
      return !docs.incomplete && !docs.suspicious && !hasSafetySection(docs.text);
    };
    /** The help, pointing at a `#Safety` line that Markdown does not read as a heading (automerge-c has sixteen). */
    const helpFor = (file: SourceFile, item: Node, name: string, who: string): string => {
      const malformed = /^[ \t]*(#{1,6})(Safety)\b/im.exec(readDocs(item, file.path).text);
      return malformed
        ? `\`${malformed[1]}${malformed[2]}\` in the docs of \`${name}\` is no heading (Markdown needs a space after \`#\`): write \`${malformed[1]} ${malformed[2]}\``
        : `add a \`# Safety\` section to the docs of \`${name}\` that says what ${who} must guarantee`;
    };
    for (const fn of crate.functions) {
      // A `#[no_mangle]` / `export_name` function is a public C symbol whatever its Rust visibility
      // (clippy misses these: rust-clippy#14359).
      // Cheap tests first: visibility needs the whole module tree.
      if (!fn.isUnsafe || isTraitImplItem(fn) || !missing(fn.file, fn.node)) continue;
      const cSymbol = fn.exported && fn.abi !== null && !crate.isExported(fn);
      if (!(crate.isExported(fn) || cSymbol)) continue;
      const scopes = crate.modules.attributeScopes(fn.file, fn.node);
      // Clippy skips items under a `#[doc(hidden)]` parent (rust-clippy#7347) as well as hidden items.
      if (!checked(scopes, crate.settings) || scopes.some(isDocHidden)) continue;
      report({
        file: fn.file,
        node: fn.nameNode,
        message: cSymbol
          ? `unsafe function \`${fn.name}\` is exported as a C symbol but has no \`# Safety\` section in its docs`
          : `unsafe function \`${fn.name}\` has no \`# Safety\` section in its docs`,
        help: helpFor(fn.file, fn.node, fn.name, 'the caller'),
      });
    }
    // Clippy also wants the section on every `unsafe trait`, exported or not.
    for (const file of crate.files) {
      file.walkWhere(/\bunsafe\s+(auto\s+)?trait\b/, (n) => {
        if (n.type !== 'trait_item' || !n.children.some((c) => c.type === 'unsafe')) return;
        const name = n.childForFieldName('name');
        if (!name || !missing(file, n)) return;
        const scopes = crate.modules.attributeScopes(file, n);
        if (!checked(scopes, crate.settings) || isDocHidden(scopes[scopes.length - 1]!)) return;
        report({
          file,
          node: name,
          message: `unsafe trait \`${name.text}\` has no \`# Safety\` section in its docs`,
          help: helpFor(file, n, name.text, 'implementors'),
        });
      });
    }
  },
});

/** Compiled in a normal build, and the lint not turned off by `allow`/`expect` on the item or around it. */
function checked(scopes: Attribute[][], settings: CrateSettings): boolean {
  if (scopes.some(cfgDisabled)) return false;
  // Attributes in the source override Cargo's `[lints.clippy]` (which become command-line flags).
  const level = lintLevel(scopes, CLIPPY_LINTS) ?? clippyLevel(settings.clippyLints, ['missing_safety_doc', 'style', 'all']);
  return level !== 'allow' && level !== 'expect';
}

function isTraitImplItem(fn: FnInfo): boolean {
  for (const a of fn.file.ancestors(fn.node)) {
    if (a.type === 'impl_item') return a.childForFieldName('trait') !== null;
    if (a.type === 'function_item') return false;
  }
  return false;
}
