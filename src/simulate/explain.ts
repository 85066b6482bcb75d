import { compareNewestFirst, effectivePushTime, type ImageRecord } from '../model/image.js';
import { ruleStorageClass, rulesInPriorityOrder, type LifecyclePolicy } from '../model/policy.js';
import type { AssumptionId } from './assumptions.js';
import { ageMeasure, DAY_MS, evaluatePolicy, isPastThreshold, storageClassOf, type ImageDecision } from './evaluate.js';
import { firstUnmatchedEntry, makeTagSelector } from './match.js';
import type { ContentRelations } from './relations.js';

// The decision trace of one image: each rule in priority order, what it saw, and why the verdict follows.

export type StepOutcome = 'acts' | 'blocked-by-higher-rule' | 'not-a-candidate' | 'not-identified';

export interface ExplainStep {
  rulePriority: number;
  description?: string;
  identified: boolean;
  /** Why a rule did not identify the image. */
  notIdentifiedBecause?: string;
  /** For count rules: 1-based rank among the images the rule identifies, newest first. */
  rank?: { rank: number; of: number; countNumber: number };
  /** For age rules: the age in days (fractional) against the threshold. */
  age?: { days: number; thresholdDays: number; measuredFrom: string };
  candidate: boolean;
  /** The higher-priority rule that identified the image first, when there is one. */
  claimedBy?: number;
  outcome: StepOutcome;
  text: string;
}

export interface ImageExplanation {
  decision: ImageDecision;
  /** Empty when the image is excluded from selection (index child, referrer, ACTIVATING). */
  steps: ExplainStep[];
  verdictText: string;
  assumptions: AssumptionId[];
}

/**
 * `--explain`'s argument: `repository:tag`, `repository@digest`, or a bare tag or digest (any
 * repository). A digest's own `sha256:` is not a repository; tags and digests never hold `:` or `@`
 * otherwise, and repository names never do.
 */
export function parseExplainQuery(query: string): { repositoryName?: string; tagOrDigest: string } {
  const at = query.lastIndexOf('@');
  if (at > 0) return { repositoryName: query.slice(0, at), tagOrDigest: query.slice(at + 1) };
  const colon = query.lastIndexOf(':');
  if (colon > 0 && !/^sha256$/i.test(query.slice(0, colon)) && !/^[^:]*sha256$/.test(query.slice(0, colon))) {
    return { repositoryName: query.slice(0, colon), tagOrDigest: query.slice(colon + 1) };
  }
  return { tagOrDigest: query };
}

/** Finds an image by digest (full or `sha256:` prefix of at least 12 hex) or by tag. */
export function findImage(images: readonly ImageRecord[], tagOrDigest: string): ImageRecord[] {
  const byTag = images.filter((i) => i.imageTags.includes(tagOrDigest));
  if (byTag.length > 0) return byTag;
  const d = tagOrDigest.startsWith('sha256:') ? tagOrDigest : `sha256:${tagOrDigest}`;
  if (d.length < 'sha256:'.length + 6) return [];
  return images.filter((i) => i.imageDigest.startsWith(d));
}

export function explainImage(
  policy: LifecyclePolicy,
  images: readonly ImageRecord[],
  relations: ContentRelations,
  now: number,
  imageDigest: string,
): ImageExplanation | undefined {
  const run = evaluatePolicy(policy, images, relations, now);
  const decision = run.decisions.find((d) => d.image.imageDigest === imageDigest);
  if (!decision) return undefined;
  const image = decision.image;
  const assumptions = new Set<AssumptionId>();
  const excludedCause = ['index-child', 'referrer', 'activating'].includes(decision.cause);
  const followsSubject = decision.cause === 'follows-subject';
  if (decision.cause === 'index-child') assumptions.add('index-children');
  if (decision.cause === 'referrer' || followsSubject) assumptions.add('referrers-follow-subject');
  if (decision.cause === 'activating') assumptions.add('activating-excluded');
  if (image.imageTags.some((t) => /^sha256-[0-9a-f]{64}\.(sig|att|sbom)$/.test(t))) assumptions.add('tag-scheme-ordinary');

  const steps: ExplainStep[] = [];
  if (!excludedCause && !followsSubject) {
    // Eligible images exactly as the engine sees them: those it did not exclude. Referrers never are,
    // including those that go with their subject (cause follows-subject).
    const excluded = new Set(run.decisions.filter((d) => ['index-child', 'referrer', 'activating', 'follows-subject'].includes(d.cause)).map((d) => d.image.imageDigest));
    const eligible = [...images].sort(compareNewestFirst).filter((i) => !excluded.has(i.imageDigest));
    let claimedBy: number | undefined;
    for (const rule of rulesInPriorityOrder(policy)) {
      const selects = makeTagSelector(rule);
      const storageClass = ruleStorageClass(rule);
      const step: ExplainStep = { rulePriority: rule.rulePriority, description: rule.description, identified: false, candidate: false, outcome: 'not-identified', text: '' };
      if (storageClassOf(image) !== storageClass) {
        step.notIdentifiedBecause = `selects ${storageClass} storage; the image is ${image.imageStatus === 'ARCHIVED' ? 'archived' : 'in standard storage'}`;
      } else if (!selects(image.imageTags)) {
        step.notIdentifiedBecause = tagMismatch(rule.selection.tagStatus, image.imageTags, firstUnmatchedEntry(rule, image.imageTags));
      } else {
        step.identified = true;
        const s = rule.selection;
        if (s.countType === 'imageCountMoreThan') {
          const identified = eligible.filter((i) => storageClassOf(i) === storageClass && selects(i.imageTags));
          const index = identified.findIndex((i) => i.imageDigest === image.imageDigest);
          step.rank = { rank: index + 1, of: identified.length, countNumber: s.countNumber };
          step.candidate = index >= s.countNumber;
          const pushed = effectivePushTime(image);
          if (identified.some((i) => i !== image && effectivePushTime(i) === pushed)) assumptions.add('tie-break-digest');
          if (pushed !== image.imagePushedAt) assumptions.add('restore-counts-as-push');
        } else {
          const m = ageMeasure(rule, image)!;
          step.candidate = isPastThreshold(now, m.since, m.thresholdMs);
          step.age = { days: round2((now - m.since) / DAY_MS), thresholdDays: m.thresholdMs / DAY_MS, measuredFrom: measuredFrom(s.countType, image) };
          if (s.countType === 'sinceImagePulled' && (image.lastRecordedPullTime === undefined || (image.lastActivatedAt ?? 0) > image.lastRecordedPullTime)) assumptions.add('pull-fallback');
          if (s.countType === 'sinceImagePushed' && effectivePushTime(image) !== image.imagePushedAt) assumptions.add('restore-counts-as-push');
          if (s.countType === 'sinceImageTransitioned' && s.countNumber < 90) assumptions.add('archive-minimum');
        }
        if (claimedBy !== undefined) {
          step.claimedBy = claimedBy;
          step.outcome = step.candidate ? 'blocked-by-higher-rule' : 'not-a-candidate';
        } else {
          step.outcome = step.candidate ? 'acts' : 'not-a-candidate';
          claimedBy = rule.rulePriority;
        }
      }
      step.text = stepText(step, rule.action.type);
      steps.push(step);
    }
  }
  return { decision, steps, verdictText: `${decision.action}: ${decision.reason}`, assumptions: [...assumptions].sort() };
}

function tagMismatch(tagStatus: string, tags: readonly string[], unmatched: string | undefined): string {
  if (tagStatus === 'untagged') return 'selects untagged images; the image has tags';
  if (tags.length === 0) return 'selects tagged images; the image has no tags';
  return `list entry "${unmatched}" matches none of the image's tags (entries are ANDed)`;
}

function measuredFrom(countType: string, image: ImageRecord): string {
  switch (countType) {
    case 'sinceImagePushed':
      return effectivePushTime(image) !== image.imagePushedAt ? 'lastActivatedAt (restored)' : 'imagePushedAt';
    case 'sinceImagePulled':
      if (image.lastActivatedAt !== undefined && image.lastActivatedAt > (image.lastRecordedPullTime ?? -Infinity) && image.lastActivatedAt > image.imagePushedAt) return 'lastActivatedAt (restored, not pulled since)';
      return image.lastRecordedPullTime !== undefined ? 'lastRecordedPullTime' : 'imagePushedAt (never pulled)';
    default:
      return 'lastArchivedAt';
  }
}

function stepText(step: ExplainStep, actionType: string): string {
  const head = `rule ${step.rulePriority}`;
  if (!step.identified) return `${head}: does not identify it: ${step.notIdentifiedBecause}`;
  const measure = step.rank
    ? `rank ${step.rank.rank} of ${step.rank.of}, keeps the newest ${step.rank.countNumber}`
    : `age ${step.age!.days} days since ${step.age!.measuredFrom}, threshold more than ${step.age!.thresholdDays} days`;
  switch (step.outcome) {
    case 'acts':
      return `${head}: identifies it (${measure}): candidate, ${actionType === 'expire' ? 'expires' : 'archives'} it`;
    case 'blocked-by-higher-rule':
      return `${head}: identifies it (${measure}): candidate, but rule ${step.claimedBy} identified it first, so this rule cannot act on it`;
    default:
      return `${head}: identifies it (${measure}): not a candidate${step.claimedBy === undefined ? '; it protects the image from every lower-priority rule' : ''}`;
  }
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
