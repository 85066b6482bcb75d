import { describe, expect, it } from 'vitest';
import { parseInUseText } from '../../../src/analyse/in-use/index.js';
import { image, policy, rule } from '../../support/builders.js';
import { findingsOf, ref, run, state, use } from '../helpers.js';

const ID = 'rollback-target-expired';

describe(ID, () => {
  const current = image({ name: 'current', tags: ['v2'], pushedDaysAgo: 1 });
  const previous = image({ name: 'previous', tags: ['v1'], pushedDaysAgo: 5 });
  const s = state([current, previous]);
  const keepOne = policy(rule(1, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }));
  const archiveOld = policy(rule(1, { tagStatus: 'any', countType: 'sinceImagePushed', countNumber: 3 }, 'transition'));

  it('warns (not an error) when a rollback target would be deleted', () => {
    const r = run({ state: s, policy: keepOne, uses: [use(ref(':v2')), use(ref(':v1'), 'rollback')] });
    const [f] = findingsOf(r, ID);
    expect(f).toMatchObject({ severity: 'warning', image: { imageDigest: previous.imageDigest }, rulePriority: 1 });
    expect(f!.message).toMatch(/^rollback target app:v1 .* would be deleted .*: a rollback to it would fail$/);
    expect(findingsOf(r, 'in-use-image-expired')).toEqual([]);
  });

  it('warns when a rollback target would be archived', () => {
    const r = run({ state: s, policy: archiveOld, uses: [use(ref(':v1'), 'rollback')] });
    expect(findingsOf(r, ID)).toHaveLength(1);
    expect(findingsOf(r, 'in-use-image-archived')).toEqual([]);
  });

  it('leaves an image that something also runs to the runtime check (one error, no warning)', () => {
    const r = run({ state: s, policy: keepOne, uses: [use(ref(':v1')), use(ref(':v1'), 'rollback')] });
    expect(findingsOf(r, ID)).toEqual([]);
    expect(findingsOf(r, 'in-use-image-expired')).toHaveLength(1);
  });

  it('does not fire when the rollback target is kept', () => {
    const r = run({ state: s, policy: policy(rule(1, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 5 })), uses: [use(ref(':v1'), 'rollback')] });
    expect(findingsOf(r, ID)).toEqual([]);
  });

  it('reads a file named *.rollback.* as rollback targets, any other file as runtime uses', () => {
    const text = `${ref(':v1')}\n`;
    expect(parseInUseText('previous.rollback.txt', text).uses.map((u) => u.kind)).toEqual(['rollback']);
    expect(parseInUseText('api-7.rollback.json', JSON.stringify({ containerDefinitions: [{ image: ref(':v1') }] })).uses.map((u) => u.kind)).toEqual(['rollback']);
    expect(parseInUseText('previous.txt', text).uses.map((u) => u.kind)).toEqual(['runtime']);
    expect(parseInUseText('rollback.txt', text).uses.map((u) => u.kind)).toEqual(['runtime']);
  });
});
