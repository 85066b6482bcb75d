import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { assertBuilt, ROOT } from '../e2e/support.js';

// The GitHub Action (action.yml, composite): its `run` steps executed by bash in order, as the runner
// does: each step's `env` evaluated (inputs with their defaults, the action's path, earlier steps'
// outputs read back from GITHUB_OUTPUT), in a workspace of its own. Steps that `uses` another action
// (setup-node, upload-sarif) are not run here; their wiring is checked instead.

interface Step { name?: string; id?: string; uses?: string; run?: string; shell?: string; if?: string; env?: Record<string, string>; with?: Record<string, string> }
interface Action { inputs: Record<string, { default?: string }>; outputs: Record<string, { value: string }>; runs: { using: string; steps: Step[] } }

const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as Action;
const scratch = realpathSync(mkdtempSync(join(tmpdir(), 'action-')));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The expressions the action's env and outputs may use: anything else would not be evaluated here, so it fails. */
function evaluate(value: string, inputs: Record<string, string>, outputs: Record<string, Record<string, string>>): string {
  return value.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_m, expr: string) => {
    let m: RegExpExecArray | null;
    if ((m = /^inputs\.([\w-]+)$/.exec(expr))) return inputs[m[1]!] ?? '';
    if (expr === 'github.action_path') return ROOT;
    if ((m = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expr))) return outputs[m[1]!]?.[m[2]!] ?? '';
    throw new Error(`action.yml: expression not evaluated by this test: ${expr}`);
  });
}

function parseOutputs(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of existsSync(file) ? readFileSync(file, 'utf8').split('\n') : []) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

interface ActionRun { code: number; log: string; outputs: Record<string, string>; runnerTemp: string; summary: string }

/** Runs the action's run steps in `workspace` with `given` inputs; stops at the first failing step, as the runner does. */
async function runAction(workspace: string, given: Record<string, string>): Promise<ActionRun> {
  const inputs = Object.fromEntries(Object.entries(action.inputs).map(([name, spec]) => [name, given[name] ?? spec.default ?? '']));
  for (const name of Object.keys(given)) if (!(name in action.inputs)) throw new Error(`no input ${name}`);
  const runnerTemp = mkdtempSync(join(scratch, 'runner-temp-'));
  const summary = join(runnerTemp, 'step-summary.md');
  const stepOutputs: Record<string, Record<string, string>> = {};
  let log = '';
  for (const [i, step] of action.runs.steps.entries()) {
    if (step.run === undefined) continue;
    const outputFile = join(runnerTemp, `output-${i}`);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? scratch,
      GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: workspace, GITHUB_ACTION_PATH: ROOT, RUNNER_TEMP: runnerTemp, GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: summary,
      ...Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, evaluate(String(v), inputs, stepOutputs)])),
    };
    // The runner's bash: `bash --noprofile --norc -eo pipefail {0}` on a file holding the script.
    const script = join(runnerTemp, `step-${i}.sh`);
    writeFileSync(script, step.run);
    const code = await new Promise<number>((done, fail) => {
      const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { cwd: workspace, env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.setEncoding('utf8').on('data', (d: string) => (log += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (log += d));
      child.on('error', fail);
      child.on('close', (c) => done(c ?? -1));
    });
    if (step.id) stepOutputs[step.id] = parseOutputs(outputFile);
    if (code !== 0) return { code, log, outputs: stepOutputs.run ?? {}, runnerTemp, summary: existsSync(summary) ? readFileSync(summary, 'utf8') : '' };
  }
  return { code: 0, log, outputs: stepOutputs.run ?? {}, runnerTemp, summary: existsSync(summary) ? readFileSync(summary, 'utf8') : '' };
}

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(join(scratch, 'workspace-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const REJECTED = readFileSync(join(ROOT, 'test/fixtures/lint/cli/rejected.json'), 'utf8');
const WARNING = readFileSync(join(ROOT, 'test/fixtures/lint/cli/warning.json'), 'utf8');
const CLEAN = readFileSync(join(ROOT, 'test/fixtures/lint/cli/clean.json'), 'utf8');

describe('action.yml', () => {
  it('is a composite action: Node set up, inputs passed to the scripts as environment variables only, SARIF uploaded', () => {
    expect(action.runs.using).toBe('composite');
    const steps = action.runs.steps;
    expect(steps[0]!.uses).toMatch(/^actions\/setup-node@v\d+$/);
    expect(steps[0]!.with?.['node-version']).toBe('${{ inputs.node-version }}');
    for (const step of steps.filter((s) => s.run !== undefined)) {
      expect(step.shell, step.name).toBe('bash');
      expect(step.run, `${step.name}: an expression pasted into a script is a shell injection`).not.toMatch(/\$\{\{/);
    }
    // Every input but those the `uses` steps take reaches the run step as INPUT_<NAME>.
    const run = steps.find((s) => s.id === 'run')!;
    for (const name of Object.keys(action.inputs).filter((n) => !['upload-sarif', 'node-version'].includes(n))) {
      expect(run.env?.[`INPUT_${name.toUpperCase().replace(/-/g, '_')}`], name).toBe(`\${{ inputs.${name} }}`);
    }
    const upload = steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif@'))!;
    expect(upload.if).toBe("${{ always() && inputs.upload-sarif == 'true' && steps.run.outputs.sarif != '' }}");
    expect(upload.with?.sarif_file).toBe('${{ steps.run.outputs.sarif }}');
    expect(action.outputs['exit-code']!.value).toBe('${{ steps.run.outputs.exit-code }}');
  });

  it('lint with the defaults: SARIF in RUNNER_TEMP, offered for upload, and the step fails with exit 1 on an error', async () => {
    assertBuilt();
    const ws = workspace({ 'ecr/rejected.json': REJECTED, 'ecr/clean.json': CLEAN, 'README.md': '# not a policy\n' });
    const r = await runAction(ws, {});
    expect(r.code, r.log).toBe(1);
    expect(r.log).toMatch(/ecr-lifeguard is built in /);
    const sarif = join(r.runnerTemp, 'ecr-lifeguard.sarif');
    expect(r.outputs).toEqual({ 'exit-code': '1', report: sarif, sarif });
    const doc = JSON.parse(readFileSync(sarif, 'utf8')) as { version: string; runs: Array<{ results: Array<{ ruleId: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }> }> }> };
    expect(doc.version).toBe('2.1.0');
    expect(doc.runs[0]!.results.map((x) => [x.ruleId, x.locations[0]!.physicalLocation.artifactLocation.uri])).toContainEqual(['ecr-rejects-policy', 'ecr/rejected.json']);
  });

  it('lint of given paths (spaces, $(...) and quotes are data), GitHub annotations in the log, fail-on never', async () => {
    assertBuilt();
    const odd = `policies/it's $(touch pwned) ok.json`;
    const ws = workspace({ [odd]: WARNING, 'other/rejected.json': REJECTED });
    const r = await runAction(ws, { paths: `\n  ${odd}  \n\n`, format: 'github', 'fail-on': 'never' });
    expect(r.code, r.log).toBe(0);
    expect(existsSync(join(ws, 'pwned')) || existsSync(join(ws, 'policies', 'pwned'))).toBe(false);
    expect(r.log).toMatch(/^::warning file=policies\/it's \$\(touch pwned\) ok\.json,line=5,/m);
    expect(r.log).not.toMatch(/rejected\.json/); // only the path given was read
    expect(r.outputs).toEqual({ 'exit-code': '0' });
  });

  it('lint against a base revision: the Markdown report (with the diff) goes to the job summary', async () => {
    assertBuilt();
    const ws = workspace({ 'policy.json': CLEAN });
    const git = (args: string[]) => new Promise<void>((done, fail) => {
      const child = spawn('git', args, { cwd: ws, stdio: 'ignore', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: ws, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } });
      child.on('error', fail);
      child.on('close', (c) => (c === 0 ? done() : fail(new Error(`git ${args.join(' ')}: exit ${c}`))));
    });
    await git(['init', '-q', '-b', 'main']);
    await git(['add', 'policy.json']);
    await git(['commit', '-q', '-m', 'base']);
    writeFileSync(join(ws, 'policy.json'), WARNING);
    const r = await runAction(ws, { paths: 'policy.json', base: 'main', format: 'markdown', 'fail-on': 'warning' });
    expect(r.code, r.log).toBe(1);
    const report = join(r.runnerTemp, 'ecr-lifeguard.md');
    expect(r.outputs).toEqual({ 'exit-code': '1', report });
    expect(r.summary).toBe(readFileSync(report, 'utf8'));
    expect(r.summary).toMatch(/tag-list-entries-anded/);
    expect(r.summary).toMatch(/main/); // the diff names its base
  });

  it('audit of a snapshot with what is in use, to a chosen output', async () => {
    assertBuilt();
    const ws = workspace({});
    cpSync(join(ROOT, 'samples/registry'), join(ws, 'registry'), { recursive: true });
    cpSync(join(ROOT, 'samples/in-use'), join(ws, 'in-use'), { recursive: true });
    const r = await runAction(ws, { command: 'audit', snapshot: 'registry', 'in-use': 'in-use/kubernetes\nin-use/images.txt', format: 'json', output: 'audit.json', 'fail-on': 'never' });
    expect(r.code, r.log).toBe(0);
    expect(r.outputs).toEqual({ 'exit-code': '0', report: 'audit.json' });
    const report = JSON.parse(readFileSync(join(ws, 'audit.json'), 'utf8')) as { repositories: unknown[]; inUse?: { references: number } };
    expect(report.repositories.length).toBeGreaterThan(0);
    expect(report.inUse?.references).toBeGreaterThan(0);
  });

  it('refuses an unknown command and an audit without a snapshot (exit 2, an error annotation)', async () => {
    const ws = workspace({});
    for (const given of [{ command: 'delete' }, { command: 'audit' }]) {
      const r = await runAction(ws, given);
      expect(r.code, r.log).toBe(2);
      expect(r.log).toMatch(/^::error title=ecr-lifeguard::/m);
      expect(r.outputs).toEqual({ 'exit-code': '2' });
    }
  });
});
