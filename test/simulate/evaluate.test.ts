import { describe, expect, it } from 'vitest';
import { ARCHIVE_MINIMUM_DAYS, DAY_MS } from '../../src/simulate/evaluate.js';
import { DAY, NOW, digest, image, indexManifest, OCI_MANIFEST, policy, relationsOf, rule } from '../support/builders.js';
import { decide } from './helpers.js';

// One describe per point of section 2 of the semantics reference (shared/docs/ecr-lifecycle-semantics.md; summarised in the README, "Semantics and assumptions"). AWS sentences quoted
// come from the ECR User Guide page LifecyclePolicies ("Lifecycle policy evaluation rules") unless said.

const countAny = (p: number, n: number, action: 'expire' | 'transition' = 'expire') => rule(p, { countType: 'imageCountMoreThan', countNumber: n }, action);

describe('2.1 identification: tag status and storage class', () => {
  const untagged = image({ name: 'u', pushedDaysAgo: 30 });
  const tagged = image({ name: 't', tags: ['prod-1'], pushedDaysAgo: 30 });

  it('untagged selects only images without tags, any selects every image', () => {
    const old = (p: number, tagStatus: 'untagged' | 'any') => policy(rule(p, { tagStatus, countType: 'sinceImagePushed', countNumber: 1 }));
    expect(decide(old(1, 'untagged'), [untagged, tagged]).verdicts(untagged, tagged)).toEqual(['EXPIRE', 'KEEP']);
    expect(decide(old(1, 'any'), [untagged, tagged]).verdicts(untagged, tagged)).toEqual(['EXPIRE', 'EXPIRE']);
  });

  it('tagged never selects an untagged image', () => {
    const p = policy(rule(1, { tagStatus: 'tagged', tagPatternList: ['*'], countType: 'sinceImagePushed', countNumber: 1 }));
    expect(decide(p, [untagged, tagged]).verdicts(untagged, tagged)).toEqual(['KEEP', 'EXPIRE']);
  });
});

describe('2.1 AND across list entries', () => {
  // "An image is successfully matched if all of the tags in the tagPatternList or tagPrefixList value are matched against any of the image's tags."
  const sel = (list: { tagPrefixList?: string[]; tagPatternList?: string[] }) => policy(rule(1, { tagStatus: 'tagged', ...list, countType: 'sinceImagePushed', countNumber: 1 }));

  it('needs every entry to match some tag', () => {
    const both = image({ name: 'both', tags: ['alpha-1', 'beta-1'], pushedDaysAgo: 5 });
    const one = image({ name: 'one', tags: ['alpha-2'], pushedDaysAgo: 5 });
    for (const list of [{ tagPrefixList: ['alpha', 'beta'] }, { tagPatternList: ['alpha*', 'beta*'] }]) {
      expect(decide(sel(list), [both, one]).verdicts(both, one)).toEqual(['EXPIRE', 'KEEP']);
    }
  });

  it('lets one tag satisfy several entries', () => {
    const single = image({ name: 's', tags: ['prod-1'], pushedDaysAgo: 5 });
    expect(decide(sel({ tagPatternList: ['prod*', '*-1'] }), [single]).verdicts(single)).toEqual(['EXPIRE']);
    expect(decide(sel({ tagPrefixList: ['pr', 'prod'] }), [single]).verdicts(single)).toEqual(['EXPIRE']);
  });

  it('never lets extra tags prevent a match', () => {
    const extra = image({ name: 'x', tags: ['latest', 'prod-1', 'zzz', 'gamma'], pushedDaysAgo: 5 });
    expect(decide(sel({ tagPatternList: ['prod*'] }), [extra]).verdicts(extra)).toEqual(['EXPIRE']);
    expect(decide(sel({ tagPrefixList: ['prod'] }), [extra]).verdicts(extra)).toEqual(['EXPIRE']);
  });
});

describe('2.1 tag prefixes and whole-tag wildcard patterns', () => {
  const matches = (entry: { tagPrefixList?: string[]; tagPatternList?: string[] }, tag: string): boolean => {
    const img = image({ name: `m-${tag}`, tags: [tag], pushedDaysAgo: 5 });
    return decide(policy(rule(1, { tagStatus: 'tagged', ...entry, countType: 'sinceImagePushed', countNumber: 1 })), [img]).of(img).action === 'EXPIRE';
  };
  const pattern = (p: string, tag: string) => matches({ tagPatternList: [p] }, tag);

  it('prefix entries match tags that start with them', () => {
    expect(matches({ tagPrefixList: ['prod'] }, 'production')).toBe(true);
    expect(matches({ tagPrefixList: ['prod'] }, 'prod')).toBe(true);
    expect(matches({ tagPrefixList: ['prod'] }, 'preprod')).toBe(false);
    expect(matches({ tagPrefixList: ['v1.'] }, 'v1x2')).toBe(false); // literal, not a regex
  });

  it('prod* and *prod* behave as the AWS page says', () => {
    // "prod* ... would match image-tags whose name begins with prod such as prod, prod1, or production-team1"
    for (const t of ['prod', 'prod1', 'production-team1']) expect(pattern('prod*', t)).toBe(true);
    expect(pattern('prod*', 'repo-production')).toBe(false);
    // "*prod* ... would match image-tags whose name contains prod such as repo-production or prod-team"
    for (const t of ['repo-production', 'prod-team']) expect(pattern('*prod*', t)).toBe(true);
    expect(pattern('*prod*', 'pro-d')).toBe(false);
  });

  it('matches the whole tag, * anywhere, * matching the empty string', () => {
    expect(pattern('prod', 'prod')).toBe(true);
    expect(pattern('prod', 'prod1')).toBe(false); // no wildcard: exact
    expect(pattern('*-rc', 'v1-rc')).toBe(true);
    expect(pattern('*-rc', 'v1-rc2')).toBe(false); // anchored at the end
    expect(pattern('v*-rc', 'v-rc')).toBe(true); // * matches nothing
    expect(pattern('a*b*c', 'abc')).toBe(true);
    expect(pattern('a*b*c', 'a-c-b')).toBe(false);
  });

  it('treats regex characters literally', () => {
    expect(pattern('v1.2*', 'v1.2.3')).toBe(true);
    expect(pattern('v1.2*', 'v1x2.3')).toBe(false); // . is not "any character"
    expect(pattern('release+1', 'release+1')).toBe(true);
    expect(pattern('release+1', 'releaseee1')).toBe(false); // + is not "one or more"
    expect(pattern('[abc]*', '[abc]-1')).toBe(true);
    expect(pattern('[abc]*', 'a-1')).toBe(false); // [ ] is not a class
    expect(pattern('a?b', 'ab')).toBe(false);
    expect(pattern('(x|y)$^\\{2}', '(x|y)$^\\{2}')).toBe(true);
  });

  it('is case-sensitive', () => {
    expect(pattern('prod*', 'Prod-1')).toBe(false);
    expect(pattern('PROD', 'prod')).toBe(false);
    expect(matches({ tagPrefixList: ['Prod'] }, 'prod-1')).toBe(false);
  });

  it('handles the four wildcards ECR allows ("*test*1*2*3" and "test*1*2*3*" are valid)', () => {
    expect(pattern('*test*1*2*3', 'my-test-1-2-3')).toBe(true);
    expect(pattern('*test*1*2*3', 'test123')).toBe(true);
    expect(pattern('*test*1*2*3', 'my-test-1-2-3-4')).toBe(false);
    expect(pattern('test*1*2*3*', 'test-1-2-3-final')).toBe(true);
    expect(pattern('test*1*2*3*', 'test-3-2-1')).toBe(false);
  });
});

describe('2.2 protection by priority, even when the higher rule keeps the image', () => {
  // "An image that matches the tagging requirements of a rule cannot be expired or archived by a rule with a lower priority."
  it('a count rule that keeps an image protects it from every lower rule', () => {
    const keep = image({ name: 'keep', tags: ['prod-1'], pushedDaysAgo: 100 });
    const p = policy(
      rule(1, { tagStatus: 'tagged', tagPatternList: ['prod*'], countType: 'imageCountMoreThan', countNumber: 10 }),
      rule(2, { tagStatus: 'any', countType: 'sinceImagePushed', countNumber: 1 }),
    );
    const { of } = decide(p, [keep]);
    expect(of(keep)).toMatchObject({ action: 'KEEP', cause: 'protected', protectingRulePriority: 1 });
  });

  it('an age rule protects images it does not act on yet, across action types', () => {
    const young = image({ name: 'young', tags: ['v1'], pushedDaysAgo: 10 });
    const newer = image({ name: 'newer', tags: ['x'], pushedDaysAgo: 1 });
    // Rule 9 ranks newer, young: young is past its count, but rule 5 (not acting for 20 more days) identified it.
    const p = policy(countAny(9, 1), rule(5, { tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'sinceImagePushed', countNumber: 30 }, 'transition'));
    const { of } = decide(p, [young, newer]);
    expect(of(young)).toMatchObject({ action: 'KEEP', cause: 'protected', protectingRulePriority: 5 });
    expect(of(newer)).toMatchObject({ action: 'KEEP', protectingRulePriority: 9 });
  });

  it('rule priority order is by number, not by position in the policy', () => {
    const a = image({ name: 'a', tags: ['beta-1', 'prod-1'], pushedDaysAgo: 10 });
    const b = image({ name: 'b', tags: ['beta-2', 'prod-2'], pushedDaysAgo: 9 });
    const c = image({ name: 'c', tags: ['beta-3'], pushedDaysAgo: 8 });
    const beta = rule(1, { tagStatus: 'tagged', tagPrefixList: ['beta'], countType: 'imageCountMoreThan', countNumber: 1 });
    const prod = rule(2, { tagStatus: 'tagged', tagPrefixList: ['prod'], countType: 'imageCountMoreThan', countNumber: 1 });
    expect(decide(policy(prod, beta), [c, a, b]).verdicts(a, b, c)).toEqual(['EXPIRE', 'EXPIRE', 'KEEP']); // Example B
  });

  it('the action comes from the highest-priority rule among those that would act', () => {
    const old = image({ name: 'old', tags: ['v1'], pushedDaysAgo: 100 });
    const p = policy(rule(1, { countType: 'sinceImagePushed', countNumber: 50 }, 'transition'), rule(2, { storageClass: 'standard', tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'sinceImagePushed', countNumber: 1 }));
    expect(decide(p, [old]).of(old)).toMatchObject({ action: 'TRANSITION', appliedRulePriority: 1, cause: 'rule' });
  });
});

describe('2.3 imageCountMoreThan counts images claimed by higher rules', () => {
  // "Rules can never mark images that are marked by higher priority rules, but can still identify them as if they haven't been expired or archived."
  it('ranks images that a higher rule identified (kept) or acted on', () => {
    const p1 = image({ name: 'p1', tags: ['prod-1', 'beta-1'], pushedDaysAgo: 1 });
    const p2 = image({ name: 'p2', tags: ['prod-2', 'beta-2'], pushedDaysAgo: 2 });
    const b3 = image({ name: 'b3', tags: ['beta-3'], pushedDaysAgo: 3 });
    const p = policy(
      rule(1, { tagStatus: 'tagged', tagPrefixList: ['prod'], countType: 'imageCountMoreThan', countNumber: 1 }),
      rule(2, { tagStatus: 'tagged', tagPrefixList: ['beta'], countType: 'imageCountMoreThan', countNumber: 2 }),
    );
    // Rule 2 sees p1, p2, b3: b3 is third, past the 2 it keeps, even though rule 1 claimed p1 (kept) and p2 (expired).
    const { of } = decide(p, [p1, p2, b3]);
    expect([of(p1).action, of(p2).action, of(b3).action]).toEqual(['KEEP', 'EXPIRE', 'EXPIRE']);
    expect(of(p2).appliedRulePriority).toBe(1);
    expect(of(b3).appliedRulePriority).toBe(2);
  });

  it('keeps the n newest and marks the rest, oldest included', () => {
    const imgs = [5, 4, 3, 2, 1].map((d) => image({ name: `n${d}`, pushedDaysAgo: d }));
    expect(decide(policy(countAny(1, 2)), imgs).verdicts(...imgs)).toEqual(['EXPIRE', 'EXPIRE', 'EXPIRE', 'KEEP', 'KEEP']);
  });

  it('does not act when there are n images or fewer', () => {
    const imgs = [2, 1].map((d) => image({ name: `f${d}`, pushedDaysAgo: d }));
    expect(decide(policy(countAny(1, 2)), imgs).verdicts(...imgs)).toEqual(['KEEP', 'KEEP']);
  });
});

describe('2.3 strict day arithmetic: exactly n x 24 h is not yet past n days', () => {
  const at = (ms: number) => NOW - ms;
  it('sinceImagePushed', () => {
    const exact = image({ name: 'exact', pushedAt: at(7 * DAY) });
    const later = image({ name: 'later', pushedAt: at(7 * DAY + 1) });
    const before = image({ name: 'before', pushedAt: at(7 * DAY - 1) });
    const p = policy(rule(1, { countType: 'sinceImagePushed', countNumber: 7 }));
    expect(decide(p, [exact, later, before]).verdicts(exact, later, before)).toEqual(['KEEP', 'EXPIRE', 'KEEP']);
  });

  it('sinceImagePulled', () => {
    const exact = image({ name: 'exact', pushedDaysAgo: 100, pulledDaysAgo: 30 });
    const later = image({ name: 'later', pushedDaysAgo: 100, pulledDaysAgo: 30 + 1 / DAY });
    const p = policy(rule(1, { countType: 'sinceImagePulled', countNumber: 30 }, 'transition'));
    expect(decide(p, [exact, later]).verdicts(exact, later)).toEqual(['KEEP', 'TRANSITION']);
  });

  it('sinceImageTransitioned', () => {
    const exact = image({ name: 'exact', pushedDaysAgo: 400, archivedDaysAgo: 120 });
    const later = image({ name: 'later', pushedDaysAgo: 400, archivedDaysAgo: 120 + 1 / DAY });
    const p = policy(rule(1, { storageClass: 'archive', countType: 'sinceImageTransitioned', countNumber: 120 }));
    expect(decide(p, [exact, later]).verdicts(exact, later)).toEqual(['KEEP', 'EXPIRE']);
  });

  it('reports the exact crossing time of the next threshold', () => {
    const img = image({ name: 'i', pushedAt: NOW - 3 * DAY });
    const { run } = decide(policy(rule(1, { countType: 'sinceImagePushed', countNumber: 7 })), [img]);
    expect(run.nextThresholdCrossingAt).toBe(NOW + 4 * DAY);
    expect(DAY_MS).toBe(DAY);
  });
});

describe('2.1 storage classes: standard rules see ACTIVE images, archive rules ARCHIVED ones', () => {
  const active = image({ name: 'active', pushedDaysAgo: 500 });
  const archived = image({ name: 'archived', pushedDaysAgo: 500, archivedDaysAgo: 400 });
  const activating = image({ name: 'activating', pushedDaysAgo: 500, status: 'ACTIVATING', archivedDaysAgo: 400 });
  const all = [active, archived, activating];

  it('a standard rule (storageClass omitted) never selects archived images', () => {
    // "If you omit this, the value of standard will be used." (lifecycle_policy_parameters)
    const { of } = decide(policy(rule(1, { countType: 'sinceImagePushed', countNumber: 1 })), all);
    expect([of(active).action, of(archived).action, of(activating).action]).toEqual(['EXPIRE', 'KEEP', 'KEEP']);
    expect(of(archived).cause).toBe('not-identified');
  });

  it('an archive rule selects only archived images', () => {
    const { of } = decide(policy(rule(1, { storageClass: 'archive', countType: 'sinceImageTransitioned', countNumber: 90 })), all);
    expect([of(active).action, of(archived).action, of(activating).action]).toEqual(['KEEP', 'EXPIRE', 'KEEP']);
  });

  it('a standard rule does not protect archived images from an archive rule, and vice versa', () => {
    const p = policy(
      rule(1, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 100 }),
      rule(2, { storageClass: 'archive', tagStatus: 'any', countType: 'sinceImageTransitioned', countNumber: 90 }),
    );
    expect(decide(p, all).of(archived)).toMatchObject({ action: 'EXPIRE', appliedRulePriority: 2 });
  });

  it('untagged rules, one per storage class, each act within their class', () => {
    const u1 = image({ name: 'u-active', pushedDaysAgo: 50 });
    const u2 = image({ name: 'u-archived', pushedDaysAgo: 500, archivedDaysAgo: 200 });
    const p = policy(
      rule(1, { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 10 }, 'transition'),
      rule(2, { tagStatus: 'untagged', storageClass: 'archive', countType: 'sinceImageTransitioned', countNumber: 100 }),
    );
    const { of } = decide(p, [u1, u2]);
    expect([of(u1).action, of(u1).appliedRulePriority, of(u2).action, of(u2).appliedRulePriority]).toEqual(['TRANSITION', 1, 'EXPIRE', 2]);
  });
});

describe('2.4 transition', () => {
  it('archives candidates of a transition rule, by age or by count', () => {
    const old = image({ name: 'old', tags: ['a'], pushedDaysAgo: 40 });
    const mid = image({ name: 'mid', tags: ['b'], pushedDaysAgo: 20 });
    const young = image({ name: 'young', tags: ['c'], pushedDaysAgo: 1 });
    expect(decide(policy(rule(1, { countType: 'sinceImagePushed', countNumber: 30 }, 'transition')), [old, mid, young]).verdicts(old, mid, young)).toEqual(['TRANSITION', 'KEEP', 'KEEP']);
    expect(decide(policy(countAny(1, 1, 'transition')), [old, mid, young]).verdicts(old, mid, young)).toEqual(['TRANSITION', 'TRANSITION', 'KEEP']);
  });
});

describe('2.3 sinceImageTransitioned: 90-day archive minimum', () => {
  // archive-image: "You cannot configure lifecycle policies that delete images that have been in archive for less than 90 days."
  const imgs = [31, 89, 90, 91].map((d) => image({ name: `a${d}`, pushedDaysAgo: 400, archivedDaysAgo: d }));
  const exactlyPlus = image({ name: 'a90+1ms', pushedDaysAgo: 400, archivedDaysAgo: 90 + 1 / DAY });
  const withCount = (n: number) => policy(rule(1, { storageClass: 'archive', countType: 'sinceImageTransitioned', countNumber: n }));

  it('countNumber 30 behaves as 90 (project choice: simulated at the minimum)', () => {
    const all = [...imgs, exactlyPlus];
    expect(ARCHIVE_MINIMUM_DAYS).toBe(90);
    expect(decide(withCount(30), all).verdicts(...all)).toEqual(['KEEP', 'KEEP', 'KEEP', 'EXPIRE', 'EXPIRE']);
    expect(decide(withCount(30), all).verdicts(...all)).toEqual(decide(withCount(90), all).verdicts(...all));
  });

  it('a countNumber above 90 is used as given', () => {
    const at150 = image({ name: 'a150', pushedDaysAgo: 400, archivedDaysAgo: 150 });
    const at121 = image({ name: 'a121', pushedDaysAgo: 400, archivedDaysAgo: 121 });
    expect(decide(withCount(120), [...imgs, at121, at150]).verdicts(imgs[3]!, at121, at150)).toEqual(['KEEP', 'EXPIRE', 'EXPIRE']);
  });
});

describe('2.3 sinceImagePulled fallbacks', () => {
  const p = policy(rule(1, { countType: 'sinceImagePulled', countNumber: 30 }, 'transition'));

  it('uses the last pull time, however old the push', () => {
    const pulled = image({ name: 'pulled', pushedDaysAgo: 300, pulledDaysAgo: 10 });
    const stale = image({ name: 'stale', pushedDaysAgo: 300, pulledDaysAgo: 31 });
    expect(decide(p, [pulled, stale]).verdicts(pulled, stale)).toEqual(['KEEP', 'TRANSITION']);
  });

  it('never pulled: uses the push time', () => {
    // "If an image was never pulled, the image's pushed_at_time is used instead of the last_recorded_pulltime."
    const oldPush = image({ name: 'old', pushedDaysAgo: 31 });
    const newPush = image({ name: 'new', pushedDaysAgo: 29 });
    expect(decide(p, [oldPush, newPush]).verdicts(oldPush, newPush)).toEqual(['TRANSITION', 'KEEP']);
  });

  it('restored and not pulled since: uses lastActivatedAt', () => {
    // "... archived and then restored ..., but never pulled since the image was restored, the image's last_activated_at is used"
    const restored = image({ name: 'restored', pushedDaysAgo: 300, pulledDaysAgo: 200, activatedDaysAgo: 5 });
    const restoredLongAgo = image({ name: 'restored-long-ago', pushedDaysAgo: 300, pulledDaysAgo: 200, activatedDaysAgo: 40 });
    expect(decide(p, [restored, restoredLongAgo]).verdicts(restored, restoredLongAgo)).toEqual(['KEEP', 'TRANSITION']);
  });

  it('restored, then pulled: uses the pull', () => {
    const pulledAfter = image({ name: 'pa', pushedDaysAgo: 300, activatedDaysAgo: 100, pulledDaysAgo: 20 });
    const pulledAfterLong = image({ name: 'pal', pushedDaysAgo: 300, activatedDaysAgo: 100, pulledDaysAgo: 50 });
    expect(decide(p, [pulledAfter, pulledAfterLong]).verdicts(pulledAfter, pulledAfterLong)).toEqual(['KEEP', 'TRANSITION']);
  });
});

describe('2.5 restored images: lastActivatedAt is their push time', () => {
  // "If an image was archived and then restored at any point in the past, the image's last_activated_at is used instead of pushed_at_time."
  it('orders a restored image by its restore time in count rules', () => {
    const restored = image({ name: 'restored', pushedDaysAgo: 300, activatedDaysAgo: 1 });
    const middle = image({ name: 'middle', pushedDaysAgo: 10 });
    expect(decide(policy(countAny(1, 1)), [restored, middle]).verdicts(restored, middle)).toEqual(['KEEP', 'EXPIRE']);
  });

  it('measures sinceImagePushed from the restore', () => {
    const restored = image({ name: 'restored', pushedDaysAgo: 300, activatedDaysAgo: 5 });
    expect(decide(policy(rule(1, { countType: 'sinceImagePushed', countNumber: 30 })), [restored]).verdicts(restored)).toEqual(['KEEP']);
  });

  it('ignores a lastActivatedAt earlier than the push (a later re-push)', () => {
    const repushed = image({ name: 'repushed', pushedDaysAgo: 40, activatedDaysAgo: 100 });
    expect(decide(policy(rule(1, { countType: 'sinceImagePushed', countNumber: 30 })), [repushed]).verdicts(repushed)).toEqual(['EXPIRE']);
  });
});

describe('2.5 ties: equal push times, the larger digest counts as newer', () => {
  it('keeps the larger digest whatever the input order', () => {
    const small = image({ name: 'aaa', pushedDaysAgo: 3 });
    const large = image({ name: 'bbb', pushedDaysAgo: 3 });
    expect(small.imageDigest < large.imageDigest).toBe(true);
    for (const order of [[small, large], [large, small]]) {
      expect(decide(policy(countAny(1, 1)), order).verdicts(small, large)).toEqual(['EXPIRE', 'KEEP']);
    }
  });

  it('lists decisions newest first, ties by larger digest first', () => {
    const a = image({ name: 'a', pushedDaysAgo: 3 });
    const b = image({ name: 'b', pushedDaysAgo: 3 });
    const c = image({ name: 'c', pushedDaysAgo: 1 });
    expect(decide(policy(countAny(1, 5)), [a, b, c]).run.decisions.map((d) => d.image.imageDigest)).toEqual([c, b, a].map((i) => i.imageDigest));
  });
});

describe('2.6 image index children', () => {
  // "If an image is referenced by a manifest list, it cannot be expired or archived without the manifest list being deleted or archived first."
  const child = image({ name: 'child-amd64', pushedDaysAgo: 50 });
  const child2 = image({ name: 'child-arm64', pushedDaysAgo: 50 });
  const index = image({ name: 'index', tags: ['v1'], pushedDaysAgo: 50 });
  const other = image({ name: 'other', pushedDaysAgo: 40 });
  const manifests = [indexManifest(index.imageDigest, [child.imageDigest, child2.imageDigest])];
  const untaggedOld = policy(rule(1, { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 1 }));

  it('are neither identified nor acted on while their index is present and ACTIVE', () => {
    const { of } = decide(untaggedOld, [child, child2, index, other], { manifests });
    expect(of(child)).toMatchObject({ action: 'KEEP', cause: 'index-child', relatedDigests: [index.imageDigest] });
    expect(of(child2).action).toBe('KEEP');
    expect(of(other).action).toBe('EXPIRE');
  });

  it('are not counted by count rules', () => {
    const older = image({ name: 'older', pushedDaysAgo: 60 });
    // any, keep 2: the index and `other` are the two newest countable images; the children would otherwise push `other` out.
    const { of } = decide(policy(countAny(1, 2)), [child, child2, index, other, older], { manifests });
    expect([of(index).action, of(other).action, of(older).action]).toEqual(['KEEP', 'KEEP', 'EXPIRE']);
  });

  it('are ordinary images when the index is archived or absent', () => {
    const archivedIndex = { ...index, imageStatus: 'ARCHIVED' as const, lastArchivedAt: NOW - DAY };
    expect(decide(untaggedOld, [child, archivedIndex], { manifests }).of(child).action).toBe('EXPIRE');
    expect(decide(untaggedOld, [child], { manifests }).of(child).action).toBe('EXPIRE');
  });

  it('stay protected while the index is ACTIVATING (present and not archived)', () => {
    const activatingIndex = { ...index, imageStatus: 'ACTIVATING' as const, lastArchivedAt: NOW - DAY };
    expect(decide(untaggedOld, [child, activatingIndex], { manifests }).of(child)).toMatchObject({ action: 'KEEP', cause: 'index-child' });
  });

  it('an index whose manifest was not supplied protects nothing (children unknown) and is listed as such', () => {
    const typed = { ...index, imageManifestMediaType: 'application/vnd.oci.image.index.v1+json' };
    expect(decide(untaggedOld, [child, typed]).of(child).action).toBe('EXPIRE');
    expect(relationsOf([child, typed]).indexesWithoutManifest).toEqual([typed.imageDigest]);
  });
});

describe('2.7 referrers follow their subject', () => {
  const subject = image({ name: 'subject', tags: ['v1'], pushedDaysAgo: 40 });
  const sig = image({ name: 'sig', pushedDaysAgo: 40, subject: subject.imageDigest, mediaType: OCI_MANIFEST });
  const sbom = image({ name: 'sbom-of-sig', pushedDaysAgo: 40, subject: sig.imageDigest });
  const expireV = (n = 30) => policy(rule(1, { tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'sinceImagePushed', countNumber: n }));
  const anyOld = policy(rule(1, { countType: 'sinceImagePushed', countNumber: 1 }));

  it('are never selected by rules while the subject stays', () => {
    const { of } = decide(policy(rule(1, { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 1 })), [subject, sig]);
    expect(of(sig)).toMatchObject({ action: 'KEEP', cause: 'referrer', relatedDigests: [subject.imageDigest] });
  });

  it('are expired with their subject, transitively', () => {
    // "... lifecycle policies automatically expire or archive those artifacts within 24 hours of the deletion or archival of the subject image."
    const { of } = decide(expireV(), [subject, sig, sbom]);
    expect(of(subject)).toMatchObject({ action: 'EXPIRE', cause: 'rule' });
    expect(of(sig)).toMatchObject({ action: 'EXPIRE', cause: 'follows-subject', appliedRulePriority: 1, relatedDigests: [subject.imageDigest] });
    expect(of(sbom)).toMatchObject({ action: 'EXPIRE', cause: 'follows-subject', relatedDigests: [sig.imageDigest] });
  });

  it('are archived with their subject; already archived ones stay archived', () => {
    const archivedSbom = { ...sbom, imageStatus: 'ARCHIVED' as const, lastArchivedAt: NOW - DAY };
    const p = policy(rule(1, { tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'sinceImagePushed', countNumber: 30 }, 'transition'));
    const { of } = decide(p, [subject, sig, archivedSbom]);
    expect([of(subject).action, of(sig).action, of(archivedSbom).action]).toEqual(['TRANSITION', 'TRANSITION', 'KEEP']);
  });

  it('are expired with an archived subject, even when archived themselves', () => {
    const archSubject = { ...subject, imageStatus: 'ARCHIVED' as const, lastArchivedAt: NOW - 100 * DAY };
    const archSig = { ...sig, imageStatus: 'ARCHIVED' as const, lastArchivedAt: NOW - 100 * DAY };
    const p = policy(rule(1, { storageClass: 'archive', countType: 'sinceImageTransitioned', countNumber: 90 }));
    expect(decide(p, [archSubject, archSig]).verdicts(archSubject, archSig)).toEqual(['EXPIRE', 'EXPIRE']);
  });

  it('stay when their subject stays', () => {
    expect(decide(expireV(100), [subject, sig, sbom]).verdicts(subject, sig, sbom)).toEqual(['KEEP', 'KEEP', 'KEEP']);
  });

  it('stay when their subject is absent, even under a rule that would select any image', () => {
    const orphan = image({ name: 'orphan', pushedDaysAgo: 400, subject: digest('gone') });
    const d = decide(anyOld, [orphan]).of(orphan);
    expect(d).toMatchObject({ action: 'KEEP', cause: 'referrer', relatedDigests: [digest('gone')] });
    expect(d.reason).toContain('not in the repository');
  });

  it('are recognised from the manifest subject too', () => {
    const viaManifest = image({ name: 'via-manifest', pushedDaysAgo: 40 });
    const manifests = [{ digest: viaManifest.imageDigest, mediaType: OCI_MANIFEST, kind: 'image' as const, layers: [], children: [], subject: subject.imageDigest }];
    const { of } = decide(policy(rule(1, { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 1 })), [subject, viaManifest], { manifests });
    expect(of(viaManifest)).toMatchObject({ action: 'KEEP', cause: 'referrer' });
  });

  it('tag-scheme signatures (sha256-<hex>.sig) are ordinary tagged images', () => {
    const tagSig = image({ name: 'tag-sig', tags: [`sha256-${'ab'.repeat(32)}.sig`], pushedDaysAgo: 40 });
    const p = policy(rule(1, { tagStatus: 'tagged', tagPatternList: ['*.sig'], countType: 'sinceImagePushed', countNumber: 30 }));
    expect(decide(p, [subject, tagSig]).of(tagSig)).toMatchObject({ action: 'EXPIRE', cause: 'rule' });
  });

  it('are not acted on while ACTIVATING, nor while children of an active index', () => {
    const activatingSig = { ...sig, imageStatus: 'ACTIVATING' as const };
    expect(decide(expireV(), [subject, activatingSig]).of(activatingSig)).toMatchObject({ action: 'KEEP', cause: 'referrer' });
    const index = image({ name: 'idx', tags: ['keep'], pushedDaysAgo: 1 });
    const manifests = [indexManifest(index.imageDigest, [sig.imageDigest])];
    expect(decide(expireV(), [subject, sig, index], { manifests }).of(sig)).toMatchObject({ action: 'KEEP', cause: 'index-child' });
  });
});

describe('2.8 ACTIVATING images are not acted on', () => {
  it('are in no storage class: not identified, counted or acted on', () => {
    const activating = image({ name: 'activating', pushedDaysAgo: 500, status: 'ACTIVATING', archivedDaysAgo: 300 });
    const a = image({ name: 'a', pushedDaysAgo: 2 });
    const b = image({ name: 'b', pushedDaysAgo: 1 });
    const { of } = decide(policy(countAny(1, 2), rule(2, { storageClass: 'archive', countType: 'sinceImageTransitioned', countNumber: 90 })), [activating, a, b]);
    expect(of(activating)).toMatchObject({ action: 'KEEP', cause: 'activating' });
    expect([of(a).action, of(b).action]).toEqual(['KEEP', 'KEEP']);
  });
});

describe('2.4 each image gets at most one action per run', () => {
  it('an image that several rules would act on gets one decision, from the first', () => {
    const img = image({ name: 'x', tags: ['prod-1'], pushedDaysAgo: 100 });
    const p = policy(
      rule(3, { countType: 'sinceImagePushed', countNumber: 1 }),
      rule(1, { tagStatus: 'tagged', tagPatternList: ['prod*'], countType: 'sinceImagePushed', countNumber: 10 }, 'transition'),
    );
    const { run } = decide(p, [img]);
    expect(run.decisions).toHaveLength(1);
    expect(run.decisions[0]).toMatchObject({ action: 'TRANSITION', appliedRulePriority: 1 });
  });
});
