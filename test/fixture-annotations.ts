/**
 * Expected findings written inline in fixture files, in the spirit of clippy's UI tests:
 *   code(); //~ rule-id              a finding of rule-id starts on this line
 *   //~^ rule-id                     ... on the line above (one ^ per line up)
 *   code(); //~ rule-id: some words  ... and its message contains "some words"
 *   decl; /*~ rule-id *\/            the same in C headers
 * Several markers may share a line. A line without a marker must produce no finding.
 */
export interface Expectation {
  file: string;
  line: number;
  ruleId: string;
  messageIncludes?: string;
}

const MARKER = /(?:\/\/|\/\*)~(\^*)\s*([a-z][a-z0-9-]*)(?:\s*:\s*((?:(?!\/\/~|\/\*~|\*\/).)*))?/g;

export function parseExpectations(file: string, text: string): Expectation[] {
  const out: Expectation[] = [];
  text.split(/\r?\n/).forEach((lineText, i) => {
    for (const m of lineText.matchAll(MARKER)) {
      const words = m[3]?.trim();
      out.push({ file, line: i + 1 - m[1]!.length, ruleId: m[2]!, ...(words ? { messageIncludes: words } : {}) });
    }
  });
  return out;
}
