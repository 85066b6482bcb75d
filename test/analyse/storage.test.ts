import { describe, expect, it } from 'vitest';
import { analyseRegistry } from '../../src/analyse/analyse.js';
import { buildRegistryBlobIndex } from '../../src/analyse/graph.js';
import { holdsAfter } from '../../src/analyse/storage.js';
import { image, policy, rule } from '../support/builders.js';
import { blob, imageManifest, ref, run, state, use } from './helpers.js';

const base = blob('base', 1000);
const expireUntagged = policy(rule(1, { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 5 }));

describe('bytes freed', () => {
  it('counts only blobs no surviving manifest references, never imageSizeInBytes', () => {
    const old = { ...image({ name: 'old', pushedDaysAgo: 10 }), imageSizeInBytes: 999_999 };
    const kept = image({ name: 'kept', tags: ['v2'], pushedDaysAgo: 10 });
    const s = state([old, kept], [
      imageManifest(old.imageDigest, [base, blob('old', 30)], blob('cfg-old', 3)),
      imageManifest(kept.imageDigest, [base, blob('kept', 40)], blob('cfg-kept', 4)),
    ]);
    const r = run({ state: s, policy: expireUntagged, uses: [use(ref(':v2'))] });
    expect(r.storage.now).toEqual({ bytesFreed: 33, blobsFreed: 2, bytesMovedToArchive: 0, blobsMovedToArchive: 0 });
    expect(r.storage.incomplete).toBe(false);
    const impact = r.storage.images.find((i) => i.imageDigest === old.imageDigest)!;
    expect(impact.action).toBe('EXPIRE');
    expect(impact.exclusiveBytes).toBe(33);
    expect(impact.exclusive).toEqual([blob('cfg-old', 3).digest, blob('old', 30).digest].sort());
    expect(impact.shared).toEqual([base.digest]);
    expect(impact.sharedBytes).toBe(1000);
    // The shared blob is described once, in the repository's table, with its holders and their fates.
    expect(r.storage.sharedBlobs).toEqual([
      {
        ...base, heldByCount: 2,
        heldBy: [
          { imageDigest: kept.imageDigest, imageTags: ['v2'], inUse: true, imageStatus: 'ACTIVE' },
          { imageDigest: old.imageDigest, imageTags: [], inUse: false, imageStatus: 'ACTIVE', expiredDay: 0 },
        ],
      },
    ]);
    // The exact view at the day the image goes (for --explain) names only the holders still there.
    expect(r.blobSplitOf(old.imageDigest)!.shared[0]!.heldBy).toEqual([{ imageDigest: kept.imageDigest, imageTags: ['v2'], inUse: true }]);
    expect(r.blobSplitOf(kept.imageDigest)).toBeUndefined();
  });

  it('lists a shared blob once however many acted-on images share it, and at most 10 holders', () => {
    const olds = Array.from({ length: 15 }, (_, k) => image({ name: `old${k}`, pushedDaysAgo: 10 + k }));
    const kept = image({ name: 'kept', tags: ['v1'], pushedDaysAgo: 1 });
    const s = state([...olds, kept], [...olds, kept].map((i, k) => imageManifest(i.imageDigest, [base, blob(`own${k}`, 7)])));
    const r = run({ state: s, policy: expireUntagged });
    expect(r.storage.images).toHaveLength(15);
    for (const impact of r.storage.images) expect(impact.shared).toEqual([base.digest]);
    expect(r.storage.sharedBlobs).toHaveLength(1);
    const entry = r.storage.sharedBlobs[0]!;
    expect(entry.heldByCount).toBe(16);
    expect(entry.heldBy).toHaveLength(10);
    // The holder that keeps it comes first; the others go on day 0.
    expect(entry.heldBy[0]!.imageDigest).toBe(kept.imageDigest);
    expect(entry.heldBy.slice(1).every((h) => h.expiredDay === 0)).toBe(true);
  });

  it('holdsAfter reads the table for a deletion or an archive on a given day', () => {
    const h = { imageDigest: base.digest, imageTags: [], inUse: false, imageStatus: 'ACTIVE' as const, archivedDay: 3, expiredDay: 9 };
    expect([holdsAfter(h, 8, 'deleted'), holdsAfter(h, 9, 'deleted')]).toEqual([true, false]);
    expect([holdsAfter(h, 2, 'archived'), holdsAfter(h, 3, 'archived')]).toEqual([true, false]);
    expect(holdsAfter({ ...h, imageStatus: 'ARCHIVED' }, 0, 'archived')).toBe(false);
    expect(holdsAfter({ imageDigest: base.digest, imageTags: [], inUse: false, imageStatus: 'ACTIVE' }, 1000, 'deleted')).toBe(true);
  });

  it('frees a shared blob once when every holder goes', () => {
    const a = image({ name: 'a', pushedDaysAgo: 10 });
    const b = image({ name: 'b', pushedDaysAgo: 10 });
    const s = state([a, b], [imageManifest(a.imageDigest, [base]), imageManifest(b.imageDigest, [base])]);
    const r = run({ state: s, policy: expireUntagged });
    expect(r.storage.now.bytesFreed).toBe(1000);
    expect(r.storage.now.blobsFreed).toBe(1);
  });

  it('accumulates by day over the horizon', () => {
    const a = image({ name: 'a', pushedDaysAgo: 10 });
    const b = image({ name: 'b', pushedDaysAgo: 2 });
    const s = state([a, b], [imageManifest(a.imageDigest, [base, blob('a', 10)]), imageManifest(b.imageDigest, [base, blob('b', 20)])]);
    const r = run({ state: s, policy: expireUntagged, days: 10 });
    expect(r.storage.now.bytesFreed).toBe(10);
    expect(r.storage.byDay.map((d) => [d.day, d.bytesFreed])).toEqual([[0, 10], [4, 1030]]);
    expect(r.storage.byDay[1]!.date).toBe('2026-01-05T00:00:00.000Z');
    expect(r.storage.horizon.bytesFreed).toBe(1030);
  });

  it('with no manifests says the figures are incomplete', () => {
    const a = image({ name: 'a', pushedDaysAgo: 10 });
    const r = run({ state: state([a]), policy: expireUntagged });
    expect(r.storage.incomplete).toBe(true);
    expect(r.storage.imagesWithoutManifest).toBe(1);
    expect(r.storage.now.bytesFreed).toBe(0);
    expect(r.storage.images[0]!.manifestKnown).toBe(false);
  });
});

describe('bytes moved to archive', () => {
  const archiveOld = policy(rule(1, { tagStatus: 'any', countType: 'sinceImagePulled', countNumber: 5 }, 'transition'));

  it('moves blobs whose every remaining reference is archived', () => {
    const a = image({ name: 'a', pushedDaysAgo: 10 });
    const b = image({ name: 'b', pushedDaysAgo: 1 });
    const s = state([a, b], [imageManifest(a.imageDigest, [base, blob('a', 10)]), imageManifest(b.imageDigest, [base])]);
    const r = run({ state: s, policy: archiveOld, days: 0 });
    expect(r.storage.now).toEqual({ bytesFreed: 0, blobsFreed: 0, bytesMovedToArchive: 10, blobsMovedToArchive: 1 });
    const impact = r.storage.images[0]!;
    expect(impact.action).toBe('TRANSITION');
    expect(impact.exclusive).toEqual([blob('a', 10).digest]);
    expect(impact.shared).toEqual([base.digest]);
    expect(r.storage.sharedBlobs[0]!.heldBy.filter((h) => holdsAfter(h, impact.day, 'archived')).map((h) => h.imageDigest)).toEqual([b.imageDigest]);
    expect(r.blobSplitOf(a.imageDigest)!.shared[0]!.heldBy.map((h) => h.imageDigest)).toEqual([b.imageDigest]);
  });

  it('counts blobs already only in archive at the start as not moved', () => {
    const a = image({ name: 'a', pushedDaysAgo: 200, archivedDaysAgo: 100 });
    const r = run({ state: state([a], [imageManifest(a.imageDigest, [base])]), policy: archiveOld });
    expect(r.storage.now.bytesMovedToArchive).toBe(0);
  });
});

describe('registry-wide blob scope (blob mounting)', () => {
  const a = image({ name: 'a', pushedDaysAgo: 10 });
  const b = image({ name: 'b', pushedDaysAgo: 1 });
  const one = state([a], [imageManifest(a.imageDigest, [base, blob('a', 10)])], 'one');
  const two = state([b], [imageManifest(b.imageDigest, [base])], 'two');

  it('a blob another repository references is not freed', () => {
    const r = run({ state: one, policy: expireUntagged, blobIndex: buildRegistryBlobIndex([one, two]) });
    expect(r.storage.blobScope).toBe('registry');
    expect(r.storage.now.bytesFreed).toBe(10);
    expect(r.storage.images[0]!.shared).toEqual([base.digest]);
    expect(r.storage.sharedBlobs[0]!.heldElsewhere).toBe(1);
    // Without mounting the repository's own copy goes.
    expect(run({ state: one, policy: expireUntagged }).storage.now.bytesFreed).toBe(1010);
  });

  it('registry totals free a mounted blob on the last day any repository drops it', () => {
    const common = { policyFor: () => expireUntagged, now: Date.parse('2026-01-01T00:00:00Z'), days: 10, uses: [] };
    const mounted = analyseRegistry({ ...common, repositories: [one, two], registry: { blobMounting: true } });
    expect(mounted.blobScope).toBe('registry');
    expect(mounted.storage.byDay.map((d) => [d.day, d.bytesFreed])).toEqual([[0, 10], [5, 1010]]);
    const separate = analyseRegistry({ ...common, repositories: [one, two] });
    expect(separate.storage.byDay.map((d) => [d.day, d.bytesFreed])).toEqual([[0, 1010], [5, 2010]]);
  });

  it('registry totals keep a mounted blob that one repository keeps', () => {
    const keep = policy(rule(1, { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 5 }));
    const repos = () => [one, state([image({ name: 'c', tags: ['v1'], pushedDaysAgo: 50 })], [imageManifest(image({ name: 'c' }).imageDigest, [base])], 'three')];
    const r = analyseRegistry({ policyFor: () => keep, now: Date.parse('2026-01-01T00:00:00Z'), days: 10, uses: [], repositories: repos, registry: { blobMounting: true } });
    expect(r.storage.horizon.bytesFreed).toBe(10);
    expect(r.storage.incomplete).toBe(false);
  });
});
