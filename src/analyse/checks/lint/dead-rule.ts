import { ruleStorageClass } from '../../../model/policy.js';
import { docsLink, type FindingDraft, type RepositoryCheck } from '../types.js';
import { count, describeSelection, lintPolicy } from './common.js';
import { identifiedToday, transitionsImages } from './state-common.js';

// A rule that selects none of the repository's images today: usually a typo in a prefix, a tag
// scheme that changed, or a pattern that cannot match. Needs state (lint --snapshot / --images).

const id = 'dead-rule';

export const deadRule: RepositoryCheck = {
  scope: 'repository',
  meta: {
    id,
    defaultSeverity: 'warning',
    description: 'A rule that identifies no image of the repository today (needs state).',
    help:
      'None of the repository\'s current images matches the rule\'s tag selection in its storage class, so the rule does ' +
      'nothing: often a mistyped prefix, a tag scheme that changed (v1.2 vs release-1.2), or ANDed list entries. Compare ' +
      'the selection with the tags in describe-images output. Archive-class rules are not reported while another rule ' +
      'transitions images, since archived images appear later, nor are rules that act later within the horizon.',
    docs: docsLink(id),
  },
  run(context) {
    const policy = lintPolicy(context);
    if (!policy) return [];
    const out: FindingDraft[] = [];
    // A rule can identify nothing today and still act later (children of an index archived today are
    // ordinary images from the next run): those are not dead.
    const acting = new Set(context.horizon.timeline.map((t) => t.appliedRulePriority));
    for (const rule of policy.rules) {
      if (acting.has(rule.rulePriority)) continue;
      const storageClass = ruleStorageClass(rule);
      if (storageClass === 'archive' && transitionsImages(policy.rules)) continue;
      if (identifiedToday(context, rule).length > 0) continue;
      const inClass = context.horizon.first.decisions.filter((d) => (storageClass === 'archive' ? d.image.imageStatus === 'ARCHIVED' : d.image.imageStatus === 'ACTIVE')).length;
      out.push({
        message: `rule ${rule.rulePriority} (${describeSelection(rule)}) identifies none of the ${count(inClass, `${storageClass}-storage image`)} of ${context.repositoryName} today`,
        repositoryName: context.repositoryName,
        rulePriority: rule.rulePriority,
        evidence: { storageClass, imagesInStorageClass: inClass },
      });
    }
    return out;
  },
};
