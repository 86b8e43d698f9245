/**
 * The shape of a rule. A rule is one file in `rules/`: its metadata, its documentation and its check,
 * declared with `defineRule`. The documentation is written once and rendered everywhere
 * (`ffiguard explain`, SARIF `help`, the README rule table).
 */
import type { Finding, RelatedLocation, Severity, Span } from './findings.js';
import type { CrateModel } from './model/crate.js';
import type { Node } from './source.js';

export interface RuleDocs {
  /** What the rule flags, one short paragraph. */
  what: string;
  /** Why it is dangerous: the consequence at run time. */
  why: string;
  /** How to fix it. */
  useInstead: string;
  /** Rust code that is flagged, and the same code fixed. */
  example: { bad: string; good: string };
  /** Notes on what the rule deliberately does not flag, or how it decides. */
  notes?: string[];
  references: { title: string; url: string }[];
  /** CWE numbers, e.g. `CWE-476`. */
  cwe: string[];
}

/** A parsed file a finding can point into: a Rust `SourceFile` or a C `HeaderFile`. */
export interface Locatable {
  span(node: Node, endNode?: Node): Span;
}

export interface FindingInput {
  file: Locatable;
  node: Node;
  /** End of the span, when it is not `node`'s end. */
  endNode?: Node;
  message: string;
  help?: string;
  /** Overrides the rule's default severity (e.g. `lock-unwrap` inside an FFI function). */
  severity?: Severity;
  related?: { file: Locatable; node: Node; message: string }[];
}

export interface RuleContext {
  crate: CrateModel;
  report(input: FindingInput): void;
}

export interface Rule {
  id: string;
  language: 'rust' | 'c';
  severity: Severity;
  /** One line, used by `ffiguard rules` and SARIF `shortDescription`. */
  summary: string;
  docs: RuleDocs;
  /** How often a finding is right on real code (SARIF `precision`). */
  precision: 'very-high' | 'high' | 'medium' | 'low';
  /** SARIF `security-severity` ("0.1"–"10.0"); present for rules whose findings are security issues. */
  securitySeverity?: string;
  /**
   * Rust rules: text a file must contain for the rule to find anything in it (the prefilter, see
   * src/prefilter.ts, parses a file only when some rule or the crate model needs it). Rules that look
   * only at FFI functions use `FFI_FUNCTIONS`: the model parses every file that can hold one.
   */
  triggers?: RegExp;
  check(ctx: RuleContext): void;
}

/** The trigger of rules that look only at FFI functions (which the crate model always reads). */
export const FFI_FUNCTIONS = /\bextern\b/;

export function defineRule(rule: Rule): Rule {
  return rule;
}

export type { Finding, RelatedLocation };
