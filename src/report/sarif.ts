/**
 * SARIF 2.1.0 for GitHub code scanning and SARIF viewers. What GitHub needs and ignores is in
 * shared/FFI-FACTS.md; test/sarif.test.ts runs Microsoft's validator with its GitHub rules on the output.
 * The output is byte-identical for identical input (no timestamps, locale-free sorting), so that
 * re-uploads and committed baselines do not churn.
 */
import { pathToFileURL } from 'node:url';
import type * as Sarif from 'sarif';
import type { BaselineEntry } from '../baseline.js';
import { explainMarkdown, explainText } from '../explain.js';
import type { Span } from '../findings.js';
import { encodePath, lineFingerprints, repoRelativePath } from '../fingerprint.js';
import { readGitProvenance } from '../git.js';
import { PROJECT_URL } from '../project.js';
import type { Rule } from '../rule.js';
import { ruleDocUrl } from '../rule-docs.js';
import type { ScanResult } from '../scan-result.js';
import { ordinal, SourceLines, sortFindings, type RenderOptions } from './common.js';

type SarifOptions = Pick<RenderOptions, 'version' | 'readSource' | 'category' | 'absolutePaths'>;

const SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const SRCROOT = '%SRCROOT%';
const SRCROOT_DESCRIPTION = 'The root of the scanned source tree: the repository root (the directory holding `.git`), else the directory ffiguard ran in, else the deepest directory holding every scanned file.';
/** GitHub rejects longer `fullDescription`s. */
const MAX_FULL_DESCRIPTION = 1024;
/** GitHub keeps at most 20 tags per rule. */
const MAX_TAGS = 20;

export function render(result: ScanResult, opts: SarifOptions): string {
  return `${JSON.stringify(toSarif(result, opts), null, 2)}\n`;
}

export function toSarif(result: ScanResult, opts: SarifOptions): Sarif.Log {
  // The documentation of the rules is part of the log: scan() leaves the rule objects out only when asked.
  const rules = result.rules;
  if (!rules) throw new Error('a SARIF report needs the rule objects (scan() without `loadRules: false`)');
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
  // Thousands of findings name the same few files: each file's location is worked out once.
  const artifacts = new Map<string, Sarif.ArtifactLocation>();
  const artifactOf = (file: string): Sarif.ArtifactLocation => {
    let a = artifacts.get(file);
    if (!a) artifacts.set(file, (a = artifact(result.repoRoot, file)));
    return a;
  };
  const location = (span: Span): Sarif.PhysicalLocation => ({ artifactLocation: artifactOf(span.file), region: region(span) });

  // Findings a baseline hides from the other formats are still results here, marked `unchanged`.
  const baseline = result.baseline;
  const unchanged = new Set(baseline?.unchanged ?? []);
  const all = sortFindings([...result.findings, ...unchanged]);
  // GitHub matches alerts across commits by this hash (see src/fingerprint.ts); baselines use the same one.
  const fingerprints = lineFingerprints(all, result.repoRoot, new SourceLines(opts.readSource));
  const results = all.map((f): Sarif.Result => {
    const index = ruleIndex.get(f.ruleId);
    return {
      ruleId: f.ruleId,
      ...(index === undefined ? {} : { ruleIndex: index }),
      level: f.severity,
      message: { text: f.help ? `${sentence(f.message)} ${sentence(f.help)}` : sentence(f.message) },
      locations: [{ physicalLocation: location(f.span) }],
      ...(f.related.length
        ? { relatedLocations: f.related.map((r, i) => ({ id: i + 1, physicalLocation: location(r.span), message: { text: sentence(r.message) } })) }
        : {}),
      partialFingerprints: { primaryLocationLineHash: fingerprints.get(f)! },
      ...(baseline ? { baselineState: unchanged.has(f) ? ('unchanged' as const) : ('new' as const) } : {}),
      ...(f.suppression ? { suppressions: [{ kind: 'inSource' as const, justification: f.suppression.justification }] } : {}),
    };
  });
  for (const entry of baseline?.absent ?? []) results.push(absentResult(entry, rules, ruleIndex));

  const notifications = [...result.notifications]
    .sort((a, b) => ordinal(a.file ?? '', b.file ?? '') || ordinal(a.message, b.message))
    .map(
      (n): Sarif.Notification => ({
        level: n.level,
        message: { text: sentence(n.message) },
        ...(n.file === undefined ? {} : { locations: [{ physicalLocation: { artifactLocation: artifactOf(n.file) } }] }),
      }),
    );

  const provenance = readGitProvenance(result.repoRoot);
  return {
    $schema: SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'ffiguard',
            version: opts.version,
            ...(/^\d+\.\d+\.\d+/.test(opts.version) ? { semanticVersion: opts.version } : {}),
            informationUri: PROJECT_URL,
            rules: rules.map(descriptor),
          },
        },
        invocations: [{ executionSuccessful: true, toolExecutionNotifications: notifications }],
        // GitHub keeps one analysis per (tool, category): the category is the id up to its last `/`.
        ...(opts.category ? { automationDetails: { id: opts.category.endsWith('/') ? opts.category : `${opts.category}/` } } : {}),
        ...(provenance ? { versionControlProvenance: [{ ...provenance, mappedTo: { uriBaseId: SRCROOT } }] } : {}),
        // Where the root is on this machine only when asked: a report is uploaded and shared, the
        // machine's directory layout is nobody's business. GitHub resolves URIs against the checkout anyway.
        originalUriBaseIds: { [SRCROOT]: opts.absolutePaths ? { uri: directoryUri(result.repoRoot) } : { description: { text: SRCROOT_DESCRIPTION } } },
        results,
        columnKind: 'utf16CodeUnits',
      },
    ],
  };
}

function descriptor(rule: Rule): Sarif.ReportingDescriptor {
  const tags = ['ffi', ...(rule.securitySeverity ? ['security'] : []), ...rule.docs.cwe.map(cweTag)].slice(0, MAX_TAGS);
  return {
    id: rule.id,
    name: pascalCase(rule.id),
    shortDescription: { text: sentence(rule.summary) },
    fullDescription: { text: truncate(`${sentence(rule.docs.what)} ${sentence(rule.docs.why)}`, MAX_FULL_DESCRIPTION) },
    help: { text: explainText(rule), markdown: explainMarkdown(rule) },
    helpUri: ruleDocUrl(rule),
    defaultConfiguration: { level: rule.severity },
    properties: {
      tags,
      precision: rule.precision,
      ...(rule.securitySeverity ? { 'security-severity': rule.securitySeverity } : {}),
    },
  };
}

/** GitHub recognises CWE tags only in the form `external/cwe/cwe-476`. */
function cweTag(cwe: string): string {
  return `external/cwe/${cwe.trim().toLowerCase()}`;
}

export function pascalCase(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}

/**
 * Files inside the repository become relative URI references against `%SRCROOT%` (what GitHub resolves
 * against the checkout); each segment is percent-encoded so spaces, `%`, `#`, `?`, `:` and non-ASCII
 * names survive URI parsing. A scan chooses a root that holds every file it names (report-root.ts);
 * a file outside it (in a result put together by hand) can only be named by an absolute `file:` URI.
 */
export function artifact(repoRoot: string, file: string): Sarif.ArtifactLocation {
  const rel = repoRelativePath(repoRoot, file);
  return rel === undefined ? { uri: pathToFileURL(file).href } : { uri: encodePath(rel), uriBaseId: SRCROOT };
}

/**
 * A baseline entry no scan finding matches any more. It keeps the line it was recorded at: SARIF
 * consumers (and GitHub) need a region, and the finding is gone from the current text anyway.
 */
function absentResult(entry: BaselineEntry, rules: Rule[], ruleIndex: Map<string, number>): Sarif.Result {
  const index = ruleIndex.get(entry.ruleId);
  const rule = rules.find((r) => r.id === entry.ruleId);
  return {
    ruleId: entry.ruleId,
    ...(index === undefined ? {} : { ruleIndex: index }),
    level: rule?.severity ?? 'warning',
    message: { text: sentence(entry.message) },
    locations: [{ physicalLocation: { artifactLocation: { uri: encodePath(entry.path), uriBaseId: SRCROOT }, region: { startLine: entry.line } } }],
    partialFingerprints: { primaryLocationLineHash: entry.fingerprint },
    baselineState: 'absent',
  };
}

/** SARIF requires base URIs to be absolute and end in `/`. */
function directoryUri(dir: string): string {
  const href = pathToFileURL(dir).href;
  return href.endsWith('/') ? href : `${href}/`;
}

/** Spans come from the parser; clamp anyway, since validators reject an end before the start. */
function region(span: Span): Sarif.Region {
  const startLine = Math.max(1, span.startLine);
  const startColumn = Math.max(1, span.startColumn);
  const endLine = Math.max(startLine, span.endLine);
  const endColumn = endLine === startLine ? Math.max(startColumn, span.endColumn) : Math.max(1, span.endColumn);
  return { startLine, startColumn, endLine, endColumn };
}

/**
 * SARIF asks for messages as complete sentences ending in a period (validator rule SARIF2001); ours are
 * rustc-style fragments ("parameter `buf` is never checked for null").
 */
export function sentence(text: string): string {
  const t = text.trim();
  if (!t) return t;
  const capital = t[0]!.toUpperCase() + t.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** Cut at a word boundary (never inside a surrogate pair) and mark the cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const room = max - 3;
  let cut = text.lastIndexOf(' ', room);
  if (cut < room / 2) {
    cut = room;
    if (/[\ud800-\udbff]/.test(text[cut - 1]!)) cut--;
  }
  return `${text.slice(0, cut).trimEnd()}...`;
}

