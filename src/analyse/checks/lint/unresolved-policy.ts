import type { SourceLocation } from '../../../model/location.js';
import { docsLink, type FindingDraft, type PolicyCheck } from '../types.js';

// A policy built from values only known at deployment (CloudFormation intrinsics, Terraform
// unknowns): reported, so nobody believes it was checked. The lint runner produces the finding.

const id = 'unresolved-policy';

export const unresolvedPolicy: PolicyCheck = {
  scope: 'policy',
  meta: {
    id,
    defaultSeverity: 'warning',
    description: 'A lifecycle policy whose text cannot be resolved statically (CloudFormation intrinsics, Terraform unknown values), so it was not checked.',
    help:
      'The policy text is computed at deployment time (for example `Fn::ImportValue`, `Fn::GetAtt`, a `Ref` to a parameter ' +
      'without Default, or a ' +
      'Terraform value known only after apply), so no check could examine it. Write the policy as a literal string, or ' +
      'lint the rendered template (`cdk synth`, `terraform show -json` of a plan where the value is known).',
    docs: docsLink(id),
  },
  run: () => [],
};

export function unresolvedDraft(source: { name: string; location: SourceLocation; unresolvedReason?: string; repositoryName?: string }): FindingDraft {
  const reason = source.unresolvedReason ?? 'the value is not a literal';
  const draft: FindingDraft = {
    message: `the lifecycle policy of ${source.name} cannot be resolved statically, so it was not checked: ${reason}`,
    location: source.location,
    evidence: { name: source.name, reason },
  };
  if (source.repositoryName !== undefined) draft.repositoryName = source.repositoryName;
  return draft;
}
