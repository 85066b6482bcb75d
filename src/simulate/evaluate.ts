import { compareNewestFirst, effectivePushTime, type ImageRecord } from '../model/image.js';
import { ruleStorageClass, rulesInPriorityOrder, type LifecyclePolicy, type LifecycleRule, type StorageClass } from '../model/policy.js';
import { makeTagSelector } from './match.js';
import type { ContentRelations } from './relations.js';

// One run of a lifecycle policy at time `now`: pure, no I/O, O(rules x n) after one O(n log n) sort.
// The numbered points refer to section 2 of docs/ecr-lifecycle-semantics.md.

export const DAY_MS = 24 * 60 * 60 * 1000;
/** Archived images have a 90-day minimum storage duration before a lifecycle rule may delete them. */
export const ARCHIVE_MINIMUM_DAYS = 90;

export type Verdict = 'EXPIRE' | 'TRANSITION' | 'KEEP';

export type DecisionCause =
  | 'rule' // a rule acted on it
  | 'follows-subject' // a referrer removed or archived with its subject
  | 'protected' // identified by a rule that did not act on it (and no higher rule acted)
  | 'not-identified' // no rule selects it
  | 'index-child' // referenced by a present, active index
  | 'referrer' // a referrer whose subject stays: never selected by rules
  | 'activating'; // being restored from archive: not acted on

export interface ImageDecision {
  image: ImageRecord;
  action: Verdict;
  /** The rule that acts (for referrers: the rule that acts on the subject). */
  appliedRulePriority?: number;
  /** For kept images: the first rule (lowest rulePriority) that identified the image. */
  protectingRulePriority?: number;
  cause: DecisionCause;
  /** Referrers: the subject they follow. Index children: the active indexes that hold them. */
  relatedDigests?: string[];
  reason: string;
}

export interface RunResult {
  now: number;
  /** Every image, newest first. */
  decisions: ImageDecision[];
  /**
   * Earliest time after `now` at which an age threshold is crossed by an image some rule identifies
   * but does not act on yet; undefined when no future crossing exists. Without actions, nothing can
   * change before then (no pushes or pulls are simulated).
   */
  nextThresholdCrossingAt?: number;
}

export function storageClassOf(image: ImageRecord): StorageClass | undefined {
  if (image.imageStatus === 'ACTIVE') return 'standard';
  if (image.imageStatus === 'ARCHIVED') return 'archive';
  return undefined; // ACTIVATING: in neither class while the restore runs
}

/** Reference time for `sinceImagePulled`: last pull, or the restore if later, or the push when never pulled. */
export function lastPullReference(image: ImageRecord): number {
  return Math.max(image.imagePushedAt, image.lastRecordedPullTime ?? -Infinity, image.lastActivatedAt ?? -Infinity);
}

/** Days a `sinceImageTransitioned` rule really waits: never below the 90-day archive minimum. */
export function effectiveTransitionedDays(countNumber: number): number {
  return Math.max(countNumber, ARCHIVE_MINIMUM_DAYS);
}

/** For an age rule: the reference time and threshold (ms) of an image, or undefined for count rules. */
export function ageMeasure(rule: LifecycleRule, image: ImageRecord): { since: number; thresholdMs: number } | undefined {
  const s = rule.selection;
  switch (s.countType) {
    case 'imageCountMoreThan':
      return undefined;
    case 'sinceImagePushed':
      return { since: effectivePushTime(image), thresholdMs: s.countNumber * DAY_MS };
    case 'sinceImagePulled':
      return { since: lastPullReference(image), thresholdMs: s.countNumber * DAY_MS };
    case 'sinceImageTransitioned':
      // An archived image without lastArchivedAt is rejected by the loader; guard anyway: never old enough.
      return { since: image.lastArchivedAt ?? Infinity, thresholdMs: effectiveTransitionedDays(s.countNumber) * DAY_MS };
  }
}

/** Strictly more than the threshold: an image exactly n x 24 h old is not yet past n days. */
export function isPastThreshold(now: number, since: number, thresholdMs: number): boolean {
  return now - since > thresholdMs;
}

interface Exclusion {
  cause: DecisionCause;
  related: string[];
  /** Referrers only: the subject is not in the repository. */
  subjectAbsent?: boolean;
}

/** Images no rule may touch in this run, with why; the rest are "eligible". */
function exclusions(images: readonly ImageRecord[], relations: ContentRelations): Map<string, Exclusion> {
  const byDigest = new Map(images.map((i) => [i.imageDigest, i]));
  const out = new Map<string, Exclusion>();
  // 6. Children of a present index that is not archived (ACTIVE) are neither identified, counted nor acted on.
  for (const [indexDigest, children] of relations.childrenOf) {
    const index = byDigest.get(indexDigest);
    // "Present and not archived": an ACTIVATING index (being restored) still protects its children.
    if (!index || index.imageStatus === 'ARCHIVED') continue;
    for (const child of children) {
      if (!byDigest.has(child) || child === indexDigest) continue;
      const entry = out.get(child);
      if (entry) entry.related.push(indexDigest);
      else out.set(child, { cause: 'index-child', related: [indexDigest] });
    }
  }
  for (const image of images) {
    // 7. Referrers are never selected by rules: they follow their subject (below). A referrer whose
    // subject is absent (deleted, or an archived subject left out of a snapshot) stays.
    const subject = relations.subjectOf.get(image.imageDigest);
    if (subject !== undefined && !out.has(image.imageDigest)) {
      out.set(image.imageDigest, { cause: 'referrer', related: [subject], subjectAbsent: !byDigest.has(subject) });
    }
    // 8. ACTIVATING images are not acted on.
    if (image.imageStatus === 'ACTIVATING' && !out.has(image.imageDigest)) out.set(image.imageDigest, { cause: 'activating', related: [] });
  }
  for (const e of out.values()) e.related.sort();
  return out;
}

export function evaluatePolicy(
  policy: LifecyclePolicy,
  images: readonly ImageRecord[],
  relations: ContentRelations,
  now: number,
): RunResult {
  const sorted = [...images].sort(compareNewestFirst);
  const excluded = exclusions(sorted, relations);
  const eligible = sorted.filter((i) => !excluded.has(i.imageDigest));

  const acted = new Map<string, { action: Verdict; rulePriority: number }>();
  const firstIdentifiedBy = new Map<string, number>();
  // What the first identifying rule measured (rank or age), for the one-line reason.
  const measured = new Map<string, Measure>();
  let nextCrossing = Infinity;

  for (const rule of rulesInPriorityOrder(policy)) {
    const storageClass = ruleStorageClass(rule);
    const selects = makeTagSelector(rule);
    // 1. Identification: same storage class, tag match.
    const identified = eligible.filter((i) => storageClassOf(i) === storageClass && selects(i.imageTags));
    const action: Verdict = rule.action.type === 'expire' ? 'EXPIRE' : 'TRANSITION';
    // 3. Candidates. Count rules rank every identified image, including ones higher rules claimed.
    const candidates: ImageRecord[] = [];
    if (rule.selection.countType === 'imageCountMoreThan') {
      for (let k = rule.selection.countNumber; k < identified.length; k++) candidates.push(identified[k]!);
    } else {
      for (const image of identified) {
        const m = ageMeasure(rule, image)!;
        if (isPastThreshold(now, m.since, m.thresholdMs)) candidates.push(image);
        else if (m.since + m.thresholdMs < nextCrossing) nextCrossing = m.since + m.thresholdMs;
      }
    }
    // 2 and 4. Only candidates no higher-priority rule identified get this rule's action.
    for (const image of candidates) {
      if (!firstIdentifiedBy.has(image.imageDigest)) acted.set(image.imageDigest, { action, rulePriority: rule.rulePriority });
    }
    for (let k = 0; k < identified.length; k++) {
      const image = identified[k]!;
      if (firstIdentifiedBy.has(image.imageDigest)) continue;
      firstIdentifiedBy.set(image.imageDigest, rule.rulePriority);
      measured.set(image.imageDigest, { rule, rank: k + 1, of: identified.length });
    }
  }
  const why = (image: ImageRecord): string => {
    const m = measured.get(image.imageDigest);
    return m ? `: ${measureText(m, image, now)}` : '';
  };

  const decisions: ImageDecision[] = [];
  const followers = referrerActions(sorted, relations, acted, excluded);
  for (const image of sorted) {
    const digest = image.imageDigest;
    const a = acted.get(digest);
    if (a) {
      decisions.push({ image, action: a.action, appliedRulePriority: a.rulePriority, cause: 'rule', reason: `rule ${a.rulePriority} ${a.action === 'EXPIRE' ? 'expires' : 'archives'} it${why(image)}` });
      continue;
    }
    const f = followers.get(digest);
    if (f) {
      decisions.push({
        image, action: f.action, appliedRulePriority: f.rulePriority, cause: 'follows-subject', relatedDigests: [f.subject],
        reason: `referrer of ${short(f.subject)}, which rule ${f.rulePriority} ${f.action === 'EXPIRE' ? 'expires' : 'archives'}`,
      });
      continue;
    }
    const ex = excluded.get(digest);
    if (ex) {
      decisions.push({ image, action: 'KEEP', cause: ex.cause, relatedDigests: ex.related, reason: exclusionReason(ex) });
      continue;
    }
    const protecting = firstIdentifiedBy.get(digest);
    if (protecting !== undefined) {
      decisions.push({ image, action: 'KEEP', protectingRulePriority: protecting, cause: 'protected', reason: `rule ${protecting} keeps it${why(image)}` });
    } else {
      decisions.push({ image, action: 'KEEP', cause: 'not-identified', reason: 'no rule selects it' });
    }
  }
  return { now, decisions, nextThresholdCrossingAt: Number.isFinite(nextCrossing) ? nextCrossing : undefined };
}

interface Measure {
  rule: LifecycleRule;
  rank: number;
  of: number;
}

/** "rank 7 of 9, the newest 5 are kept" or "pushed 23.4 days ago, threshold more than 7". */
function measureText(m: Measure, image: ImageRecord, now: number): string {
  const s = m.rule.selection;
  if (s.countType === 'imageCountMoreThan') {
    return `rank ${m.rank} of ${m.of} it selects, ${m.rank > s.countNumber ? 'beyond' : 'within'} the newest ${s.countNumber}`;
  }
  const a = ageMeasure(m.rule, image)!;
  const what =
    s.countType === 'sinceImageTransitioned' ? 'archived'
    : s.countType === 'sinceImagePulled' ? (a.since === image.lastRecordedPullTime ? 'last pulled' : a.since === image.imagePushedAt ? 'pushed (never pulled)' : 'restored')
    : a.since === image.imagePushedAt ? 'pushed' : 'restored';
  const days = Math.floor(((now - a.since) / DAY_MS) * 10) / 10;
  return `${what} ${days.toFixed(1)} days ago, threshold more than ${a.thresholdMs / DAY_MS}`;
}

/**
 * 7. Referrers follow their subject: expired with it; archived with it when still in standard storage. Transitive.
 * Children of an active index (6) and ACTIVATING images (8) are never acted on, not even as followers.
 */
function referrerActions(
  images: readonly ImageRecord[],
  relations: ContentRelations,
  acted: Map<string, { action: Verdict; rulePriority: number }>,
  excluded: Map<string, Exclusion>,
): Map<string, { action: Verdict; rulePriority: number; subject: string }> {
  const out = new Map<string, { action: Verdict; rulePriority: number; subject: string }>();
  if (relations.referrersOf.size === 0) return out;
  const byDigest = new Map(images.map((i) => [i.imageDigest, i]));
  const queue: Array<[string, Verdict, number]> = [...acted].map(([d, a]) => [d, a.action, a.rulePriority]);
  for (let q = 0; q < queue.length; q++) {
    const [subject, action, rulePriority] = queue[q]!;
    for (const referrer of relations.referrersOf.get(subject) ?? []) {
      const image = byDigest.get(referrer);
      if (!image || acted.has(referrer) || out.has(referrer)) continue;
      if (image.imageStatus === 'ACTIVATING' || excluded.get(referrer)?.cause === 'index-child') continue;
      if (action === 'TRANSITION' && image.imageStatus !== 'ACTIVE') continue;
      out.set(referrer, { action, rulePriority, subject });
      queue.push([referrer, action, rulePriority]);
    }
  }
  return out;
}

function exclusionReason({ cause, related, subjectAbsent }: Exclusion): string {
  switch (cause) {
    case 'index-child':
      return `child of index ${related.map(short).join(', ')}: not selected while the index is present`;
    case 'referrer':
      return subjectAbsent
        ? `referrer of ${short(related[0]!)}, which is not in the repository: never selected by rules, kept`
        : `referrer of ${short(related[0]!)}: follows its subject, never selected by rules`;
    case 'activating':
      return 'being restored from archive (ACTIVATING): not acted on';
    default:
      return cause;
  }
}

export function short(digest: string): string {
  const i = digest.indexOf(':');
  return i >= 0 ? digest.slice(0, i + 13) : digest.slice(0, 12);
}
