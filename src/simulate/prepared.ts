import { flatString } from '../model/flat-string.js';
import { compareNewestFirst, effectivePushTime, type ImageRecord, type ImageStatus } from '../model/image.js';
import { ruleStorageClass, rulesInPriorityOrder, type CountType, type LifecyclePolicy, type LifecycleRule } from '../model/policy.js';
import { makeTagSelector } from './match.js';
import {
  DAY_MS, effectiveTransitionedDays, exclusionReason, lastPullReference, measureText, short,
  type DecisionCause, type Exclusion, type ImageDecision, type RunResult, type Verdict,
} from './measures.js';
import type { ContentRelations } from './relations.js';

// The engine, prepared once per policy and per set of images. Within a horizon nothing a rule looks at
// changes except which images remain and their storage class (no pushes, pulls or tag moves are
// simulated), so tag matching, pattern compilation, the newest-first order and the index/referrer
// structure are computed once; each evaluated day is then a pass over typed arrays.
// The numbered points refer to section 2 of the semantics reference (shared/docs/ecr-lifecycle-semantics.md; summarised in the README, "Semantics and assumptions").

export interface PreparedRule {
  rule: LifecycleRule;
  rulePriority: number;
  /** 0: standard storage (ACTIVE images), 1: archive (ARCHIVED images). */
  storageClassCode: number;
  action: Exclude<Verdict, 'KEEP'>;
  countType: CountType;
  countNumber: number;
  /** Age rules: the threshold in ms (sinceImageTransitioned: never below the archive minimum). */
  thresholdMs: number;
  selects: (tags: readonly string[]) => boolean;
}

/** A policy ready to run: rules in priority order with compiled tag selectors. */
export interface PreparedPolicy {
  policy: LifecyclePolicy;
  rules: PreparedRule[];
}

export function preparePolicy(policy: LifecyclePolicy): PreparedPolicy {
  return {
    policy,
    rules: rulesInPriorityOrder(policy).map((rule) => {
      const s = rule.selection;
      return {
        rule,
        rulePriority: rule.rulePriority,
        storageClassCode: ruleStorageClass(rule) === 'standard' ? STATUS.ACTIVE : STATUS.ARCHIVED,
        action: rule.action.type === 'expire' ? 'EXPIRE' : 'TRANSITION',
        countType: s.countType,
        countNumber: s.countNumber,
        thresholdMs: (s.countType === 'sinceImageTransitioned' ? effectiveTransitionedDays(s.countNumber) : s.countNumber) * DAY_MS,
        selects: makeTagSelector(rule),
      };
    }),
  };
}

/** Image status codes in the day state; GONE: expired earlier in the horizon. */
export const STATUS = { ACTIVE: 0, ARCHIVED: 1, ACTIVATING: 2, GONE: 3 } as const;
const STATUS_CODE: Record<ImageStatus, number> = STATUS;

const EXCLUDED = { none: 0, indexChild: 1, referrer: 2, activating: 3 } as const;

/**
 * The images in newest-first order with everything no policy changes: positions, times, the index and
 * referrer structure, and the tag matches computed so far (by tag selection). Prepared once per set of
 * images, it serves every policy tried on them (the interactive session's edits).
 */
export interface ImageOrder {
  images: readonly ImageRecord[];
  relations: ContentRelations;
  /** Newest first (5): the order never changes, since archiving does not change push times. */
  sorted: ImageRecord[];
  position: Map<string, number>;
  pushTime: Float64Array;
  pullReference: Float64Array;
  /** 6. Each index with the positions of its children (other images), in relations order. */
  indexChildren: Array<{ index: number; children: number[] }>;
  /** 7. Position of each image's subject: -2 none, -1 not among the images. */
  subjectPosition: Int32Array;
  /** Subject position -> its referrers' positions. */
  referrersOf: Map<number, number[]>;
  /**
   * Positions (ascending) of the images a tag selection selects, by selectionKey; filled as policies need
   * them, one list per distinct selection tried (at most 400 KB each at 100,000 images).
   */
  matchesBySelection: Map<string, Int32Array>;
}

/** Images prepared for one policy: the order plus, per rule, the images its tags select. */
export interface PreparedImages extends ImageOrder {
  policy: PreparedPolicy;
  /** Per rule (priority order): positions of the images whose tags it selects, ascending (newest first). */
  matches: Int32Array[];
}

export function prepareImageOrder(images: readonly ImageRecord[], relations: ContentRelations): ImageOrder {
  const sorted = [...images].sort(compareNewestFirst);
  const n = sorted.length;
  const position = new Map<string, number>();
  sorted.forEach((image, k) => position.set(image.imageDigest, k));
  const pushTime = new Float64Array(n);
  const pullReference = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    pushTime[k] = effectivePushTime(sorted[k]!);
    pullReference[k] = lastPullReference(sorted[k]!);
  }
  const indexChildren: ImageOrder['indexChildren'] = [];
  for (const [indexDigest, children] of relations.childrenOf) {
    const index = position.get(indexDigest);
    if (index === undefined) continue;
    const list: number[] = [];
    for (const child of children) {
      const c = position.get(child);
      if (c !== undefined && child !== indexDigest) list.push(c);
    }
    if (list.length > 0) indexChildren.push({ index, children: list });
  }
  const subjectPosition = new Int32Array(n).fill(-2);
  const referrersOf = new Map<number, number[]>();
  for (let k = 0; k < n; k++) {
    const subject = relations.subjectOf.get(sorted[k]!.imageDigest);
    if (subject === undefined) continue;
    const s = position.get(subject) ?? -1;
    subjectPosition[k] = s;
    if (s < 0) continue;
    const list = referrersOf.get(s);
    if (list) list.push(k);
    else referrersOf.set(s, [k]);
  }
  return { images, relations, sorted, position, pushTime, pullReference, indexChildren, subjectPosition, referrersOf, matchesBySelection: new Map() };
}

/** What decides the tags a rule selects: rules with the same key share one match list (untagged and `any` rules, repeated lists). */
function selectionKey(rule: LifecycleRule): string {
  const s = rule.selection;
  return JSON.stringify([s.tagStatus, s.tagPrefixList ?? null, s.tagPatternList ?? null]);
}

/**
 * `order` (optional): prepareImageOrder's result for these same images and relations (checked by
 * identity), whose tag matches are reused and extended; without it the images are ordered afresh.
 */
export function prepareImages(policy: PreparedPolicy, images: readonly ImageRecord[], relations: ContentRelations, order?: ImageOrder): PreparedImages {
  const o = order !== undefined && order.images === images && order.relations === relations ? order : prepareImageOrder(images, relations);
  const matches = policy.rules.map((r) => {
    const key = selectionKey(r.rule);
    let list = o.matchesBySelection.get(key);
    if (!list) {
      const out: number[] = [];
      for (let k = 0; k < o.sorted.length; k++) if (r.selects(o.sorted[k]!.imageTags)) out.push(k);
      o.matchesBySelection.set(key, (list = Int32Array.from(out)));
    }
    return list;
  });
  return { ...o, policy, matches };
}

/** What changes over a horizon: each image's status (or GONE) and archive time. */
export interface DayState {
  status: Uint8Array;
  /** lastArchivedAt, Infinity when absent (never old enough for sinceImageTransitioned). */
  archivedAt: Float64Array;
}

export function initialState(p: PreparedImages): DayState {
  const n = p.sorted.length;
  const status = new Uint8Array(n);
  const archivedAt = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const image = p.sorted[k]!;
    status[k] = STATUS_CODE[image.imageStatus];
    archivedAt[k] = image.lastArchivedAt ?? Infinity;
  }
  return { status, archivedAt };
}

/** One run's outcome, by position. `ruleOf`/`claimedBy` hold a rule index + 1 (0: none). */
export interface DayOutcome {
  /** Positions acted on (by a rule or as a follower), ascending: newest first. */
  acted: number[];
  action: Uint8Array;
  /** The rule that acts (followers: the rule acting on the subject). */
  ruleOf: Int32Array;
  /** Followers: the subject's position; -1 for images a rule acts on. */
  followed: Int32Array;
  excluded: Uint8Array;
  claimedBy: Int32Array;
  nextThresholdCrossingAt?: number;
  /** Present when details were asked for: rank of each image within the rule that identified it first, and each rule's count. */
  rank?: Int32Array;
  identifiedCount?: Int32Array;
}

const ACTION_CODE = { EXPIRE: 1, TRANSITION: 2 } as const;
const ACTION_OF = [undefined, 'EXPIRE', 'TRANSITION'] as const;

/** One run of the policy at `at` on the day state (1 to 8 of section 2). */
export function runDay(p: PreparedImages, state: DayState, at: number, details = false): DayOutcome {
  const n = p.sorted.length;
  const { status, archivedAt } = state;
  const excluded = exclusionCodes(p, state);
  const claimedBy = new Int32Array(n);
  const ruleOf = new Int32Array(n);
  const action = new Uint8Array(n);
  const rank = details ? new Int32Array(n) : undefined;
  const identifiedCount = details ? new Int32Array(p.policy.rules.length) : undefined;
  let nextCrossing = Infinity;
  let actedCount = 0;

  p.policy.rules.forEach((r, ri) => {
    const list = p.matches[ri]!;
    const isCount = r.countType === 'imageCountMoreThan';
    const since = r.countType === 'sinceImagePushed' ? p.pushTime : r.countType === 'sinceImagePulled' ? p.pullReference : archivedAt;
    const code = ACTION_CODE[r.action];
    let k = 0;
    for (let m = 0; m < list.length; m++) {
      const pos = list[m]!;
      // 1. Identification: same storage class (GONE and ACTIVATING match neither), tag match (precomputed), eligible.
      if (status[pos] !== r.storageClassCode || excluded[pos] !== EXCLUDED.none) continue;
      k++;
      let candidate: boolean;
      if (isCount) {
        // 3. Count rules rank every identified image, including ones higher rules claimed.
        candidate = k > r.countNumber;
      } else {
        const t = since[pos]!;
        candidate = at - t > r.thresholdMs;
        if (!candidate && t + r.thresholdMs < nextCrossing) nextCrossing = t + r.thresholdMs;
      }
      // 2 and 4. Only images no higher-priority rule identified can get this rule's action.
      if (claimedBy[pos] !== 0) continue;
      claimedBy[pos] = ri + 1;
      if (rank) rank[pos] = k;
      if (candidate) {
        ruleOf[pos] = ri + 1;
        action[pos] = code;
        actedCount++;
      }
    }
    if (identifiedCount) identifiedCount[ri] = k;
  });

  const followed = new Int32Array(n).fill(-1);
  if (actedCount > 0 && p.referrersOf.size > 0) followReferrers(p, state, excluded, action, ruleOf, followed);
  const acted: number[] = [];
  for (let pos = 0; pos < n; pos++) if (action[pos] !== 0) acted.push(pos);
  return {
    acted, action, ruleOf, followed, excluded, claimedBy,
    ...(Number.isFinite(nextCrossing) ? { nextThresholdCrossingAt: nextCrossing } : {}),
    ...(rank ? { rank, identifiedCount: identifiedCount! } : {}),
  };
}

/** Images no rule may touch in this run (6, 7, 8), as codes by position. */
function exclusionCodes(p: PreparedImages, state: DayState): Uint8Array {
  const { status } = state;
  const out = new Uint8Array(p.sorted.length);
  // 6. Children of a present index that is not archived ("present and not archived": ACTIVATING still protects).
  for (const { index, children } of p.indexChildren) {
    if (status[index] === STATUS.GONE || status[index] === STATUS.ARCHIVED) continue;
    for (const c of children) if (status[c] !== STATUS.GONE) out[c] = EXCLUDED.indexChild;
  }
  for (let k = 0; k < out.length; k++) {
    if (out[k] !== EXCLUDED.none || status[k] === STATUS.GONE) continue;
    // 7. Referrers are never selected by rules: they follow their subject. 8. ACTIVATING images are not acted on.
    if (p.subjectPosition[k] !== -2) out[k] = EXCLUDED.referrer;
    else if (status[k] === STATUS.ACTIVATING) out[k] = EXCLUDED.activating;
  }
  return out;
}

/**
 * 7. Referrers follow their subject: expired with it; archived with it when still in standard storage.
 * Transitive. Children of an active index (6) and ACTIVATING images (8) are never acted on, not even as followers.
 */
function followReferrers(p: PreparedImages, state: DayState, excluded: Uint8Array, action: Uint8Array, ruleOf: Int32Array, followed: Int32Array): void {
  const { status } = state;
  const queue: number[] = [];
  for (let pos = 0; pos < action.length; pos++) if (action[pos] !== 0) queue.push(pos);
  for (let q = 0; q < queue.length; q++) {
    const subject = queue[q]!;
    for (const referrer of p.referrersOf.get(subject) ?? []) {
      if (status[referrer] === STATUS.GONE || action[referrer] !== 0) continue;
      if (status[referrer] === STATUS.ACTIVATING || excluded[referrer] === EXCLUDED.indexChild) continue;
      if (action[subject] === ACTION_CODE.TRANSITION && status[referrer] !== STATUS.ACTIVE) continue;
      action[referrer] = action[subject]!;
      ruleOf[referrer] = ruleOf[subject]!;
      followed[referrer] = subject;
      queue.push(referrer);
    }
  }
}

export function actionAt(outcome: DayOutcome, pos: number): Exclude<Verdict, 'KEEP'> {
  return ACTION_OF[outcome.action[pos]!]!;
}

export function causeAt(outcome: DayOutcome, pos: number): DecisionCause {
  return outcome.followed[pos]! >= 0 ? 'follows-subject' : 'rule';
}

/** Applies a run's actions to the day state: expired images are gone, transitioned ones archived at `at`. */
export function applyOutcome(state: DayState, outcome: DayOutcome, at: number): void {
  for (const pos of outcome.acted) {
    if (outcome.action[pos] === ACTION_CODE.EXPIRE) state.status[pos] = STATUS.GONE;
    else {
      state.status[pos] = STATUS.ARCHIVED;
      state.archivedAt[pos] = at;
    }
  }
}

/** The full result of one run on the images as prepared (initial state): every image's decision and why. */
export function evaluatePrepared(p: PreparedImages, now: number): RunResult {
  const state = initialState(p);
  const outcome = runDay(p, state, now, true);
  const exclusions = exclusionDetails(p, outcome.excluded);
  const rules = p.policy.rules;
  const why = (pos: number): string => {
    const ri = outcome.claimedBy[pos]! - 1;
    return ri < 0 ? '' : `: ${measureText({ rule: rules[ri]!.rule, rank: outcome.rank![pos]!, of: outcome.identifiedCount![ri]! }, p.sorted[pos]!, now)}`;
  };
  const decisions: ImageDecision[] = p.sorted.map((image, pos): ImageDecision => {
    const code = outcome.action[pos]!;
    if (code !== 0) {
      const a = ACTION_OF[code]!;
      const rulePriority = rules[outcome.ruleOf[pos]! - 1]!.rulePriority;
      const verb = a === 'EXPIRE' ? 'expires' : 'archives';
      const subject = outcome.followed[pos]!;
      if (subject < 0) return { image, action: a, appliedRulePriority: rulePriority, cause: 'rule', reason: flatString(`rule ${rulePriority} ${verb} it${why(pos)}`) };
      const subjectDigest = p.sorted[subject]!.imageDigest;
      return {
        image, action: a, appliedRulePriority: rulePriority, cause: 'follows-subject', relatedDigests: [subjectDigest],
        reason: flatString(`referrer of ${short(subjectDigest)}, which rule ${rulePriority} ${verb}`),
      };
    }
    const ex = exclusions.get(pos);
    if (ex) return { image, action: 'KEEP', cause: ex.cause, relatedDigests: ex.related, reason: flatString(exclusionReason(ex)) };
    const ri = outcome.claimedBy[pos]! - 1;
    if (ri >= 0) {
      const protecting = rules[ri]!.rulePriority;
      return { image, action: 'KEEP', protectingRulePriority: protecting, cause: 'protected', reason: flatString(`rule ${protecting} keeps it${why(pos)}`) };
    }
    return { image, action: 'KEEP', cause: 'not-identified', reason: 'no rule selects it' };
  });
  return { now, decisions, ...(outcome.nextThresholdCrossingAt !== undefined ? { nextThresholdCrossingAt: outcome.nextThresholdCrossingAt } : {}) };
}

/** The exclusions of the initial state with what they relate to (indexes holding a child, a referrer's subject). */
function exclusionDetails(p: PreparedImages, codes: Uint8Array): Map<number, Exclusion> {
  const out = new Map<number, Exclusion>();
  for (const { index, children } of p.indexChildren) {
    if (p.sorted[index]!.imageStatus === 'ARCHIVED') continue;
    for (const c of children) {
      const entry = out.get(c);
      if (entry) entry.related.push(p.sorted[index]!.imageDigest);
      else out.set(c, { cause: 'index-child', related: [p.sorted[index]!.imageDigest] });
    }
  }
  for (let k = 0; k < codes.length; k++) {
    if (codes[k] === EXCLUDED.referrer) {
      const s = p.subjectPosition[k]!;
      out.set(k, { cause: 'referrer', related: [s >= 0 ? p.sorted[s]!.imageDigest : p.relations.subjectOf.get(p.sorted[k]!.imageDigest)!], subjectAbsent: s < 0 });
    } else if (codes[k] === EXCLUDED.activating) out.set(k, { cause: 'activating', related: [] });
  }
  for (const e of out.values()) e.related.sort();
  return out;
}

