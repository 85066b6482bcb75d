import type { AwsClientOptions } from '../client.js';

// Live in-use discovery: what runs now (and what a rollback would need), read from ECS, Lambda,
// App Runner, Batch and Kubernetes, written as files the offline in-use readers already read.

export const LIVE_SOURCES = ['ecs', 'lambda', 'apprunner', 'batch'] as const;
export type LiveSource = (typeof LIVE_SOURCES)[number];

export const DEFAULT_ROLLBACK_DEPTH = 1;

/** At the top of a snapshot: what was discovered, from where, and what is missing. */
export const IN_USE_STATUS_FILE = 'in-use-status.json';
/** Beside the repositories: the discovered files, under folders no repository can have. */
export const IN_USE_DIR = 'in-use';
export const IN_USE_OWN_FOLDERS = ['_aws', '_kube'] as const;

export interface LiveInUseOptions {
  sources: LiveSource[];
  /** Previous task definition revisions of each ECS service's family kept as rollback targets. */
  rollbackDepth?: number;
  /** Default: the SDK's region (AWS_REGION, profile). */
  regions?: string[];
  profile?: string;
  /** One role per account; default: the caller's own credentials. */
  roleArns?: string[];
  /** Calls at once (clusters, functions, services). Default 4. */
  concurrency?: number;
  /** Per-service endpoints (tests); otherwise the SDK honours AWS_ENDPOINT_URL_ECS, _LAMBDA, _APPRUNNER, _BATCH. */
  endpoints?: Partial<Record<LiveSource, string>>;
  maxAttempts?: AwsClientOptions['maxAttempts'];
  retryStrategy?: AwsClientOptions['retryStrategy'];
  requestTimeoutMs?: AwsClientOptions['requestTimeoutMs'];
  credentials?: AwsClientOptions['credentials'];
}

export interface KubeInUseOptions {
  /** Contexts to read; empty: the kubeconfig's current context. */
  contexts: string[];
  /** Kubeconfig file; default KUBECONFIG or ~/.kube/config, as kubectl. */
  kubeconfig?: string;
  /** Per request, including the credential plugin's token. Default 30 s. */
  timeoutMs?: number;
  /** Items per list page. Default 500. */
  pageSize?: number;
}

/** One file of the `in-use/` folder: a path relative to it ('/'-separated) and its text. */
export interface InUseFile {
  path: string;
  text: string;
}

/** How one source (a service in one account and region, or one Kubernetes context) was read. */
export interface SourceStatus {
  source: LiveSource | 'kubernetes';
  /** `us-east-1` (with `role ARN` when roles are given), or `context NAME`. */
  scope: string;
  complete: boolean;
  /** What could not be read, one line each: never "not in use". */
  missing: string[];
  /** Image references written. */
  references: number;
  /** Logical API calls by operation (a call with its retries counts once). */
  apiCalls: Record<string, number>;
  retries: number;
}

/** `in-use-status.json`, at the top of a snapshot written with --in-use-live / --in-use-kube. */
export interface InUseStatusFile {
  discoveredAt: string;
  complete: boolean;
  rollbackDepth?: number;
  sources: SourceStatus[];
  /** The files of `in-use/`, relative to it, sorted: only these are read back. */
  files: string[];
}

export interface InUseDiscovery {
  files: InUseFile[];
  sources: SourceStatus[];
}
