/** `s` as a regular expression that matches it literally (for names put into a pattern). */
export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Does `text` hold, as a whole identifier (`[A-Za-z_]\w*`), a word that `words` has? */
export function holdsWord(text: string, words: { has(word: string): boolean; readonly size: number }): boolean {
  if (words.size === 0) return false;
  for (const m of text.matchAll(/[A-Za-z_]\w*/g)) if (words.has(m[0])) return true;
  return false;
}
