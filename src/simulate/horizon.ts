import type { ImageRecord } from '../model/image.js';
import type { LifecyclePolicy } from '../model/policy.js';
import { DAY_MS, type DecisionCause, type RunResult, type Verdict } from './measures.js';
import { actionAt, applyOutcome, causeAt, evaluatePrepared, initialState, preparePolicy, prepareImages, runDay, STATUS, type ImageOrder } from './prepared.js';
import type { ContentRelations } from './relations.js';

// The policy run once a day from `now` for `days` days, each day's actions applied before the next:
// expired images disappear, transitioned ones become ARCHIVED with lastArchivedAt = that day.
// No pushes or pulls are simulated, so a day without actions changes nothing until the next
// age threshold is crossed: those days are skipped (their result equals the previous one).
// The policy and the images are prepared once (tag matches, order); each evaluated day only
// looks at which images remain and their storage class.

export interface TimelineEntry {
  day: number;
  at: number;
  imageDigest: string;
  imageTags: string[];
  action: Exclude<Verdict, 'KEEP'>;
  appliedRulePriority: number;
  cause: DecisionCause;
}

export interface HorizonResult {
  /** The run at `now` (day 0). */
  first: RunResult;
  /** Every action from day 0 to `days`, in day order, then newest image first. */
  timeline: TimelineEntry[];
  /** Days on which the policy was really evaluated (others provably change nothing). */
  evaluatedDays: number[];
  /** State after the last day. */
  finalImages: ImageRecord[];
}

export function simulateHorizon(
  policy: LifecyclePolicy,
  images: readonly ImageRecord[],
  relations: ContentRelations,
  now: number,
  days: number,
  /** The images already ordered (prepareImageOrder), when several policies run on them. */
  order?: ImageOrder,
): HorizonResult {
  const p = prepareImages(preparePolicy(policy), images, relations, order);
  const state = initialState(p);
  const first = evaluatePrepared(p, now);
  const timeline: TimelineEntry[] = [];
  const evaluatedDays: number[] = [];
  let day = 0;
  while (day <= days) {
    const at = now + day * DAY_MS;
    const run = runDay(p, state, at);
    evaluatedDays.push(day);
    for (const pos of run.acted) {
      const image = p.sorted[pos]!;
      timeline.push({
        day, at, imageDigest: image.imageDigest, imageTags: image.imageTags, action: actionAt(run, pos),
        appliedRulePriority: p.policy.rules[run.ruleOf[pos]! - 1]!.rulePriority, cause: causeAt(run, pos),
      });
    }
    if (run.acted.length > 0) {
      applyOutcome(state, run, at);
      day += 1;
      continue;
    }
    if (run.nextThresholdCrossingAt === undefined) break;
    // First day d with now + d*DAY - crossing > 0 (strict), i.e. the first run that sees the crossing.
    day = Math.max(day + 1, Math.floor((run.nextThresholdCrossingAt - now) / DAY_MS) + 1);
  }
  // The final state in the input's order: expired images dropped, archived ones with their archive time.
  const finalImages: ImageRecord[] = [];
  for (const image of images) {
    const pos = p.position.get(image.imageDigest)!;
    const status = state.status[pos];
    if (status === STATUS.GONE) continue;
    const archivedHere = status === STATUS.ARCHIVED && (image.imageStatus !== 'ARCHIVED' || state.archivedAt[pos] !== (image.lastArchivedAt ?? Infinity));
    finalImages.push(archivedHere ? { ...image, imageStatus: 'ARCHIVED', lastArchivedAt: state.archivedAt[pos]! } : image);
  }
  return { first, timeline, evaluatedDays, finalImages };
}

export function applyActions(images: readonly ImageRecord[], removed: Set<string>, archived: Set<string>, at: number): ImageRecord[] {
  const out: ImageRecord[] = [];
  for (const image of images) {
    if (removed.has(image.imageDigest)) continue;
    out.push(archived.has(image.imageDigest) ? { ...image, imageStatus: 'ARCHIVED', lastArchivedAt: at } : image);
  }
  return out;
}
