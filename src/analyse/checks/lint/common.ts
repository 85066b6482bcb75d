import type { LifecyclePolicy, LifecycleRule } from '../../../model/policy.js';
import type { CheckMeta, PolicyCheckContext, RepositoryCheckContext } from '../types.js';
import { renderList, ruleListEntries, ruleListName } from './tag-language.js';

// What the lint checks share: their options (from the config file), the rule index -> pointer
// mapping, and how a rule's selection is worded in messages.

export type CheckOptions = Readonly<Record<string, unknown>>;

/** A numeric option a check accepts in `.ecr-lifeguard.json` (`rules.<id>.options`). */
export interface CheckOptionMeta {
  default: number;
  minimum: number;
  description: string;
}

export interface LintCheckMeta extends CheckMeta {
  options?: Readonly<Record<string, CheckOptionMeta>>;
}

/** The lint runner passes options next to the ordinary context fields. */
export interface WithOptions {
  options?: CheckOptions;
}

/** Repository checks of the lint command also need the policy being linted. */
export type LintRepositoryContext = RepositoryCheckContext & WithOptions & { policy?: LifecyclePolicy };

export function numberOption(meta: LintCheckMeta, context: WithOptions | PolicyCheckContext | RepositoryCheckContext, name: string): number {
  const value = (context as WithOptions).options?.[name];
  return typeof value === 'number' ? value : meta.options![name]!.default;
}

/** The policy a lint repository check examines; undefined outside lint (the check then reports nothing). */
export function lintPolicy(context: RepositoryCheckContext): LifecyclePolicy | undefined {
  return (context as LintRepositoryContext).policy;
}

export function rulePointer(index: number, ...rest: string[]): string {
  return [`/rules/${index}`, ...rest].join('/');
}

/** Rules with their index in the file, in the order ECR applies them (ascending rulePriority). */
export function indexedRulesByPriority(policy: LifecyclePolicy): Array<{ rule: LifecycleRule; index: number }> {
  return policy.rules.map((rule, index) => ({ rule, index })).sort((a, b) => a.rule.rulePriority - b.rule.rulePriority);
}

/** `tagPrefixList ["prod"]`, `untagged images`, `every image (tagStatus any)`. */
export function describeSelection(rule: LifecycleRule): string {
  const s = rule.selection;
  if (s.tagStatus === 'any') return 'every image (tagStatus any)';
  if (s.tagStatus === 'untagged') return 'untagged images';
  return `${ruleListName(rule)} ${renderList(ruleListEntries(rule))}`;
}

/** Where to point for a rule's tag selection: the list when there is one, else tagStatus. */
export function selectionPointer(rule: LifecycleRule, index: number): string {
  const list = ruleListName(rule);
  return rulePointer(index, 'selection', list ?? 'tagStatus');
}

/** Code-unit order (deterministic, locale-free). */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `1 image`, `3 images`. */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
