/** Every rule, in the order `ffiguard rules` lists them. A test checks this list matches the files in `rules/`. */
import type { Rule } from '../src/rule.js';
import panicAcrossFfi from './panic-across-ffi.js';
import ffiNullDeref from './ffi-null-deref.js';
import missingSafetyDoc from './missing-safety-doc.js';
import lockUnwrap from './lock-unwrap.js';
import unboundedBlockOn from './unbounded-block-on.js';
import cstrUnboundedRead from './cstr-unbounded-read.js';
import cstringInteriorNul from './cstring-interior-nul.js';
import cstringDanglingPtr from './cstring-dangling-ptr.js';
import ffiOwnershipNoFree from './ffi-ownership-no-free.js';
import headerMissingDecl from './header-missing-decl.js';
import headerStaleDecl from './header-stale-decl.js';
import headerSignatureMismatch from './header-signature-mismatch.js';
import headerStringWithoutLength from './header-string-without-length.js';

export const ALL_RULES: Rule[] = [
  panicAcrossFfi,
  ffiNullDeref,
  missingSafetyDoc,
  lockUnwrap,
  unboundedBlockOn,
  cstrUnboundedRead,
  cstringInteriorNul,
  cstringDanglingPtr,
  ffiOwnershipNoFree,
  headerMissingDecl,
  headerStaleDecl,
  headerSignatureMismatch,
  headerStringWithoutLength,
];

export function findRule(id: string): Rule | undefined {
  return ALL_RULES.find((r) => r.id === id);
}
