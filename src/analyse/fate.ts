import type { ImageRecord } from '../model/image.js';
import type { DecisionCause } from '../simulate/evaluate.js';
import type { HorizonResult } from '../simulate/horizon.js';
import { isoTime } from '../model/time.js';

// What happens to each image over the horizon, read off the engine's timeline: the first action,
// and separately the first archive and the expiry (an image may be archived, then expired later).

export interface FateAction {
  action: 'EXPIRE' | 'TRANSITION';
  day: number;
  /** Epoch ms of the run that acts (now + day x 24 h). */
  at: number;
  /** ISO-8601 form of `at`. */
  date: string;
  rulePriority: number;
  cause: DecisionCause;
}

export interface ImageFate {
  imageDigest: string;
  imageTags: string[];
  /** The first action over the horizon; undefined when the image is kept throughout. */
  first?: FateAction;
  archived?: FateAction;
  expired?: FateAction;
}

export function isoDate(at: number): string {
  return isoTime(at);
}

/** One entry per image of the initial state (digest order of the input does not matter). */
export function computeFates(images: readonly ImageRecord[], horizon: HorizonResult): Map<string, ImageFate> {
  const fates = new Map<string, ImageFate>();
  for (const image of images) fates.set(image.imageDigest, { imageDigest: image.imageDigest, imageTags: image.imageTags });
  for (const t of horizon.timeline) {
    const fate = fates.get(t.imageDigest);
    if (!fate) continue;
    const a: FateAction = { action: t.action, day: t.day, at: t.at, date: isoDate(t.at), rulePriority: t.appliedRulePriority, cause: t.cause };
    fate.first ??= a;
    if (t.action === 'EXPIRE') fate.expired ??= a;
    else fate.archived ??= a;
  }
  return fates;
}

/** Day from which the image is deleted; Infinity when it survives the horizon. */
export function expiredDay(fate: ImageFate | undefined): number {
  return fate?.expired?.day ?? Infinity;
}

/**
 * Day from which the image is no longer in standard storage (archived or deleted): -Infinity when
 * archived already at the start, Infinity when it stays in standard storage.
 */
export function inactiveDay(fate: ImageFate | undefined, image: ImageRecord | undefined): number {
  if (image?.imageStatus === 'ARCHIVED') return -Infinity;
  return fate?.first?.day ?? Infinity;
}
