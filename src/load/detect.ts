import type { ImageRecord } from '../model/image.js';
import { readDescribeImagesFile } from './images.js';
import { readBatchGetImageFile, type BatchGetImageResult } from './manifests.js';

// Loaders for the single-file flags (--images, --manifests; --policy is loadPolicyFile), which
// recognise a file handed to the wrong flag before validating it.

export { detectInputKind, assertInputKind, KIND_LABELS, type InputKind } from './kinds.js';
export { checkTimesAgainstNow } from './images.js';
export { loadPolicyFile } from './policy.js';

export async function loadImagesFile(path: string, expectedBy = '--images expects'): Promise<ImageRecord[]> {
  return readDescribeImagesFile(path, expectedBy);
}

/** `imageDigests`: the digests of the images file, whose strings the manifests then share. */
export async function loadManifestsFile(path: string, imageDigests: Iterable<string> = [], expectedBy = '--manifests expects'): Promise<BatchGetImageResult> {
  return readBatchGetImageFile(path, expectedBy, imageDigests);
}
