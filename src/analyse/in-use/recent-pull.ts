import type { ImageRecord } from '../../model/image.js';
import type { ImageReference, InUseReference } from '../../model/in-use.js';
import { DAY_MS } from '../../simulate/evaluate.js';
import { compareUses } from './common.js';

/**
 * Images ECR recorded a pull for within the window count as in use even when no source declares
 * them: pulled strictly less than `recentPullDays` x 24 h before `now`. The reference is by digest in
 * the snapshot's own registry (`isEcr`, registry fields taken from the image record when present).
 */
export function recentPullUses(
  repositories: Array<{ repositoryName: string; images: ImageRecord[] }>,
  now: number,
  recentPullDays: number,
): InUseReference[] {
  const windowMs = recentPullDays * DAY_MS;
  const uses: InUseReference[] = [];
  for (const repo of repositories) {
    for (const image of repo.images) {
      const pulled = image.lastRecordedPullTime;
      if (pulled === undefined || now - pulled >= windowMs) continue;
      const reference: ImageReference = {
        raw: `${repo.repositoryName}@${image.imageDigest}`,
        isEcr: true,
        repositoryName: repo.repositoryName,
        digest: image.imageDigest,
      };
      if (image.registryId !== undefined) reference.registryId = image.registryId;
      uses.push({ reference, kind: 'recent-pull', origin: { format: 'recent-pull', file: repo.repositoryName } });
    }
  }
  return uses.sort(compareUses);
}
