import { forEachEntry, isRecord, type UseCollector } from './common.js';
import { addReferenceAt, type StructuredDocument } from './document.js';

// Elastic Beanstalk `Dockerrun.aws.json`: version 2 (multicontainer) `containerDefinitions[].image`,
// version 1 `Image.Name`.

export function looksLikeDockerrun(value: unknown): boolean {
  return isRecord(value) && 'AWSEBDockerrunVersion' in value;
}

export function collectBeanstalk(doc: StructuredDocument, out: UseCollector): boolean {
  const value = doc.value;
  if (!looksLikeDockerrun(value) || !isRecord(value)) return false;
  forEachEntry(value.containerDefinitions, (c, i) => {
    // Some v2 files give `image: { name, update }`, as v1's `Image` does.
    if (isRecord(c.image)) addReferenceAt(doc, out, 'beanstalk', c.image.name, ['containerDefinitions', i, 'image', 'name']);
    else addReferenceAt(doc, out, 'beanstalk', c.image, ['containerDefinitions', i, 'image']);
  });
  if (isRecord(value.Image)) addReferenceAt(doc, out, 'beanstalk', value.Image.Name, ['Image', 'Name']);
  return true;
}
