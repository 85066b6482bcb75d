import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AnalysedRepository } from '../../src/analyse/analyse.js';
import { manifestBlobs } from '../../src/analyse/graph.js';
import type { Finding } from '../../src/model/finding.js';
import type { ImageRecord, ManifestInfo, RepositoryState } from '../../src/model/image.js';
import type { InUseReference, UseKind } from '../../src/model/in-use.js';
import type { LifecyclePolicy, LifecycleRule } from '../../src/model/policy.js';
import { image, rule } from '../support/builders.js';
import { blob, imageManifest, platformIndex, ref, run, use } from './helpers.js';

// Properties of the analysis over small random repositories: index, signatures, shared layers,
// random policies and uses.

const TAGS = ['v1', 'v2', 'v3', 'latest', 'dev-1', 'dev-2'];
const BLOBS = [100, 200, 300, 400, 500, 600, 700].map((size, i) => blob(`p${i}`, size));

interface Scenario {
  state: RepositoryState;
  policy: LifecyclePolicy;
  uses: InUseReference[];
}

const imageSpec = fc.record({
  pushedDaysAgo: fc.integer({ min: 0, max: 120 }),
  pulledDaysAgo: fc.option(fc.integer({ min: 0, max: 120 }), { nil: undefined }),
  layers: fc.uniqueArray(fc.integer({ min: 0, max: BLOBS.length - 1 }), { maxLength: 3 }),
  hasManifest: fc.boolean(),
});

const ruleSpec = fc.record({
  tagStatus: fc.constantFrom('tagged', 'untagged', 'any') as fc.Arbitrary<'tagged' | 'untagged' | 'any'>,
  prefix: fc.constantFrom('v', 'dev', 'latest', 'sha256-'),
  countType: fc.constantFrom('imageCountMoreThan', 'sinceImagePushed', 'sinceImagePulled') as fc.Arbitrary<'imageCountMoreThan' | 'sinceImagePushed' | 'sinceImagePulled'>,
  countNumber: fc.integer({ min: 1, max: 60 }),
});

function toRule(priority: number, s: { tagStatus: 'tagged' | 'untagged' | 'any'; prefix: string; countType: 'imageCountMoreThan' | 'sinceImagePushed' | 'sinceImagePulled'; countNumber: number }): LifecycleRule {
  const selection = s.tagStatus === 'tagged' ? { tagStatus: s.tagStatus, tagPrefixList: [s.prefix] } : { tagStatus: s.tagStatus };
  return rule(priority, { ...selection, countType: s.countType, countNumber: s.countNumber }, s.countType === 'sinceImagePulled' ? 'transition' : 'expire');
}

const scenario: fc.Arbitrary<Scenario> = fc
  .record({
    images: fc.array(imageSpec, { minLength: 1, maxLength: 7 }),
    tagOwners: fc.array(fc.integer({ min: -1, max: 6 }), { minLength: TAGS.length, maxLength: TAGS.length }),
    withIndex: fc.boolean(),
    signed: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
    rules: fc.array(ruleSpec, { maxLength: 3 }),
    uses: fc.array(
      fc.record({
        target: fc.integer({ min: 0, max: 7 }),
        byDigest: fc.boolean(),
        kind: fc.constantFrom('runtime', 'build', 'recent-pull') as fc.Arbitrary<UseKind>,
        line: fc.integer({ min: 1, max: 5 }),
      }),
      { maxLength: 6 },
    ),
  })
  .map((g) => {
    const n = g.images.length;
    const images: ImageRecord[] = g.images.map((spec, i) =>
      image({ name: `i${i}`, tags: TAGS.filter((_, t) => g.tagOwners[t] === i), pushedDaysAgo: spec.pushedDaysAgo, ...(spec.pulledDaysAgo !== undefined ? { pulledDaysAgo: spec.pulledDaysAgo } : {}) }),
    );
    const manifests: ManifestInfo[] = [];
    g.images.forEach((spec, i) => {
      if (spec.hasManifest) manifests.push(imageManifest(images[i]!.imageDigest, spec.layers.map((l) => BLOBS[l]!)));
    });
    // Image 0 becomes an index of images 1 and 2 when there are enough images.
    if (g.withIndex && n >= 3) {
      const own = manifests.findIndex((m) => m.digest === images[0]!.imageDigest);
      if (own >= 0) manifests.splice(own, 1);
      manifests.push(platformIndex(images[0]!.imageDigest, [{ digest: images[1]!.imageDigest, architecture: 'amd64' }, { digest: images[2]!.imageDigest, architecture: 'arm64' }]));
    }
    if (g.signed !== undefined && g.signed < n) {
      images.push(image({ name: 'sig', tags: [`sha256-${images[g.signed]!.imageDigest.slice(7)}.sig`], pushedDaysAgo: 50 }));
    }
    const uses = g.uses.map((u) => {
      const target = images[u.target % images.length]!;
      const tag = target.imageTags[0];
      const suffix = u.byDigest || tag === undefined ? `@${target.imageDigest}` : `:${tag}`;
      return use(ref(u.target === 7 ? ':missing' : suffix), u.kind, `src-${u.line}.yaml`, u.line);
    });
    const state: RepositoryState = { repositoryName: 'app', images, manifests: new Map(manifests.map((m) => [m.digest, m])), manifestsLoaded: manifests.length > 0 };
    return { state, policy: { rules: g.rules.map((r, i) => toRule(i + 1, r)) }, uses };
  });

const analyse = (s: Scenario, days = 60): AnalysedRepository => run({ state: s.state, policy: s.policy, uses: s.uses, days });

function key(f: Finding): string {
  const e = f.evidence as { artifact?: { digest: string }; reference?: string };
  return JSON.stringify([f.id, f.image?.imageDigest, f.rulePriority, f.date, e.artifact?.digest, e.reference]);
}

function shuffle<T>(list: readonly T[], seed: number): T[] {
  const out = [...list];
  let s = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const IN_USE_IDS = new Set(['in-use-image-expired', 'in-use-image-archived', 'in-use-signature-removed', 'base-image-expired', 'recently-pulled-image-expired']);

describe('analysis properties', () => {
  it('a policy that acts on nothing yields no in-use finding', () => {
    fc.assert(
      fc.property(scenario, fc.constantFrom<LifecyclePolicy>(
        { rules: [] },
        { rules: [rule(1, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1000 })] },
        { rules: [rule(1, { tagStatus: 'any', countType: 'sinceImagePushed', countNumber: 10_000 })] },
      ), (s, quiet) => {
        const r = analyse({ ...s, policy: quiet });
        expect(r.horizon.timeline).toEqual([]);
        expect(r.findings.filter((f) => IN_USE_IDS.has(f.id))).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('removing a use never adds a finding (except recently-pulled for an image that lost its declared use)', () => {
    fc.assert(
      fc.property(scenario, fc.nat(), (s, pick) => {
        fc.pre(s.uses.length > 0);
        const removed = s.uses[pick % s.uses.length]!;
        const before = analyse(s);
        const after = analyse({ ...s, uses: s.uses.filter((u) => u !== removed) });
        const had = new Set(before.findings.map(key));
        for (const f of after.findings) {
          if (had.has(key(f))) continue;
          expect(f.id).toBe('recently-pulled-image-expired');
          expect(removed.kind).not.toBe('recent-pull');
        }
      }),
      { numRuns: 200 },
    );
  });

  it('bytes freed are exactly the blobs no remaining image references, each counted once', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const r = analyse(s);
        const blobsOf = (images: readonly ImageRecord[]) => {
          const out = new Map<string, number>();
          for (const i of images) for (const b of manifestBlobs(s.state.manifests.get(i.imageDigest))) out.set(b.digest, b.size);
          return out;
        };
        const initial = blobsOf(s.state.images);
        const remaining = blobsOf(r.horizon.finalImages);
        let expected = 0;
        for (const [d, size] of initial) if (!remaining.has(d)) expected += size;
        const distinctTotal = [...initial.values()].reduce((a, b) => a + b, 0);
        expect(r.storage.horizon.bytesFreed).toBe(expected);
        expect(r.storage.horizon.bytesFreed).toBeLessThanOrEqual(distinctTotal);
        for (const impact of r.storage.images) {
          if (impact.action !== 'EXPIRE') continue;
          for (const b of impact.exclusive) expect(remaining.has(b)).toBe(false);
        }
        // Cumulative by day never decreases.
        const freed = r.storage.byDay.map((d) => d.bytesFreed);
        expect(freed).toEqual([...freed].sort((a, b) => a - b));
      }),
      { numRuns: 200 },
    );
  });

  it('findings do not depend on the order of images or uses', () => {
    fc.assert(
      fc.property(scenario, fc.integer(), (s, seed) => {
        const shuffled: Scenario = { ...s, state: { ...s.state, images: shuffle(s.state.images, seed) }, uses: shuffle(s.uses, seed + 1) };
        const a = analyse(s);
        const b = analyse(shuffled);
        expect(b.findings).toEqual(a.findings);
        expect(b.storage).toEqual(a.storage);
        expect(b.uses).toEqual(a.uses);
        expect(b.images).toEqual(a.images);
      }),
      { numRuns: 150 },
    );
  });

  it('the generator produces findings at all (the properties are not vacuous)', () => {
    const ids = new Set<string>();
    fc.assert(fc.property(scenario, (s) => { for (const f of analyse(s).findings) ids.add(f.id); }), { numRuns: 400, seed: 42 });
    for (const id of ['in-use-image-expired', 'in-use-image-archived', 'in-use-signature-removed', 'base-image-expired', 'recently-pulled-image-expired', 'unresolved-in-use-reference']) expect(ids).toContain(id);
  });
});
