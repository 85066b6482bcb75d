import { firstPullEvent, imageLabel, pullEventEvidence, usesOfKinds, whatFails, useFinding } from './common.js';
import { docsLink, type FindingDraft, type RepositoryCheck } from './types.js';
import { isoTime } from '../../model/time.js';

const id = 'recently-pulled-image-expired';

export const recentlyPulledImageExpired: RepositoryCheck = {
  scope: 'repository',
  meta: {
    id,
    defaultSeverity: 'warning',
    description: 'An image no in-use source lists, but that ECR recorded a recent pull of, would be deleted or archived.',
    help:
      'A recent pull (lastRecordedPullTime) suggests something still uses the image although no supplied manifest, task ' +
      'definition, function or Dockerfile names it: a workload outside the supplied sources, a CI job or a developer. ' +
      'Find the consumer and add it to the in-use sources, or confirm the image is no longer needed.',
    docs: docsLink(id),
  },
  run(context) {
    const out: FindingDraft[] = [];
    for (const entry of usesOfKinds(context, ['recent-pull'])) {
      // Declared uses (runtime or build, including index children they pull) are reported by other checks.
      if (context.inUse.has(entry.imageDigest)) continue;
      const event = firstPullEvent(context, entry.imageDigest, ['deleted', 'archived'], entry.viaIndex);
      if (!event) continue;
      const image = context.graph.images.get(entry.imageDigest);
      const verb = event.failure === 'deleted' ? 'deleted' : 'archived';
      const evidence: Record<string, unknown> = pullEventEvidence(entry, event);
      if (image?.lastRecordedPullTime !== undefined) evidence.lastRecordedPullTime = isoTime(image.lastRecordedPullTime);
      out.push(useFinding(context, entry, event, `recently pulled image ${imageLabel(context, entry.imageDigest, entry.uses)} ${whatFails(event, verb)} on ${event.date} by rule ${event.rulePriority}; no in-use source lists it`, evidence));
    }
    return out;
  },
};
