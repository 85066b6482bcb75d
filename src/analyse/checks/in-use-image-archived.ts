import { firstPullEvent, imageLabel, pullEventEvidence, usesOfKinds, whatFails, useFinding } from './common.js';
import { docsLink, type FindingDraft, type RepositoryCheck } from './types.js';

const id = 'in-use-image-archived';

export const inUseImageArchived: RepositoryCheck = {
  scope: 'repository',
  meta: {
    id,
    defaultSeverity: 'error',
    description: 'An image that a workload runs would be moved to archive storage, where it cannot be pulled until restored.',
    help:
      'Archived images answer pulls with 404 (image not found) until they are restored to standard storage, which takes ' +
      'minutes, or re-pushed. A workload that restarts or scales out meanwhile fails. Exclude in-use images from the ' +
      'transition rule (a higher-priority rule selecting their tags), or lengthen the sinceImagePulled window.',
    docs: docsLink(id),
  },
  run(context) {
    const out: FindingDraft[] = [];
    for (const entry of usesOfKinds(context, ['runtime'])) {
      const event = firstPullEvent(context, entry.imageDigest, ['archived'], entry.viaIndex);
      if (!event) continue;
      // Deleted before it would be archived: in-use-image-expired reports that.
      const deleted = firstPullEvent(context, entry.imageDigest, ['deleted'], entry.viaIndex);
      if (deleted && deleted.day < event.day) continue;
      out.push(useFinding(context, entry, event, `in-use image ${imageLabel(context, entry.imageDigest, entry.uses)} ${whatFails(event, 'archived')} on ${event.date} by rule ${event.rulePriority}: pulls fail (404) until it is restored`, { ...pullEventEvidence(entry, event), remedy: 'restore the image from archive (minutes) or re-push it before the workload pulls again' }));
    }
    return out;
  },
};
