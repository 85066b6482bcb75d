import type { AwsClientOptions } from './client.js';
import type { EcrOperation } from './commands.js';
import type { ShardSpec } from './shard.js';

// Shapes of the snapshot files (exactly what the AWS CLI prints, timestamps as ISO-8601,
// keys sorted) and of the adapter's reports. The loader in src/load/snapshot.ts reads the files.

export type JsonObject = { [key: string]: unknown };

/** `describe-images.json`: `aws ecr describe-images --filter imageStatus=ANY`, all pages merged. */
export interface DescribeImagesFile {
  imageDetails: JsonObject[];
}

export interface ManifestEntry {
  registryId: string;
  repositoryName: string;
  imageId: { imageDigest: string; imageTag?: string };
  /** The manifest exactly as stored (its sha256 is the digest). */
  imageManifest: string;
  imageManifestMediaType?: string;
}

/** `batch-get-image.json`: every image of describe-images.json asked for by digest. */
export interface BatchGetImageFile {
  images: ManifestEntry[];
  failures: JsonObject[];
}

/** `get-lifecycle-policy.json`, written only when the repository has a policy. */
export interface LifecyclePolicyFile {
  registryId: string;
  repositoryName: string;
  lifecyclePolicyText: string;
  lastEvaluatedAt?: string;
}

/** `unknown` only when the policy could not be read (the repository is then incomplete). */
export type LifecyclePolicyStatus = 'present' | 'none' | 'unknown';

/** `repository.json`. */
export interface RepositoryFile {
  repositoryName: string;
  registryId: string;
  lifecyclePolicyStatus: LifecyclePolicyStatus;
  complete: boolean;
  incompleteReason?: string;
  snapshotAt: string;
}

/** `registry.json` at the root of each snapshot. */
export interface RegistryFile {
  registryId: string;
  region: string;
  blobMounting?: boolean;
}

export type ApiCallCounts = Partial<Record<EcrOperation, number>>;

export interface CallStatistics {
  /** Logical API calls by operation (an SDK call with its retries counts once). */
  apiCalls: ApiCallCounts;
  /** Extra attempts the SDK made (attempts - 1, summed). */
  retries: number;
}

/** One repository read from ECR, in memory: the snapshot files' contents, before writing. */
export interface LiveRepository extends CallStatistics {
  repositoryName: string;
  registryId: string;
  region: string;
  /** Absent when not every page was read: never a partial list that looks whole. */
  describeImages?: DescribeImagesFile;
  /** Absent when describe-images is absent or a BatchGetImage call failed. */
  batchGetImage?: BatchGetImageFile;
  lifecyclePolicy?: LifecyclePolicyFile;
  lifecyclePolicyStatus: LifecyclePolicyStatus;
  complete: boolean;
  incompleteReason?: string;
  imageCount: number;
  manifestsFromCache: number;
  manifestsFetched: number;
}

/** One (account, region) target: how its repository listing went. */
export interface LiveRegistry extends CallStatistics {
  /** Undefined only when the listing failed before any answer named the registry. */
  registryId?: string;
  region: string;
  roleArn?: string;
  blobMounting?: boolean;
  /** False when the repository listing failed: repositories may be missing. */
  complete: boolean;
  incompleteReason?: string;
  /** Repository names this run reads (after prefix, names and shard filters), sorted. */
  repositoryNames: string[];
  /** Non-fatal problems (e.g. the blob-mounting setting could not be read). */
  warnings: string[];
}

export interface SnapshotProgress {
  repositoriesDone: number;
  /** Known repositories so far (grows as each registry is listed). */
  repositoriesTotal: number;
  imagesRead: number;
  apiCalls: number;
  retries: number;
}

export interface LiveReadOptions {
  /** Exact repository names (DescribeRepositories `repositoryNames`). */
  repositories?: string[];
  repositoryPrefix?: string;
  /** Default: the SDK's region (AWS_REGION, profile). */
  regions?: string[];
  profile?: string;
  /** One role per account; default: the caller's own credentials. */
  roleArns?: string[];
  endpointUrl?: string;
  /** Default: `$XDG_CACHE_HOME/ecr-lifeguard/manifests` or `~/.cache/ecr-lifeguard/manifests`. */
  cacheDir?: string;
  /** Repositories read at once, and BatchGetImage calls at once per repository. Default 4. */
  concurrency?: number;
  shard?: ShardSpec;
  progress?: (p: SnapshotProgress) => void;
  /**
   * False: no BatchGetImage call at all (manifests from the cache only), so nothing this run does can
   * change an image's lastRecordedPullTime; a repository with manifests missing from the cache is
   * incomplete. Default true.
   */
  pull?: boolean;
  /** STS endpoint for GetCallerIdentity; otherwise the SDK's (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL). */
  stsEndpointUrl?: string;
  /**
   * Warnings the caller should show as they come (once each): today, that reading manifests may reset
   * pull times. They are also in the registry's `warnings`.
   */
  onWarning?: (message: string) => void;
  /** Client tuning (retries, timeouts, explicit credentials); see AwsClientOptions. */
  maxAttempts?: AwsClientOptions['maxAttempts'];
  retryStrategy?: AwsClientOptions['retryStrategy'];
  requestTimeoutMs?: AwsClientOptions['requestTimeoutMs'];
  credentials?: AwsClientOptions['credentials'];
}

export interface SnapshotOptions extends LiveReadOptions {
  out: string;
}

export interface RepositoryReport extends CallStatistics {
  repositoryName: string;
  registryId: string;
  region: string;
  /** Directory holding the repository's files. */
  path: string;
  images: number;
  manifestsFromCache: number;
  manifestsFetched: number;
  lifecyclePolicyStatus: LifecyclePolicyStatus;
  complete: boolean;
  incompleteReason?: string;
}

export interface RegistryReport extends CallStatistics {
  registryId?: string;
  region: string;
  roleArn?: string;
  /** Snapshot root of this registry (undefined when nothing could be written). */
  root?: string;
  blobMounting?: boolean;
  complete: boolean;
  incompleteReason?: string;
  warnings: string[];
}

export interface SnapshotReport {
  snapshotAt: string;
  out: string;
  /** True when every registry and repository was read completely (else the CLI exits 3). */
  complete: boolean;
  registries: RegistryReport[];
  /** Sorted by registryId, region, repositoryName. */
  repositories: RepositoryReport[];
  totals: { repositories: number; incomplete: number; images: number; apiCalls: number; retries: number };
}
