import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { allChecks } from '../src/analyse/checks/index.js';
import { BIN } from './e2e/support.js';

// The bundled samples are the project's demonstration: run through the BUILT CLI exactly as
// samples/README.md documents, together they must make every registered check fire at least once.
// `npm test` builds first.

const root = join(import.meta.dirname, '..');
const run = promisify(execFile);

const STATE = '--snapshot samples/registry --in-use samples/in-use --now 2026-11-22T00:00:00Z --days 30';
const COMMANDS = {
  dryRun: `node ${BIN} dry-run ${STATE} --format json`,
  lint: `node ${BIN} lint samples/lint --format json`,
  lintWithState: `node ${BIN} lint samples/lint ${STATE} --format json`,
  lintTerraform: `node ${BIN} lint samples/lint/terraform --format json`,
  lintTerraformFailOnWarning: `node ${BIN} lint samples/lint/terraform --format json --fail-on warning`,
} as const;
type CommandName = keyof typeof COMMANDS;

const TF = 'samples/lint/terraform/plan.json';
const CFN = 'samples/lint/cloudformation/ecr-repositories.yaml';
const API = 'samples/lint/state/shop-api.get-lifecycle-policy.json';
const HELM = 'samples/lint/helm/templates/ecr-repository.yaml';
/** Findings without a policy file location (dry-run reports images, not policy lines). */
const NO_FILE = '(no file)';

interface Finding {
  id: string;
  severity: string;
  rulePriority?: number;
  repositoryName?: string;
  image?: { imageTags: string[] };
  location?: { file: string; line?: number; column?: number };
  evidence: Record<string, unknown>;
}
interface Result {
  code: number;
  stdout: string;
  stderr: string;
  findings: Finding[];
}

/** Runs a documented command line (no quoting in them: split on spaces) with this Node. */
async function cli(command: string): Promise<Result> {
  const [node, ...args] = command.split(' ');
  expect(node).toBe('node');
  let out: { code: number; stdout: string; stderr: string };
  try {
    const { stdout, stderr } = await run(process.execPath, args, { cwd: root, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 * 1024 * 1024 });
    out = { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    out = { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
  let findings: Finding[] = [];
  try {
    findings = (JSON.parse(out.stdout) as { findings: Finding[] }).findings;
  } catch {
    throw new Error(`${command} printed no JSON report (exit ${out.code}): ${out.stderr.slice(0, 500)}`);
  }
  return { ...out, findings };
}

const results = {} as Record<CommandName, Result>;

beforeAll(async () => {
  if (!existsSync(join(root, BIN))) throw new Error('build first: npm run build (npm test does)');
  const names = Object.keys(COMMANDS) as CommandName[];
  const done = await Promise.all(names.map((n) => cli(COMMANDS[n])));
  names.forEach((n, i) => (results[n] = done[i]!));
});

const idsOf = (findings: readonly Finding[]): string[] => [...new Set(findings.map((f) => f.id))].sort();

/** File -> the sorted check ids that fire in it. */
function idsByFile(findings: readonly Finding[]): Record<string, string[]> {
  const byFile = new Map<string, Finding[]>();
  for (const f of findings) {
    const file = f.location?.file ?? NO_FILE;
    byFile.set(file, [...(byFile.get(file) ?? []), f]);
  }
  return Object.fromEntries([...byFile.keys()].sort().map((file) => [file, idsOf(byFile.get(file)!)]));
}

function lineOf(file: string, line: number): string {
  return readFileSync(join(root, file), 'utf8').split('\n')[line - 1] ?? '';
}

describe('samples/README.md', () => {
  it.each(Object.entries(COMMANDS))('documents the %s command verbatim', (_, command) => {
    expect(readFileSync(join(root, 'samples/README.md'), 'utf8')).toContain(command);
  });
});

describe('the bundled samples fire every registered check', () => {
  const allIds = allChecks.map((c) => c.meta.id).sort();

  it('allChecks is not empty and its ids are unique', () => {
    expect(allIds.length).toBeGreaterThan(10);
    expect(new Set(allIds).size).toBe(allIds.length);
  });

  it.each(allIds)('%s fires on some sample', (id) => {
    const seen = new Set([...results.dryRun.findings, ...results.lint.findings, ...results.lintWithState.findings].map((f) => f.id));
    expect(seen.has(id), `no sample fires ${id}`).toBe(true);
  });

  it('no finding has an id that allChecks does not register', () => {
    const seen = idsOf([...results.dryRun.findings, ...results.lint.findings, ...results.lintWithState.findings]);
    expect(seen.filter((id) => !allIds.includes(id))).toEqual([]);
  });
});

describe('what each sample shows (as samples/README.md says)', () => {
  it('dry-run on the registry: every safety finding', () => {
    expect(idsByFile(results.dryRun.findings)).toEqual({
      [NO_FILE]: [
        'base-image-expired', 'in-use-image-archived', 'in-use-image-expired', 'in-use-signature-removed',
        'recently-pulled-image-expired', 'rollback-target-expired', 'unresolved-in-use-reference',
      ],
    });
  });

  it('lint without state: the policy checks, per file; the shop/api policy is clean on its own', () => {
    expect(idsByFile(results.lint.findings)).toEqual({
      [CFN]: ['archive-minimum', 'ecr-rejects-policy', 'selects-signatures', 'shadowed-rule', 'unresolved-policy'],
      [TF]: ['catch-all-small-count', 'no-untagged-rule', 'tag-list-entries-anded', 'unresolved-policy'],
      [HELM]: ['parse-error'],
    });
  });

  it('lint with state: adds the state checks and safety findings at the shop/api policy only', () => {
    const byFile = idsByFile(results.lintWithState.findings);
    expect(byFile[API]).toEqual(['burst-risk', 'dead-rule', 'in-use-image-expired', 'recently-pulled-image-expired', 'rule-never-acts', 'unresolved-in-use-reference']);
    // The other policies name repositories the snapshot does not hold: same findings as without state.
    expect({ ...byFile, [API]: undefined }).toEqual({ ...idsByFile(results.lint.findings), [API]: undefined });
  });

  it('lint with state: policies naming a repository outside the snapshot are skipped with a warning', () => {
    const skipped = results.lintWithState.stderr.split('\n').filter((l) => l.includes('state checks skipped')).sort();
    expect(skipped).toEqual([
      `warning: ${CFN} (StorefrontRepository): state checks skipped: the state has no repository named shop/storefront`,
      `warning: ${TF} (aws_ecr_lifecycle_policy.checkout): state checks skipped: the state has no repository named shop/checkout`,
      `warning: ${TF} (module.ecr.aws_ecr_lifecycle_policy.this["search"]): state checks skipped: the state has no repository named shop/search`,
      `warning: ${TF} (module.ecr.aws_ecr_lifecycle_policy.this["worker"]): state checks skipped: the state has no repository named shop/worker`,
    ]);
  });

  it('burst-risk: release-1.5 is number 4 of 4 kept, 4 pushes in 30 days: about 7.5 days', () => {
    const burst = results.lintWithState.findings.filter((f) => f.id === 'burst-risk');
    expect(burst).toHaveLength(1);
    expect(burst[0]).toMatchObject({
      repositoryName: 'shop/api', rulePriority: 1, image: { imageTags: ['release-1.5'] },
      evidence: { rank: 4, countNumber: 4, pushesInWindow: 4, windowDays: 30, estimateDays: 7.5, thresholdDays: 14 },
    });
  });

  it('the Rollout, the kustomization and the Helm values file each make in-use-image-expired fire (issue 17)', () => {
    const firing = (file: string) => results.dryRun.findings.filter((f) => f.id === 'in-use-image-expired' && (f.origins ?? []).some((o) => o.file === file)).map((f) => [f.repositoryName, f.image?.imageTags]);
    expect(firing('samples/in-use/kubernetes/rollout-ci-runner.yaml')).toEqual([['tools/ci-runner', ['build-101']]]);
    // What runs is the override: platform/base python-3.11, not the base's python-3.12.
    expect(firing('samples/in-use/kustomize/overlays/rollback/kustomization.yaml')).toEqual([['platform/base', ['python-3.11']]]);
    expect(firing('samples/in-use/kustomize/base/deployment.yaml')).toEqual([]);
    expect(firing('samples/in-use/helm/ci-runner/values.yaml')).toEqual([['tools/ci-runner', ['build-103']]]);
  });

  it('dead-rule is the rc- rule (2), rule-never-acts the 90-day untagged rule (3), in-use-image-expired is release-1.2', () => {
    const at = (id: string) => results.lintWithState.findings.filter((f) => f.id === id && f.location?.file === API);
    expect(at('dead-rule').map((f) => f.rulePriority)).toEqual([2]);
    expect(at('rule-never-acts').map((f) => f.rulePriority)).toEqual([3]);
    // The SBOM referrer follows its subject: it is never identified by the untagged rule, only the old `latest` is.
    expect(at('rule-never-acts')[0]!.message).toContain('identifies 1 image of shop/api');
    expect(at('in-use-image-expired').map((f) => [f.rulePriority, f.image?.imageTags])).toEqual([[1, ['release-1.2']]]);
  });
});

describe('lint findings point at the offending value', () => {
  // [check id, file, line, column, text at that column]
  const positions: Array<[string, string, number, number, string]> = [
    ['tag-list-entries-anded', TF, 23, 235, '[\\"prod\\",\\"staging\\"]'],
    ['unresolved-policy', TF, 35, 21, '{'],
    ['catch-all-small-count', TF, 160, 170, '10,'],
    ['no-untagged-rule', TF, 174, 39, '[{\\"action\\"'],
    ['shadowed-rule', CFN, 47, 36, '["v1"]'],
    ['selects-signatures', CFN, 59, 36, '["sha256-"]'],
    ['archive-minimum', CFN, 85, 34, '30'],
    ['ecr-rejects-policy', CFN, 111, 32, '"days"'],
    ['unresolved-policy', CFN, 135, 35, '|'],
  ];

  it.each(positions)('%s at %s:%i:%i', (id, file, line, column, text) => {
    const hits = results.lint.findings.filter((f) => f.id === id && f.location?.file === file && f.location.line === line);
    expect(hits.map((f) => f.location?.column)).toEqual([column]);
    expect(lineOf(file, line).slice(column - 1)).toMatch(new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });

  it('in the get-lifecycle-policy output, each state finding is at its own rule in lifecyclePolicyText (line 4)', () => {
    const text = lineOf(API, 4);
    for (const [id, rulePriority] of [['dead-rule', 2], ['rule-never-acts', 3], ['burst-risk', 1]] as const) {
      const f = results.lintWithState.findings.find((x) => x.id === id)!;
      expect(f.location).toMatchObject({ file: API, line: 4 });
      expect(text.slice(f.location!.column! - 1)).toMatch(new RegExp(`^\\{\\\\"rulePriority\\\\":${rulePriority},`));
    }
  });
});

describe('exit codes at the default --fail-on (error)', () => {
  it('1 for every documented run, which all report error findings', () => {
    for (const name of ['dryRun', 'lint', 'lintWithState'] as const) {
      const r = results[name];
      expect(r.findings.some((f) => f.severity === 'error'), name).toBe(true);
      expect(r.code, `${name}: ${r.stderr}`).toBe(1);
    }
  });

  it('the Terraform plan alone has only warnings and info: 0, and 1 with --fail-on warning', () => {
    expect(results.lintTerraform.findings.map((f) => f.severity).filter((s) => s === 'error')).toEqual([]);
    expect(results.lintTerraform.findings.length).toBeGreaterThan(0);
    expect(results.lintTerraform.code).toBe(0);
    expect(results.lintTerraformFailOnWarning.code).toBe(1);
  });

  it('runs without state print nothing on standard error', () => {
    expect(results.dryRun.stderr).toBe('');
    expect(results.lint.stderr).toBe('');
  });
});
