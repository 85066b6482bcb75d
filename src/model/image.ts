// One repository's state, normalised from `describe-images` and `batch-get-image` output.
// Times are epoch milliseconds so the engine does plain arithmetic.

export type ImageStatus = 'ACTIVE' | 'ARCHIVED' | 'ACTIVATING';

/**
 * Statuses whose manifest BatchGetImage may fail to return without leaving the content graph unknown
 * (an archived image cannot be pulled until restored); a failure for any other image makes its
 * repository incomplete.
 */
export const MANIFEST_MAY_FAIL_STATUSES: ReadonlySet<string> = new Set<ImageStatus>(['ARCHIVED', 'ACTIVATING']);

export interface ImageRecord {
  imageDigest: string;
  imageTags: string[];
  imagePushedAt: number;
  imageSizeInBytes?: number;
  lastRecordedPullTime?: number;
  imageManifestMediaType?: string;
  artifactMediaType?: string;
  /** From ImageDetail, or filled in from the manifest's OCI `subject`. */
  subjectManifestDigest?: string;
  imageStatus: ImageStatus;
  lastArchivedAt?: number;
  lastActivatedAt?: number;
  registryId?: string;
  repositoryName?: string;
}

/** Shared between the manifests that name the same blob: never modified. */
export interface BlobRef {
  readonly digest: string;
  readonly size: number;
  readonly mediaType?: string;
}

export interface IndexChild {
  digest: string;
  mediaType?: string;
  size?: number;
  platform?: { os?: string; architecture?: string; variant?: string };
}

export type ManifestKind = 'image' | 'index';

/** What a manifest says about the content graph. */
export interface ManifestInfo {
  digest: string;
  mediaType: string;
  kind: ManifestKind;
  config?: BlobRef;
  layers: BlobRef[];
  /** Index only: the manifests it lists. */
  children: IndexChild[];
  /** OCI `subject`: this manifest is a referrer of that digest. */
  subject?: string;
  artifactType?: string;
}

export interface RegistryInfo {
  registryId?: string;
  region?: string;
  blobMounting?: boolean;
}

export interface RepositoryState {
  repositoryName: string;
  registryId?: string;
  images: ImageRecord[];
  /** Keyed by manifest digest; may be empty when no batch-get-image output was given. */
  manifests: Map<string, ManifestInfo>;
  /** True when manifests were supplied, so absence of a child or subject is meaningful. */
  manifestsLoaded: boolean;
}

/**
 * The tags in sorted order: the array itself when it is sorted already (the loaders sort every record's
 * tags), else a sorted copy. Reports then share the record's array instead of copying it for each of
 * their sections; callers never mutate it.
 */
export function sortedTags(tags: string[]): string[] {
  return isStrictlyAscending(tags) ? tags : [...tags].sort();
}

/** Whether strings are in ascending order, each once (what loaded lists usually are: sorting is then skipped). */
export function isStrictlyAscending(list: readonly string[]): boolean {
  for (let k = 1; k < list.length; k++) if (!(list[k - 1]! < list[k]!)) return false;
  return true;
}

/** Push time used for ordering and `sinceImagePushed`: a later restore counts as a push. */
export function effectivePushTime(image: ImageRecord): number {
  return image.lastActivatedAt !== undefined && image.lastActivatedAt > image.imagePushedAt
    ? image.lastActivatedAt
    : image.imagePushedAt;
}

/** Newer first; equal push times: the larger digest counts as newer (documented choice). */
export function compareNewestFirst(a: ImageRecord, b: ImageRecord): number {
  const d = effectivePushTime(b) - effectivePushTime(a);
  if (d !== 0) return d;
  return a.imageDigest < b.imageDigest ? 1 : a.imageDigest > b.imageDigest ? -1 : 0;
}
