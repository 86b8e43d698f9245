/** `s` as a regular expression that matches it literally (for names put into a pattern). */
export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
