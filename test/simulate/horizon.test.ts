import { describe, expect, it } from 'vitest';
import type { ImageRecord, ManifestInfo } from '../../src/model/image.js';
import type { LifecyclePolicy } from '../../src/model/policy.js';
import { simulateHorizon } from '../../src/simulate/horizon.js';
import { DAY, NOW, image, indexManifest, policy, relationsOf, rule } from '../support/builders.js';
import { naiveHorizon } from './helpers.js';

// Section 2.9: the policy runs once a day from `now`; each day's actions are applied before the next.

function horizon(p: LifecyclePolicy, images: ImageRecord[], days: number, manifests: ManifestInfo[] = []) {
  const relations = relationsOf(images, manifests);
  const h = simulateHorizon(p, images, relations, NOW, days);
  const naive = naiveHorizon(p, images, relations, NOW, days);
  // Every scenario here also checks that skipping days changes nothing.
  expect(h.timeline).toEqual(naive.timeline);
  expect(h.finalImages).toEqual(naive.finalImages);
  const events = h.timeline.map((t) => `${t.day} ${t.action} ${names.get(t.imageDigest) ?? t.imageDigest}`);
  return { h, events };
}
const names = new Map<string, string>();
function named(name: string, spec: Parameters<typeof image>[0]): ImageRecord {
  const i = image({ name, ...spec });
  names.set(i.imageDigest, name);
  return i;
}

describe('2.9 horizon: daily runs with actions applied', () => {
  it('acts on the first daily run strictly after the threshold is crossed', () => {
    const a = named('a', { pushedDaysAgo: 3 }); // 7 days reached on day 4: exactly 7 x 24 h, not yet
    const b = named('b', { pushedAt: NOW - 3 * DAY - 1 }); // 1 ms older: past on day 4
    const { events, h } = horizon(policy(rule(1, { countType: 'sinceImagePushed', countNumber: 7 })), [a, b], 10);
    expect(events).toEqual(['4 EXPIRE b', '5 EXPIRE a']);
    expect(h.timeline[0]!.at).toBe(NOW + 4 * DAY);
    expect(h.finalImages).toEqual([]);
  });

  it('removes expired images: a count rule does not act again on the survivors', () => {
    const imgs = [5, 4, 3].map((d) => named(`c${d}`, { pushedDaysAgo: d }));
    const { events, h } = horizon(policy(rule(1, { countType: 'imageCountMoreThan', countNumber: 1 })), imgs, 30);
    expect(events).toEqual(['0 EXPIRE c4', '0 EXPIRE c5']);
    expect(h.finalImages.map((i) => names.get(i.imageDigest))).toEqual(['c3']);
  });

  it('archives transitioned images that day (lastArchivedAt = that run) and lets archive rules expire them later', () => {
    const img = named('t', { tags: ['v1'], pushedDaysAgo: 25 });
    const p = policy(
      rule(1, { countType: 'sinceImagePushed', countNumber: 30 }, 'transition'),
      rule(2, { storageClass: 'archive', countType: 'sinceImageTransitioned', countNumber: 30 }), // simulated as 90
    );
    const { events } = horizon(p, [img], 200);
    expect(events).toEqual(['6 TRANSITION t', '97 EXPIRE t']);
    const mid = simulateHorizon(p, [img], relationsOf([img]), NOW, 50).finalImages[0]!;
    expect(mid).toMatchObject({ imageStatus: 'ARCHIVED', lastArchivedAt: NOW + 6 * DAY, imagePushedAt: img.imagePushedAt });
  });

  it('skips days on which provably nothing happens, and evaluates the day after each action', () => {
    const img = named('s', { pushedDaysAgo: 0 });
    const { h } = horizon(policy(rule(1, { countType: 'sinceImagePushed', countNumber: 100 }, 'transition')), [img], 365);
    expect(h.evaluatedDays).toEqual([0, 101, 102]);
    expect(h.first.now).toBe(NOW);
  });

  it('stops at the horizon', () => {
    const img = named('late', { pushedDaysAgo: 0 });
    const { events, h } = horizon(policy(rule(1, { countType: 'sinceImagePushed', countNumber: 100 })), [img], 100);
    expect(events).toEqual([]);
    expect(h.evaluatedDays).toEqual([0]);
    expect(h.finalImages).toEqual([img]);
  });

  it('lists each day newest image first', () => {
    const older = named('older', { tags: ['a'], pushedDaysAgo: 50 });
    const newer = named('newer', { tags: ['b'], pushedDaysAgo: 40 });
    const { events } = horizon(policy(rule(1, { countType: 'sinceImagePushed', countNumber: 30 })), [older, newer], 0);
    expect(events).toEqual(['0 EXPIRE newer', '0 EXPIRE older']);
  });
});

describe('2.6 index children over the horizon: ordinary from the run after the index goes', () => {
  const child = named('child', { pushedDaysAgo: 60 });
  const index = named('index', { tags: ['v1'], pushedDaysAgo: 60 });
  const manifests = [indexManifest(index.imageDigest, [child.imageDigest])];

  it('an expired index frees its children on the next daily run', () => {
    const p = policy(
      rule(1, { tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'sinceImagePushed', countNumber: 70 }),
      rule(2, { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 1 }),
    );
    const { events } = horizon(p, [child, index], 30, manifests);
    expect(events).toEqual(['11 EXPIRE index', '12 EXPIRE child']);
  });

  it('an archived index frees its children on the next daily run', () => {
    const p = policy(rule(1, { countType: 'sinceImagePushed', countNumber: 65 }, 'transition'));
    const { events } = horizon(p, [child, index], 30, manifests);
    expect(events).toEqual(['6 TRANSITION index', '7 TRANSITION child']);
  });
});

describe('2.7 referrers over the horizon', () => {
  it('follow their subject in the same run, and are expired with it once archived', () => {
    const subject = named('subject', { tags: ['v1'], pushedDaysAgo: 20 });
    const sig = named('sig', { pushedDaysAgo: 20, subject: subject.imageDigest });
    const p = policy(
      rule(1, { tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'sinceImagePushed', countNumber: 30 }, 'transition'),
      rule(2, { storageClass: 'archive', tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'sinceImageTransitioned', countNumber: 90 }),
    );
    const { events, h } = horizon(p, [subject, sig], 200);
    expect(events).toEqual(['11 TRANSITION subject', '11 TRANSITION sig', '102 EXPIRE subject', '102 EXPIRE sig']);
    expect(h.timeline.map((t) => t.cause)).toEqual(['rule', 'follows-subject', 'rule', 'follows-subject']);
  });
});
