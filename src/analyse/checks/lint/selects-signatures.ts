import { docsLink, type FindingDraft, type PolicyCheck } from '../types.js';
import { describeSelection, rulePointer, selectionPointer } from './common.js';
import { ruleEntryGlobs, ruleListEntries, signatureKindsMatched } from './tag-language.js';

// Tag-scheme signatures, attestations and SBOMs (`sha256-<64 hex>.sig|.att|.sbom`, cosign's
// layout) are ordinary tagged images to ECR: rules select, count and expire them.

const id = 'selects-signatures';

export const selectsSignatures: PolicyCheck = {
  scope: 'policy',
  meta: {
    id,
    defaultSeverity: 'warning',
    description: 'A rule that selects tag-scheme signatures, attestations or SBOMs (sha256-<digest>.sig/.att/.sbom tags).',
    help:
      'Signatures stored with the tag scheme (cosign without OCI referrers) are ordinary tagged images: ECR counts them in ' +
      'imageCountMoreThan and expires or archives them like any image, so deployments that verify signatures start failing ' +
      'while the signed image is still there. They also take slots in count rules. Exclude them (select your release tags ' +
      'explicitly, e.g. tagPatternList ["v*"]), or store signatures as OCI referrers, which follow their subject.',
    docs: docsLink(id),
  },
  run({ policy, locate, repositoryName }) {
    const out: FindingDraft[] = [];
    policy.rules.forEach((rule, index) => {
      const s = rule.selection;
      let kinds: string[] = [];
      if (s.tagStatus === 'any') kinds = ['sig', 'att', 'sbom'];
      else if (s.tagStatus === 'tagged') {
        // Each entry must match some signature tag; the kinds every entry can match.
        const perEntry = ruleEntryGlobs(rule).map(signatureKindsMatched);
        kinds = perEntry.reduce((acc, k) => acc.filter((x) => k.includes(x)));
      }
      if (kinds.length === 0) return;
      const effect = rule.action.type === 'expire' ? 'expires' : 'archives';
      const draft: FindingDraft = {
        message:
          `rule ${rule.rulePriority} (${describeSelection(rule)}) selects tag-scheme ${kinds.map((k) => `.${k}`).join('/')} artifacts ` +
          `(sha256-<digest>.${kinds[0]} tags): it counts them and ${effect} them like images, so signature verification can fail for images still deployed`,
        location: locate(s.tagStatus === 'any' ? rulePointer(index, 'selection', 'tagStatus') : selectionPointer(rule, index)),
        rulePriority: rule.rulePriority,
        evidence: { kinds, ...(s.tagStatus === 'tagged' ? { entries: ruleListEntries(rule) } : { tagStatus: 'any' }) },
      };
      if (repositoryName !== undefined) draft.repositoryName = repositoryName;
      out.push(draft);
    });
    return out;
  },
};
