import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyExtracted, type PolicyExecution } from '../../src/load/cloudtrail-records.js';
import type { ImageRecord } from '../../src/model/image.js';
import type { LifecyclePolicy, LifecycleRule } from '../../src/model/policy.js';
import { simulateHorizon } from '../../src/simulate/horizon.js';
import { DAY_MS } from '../../src/simulate/measures.js';
import { buildRelations } from '../../src/simulate/relations.js';
import { verify, type VerifyInput } from '../../src/verify/verify.js';
import { digestOf } from './support.js';

// Invariants of the comparison over random repositories and policies: records that say exactly what
// the engine predicts always agree, wherever in its day ECR acted; one action removed is one prediction
// not done; one action added on an image the simulation keeps is one difference.

const T0 = Date.parse('2026-11-01T00:00:00Z');
const TAGS = ['v1', 'v2', 'v3', 'dev-1', 'dev-2', 'latest'];

const ruleArb = fc.record({
  tags: fc.constantFrom<'any' | 'untagged' | 'v' | 'dev'>('any', 'untagged', 'v', 'dev'),
  count: fc.boolean(),
  n: fc.integer({ min: 1, max: 40 }),
  transition: fc.boolean(),
});
const scenario = fc.record({
  images: fc.array(fc.record({ tags: fc.uniqueArray(fc.constantFrom(...TAGS), { maxLength: 2 }), pushedHoursAgo: fc.integer({ min: 1, max: 60 * 24 }) }), { minLength: 1, maxLength: 8 }),
  rules: fc.array(ruleArb, { minLength: 1, maxLength: 3 }),
  days: fc.integer({ min: 0, max: 30 }),
  offsets: fc.array(fc.integer({ min: 0, max: 23 * 60 }), { minLength: 40, maxLength: 40 }),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function build(s: Scenario) {
  const images: ImageRecord[] = s.images.map((i, k) => ({ imageDigest: digestOf(`img-${k}`), imageTags: [...i.tags].sort(), imagePushedAt: T0 - i.pushedHoursAgo * 3_600_000, imageStatus: 'ACTIVE' }));
  const rules: LifecycleRule[] = s.rules.map((r, k) => ({
    rulePriority: k + 1,
    selection: {
      tagStatus: r.tags === 'any' || r.tags === 'untagged' ? r.tags : 'tagged',
      ...(r.tags === 'v' || r.tags === 'dev' ? { tagPrefixList: [r.tags] } : {}),
      ...(r.count ? { countType: 'imageCountMoreThan' as const, countNumber: Math.min(r.n, 4) } : { countType: 'sinceImagePushed' as const, countUnit: 'days' as const, countNumber: r.n }),
    },
    action: r.transition ? { type: 'transition', targetStorageClass: 'archive' } : { type: 'expire' },
  }));
  const policy: LifecyclePolicy = { rules };
  const until = T0 + s.days * DAY_MS;
  const h = simulateHorizon(policy, images, buildRelations({ images, manifests: new Map() }), T0, s.days);
  // One execution per simulated day, at a random minute of that day (never past the window's end).
  const byDay = new Map<number, PolicyExecution>();
  for (const t of h.timeline) {
    if (t.at > until) continue;
    const e = byDay.get(t.day) ?? {
      eventId: `e-${t.day}`, eventTime: Math.min(until, t.at + s.offsets[t.day % s.offsets.length]! * 60_000), repositoryName: 'repo', policy: { rules, policyVersion: 1 }, actions: [], failures: 0, source: 'test',
    };
    e.actions.push({ imageDigest: t.imageDigest, imageTags: t.imageTags, rulePriority: t.appliedRulePriority, imagePushedAt: images.find((i) => i.imageDigest === t.imageDigest)!.imagePushedAt });
    byDay.set(t.day, e);
  }
  const executions = [...byDay.values()];
  const input = (list: PolicyExecution[]): VerifyInput => ({
    snapshotAt: T0, until, incomplete: [], inputs: { snapshot: 'snap', events: [], skipped: [], records: list.length, ignoredRecords: 0 },
    events: { ...emptyExtracted(), executions: list },
    repositories: [{ repositoryName: 'repo', state: { repositoryName: 'repo', images, manifests: new Map(), manifestsLoaded: false }, policy, policyStatus: 'present', complete: true }],
  });
  return { images, policy, executions, input, timeline: h.timeline.filter((t) => t.at <= until), finalImages: h.finalImages };
}

describe('verify properties', () => {
  it('records of exactly what the engine predicts agree, whatever the minute ECR acted', () => {
    fc.assert(fc.property(scenario, (s) => {
      const { executions, input, timeline } = build(s);
      const r = verify(input(executions));
      expect(r.summary).toEqual({ repositories: 1, agreed: timeline.length, predictedNotDone: 0, doneNotPredicted: 0, doneExplained: 0, pushedAfterSnapshot: 0 });
      expect(r.complete).toBe(true);
    }), { numRuns: 150 });
  });

  it('one recorded action missing is one prediction not done; one extra action on a kept image is one difference', () => {
    fc.assert(fc.property(scenario, fc.nat(), (s, pick) => {
      const { executions, input, finalImages, images } = build(s);
      const all = executions.flatMap((e) => e.actions.map((a) => ({ e, a })));
      if (all.length > 0) {
        const { e, a } = all[pick % all.length]!;
        const fewer = executions.map((x) => (x === e ? { ...x, actions: x.actions.filter((y) => y !== a) } : x));
        const r = verify(input(fewer));
        expect(r.summary.predictedNotDone).toBe(1);
        expect(r.summary.doneNotPredicted).toBe(0);
        expect(r.repositories[0]!.outcomes.find((o) => o.outcome === 'predicted-not-done')!.imageDigest).toBe(a.imageDigest);
      }
      // An image the simulation keeps to the end, still ACTIVE: ECR expiring it is a difference (no later pushes are known).
      const kept = finalImages.filter((i) => i.imageStatus === 'ACTIVE' && !all.some(({ a }) => a.imageDigest === i.imageDigest));
      if (kept.length > 0) {
        const image = kept[pick % kept.length]!;
        const extra: PolicyExecution = { eventId: 'extra', eventTime: input([]).until, repositoryName: 'repo', policy: { rules: input([]).repositories[0]!.policy!.rules }, actions: [{ imageDigest: image.imageDigest, imageTags: image.imageTags, rulePriority: 1, imagePushedAt: images.find((i) => i.imageDigest === image.imageDigest)!.imagePushedAt }], failures: 0, source: 'test' };
        const r = verify(input([...executions, extra]));
        const action = input([]).repositories[0]!.policy!.rules[0]!.action.type === 'expire' ? 'EXPIRE' : 'TRANSITION';
        expect(r.repositories[0]!.outcomes.filter((o) => o.outcome === 'done-not-predicted').map((o) => [o.imageDigest, o.action])).toEqual([[image.imageDigest, action]]);
        expect(r.summary.doneNotPredicted + r.summary.doneExplained).toBe(1);
      }
    }), { numRuns: 150 });
  });
});
