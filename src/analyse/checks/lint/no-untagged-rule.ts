import { docsLink, type FindingDraft, type PolicyCheck } from '../types.js';

// Untagged images accumulate (every re-tag leaves one behind) unless some rule selects them.

const id = 'no-untagged-rule';

export const noUntaggedRule: PolicyCheck = {
  scope: 'policy',
  meta: {
    id,
    defaultSeverity: 'info',
    description: 'No rule can select untagged images (no untagged and no any rule), so they accumulate forever.',
    help:
      'Every push that moves a tag (latest, main, a re-built release) leaves the previous image untagged. Without a rule ' +
      'selecting untagged images (tagStatus untagged, or any) they are never expired and storage grows. Add e.g. ' +
      '{"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 14} with action ' +
      'expire, after checking no workload pins such an image by digest.',
    docs: docsLink(id),
  },
  run({ policy, locate, repositoryName }) {
    if (policy.rules.some((r) => r.selection.tagStatus === 'untagged' || r.selection.tagStatus === 'any')) return [];
    const draft: FindingDraft = {
      message: 'no rule selects untagged images (tagStatus untagged or any): images left untagged by moved tags are never expired',
      location: locate('/rules'),
      evidence: { ruleCount: policy.rules.length },
    };
    if (repositoryName !== undefined) draft.repositoryName = repositoryName;
    return [draft];
  },
};
