import { describe, expect, it } from 'vitest';
import {
  blobsForPull, buildContentGraph, buildRegistryBlobIndex, holdersOf, manifestsForPull, parseTagSchemeTag,
} from '../../src/analyse/graph.js';
import { image } from '../support/builders.js';
import { blob, imageManifest, platformIndex, state } from './helpers.js';

const base = blob('base', 100);
const cfgA = blob('cfg-a', 1);
const cfgB = blob('cfg-b', 2);

describe('parseTagSchemeTag', () => {
  it('reads cosign-style tags', () => {
    const hex = 'a'.repeat(64);
    expect(parseTagSchemeTag(`sha256-${hex}.sig`)).toEqual({ subject: `sha256:${hex}`, kind: 'sig' });
    expect(parseTagSchemeTag(`sha256-${hex}.att`)?.kind).toBe('att');
    expect(parseTagSchemeTag(`sha256-${hex}.sbom`)?.kind).toBe('sbom');
  });
  it('ignores other tags', () => {
    expect(parseTagSchemeTag('v1.2')).toBeUndefined();
    expect(parseTagSchemeTag(`sha256-${'a'.repeat(63)}.sig`)).toBeUndefined();
    expect(parseTagSchemeTag(`sha256-${'a'.repeat(64)}.sig2`)).toBeUndefined();
  });
});

describe('buildContentGraph', () => {
  const amd = image({ name: 'amd' });
  const arm = image({ name: 'arm' });
  const idx = image({ name: 'idx', tags: ['v1'] });
  const sig = image({ name: 'sig', tags: [`sha256-${idx.imageDigest.slice(7)}.sig`] });
  const referrer = image({ name: 'ref', subject: amd.imageDigest });
  const s = state(
    [amd, arm, idx, sig, referrer],
    [
      imageManifest(amd.imageDigest, [base, blob('amd', 10)], cfgA),
      imageManifest(arm.imageDigest, [base, blob('arm', 20)], cfgB),
      platformIndex(idx.imageDigest, [{ digest: amd.imageDigest, architecture: 'amd64' }, { digest: arm.imageDigest, architecture: 'arm64', variant: 'v8' }]),
    ],
  );
  const g = buildContentGraph(s);

  it('links index children to their parents', () => {
    expect(g.parentsOf.get(amd.imageDigest)).toEqual([idx.imageDigest]);
    expect(g.parentsOf.get(idx.imageDigest)).toBeUndefined();
  });

  it('links referrers and tag-scheme artifacts to their subject', () => {
    expect(g.artifactsOf.get(amd.imageDigest)).toEqual([{ digest: referrer.imageDigest, via: 'referrer' }]);
    expect(g.artifactsOf.get(idx.imageDigest)).toEqual([{ digest: sig.imageDigest, via: 'tag-scheme', kind: 'sig', tag: sig.imageTags[0] }]);
    expect(g.tagSchemeSubjectOf.get(sig.imageDigest)).toBe(idx.imageDigest);
  });

  it('counts each blob holder once and lists images without manifest', () => {
    expect(holdersOf(g, base.digest)).toEqual([amd.imageDigest, arm.imageDigest].sort());
    expect(g.blobs.refs[g.blobs.idOf.get(base.digest)!]!.size).toBe(100);
    expect(holdersOf(g, 'sha256:unknown')).toEqual([]);
    expect(g.imagesWithoutManifest).toEqual([sig.imageDigest, referrer.imageDigest].sort());
  });

  it('a pull of an index needs the index and every child, and their blobs', () => {
    expect(manifestsForPull(g, idx.imageDigest)).toEqual([idx.imageDigest, ...[amd.imageDigest, arm.imageDigest].sort()]);
    expect(manifestsForPull(g, amd.imageDigest)).toEqual([amd.imageDigest]);
    const blobs = blobsForPull(g, idx.imageDigest).map((b) => b.digest);
    expect(blobs).toEqual([base, blob('amd', 10), blob('arm', 20), cfgA, cfgB].map((b) => b.digest).sort());
  });

  it('a manifest listing the same blob twice counts it once', () => {
    const one = image({ name: 'dup' });
    const g2 = buildContentGraph(state([one], [imageManifest(one.imageDigest, [base, base], base)]));
    expect(holdersOf(g2, base.digest)).toEqual([one.imageDigest]);
    expect(blobsForPull(g2, one.imageDigest)).toHaveLength(1);
  });
});

describe('buildRegistryBlobIndex', () => {
  it('counts references per (repository, manifest) and active ones separately', () => {
    const a = image({ name: 'a' });
    const b = image({ name: 'b', status: 'ARCHIVED', archivedDaysAgo: 1 });
    const c = image({ name: 'c' });
    const index = buildRegistryBlobIndex([
      state([a, b], [imageManifest(a.imageDigest, [base]), imageManifest(b.imageDigest, [base])], 'one'),
      state([c], [imageManifest(c.imageDigest, [base, blob('c', 5)])], 'two'),
      state([image({ name: 'nomanifest' })], [], 'three'),
    ]);
    expect(index.refs.get(base.digest)).toBe(3);
    expect(index.activeRefs.get(base.digest)).toBe(2);
    expect(index.refs.get(blob('c', 5).digest)).toBe(1);
    expect(index.sizes.get(base.digest)).toBe(100);
    expect(index.imagesWithoutManifest).toBe(1);
  });
});
