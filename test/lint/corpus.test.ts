import { describe, expect, it } from 'vitest';
import { lint } from './support.js';

// The corpus of real-world shapes (test/fixtures/lint/corpus/README.md): every policy file is read
// as it lives (its policy resolved, or reported unresolved naming what is unknown), every ECR
// rejection is found, and each finding's verdict is asserted.

const DIR = 'test/fixtures/lint/corpus';

/** Per file: each policy (name, resolved or the unknown named), and the findings (id:line). */
const EXPECTED: Record<string, { policies: Array<[string, true | string]>; findings: string[] }> = {
  'cdk-synth/cdk.out/HelloStack.template.json': { policies: [['HelloStack/repo/ecrRepository/Resource', true]], findings: ['catch-all-small-count:8'] },
  'cfn-folded/template.yaml': { policies: [['Repository', true]], findings: [] },
  'cfn-sub-parameter/template.yaml': { policies: [['Repository', true]], findings: ['no-untagged-rule:15'] },
  'cli-get-lifecycle-policy/output.json': { policies: [['output.json', true]], findings: [] },
  'cli-policy/policy.json': { policies: [['policy.json', true]], findings: [] },
  'tf-community-module-sorted/ecr.tf': { policies: [['module.ecr.repository_lifecycle_policy', true]], findings: [] },
  'tf-conditional-name/main.tf': { policies: [['aws_ecr_lifecycle_policy.notify', true]], findings: [] },
  'tf-count-jsonencode-var/lifecycle.tf': { policies: [['aws_ecr_lifecycle_policy.this', true]], findings: [] },
  'tf-flatten-locals/main.tf': { policies: [['aws_ecr_lifecycle_policy.this', 'the function flatten() is not evaluated statically']], findings: ['unresolved-policy:9'] },
  'tf-heredoc-any-count/main.tf': { policies: [['aws_ecr_lifecycle_policy.backend', true]], findings: ['catch-all-small-count:17'] },
  'tf-heredoc-indented-body/main.tf': { policies: [['aws_ecr_lifecycle_policy.tags', true]], findings: ['no-untagged-rule:12'] },
  'tf-heredoc-raw-var/main.tf': { policies: [['aws_ecr_lifecycle_policy.this', 'prod_image_count is not a reference Terraform can resolve (a bare name)']], findings: ['unresolved-policy:15'] },
  'tf-indented-heredoc-eot/main.tf': { policies: [['aws_ecr_lifecycle_policy.main', true]], findings: [] },
  'tf-jsonencode-colon/lifecycle.tf': { policies: [['aws_ecr_lifecycle_policy.notes', true]], findings: [] },
  'tf-local-module/main.tf': { policies: [['module.registry.lifecycle_policy', true]], findings: [] },
  'tf-local-object/local.tf': { policies: [['aws_ecr_lifecycle_policy.practice', true]], findings: ['catch-all-small-count:13'] },
  'tf-locals-heredoc-indented/locals.tf': { policies: [['aws_ecr_lifecycle_policy.these', true]], findings: [] },
  'tf-locals-module/main.tf': { policies: [['module.ecr.repository_lifecycle_policy', true]], findings: ['no-untagged-rule:12'] },
  'tf-module-heredoc-input/ecr.tf': { policies: [['module.ecr.lifecycle_policy', true]], findings: ['no-untagged-rule:9'] },
  'tf-module-itself/main.tf': { policies: [['aws_ecr_lifecycle_policy.this', 'var.lifecycle_policy has no default: its value is given where the module is used']], findings: ['unresolved-policy:17'] },
  'tf-module-var-passthrough/main.tf': {
    policies: [['module.ecr.repository_lifecycle_policy', 'var.repository_lifecycle_policy has no default: its value is given where the module is used']],
    findings: ['unresolved-policy:12'],
  },
  'tf-policy-document/main.tf': { policies: [['aws_ecr_lifecycle_policy.task', 'data.aws_ecr_lifecycle_policy_document.task.json is read from the provider at plan time']], findings: ['unresolved-policy:24'] },
  'tf-pr-prefix/main.tf': { policies: [['aws_ecr_lifecycle_policy.adaptor', true]], findings: ['no-untagged-rule:10'] },
  'tf-rejected-any-not-last/main.tf': { policies: [['aws_ecr_lifecycle_policy.default', true]], findings: ['ecr-rejects-policy:9', 'ecr-rejects-policy:11'] },
  'tf-rejected-count-zero/main.tf': { policies: [['aws_ecr_lifecycle_policy.bad', true]], findings: ['ecr-rejects-policy:13'] },
  'tf-variable-default-heredoc/main.tf': { policies: [['aws_ecr_lifecycle_policy.media', true]], findings: ['no-untagged-rule:7'] },
};

describe('the corpus of real-world shapes', async () => {
  const run = await lint({ paths: [DIR], now: '2026-05-01T00:00:00Z' });
  const report = run.report();
  const rel = (f: string): string => f.slice(DIR.length + 1);

  it('reads every policy file as it lives (at least 95%: here all), each policy resolved or its unknown named', () => {
    const actual: Record<string, Array<[string, true | string]>> = {};
    for (const p of report.policies ?? []) (actual[rel(p.file)] ??= []).push([p.name, p.unresolvedReason ?? true]);
    const files = Object.keys(EXPECTED);
    const asExpected = files.filter((f) => JSON.stringify(actual[f]) === JSON.stringify(EXPECTED[f]!.policies));
    expect(asExpected.length / files.length).toBeGreaterThanOrEqual(0.95);
    expect(actual).toEqual(Object.fromEntries(files.map((f) => [f, EXPECTED[f]!.policies])));
  });

  it('finds every ECR rejection and asserts every finding', () => {
    const actual: Record<string, string[]> = {};
    for (const f of report.findings) (actual[rel(f.location!.file)] ??= []).push(`${f.id}:${f.location!.line}`);
    const expected = Object.fromEntries(Object.entries(EXPECTED).filter(([, e]) => e.findings.length > 0).map(([f, e]) => [f, e.findings]));
    expect(Object.fromEntries(Object.entries(actual).map(([f, ids]) => [f, ids.sort()]))).toEqual(
      Object.fromEntries(Object.entries(expected).map(([f, ids]) => [f, [...ids].sort()])),
    );
    expect(run.code).toBe(1);
  });

  it('skips program source with the cdk synth hint and never reads Terraform\'s cache folder', () => {
    expect(report.coverage!.skipped.map((s) => [rel(s.file), s.reason])).toEqual([['pulumi-program/main.py', 'program-source']]);
    expect(report.coverage!.filesExamined).toBe(26);
    expect(JSON.stringify(report)).not.toContain('.terraform');
  });
});
