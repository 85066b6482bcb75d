import { describe, expect, it } from 'vitest';
import { recentPullUses } from '../../../src/analyse/in-use/recent-pull.js';
import { NOW, image, policy, rule } from '../../support/builders.js';
import { findingsOf, ref, run, state, use } from '../helpers.js';

const ID = 'recently-pulled-image-expired';

describe(ID, () => {
  const pulled = image({ name: 'pulled', tags: ['v1'], pushedDaysAgo: 60, pulledDaysAgo: 2 });
  const s = state([pulled]);
  const expireOld = policy(rule(1, { tagStatus: 'any', countType: 'sinceImagePushed', countNumber: 30 }));
  const recent = recentPullUses([s], NOW, 7);

  it('fires when an image only known from a recent pull would be deleted', () => {
    expect(recent).toHaveLength(1);
    const [f] = findingsOf(run({ state: s, policy: expireOld, uses: recent }), ID);
    expect(f).toMatchObject({ severity: 'warning', image: { imageDigest: pulled.imageDigest }, rulePriority: 1 });
    expect(f!.evidence.lastRecordedPullTime).toBe('2025-12-30T00:00:00.000Z');
  });

  it('does not fire when a declared use covers the image (the in-use checks report it)', () => {
    const r = run({ state: s, policy: expireOld, uses: [...recent, use(ref(':v1'))] });
    expect(findingsOf(r, ID)).toEqual([]);
    expect(findingsOf(r, 'in-use-image-expired')).toHaveLength(1);
  });

  it('does not fire when the image is kept', () => {
    const keep = policy(rule(1, { tagStatus: 'any', countType: 'sinceImagePushed', countNumber: 100 }));
    expect(findingsOf(run({ state: s, policy: keep, uses: recent }), ID)).toEqual([]);
  });
});
