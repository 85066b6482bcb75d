import { ruleStorageClass, type LifecycleRule } from '../../../model/policy.js';
import { docsLink, type FindingDraft, type PolicyCheck } from '../types.js';
import { describeSelection, indexedRulesByPriority, selectionPointer } from './common.js';
import { globIncludes, isUniversal, ruleEntryGlobs } from './tag-language.js';

// A rule is shadowed when higher-priority rules of its storage class identify every image it could
// select: an image identified by a higher rule is never acted on by a lower one, even when kept.

const id = 'shadowed-rule';

/**
 * Whether `higher` identifies every image `lower` could select (same storage class assumed).
 * Tagged: every entry of `higher` includes some entry of `lower`; then any image matching all of
 * lower's entries has, for each of higher's entries, a tag (the one matching the included entry)
 * matching it.
 */
export function ruleCovers(higher: LifecycleRule, lower: LifecycleRule): boolean {
  const h = higher.selection.tagStatus;
  const l = lower.selection.tagStatus;
  if (h === 'any') return true;
  if (h === 'untagged') return l === 'untagged';
  if (l !== 'tagged') return false;
  const lowerGlobs = ruleEntryGlobs(lower);
  return ruleEntryGlobs(higher).every((hg) => lowerGlobs.some((lg) => globIncludes(hg, lg)));
}

/** Selects every tagged image: all entries match every tag. */
function coversAllTagged(rule: LifecycleRule): boolean {
  return rule.selection.tagStatus === 'any' || (rule.selection.tagStatus === 'tagged' && ruleEntryGlobs(rule).every(isUniversal));
}

export const shadowedRule: PolicyCheck = {
  scope: 'policy',
  meta: {
    id,
    defaultSeverity: 'warning',
    description: 'A rule that can never act because higher-priority rules identify every image it could select.',
    help:
      'ECR applies rules in ascending rulePriority, and an image identified by a higher-priority rule is never acted on ' +
      'by a lower-priority rule, even when the higher rule keeps it. A rule whose selection is contained in a higher ' +
      "rule's selection (same storage class) therefore never does anything. Give it a lower rulePriority number than " +
      'the rule that covers it, narrow the higher rule, or remove it.',
    docs: docsLink(id),
  },
  run({ policy, locate, repositoryName }) {
    const out: FindingDraft[] = [];
    const ordered = indexedRulesByPriority(policy);
    ordered.forEach(({ rule, index }, k) => {
      const higher = ordered.slice(0, k).filter((h) => ruleStorageClass(h.rule) === ruleStorageClass(rule));
      let covering = higher.filter((h) => ruleCovers(h.rule, rule));
      let union = false;
      // `any` is the union of untagged and tagged: an untagged rule plus a rule selecting every tag cover it.
      if (covering.length === 0 && rule.selection.tagStatus === 'any') {
        const untagged = higher.find((h) => h.rule.selection.tagStatus === 'untagged');
        const allTagged = higher.find((h) => coversAllTagged(h.rule));
        if (untagged && allTagged) {
          covering = [untagged, allTagged].sort((a, b) => a.rule.rulePriority - b.rule.rulePriority);
          union = true;
        }
      }
      if (covering.length === 0) return;
      const names = covering.map((c) => `rule ${c.rule.rulePriority} (${describeSelection(c.rule)})`);
      const by = union ? `${names.join(' and ')} together identify` : `${names[0]} identifies`;
      const draft: FindingDraft = {
        message:
          `rule ${rule.rulePriority} can never act: ${by} every image it could select (${describeSelection(rule)}, storage class ${ruleStorageClass(rule)}), ` +
          'and an image identified by a higher-priority rule is never acted on by a lower-priority one',
        location: locate(selectionPointer(rule, index)),
        rulePriority: rule.rulePriority,
        evidence: { shadowedBy: covering.map((c) => c.rule.rulePriority), storageClass: ruleStorageClass(rule) },
      };
      if (repositoryName !== undefined) draft.repositoryName = repositoryName;
      out.push(draft);
    });
    return out;
  },
};
