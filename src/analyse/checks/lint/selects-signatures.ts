import type { LifecycleRule } from '../../../model/policy.js';
import { docsLink, type FindingDraft, type PolicyCheck } from '../types.js';
import { describeSelection, rulePointer, selectionPointer } from './common.js';
import { isUniversal, ruleEntryGlobs, ruleListEntries, signatureKindsMatched } from './tag-language.js';

// Tag-scheme signatures, attestations and SBOMs (`sha256-<64 hex>.sig|.att|.sbom`, cosign's
// layout) are ordinary tagged images to ECR: rules select, count and expire them. The harm is a
// signature removed while the image it signs stays (verification then fails for a deployed image).
// From the policy alone that happens in two ways:
// - the rule selects signature tags but not every image they sign (tagPrefixList ["sha256-"],
//   tagPatternList ["*.sig"]): it acts on signatures whatever happens to their images;
// - the rule selects every image (tagStatus any, or tags matching "*") but a higher-priority rule
//   identifies some images and not their signatures: those images are protected, their signatures
//   are not. Without such a rule, a signature is pushed after its image, so it is never older and
//   never outside a count that keeps its image: image and signature go together (no finding).

const id = 'selects-signatures';

/** Selects every image a signature could belong to: then signature and image share the rule. */
function coversEveryImage(rule: LifecycleRule): boolean {
  return rule.selection.tagStatus === 'any' || (rule.selection.tagStatus === 'tagged' && ruleEntryGlobs(rule).every(isUniversal));
}

/** Signature kinds every entry of a tagged rule can match (a rule selects a tag only if each entry matches). */
function kindsSelected(rule: LifecycleRule): string[] {
  const s = rule.selection;
  if (s.tagStatus === 'any') return ['sig', 'att', 'sbom'];
  if (s.tagStatus !== 'tagged') return [];
  return ruleEntryGlobs(rule).map(signatureKindsMatched).reduce((acc, k) => acc.filter((x) => k.includes(x)));
}

export const selectsSignatures: PolicyCheck = {
  scope: 'policy',
  meta: {
    id,
    defaultSeverity: 'warning',
    description: 'A rule that can remove tag-scheme signatures, attestations or SBOMs (sha256-<digest>.sig/.att/.sbom tags) while the image they belong to is kept.',
    help:
      'Signatures stored with the tag scheme (cosign without OCI referrers) are ordinary tagged images: ECR counts them in ' +
      'imageCountMoreThan and expires or archives them like any image. A rule that selects them but not their images, or ' +
      'that selects every image while a higher-priority rule protects some images (and not their signatures), removes ' +
      'signatures of images that stay, so deployments that verify signatures fail. Exclude signatures from the rule, protect ' +
      'them with the rule that protects their images, or store signatures as OCI referrers, which follow their subject.',
    docs: docsLink(id),
  },
  run({ policy, locate, repositoryName }) {
    const out: FindingDraft[] = [];
    const byPriority = [...policy.rules].sort((a, b) => a.rulePriority - b.rulePriority);
    policy.rules.forEach((rule, index) => {
      const kinds = kindsSelected(rule);
      if (kinds.length === 0) return;
      const effect = rule.action.type === 'expire' ? 'expire' : 'archive';
      const artifacts = `tag-scheme ${kinds.map((k) => `.${k}`).join('/')} artifacts (sha256-<digest>.${kinds[0]} tags)`;
      let message: string;
      let protectors: number[] = [];
      if (!coversEveryImage(rule)) {
        message =
          `rule ${rule.rulePriority} (${describeSelection(rule)}) selects ${artifacts} but not every image they sign: ` +
          `it can ${effect} a signature while its image stays, and signature verification then fails for that image`;
      } else {
        // Higher-priority tagged rules that identify images but not these signatures protect the images only.
        const higher = byPriority.filter((h) => h.rulePriority < rule.rulePriority && h.selection.tagStatus === 'tagged');
        // A rule that selects signature tags itself is a signature rule (reported on its own), not a protection of images.
        const protecting = higher.filter((h) => kindsSelected(h).length === 0);
        if (protecting.length === 0) return;
        protectors = protecting.map((h) => h.rulePriority);
        const names = protecting.map((h) => `rule ${h.rulePriority} (${describeSelection(h)})`).join(', ');
        message =
          `rule ${rule.rulePriority} (${describeSelection(rule)}) can ${effect} ${artifacts} of images that ${names} ` +
          `${protecting.length === 1 ? 'keeps' : 'keep'} from it: the images stay, their signatures do not, and signature verification then fails for them`;
      }
      const draft: FindingDraft = {
        message,
        location: locate(rule.selection.tagStatus === 'any' ? rulePointer(index, 'selection', 'tagStatus') : selectionPointer(rule, index)),
        rulePriority: rule.rulePriority,
        evidence: {
          kinds,
          ...(rule.selection.tagStatus === 'tagged' ? { entries: ruleListEntries(rule) } : { tagStatus: 'any' }),
          ...(protectors.length > 0 ? { protectedBy: protectors } : {}),
        },
      };
      if (repositoryName !== undefined) draft.repositoryName = repositoryName;
      out.push(draft);
    });
    return out;
  },
};
