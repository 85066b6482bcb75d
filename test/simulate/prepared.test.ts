import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ImageRecord, ImageStatus, ManifestInfo } from '../../src/model/image.js';
import type { LifecyclePolicy, LifecycleRule } from '../../src/model/policy.js';
import { evaluatePolicy } from '../../src/simulate/evaluate.js';
import { simulateHorizon } from '../../src/simulate/horizon.js';
import { initialState, prepareImageOrder, preparePolicy, prepareImages, runDay } from '../../src/simulate/prepared.js';
import { DAY, NOW, digest, indexManifest, relationsOf } from '../support/builders.js';
import { referenceEvaluatePolicy, referenceSimulateHorizon } from './reference-engine.js';

// The prepared engine (tag matches, order and structure computed once per horizon) against the
// engine it replaced, decision by decision, reason by reason, on random repositories and policies
// (valid or not: the engine must not depend on validation to agree with itself).

const TAGS = ['prod', 'prod-1', 'beta-2', 'v1.2', 'latest', 'sha256-ab.sig', 'a', 'ab'];
const ENTRIES = ['prod', 'beta', 'v1', 'a', 'prod*', '*-1', '*', 'a*', '*b*'];

const ruleArb = (priority: number): fc.Arbitrary<LifecycleRule> =>
  fc
    .record({
      tagStatus: fc.constantFrom('tagged', 'untagged', 'any' as const),
      list: fc.uniqueArray(fc.constantFrom(...ENTRIES), { minLength: 1, maxLength: 2 }),
      pattern: fc.boolean(),
      countType: fc.constantFrom('imageCountMoreThan', 'sinceImagePushed', 'sinceImagePulled', 'sinceImageTransitioned' as const),
      countNumber: fc.integer({ min: 1, max: 120 }),
      archive: fc.boolean(),
      transition: fc.boolean(),
    })
    .map((r): LifecycleRule => ({
      rulePriority: priority,
      selection: {
        tagStatus: r.tagStatus,
        ...(r.tagStatus === 'tagged' ? (r.pattern ? { tagPatternList: r.list } : { tagPrefixList: r.list.map((e) => e.replace(/\*/g, '')).filter((e) => e !== '') }) : {}),
        ...(r.archive ? { storageClass: 'archive' as const } : {}),
        countType: r.countType,
        countNumber: r.countType === 'imageCountMoreThan' ? Math.ceil(r.countNumber / 20) : r.countNumber,
      },
      action: r.transition ? { type: 'transition', targetStorageClass: 'archive' } : { type: 'expire' },
    }));

const policyArb: fc.Arbitrary<LifecyclePolicy> = fc
  .uniqueArray(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 5 })
  .chain((priorities) => fc.tuple(...priorities.map(ruleArb)))
  .map((rules) => ({ rules }));

interface Repo {
  images: ImageRecord[];
  manifests: ManifestInfo[];
}

const repoArb: fc.Arbitrary<Repo> = fc
  .array(
    fc.record({
      tags: fc.uniqueArray(fc.constantFrom(...TAGS), { maxLength: 2 }),
      pushedDaysAgo: fc.integer({ min: 0, max: 300 }),
      pulledDaysAgo: fc.option(fc.integer({ min: 0, max: 300 })),
      status: fc.constantFrom<ImageStatus>('ACTIVE', 'ACTIVE', 'ACTIVE', 'ARCHIVED', 'ACTIVATING'),
      archivedDaysAgo: fc.integer({ min: 0, max: 200 }),
      restoredDaysAgo: fc.option(fc.integer({ min: 0, max: 100 })),
      role: fc.constantFrom('plain', 'plain', 'plain', 'index', 'referrer', 'missing-subject'),
      pick: fc.nat(),
    }),
    { maxLength: 14 },
  )
  .map((specs): Repo => {
    const images: ImageRecord[] = [];
    const manifests: ManifestInfo[] = [];
    specs.forEach((s, k) => {
      const pushed = NOW - s.pushedDaysAgo * DAY;
      const image: ImageRecord = { imageDigest: digest(`p${k}`), imageTags: s.tags, imagePushedAt: pushed, imageStatus: s.status };
      if (s.pulledDaysAgo !== null) image.lastRecordedPullTime = Math.max(pushed, NOW - s.pulledDaysAgo * DAY);
      if (s.status === 'ARCHIVED') image.lastArchivedAt = Math.max(pushed, NOW - s.archivedDaysAgo * DAY);
      if (s.restoredDaysAgo !== null) image.lastActivatedAt = Math.max(pushed, NOW - s.restoredDaysAgo * DAY);
      const earlier = images.length > 0 ? images[s.pick % images.length]! : undefined;
      if (s.role === 'referrer' && earlier) image.subjectManifestDigest = earlier.imageDigest;
      if (s.role === 'missing-subject') image.subjectManifestDigest = digest(`gone${k}`);
      if (s.role === 'index' && images.length > 0) {
        const children = images.filter((_, i) => (s.pick >> i) % 2 === 1).map((i) => i.imageDigest);
        manifests.push(indexManifest(image.imageDigest, children.length > 0 ? children : [earlier!.imageDigest]));
      }
      images.push(image);
    });
    return { images, manifests };
  });

describe('prepared engine equals the engine it replaced', () => {
  it('one run: the same decisions (verdict, cause, rules, related digests, reason) and next crossing', () => {
    fc.assert(
      fc.property(policyArb, repoArb, fc.integer({ min: -2, max: 200 }), (p, repo, dayOffset) => {
        const relations = relationsOf(repo.images, repo.manifests);
        const now = NOW + dayOffset * DAY;
        expect(evaluatePolicy(p, repo.images, relations, now)).toEqual(referenceEvaluatePolicy(p, repo.images, relations, now));
      }),
      { numRuns: 400 },
    );
  });

  it('a horizon: the same first run, timeline, evaluated days and final state', () => {
    fc.assert(
      fc.property(policyArb, repoArb, fc.integer({ min: 0, max: 400 }), (p, repo, days) => {
        const relations = relationsOf(repo.images, repo.manifests);
        expect(simulateHorizon(p, repo.images, relations, NOW, days)).toEqual(referenceSimulateHorizon(p, repo.images, relations, NOW, days));
      }),
      { numRuns: 300 },
    );
  });

  it('a day run does not depend on details being asked for', () => {
    fc.assert(
      fc.property(policyArb, repoArb, (p, repo) => {
        const prepared = prepareImages(preparePolicy(p), repo.images, relationsOf(repo.images, repo.manifests));
        const plain = runDay(prepared, initialState(prepared), NOW);
        const detailed = runDay(prepared, initialState(prepared), NOW, true);
        expect([plain.acted, [...plain.action], [...plain.ruleOf], [...plain.claimedBy], plain.nextThresholdCrossingAt])
          .toEqual([detailed.acted, [...detailed.action], [...detailed.ruleOf], [...detailed.claimedBy], detailed.nextThresholdCrossingAt]);
      }),
      { numRuns: 100 },
    );
  });

  it('one image order serves policy after policy (tag matches reused): the same horizons as preparing each afresh', () => {
    fc.assert(
      fc.property(fc.array(policyArb, { minLength: 2, maxLength: 4 }), repoArb, fc.integer({ min: 0, max: 120 }), (policies, repo, days) => {
        const relations = relationsOf(repo.images, repo.manifests);
        const order = prepareImageOrder(repo.images, relations);
        for (const p of policies) expect(simulateHorizon(p, repo.images, relations, NOW, days, order)).toEqual(simulateHorizon(p, repo.images, relations, NOW, days));
        const selections = new Set(policies.flatMap((p) => p.rules.map((r) => JSON.stringify([r.selection.tagStatus, r.selection.tagPrefixList ?? null, r.selection.tagPatternList ?? null]))));
        expect(order.matchesBySelection.size).toBe(selections.size);
      }),
      { numRuns: 200 },
    );
  });

  it('an order prepared for other images (or other relations) is not used', () => {
    fc.assert(
      fc.property(policyArb, repoArb, repoArb, (p, repo, other) => {
        const relations = relationsOf(repo.images, repo.manifests);
        const foreign = prepareImageOrder(other.images, relationsOf(other.images, other.manifests));
        const sameImagesOtherRelations = prepareImageOrder(repo.images, relationsOf(repo.images, []));
        const fresh = simulateHorizon(p, repo.images, relations, NOW, 30);
        expect(simulateHorizon(p, repo.images, relations, NOW, 30, foreign)).toEqual(fresh);
        expect(simulateHorizon(p, repo.images, relations, NOW, 30, sameImagesOtherRelations)).toEqual(fresh);
        expect(foreign.matchesBySelection.size).toBe(0);
      }),
      { numRuns: 100 },
    );
  });
});
