import { effectivePushTime, type ImageRecord } from '../model/image.js';
import { ARCHIVE_MINIMUM_DAYS, type LifecycleRule, type StorageClass } from '../model/policy.js';

// What one run of a lifecycle policy decides, and the measures rules apply (ages, thresholds).
// The numbered points refer to section 2 of the project's ECR lifecycle semantics reference (README, "Semantics and assumptions").

export const DAY_MS = 24 * 60 * 60 * 1000;
export { ARCHIVE_MINIMUM_DAYS };

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

/** Why an image is not eligible for any rule in a run. */
export interface Exclusion {
  cause: DecisionCause;
  related: string[];
  /** Referrers only: the subject is not in the repository. */
  subjectAbsent?: boolean;
}

export interface Measure {
  rule: LifecycleRule;
  rank: number;
  of: number;
}

/** "rank 7 of 9, the newest 5 are kept" or "pushed 23.4 days ago, threshold more than 7". */
export function measureText(m: Measure, image: ImageRecord, now: number): string {
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

export function exclusionReason({ cause, related, subjectAbsent }: Exclusion): string {
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
