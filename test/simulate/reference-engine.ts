import { compareNewestFirst, type ImageRecord } from '../../src/model/image.js';
import { ruleStorageClass, rulesInPriorityOrder, type LifecyclePolicy } from '../../src/model/policy.js';
import { applyActions, type HorizonResult, type TimelineEntry } from '../../src/simulate/horizon.js';
import { makeTagSelector } from '../../src/simulate/match.js';
import {
  ageMeasure, DAY_MS, exclusionReason, isPastThreshold, measureText, short, storageClassOf,
  type DecisionCause, type ImageDecision, type Measure, type RunResult, type Verdict,
} from '../../src/simulate/measures.js';
import type { ContentRelations } from '../../src/simulate/relations.js';

// The engine as it was before it was prepared once per horizon (Map-based, one full evaluation per
// evaluated day): kept as an oracle so the prepared engine is checked decision by decision.

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

export function referenceEvaluatePolicy(
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

export function referenceSimulateHorizon(
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
    const run = referenceEvaluatePolicy(policy, state, relations, at);
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

