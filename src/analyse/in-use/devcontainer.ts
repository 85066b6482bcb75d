import { isRecord, type UseCollector } from './common.js';
import { addReferenceAt, type StructuredDocument } from './document.js';

// Dev containers: `devcontainer.json` (JSON with comments) names its image in `image`; one built
// from a Dockerfile (`build`) has none, and its Dockerfile is read as a Dockerfile.

export function isDevcontainerName(base: string): boolean {
  return /^\.?devcontainer\.json$/i.test(base);
}

export function collectDevcontainer(doc: StructuredDocument, out: UseCollector): boolean {
  if (!isRecord(doc.value)) return false;
  addReferenceAt(doc, out, 'devcontainer', doc.value.image, ['image']);
  return true;
}
