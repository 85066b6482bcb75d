import { describe, expect, it } from 'vitest';
import { image, policy, rule } from '../../support/builders.js';
import { blob, findingsOf, imageManifest, platformIndex, ref, run, state, use } from '../helpers.js';

const ID = 'in-use-image-expired';
const base = blob('base', 1000);
const keepOneV = policy(rule(1, { tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'imageCountMoreThan', countNumber: 1 }));

describe(ID, () => {
  const v1 = image({ name: 'v1', tags: ['v1'], pushedDaysAgo: 40 });
  const v2 = image({ name: 'v2', tags: ['v2'], pushedDaysAgo: 1 });
  const s = state([v1, v2], [imageManifest(v1.imageDigest, [base, blob('v1', 10)]), imageManifest(v2.imageDigest, [base, blob('v2', 20)])]);

  it('fires when a runtime use by tag names an image the policy deletes, with the missing and retained layers', () => {
    const r = run({ state: s, policy: keepOneV, uses: [use(ref(':v1'), 'runtime', 'k8s/api.yaml', 12)] });
    const [f, ...rest] = findingsOf(r, ID);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      severity: 'error', repositoryName: 'app', rulePriority: 1, date: '2026-01-01T00:00:00.000Z',
      image: { imageDigest: v1.imageDigest, imageTags: ['v1'] },
      origins: [{ format: 'kubernetes', file: 'k8s/api.yaml', line: 12 }],
    });
    expect(f!.message).toContain('app:v1');
    expect(f!.evidence.references).toEqual([{ reference: ref(':v1'), kind: 'runtime', by: 'tag', file: 'k8s/api.yaml', line: 12 }]);
    expect(f!.evidence.missingBlobs).toEqual([{ digest: blob('v1', 10).digest, size: 10 }]);
    expect(f!.evidence.missingBytes).toBe(10);
    expect(f!.evidence.retainedBlobs).toMatchObject([{ digest: base.digest, heldBy: [{ imageDigest: v2.imageDigest, inUse: false }], heldByCount: 1 }]);
    expect(f!.evidence.digestPin).toBeUndefined();
  });

  it('does not fire for an image the policy keeps, nor for build or recent-pull uses', () => {
    expect(findingsOf(run({ state: s, policy: keepOneV, uses: [use(ref(':v2'))] }), ID)).toEqual([]);
    const other = run({ state: s, policy: keepOneV, uses: [use(ref(':v1'), 'build'), use(ref(`@${v1.imageDigest}`), 'recent-pull')] });
    expect(findingsOf(other, ID)).toEqual([]);
  });

  it('a referrer pinned by digest is said to go with its subject, not to have lost a tag', () => {
    const sbom = image({ name: 'sbom', pushedDaysAgo: 39, subject: v1.imageDigest });
    const latest = image({ name: 'latest', tags: ['latest', 'v3'], pushedDaysAgo: 0 });
    const withReferrer = state([v1, v2, sbom, latest], [imageManifest(v1.imageDigest, [base]), imageManifest(v2.imageDigest, [base])]);
    const r = run({ state: withReferrer, policy: keepOneV, uses: [use(ref(`@${sbom.imageDigest}`))] });
    const [f] = findingsOf(r, ID);
    expect(f!.message).toMatch(/\(pinned by digest; a referrer of sha256:[0-9a-f]{12}, removed with it\)$/);
    expect(f!.evidence.digestPin).toMatchObject({ imageTagged: false, referrerOf: v1.imageDigest });
    expect(f!.evidence.digestPin).not.toHaveProperty('likelyMovedTags');
  });

  it('does not fire without a policy', () => {
    expect(findingsOf(run({ state: s, uses: [use(ref(':v1'))] }), ID)).toEqual([]);
  });

  it('reports the day within the horizon', () => {
    const young = image({ name: 'young', tags: ['dev'], pushedDaysAgo: 3 });
    const p = policy(rule(1, { tagStatus: 'tagged', tagPrefixList: ['dev'], countType: 'sinceImagePushed', countNumber: 14 }));
    const r = run({ state: state([young]), policy: p, uses: [use(ref(':dev'))], days: 30 });
    expect(findingsOf(r, ID).map((f) => f.date)).toEqual(['2026-01-13T00:00:00.000Z']);
    expect(findingsOf(run({ state: state([young]), policy: p, uses: [use(ref(':dev'))], days: 5 }), ID)).toEqual([]);
  });

  it('explains a digest pin on an untagged image, naming the tag other uses follow', () => {
    const old = image({ name: 'old', pushedDaysAgo: 30 });
    const current = image({ name: 'current', tags: ['prod'], pushedDaysAgo: 2 });
    const p = policy(rule(1, { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 7 }));
    const r = run({ state: state([old, current]), policy: p, uses: [use(ref(`@${old.imageDigest}`)), use(ref(':prod'), 'runtime', 'other.yaml')] });
    const [f] = findingsOf(r, ID);
    expect(f!.evidence.digestPin).toMatchObject({ imageTagged: false, tagsUsedElsewhere: [{ tag: 'prod', imageDigest: current.imageDigest, onNewerImage: true }] });
    expect(f!.evidence.blobsUnknown).toBeDefined();
  });

  it('gives every digest-pinned image of a repository the same tag evidence (built once per run)', () => {
    const old = image({ name: 'old', pushedDaysAgo: 30 });
    const older = image({ name: 'older', pushedDaysAgo: 40 });
    const current = image({ name: 'current', tags: ['prod', 'latest'], pushedDaysAgo: 2 });
    const middle = image({ name: 'middle', tags: ['main'], pushedDaysAgo: 35 });
    const p = policy(rule(1, { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 7 }));
    const uses = [use(ref(`@${old.imageDigest}`)), use(ref(`@${older.imageDigest}`), 'runtime', 'b.yaml'), use(ref(':prod'), 'runtime', 'other.yaml'), use(ref(':main'), 'runtime', 'm.yaml')];
    const found = findingsOf(run({ state: state([old, older, current, middle]), policy: p, uses }), ID);
    const byDigest = new Map(found.map((f) => [f.image!.imageDigest, f.evidence.digestPin as Record<string, unknown>]));
    expect(byDigest.get(old.imageDigest)).toMatchObject({
      likelyMovedTags: [{ tag: 'latest', nowOn: current.imageDigest }, { tag: 'prod', nowOn: current.imageDigest }],
      tagsUsedElsewhere: [{ tag: 'main', imageDigest: middle.imageDigest, onNewerImage: false }, { tag: 'prod', imageDigest: current.imageDigest, onNewerImage: true }],
    });
    // `main` is on an image newer than `older` only: the same index answers per pinned image.
    expect(byDigest.get(older.imageDigest)).toMatchObject({
      likelyMovedTags: [{ tag: 'latest', nowOn: current.imageDigest }, { tag: 'main', nowOn: middle.imageDigest }, { tag: 'prod', nowOn: current.imageDigest }],
      tagsUsedElsewhere: [{ tag: 'main', imageDigest: middle.imageDigest, onNewerImage: true }, { tag: 'prod', imageDigest: current.imageDigest, onNewerImage: true }],
    });
  });

  it('names a mutable tag now on a newer image (latest, main...) as the likely cause of a digest pin going untagged', () => {
    const old = image({ name: 'old', pushedDaysAgo: 30 });
    const current = image({ name: 'current', tags: ['latest', 'v2'], pushedDaysAgo: 2 });
    const older = image({ name: 'older', tags: ['main'], pushedDaysAgo: 60 });
    const p = policy(rule(1, { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 7 }));
    const [f] = findingsOf(run({ state: state([old, current, older]), policy: p, uses: [use(ref(`@${old.imageDigest}`))] }), ID);
    expect(f!.evidence.digestPin).toMatchObject({ likelyMovedTags: [{ tag: 'latest', nowOn: current.imageDigest }] });
    expect(f!.message).toContain('untagged since its tag "latest" likely moved to a newer image');
  });

  it('says only that the pinned image is untagged when no mutable tag is on a newer image', () => {
    const old = image({ name: 'old', pushedDaysAgo: 30 });
    const current = image({ name: 'current', tags: ['v2'], pushedDaysAgo: 2 });
    const p = policy(rule(1, { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 7 }));
    const [f] = findingsOf(run({ state: state([old, current]), policy: p, uses: [use(ref(`@${old.imageDigest}`))] }), ID);
    expect(f!.evidence.digestPin).toMatchObject({ likelyMovedTags: [] });
    expect(f!.message).toContain('(pinned by digest; the image is untagged)');
  });

  it('fires when an index stays but a platform child manifest its pull needs is deleted', () => {
    // The index is archived: its children are ordinary images again, and the untagged rule deletes
    // the arm64 one. Restoring the index later does not bring that platform back.
    const amd = image({ name: 'amd', tags: ['v1-amd64'], pushedDaysAgo: 30 });
    const arm = image({ name: 'arm', pushedDaysAgo: 30 });
    const idx = image({ name: 'idx', tags: ['v1'], pushedDaysAgo: 30, archivedDaysAgo: 10 });
    const st = state([amd, arm, idx], [
      imageManifest(amd.imageDigest, [blob('amd', 5)]),
      imageManifest(arm.imageDigest, [blob('arm', 6)]),
      platformIndex(idx.imageDigest, [{ digest: amd.imageDigest, architecture: 'amd64' }, { digest: arm.imageDigest, architecture: 'arm64', variant: 'v8' }]),
    ]);
    const p = policy(rule(1, { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 7 }));
    const [f, ...rest] = findingsOf(run({ state: st, policy: p, uses: [use(ref(':v1'))] }), ID);
    expect(rest).toEqual([]);
    expect(f!.image!.imageDigest).toBe(idx.imageDigest);
    expect(f!.message).toContain('stays, but its child manifest linux/arm64/v8');
    expect(f!.message).not.toContain('amd64');
    expect(f!.evidence.referencedManifestAffected).toBe(false);
    expect(f!.evidence.affectedManifests).toMatchObject([{ digest: arm.imageDigest, role: 'child', platform: 'linux/arm64/v8', rulePriority: 1 }]);
    expect(f!.evidence.missingBlobs).toEqual([{ digest: blob('arm', 6).digest, size: 6 }]);
    // While the index is active its children are protected: no finding.
    const active = state([amd, arm, { ...idx, imageStatus: 'ACTIVE' }], [...st.manifests.values()]);
    expect(findingsOf(run({ state: active, policy: p, uses: [use(ref(':v1'))] }), ID)).toEqual([]);
    expect(f!.evidence.referencedManifestLater).toBeUndefined();

    // When the index itself goes later in the horizon, the finding says so.
    const alsoArchived = policy(
      rule(1, { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 7 }),
      rule(2, { tagStatus: 'any', storageClass: 'archive', countType: 'sinceImageTransitioned', countNumber: 90 }),
    );
    const [later] = findingsOf(run({ state: st, policy: alsoArchived, uses: [use(ref(':v1'))], days: 100 }), ID);
    // Archived 10 days ago: more than 90 days in archive on day 81.
    expect(later!.evidence.referencedManifestLater).toMatchObject({ day: 81, rulePriority: 2 });
    expect(later!.message).toMatch(/stays until \S+ \(then rule 2 deletes it too\), but its child manifest linux\/arm64\/v8/);
  });
});
