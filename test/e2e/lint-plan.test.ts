import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, NOW, runCli } from './support.js';

// `lint plan.json`: a plan holds the policy before and after, so lint shows the change without
// --base, through the built CLI. The fixture has an update, a create, a delete, a no-op and a policy
// unknown at plan time (test/load/sources/terraform.test.ts reads it).

const PLAN = 'test/fixtures/sources/terraform/plan-changes.json';
const BASE = 'the prior state in test/fixtures/sources/terraform/plan-changes.json';

beforeAll(() => assertBuilt());

describe('lint of a Terraform plan JSON shows the plan change', () => {
  it('JSON: the same diff as --base (rule changes, findings introduced and fixed), and unresolved-policy for the unknown policy', async () => {
    const run = await runCli(['lint', PLAN, '--now', NOW, '--format', 'json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.diff.base).toBe(BASE);
    // Per resource, by address (the create, the delete and the updates), each resource's rules by priority.
    expect(report.diff.ruleChanges.map((c: { change: string; rulePriority: number; summary: string }) => [c.change, c.rulePriority, c.summary.split(':')[0]])).toEqual([
      ['changed', 1, 'aws_ecr_lifecycle_policy.api'],
      ['changed', 2, 'aws_ecr_lifecycle_policy.api'],
      ['removed', 1, 'aws_ecr_lifecycle_policy.legacy'],
      ['added', 1, 'aws_ecr_lifecycle_policy.web'],
      ['added', 2, 'aws_ecr_lifecycle_policy.web'],
      ['added', 1, 'aws_ecr_repository_creation_template.ci'],
      ['changed', 2, 'aws_ecr_repository_creation_template.ci'],
    ]);
    const api = report.diff.ruleChanges.find((c: { summary: string }) => c.summary.startsWith('aws_ecr_lifecycle_policy.api') && c.summary.includes('countNumber 50 -> 20'));
    expect(api.summary).toContain('tagPrefixList ["release-"] -> ["release-","prod-"]');
    // Introduced: located in planned_values; fixed: located in the plan's change.before.
    expect(report.diff.introducedFindings.map((f: { id: string; location: { pointer: string } }) => [f.id, f.location.pointer])).toEqual([
      ['tag-list-entries-anded', '/planned_values/root_module/resources/0/values/policy'],
    ]);
    expect(report.diff.fixedFindings.map((f: { id: string; location: { pointer: string; line: number } }) => [f.id, f.location.pointer, f.location.line])).toEqual([
      ['no-untagged-rule', '/resource_changes/4/change/before/lifecycle_policy', 202],
    ]);
    // The deleted policy is in the diff only: what is linted is what the plan leaves.
    expect(report.policies.map((p: { name: string }) => p.name)).not.toContain('aws_ecr_lifecycle_policy.legacy');
    const unresolved = report.findings.filter((f: { id: string }) => f.id === 'unresolved-policy');
    expect(unresolved.map((f: { message: string }) => f.message)).toEqual([expect.stringContaining('module.mirror.aws_ecr_lifecycle_policy.this')]);
    expect(unresolved[0].message).toContain('known only after apply');
  });

  it('table: the change after the findings', async () => {
    const run = await runCli(['lint', PLAN, '--now', NOW, '--format', 'table']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const lines = run.stdout.split('\n');
    const at = lines.indexOf(`Policy change against ${BASE}:`);
    expect(at).toBeGreaterThan(lines.findIndex((l) => l.startsWith('Findings:')));
    expect(lines.slice(at + 1, at + 5)).toEqual([
      '  added rule 1: aws_ecr_lifecycle_policy.web: expire tagged tagPrefixList ["release-"], more than 30 images',
      '  added rule 1: aws_ecr_repository_creation_template.ci: expire untagged, sinceImagePushed 14 days',
      expect.stringMatching(/^ {2}changed rule 1: aws_ecr_lifecycle_policy\.api: .*countNumber 50 -> 20$/),
      '  removed rule 1: aws_ecr_lifecycle_policy.legacy: expire untagged, sinceImagePushed 30 days',
    ]);
    expect(run.stdout).toMatch(/ {2}Findings introduced \(1\):\n {4}warning tag-list-entries-anded test\/fixtures\/sources\/terraform\/plan-changes\.json:16:/);
    expect(run.stdout).toMatch(/ {2}Findings fixed \(1\):\n {4}info no-untagged-rule test\/fixtures\/sources\/terraform\/plan-changes\.json:202:/);
  });

  it('GitHub annotations carry the change as one notice; SARIF marks results new or unchanged and carries the rule changes', async () => {
    const github = await runCli(['lint', PLAN, '--now', NOW, '--format', 'github']);
    expect(github.stdout).toMatch(/^::notice title=policy-change::Policy change against the prior state in test\/fixtures\/sources\/terraform\/plan-changes\.json:%0A {2}added rule 1: /m);
    const sarif = JSON.parse((await runCli(['lint', PLAN, '--now', NOW, '--format', 'sarif'])).stdout);
    const run = sarif.runs[0];
    expect(run.properties.policyChange.base).toBe(BASE);
    expect(run.properties.policyChange.ruleChanges).toHaveLength(7);
    const states = run.results.map((r: { ruleId: string; baselineState: string }) => [r.ruleId, r.baselineState]);
    expect(states).toContainEqual(['tag-list-entries-anded', 'new']);
    expect(states).toContainEqual(['unresolved-policy', 'unchanged']);
  });

  it('--base, when given, is what the plan is compared with', async () => {
    const run = await runCli(['lint', PLAN, '--base', 'test/fixtures/sources/terraform/plan.json', '--now', NOW, '--format', 'json']);
    expect(JSON.parse(run.stdout).diff.base).toBe('test/fixtures/sources/terraform/plan.json');
  });
});
