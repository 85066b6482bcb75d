// A lifecycle policy as ECR's PutLifecyclePolicy accepts it, in ECR's own vocabulary.
// Loaders produce these only after validation, so the engine can trust every field.

/** Archived images have a 90-day minimum storage duration: no lifecycle rule deletes them sooner. */
export const ARCHIVE_MINIMUM_DAYS = 90;

export type TagStatus = 'tagged' | 'untagged' | 'any';
export type StorageClass = 'standard' | 'archive';
export type CountType = 'imageCountMoreThan' | 'sinceImagePushed' | 'sinceImagePulled' | 'sinceImageTransitioned';
export type ActionType = 'expire' | 'transition';

export interface RuleSelection {
  tagStatus: TagStatus;
  tagPrefixList?: string[];
  tagPatternList?: string[];
  storageClass?: StorageClass;
  countType: CountType;
  countUnit?: 'days';
  countNumber: number;
}

export interface RuleAction {
  type: ActionType;
  targetStorageClass?: 'archive';
}

export interface LifecycleRule {
  rulePriority: number;
  description?: string;
  selection: RuleSelection;
  action: RuleAction;
}

export interface LifecyclePolicy {
  rules: LifecycleRule[];
}

/** Storage class a rule selects from: `standard` unless it says `archive`. */
export function ruleStorageClass(rule: LifecycleRule): StorageClass {
  return rule.selection.storageClass ?? 'standard';
}

/** Rules in the order ECR applies them: ascending rulePriority. */
export function rulesInPriorityOrder(policy: LifecyclePolicy): LifecycleRule[] {
  return [...policy.rules].sort((a, b) => a.rulePriority - b.rulePriority);
}
