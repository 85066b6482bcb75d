import { describe, expect, it } from 'vitest';
import { image, policy, rule } from '../../support/builders.js';
import { findingsOf, ref, run, state, use } from '../helpers.js';

const ID = 'in-use-image-archived';
const archiveUnpulled = policy(
  rule(1, { tagStatus: 'any', countType: 'sinceImagePulled', countNumber: 30 }, 'transition'),
  rule(2, { tagStatus: 'any', storageClass: 'archive', countType: 'sinceImageTransitioned', countNumber: 90 }),
);

describe(ID, () => {
  const stale = image({ name: 'stale', tags: ['v1'], pushedDaysAgo: 100, pulledDaysAgo: 40 });
  const fresh = image({ name: 'fresh', tags: ['v2'], pushedDaysAgo: 100, pulledDaysAgo: 1 });
  const s = state([stale, fresh]);

  it('fires when a runtime use names an image the policy archives', () => {
    const r = run({ state: s, policy: archiveUnpulled, uses: [use(ref(':v1'))] });
    const [f, ...rest] = findingsOf(r, ID);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ severity: 'error', rulePriority: 1, date: '2026-01-01T00:00:00.000Z', image: { imageDigest: stale.imageDigest } });
    expect(f!.message).toContain('404');
    expect(f!.evidence.failure).toBe('archived');
  });

  it('fires later in the horizon when the pull window runs out, and is reported even if expiry follows', () => {
    const r = run({ state: s, policy: archiveUnpulled, uses: [use(ref(':v2'))], days: 200 });
    expect(findingsOf(r, ID).map((f) => f.date)).toEqual(['2026-01-31T00:00:00.000Z']);
    // The archive-storage rule deletes it 90 days later: a separate finding.
    expect(findingsOf(r, 'in-use-image-expired').map((f) => f.rulePriority)).toEqual([2]);
  });

  it('does not fire for kept images, other use kinds, or images deleted before they would be archived', () => {
    expect(findingsOf(run({ state: s, policy: archiveUnpulled, uses: [use(ref(':v2'))], days: 20 }), ID)).toEqual([]);
    expect(findingsOf(run({ state: s, policy: archiveUnpulled, uses: [use(ref(':v1'), 'build')] }), ID)).toEqual([]);
    const expireFirst = policy(rule(1, { tagStatus: 'any', countType: 'sinceImagePushed', countNumber: 10 }));
    expect(findingsOf(run({ state: s, policy: expireFirst, uses: [use(ref(':v1'))] }), ID)).toEqual([]);
  });
});
