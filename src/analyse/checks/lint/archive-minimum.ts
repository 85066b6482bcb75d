import { ARCHIVE_MINIMUM_DAYS } from '../../../simulate/evaluate.js';
import { docsLink, type FindingDraft, type PolicyCheck } from '../types.js';
import { rulePointer } from './common.js';

// ECR keeps archived images at least 90 days whatever the rule says; a smaller number misleads.

const id = 'archive-minimum';

export const archiveMinimum: PolicyCheck = {
  scope: 'policy',
  meta: {
    id,
    defaultSeverity: 'warning',
    description: `sinceImageTransitioned under ${ARCHIVE_MINIMUM_DAYS} days: ECR never deletes an archived image before ${ARCHIVE_MINIMUM_DAYS} days.`,
    help:
      `Archived images have a ${ARCHIVE_MINIMUM_DAYS}-day minimum storage duration: a sinceImageTransitioned rule never expires an ` +
      `image archived ${ARCHIVE_MINIMUM_DAYS} days or less, whatever countNumber says (ecr-lifeguard simulates it as ${ARCHIVE_MINIMUM_DAYS}). ` +
      `Set countNumber to ${ARCHIVE_MINIMUM_DAYS} or more so the policy says what happens.`,
    docs: docsLink(id),
  },
  run({ policy, locate, repositoryName }) {
    const out: FindingDraft[] = [];
    policy.rules.forEach((rule, index) => {
      const s = rule.selection;
      if (s.countType !== 'sinceImageTransitioned' || s.countNumber >= ARCHIVE_MINIMUM_DAYS) return;
      const draft: FindingDraft = {
        message:
          `rule ${rule.rulePriority} expires archived images after ${s.countNumber} days, but ECR keeps archived images at least ` +
          `${ARCHIVE_MINIMUM_DAYS} days: it acts as if countNumber were ${ARCHIVE_MINIMUM_DAYS}`,
        location: locate(rulePointer(index, 'selection', 'countNumber')),
        rulePriority: rule.rulePriority,
        evidence: { countNumber: s.countNumber, effectiveDays: ARCHIVE_MINIMUM_DAYS },
      };
      if (repositoryName !== undefined) draft.repositoryName = repositoryName;
      out.push(draft);
    });
    return out;
  },
};
