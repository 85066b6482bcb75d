import { describe, expect, test } from 'vitest';
import { extractPolicySources } from '../../../src/load/sources/index.js';
import { byName, expectEveryCharacterMapped, fixture, lineColumnAt, nthIndexOf, positionOf } from './helpers.js';

const plan = fixture('terraform/plan.json');

describe('terraform show -json (plan)', () => {
  const { sources, problems } = extractPolicySources(plan.file, plan.text);

  test('finds every aws_ecr_lifecycle_policy in the root and nested modules, in file order', () => {
    expect(problems).toEqual([]);
    expect(sources.map((s) => [s.name, s.format, s.repositoryName])).toEqual([
      ['aws_ecr_lifecycle_policy.api', 'terraform-plan', 'api'],
      ['module.ecr.aws_ecr_lifecycle_policy.this["web"]', 'terraform-plan', 'shop/web'],
      ['module.ecr.aws_ecr_lifecycle_policy.this["worker"]', 'terraform-plan', 'shop/worker'],
      ['module.ecr.module.mirror[0].aws_ecr_lifecycle_policy.this', 'terraform-plan', 'mirror/base'],
    ]);
  });

  test('takes the planned policy, not the prior state', () => {
    const api = byName(sources, 'aws_ecr_lifecycle_policy.api');
    expect(JSON.parse(api.policyText!).rules[0].selection.countNumber).toBe(20);
    expect(api.pointerPrefix).toBe('/planned_values/root_module/resources/0/values/policy');
  });

  test('a repository name unknown at plan time comes through configuration references to the for_each instance with the same key', () => {
    const web = byName(sources, 'module.ecr.aws_ecr_lifecycle_policy.this["web"]');
    // The plan itself does not know it: the value is omitted and after_unknown says so.
    const raw = JSON.parse(plan.text);
    expect(raw.planned_values.root_module.child_modules[0].resources[0].values.repository).toBeUndefined();
    expect(web.repositoryName).toBe('shop/web');
  });

  test('a policy unknown at plan time is reported, located at its resource values', () => {
    const mirror = byName(sources, 'module.ecr.module.mirror[0].aws_ecr_lifecycle_policy.this');
    expect(mirror.policyText).toBeUndefined();
    expect(mirror.unresolvedReason).toMatch(/known only after apply/);
    expect(mirror.pointerPrefix).toBe('/planned_values/root_module/child_modules/0/child_modules/0/resources/0/values');
    expect(mirror.mapOffset(10)).toEqual({ line: mirror.location.line, column: mirror.location.column });
  });

  test("positions: a rule's countNumber inside a compact jsonencode() policy", () => {
    const api = byName(sources, 'aws_ecr_lifecycle_policy.api');
    const at = api.policyText!.indexOf('"countNumber":14');
    expect(api.mapOffset(at)).toEqual(positionOf(plan.text, '\\"countNumber\\":14'));
    expect(api.mapOffset(at + 1)).toEqual(positionOf(plan.text, 'countNumber\\":14'));
    expect(api.mapOffset(at).line).toBe(21);
    expectEveryCharacterMapped(plan.text, api);
  });

  test('positions: a heredoc policy with \\n escapes, second for_each instance', () => {
    const worker = byName(sources, 'module.ecr.aws_ecr_lifecycle_policy.this["worker"]');
    const at = worker.policyText!.indexOf('"countNumber": 7');
    expect(worker.mapOffset(at)).toEqual(positionOf(plan.text, '\\"countNumber\\": 7', 2));
    expectEveryCharacterMapped(plan.text, worker);
    // The end of the text is the closing quote of the JSON string.
    const end = worker.mapOffset(worker.policyText!.length);
    expect(end).toEqual({ line: worker.location.endLine, column: worker.location.endColumn! - 1 });
  });

  test('positions in the raw single-line output, with Go HTML escapes (\\u003c)', () => {
    const raw = JSON.stringify(JSON.parse(plan.text)).replace(/</g, '\\u003c');
    const r = extractPolicySources('plan.json', raw);
    const web = byName(r.sources, 'module.ecr.aws_ecr_lifecycle_policy.this["web"]');
    expect(web.policyText).toContain('keep <= 30');
    const lt = web.policyText!.indexOf('<');
    expect(web.mapOffset(lt)).toEqual(lineColumnAt(raw, nthIndexOf(raw, '\\u003c= 30')));
    expect(web.mapOffset(lt + 1)).toEqual(lineColumnAt(raw, nthIndexOf(raw, '\\u003c= 30') + 6));
    expectEveryCharacterMapped(raw, web);
  });
});

describe('terraform show -json (state)', () => {
  test('reads values.root_module', () => {
    const raw = JSON.parse(plan.text);
    const state = JSON.stringify({ format_version: '1.0', terraform_version: '1.9.5', values: raw.prior_state.values }, null, 2);
    const { sources, problems } = extractPolicySources('state.json', state);
    expect(problems).toEqual([]);
    expect(sources.map((s) => [s.name, s.format, s.repositoryName])).toEqual([['aws_ecr_lifecycle_policy.api', 'terraform-plan', 'api']]);
    expect(JSON.parse(sources[0]!.policyText!).rules[0].selection.countNumber).toBe(50);
  });

  test('repository creation templates carry their lifecycle_policy and prefix', () => {
    const state = {
      format_version: '1.0',
      values: {
        root_module: {
          resources: [
            {
              address: 'aws_ecr_repository_creation_template.cache', mode: 'managed', type: 'aws_ecr_repository_creation_template', name: 'cache',
              values: { prefix: 'cache', lifecycle_policy: '{"rules":[]}' },
            },
          ],
        },
      },
    };
    const { sources } = extractPolicySources('state.json', JSON.stringify(state));
    expect(sources.map((s) => [s.name, s.repositoryPrefix, s.repositoryName, s.policyText])).toEqual([
      ['aws_ecr_repository_creation_template.cache', 'cache', undefined, '{"rules":[]}'],
    ]);
  });
});
