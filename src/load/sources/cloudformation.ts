import { MappedTextBuilder, type MappedText } from './positions.js';
import { child, stringOf, type TreeNode } from './tree.js';
import { describeNode, notTextProblem, type DraftsResult, type PolicySourceFormat } from './types.js';

// CloudFormation and CDK templates: ECR repositories' and repository creation templates'
// lifecycle policies, resolved statically where the template alone determines the text.

/** A template: a `Resources` mapping whose entries have a `Type`, or a format version. */
export function isCloudFormationTemplate(root: TreeNode): boolean {
  const resources = child(root, 'Resources');
  if (child(root, 'AWSTemplateFormatVersion') !== undefined && resources !== undefined) return true;
  return resources?.kind === 'map' && resources.entries.some(([, r]) => /::/.test(stringOf(child(r, 'Type')) ?? ''));
}

function cdkPath(resource: TreeNode): string | undefined {
  return stringOf(child(child(resource, 'Metadata'), 'aws:cdk:path'));
}

export function hasCdkMetadata(root: TreeNode): boolean {
  return (child(root, 'Resources')?.entries ?? []).some(([, r]) => cdkPath(r) !== undefined);
}

interface Intrinsic {
  name: string;
  /** As written: `!Sub` or `Fn::Sub`, for messages. */
  spelling: string;
  arg: TreeNode;
}

function intrinsicOf(node: TreeNode): Intrinsic | undefined {
  if (node.kind !== 'map' || node.entries.length !== 1) return undefined;
  const [name, arg] = node.entries[0]!;
  if (name !== 'Ref' && name !== 'Condition' && !name.startsWith('Fn::')) return undefined;
  return { name, spelling: node.shortForm ?? name, arg };
}

type Resolution =
  | { text: MappedText; origin: TreeNode; fromParameterDefault: boolean }
  /**
   * `notText`: a literal of the wrong type rather than an intrinsic: a problem, not a source.
   * `tooLong`: the resolved text would exceed what ECR accepts (or the work budget): ECR rejects it.
   */
  | { reason: string; notText?: boolean; tooLong?: boolean };

/** ECR's longest policy text: a resolution that grows beyond it stops there (Fn::Sub of Fn::Sub can grow exponentially). */
const MAX_RESOLVED_CHARS = 30_720;
/** Intrinsics resolved per template: a bound on the work however the references fan out. */
const MAX_RESOLVE_STEPS = 20_000;

// Why an intrinsic has no static value, for the ones whose reason can be said precisely.
const DEPLOY_TIME: Record<string, string> = {
  'Fn::If': 'chooses a value by a condition evaluated at deploy time',
  'Fn::ImportValue': "reads another stack's export at deploy time",
  'Fn::GetAtt': 'reads an attribute of a resource that exists only after deployment',
  'Fn::FindInMap': 'looks up a mapping by keys known at deploy time',
  'Fn::Select': 'selects from a list known at deploy time',
  'Fn::Transform': 'is expanded by a macro at deploy time',
};

function tooLong(spelling: string): Resolution {
  return { reason: `${spelling} resolves to more than the 30,720 characters ECR accepts`, tooLong: true };
}

class Resolver {
  private steps = 0;
  constructor(private readonly template: TreeNode) {}

  /** Resolution of one policy value: the work budget is per policy. */
  resolvePolicy(node: TreeNode): Resolution {
    this.steps = 0;
    return this.resolve(node);
  }

  resolve(node: TreeNode, depth = 0): Resolution {
    if (depth > 20) return { reason: 'intrinsic functions are nested too deeply to resolve' };
    if (++this.steps > MAX_RESOLVE_STEPS) {
      return { reason: `resolving its intrinsic functions takes more than ${MAX_RESOLVE_STEPS} substitutions (they refer to each other many times over), so its text exceeds the 30,720 characters ECR accepts`, tooLong: true };
    }
    if (node.kind === 'scalar' && typeof node.value === 'string') {
      return { text: node.mapped!(), origin: node, fromParameterDefault: false };
    }
    // A number or boolean where a string is expected (`Default: 3` of a Number parameter, `N: 2` in a
    // Sub variable map): CloudFormation uses its text, as Ref does. Each character maps to the value's span.
    if (node.kind === 'scalar' && (typeof node.value === 'number' || typeof node.value === 'boolean')) {
      const text = String(node.value);
      const offsets = Array.from({ length: text.length + 1 }, (_, i) => Math.min(node.start + i, node.end));
      return { text: { text, offsets }, origin: node, fromParameterDefault: false };
    }
    const fn = intrinsicOf(node);
    if (fn === undefined) return { reason: `found ${describeNode(node)} where a string is expected`, notText: true };
    switch (fn.name) {
      case 'Ref':
        return this.ref(fn, depth);
      case 'Fn::Sub':
        return this.sub(node, fn, depth);
      case 'Fn::Join':
        return this.join(node, fn, depth);
      default:
        return { reason: `${fn.spelling} ${DEPLOY_TIME[fn.name] ?? 'is evaluated by CloudFormation at deploy time'}` };
    }
  }

  private ref(fn: Intrinsic, depth: number): Resolution {
    return this.refTo(stringOf(fn.arg) ?? '', fn.spelling, depth);
  }

  /** What `Ref target` gives: a parameter's Default; anything else is known only at deploy time. */
  private refTo(target: string, spelling: string, depth: number): Resolution {
    const fn = { spelling };
    const parameter = child(child(this.template, 'Parameters'), target);
    if (parameter !== undefined) {
      const def = child(parameter, 'Default');
      if (def === undefined) return { reason: `${fn.spelling} ${target} names a parameter without a Default, known only at deploy time` };
      const r = this.resolve(def, depth + 1);
      return 'text' in r ? { ...r, fromParameterDefault: true } : r;
    }
    if (target.startsWith('AWS::')) return { reason: `${fn.spelling} ${target} is a pseudo parameter, known only at deploy time` };
    return { reason: `${fn.spelling} ${target} refers to a resource, known only at deploy time` };
  }

  private sub(node: TreeNode, fn: Intrinsic, depth: number): Resolution {
    const [body, vars] = fn.arg.kind === 'seq' ? fn.arg.items : [fn.arg, undefined];
    if (body === undefined || stringOf(body) === undefined) return { reason: `${fn.spelling} has no template string` };
    const src = body.mapped!();
    const out = new MappedTextBuilder(src.offsets[0]!);
    const unknown: string[] = [];
    let fromParameterDefault = false;
    let at = 0;
    let length = 0;
    for (const m of src.text.matchAll(/\$\{([^}]*)\}/g)) {
      const i = m.index;
      const inner = m[1]!;
      if (inner.startsWith('!')) {
        // `${!Literal}` is written out as `${Literal}`: drop the `!`.
        out.append(src, at, i + 2);
        at = i + 3;
        continue;
      }
      const name = inner.trim();
      const value = child(vars, name);
      // Not in the variable map: `${Param}` is `Ref Param` (a `.` makes it a GetAtt, known only after deployment).
      const r = value !== undefined ? this.resolve(value, depth + 1) : name.includes('.') ? undefined : this.refTo(name, fn.spelling, depth);
      if (r !== undefined && 'tooLong' in r && r.tooLong) return r;
      if (r === undefined || !('text' in r)) {
        unknown.push(`\${${inner}}`);
        continue;
      }
      length += i - at + r.text.text.length;
      if (length > MAX_RESOLVED_CHARS) return tooLong(fn.spelling);
      out.append(src, at, i);
      out.append(r.text);
      fromParameterDefault ||= r.fromParameterDefault;
      at = i + m[0].length;
    }
    if (unknown.length > 0) return { reason: `${fn.spelling} substitutes ${[...new Set(unknown)].join(', ')}, known only at deploy time` };
    out.append(src, at);
    return { text: out.finish(), origin: node, fromParameterDefault };
  }

  private join(node: TreeNode, fn: Intrinsic, depth: number): Resolution {
    const [delimiter, list] = fn.arg.items;
    if (fn.arg.kind !== 'seq' || delimiter === undefined || list === undefined || stringOf(delimiter) === undefined) {
      return { reason: `${fn.spelling} needs a delimiter and a list` };
    }
    if (list.kind !== 'seq') {
      const inner = intrinsicOf(list);
      return { reason: `${fn.spelling} joins a list given by ${inner?.spelling ?? describeNode(list)}, known only at deploy time` };
    }
    const sep = delimiter.mapped!();
    const out = new MappedTextBuilder(list.start);
    let fromParameterDefault = false;
    let length = 0;
    for (const [i, item] of list.items.entries()) {
      const r = this.resolve(item, depth + 1);
      if (!('text' in r)) return r.tooLong ? r : { reason: r.reason };
      length += r.text.text.length + (i > 0 ? sep.text.length : 0);
      if (length > MAX_RESOLVED_CHARS) return tooLong(fn.spelling);
      if (i > 0) out.append(sep);
      out.append(r.text);
      fromParameterDefault ||= r.fromParameterDefault;
    }
    return { text: out.finish(), origin: node, fromParameterDefault };
  }
}

export function cloudFormationDrafts(root: TreeNode, format: PolicySourceFormat): DraftsResult {
  const result: DraftsResult = { drafts: [], problems: [] };
  const resolver = new Resolver(root);
  for (const [logicalId, resource] of child(root, 'Resources')?.entries ?? []) {
    const type = stringOf(child(resource, 'Type'));
    const props = child(resource, 'Properties');
    let policy: TreeNode | undefined;
    let repositoryName: string | undefined;
    let repositoryPrefix: string | undefined;
    if (type === 'AWS::ECR::Repository') {
      const lifecyclePolicy = child(props, 'LifecyclePolicy');
      // `LifecyclePolicy: !If [...]` is itself the unresolvable value.
      policy = lifecyclePolicy && intrinsicOf(lifecyclePolicy) ? lifecyclePolicy : child(lifecyclePolicy, 'LifecyclePolicyText');
      // A name given by an intrinsic is left unknown rather than guessed.
      repositoryName = stringOf(child(props, 'RepositoryName'));
    } else if (type === 'AWS::ECR::RepositoryCreationTemplate') {
      policy = child(props, 'LifecyclePolicy');
      repositoryPrefix = stringOf(child(props, 'Prefix'));
    }
    if (policy === undefined) continue;
    const name = cdkPath(resource) ?? logicalId;
    const r = resolver.resolvePolicy(policy);
    if ('text' in r) {
      result.drafts.push({
        format, name, at: r.origin, text: r.text, repositoryName, repositoryPrefix,
        ...(r.fromParameterDefault ? { resolvedFrom: 'parameter-default' as const } : {}),
      });
    } else if (r.tooLong) {
      result.problems.push({ at: policy, code: 'source/policy-too-long', message: `${name}: the policy text is too long: ${r.reason}` });
    } else if (r.notText) {
      result.problems.push(
        notTextProblem(policy, `${name}: the lifecycle policy must be its JSON text as a string`, 'a string (or an intrinsic function that yields one)'),
      );
    } else {
      result.drafts.push({ format, name, at: policy, unresolvedReason: r.reason, repositoryName, repositoryPrefix });
    }
  }
  return result;
}
