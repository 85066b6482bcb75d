import { firstPullEvent, imageLabel, pullEventEvidence, usesOfKinds, whatFails, useFinding } from './common.js';
import { docsLink, type FindingDraft, type RepositoryCheck } from './types.js';

const id = 'rollback-target-expired';

export const rollbackTargetExpired: RepositoryCheck = {
  scope: 'repository',
  meta: {
    id,
    defaultSeverity: 'warning',
    description: 'An image that a rollback would need (an earlier task definition revision, an old ReplicaSet, a Lambda version) would be deleted or archived.',
    help:
      'Nothing runs the image now, so nothing breaks at once; but rolling back to it (ECS update-service to the previous ' +
      'revision, kubectl rollout undo, shifting a Lambda alias to an older version) would fail to pull. What runs is ' +
      'in-use-image-expired (an error); this is the lesser loss. Keep as many images as the rollbacks you may need, or ' +
      'protect release tags with a higher-priority rule.',
    docs: docsLink(id),
  },
  run(context) {
    const out: FindingDraft[] = [];
    // An image something also runs is reported by the runtime checks, as an error.
    const running = new Set(usesOfKinds(context, ['runtime']).map((e) => e.imageDigest));
    for (const entry of usesOfKinds(context, ['rollback'])) {
      if (running.has(entry.imageDigest)) continue;
      const event = firstPullEvent(context, entry.imageDigest, ['deleted', 'archived'], entry.viaIndex);
      if (!event) continue;
      const verb = event.failure === 'deleted' ? 'deleted' : 'archived';
      out.push(useFinding(context, entry, event, `rollback target ${imageLabel(context, entry.imageDigest, entry.uses)} ${whatFails(event, verb)} on ${event.date} by rule ${event.rulePriority}: a rollback to it would fail`, pullEventEvidence(entry, event)));
    }
    return out;
  },
};
