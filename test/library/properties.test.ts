import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyse, simulate, type ImageRecord, type LifecyclePolicy } from '../../src/index.js';

// Invariants of the library's entry points over random repositories: the caller's order of images is
// not an input, the caller's data is never modified, and simulate and analyse (the CLI's dry-run
// analysis) give the same verdicts, reasons and timeline, since they run the same engine.

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 22);
const TAGS = ['latest', 'v1', 'v2', 'prod-1', 'prod-2', 'dev'];

const images = fc.uniqueArray(
  fc.record({
    n: fc.integer({ min: 1, max: 10_000 }),
    tags: fc.uniqueArray(fc.constantFrom(...TAGS), { maxLength: 3 }),
    age: fc.integer({ min: 0, max: 400 }),
    pulled: fc.option(fc.integer({ min: 0, max: 400 }), { nil: undefined }),
    archived: fc.boolean(),
  }),
  { selector: (r) => r.n, maxLength: 25 },
).map((rs) => {
  // A tag names one image in ECR: later duplicates lose it.
  const seen = new Set<string>();
  return rs.map((r): ImageRecord => {
    const tags = r.tags.filter((t) => !seen.has(t));
    tags.forEach((t) => seen.add(t));
    const pushed = NOW - r.age * DAY - 1000;
    return {
      imageDigest: `sha256:${r.n.toString(16).padStart(64, '0')}`, imageTags: tags, imagePushedAt: pushed,
      ...(r.pulled !== undefined ? { lastRecordedPullTime: Math.max(pushed, NOW - r.pulled * DAY) } : {}),
      imageStatus: r.archived ? 'ARCHIVED' : 'ACTIVE', ...(r.archived ? { lastArchivedAt: pushed } : {}),
    };
  });
});

// At most one rule of each kind, `any` last, as ECR requires (one untagged rule per storage class; a
// rule selecting any tag status has the highest rulePriority).
const kinds = fc.record({
  untagged: fc.option(fc.record({ tagStatus: fc.constant('untagged' as const), countType: fc.constant('imageCountMoreThan' as const), countNumber: fc.integer({ min: 1, max: 5 }) }), { nil: undefined }),
  prod: fc.option(fc.record({ tagStatus: fc.constant('tagged' as const), tagPrefixList: fc.constant<string[]>(['prod']), countType: fc.constant('imageCountMoreThan' as const), countNumber: fc.integer({ min: 1, max: 3 }) }), { nil: undefined }),
  pulled: fc.option(fc.record({ tagStatus: fc.constant('tagged' as const), tagPatternList: fc.constant<string[]>(['v*']), countType: fc.constant('sinceImagePulled' as const), countUnit: fc.constant('days' as const), countNumber: fc.integer({ min: 90, max: 200 }) }), { nil: undefined }),
  any: fc.option(fc.record({ tagStatus: fc.constant('any' as const), countType: fc.constant('sinceImagePushed' as const), countUnit: fc.constant('days' as const), countNumber: fc.integer({ min: 1, max: 60 }) }), { nil: undefined }),
});
const policies = kinds
  .map((k) => [k.untagged, k.prod, k.pulled, k.any].filter((r) => r !== undefined))
  .filter((selections) => selections.length > 0)
  .map((selections): LifecyclePolicy => ({
    // sinceImagePulled goes only with a transition to the archive, as ECR requires.
    rules: selections.map((selection, i) => ({
      rulePriority: i + 1, selection,
      action: selection.countType === 'sinceImagePulled' ? { type: 'transition' as const, targetStorageClass: 'archive' as const } : { type: 'expire' as const },
    })),
  }));

describe('library properties', () => {
  it('simulate ignores the order of the images, leaves them unmodified, and agrees with analyse', () => {
    fc.assert(fc.property(images, policies, fc.integer({ min: 0, max: 90 }), fc.infiniteStream(fc.double()), (list, policy, days, random) => {
      const frozen = JSON.stringify(list);
      const shuffled = [...list].sort(() => random.next().value - 0.5);
      const a = simulate({ policy, images: list, now: NOW, days });
      const b = simulate({ policy, images: shuffled, now: NOW, days });
      expect(b).toEqual(a);
      expect(JSON.stringify(list)).toBe(frozen);
      const repository = analyse({ repositories: [{ repositoryName: 'r', images: shuffled, policy }], now: NOW, days, recentPullDays: 0, all: true }).repositories[0]!;
      expect({ previewResults: repository.previewResults, summary: repository.summary, images: repository.images, timeline: repository.timeline }).toEqual(a);
    }), { numRuns: 150 });
  });
});
