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

// The shape of `terraform show -json` plan output (format_version 1.x) as the Terraform and OpenTofu
// "JSON Output Format" pages describe it (resource_changes[].change: actions, before, after,
// after_unknown; a deleted resource only in resource_changes and prior_state).
describe('terraform show -json (plan): resource_changes, the policy before the plan', () => {
  const changes = fixture('terraform/plan-changes.json');
  const { sources, problems, planChanges } = extractPolicySources(changes.file, changes.text);

  test('the planned policies are linted as before; the deleted one is not among them', () => {
    expect(problems).toEqual([]);
    expect(sources.map((s) => s.name)).toEqual([
      'aws_ecr_lifecycle_policy.api', 'aws_ecr_lifecycle_policy.batch', 'aws_ecr_lifecycle_policy.web',
      'aws_ecr_repository_creation_template.ci', 'module.mirror.aws_ecr_lifecycle_policy.this',
    ]);
  });

  test('update, delete and create are changes; no-op and a policy unknown at plan time are not', () => {
    expect(planChanges?.map((c) => [c.file, c.name, c.actions, c.before !== undefined])).toEqual([
      [changes.file, 'aws_ecr_lifecycle_policy.api', ['update'], true],
      [changes.file, 'aws_ecr_lifecycle_policy.legacy', ['delete'], true],
      [changes.file, 'aws_ecr_lifecycle_policy.web', ['create'], false],
      [changes.file, 'aws_ecr_repository_creation_template.ci', ['update'], true],
    ]);
  });

  test('the policy before is read from change.before, located in the plan file, with its repository or prefix', () => {
    const api = planChanges!.find((c) => c.name === 'aws_ecr_lifecycle_policy.api')!.before!;
    expect(api.format).toBe('terraform-plan');
    expect(api.repositoryName).toBe('api');
    expect(api.pointerPrefix).toBe('/resource_changes/0/change/before/policy');
    expect(JSON.parse(api.policyText!).rules[0].selection.countNumber).toBe(50);
    // The policy text's `"` is the file's `\"`: it maps to the backslash.
    const at = nthIndexOf(changes.text, '\\"countNumber\\":50');
    expect(api.mapOffset(api.policyText!.indexOf('"countNumber":50'))).toEqual(lineColumnAt(changes.text, at));
    const ci = planChanges!.find((c) => c.name === 'aws_ecr_repository_creation_template.ci')!.before!;
    expect(ci.repositoryPrefix).toBe('ci');
    expect(ci.pointerPrefix).toBe('/resource_changes/4/change/before/lifecycle_policy');
  });

  test('a replacement that keeps the policy text, and state JSON, have no changes', () => {
    const plan = JSON.parse(changes.text);
    const rc = plan.resource_changes[0];
    rc.change.actions = ['delete', 'create'];
    rc.change.after.policy = rc.change.before.policy;
    plan.resource_changes = [rc];
    expect(extractPolicySources('replace.json', JSON.stringify(plan)).planChanges).toBeUndefined();
    // A deposed object being destroyed is not the policy the plan replaces.
    plan.resource_changes = [{ ...JSON.parse(changes.text).resource_changes[1], deposed: '00000001', change: { ...JSON.parse(changes.text).resource_changes[2].change } }];
    expect(extractPolicySources('deposed.json', JSON.stringify(plan)).planChanges).toBeUndefined();
    delete plan.resource_changes[0].deposed;
    expect(extractPolicySources('deposed.json', JSON.stringify(plan)).planChanges).toHaveLength(1);
    const state = { format_version: '1.0', values: { root_module: { resources: plan.planned_values.root_module.resources } } };
    expect(extractPolicySources('state.json', JSON.stringify(state)).planChanges).toBeUndefined();
  });
});
