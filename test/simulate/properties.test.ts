import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ImageRecord, ImageStatus, ManifestInfo } from '../../src/model/image.js';
import type { CountType, LifecyclePolicy, LifecycleRule, StorageClass, TagStatus } from '../../src/model/policy.js';
import { evaluatePolicy, type ImageDecision, type RunResult } from '../../src/simulate/evaluate.js';
import { simulateHorizon } from '../../src/simulate/horizon.js';
import { explainImage } from '../../src/simulate/explain.js';
import { compilePattern, compilePrefix } from '../../src/simulate/match.js';
import { DAY, NOW, OCI_INDEX, digest, indexManifest, relationsOf } from '../support/builders.js';
import { naiveHorizon } from './helpers.js';

// Properties of the engine over random valid policies and random repositories (archived and
// ACTIVATING images, indexes, referrers, tied push times, ages on exact day boundaries).

// Small pools so that tags, prefixes and patterns collide often; regex metacharacters included.
const TAGS = ['prod', 'prod-1', 'prod-2', 'beta-1', 'beta-2', 'v1.2', 'v1x2', 'rel+1', '[x]', 'latest', 'Prod-3', 'sha256-ab.sig', 'a', 'ab'];
const PATTERNS = ['prod*', '*-1', 'beta*', 'v1.2', '*', '*.sig', 'rel+*', '[x]', 'p*o*d*', 'latest', '*2', 'a*', '*b*', 'Prod*'];
const PREFIXES = ['prod', 'beta', 'v1', 'sha256-', 'a', 'P', 'rel'];

// ---------- independent oracle for identification (no regex, no code shared with match.ts) ----------

function globMatches(pattern: string, tag: string): boolean {
  // Classic wildcard DP: m[i][j] = pattern[0..i) matches tag[0..j).
  const m: boolean[][] = Array.from({ length: pattern.length + 1 }, () => new Array<boolean>(tag.length + 1).fill(false));
  m[0]![0] = true;
  for (let i = 1; i <= pattern.length; i++) {
    const c = pattern[i - 1]!;
    for (let j = 0; j <= tag.length; j++) {
      m[i]![j] = c === '*' ? m[i - 1]![j]! || (j > 0 && m[i]![j - 1]!) : j > 0 && m[i - 1]![j - 1]! && c === tag[j - 1];
    }
  }
  return m[pattern.length]![tag.length]!;
}

function oracleIdentifies(rule: LifecycleRule, image: ImageRecord): boolean {
  const cls: StorageClass = rule.selection.storageClass ?? 'standard';
  const imageClass = image.imageStatus === 'ACTIVE' ? 'standard' : image.imageStatus === 'ARCHIVED' ? 'archive' : undefined;
  if (cls !== imageClass) return false;
  const s = rule.selection;
  if (s.tagStatus === 'any') return true;
  if (s.tagStatus === 'untagged') return image.imageTags.length === 0;
  if (image.imageTags.length === 0) return false;
  if (s.tagPatternList) return s.tagPatternList.every((p) => image.imageTags.some((t) => globMatches(p, t)));
  return s.tagPrefixList!.every((p) => image.imageTags.some((t) => t.startsWith(p)));
}

function pushTime(i: ImageRecord): number {
  return Math.max(i.imagePushedAt, i.lastActivatedAt ?? -Infinity);
}
function newestFirst(a: ImageRecord, b: ImageRecord): number {
  return pushTime(b) - pushTime(a) || (a.imageDigest < b.imageDigest ? 1 : -1);
}

/** Reference model (6, 7, 8 for exclusions; 1 to 5 for the rest); followers are checked separately. */
function referenceVerdict(p: LifecyclePolicy, repo: Repo, image: ImageRecord): [string, string, number | undefined] {
  const present = new Map(repo.images.map((i) => [i.imageDigest, i]));
  const activeIndexOf = (digestOf: string) =>
    repo.manifests.some((m) => present.has(m.digest) && present.get(m.digest)!.imageStatus !== 'ARCHIVED' && m.digest !== digestOf && m.children.some((c) => c.digest === digestOf));
  const excluded = (i: ImageRecord) => activeIndexOf(i.imageDigest) || i.subjectManifestDigest !== undefined || i.imageStatus === 'ACTIVATING';
  if (activeIndexOf(image.imageDigest)) return ['index-child', 'KEEP', undefined];
  if (image.subjectManifestDigest !== undefined) {
    // Never selected; follows its subject (transitively) when the subject is acted on. Subjects are earlier images: no cycles.
    const subject = present.get(image.subjectManifestDigest);
    if (!subject || image.imageStatus === 'ACTIVATING') return ['referrer', 'KEEP', undefined];
    const [cause, action, priority] = referenceVerdict(p, repo, subject);
    const acts = cause === 'rule' || cause === 'follows-subject';
    if (acts && (action === 'EXPIRE' || image.imageStatus === 'ACTIVE')) return ['follows-subject', action, priority];
    return ['referrer', 'KEEP', undefined];
  }
  if (image.imageStatus === 'ACTIVATING') return ['activating', 'KEEP', undefined];
  const rules = [...p.rules].sort((a, b) => a.rulePriority - b.rulePriority);
  const first = rules.find((x) => oracleIdentifies(x, image));
  if (!first) return ['not-identified', 'KEEP', undefined];
  const s = first.selection;
  let candidate: boolean;
  if (s.countType === 'imageCountMoreThan') {
    const ranked = repo.images.filter((i) => !excluded(i) && oracleIdentifies(first, i)).sort(newestFirst);
    candidate = ranked.indexOf(image) >= s.countNumber;
  } else {
    const since =
      s.countType === 'sinceImagePushed' ? pushTime(image)
      : s.countType === 'sinceImagePulled' ? Math.max(image.imagePushedAt, image.lastRecordedPullTime ?? -Infinity, image.lastActivatedAt ?? -Infinity)
      : image.lastArchivedAt!;
    const days = s.countType === 'sinceImageTransitioned' ? Math.max(90, s.countNumber) : s.countNumber;
    candidate = NOW - since > days * DAY;
  }
  if (!candidate) return ['protected', 'KEEP', first.rulePriority];
  return ['rule', first.action.type === 'expire' ? 'EXPIRE' : 'TRANSITION', first.rulePriority];
}

// ---------- arbitraries ----------

type TagSel = { tagStatus: TagStatus; tagPrefixList?: string[]; tagPatternList?: string[] };
const tagSel: fc.Arbitrary<TagSel> = fc.oneof(
  fc.constant<TagSel>({ tagStatus: 'untagged' }),
  fc.constant<TagSel>({ tagStatus: 'any' }),
  fc.uniqueArray(fc.constantFrom(...PREFIXES), { minLength: 1, maxLength: 2 }).map((l): TagSel => ({ tagStatus: 'tagged', tagPrefixList: l })),
  fc.uniqueArray(fc.constantFrom(...PATTERNS), { minLength: 1, maxLength: 2 }).map((l): TagSel => ({ tagStatus: 'tagged', tagPatternList: l })),
);

type Shape = Omit<LifecycleRule, 'rulePriority'>;
const standardShape: fc.Arbitrary<Shape> = fc
  .tuple(
    tagSel,
    fc.oneof(
      fc.record({ countType: fc.constant<CountType>('imageCountMoreThan'), countNumber: fc.integer({ min: 1, max: 6 }), transition: fc.boolean() }),
      fc.record({ countType: fc.constant<CountType>('sinceImagePushed'), countNumber: fc.integer({ min: 1, max: 120 }), transition: fc.boolean() }),
      fc.record({ countType: fc.constant<CountType>('sinceImagePulled'), countNumber: fc.integer({ min: 1, max: 120 }), transition: fc.constant(true) }),
    ),
  )
  .map(([sel, c]) => ({
    selection: { ...sel, countType: c.countType, ...(c.countType === 'imageCountMoreThan' ? {} : { countUnit: 'days' as const }), countNumber: c.countNumber },
    action: c.transition ? { type: 'transition' as const, targetStorageClass: 'archive' as const } : { type: 'expire' as const },
  }));
const archiveShape: fc.Arbitrary<Shape> = fc.tuple(tagSel, fc.integer({ min: 1, max: 200 })).map(([sel, n]) => ({
  selection: { ...sel, storageClass: 'archive' as const, countType: 'sinceImageTransitioned' as const, countUnit: 'days' as const, countNumber: n },
  action: { type: 'expire' as const },
}));

/** Valid per ECR: unique rulePriority, one untagged and one `any` rule per storage class, `any` last in its class, distinct lists. */
function makePolicy(shapes: Shape[], priorities: number[]): LifecyclePolicy {
  const seen = new Set<string>();
  const kept = shapes.filter((s) => {
    const sel = s.selection;
    const key = `${sel.storageClass ?? 'standard'}|${sel.tagStatus}|${sel.tagPrefixList ? 'p' : 't'}|${[...(sel.tagPrefixList ?? sel.tagPatternList ?? [])].sort().join(',')}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const rules: LifecycleRule[] = kept.map((s, i) => ({ rulePriority: priorities[i]!, ...s }));
  for (const cls of ['standard', 'archive']) {
    const inClass = rules.filter((r) => (r.selection.storageClass ?? 'standard') === cls);
    const anyRule = inClass.find((r) => r.selection.tagStatus === 'any');
    const last = inClass.reduce<LifecycleRule | undefined>((m, r) => (!m || r.rulePriority > m.rulePriority ? r : m), undefined);
    if (anyRule && last && anyRule !== last) [anyRule.rulePriority, last.rulePriority] = [last.rulePriority, anyRule.rulePriority];
  }
  return { rules };
}

const policyArb: fc.Arbitrary<LifecyclePolicy> = fc
  .tuple(
    fc.array(fc.oneof({ arbitrary: standardShape, weight: 3 }, { arbitrary: archiveShape, weight: 1 }), { minLength: 1, maxLength: 5, size: 'max' }),
    fc.uniqueArray(fc.integer({ min: 1, max: 60 }), { minLength: 5, maxLength: 5 }),
  )
  .map(([shapes, priorities]) => makePolicy(shapes, priorities));

/** null most of the time: about one image in `oneIn` gets the value. */
function rarely<T>(arb: fc.Arbitrary<T>, oneIn: number): fc.Arbitrary<T | null> {
  return fc.oneof({ arbitrary: fc.constant(null), weight: oneIn - 1 }, { arbitrary: arb, weight: 1 });
}

const fraction = fc.integer({ min: 0, max: 1000 }).map((n) => n / 1000);
const imageSpec = fc.record({
  id: fc.integer({ min: 0, max: 99_999 }),
  tags: fc.uniqueArray(fc.constantFrom(...TAGS), { maxLength: 3 }),
  pushDay: fc.integer({ min: 0, max: 250 }),
  // Mostly whole days (exact thresholds, tied push times), sometimes 1 ms either side or anywhere in the day.
  pushOffset: fc.oneof(fc.constant(0), fc.constant(0), fc.constant(1), fc.constant(-1), fc.integer({ min: 0, max: DAY - 1 })),
  status: fc.constantFrom<ImageStatus>('ACTIVE', 'ACTIVE', 'ACTIVE', 'ACTIVE', 'ARCHIVED', 'ARCHIVED', 'ACTIVATING'),
  archivedDay: fc.integer({ min: 0, max: 250 }),
  pulled: fc.option(fraction),
  activated: fc.option(fraction),
  subjectPick: rarely(fc.integer({ min: 0, max: 20 }), 5),
  children: rarely(fc.uniqueArray(fc.integer({ min: 0, max: 15 }), { minLength: 1, maxLength: 3 }), 8),
});

interface Repo {
  images: ImageRecord[];
  manifests: ManifestInfo[];
}

const repoArb: fc.Arbitrary<Repo> = fc.uniqueArray(imageSpec, { minLength: 1, maxLength: 16, size: 'max', selector: (s) => s.id }).map((specs) => {
  const used = new Set<string>(); // a tag names one image at a time in a repository
  const images = specs.map((s): ImageRecord => {
    const pushedAt = Math.min(NOW, NOW - s.pushDay * DAY + s.pushOffset);
    const img: ImageRecord = { imageDigest: digest(`d${s.id}`), imageTags: s.tags.filter((t) => !used.has(t)), imagePushedAt: pushedAt, imageStatus: s.status };
    img.imageTags.forEach((t) => used.add(t));
    const archivedAt = Math.max(pushedAt, NOW - Math.min(s.archivedDay, s.pushDay) * DAY);
    if (s.status !== 'ACTIVE') img.lastArchivedAt = archivedAt;
    else if (s.activated !== null) {
      // Restored earlier: archived, then activated some time later.
      img.lastArchivedAt = archivedAt;
      img.lastActivatedAt = Math.round(archivedAt + s.activated * (NOW - archivedAt));
    }
    if (s.pulled !== null) img.lastRecordedPullTime = Math.round(pushedAt + s.pulled * (NOW - pushedAt));
    return img;
  });
  const manifests: ManifestInfo[] = [];
  specs.forEach((s, i) => {
    // Content addressing makes cycles impossible: subjects are earlier images, children later ones.
    if (s.subjectPick !== null) {
      if (s.subjectPick < i) images[i]!.subjectManifestDigest = images[s.subjectPick]!.imageDigest;
      else if (s.subjectPick >= 18) images[i]!.subjectManifestDigest = digest('absent-subject');
    }
    if (s.children !== null) {
      const kids = s.children.filter((j) => j > i && j < images.length).map((j) => images[j]!.imageDigest);
      if (s.children.includes(0)) kids.push(digest('absent-child'));
      manifests.push(indexManifest(images[i]!.imageDigest, kids));
      images[i]!.imageManifestMediaType = OCI_INDEX;
    }
  });
  return { images, manifests };
});

// ---------- helpers ----------

function run(p: LifecyclePolicy, repo: Repo, now = NOW): RunResult {
  return evaluatePolicy(p, repo.images, relationsOf(repo.images, repo.manifests), now);
}
const acted = (r: RunResult, action: 'EXPIRE' | 'TRANSITION') => new Set(r.decisions.filter((d) => d.action === action).map((d) => d.image.imageDigest));
const ELIGIBLE = new Set(['rule', 'protected', 'not-identified']);
const project = (d: ImageDecision) => ({
  digest: d.image.imageDigest, action: d.action, applied: d.appliedRulePriority, protecting: d.protectingRulePriority, cause: d.cause, related: d.relatedDigests,
});

function shuffle<T>(list: readonly T[], seed: number): T[] {
  const out = [...list];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const RUNS = { numRuns: 300 };
const HORIZON_RUNS = { numRuns: 60 };

// ---------- tag matching ----------

describe('tag matching', () => {
  // Few characters so that random patterns often match; regex metacharacters among them.
  const chars = fc.constantFrom('a', 'b', '.', '+', '[', ']', '?', '(', '\\', '$', '^', '|', '{', 'A');
  const tag = fc.string({ unit: chars, maxLength: 8 });
  const pattern = fc.array(fc.oneof({ arbitrary: chars, weight: 4 }, { arbitrary: fc.constant('*'), weight: 1 }), { maxLength: 8 }).map((a) => a.join(''));

  it('a pattern matches exactly the whole tags that the wildcard definition says', () => {
    fc.assert(
      fc.property(pattern, tag, (p, t) => {
        expect(compilePattern(p)(t)).toBe(globMatches(p, t));
      }),
      { numRuns: 2000 },
    );
  });

  it('a pattern made from a tag by replacing a run of it with * matches that tag', () => {
    fc.assert(
      fc.property(tag, fc.nat(), fc.nat(), (t, i, j) => {
        const [a, b] = [i % (t.length + 1), j % (t.length + 1)];
        const [from, to] = [Math.min(a, b), Math.max(a, b)];
        expect(compilePattern(t.slice(0, from) + '*' + t.slice(to))(t)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('a prefix matches the tags that start with it', () => {
    fc.assert(
      fc.property(tag, tag, (p, t) => {
        expect(compilePrefix(p)(t)).toBe(t.startsWith(p));
        expect(compilePrefix(p)(p + t)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

// ---------- properties of one run ----------

describe('properties of one run', () => {
  it('every image gets exactly one decision, hence at most one action', () => {
    fc.assert(
      fc.property(policyArb, repoArb, (p, repo) => {
        const r = run(p, repo);
        expect(r.decisions.map((d) => d.image.imageDigest).sort()).toEqual(repo.images.map((i) => i.imageDigest).sort());
      }),
      RUNS,
    );
  });

  it('an image identified by a higher-priority rule is never acted on by a lower one', () => {
    fc.assert(
      fc.property(policyArb, repoArb, (p, repo) => {
        const r = run(p, repo);
        for (const d of r.decisions) {
          if (d.cause === 'rule') {
            const own = p.rules.find((x) => x.rulePriority === d.appliedRulePriority)!;
            expect(oracleIdentifies(own, d.image)).toBe(true);
            for (const higher of p.rules.filter((x) => x.rulePriority < d.appliedRulePriority!)) expect(oracleIdentifies(higher, d.image)).toBe(false);
          }
          if (d.cause === 'protected') {
            const first = p.rules.filter((x) => oracleIdentifies(x, d.image)).sort((a, b) => a.rulePriority - b.rulePriority)[0];
            expect(d.protectingRulePriority).toBe(first?.rulePriority);
          }
          if (d.cause === 'follows-subject') {
            const subject = r.decisions.find((x) => x.image.imageDigest === d.relatedDigests![0])!;
            expect([subject.action, subject.appliedRulePriority]).toEqual([d.action, d.appliedRulePriority]);
          }
          if (d.cause === 'not-identified') expect(p.rules.some((x) => oracleIdentifies(x, d.image))).toBe(false);
        }
      }),
      RUNS,
    );
  });

  it('imageCountMoreThan n leaves at least n of the images it identified (the n newest) untouched by itself', () => {
    fc.assert(
      fc.property(policyArb, repoArb, (p, repo) => {
        const r = run(p, repo);
        for (const rule of p.rules.filter((x) => x.selection.countType === 'imageCountMoreThan')) {
          const n = rule.selection.countNumber;
          const identified = r.decisions.filter((d) => ELIGIBLE.has(d.cause) && oracleIdentifies(rule, d.image)).sort((a, b) => newestFirst(a.image, b.image));
          const byThisRule = (d: ImageDecision) => d.cause === 'rule' && d.appliedRulePriority === rule.rulePriority;
          expect(identified.filter((d) => !byThisRule(d)).length).toBeGreaterThanOrEqual(Math.min(n, identified.length));
          expect(identified.slice(0, n).some(byThisRule)).toBe(false);
        }
      }),
      RUNS,
    );
  });

  it('raising the countNumber of any rule never expires (or archives) more images', () => {
    fc.assert(
      fc.property(policyArb, repoArb, fc.nat(), fc.integer({ min: 1, max: 100 }), (p, repo, which, raise) => {
        fc.pre(p.rules.length > 0);
        const k = which % p.rules.length;
        const raised: LifecyclePolicy = { rules: p.rules.map((x, i) => (i === k ? { ...x, selection: { ...x.selection, countNumber: x.selection.countNumber + raise } } : x)) };
        const before = run(p, repo);
        const after = run(raised, repo);
        for (const action of ['EXPIRE', 'TRANSITION'] as const) {
          const b = acted(before, action);
          for (const d of acted(after, action)) expect(b.has(d)).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('does not depend on the order of images or rules in the input', () => {
    fc.assert(
      fc.property(policyArb, repoArb, fc.integer(), fc.integer(), (p, repo, s1, s2) => {
        const a = run(p, repo);
        const b = run({ rules: shuffle(p.rules, s1) }, { images: shuffle(repo.images, s2), manifests: shuffle(repo.manifests, s1 ^ s2) });
        expect(b.decisions.map(project)).toEqual(a.decisions.map(project));
        expect(b.nextThresholdCrossingAt).toBe(a.nextThresholdCrossingAt);
      }),
      RUNS,
    );
  });
  it('agrees with a reference model written from section 2 of the semantics', () => {
    fc.assert(
      fc.property(policyArb, repoArb, (p, repo) => {
        const r = run(p, repo);
        expect(r.decisions.map((d) => [d.image.imageDigest, d.cause, d.action, d.appliedRulePriority ?? d.protectingRulePriority])).toEqual(
          r.decisions.map((d) => [d.image.imageDigest, ...referenceVerdict(p, repo, d.image)]),
        );
      }),
      RUNS,
    );
  });
});

// ---------- properties of the horizon ----------

describe('explanations', () => {
  it('the trace ranks each image among the same images as the engine: the deciding count rule shows the verdict\'s rank', () => {
    fc.assert(
      fc.property(policyArb, repoArb, (p, repo) => {
        const relations = relationsOf(repo.images, repo.manifests);
        for (const d of run(p, repo).decisions) {
          if (d.cause !== 'rule' && d.cause !== 'protected') continue;
          const m = /rank (\d+) of (\d+)/.exec(d.reason);
          if (!m) continue;
          const deciding = d.appliedRulePriority ?? d.protectingRulePriority;
          const step = explainImage(p, repo.images, relations, NOW, d.image.imageDigest)!.steps.find((x) => x.rulePriority === deciding)!;
          expect(step.rank, d.reason).toMatchObject({ rank: Number(m[1]), of: Number(m[2]) });
        }
      }),
      RUNS,
    );
  });
});

describe('properties of the horizon', () => {
  const days = fc.integer({ min: 0, max: 400 });

  it('is monotonic: a removed image never reappears, and no image gets the same action twice', () => {
    fc.assert(
      fc.property(policyArb, repoArb, days, (p, repo, d) => {
        const h = simulateHorizon(p, repo.images, relationsOf(repo.images, repo.manifests), NOW, d);
        const expiredOn = new Map<string, number>();
        const transitionedOn = new Map<string, number>();
        let lastDay = 0;
        for (const t of h.timeline) {
          expect(t.day).toBeGreaterThanOrEqual(lastDay);
          expect(t.day).toBeLessThanOrEqual(d);
          lastDay = t.day;
          expect(expiredOn.has(t.imageDigest)).toBe(false); // nothing happens to an image after it is gone
          const seen = t.action === 'EXPIRE' ? expiredOn : transitionedOn;
          expect(seen.has(t.imageDigest)).toBe(false);
          seen.set(t.imageDigest, t.day);
          if (t.action === 'TRANSITION') expect(repo.images.find((i) => i.imageDigest === t.imageDigest)!.imageStatus).toBe('ACTIVE');
        }
        const final = new Map(h.finalImages.map((i) => [i.imageDigest, i]));
        for (const digestGone of expiredOn.keys()) expect(final.has(digestGone)).toBe(false);
        for (const [dg, day] of transitionedOn) {
          if (!expiredOn.has(dg)) expect(final.get(dg)).toMatchObject({ imageStatus: 'ARCHIVED', lastArchivedAt: NOW + day * DAY });
        }
        expect(h.finalImages.length).toBe(repo.images.length - expiredOn.size);
      }),
      HORIZON_RUNS,
    );
  });

  it('skipping days gives exactly the timeline of evaluating every day', () => {
    fc.assert(
      fc.property(policyArb, repoArb, days, (p, repo, d) => {
        const relations = relationsOf(repo.images, repo.manifests);
        const h = simulateHorizon(p, repo.images, relations, NOW, d);
        const naive = naiveHorizon(p, repo.images, relations, NOW, d);
        expect(h.timeline).toEqual(naive.timeline);
        expect(h.finalImages).toEqual(naive.finalImages);
        expect(h.evaluatedDays[0]).toBe(0);
      }),
      HORIZON_RUNS,
    );
  });
});
