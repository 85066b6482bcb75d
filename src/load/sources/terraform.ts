import { child, stringOf, type TreeNode } from './tree.js';
import { notTextProblem, type DraftsResult, type PlanChange, type SourceDraft } from './types.js';

// `terraform show -json` of a plan (planned_values) or of state (values): the resources that
// carry a lifecycle policy, in the root module and every child module.

interface PolicyResourceType {
  type: string;
  policy: string;
  repository?: string;
  prefix?: string;
}

const POLICY_RESOURCE_TYPES: PolicyResourceType[] = [
  { type: 'aws_ecr_lifecycle_policy', policy: 'policy', repository: 'repository' },
  { type: 'aws_ecr_repository_creation_template', policy: 'lifecycle_policy', prefix: 'prefix' },
];

/** Raw `terraform.tfstate` (format version 4), as the backend stores it. */
export function isTerraformState(root: TreeNode): boolean {
  return child(root, 'version')?.value === 4 && child(root, 'resources')?.kind === 'seq' && child(root, 'terraform_version') !== undefined;
}

export function isTerraformJson(root: TreeNode): boolean {
  if (isTerraformState(root)) return true;
  if (child(root, 'planned_values') !== undefined || child(root, 'resource_changes') !== undefined) return true;
  return child(root, 'format_version') !== undefined && child(child(root, 'values'), 'root_module') !== undefined;
}

/** `module.a["x"].module.b[0]` -> `['a', 'b']`: the path of module calls in `configuration`. */
function moduleCallPath(moduleAddress: string | undefined): string[] {
  return [...(moduleAddress ?? '').matchAll(/module\.([A-Za-z0-9_-]+)(?:\[(?:"(?:[^"\\]|\\.)*"|\d+)\])?/g)].map((m) => m[1]!);
}

function configurationModule(root: TreeNode, path: string[]): TreeNode | undefined {
  let mod = child(child(root, 'configuration'), 'root_module');
  for (const call of path) mod = child(child(child(mod, 'module_calls'), call), 'module');
  return mod;
}

function sameIndex(a: TreeNode | undefined, b: TreeNode | undefined): boolean {
  return a?.value === b?.value;
}

class TerraformReader {
  private readonly changes = new Map<string, TreeNode>();

  constructor(private readonly root: TreeNode) {
    for (const rc of child(root, 'resource_changes')?.items ?? []) {
      const address = stringOf(child(rc, 'address'));
      if (address !== undefined) this.changes.set(address, child(rc, 'change')!);
    }
  }

  private unknownAfterApply(address: string, attribute: string): boolean {
    return child(child(this.changes.get(address), 'after_unknown'), attribute)?.value === true;
  }

  /**
   * A repository name unknown at plan time (`repository = aws_ecr_repository.x.id`): follow the
   * configuration's reference to the repository resource in the same module instance and take
   * its planned `name`, which is known whenever it is written in the configuration.
   */
  private repositoryViaConfiguration(module: TreeNode, moduleAddress: string | undefined, resource: TreeNode, kind: PolicyResourceType): string | undefined {
    const cfgModule = configurationModule(this.root, moduleCallPath(moduleAddress));
    const relative = `${stringOf(child(resource, 'type'))}.${stringOf(child(resource, 'name'))}`;
    const cfg = child(cfgModule, 'resources')?.items.find((r) => stringOf(child(r, 'address')) === relative);
    const references = child(child(child(cfg, 'expressions'), kind.repository!), 'references')?.items ?? [];
    const target = references.map((r) => /^aws_ecr_repository\.([A-Za-z0-9_-]+)/.exec(stringOf(r) ?? '')?.[1]).find((n) => n !== undefined);
    if (target === undefined) return undefined;
    const instances = (child(module, 'resources')?.items ?? []).filter(
      (r) => stringOf(child(r, 'mode')) === 'managed' && stringOf(child(r, 'type')) === 'aws_ecr_repository' && stringOf(child(r, 'name')) === target,
    );
    // One instance, or with for_each/count the instance with the policy's own key.
    const repo = instances.length === 1 ? instances[0] : instances.find((r) => sameIndex(child(r, 'index'), child(resource, 'index')));
    return stringOf(child(child(repo, 'values'), 'name'));
  }

  collect(module: TreeNode | undefined, result: DraftsResult): void {
    const moduleAddress = stringOf(child(module, 'address'));
    for (const resource of child(module, 'resources')?.items ?? []) {
      const kind = POLICY_RESOURCE_TYPES.find((k) => k.type === stringOf(child(resource, 'type')));
      if (kind === undefined || stringOf(child(resource, 'mode')) !== 'managed') continue;
      const name = stringOf(child(resource, 'address')) ?? kind.type;
      const values = child(resource, 'values');
      const policy = child(values, kind.policy);
      let repositoryName: string | undefined;
      if (kind.repository !== undefined) {
        repositoryName = stringOf(child(values, kind.repository)) ?? this.repositoryViaConfiguration(module!, moduleAddress, resource, kind);
      }
      const repositoryPrefix = kind.prefix === undefined ? undefined : stringOf(child(values, kind.prefix));
      const base = { format: 'terraform-plan' as const, name, repositoryName, repositoryPrefix };
      if (policy !== undefined && stringOf(policy) !== undefined) {
        result.drafts.push({ ...base, at: policy, text: policy.mapped!() });
      } else if (policy !== undefined && policy.value !== null) {
        result.problems.push(notTextProblem(policy, `${name}: ${kind.policy} must be the policy JSON text`));
      } else {
        const reason = this.unknownAfterApply(name, kind.policy)
          ? `${kind.policy} is known only after apply (computed from values unknown at plan time)`
          : `the plan has no value for ${kind.policy}`;
        result.drafts.push({ ...base, at: values ?? resource, unresolvedReason: reason });
      }
    }
    for (const m of child(module, 'child_modules')?.items ?? []) this.collect(m, result);
  }
}

function indexSuffix(key: TreeNode | undefined): string {
  if (key === undefined) return '';
  return typeof key.value === 'number' ? `[${key.value}]` : `[${JSON.stringify(String(key.value))}]`;
}

/** A state's resources: each instance's attributes hold the policy as applied. */
function stateDrafts(root: TreeNode): DraftsResult {
  const result: DraftsResult = { drafts: [], problems: [] };
  for (const r of child(root, 'resources')?.items ?? []) {
    const kind = POLICY_RESOURCE_TYPES.find((k) => k.type === stringOf(child(r, 'type')));
    if (kind === undefined || stringOf(child(r, 'mode')) !== 'managed') continue;
    const module = stringOf(child(r, 'module'));
    const base = `${module ? `${module}.` : ''}${kind.type}.${stringOf(child(r, 'name')) ?? '?'}`;
    for (const inst of child(r, 'instances')?.items ?? []) {
      const name = base + indexSuffix(child(inst, 'index_key'));
      const attrs = child(inst, 'attributes');
      const policy = child(attrs, kind.policy);
      const repositoryName = kind.repository ? stringOf(child(attrs, kind.repository)) : undefined;
      const repositoryPrefix = kind.prefix ? stringOf(child(attrs, kind.prefix)) : undefined;
      const common = { format: 'terraform-state' as const, name, repositoryName, repositoryPrefix };
      if (stringOf(policy) !== undefined) result.drafts.push({ ...common, at: policy!, text: policy!.mapped!() });
      else if (policy !== undefined && policy.value !== null) result.problems.push(notTextProblem(policy, `${name}: ${kind.policy} must be the policy JSON text`));
      else result.drafts.push({ ...common, at: attrs ?? inst, unresolvedReason: `the state has no value for ${kind.policy}` });
    }
  }
  return result;
}

/**
 * A plan's `resource_changes[]` of policy resources that it creates, updates or deletes: the policy
 * before (`change.before`), to be compared with the planned one. Not when the policy is unchanged
 * (a replacement for another reason), nor when the new policy is unknown at plan time (its
 * unresolved-policy finding says so; there is nothing to compare with).
 */
function planChanges(root: TreeNode): Array<PlanChange<SourceDraft>> {
  const out: Array<PlanChange<SourceDraft>> = [];
  for (const rc of child(root, 'resource_changes')?.items ?? []) {
    const kind = POLICY_RESOURCE_TYPES.find((k) => k.type === stringOf(child(rc, 'type')));
    const name = stringOf(child(rc, 'address'));
    if (kind === undefined || name === undefined || stringOf(child(rc, 'mode')) !== 'managed') continue;
    // A deposed object (left by a failed create_before_destroy) is destroyed beside the current one: not its prior policy.
    if (child(rc, 'deposed') !== undefined) continue;
    const change = child(rc, 'change');
    const actions = (child(change, 'actions')?.items ?? []).map(stringOf).filter((a): a is string => a !== undefined);
    if (!actions.some((a) => a === 'create' || a === 'update' || a === 'delete')) continue;
    if (child(child(change, 'after_unknown'), kind.policy)?.value === true) continue;
    const before = child(change, 'before');
    const beforePolicy = child(before, kind.policy);
    const beforeText = stringOf(beforePolicy);
    if (beforeText !== undefined && beforeText === stringOf(child(child(change, 'after'), kind.policy))) continue;
    const entry: PlanChange<SourceDraft> = { name, actions };
    if (beforeText !== undefined) {
      entry.before = { format: 'terraform-plan', name, at: beforePolicy!, text: beforePolicy!.mapped!() };
      const repositoryName = kind.repository ? stringOf(child(before, kind.repository)) : undefined;
      const repositoryPrefix = kind.prefix ? stringOf(child(before, kind.prefix)) : undefined;
      if (repositoryName !== undefined) entry.before.repositoryName = repositoryName;
      if (repositoryPrefix !== undefined) entry.before.repositoryPrefix = repositoryPrefix;
    }
    out.push(entry);
  }
  return out;
}

export function terraformDrafts(root: TreeNode): DraftsResult {
  if (isTerraformState(root)) return stateDrafts(root);
  const result: DraftsResult = { drafts: [], problems: [] };
  // A plan's planned_values, or a state's values; prior_state is what is being replaced.
  const top = child(child(root, 'planned_values'), 'root_module') ?? child(child(root, 'values'), 'root_module');
  new TerraformReader(root).collect(top, result);
  const changes = planChanges(root);
  if (changes.length > 0) result.planChanges = changes;
  return result;
}
