import type { ImageRecord, RepositoryState } from '../model/image.js';

// The parts of the content graph the policy evaluation needs: which images are index children
// (protected while their index is present and active) and which are referrers (follow their subject).

export const INDEX_MEDIA_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);

export interface ContentRelations {
  /** index digest -> child manifest digests. */
  childrenOf: Map<string, string[]>;
  /** referrer digest -> subject digest. */
  subjectOf: Map<string, string>;
  /** subject digest -> referrer digests (sorted). */
  referrersOf: Map<string, string[]>;
  /** Indexes whose children are unknown because their manifest was not supplied. */
  indexesWithoutManifest: string[];
}

export function isIndexImage(image: ImageRecord, state: Pick<RepositoryState, 'manifests'>): boolean {
  const m = state.manifests.get(image.imageDigest);
  if (m) return m.kind === 'index';
  return image.imageManifestMediaType !== undefined && INDEX_MEDIA_TYPES.has(image.imageManifestMediaType);
}

export function buildRelations(state: Pick<RepositoryState, 'images' | 'manifests'>): ContentRelations {
  const childrenOf = new Map<string, string[]>();
  const subjectOf = new Map<string, string>();
  const referrersOf = new Map<string, string[]>();
  const indexesWithoutManifest: string[] = [];
  for (const image of state.images) {
    const manifest = state.manifests.get(image.imageDigest);
    if (manifest?.kind === 'index') {
      childrenOf.set(image.imageDigest, manifest.children.map((c) => c.digest));
    } else if (!manifest && isIndexImage(image, state)) {
      indexesWithoutManifest.push(image.imageDigest);
    }
    const subject = image.subjectManifestDigest ?? manifest?.subject;
    if (subject !== undefined && subject !== image.imageDigest) {
      subjectOf.set(image.imageDigest, subject);
      const list = referrersOf.get(subject);
      if (list) list.push(image.imageDigest);
      else referrersOf.set(subject, [image.imageDigest]);
    }
  }
  for (const list of referrersOf.values()) list.sort();
  indexesWithoutManifest.sort();
  return { childrenOf, subjectOf, referrersOf, indexesWithoutManifest };
}
