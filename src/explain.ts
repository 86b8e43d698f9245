/**
 * A rule's documentation, written once in its `docs`, rendered for each place it is read:
 * plain text for `ffiguard explain RULE`, Markdown for SARIF `help.markdown` and the README.
 * Section names follow Clippy's (What it does / Why is this bad? / Example) so they read familiar.
 */
import type { Rule } from './rule.js';

const CWE_URL = 'https://cwe.mitre.org/data/definitions/';

/** `CWE-476` → its MITRE page; anything unexpected falls back to the CWE index. */
export function cweUrl(cwe: string): string {
  const n = /^CWE-(\d+)$/i.exec(cwe.trim())?.[1];
  return n ? `${CWE_URL}${n}.html` : 'https://cwe.mitre.org/';
}

export function explainText(rule: Rule): string {
  const { docs } = rule;
  const indent = (text: string, by: string) =>
    text
      .trimEnd()
      .split('\n')
      .map((l) => (l ? by + l : l))
      .join('\n');
  const section = (title: string, body: string) => `${title}\n${indent(body, '  ')}\n`;
  const parts = [
    `${rule.id} (${rule.language}, default severity: ${rule.severity})\n${rule.summary}\n`,
    section('What it does', docs.what),
    section('Why is this bad?', docs.why),
    section('How to fix it', docs.useInstead),
    section('Example', `Flagged:\n${indent(docs.example.bad, '    ')}\n\nFixed:\n${indent(docs.example.good, '    ')}`),
  ];
  if (docs.notes?.length) parts.push(section('Notes', docs.notes.map((n) => `- ${n}`).join('\n')));
  if (docs.references.length) parts.push(section('References', docs.references.map((r) => `- ${r.title}: ${r.url}`).join('\n')));
  if (docs.cwe.length) parts.push(section('CWE', docs.cwe.map((c) => `- ${c}: ${cweUrl(c)}`).join('\n')));
  return parts.join('\n');
}

export interface MarkdownOptions {
  /** Level of the section headings (`###` by default), so that the README can nest them under its own. */
  headingLevel?: number;
}

export function explainMarkdown(rule: Rule, opts: MarkdownOptions = {}): string {
  const { docs } = rule;
  const h = '#'.repeat(opts.headingLevel ?? 3);
  const code = (text: string) => {
    // A fence longer than any backtick run inside, so example code can never close it early.
    const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
    const fence = '`'.repeat(Math.max(3, longest + 1));
    return `${fence}${rule.language}\n${text.trimEnd()}\n${fence}`;
  };
  const parts = [
    `${rule.summary}`,
    `${h} What it does\n\n${docs.what.trim()}`,
    `${h} Why is this bad?\n\n${docs.why.trim()}`,
    `${h} How to fix it\n\n${docs.useInstead.trim()}`,
    `${h} Example\n\nFlagged:\n\n${code(docs.example.bad)}\n\nFixed:\n\n${code(docs.example.good)}`,
  ];
  if (docs.notes?.length) parts.push(`${h} Notes\n\n${docs.notes.map((n) => `- ${n}`).join('\n')}`);
  const refs = [
    ...docs.references.map((r) => `- [${r.title.replace(/[[\]]/g, '\\$&')}](${r.url})`),
    ...docs.cwe.map((c) => `- [${c}](${cweUrl(c)})`),
  ];
  if (refs.length) parts.push(`${h} References\n\n${refs.join('\n')}`);
  return `${parts.join('\n\n')}\n`;
}
