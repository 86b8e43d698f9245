/**
 * The ids of every rule, in the order of `rules/index.ts` (a test keeps the two lists equal). What a
 * scan needs to know about the rules before it analyses anything: configuration checks and cache keys
 * use these names, and a scan answered entirely from the cache never loads the rule modules (with the
 * analyses and the tree-sitter grammars behind them).
 */
export const RULE_IDS: readonly string[] = [
  'panic-across-ffi',
  'ffi-null-deref',
  'missing-safety-doc',
  'lock-unwrap',
  'unbounded-block-on',
  'cstr-unbounded-read',
  'cstring-interior-nul',
  'cstring-dangling-ptr',
  'ffi-ownership-no-free',
  'header-missing-decl',
  'header-stale-decl',
  'header-signature-mismatch',
  'header-string-without-length',
];
