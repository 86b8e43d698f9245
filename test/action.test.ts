/**
 * action.yml: it parses as GitHub reads it, its steps are wired as the README promises, and its scan
 * script, run the way the runner runs `shell: bash` steps, writes SARIF, prints annotations through the
 * problem matcher inside stopped workflow commands, and keeps the exit code for the last step.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, parseDocument } from 'yaml';

const ROOT = path.resolve(import.meta.dirname, '..');
const DEMO = path.join(ROOT, 'fixtures/demo-crate');

interface Step {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  shell?: string;
  run?: string;
  'working-directory'?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}
interface Action {
  name: string;
  description: string;
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string; value: string }>;
  runs: { using: string; steps: Step[] };
}

const actionText = fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8');
const actionDoc = parseDocument(actionText, { uniqueKeys: true });
const action = actionDoc.toJS() as Action;
const steps = action.runs.steps;
const step = (pred: (s: Step) => boolean): Step => {
  const found = steps.find(pred);
  expect(found).toBeDefined();
  return found!;
};
const scanStep = (): Step => step((s) => s.id === 'scan');
const uploadStep = (): Step => step((s) => s.uses?.startsWith('github/codeql-action/upload-sarif@') === true);
const failStep = (): Step => steps[steps.length - 1]!;

describe('action.yml', () => {
  it('parses, and is a composite action the runner accepts', () => {
    expect(actionDoc.errors).toEqual([]);
    expect(actionDoc.warnings).toEqual([]);
    expect(typeof action.name).toBe('string');
    expect(typeof action.description).toBe('string');
    expect(action.runs.using).toBe('composite');
    for (const s of steps) {
      expect(typeof s.name).toBe('string');
      // A step either uses an action or runs a script, and composite run steps must name their shell.
      expect(Boolean(s.uses) !== Boolean(s.run), s.name).toBe(true);
      if (s.run) expect(s.shell, s.name).toBe('bash');
    }
    for (const [name, input] of Object.entries(action.inputs)) {
      expect(typeof input.description, name).toBe('string');
      if (input.default !== undefined) expect(typeof input.default, name).toBe('string');
    }
    for (const [name, output] of Object.entries(action.outputs)) expect(output.value, name).toMatch(/^\$\{\{ .+ \}\}$/);
  });

  it('refers only to inputs and steps it declares, and pastes no expression into a script', () => {
    for (const [, name] of actionText.matchAll(/\binputs\.([\w-]+)/g)) expect(Object.keys(action.inputs)).toContain(name);
    const ids = steps.flatMap((s) => (s.id ? [s.id] : []));
    for (const [, id] of actionText.matchAll(/\bsteps\.([\w-]+)\.outputs/g)) expect(ids).toContain(id);
    // Inputs reach scripts through env: an input pasted into a script could inject shell code.
    for (const s of steps) if (s.run) expect(s.run, s.name).not.toContain('${{');
  });

  it('sets up Node, installs itself in its own directory, uploads with the category, then fails', () => {
    expect(steps[0]!.uses).toMatch(/^actions\/setup-node@v\d+$/);
    expect(steps[0]!.with?.['node-version']).toBe('${{ inputs.node-version }}');
    const install = step((s) => s.run?.includes('npm ci') === true);
    expect(install['working-directory']).toBe('${{ github.action_path }}');
    expect(install.run).toContain('--include=dev');

    const upload = uploadStep();
    expect(upload.uses).toMatch(/@v\d+$/);
    expect(upload.if).toBe("inputs.upload == 'true'");
    expect(upload.with).toEqual({ sarif_file: '${{ inputs.sarif-file }}', category: '${{ inputs.category }}' });

    // The job fails only after the upload, so alerts are there either way.
    expect(steps.indexOf(scanStep())).toBeLessThan(steps.indexOf(upload));
    expect(steps.indexOf(upload)).toBeLessThan(steps.indexOf(failStep()));
    expect(failStep().if).toBe("steps.scan.outputs.exit-code != '0'");
    expect(failStep().env?.FFIGUARD_EXIT_CODE).toBe('${{ steps.scan.outputs.exit-code }}');

    const matcher = scanStep().env!.FFIGUARD_MATCHER!;
    expect(matcher.startsWith('${{ github.action_path }}/')).toBe(true);
    expect(fs.existsSync(path.join(ROOT, matcher.slice('${{ github.action_path }}/'.length)))).toBe(true);
  });

  it('takes every input the README workflows give it', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((b) => b.includes('ffiguard/ffiguard@'));
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    const used: string[] = [];
    for (const block of blocks) {
      for (const doc of parseAllDocuments(block)) {
        expect(doc.errors).toEqual([]);
        const workflow = doc.toJS() as { jobs: Record<string, { steps: Step[] }> };
        for (const job of Object.values(workflow.jobs)) {
          for (const s of job.steps) if (s.uses?.startsWith('ffiguard/ffiguard@')) used.push(...Object.keys(s.with ?? {}));
        }
      }
    }
    expect(used).toContain('category');
    for (const name of used) expect(Object.keys(action.inputs)).toContain(name);
    // The README's input table lists every input.
    for (const name of Object.keys(action.inputs)) expect(readme).toContain(`| \`${name}\` |`);
  });
});

describe('the scan step, run as the runner runs it', () => {
  let actionDir: string;
  let cliHasCategory = false;

  // The action's directory as a workflow gets it: the sources, built by `npm ci` (`prepare`). Built
  // apart from dist/ so that the CLI test's own build cannot race with it.
  beforeAll(() => {
    actionDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ffiguard-action-'));
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', path.join(actionDir, 'dist')], { cwd: ROOT, stdio: 'inherit' });
    for (const f of ['package.json', 'bin/ffiguard.js', '.github/ffiguard-matcher.json']) {
      fs.mkdirSync(path.dirname(path.join(actionDir, f)), { recursive: true });
      fs.copyFileSync(path.join(ROOT, f), path.join(actionDir, f));
    }
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(actionDir, 'node_modules'), 'dir');
    const help = spawnSync(process.execPath, [path.join(actionDir, 'bin/ffiguard.js'), 'scan', '--help'], { encoding: 'utf8' });
    cliHasCategory = help.stdout.includes('--category');
  }, 120_000);

  /** A workspace whose file names try to pass for workflow commands. */
  function workspace(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ffiguard-workspace-'));
    fs.cpSync(DEMO, path.join(dir, 'crates', 'demo crate'), { recursive: true });
    const panicky = '#[no_mangle]\npub extern "C" fn item(v: &[u32; 4], i: usize) -> u32 {\n    v[i]\n}\n';
    for (const name of ['::error::injected.rs', '##[warning]injected.rs']) {
      fs.mkdirSync(path.join(dir, 'loose'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'loose', name), panicky);
    }
    return dir;
  }

  /** `${{ .. }}` as the runner evaluates it for the expressions action.yml uses. */
  function evaluate(value: string, inputs: Record<string, string>, ctx: Record<string, string>): string {
    return value.replace(/\$\{\{ (.+?) \}\}/g, (_, expr: string) => {
      const input = /^inputs\.([\w-]+)$/.exec(expr);
      if (input) return inputs[input[1]!] ?? action.inputs[input[1]!]!.default ?? '';
      if (expr in ctx) return ctx[expr]!;
      throw new Error(`unexpected expression ${expr}`);
    });
  }

  function runStep(s: Step, ws: string, inputs: Record<string, string> = {}, ctx: Record<string, string> = {}) {
    const context = { 'github.action_path': actionDir, 'github.workspace': ws, ...ctx };
    const outputFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ffiguard-output-')), 'output');
    fs.writeFileSync(outputFile, '');
    const script = path.join(path.dirname(outputFile), 'step.sh');
    fs.writeFileSync(script, s.run!);
    const env = Object.fromEntries(Object.entries(s.env ?? {}).map(([k, v]) => [k, evaluate(v, inputs, context)]));
    const cwd = s['working-directory'] ? evaluate(s['working-directory'], inputs, context) : ws;
    // The runner's `shell: bash` is `bash --noprofile --norc -eo pipefail {0}`.
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { cwd, encoding: 'utf8', env: { ...process.env, ...env, GITHUB_OUTPUT: outputFile } });
    const outputs = Object.fromEntries(
      fs.readFileSync(outputFile, 'utf8').split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, outputs };
  }

  const matchers = (JSON.parse(fs.readFileSync(path.join(ROOT, '.github/ffiguard-matcher.json'), 'utf8')) as { problemMatcher: { pattern: { regexp: string }[] }[] }).problemMatcher;

  it('writes SARIF, prints every finding as a matched line with workflow commands stopped, and keeps the exit code', () => {
    const ws = workspace();
    const r = runStep(scanStep(), ws, { path: '\n  crates/demo crate  \nloose\n' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.outputs).toEqual({ 'exit-code': '1' });
    const sarif = JSON.parse(fs.readFileSync(path.join(ws, 'ffiguard.sarif'), 'utf8')) as { runs: { results: unknown[] }[] };
    const results = sarif.runs[0]!.results.length;

    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`::add-matcher::${actionDir}/.github/ffiguard-matcher.json`);
    const stop = /^::stop-commands::(ffiguard-[0-9a-f-]{36})$/.exec(lines[1]!);
    expect(stop).not.toBeNull();
    const resume = lines.indexOf(`::${stop![1]}::`);
    expect(lines.slice(resume + 1)).toEqual(['::remove-matcher owner=ffiguard::', '::remove-matcher owner=ffiguard-note::']);
    const findings = lines.slice(2, resume);
    expect(findings).toHaveLength(results);
    expect(findings.filter((l) => l.startsWith('crates/demo crate/')).length).toBeGreaterThan(10);
    // Lines that would be workflow commands if commands were not stopped; the matcher still reads them.
    expect(findings.some((l) => l.startsWith('loose/::error::injected.rs:'))).toBe(true);
    expect(findings.some((l) => l.startsWith('loose/##[warning]injected.rs:'))).toBe(true);
    for (const l of findings) expect(matchers.some((m) => new RegExp(m.pattern[0]!.regexp).test(l)), l).toBe(true);
  });

  it('passes fail-on, args and annotations through', () => {
    const ws = workspace();
    const quiet = runStep(scanStep(), ws, { path: 'crates/demo crate', 'fail-on': 'none', annotations: 'false', args: ' --no-headers\n--include-tests ', 'sarif-file': 'out.sarif' });
    expect(quiet.status).toBe(0);
    expect(quiet.outputs).toEqual({ 'exit-code': '0' });
    expect(quiet.stdout).toBe('');
    const sarif = JSON.parse(fs.readFileSync(path.join(ws, 'out.sarif'), 'utf8')) as { runs: { results: { ruleId: string }[] }[] };
    expect(sarif.runs[0]!.results.length).toBeGreaterThan(5);
    expect(sarif.runs[0]!.results.some((res) => res.ruleId.startsWith('header-'))).toBe(false);
  });

  it('stops with ffiguard\'s own exit code and an error annotation when ffiguard cannot run', () => {
    const r = runStep(scanStep(), workspace(), { 'fail-on': 'sometimes' });
    expect(r.status).toBe(2);
    expect(r.outputs).toEqual({});
    expect(r.stdout).toMatch(/^::error title=ffiguard::ffiguard stopped with exit code 2/m);
    expect(r.stderr).toMatch(/sometimes/);
  });

  it('fails the job with the kept exit code in the last step', () => {
    const r = runStep(failStep(), workspace(), {}, { 'steps.scan.outputs.exit-code': '1' });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^::error title=ffiguard::findings at or above fail-on: warning/m);
  });

  it('uploads every finding when args hold a baseline, but fails only on new ones', () => {
    const ws = workspace();
    const baseline = path.join(ws, 'baseline.json');
    // Paths in a baseline are relative to the repository root (here, outside git: the directory it runs in).
    execFileSync(process.execPath, [path.join(actionDir, 'bin/ffiguard.js'), 'scan', 'crates/demo crate', '--write-baseline', baseline], { cwd: ws, stdio: 'pipe' });
    const r = runStep(scanStep(), ws, { path: 'crates/demo crate', annotations: 'false', args: `--baseline ${baseline}` });
    expect(r.status).toBe(0);
    // Nothing is new: the job passes.
    expect(r.outputs).toEqual({ 'exit-code': '0' });
    // Code scanning ignores baselineState: no `absent` results, and every current finding is there.
    const sarif = JSON.parse(fs.readFileSync(path.join(ws, 'ffiguard.sarif'), 'utf8')) as { runs: { results: { baselineState?: string }[] }[] };
    expect(sarif.runs[0]!.results.length).toBeGreaterThan(10);
    expect(sarif.runs[0]!.results.every((res) => res.baselineState === undefined)).toBe(true);
  });

  it('writes the category into the SARIF report', (ctx) => {
    // `--category` comes with the SARIF automationDetails work; until the CLI has it, there is nothing to check.
    if (!cliHasCategory) ctx.skip();
    const ws = workspace();
    const r = runStep(scanStep(), ws, { path: 'crates/demo crate', category: 'ffiguard/crates/demo', annotations: 'false' });
    expect(r.status).toBe(0);
    const sarif = JSON.parse(fs.readFileSync(path.join(ws, 'ffiguard.sarif'), 'utf8')) as { runs: { automationDetails?: { id?: string } }[] };
    expect(sarif.runs[0]!.automationDetails?.id).toMatch(/^ffiguard\/crates\/demo/);
  });
});
