/**
 * Rule levels as the configuration and `--rule ID=LEVEL` give them, checked against the rule ids (a
 * module of its own, light enough for the command line to load before it knows what it will run).
 */
import { UsageError } from './errors.js';
import { RULE_IDS } from './rule-ids.js';

export const RULE_LEVELS = ['off', 'note', 'warning', 'error'] as const;
export type RuleLevel = (typeof RULE_LEVELS)[number];

/** `--rule ID=LEVEL` → [id, level]. */
export function parseRuleOption(spec: string): [string, RuleLevel] {
  const m = /^([^=]*)=(.*)$/.exec(spec);
  if (!m) throw new UsageError(`--rule ${spec}: expected ID=LEVEL, e.g. --rule lock-unwrap=off; levels: ${RULE_LEVELS.join(', ')}`);
  const [, id, level] = m as unknown as [string, string, string];
  const problem = ruleProblem(id.trim());
  if (problem) throw new UsageError(`--rule ${spec}: ${problem}${ruleList()}`);
  const levelProblem = ruleLevelProblem(level.trim());
  if (levelProblem) throw new UsageError(`--rule ${spec}: ${levelProblem}; levels: ${RULE_LEVELS.join(', ')}`);
  return [id.trim(), level.trim() as RuleLevel];
}

export function ruleProblem(id: string, where = ''): string | undefined {
  return RULE_IDS.includes(id) ? undefined : `unknown rule \`${id}\`${where}${didYouMean(id, RULE_IDS)}`;
}

export const ruleList = (): string => `; rules: ${RULE_IDS.join(', ')}`;

/** Words other tools use for a level. */
const LEVEL_SYNONYMS: Record<string, RuleLevel> = { none: 'off', allow: 'off', ignore: 'off', disable: 'off', disabled: 'off', false: 'off', info: 'note', warn: 'warning', deny: 'error', forbid: 'error' };

export function ruleLevelProblem(level: string): string | undefined {
  if ((RULE_LEVELS as readonly string[]).includes(level)) return undefined;
  const word = level.toLowerCase();
  const synonym = Object.hasOwn(LEVEL_SYNONYMS, word) ? LEVEL_SYNONYMS[word] : undefined;
  return `invalid level "${level}"${synonym ? ` (did you mean "${synonym}"?)` : didYouMean(level, RULE_LEVELS, '"')}`;
}

/** ` (did you mean `x`?)` for the closest candidate within a few edits, else ''. */
export function didYouMean(word: string, candidates: readonly string[], quote = '`'): string {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = candidate.startsWith(word) && word.length >= 3 ? 1 : editDistance(word, candidate);
    if (distance <= Math.max(1, Math.floor(Math.max(word.length, candidate.length) / 3)) && (!best || distance < best.distance)) best = { candidate, distance };
  }
  return best ? ` (did you mean ${quote}${best.candidate}${quote}?)` : '';
}

/** Levenshtein distance with adjacent transpositions counted as one edit (`unwarp` → `unwrap`). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}
