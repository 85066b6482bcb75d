import type { ImageRecord } from '../model/image.js';
import type { LifecyclePolicy } from '../model/policy.js';
import { DAY_MS, evaluatePolicy, type DecisionCause, type RunResult, type Verdict } from './evaluate.js';
import type { ContentRelations } from './relations.js';

// The policy run once a day from `now` for `days` days, each day's actions applied before the next:
// expired images disappear, transitioned ones become ARCHIVED with lastArchivedAt = that day.
// No pushes or pulls are simulated, so a day without actions changes nothing until the next
// age threshold is crossed: those days are skipped (their result equals the previous one).

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
): HorizonResult {
  let state: ImageRecord[] = [...images];
  const timeline: TimelineEntry[] = [];
  const evaluatedDays: number[] = [];
  let first: RunResult | undefined;
  let day = 0;
  while (day <= days) {
    const at = now + day * DAY_MS;
    const run = evaluatePolicy(policy, state, relations, at);
    evaluatedDays.push(day);
    first ??= run;
    const removed = new Set<string>();
    const archived = new Set<string>();
    for (const d of run.decisions) {
      if (d.action === 'KEEP') continue;
      timeline.push({
        day, at, imageDigest: d.image.imageDigest, imageTags: d.image.imageTags, action: d.action,
        appliedRulePriority: d.appliedRulePriority!, cause: d.cause,
      });
      (d.action === 'EXPIRE' ? removed : archived).add(d.image.imageDigest);
    }
    if (removed.size > 0 || archived.size > 0) {
      state = applyActions(state, removed, archived, at);
      day += 1;
      continue;
    }
    if (run.nextThresholdCrossingAt === undefined) break;
    // First day d with now + d*DAY - crossing > 0 (strict), i.e. the first run that sees the crossing.
    day = Math.max(day + 1, Math.floor((run.nextThresholdCrossingAt - now) / DAY_MS) + 1);
  }
  return { first: first!, timeline, evaluatedDays, finalImages: state };
}

export function applyActions(images: readonly ImageRecord[], removed: Set<string>, archived: Set<string>, at: number): ImageRecord[] {
  const out: ImageRecord[] = [];
  for (const image of images) {
    if (removed.has(image.imageDigest)) continue;
    out.push(archived.has(image.imageDigest) ? { ...image, imageStatus: 'ARCHIVED', lastArchivedAt: at } : image);
  }
  return out;
}
