import { describe, expect, it } from 'vitest';
import { image, policy, rule } from '../../support/builders.js';
import { findingsOf, ref, run, state, use } from '../helpers.js';

const ID = 'base-image-expired';

describe(ID, () => {
  const old = image({ name: 'old', tags: ['base-1'], pushedDaysAgo: 60, pulledDaysAgo: 50 });
  const s = state([old], [], 'base');
  const expire = policy(rule(1, { tagStatus: 'any', countType: 'sinceImagePushed', countNumber: 30 }));
  const archive = policy(rule(1, { tagStatus: 'any', countType: 'sinceImagePulled', countNumber: 30 }, 'transition'));
  const fromBase = use(ref(':base-1', 'base'), 'build', 'Dockerfile', 3);

  it('fires as a warning when a Dockerfile FROM image is deleted', () => {
    const [f] = findingsOf(run({ state: s, policy: expire, uses: [fromBase] }), ID);
    expect(f).toMatchObject({ severity: 'warning', repositoryName: 'base', rulePriority: 1, origins: [{ format: 'dockerfile', file: 'Dockerfile', line: 3 }] });
    expect(f!.evidence.failure).toBe('deleted');
  });

  it('fires when it is archived', () => {
    const [f] = findingsOf(run({ state: s, policy: archive, uses: [fromBase] }), ID);
    expect(f!.evidence.failure).toBe('archived');
    expect(f!.message).toContain('archived');
  });

  it('does not fire for runtime uses or kept images', () => {
    expect(findingsOf(run({ state: s, policy: expire, uses: [use(ref(':base-1', 'base'))] }), ID)).toEqual([]);
    const keep = policy(rule(1, { tagStatus: 'any', countType: 'sinceImagePushed', countNumber: 100 }));
    expect(findingsOf(run({ state: s, policy: keep, uses: [fromBase] }), ID)).toEqual([]);
  });
});
