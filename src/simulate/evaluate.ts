import type { ImageRecord } from '../model/image.js';
import type { LifecyclePolicy } from '../model/policy.js';
import { evaluatePrepared, preparePolicy, prepareImages } from './prepared.js';
import type { RunResult } from './measures.js';
import type { ContentRelations } from './relations.js';

// One run of a lifecycle policy at time `now`: pure, no I/O, O(rules x n) after one O(n log n) sort.
// The engine itself is in prepared.ts (a horizon prepares once and runs many days); the measures
// and decision types are in measures.ts, re-exported here as the engine's public surface.

export {
  ageMeasure, ARCHIVE_MINIMUM_DAYS, DAY_MS, effectiveTransitionedDays, isPastThreshold, lastPullReference, short, storageClassOf,
  type DecisionCause, type ImageDecision, type RunResult, type Verdict,
} from './measures.js';

export function evaluatePolicy(
  policy: LifecyclePolicy,
  images: readonly ImageRecord[],
  relations: ContentRelations,
  now: number,
): RunResult {
  return evaluatePrepared(prepareImages(preparePolicy(policy), images, relations), now);
}
