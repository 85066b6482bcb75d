import type { InputProblem } from '../../../model/errors.js';
import { docsLink, type FindingDraft, type PolicyCheck } from '../types.js';

// PutLifecyclePolicy's validation as findings. The lint runner produces them from the validation
// problems (a rejected policy cannot be examined by the other checks); `run` has nothing to add.

const id = 'ecr-rejects-policy';
const PREFIX = 'ECR will reject this policy: ';

export const ecrRejectsPolicy: PolicyCheck = {
  scope: 'policy',
  meta: {
    id,
    defaultSeverity: 'error',
    description: 'Amazon ECR would reject the policy (PutLifecyclePolicy fails): grammar, field combinations or rules that conflict.',
    help:
      'PutLifecyclePolicy validates the policy text and refuses the whole policy when any rule is invalid: the apply or ' +
      'deployment fails and the previous policy stays in force. Each finding names the offending value and what ECR accepts.',
    docs: docsLink(id),
  },
  run: () => [],
};

/** One finding per validation problem, at its location, worded "ECR will reject this policy: ...". */
export function rejectionDrafts(problems: readonly InputProblem[], repositoryName?: string): FindingDraft[] {
  return problems.map((p) => {
    const evidence: Record<string, unknown> = { code: p.code };
    if (p.found !== undefined) evidence.found = p.found;
    if (p.expected !== undefined) evidence.expected = p.expected;
    const detail = [p.found !== undefined ? `found ${p.found}` : '', p.expected !== undefined ? `expected ${p.expected}` : ''].filter(Boolean).join('; ');
    const message = (p.message.startsWith(PREFIX) ? p.message : PREFIX + p.message) + (detail ? ` (${detail})` : '');
    const draft: FindingDraft = { message, location: p.location, evidence };
    if (repositoryName !== undefined) draft.repositoryName = repositoryName;
    const index = /^\/rules\/(\d+)/.exec(p.location.innerPointer ?? p.location.pointer ?? '');
    if (index) evidence.ruleIndex = Number(index[1]);
    return draft;
  });
}
