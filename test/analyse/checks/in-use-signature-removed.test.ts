import { describe, expect, it } from 'vitest';
import { image, policy, rule } from '../../support/builders.js';
import { findingsOf, ref, run, state, use } from '../helpers.js';

const ID = 'in-use-signature-removed';

describe(ID, () => {
  const app = image({ name: 'app', tags: ['v1'], pushedDaysAgo: 40 });
  const hex = app.imageDigest.slice('sha256:'.length);
  const sig = image({ name: 'sig', tags: [`sha256-${hex}.sig`], pushedDaysAgo: 40 });
  const att = image({ name: 'att', tags: [`sha256-${hex}.att`], pushedDaysAgo: 40 });
  const referrer = image({ name: 'referrer', pushedDaysAgo: 40, subject: app.imageDigest });
  const s = state([app, sig, att, referrer]);
  const keepV = rule(1, { tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'imageCountMoreThan', countNumber: 10 });
  const expireOld = rule(3, { tagStatus: 'any', countType: 'sinceImagePushed', countNumber: 30 });

  it('fires for each tag-scheme artifact removed while the image stays', () => {
    const r = run({ state: s, policy: policy(keepV, expireOld), uses: [use(ref(':v1'))] });
    const found = findingsOf(r, ID);
    expect(found.map((f) => (f.evidence.artifact as { tag: string }).tag).sort()).toEqual([...att.imageTags, ...sig.imageTags].sort());
    expect(found[0]).toMatchObject({ severity: 'error', rulePriority: 3, image: { imageDigest: app.imageDigest }, date: '2026-01-01T00:00:00.000Z' });
    expect(found.map((f) => f.message).join('\n')).toMatch(/signature sha256-.*\.sig would be deleted/);
    // The OCI referrer follows its subject, which stays: never selected by the rules.
    expect(found.some((f) => (f.evidence.artifact as { via: string }).via === 'referrer')).toBe(false);
  });

  it('fires when the signature is archived', () => {
    const archive = rule(3, { tagStatus: 'any', countType: 'sinceImagePulled', countNumber: 30 }, 'transition');
    const found = findingsOf(run({ state: state([app, sig]), policy: policy(keepV, archive), uses: [use(ref(':v1'))] }), ID);
    expect(found).toHaveLength(1);
    expect(found[0]!.evidence.artifactAction).toBe('TRANSITION');
  });

  it('does not fire when the artifacts are kept, go with the image, or the image is not in use', () => {
    const keepSigs = rule(2, { tagStatus: 'tagged', tagPrefixList: ['sha256-'], countType: 'imageCountMoreThan', countNumber: 100 });
    expect(findingsOf(run({ state: s, policy: policy(keepV, keepSigs, expireOld), uses: [use(ref(':v1'))] }), ID)).toEqual([]);
    // Image and signatures deleted the same day: in-use-image-expired reports it.
    const r = run({ state: s, policy: policy(expireOld), uses: [use(ref(':v1'))] });
    expect(findingsOf(r, ID)).toEqual([]);
    expect(findingsOf(r, 'in-use-image-expired')).toHaveLength(1);
    expect(findingsOf(run({ state: s, policy: policy(keepV, expireOld), uses: [] }), ID)).toEqual([]);
  });
});
