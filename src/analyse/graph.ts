import { isStrictlyAscending, type BlobRef, type ImageRecord, type IndexChild, type ManifestInfo, type RepositoryState } from '../model/image.js';
import { buildRelations, type ContentRelations } from '../simulate/relations.js';

// The content graph of one repository: index -> children, manifest -> blobs, referrer -> subject,
// and tag-scheme artifacts (`sha256-<hex>.sig|.att|.sbom`) -> the image whose digest they name.
// Only images present in the state count: a manifest without an image record is stale output.

export type ArtifactKind = 'sig' | 'att' | 'sbom';

/** Something attached to an image that deploy-time verification may need. */
export interface ArtifactLink {
  /** The artifact's own manifest digest (an image of this repository). */
  digest: string;
  /** `referrer`: OCI subject / subjectManifestDigest. `tag-scheme`: a cosign-style `sha256-<hex>.<kind>` tag. */
  via: 'referrer' | 'tag-scheme';
  /** Tag-scheme only. */
  kind?: ArtifactKind;
  tag?: string;
  artifactType?: string;
}

export type BlobScope = 'repository' | 'registry';

/**
 * Registry-wide blob references for blob mounting: per blob, how many (repository, manifest) pairs
 * reference it, and how many of those manifests are not archived. Counts, not lists, to stay compact.
 */
export interface RegistryBlobIndex {
  refs: Map<string, number>;
  activeRefs: Map<string, number>;
  sizes: Map<string, number>;
  /** Images (registry-wide) whose manifest was not supplied: their blobs are not counted. */
  imagesWithoutManifest: number;
}

/**
 * The blobs of one repository, numbered: a blob's id indexes `refs` and its holder list. Holders are
 * image ids (positions in `imageDigests`). Typed arrays rather than maps of lists: 100,000 images
 * hold some 800,000 (image, blob) pairs, and every storage figure is a pass over them.
 */
export interface BlobTable {
  idOf: Map<string, number>;
  /** Each blob as the first manifest (by image digest) that references it describes it. */
  refs: BlobRef[];
  /** Holders of blob b: `holders[start[b]]` up to `holders[start[b + 1] - 1]`, ascending. */
  start: Int32Array;
  holders: Int32Array;
}

export interface ContentGraph {
  repositoryName: string;
  images: Map<string, ImageRecord>;
  manifests: Map<string, ManifestInfo>;
  manifestsLoaded: boolean;
  /** The relations the engine uses (childrenOf, subjectOf, referrersOf). */
  relations: ContentRelations;
  /** child digest -> indexes of this repository listing it (sorted). */
  parentsOf: Map<string, string[]>;
  /** subject digest -> referrers and tag-scheme artifacts naming it (sorted by digest, then tag). */
  artifactsOf: Map<string, ArtifactLink[]>;
  /** tag-scheme artifact digest -> the subject digest its tag names. */
  tagSchemeSubjectOf: Map<string, string>;
  /** Image digests in ascending order: an image's id is its position here. */
  imageDigests: string[];
  /** The repository's blobs, numbered, with the images holding each. */
  blobs: BlobTable;
  /** Images whose manifest was not supplied: their blobs (or, for an index, children) are unknown (sorted). */
  imagesWithoutManifest: string[];
}

const TAG_SCHEME = /^sha256-([0-9a-f]{64})\.(sig|att|sbom)$/;

/** `sha256-<hex>.sig` -> subject `sha256:<hex>` and kind, or undefined for other tags. */
export function parseTagSchemeTag(tag: string): { subject: string; kind: ArtifactKind } | undefined {
  const m = TAG_SCHEME.exec(tag);
  return m ? { subject: `sha256:${m[1]}`, kind: m[2] as ArtifactKind } : undefined;
}

/** The blobs one manifest references, each once (config first, then layers in order). */
export function manifestBlobs(manifest: ManifestInfo | undefined): BlobRef[] {
  if (!manifest) return [];
  const all = manifest.config ? [manifest.config, ...manifest.layers] : manifest.layers;
  // Manifests list a handful of blobs and rarely repeat one: a quadratic scan beats a Set per manifest.
  let repeated = false;
  for (let i = 1; i < all.length && !repeated; i++) {
    for (let j = 0; j < i; j++) {
      if (all[j]!.digest === all[i]!.digest) {
        repeated = true;
        break;
      }
    }
  }
  if (!repeated) return all;
  const seen = new Set<string>();
  return all.filter((b) => !seen.has(b.digest) && seen.add(b.digest) !== undefined);
}

/** Calls `fn` once per (image, distinct blob) of a repository: the one walk both the graph and the registry index use. */
function forEachImageBlob(state: RepositoryState, fn: (image: ImageRecord, blob: BlobRef) => void): void {
  for (const image of state.images) {
    const manifest = state.manifests.get(image.imageDigest);
    if (!manifest) continue;
    for (const blob of manifestBlobs(manifest)) fn(image, blob);
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export function buildContentGraph(state: RepositoryState): ContentGraph {
  const images = new Map(state.images.map((i) => [i.imageDigest, i]));
  const relations = buildRelations(state);
  const parentsOf = new Map<string, string[]>();
  for (const [index, children] of relations.childrenOf) for (const child of new Set(children)) push(parentsOf, child, index);
  for (const list of parentsOf.values()) list.sort();

  const artifactsOf = new Map<string, ArtifactLink[]>();
  const tagSchemeSubjectOf = new Map<string, string>();
  for (const [referrer, subject] of relations.subjectOf) {
    const artifactType = images.get(referrer)?.artifactMediaType ?? state.manifests.get(referrer)?.artifactType;
    push(artifactsOf, subject, artifactType ? { digest: referrer, via: 'referrer', artifactType } : { digest: referrer, via: 'referrer' });
  }
  for (const image of state.images) {
    for (const tag of image.imageTags) {
      const t = parseTagSchemeTag(tag);
      if (!t || t.subject === image.imageDigest) continue;
      push(artifactsOf, t.subject, { digest: image.imageDigest, via: 'tag-scheme', kind: t.kind, tag });
      tagSchemeSubjectOf.set(image.imageDigest, t.subject);
    }
  }
  for (const list of artifactsOf.values()) list.sort(compareArtifacts);

  // Images usually come sorted by digest (the loaders sort them).
  const imageDigests = state.images.map((i) => i.imageDigest);
  if (!isStrictlyAscending(imageDigests)) imageDigests.sort();
  const blobs = buildBlobTable(imageDigests, state.manifests);

  // An index without its manifest hides its children, so it counts as much as an image without layers.
  const imagesWithoutManifest = state.images.filter((i) => !state.manifests.has(i.imageDigest)).map((i) => i.imageDigest).sort();

  return {
    repositoryName: state.repositoryName, images, manifests: state.manifests, manifestsLoaded: state.manifestsLoaded,
    relations, parentsOf, artifactsOf, tagSchemeSubjectOf, imageDigests, blobs, imagesWithoutManifest,
  };
}

/** Numbers the blobs of the given images' manifests and lists each blob's holders (a counting sort by blob). */
function buildBlobTable(imageDigests: readonly string[], manifests: ReadonlyMap<string, ManifestInfo>): BlobTable {
  const idOf = new Map<string, number>();
  const refs: BlobRef[] = [];
  const pairBlob: number[] = [];
  const pairImage: number[] = [];
  // The last image that listed each blob: a blob a manifest lists twice counts once (as in manifestBlobs).
  const lastImage: number[] = [];
  const visit = (blob: BlobRef, image: number): void => {
    let id = idOf.get(blob.digest);
    if (id === undefined) {
      id = refs.length;
      idOf.set(blob.digest, id);
      refs.push(blob);
      lastImage.push(-1);
    }
    if (lastImage[id] === image) return;
    lastImage[id] = image;
    pairBlob.push(id);
    pairImage.push(image);
  };
  for (let image = 0; image < imageDigests.length; image++) {
    const manifest = manifests.get(imageDigests[image]!);
    if (!manifest) continue;
    // Config first, then layers: the order manifestBlobs gives, so each blob keeps its first descriptor.
    if (manifest.config) visit(manifest.config, image);
    for (const layer of manifest.layers) visit(layer, image);
  }
  const start = new Int32Array(refs.length + 1);
  for (const id of pairBlob) start[id + 1]!++;
  for (let b = 0; b < refs.length; b++) start[b + 1]! += start[b]!;
  const holders = new Int32Array(pairBlob.length);
  const next = start.slice(0, refs.length);
  // Images were visited in ascending id, so each blob's holders come out ascending.
  for (let k = 0; k < pairBlob.length; k++) holders[next[pairBlob[k]!]!++] = pairImage[k]!;
  return { idOf, refs, start, holders };
}

/** The digests of the images whose manifest references the blob (sorted); empty for an unknown blob. */
export function holdersOf(graph: ContentGraph, blobDigest: string): string[] {
  const id = graph.blobs.idOf.get(blobDigest);
  if (id === undefined) return [];
  const out: string[] = [];
  for (let k = graph.blobs.start[id]!; k < graph.blobs.start[id + 1]!; k++) out.push(graph.imageDigests[graph.blobs.holders[k]!]!);
  return out;
}

function compareArtifacts(a: ArtifactLink, b: ArtifactLink): number {
  return cmp(a.digest, b.digest) || cmp(a.tag ?? '', b.tag ?? '');
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The manifests a pull of `digest` needs: the manifest itself and, for an index, every child
 * (nested indexes included). Children missing from the repository are listed too: the pull
 * needs them whether or not they exist. Sorted, the requested digest first.
 */
export function manifestsForPull(graph: ContentGraph, digest: string): string[] {
  const out = new Set<string>([digest]);
  const queue = [digest];
  for (let q = 0; q < queue.length; q++) {
    for (const child of graph.relations.childrenOf.get(queue[q]!) ?? []) {
      if (out.has(child)) continue;
      out.add(child);
      queue.push(child);
    }
  }
  const [first, ...rest] = [...out];
  return [first!, ...rest.sort()];
}

/** The distinct blobs the given manifests reference, sorted by digest. */
export function blobsForManifests(graph: ContentGraph, manifestDigests: Iterable<string>): BlobRef[] {
  const out = new Map<string, BlobRef>();
  for (const d of manifestDigests) {
    if (!graph.images.has(d)) continue;
    for (const b of manifestBlobs(graph.manifests.get(d))) if (!out.has(b.digest)) out.set(b.digest, b);
  }
  return [...out.values()].sort((a, b) => cmp(a.digest, b.digest));
}

/** The blobs a pull of `digest` needs. */
export function blobsForPull(graph: ContentGraph, digest: string): BlobRef[] {
  return blobsForManifests(graph, manifestsForPull(graph, digest));
}

/** The index child entry (platform etc.) for `child` in any index of the pull, if known. */
export function childEntry(graph: ContentGraph, child: string): IndexChild | undefined {
  for (const index of graph.parentsOf.get(child) ?? []) {
    const c = graph.manifests.get(index)?.children.find((e) => e.digest === child);
    if (c) return c;
  }
  return undefined;
}

/** `linux/arm64/v8` style name of a platform, or undefined. */
export function platformName(child: IndexChild | undefined): string | undefined {
  const p = child?.platform;
  if (!p) return undefined;
  return [p.os, p.architecture, p.variant].filter((s) => s !== undefined && s !== '').join('/') || undefined;
}

export function createRegistryBlobIndex(): RegistryBlobIndex {
  return { refs: new Map(), activeRefs: new Map(), sizes: new Map(), imagesWithoutManifest: 0 };
}

/** Adds one repository's manifests to the index (call once per repository, streaming is fine). */
export function addToRegistryBlobIndex(index: RegistryBlobIndex, state: RepositoryState): void {
  forEachImageBlob(state, (image, blob) => {
    index.refs.set(blob.digest, (index.refs.get(blob.digest) ?? 0) + 1);
    if (image.imageStatus !== 'ARCHIVED') index.activeRefs.set(blob.digest, (index.activeRefs.get(blob.digest) ?? 0) + 1);
    if (!index.sizes.has(blob.digest)) index.sizes.set(blob.digest, blob.size);
  });
  for (const image of state.images) if (!state.manifests.has(image.imageDigest)) index.imagesWithoutManifest++;
}

export function buildRegistryBlobIndex(states: Iterable<RepositoryState>): RegistryBlobIndex {
  const index = createRegistryBlobIndex();
  for (const state of states) addToRegistryBlobIndex(index, state);
  return index;
}
