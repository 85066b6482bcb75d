import type { ImageRecord, ManifestInfo } from '../../src/model/image.js';
import type { LifecyclePolicy } from '../../src/model/policy.js';
import { DAY_MS, evaluatePolicy, type ImageDecision, type RunResult } from '../../src/simulate/evaluate.js';
import type { TimelineEntry } from '../../src/simulate/horizon.js';
import type { ContentRelations } from '../../src/simulate/relations.js';
import { NOW, relationsOf } from '../support/builders.js';

/** Runs the policy once and indexes the decisions by digest. */
export function decide(
  policy: LifecyclePolicy,
  images: readonly ImageRecord[],
  opts: { manifests?: ManifestInfo[]; now?: number } = {},
): { run: RunResult; of: (image: ImageRecord) => ImageDecision; verdicts: (...images: ImageRecord[]) => string[] } {
  const run = evaluatePolicy(policy, images, relationsOf(images, opts.manifests), opts.now ?? NOW);
  const by = new Map(run.decisions.map((d) => [d.image.imageDigest, d]));
  const of = (image: ImageRecord): ImageDecision => {
    const d = by.get(image.imageDigest);
    if (!d) throw new Error(`no decision for ${image.imageDigest}`);
    return d;
  };
  return { run, of, verdicts: (...list) => list.map((i) => of(i).action) };
}

/**
 * The obvious horizon, written independently of horizon.ts: evaluate every single day, apply the
 * day's actions (expired images disappear, transitioned ones become ARCHIVED that day).
 */
export function naiveHorizon(
  policy: LifecyclePolicy,
  images: readonly ImageRecord[],
  relations: ContentRelations,
  now: number,
  days: number,
): { timeline: TimelineEntry[]; finalImages: ImageRecord[] } {
  let state = [...images];
  const timeline: TimelineEntry[] = [];
  for (let day = 0; day <= days; day++) {
    const at = now + day * DAY_MS;
    const run = evaluatePolicy(policy, state, relations, at);
    const actions = new Map<string, 'EXPIRE' | 'TRANSITION'>();
    for (const d of run.decisions) {
      if (d.action === 'KEEP') continue;
      actions.set(d.image.imageDigest, d.action);
      timeline.push({
        day, at, imageDigest: d.image.imageDigest, imageTags: d.image.imageTags, action: d.action,
        appliedRulePriority: d.appliedRulePriority!, cause: d.cause,
      });
    }
    state = state
      .filter((i) => actions.get(i.imageDigest) !== 'EXPIRE')
      .map((i) => (actions.get(i.imageDigest) === 'TRANSITION' ? { ...i, imageStatus: 'ARCHIVED' as const, lastArchivedAt: at } : i));
  }
  return { timeline, finalImages: state };
}
