import { compareFindings, type Finding } from '../model/finding.js';
import type { LifecyclePolicy, LifecycleRule } from '../model/policy.js';
import type { FateChange, ReportDiff } from '../report/model.js';
import type { Verdict } from '../simulate/evaluate.js';
import type { AnalysedImage } from '../analyse/analyse.js';
import { cmp } from '../analyse/checks/lint/common.js';
import type { PolicySource } from '../load/sources/types.js';
import type { LintedPolicy } from './run.js';

// `lint --base`: what a policy change does. Rule changes; images whose fate over the horizon changes
// against the same state; findings the change introduces and fixes. Pure.

export interface PolicyPair {
  /** Undefined when the policy is new. */
  base?: LintedPolicy;
  /** Undefined when the policy was removed. */
  next?: LintedPolicy;
}

type RuleChange = ReportDiff['ruleChanges'][number];

/** What a rule does, without its priority: rules with equal content are the same rule moved. */
function ruleContent(rule: LifecycleRule): string {
  const s = rule.selection;
  return JSON.stringify([
    rule.description ?? null, s.tagStatus, s.tagPrefixList ?? null, s.tagPatternList ?? null, s.storageClass ?? 'standard',
    s.countType, s.countUnit ?? null, s.countNumber, rule.action.type, rule.action.targetStorageClass ?? null,
  ]);
}

const FIELDS: Array<[string, (r: LifecycleRule) => unknown]> = [
  ['description', (r) => r.description],
  ['tagStatus', (r) => r.selection.tagStatus],
  ['tagPrefixList', (r) => r.selection.tagPrefixList],
  ['tagPatternList', (r) => r.selection.tagPatternList],
  ['storageClass', (r) => r.selection.storageClass ?? 'standard'],
  ['countType', (r) => r.selection.countType],
  ['countUnit', (r) => r.selection.countUnit],
  ['countNumber', (r) => r.selection.countNumber],
  ['action.type', (r) => r.action.type],
  ['action.targetStorageClass', (r) => r.action.targetStorageClass],
];

const show = (v: unknown): string => (v === undefined ? '(none)' : JSON.stringify(v));

export function describeRule(rule: LifecycleRule): string {
  const s = rule.selection;
  const what = s.tagStatus === 'tagged' ? `tagged ${s.tagPrefixList ? `tagPrefixList ${show(s.tagPrefixList)}` : `tagPatternList ${show(s.tagPatternList)}`}` : s.tagStatus;
  const count = s.countType === 'imageCountMoreThan' ? `more than ${s.countNumber} images` : `${s.countType} ${s.countNumber} days`;
  return `${rule.action.type} ${what}${s.storageClass === 'archive' ? ' (archive)' : ''}, ${count}`;
}

/** Which images a rule looks at, without count or action: a rule edited in place keeps it. */
function ruleSelectionKey(rule: LifecycleRule): string {
  const s = rule.selection;
  return JSON.stringify([s.tagStatus, s.tagPrefixList ?? null, s.tagPatternList ?? null, s.storageClass ?? 'standard']);
}

function fieldChanges(b: LifecycleRule, a: LifecycleRule): string {
  const fields = [['rulePriority', (r: LifecycleRule) => r.rulePriority] as [string, (r: LifecycleRule) => unknown], ...FIELDS];
  return fields.filter(([, get]) => JSON.stringify(get(a)) !== JSON.stringify(get(b))).map(([name, get]) => `${name} ${show(get(b))} -> ${show(get(a))}`).join('; ');
}

/**
 * Rules matched between the two policies, in passes: unchanged (same priority and content); moved
 * (same content); edited (same tag selection, else same priority); the rest are added or removed.
 */
export function diffRules(base: LifecyclePolicy | undefined, next: LifecyclePolicy | undefined): RuleChange[] {
  const before = [...(base?.rules ?? [])].sort((x, y) => x.rulePriority - y.rulePriority);
  const after = [...(next?.rules ?? [])].sort((x, y) => x.rulePriority - y.rulePriority);
  const changes: RuleChange[] = [];
  const passes: Array<(b: LifecycleRule, a: LifecycleRule) => boolean> = [
    (b, a) => b.rulePriority === a.rulePriority && ruleContent(b) === ruleContent(a),
    (b, a) => ruleContent(b) === ruleContent(a),
    (b, a) => ruleSelectionKey(b) === ruleSelectionKey(a),
    (b, a) => b.rulePriority === a.rulePriority,
  ];
  passes.forEach((same, pass) => {
    for (let i = 0; i < after.length; ) {
      const j = before.findIndex((b) => same(b, after[i]!));
      if (j < 0) {
        i++;
        continue;
      }
      const [b] = before.splice(j, 1);
      const [a] = after.splice(i, 1);
      if (pass === 0) continue;
      const summary = pass === 1 ? `rulePriority ${b!.rulePriority} -> ${a!.rulePriority} (${describeRule(a!)})` : fieldChanges(b!, a!);
      changes.push({ change: 'changed', rulePriority: a!.rulePriority, summary });
    }
  });
  for (const a of after) changes.push({ change: 'added', rulePriority: a.rulePriority, summary: describeRule(a) });
  for (const b of before) changes.push({ change: 'removed', rulePriority: b.rulePriority, summary: describeRule(b) });
  const order = { removed: 0, changed: 1, added: 2 };
  return changes.sort((x, y) => x.rulePriority - y.rulePriority || order[x.change] - order[y.change] || cmp(x.summary, y.summary));
}

/**
 * Identity of a finding across the change: check, repository, image and policy; for findings about
 * a rule without an image, the rule's content rather than its priority (priorities get renumbered).
 */
export function findingKey(f: Finding, policyName: string, policy: LifecyclePolicy | undefined): string {
  let subject = '';
  if (f.image) subject = f.image.imageDigest;
  else if (f.rulePriority !== undefined) {
    const rule = policy?.rules.find((r) => r.rulePriority === f.rulePriority);
    subject = rule ? ruleContent(rule) : `rule ${f.rulePriority}`;
  } else subject = typeof f.evidence.code === 'string' ? `${f.evidence.code} ${String(f.evidence.found ?? '')}` : f.message;
  return JSON.stringify([f.id, f.repositoryName ?? '', policyName, subject]);
}

/** Findings only in `a` (as a multiset: two equal keys in a and one in b leave one). */
function onlyIn(a: readonly Finding[], aKeys: readonly string[], bKeys: readonly string[]): Finding[] {
  const remaining = new Map<string, number>();
  for (const k of bKeys) remaining.set(k, (remaining.get(k) ?? 0) + 1);
  return a.filter((_, i) => {
    const n = remaining.get(aKeys[i]!) ?? 0;
    if (n > 0) {
      remaining.set(aKeys[i]!, n - 1);
      return false;
    }
    return true;
  });
}

interface Fate {
  action: Verdict;
  date?: string;
  appliedRulePriority?: number;
}

/** Over the horizon: deleted wins over archived (an image may be archived, then expired). */
function fateOf(image: AnalysedImage | undefined): Fate {
  const a = image?.expired ?? image?.archived;
  return a ? { action: a.action, date: a.date, appliedRulePriority: a.rulePriority } : { action: 'KEEP' };
}

export function diffFates(pair: PolicyPair): FateChange[] {
  const base = pair.base?.state;
  const next = pair.next?.state;
  if (!base || !next || base.repositoryName !== next.repositoryName) return [];
  const before = new Map(base.analysed.images.map((i) => [i.imageDigest, i]));
  const out: FateChange[] = [];
  for (const image of next.analysed.images) {
    const b = fateOf(before.get(image.imageDigest));
    const a = fateOf(image);
    if (a.action === b.action) continue;
    out.push({
      repositoryName: next.repositoryName, imageDigest: image.imageDigest, imageTags: [...image.imageTags].sort(),
      inUse: next.inUse.has(image.imageDigest) || base.inUse.has(image.imageDigest), before: b, after: a,
    });
  }
  return out;
}

export function diffPolicies(baseLabel: string, pairs: readonly PolicyPair[], visible: (f: Finding) => boolean): ReportDiff {
  const ruleChanges: RuleChange[] = [];
  const fateChanges: FateChange[] = [];
  const introducedFindings: Finding[] = [];
  const fixedFindings: Finding[] = [];
  const several = pairs.length > 1;
  for (const pair of pairs) {
    const name = pair.next?.linted.source.name ?? pair.base!.linted.source.name;
    for (const c of diffRules(pair.base?.linted.policy, pair.next?.linted.policy)) {
      ruleChanges.push(several ? { ...c, summary: `${name}: ${c.summary}` } : c);
    }
    fateChanges.push(...diffFates(pair));
    const before = (pair.base?.findings ?? []).filter(visible);
    const after = (pair.next?.findings ?? []).filter(visible);
    const beforeKeys = before.map((f) => findingKey(f, name, pair.base?.linted.policy));
    const afterKeys = after.map((f) => findingKey(f, name, pair.next?.linted.policy));
    introducedFindings.push(...onlyIn(after, afterKeys, beforeKeys));
    fixedFindings.push(...onlyIn(before, beforeKeys, afterKeys));
  }
  fateChanges.sort((x, y) => cmp(x.repositoryName, y.repositoryName) || cmp(x.imageDigest, y.imageDigest));
  return { base: baseLabel, ruleChanges, fateChanges, introducedFindings: introducedFindings.sort(compareFindings), fixedFindings: fixedFindings.sort(compareFindings) };
}

/** What a plan's prior state is called in the diff: `Policy change against the prior state in plan.json`. */
export function planBaseLabel(files: readonly string[]): string {
  return `the prior state in ${[...new Set(files)].sort().join(', ')}`;
}

/**
 * `lint plan.json` without `--base`: each policy resource the plan creates, updates or deletes, its
 * policy before the change (`resource_changes[].change.before`, linted by `lintBefore`) against the
 * planned one of the same file and address, in the same diff as `--base`.
 */
export function diffPlanChanges(
  changes: ReadonlyArray<{ file: string; name: string; before?: PolicySource }>,
  next: readonly LintedPolicy[],
  lintBefore: (source: PolicySource) => LintedPolicy,
  visible: (f: Finding) => boolean,
): ReportDiff {
  const ordered = [...changes].sort((a, b) => cmp(a.file, b.file) || cmp(a.name, b.name));
  const pairs: PolicyPair[] = [];
  for (const c of ordered) {
    const n = next.find((x) => x.linted.source.file === c.file && x.linted.source.name === c.name);
    if (n === undefined && c.before === undefined) continue;
    pairs.push({ ...(c.before ? { base: lintBefore(c.before) } : {}), ...(n ? { next: n } : {}) });
  }
  return diffPolicies(planBaseLabel(changes.map((c) => c.file)), pairs, visible);
}
