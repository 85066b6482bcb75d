import { describe, expect, it } from 'vitest';
import { discoverPolicySources } from '../../../src/load/sources/index.js';
import { byName, fixture, positionOf } from './helpers.js';

// Terraform and OpenTofu configuration read directly: where policies are, what is evaluated, what
// is reported unresolved, and where each finding points.

const DIR = 'test/fixtures/sources/terraform/hcl';

describe('.tf files', async () => {
  const { sources, problems, coverage } = await discoverPolicySources([DIR]);

  it('finds aws_ecr_lifecycle_policy resources, module inputs shaped like a policy, and policies read by file()', () => {
    expect(problems).toEqual([]);
    expect(sources.map((s) => [s.file.slice(DIR.length + 1), s.name, s.repositoryName ?? null])).toEqual([
      ['basic/heredoc.tf', 'aws_ecr_lifecycle_policy.web', 'shop/web'],
      ['basic/main.tf', 'aws_ecr_lifecycle_policy.api', 'shop/api'],
      ['files/policies/keep.json', 'aws_ecr_lifecycle_policy.from_file', 'files/a'],
      ['files/policies/keep.json.tpl', 'aws_ecr_lifecycle_policy.from_template', 'files/b'],
      ['module-input/main.tf', 'module.ecr.repository_lifecycle_policy', 'private-example'],
      ['unresolved/main.tf', 'aws_ecr_lifecycle_policy.this', null],
      ['unresolved/main.tf', 'aws_ecr_lifecycle_policy.doc', 'x'],
    ]);
    expect(coverage?.policies).toEqual({ terraform: 7 });
  });

  it('jsonencode: the text Terraform sends (keys sorted), a value located at its attribute', () => {
    const api = byName(sources, 'aws_ecr_lifecycle_policy.api');
    const policy = JSON.parse(api.policyText!);
    expect(policy.rules[0].selection).toEqual({ countNumber: 30, countType: 'imageCountMoreThan', tagPrefixList: ['v'], tagStatus: 'tagged' });
    const main = fixture('terraform/hcl/basic/main.tf');
    const at = api.policyText!.indexOf('"countNumber":0') + '"countNumber":'.length;
    expect(api.mapOffset(at)).toEqual(positionOf(main.text, 'countNumber = 0'));
  });

  it('heredoc and file(): positions are the JSON positions in that file', () => {
    const web = byName(sources, 'aws_ecr_lifecycle_policy.web');
    const tf = fixture('terraform/hcl/basic/heredoc.tf');
    expect(web.mapOffset(web.policyText!.indexOf('14'))).toEqual(positionOf(tf.text, '14'));
    const fromFile = byName(sources, 'aws_ecr_lifecycle_policy.from_file');
    const json = fixture('terraform/hcl/files/policies/keep.json');
    expect(fromFile.mapOffset(fromFile.policyText!.indexOf('"countNumber"'))).toEqual(positionOf(json.text, '"countNumber"'));
  });

  it('templatefile() with literal variables; module inputs with locals and variable defaults', () => {
    expect(JSON.parse(byName(sources, 'aws_ecr_lifecycle_policy.from_template').policyText!).rules[0].selection.countNumber).toBe(5);
    const m = JSON.parse(byName(sources, 'module.ecr.repository_lifecycle_policy').policyText!);
    expect(m.rules[0].selection).toMatchObject({ countNumber: 20, tagPrefixList: ['prod', 'release'] });
    expect(m.rules[0].description).toBe('Keep last 20 images');
  });

  it('unknowns are unresolved sources at the expression, naming what is unknown', () => {
    const tf = fixture('terraform/hcl/unresolved/main.tf');
    const v = byName(sources, 'aws_ecr_lifecycle_policy.this');
    expect(v.unresolvedReason).toBe('var.lifecycle_policy has no default: its value is given where the module is used');
    expect({ line: v.location.line, column: v.location.column }).toEqual(positionOf(tf.text, 'var.lifecycle_policy'));
    expect(byName(sources, 'aws_ecr_lifecycle_policy.doc').unresolvedReason).toBe('data.aws_ecr_lifecycle_policy_document.this.json is read from the provider at plan time');
  });
});

describe('a .tf file given alone', () => {
  it('reads its module siblings for locals and variables, reports only its own policies', async () => {
    const { sources } = await discoverPolicySources([`${DIR}/module-input/main.tf`]);
    expect(sources.map((s) => s.name)).toEqual(['module.ecr.repository_lifecycle_policy']);
  });

  it('a syntax error is one located problem', async () => {
    const { sources, problems } = await discoverPolicySources(['test/fixtures/sources/terraform/broken/main.tf']);
    expect(sources).toEqual([]);
    expect(problems.map((p) => [p.code, p.location.line])).toEqual([['hcl/syntax', 4]]);
  });
});

describe('.tf.json and terraform.tfstate', () => {
  it('.tf.json: strings are templates, references resolve', async () => {
    const { sources, problems } = await discoverPolicySources(['test/fixtures/sources/terraform/json/main.tf.json']);
    expect(problems).toEqual([]);
    expect(sources.map((s) => [s.name, s.repositoryName])).toEqual([['aws_ecr_lifecycle_policy.api', 'json/api']]);
    expect(JSON.parse(sources[0]!.policyText!).rules[0].selection.countNumber).toBe(7);
  });

  it('terraform.tfstate (format 4): each instance of each policy resource', async () => {
    const { sources } = await discoverPolicySources(['test/fixtures/sources/terraform/state/terraform.tfstate']);
    expect(sources.map((s) => [s.name, s.format, s.repositoryName])).toEqual([
      ['module.ecr.aws_ecr_lifecycle_policy.this["web"]', 'terraform-state', 'shop/web'],
    ]);
  });
});
