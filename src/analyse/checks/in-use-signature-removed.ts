import { short } from '../../simulate/evaluate.js';
import { firstPullEvent, imageLabel, referencesEvidence, usesOfKinds, useFinding } from './common.js';
import { docsLink, type FindingDraft, type RepositoryCheck } from './types.js';

const id = 'in-use-signature-removed';

export const inUseSignatureRemoved: RepositoryCheck = {
  scope: 'repository',
  meta: {
    id,
    defaultSeverity: 'error',
    description: 'An in-use image stays, but its signature, attestation or SBOM would be deleted or archived.',
    help:
      'Admission controllers and deploy pipelines that verify signatures (cosign, Notation, Kyverno, Ratify) reject the ' +
      'image once its signature or attestation is gone, although the image itself can still be pulled. OCI referrers ' +
      'follow their subject, but tag-scheme artifacts (sha256-<digest>.sig, .att, .sbom) are ordinary tagged images that ' +
      'count and age rules select. Add a higher-priority rule that keeps tags starting with "sha256-", or exclude them ' +
      'from the rule that removes them.',
    docs: docsLink(id),
  },
  run(context) {
    const out: FindingDraft[] = [];
    for (const entry of usesOfKinds(context, ['runtime'])) {
      const artifacts = context.graph.artifactsOf.get(entry.imageDigest) ?? [];
      if (artifacts.length === 0) continue;
      const imageEvent = firstPullEvent(context, entry.imageDigest, ['deleted', 'archived'], entry.viaIndex);
      const imageDay = imageEvent?.day ?? Infinity;
      for (const artifact of artifacts) {
        const a = context.fates.get(artifact.digest)?.first;
        // Removed together with (or after) the image: the image's own finding covers it.
        if (!a || a.day >= imageDay) continue;
        const what = artifact.via === 'tag-scheme' ? `${artifact.kind === 'sig' ? 'signature' : artifact.kind === 'att' ? 'attestation' : 'SBOM'} ${artifact.tag}` : `referrer ${short(artifact.digest)}${artifact.artifactType ? ` (${artifact.artifactType})` : ''}`;
        const verb = a.action === 'EXPIRE' ? 'deleted' : 'archived';
        const evidence: Record<string, unknown> = {
          references: referencesEvidence(entry.uses),
          artifact,
          artifactAction: a.action,
          imageAvailableUntil: imageEvent ? imageEvent.date : 'end of horizon',
        };
        out.push(useFinding(context, entry, a, `in-use image ${imageLabel(context, entry.imageDigest, entry.uses)} stays, but its ${what} would be ${verb} on ${a.date} by rule ${a.rulePriority}: signature verification at deploy time fails`, evidence));
      }
    }
    return out;
  },
};
