import type { ImageRecord } from '../model/image.js';
import { readJsonDocument } from './json-document.js';
import { parseDescribeImages } from './images.js';
import { assertInputKind } from './kinds.js';
import { parseBatchGetImage, type BatchGetImageResult } from './manifests.js';

// Loaders for the single-file flags (--images, --manifests; --policy is loadPolicyFile), which
// recognise a file handed to the wrong flag before validating it.

export { detectInputKind, assertInputKind, KIND_LABELS, type InputKind } from './kinds.js';
export { checkTimesAgainstNow } from './images.js';
export { loadPolicyFile } from './policy.js';

export async function loadImagesFile(path: string, expectedBy = '--images expects'): Promise<ImageRecord[]> {
  const doc = await readJsonDocument(path);
  assertInputKind(doc, ['describe-images'], expectedBy);
  return parseDescribeImages(doc);
}

export async function loadManifestsFile(path: string, expectedBy = '--manifests expects'): Promise<BatchGetImageResult> {
  const doc = await readJsonDocument(path);
  assertInputKind(doc, ['batch-get-image'], expectedBy);
  return parseBatchGetImage(doc);
}
