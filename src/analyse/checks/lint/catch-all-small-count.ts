import type { LifecycleRule } from '../../../model/policy.js';
import { docsLink, type FindingDraft, type PolicyCheck } from '../types.js';
import { describeSelection, numberOption, rulePointer, type LintCheckMeta } from './common.js';
import { isUniversal, ruleEntryGlobs } from './tag-language.js';

// A count rule over every image (or every tag) with a small count: the newest N pushes decide what
// survives, so a burst of CI builds evicts production images too. Only when no higher-priority rule
// identifies tagged images: an image a higher rule identifies is never acted on by a lower rule (even
// when that rule keeps it), so with such a rule in front the count cannot reach what it protects,
// and "production included" would not be true.

const id = 'catch-all-small-count';

export const CATCH_ALL_MINIMUM_COUNT = 50;

const meta: LintCheckMeta = {
  id,
  defaultSeverity: 'warning',
  description: 'tagStatus any, or a list matching every tag, with a small imageCountMoreThan and expire, and no higher-priority rule protecting tagged images: a burst of pushes evicts everything, production included.',
  help:
    'An imageCountMoreThan rule keeps the newest N images it selects and expires the rest. When it selects every image ' +
    '(tagStatus any, or tagPatternList ["*"]) and N is small, N CI builds in a row (a busy day, a retry loop, a ' +
    'matrix build) push the image production runs out of the window and the rule deletes it. Protect release tags ' +
    'with a higher-priority rule, select only CI tags here, or raise countNumber (option minimumCount sets the threshold).',
  docs: docsLink(id),
  options: { minimumCount: { default: CATCH_ALL_MINIMUM_COUNT, minimum: 1, description: 'Counts below this are reported.' } },
};

/** Selects every image, or every tagged image. */
export function isCatchAll(rule: LifecycleRule): boolean {
  const s = rule.selection;
  return s.tagStatus === 'any' || (s.tagStatus === 'tagged' && ruleEntryGlobs(rule).every(isUniversal));
}

export const catchAllSmallCount: PolicyCheck = {
  scope: 'policy',
  meta,
  run(context) {
    const minimum = numberOption(meta, context, 'minimumCount');
    const out: FindingDraft[] = [];
    context.policy.rules.forEach((rule, index) => {
      const s = rule.selection;
      if (s.countType !== 'imageCountMoreThan' || rule.action.type !== 'expire' || s.countNumber >= minimum || !isCatchAll(rule)) return;
      // A higher rule that identifies tagged images protects them from this one.
      if (context.policy.rules.some((h) => h.rulePriority < rule.rulePriority && h.selection.tagStatus !== 'untagged')) return;
      const draft: FindingDraft = {
        message:
          `rule ${rule.rulePriority} keeps only the newest ${s.countNumber} of ${describeSelection(rule)} and expires the rest: ` +
          `${s.countNumber} pushes in a row (a burst of CI builds) push every image there today out of the count, production included ` +
          `(threshold: ${minimum})`,
        location: context.locate(rulePointer(index, 'selection', 'countNumber')),
        rulePriority: rule.rulePriority,
        evidence: { countNumber: s.countNumber, minimumCount: minimum, tagStatus: s.tagStatus },
      };
      if (context.repositoryName !== undefined) draft.repositoryName = context.repositoryName;
      out.push(draft);
    });
    return out;
  },
};
