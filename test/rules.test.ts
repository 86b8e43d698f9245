/** Every rule is complete: listed, documented, with fixtures, and its generated docs are current. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_RULES } from '../rules/index.js';
import { ruleDocPage, ruleDocPath, withRuleTable } from '../src/rule-docs.js';
import { RULE_IDS } from '../src/rule-ids.js';

const ROOT = path.resolve(import.meta.dirname, '..');

describe('rules', () => {
  it('rules/index.ts lists exactly the rule files', () => {
    const files = fs.readdirSync(path.join(ROOT, 'rules')).filter((f) => f.endsWith('.ts') && f !== 'index.ts').map((f) => f.replace(/\.ts$/, '')).sort();
    expect(ALL_RULES.map((r) => r.id).sort()).toEqual(files);
  });

  it('src/rule-ids.ts names the rules of rules/index.ts, in its order', () => {
    expect(RULE_IDS).toEqual(ALL_RULES.map((r) => r.id));
  });

  for (const rule of ALL_RULES) {
    describe(rule.id, () => {
      it('has a well-formed id, summary and docs', () => {
        expect(rule.id).toMatch(/^[a-z]+(-[a-z]+)*$/);
        expect(rule.summary).not.toMatch(/\.$|\n/);
        expect(rule.summary.length).toBeLessThanOrEqual(100);
        for (const field of ['what', 'why', 'useInstead'] as const) expect(rule.docs[field].length, field).toBeGreaterThan(40);
        expect(rule.docs.example.bad.trim()).not.toEqual(rule.docs.example.good.trim());
        expect(rule.docs.references.length).toBeGreaterThan(0);
        for (const ref of rule.docs.references) expect(ref.url).toMatch(/^https:\/\//);
        for (const cwe of rule.docs.cwe) expect(cwe).toMatch(/^CWE-\d+$/);
        if (rule.securitySeverity) expect(Number(rule.securitySeverity)).toBeGreaterThan(0);
      });

      it('has fixtures that expect it', () => {
        const dir = path.join(ROOT, 'fixtures', rule.id);
        expect(fs.existsSync(dir), `fixtures/${rule.id}/ is missing`).toBe(true);
        const text = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })
          .filter((f) => /\.(rs|h)$/.test(f))
          .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
          .join('\n');
        expect(text).toMatch(new RegExp(`[/*]~\\^*\\s*${rule.id}\\b`));
      });

      if (rule.language === 'rust') {
        it('declares the text it needs, and that text is in every line its fixtures expect it on (prefilter)', () => {
          expect(rule.triggers, 'a Rust rule declares `triggers`').toBeInstanceOf(RegExp);
          // Each fixture file where the rule is expected holds its trigger (or an FFI function).
          const dir = path.join(ROOT, 'fixtures', rule.id);
          for (const f of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.rs'))) {
            const text = fs.readFileSync(path.join(dir, f), 'utf8');
            if (new RegExp(`~\\^*\\s*${rule.id}\\b`).test(text)) expect(rule.triggers!.test(text) || /\bextern\b|!\s*\(/.test(text), f).toBe(true);
          }
        });
      }

      it('has a current docs page (run `npm run docs` after changing docs)', () => {
        const page = path.join(ROOT, ruleDocPath(rule));
        expect(fs.existsSync(page) ? fs.readFileSync(page, 'utf8') : '').toEqual(ruleDocPage(rule));
      });
    });
  }

  it('README rule table is current (run `npm run docs` after changing rules)', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(readme).toEqual(withRuleTable(readme, ALL_RULES));
  });
});
