// Rewrites docs/rules/*.md and the README rule table from the rules' own docs (run: npm run docs).
import fs from 'node:fs';
import path from 'node:path';
import { ALL_RULES } from '../dist/rules/index.js';
import { ruleDocPage, ruleDocPath, withRuleTable } from '../dist/src/rule-docs.js';

const root = path.resolve(import.meta.dirname, '..');
fs.mkdirSync(path.join(root, 'docs/rules'), { recursive: true });
for (const rule of ALL_RULES) fs.writeFileSync(path.join(root, ruleDocPath(rule)), ruleDocPage(rule));
const readme = path.join(root, 'README.md');
fs.writeFileSync(readme, withRuleTable(fs.readFileSync(readme, 'utf8'), ALL_RULES));
console.log(`updated ${ALL_RULES.length} rule pages and the README rule table`);
