import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyseRegistry, analyseRepository, prepareRepository } from '../../src/analyse/analyse.js';
import type { ImageRecord, ManifestInfo } from '../../src/model/image.js';
import type { UseKind } from '../../src/model/in-use.js';
import type { LifecyclePolicy } from '../../src/model/policy.js';
import { NOW, image, policy, rule } from '../support/builders.js';
import { REGISTRY_ID, imageManifest, blob, ref, run, state, use } from './helpers.js';

interface Fixture {
  repositoryName: string;
  now: string;
  days: number;
  policy: LifecyclePolicy;
  images: Array<Omit<ImageRecord, 'imagePushedAt' | 'imageStatus'> & { imagePushedAt: string }>;
  manifests: ManifestInfo[];
  uses: Array<{ raw: string; kind: UseKind; file: string; line: number }>;
  expected: { findings: Array<[string, string | null, number | null]>; bytesFreedNow: number; incomplete: boolean };
}

function loadFixture(name: string): Fixture {
  return JSON.parse(readFileSync(new URL(`../fixtures/analyse/${name}`, import.meta.url), 'utf8')) as Fixture;
}

describe('analyseRepository on a fixture (multi-arch index, cosign signature, digest pin)', () => {
  const fx = loadFixture('multi-arch-signed.json');
  const images: ImageRecord[] = fx.images.map((i) => ({ ...i, imagePushedAt: Date.parse(i.imagePushedAt), imageStatus: 'ACTIVE' }));
  const st = { repositoryName: fx.repositoryName, images, manifests: new Map(fx.manifests.map((m) => [m.digest, m])), manifestsLoaded: true };
  const r = analyseRepository({
    repositoryName: fx.repositoryName, registryId: REGISTRY_ID, state: st, policy: fx.policy, now: Date.parse(fx.now), days: fx.days,
    uses: fx.uses.map((u) => use(u.raw, u.kind, u.file, u.line)),
  });

  it('produces the expected findings, sorted', () => {
    expect(r.findings.map((f) => [f.id, f.image?.imageDigest ?? null, f.rulePriority ?? null])).toEqual(fx.expected.findings);
  });

  it('counts bytes freed from blobs and says the figures are incomplete', () => {
    expect(r.storage.now.bytesFreed).toBe(fx.expected.bytesFreedNow);
    expect(r.storage.incomplete).toBe(fx.expected.incomplete);
  });

  it('records each image fate and its uses', () => {
    const pinned = r.images.find((i) => i.imageDigest === fx.manifests[3]!.digest)!;
    expect(pinned.expired).toMatchObject({ action: 'EXPIRE', day: 0, rulePriority: 2, date: '2026-03-01T00:00:00.000Z' });
    expect(pinned.uses.map((u) => u.use.origin.file)).toEqual(['k8s/legacy.yaml']);
    const index = r.images.find((i) => i.imageTags.includes('v2'))!;
    expect(index.first).toBeUndefined();
    expect(r.images.map((i) => i.imageDigest)).toEqual([...r.images.map((i) => i.imageDigest)].sort());
  });
});

describe('analyseRepository with the repository prepared once (the interactive session)', () => {
  const fx = loadFixture('multi-arch-signed.json');
  const images: ImageRecord[] = fx.images.map((i) => ({ ...i, imagePushedAt: Date.parse(i.imagePushedAt), imageStatus: 'ACTIVE' }));
  const st = { repositoryName: fx.repositoryName, images, manifests: new Map(fx.manifests.map((m) => [m.digest, m])), manifestsLoaded: true };
  const base = { repositoryName: fx.repositoryName, registryId: REGISTRY_ID, state: st, now: Date.parse(fx.now), days: fx.days, uses: fx.uses.map((u) => use(u.raw, u.kind, u.file, u.line)) };
  // The fixture's policy, then variants: another count, the rules reversed, and none.
  const variants: LifecyclePolicy[] = [
    fx.policy,
    { rules: fx.policy.rules.map((r) => ({ ...r, selection: { ...r.selection, countNumber: r.selection.countNumber + 3 } })) },
    { rules: fx.policy.rules.map((r, k, all) => ({ ...r, rulePriority: all[all.length - 1 - k]!.rulePriority })) },
    { rules: [] },
  ];
  // Everything but the closures: what the reports and checks read.
  const plain = (r: ReturnType<typeof analyseRepository>) => ({ horizon: r.horizon, images: r.images, uses: r.uses, storage: r.storage, findings: r.findings, graph: r.graph });

  it('gives, policy after policy, what an analysis from scratch gives', () => {
    const prepared = prepareRepository(st);
    for (const p of variants) expect(plain(analyseRepository({ ...base, policy: p, prepared }))).toEqual(plain(analyseRepository({ ...base, policy: p })));
    expect(prepared.order.matchesBySelection.size).toBeGreaterThan(0);
    // The variants do decide differently (the comparison is not between equal results).
    const decided = variants.map((p) => JSON.stringify(analyseRepository({ ...base, policy: p, prepared }).horizon.first.decisions.map((d) => [d.action, d.appliedRulePriority])));
    expect(new Set(decided).size).toBeGreaterThan(2);
    // The graph is shared, not rebuilt.
    expect(analyseRepository({ ...base, policy: fx.policy, prepared }).graph).toBe(prepared.graph);
  });

  it('ignores a repository prepared from another state', () => {
    const other = prepareRepository({ ...st, images: images.slice(0, 2) });
    const r = analyseRepository({ ...base, policy: fx.policy, prepared: other });
    expect(r.graph).not.toBe(other.graph);
    expect(plain(r)).toEqual(plain(analyseRepository({ ...base, policy: fx.policy })));
    expect(other.order.matchesBySelection.size).toBe(0);
  });
});

describe('analyseRepository', () => {
  const a = image({ name: 'a', tags: ['v1'], pushedDaysAgo: 40 });

  it('considers only the uses that name its repository', () => {
    const r = run({ state: state([a]), uses: [use(ref(':v1')), use(ref(':v1', 'other'))] });
    expect(r.uses.map((u) => u.use.reference.repositoryName)).toEqual(['app']);
    expect(r.findings).toEqual([]);
  });

  it('reports fates across the horizon: archived first, then expired', () => {
    const p = policy(
      rule(1, { tagStatus: 'any', countType: 'sinceImagePulled', countNumber: 10 }, 'transition'),
      rule(2, { tagStatus: 'any', storageClass: 'archive', countType: 'sinceImageTransitioned', countNumber: 90 }),
    );
    const r = run({ state: state([a]), policy: p, days: 120 });
    expect(r.images[0]).toMatchObject({ first: { action: 'TRANSITION', day: 0 }, archived: { day: 0 }, expired: { action: 'EXPIRE', day: 91, rulePriority: 2 } });
  });
});

describe('analyseRegistry', () => {
  const one = state([image({ name: 'a', tags: ['v1'], pushedDaysAgo: 40 })], [], 'one');
  const two = state([image({ name: 'b', tags: ['v1'], pushedDaysAgo: 40 })], [], 'two');
  const expireAll = policy(rule(1, { tagStatus: 'any', countType: 'sinceImagePushed', countNumber: 30 }));

  it('runs repositories one at a time, streaming them to a callback when asked not to keep them', () => {
    const seen: string[] = [];
    const r = analyseRegistry({
      repositories: [two, one], policyFor: (name) => (name === 'one' ? expireAll : undefined), now: NOW, days: 30,
      uses: [use(ref(':v1', 'one')), use(ref(':v1', 'two'))], onRepository: (x) => seen.push(x.repositoryName), keepRepositories: false,
    });
    expect(seen).toEqual(['two', 'one']);
    expect(r.repositories).toEqual([]);
    expect(r.repositoryCount).toBe(2);
    expect(r.findings.map((f) => [f.id, f.repositoryName])).toEqual([['in-use-image-expired', 'one']]);
    expect(r.storage.incomplete).toBe(true);
    expect(r.storage.imagesWithoutManifest).toBe(2);
  });

  it('with blob mounting and a repository source function, reads the source once for the index and once to analyse', () => {
    let calls = 0;
    const x = image({ name: 'x', pushedDaysAgo: 40 });
    const shared = state([x], [imageManifest(x.imageDigest, [blob('s', 10)])], 'three');
    const r = analyseRegistry({
      repositories: () => { calls++; return [shared]; }, registry: { blobMounting: true }, policyFor: () => expireAll, now: NOW, days: 0, uses: [],
    });
    expect(calls).toBe(2);
    expect(r.storage.now.bytesFreed).toBe(10);
    expect(r.repositories[0]!.storage.blobScope).toBe('registry');
  });
});
