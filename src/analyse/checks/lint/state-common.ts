import type { ImageRecord } from '../../../model/image.js';
import { ruleStorageClass, type LifecycleRule } from '../../../model/policy.js';
import { storageClassOf } from '../../../simulate/evaluate.js';
import { makeTagSelector } from '../../../simulate/match.js';
import type { RepositoryCheckContext } from '../types.js';

// What the lint state checks share: which images a rule identifies in today's state, exactly as
// the engine does (index children, referrers and ACTIVATING images are never identified).

// Referrers that follow their subject were excluded from selection too: their cause is follows-subject.
const NEVER_IDENTIFIED = new Set(['index-child', 'referrer', 'activating', 'follows-subject']);

/** Images of today's state that `rule` identifies, newest first (the engine's count order). */
export function identifiedToday(context: RepositoryCheckContext, rule: LifecycleRule): ImageRecord[] {
  const selects = makeTagSelector(rule);
  const storageClass = ruleStorageClass(rule);
  return context.horizon.first.decisions
    .filter((d) => !NEVER_IDENTIFIED.has(d.cause) && storageClassOf(d.image) === storageClass && selects(d.image.imageTags))
    .map((d) => d.image);
}

/** Whether any rule of the policy moves images to archive (so archive-class rules get images later). */
export function transitionsImages(rules: readonly LifecycleRule[]): boolean {
  return rules.some((r) => r.action.type === 'transition');
}
