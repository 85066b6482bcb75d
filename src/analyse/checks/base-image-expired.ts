import { firstPullEvent, imageLabel, pullEventEvidence, usesOfKinds, whatFails, useFinding } from './common.js';
import { docsLink, type FindingDraft, type RepositoryCheck } from './types.js';

const id = 'base-image-expired';

export const baseImageExpired: RepositoryCheck = {
  scope: 'repository',
  meta: {
    id,
    defaultSeverity: 'warning',
    description: 'An image that a Dockerfile builds FROM would be deleted or archived.',
    help:
      'Builds that start FROM this image fail once it is deleted, or while it is archived, although running workloads ' +
      'are unaffected. Keep base images with a higher-priority rule that selects their tags, or move the Dockerfile to a ' +
      'newer base image.',
    docs: docsLink(id),
  },
  run(context) {
    const out: FindingDraft[] = [];
    for (const entry of usesOfKinds(context, ['build'])) {
      const event = firstPullEvent(context, entry.imageDigest, ['deleted', 'archived'], entry.viaIndex);
      if (!event) continue;
      const verb = event.failure === 'deleted' ? 'deleted' : 'archived';
      out.push(useFinding(context, entry, event, `base image ${imageLabel(context, entry.imageDigest, entry.uses)} ${whatFails(event, verb)} on ${event.date} by rule ${event.rulePriority}: builds FROM it fail`, pullEventEvidence(entry, event)));
    }
    return out;
  },
};
