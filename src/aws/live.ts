import type { ECRClient, ImageDetail, Repository } from '@aws-sdk/client-ecr';
import { IncompleteDataError, UsageError } from '../model/errors.js';
import { MANIFEST_MAY_FAIL_STATUSES } from '../model/image.js';
import { digestMatches, digestMismatchReason } from '../model/digest.js';
import { createEcrClient, createStsClient, resolveClientRegion } from './client.js';
import { checkPullTimeExclusion } from './identity.js';
import {
  BatchGetImageCommand,
  DescribeImagesCommand,
  DescribeRegistryCommand,
  DescribeRepositoriesCommand,
  GetAccountSettingCommand,
  GetLifecyclePolicyCommand,
  ListPullTimeUpdateExclusionsCommand,
  type EcrOperation,
} from './commands.js';
import { ManifestCache, defaultManifestCacheDir } from './manifest-cache.js';
import { quoteValue, regionProblem, registryIdProblem, repositoryNameProblem } from './names.js';
import { filterShard, repositoryKey, validateShard } from './shard.js';
import type {
  BatchGetImageFile,
  CallStatistics,
  DescribeImagesFile,
  JsonObject,
  LifecyclePolicyFile,
  LifecyclePolicyStatus,
  LiveReadOptions,
  LiveRegistry,
  LiveRepository,
  ManifestEntry,
  SnapshotProgress,
} from './types.js';

// Reads registries from ECR, one repository at a time, into the exact objects the snapshot
// files hold. `takeSnapshot` is this read plus writing; `audit --live` uses it directly.

export const DEFAULT_CONCURRENCY = 4;
const DESCRIBE_IMAGES_PAGE = 1000;
const BATCH_GET_IMAGE_MAX = 100;
const DESCRIBE_REPOSITORIES_NAMES_MAX = 100;
const DESCRIBE_REPOSITORIES_PAGE = 1000;
const CACHE_IO_CONCURRENCY = 32;

/** Every Docker and OCI manifest and index type, so ECR never converts or refuses one. */
export const ACCEPTED_MANIFEST_MEDIA_TYPES = [
  'application/vnd.docker.distribution.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
];


export type LiveEvent =
  | { kind: 'registry'; registry: LiveRegistry }
  | { kind: 'repository'; repository: LiveRepository };

/** Converts SDK output to what the AWS CLI prints: ISO timestamps, no `$metadata`, sorted keys. */
export function toCliJson(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toCliJson);
  if (value !== null && typeof value === 'object') {
    const out: JsonObject = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as JsonObject)[key];
      if (key === '$metadata' || v === undefined) continue;
      out[key] = toCliJson(v);
    }
    return out;
  }
  return value;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface AwsErrorLike {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { attempts?: number; httpStatusCode?: number };
}

function errorName(err: unknown): string {
  const e = (err ?? {}) as AwsErrorLike;
  if (typeof e.name === 'string' && e.name !== '' && e.name !== 'Error') return e.name;
  return typeof e.code === 'string' ? e.code : 'Error';
}

/** One line naming the operation, the error and the attempts; never request details. */
export function describeAwsError(operation: string, err: unknown): string {
  const e = (err ?? {}) as AwsErrorLike;
  const attempts = e.$metadata?.attempts;
  const message = typeof e.message === 'string' ? (e.message.split('\n')[0] ?? '').slice(0, 300) : '';
  const after = attempts !== undefined ? ` after ${attempts} attempt${attempts === 1 ? '' : 's'}` : '';
  return `${operation} failed${after}: ${errorName(err)}${message !== '' && message !== errorName(err) ? `: ${message}` : ''}`;
}

/**
 * No credentials anywhere in the SDK's chain is a set-up mistake, not data that could not be read:
 * say how to fix it (exit 2) before any call. The SDK keeps the credentials it resolves, so the calls
 * that follow do not resolve them again. Other failures are left to the calls, which report them.
 */
async function requireCredentials(client: ECRClient): Promise<void> {
  try {
    await client.config.credentials();
  } catch (err) {
    if (errorName(err) === 'CredentialsProviderError') throw new UsageError('no AWS credentials found: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or run aws sso login');
  }
}

/** Global counters for the progress callback. */
class Tracker {
  readonly progress: SnapshotProgress = { repositoriesDone: 0, repositoriesTotal: 0, imagesRead: 0, apiCalls: 0, retries: 0 };
  constructor(private readonly callback?: (p: SnapshotProgress) => void) {}
  emit(): void {
    this.callback?.({ ...this.progress });
  }
}

function newStats(): CallStatistics {
  return { apiCalls: {}, retries: 0 };
}

/** Sends one SDK call, counting it (and the SDK's retries) whether it succeeds or fails. */
async function call<T extends { $metadata: { attempts?: number } }>(
  operation: EcrOperation,
  stats: CallStatistics,
  tracker: Tracker,
  send: () => Promise<T>,
): Promise<T> {
  let attempts = 1;
  try {
    const output = await send();
    attempts = output.$metadata.attempts ?? 1;
    return output;
  } catch (err) {
    attempts = (err as AwsErrorLike).$metadata?.attempts ?? 1;
    throw err;
  } finally {
    stats.apiCalls[operation] = (stats.apiCalls[operation] ?? 0) + 1;
    stats.retries += attempts - 1;
    tracker.progress.apiCalls += 1;
    tracker.progress.retries += attempts - 1;
    tracker.emit();
  }
}

/** Runs `fn` over items with at most `limit` at once; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Like mapLimit but yields each result, in input order, as soon as it and its predecessors are done. */
async function* mapOrdered<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): AsyncGenerator<R> {
  const pending: Promise<R>[] = [];
  let next = 0;
  const launch = (): void => {
    while (pending.length < limit && next < items.length) pending.push(fn(items[next++]!));
  };
  launch();
  while (pending.length > 0) {
    const result = await pending.shift()!;
    launch();
    yield result;
  }
}

interface RepositoryTarget {
  repositoryName: string;
  registryId: string;
  /** Set when the repository could not be described (e.g. RepositoryNotFoundException). */
  unavailable?: string;
}

interface Listing {
  targets: RepositoryTarget[];
  registryId?: string;
  error?: string;
}

function isError(err: unknown, name: string): boolean {
  return errorName(err) === name;
}

async function listByNames(client: ECRClient, names: string[], stats: CallStatistics, tracker: Tracker): Promise<Listing> {
  const found: Repository[] = [];
  const missing = new Map<string, string>();
  const describe = (repositoryNames: string[]) =>
    call('DescribeRepositories', stats, tracker, () => client.send(new DescribeRepositoriesCommand({ repositoryNames })));
  // ECR fails the whole call when one name is missing: split the batch to find which.
  const describeChunk = async (chunk: string[]): Promise<void> => {
    try {
      found.push(...((await describe(chunk)).repositories ?? []));
    } catch (err) {
      if (!isError(err, 'RepositoryNotFoundException')) throw err;
      if (chunk.length === 1) missing.set(chunk[0]!, describeAwsError('DescribeRepositories', err));
      else for (const name of chunk) await describeChunk([name]);
    }
  };
  try {
    for (let i = 0; i < names.length; i += DESCRIBE_REPOSITORIES_NAMES_MAX) {
      await describeChunk(names.slice(i, i + DESCRIBE_REPOSITORIES_NAMES_MAX));
    }
  } catch (err) {
    return { targets: [], error: describeAwsError('DescribeRepositories', err) };
  }
  let registryId = found.find((r) => r.registryId !== undefined)?.registryId;
  if (registryId === undefined && missing.size > 0) {
    try {
      registryId = (await call('DescribeRegistry', stats, tracker, () => client.send(new DescribeRegistryCommand({})))).registryId;
    } catch (err) {
      return { targets: [], error: describeAwsError('DescribeRegistry', err) };
    }
  }
  const targets: RepositoryTarget[] = found.map((r) => ({ repositoryName: r.repositoryName!, registryId: r.registryId ?? registryId! }));
  for (const [repositoryName, reason] of missing) targets.push({ repositoryName, registryId: registryId!, unavailable: reason });
  return { targets, ...(registryId !== undefined ? { registryId } : {}) };
}

async function listAll(client: ECRClient, stats: CallStatistics, tracker: Tracker): Promise<Listing> {
  const found: Repository[] = [];
  const seenTokens = new Set<string>();
  let nextToken: string | undefined;
  try {
    do {
      const page = await call('DescribeRepositories', stats, tracker, () =>
        client.send(new DescribeRepositoriesCommand({ maxResults: DESCRIBE_REPOSITORIES_PAGE, ...(nextToken !== undefined ? { nextToken } : {}) })),
      );
      found.push(...(page.repositories ?? []));
      nextToken = page.nextToken;
      if (nextToken !== undefined && seenTokens.has(nextToken)) {
        return { targets: [], error: 'DescribeRepositories failed: pagination token repeated (the listing would never end)' };
      }
      if (nextToken !== undefined) seenTokens.add(nextToken);
    } while (nextToken !== undefined);
  } catch (err) {
    return { targets: [], error: describeAwsError('DescribeRepositories', err) };
  }
  let registryId = found.find((r) => r.registryId !== undefined)?.registryId;
  if (registryId === undefined) {
    // An empty registry names no repository: ask for the registry id so registry.json is whole.
    try {
      registryId = (await call('DescribeRegistry', stats, tracker, () => client.send(new DescribeRegistryCommand({})))).registryId;
    } catch (err) {
      return { targets: [], error: describeAwsError('DescribeRegistry', err) };
    }
  }
  return {
    targets: found.map((r) => ({ repositoryName: r.repositoryName!, registryId: r.registryId ?? registryId! })),
    ...(registryId !== undefined ? { registryId } : {}),
  };
}

/** ECR's BLOB_MOUNTING account setting: true/false, or undefined when the API has no answer. */
async function readBlobMounting(
  client: ECRClient,
  stats: CallStatistics,
  tracker: Tracker,
  warnings: string[],
): Promise<boolean | undefined> {
  try {
    const out = await call('GetAccountSetting', stats, tracker, () => client.send(new GetAccountSettingCommand({ name: 'BLOB_MOUNTING' })));
    if (out.value === 'ENABLED') return true;
    if (out.value === 'DISABLED') return false;
    return undefined;
  } catch (err) {
    warnings.push(`blob mounting unknown: ${describeAwsError('GetAccountSetting', err)}`);
    return undefined;
  }
}

interface RepositoryContext {
  client: ECRClient;
  region: string;
  cache: ManifestCache;
  concurrency: number;
  tracker: Tracker;
  /** False: manifests from the cache only (--no-pull). */
  pull: boolean;
  /** Awaited before any BatchGetImage: checks (once per registry) whether pulls reset pull times. */
  beforeFirstPull: () => Promise<void>;
}

async function readLifecyclePolicy(
  ctx: RepositoryContext,
  target: RepositoryTarget,
  stats: CallStatistics,
): Promise<{ status: LifecyclePolicyStatus; file?: LifecyclePolicyFile; error?: string }> {
  try {
    const out = await call('GetLifecyclePolicy', stats, ctx.tracker, () =>
      ctx.client.send(new GetLifecyclePolicyCommand({ registryId: target.registryId, repositoryName: target.repositoryName })),
    );
    if (out.lifecyclePolicyText === undefined) return { status: 'none' };
    const file: LifecyclePolicyFile = {
      registryId: out.registryId ?? target.registryId,
      repositoryName: out.repositoryName ?? target.repositoryName,
      lifecyclePolicyText: out.lifecyclePolicyText,
      ...(out.lastEvaluatedAt !== undefined ? { lastEvaluatedAt: out.lastEvaluatedAt.toISOString() } : {}),
    };
    return { status: 'present', file: toCliJson(file) as LifecyclePolicyFile };
  } catch (err) {
    if (isError(err, 'LifecyclePolicyNotFoundException')) return { status: 'none' };
    return { status: 'unknown', error: describeAwsError('GetLifecyclePolicy', err) };
  }
}

async function readImageDetails(
  ctx: RepositoryContext,
  target: RepositoryTarget,
  stats: CallStatistics,
): Promise<{ details?: ImageDetail[]; error?: string }> {
  const details: ImageDetail[] = [];
  const seenTokens = new Set<string>();
  let nextToken: string | undefined;
  try {
    do {
      const page = await call('DescribeImages', stats, ctx.tracker, () =>
        ctx.client.send(
          new DescribeImagesCommand({
            registryId: target.registryId,
            repositoryName: target.repositoryName,
            filter: { imageStatus: 'ANY' },
            maxResults: DESCRIBE_IMAGES_PAGE,
            ...(nextToken !== undefined ? { nextToken } : {}),
          }),
        ),
      );
      const got = page.imageDetails ?? [];
      details.push(...got);
      ctx.tracker.progress.imagesRead += got.length;
      nextToken = page.nextToken;
      if (nextToken !== undefined && seenTokens.has(nextToken)) {
        return { error: 'DescribeImages failed: pagination token repeated (the listing would never end)' };
      }
      if (nextToken !== undefined) seenTokens.add(nextToken);
    } while (nextToken !== undefined);
  } catch (err) {
    return { error: describeAwsError('DescribeImages', err) };
  }
  return { details };
}

/** Manifests for every image: from the cache when the bytes verify, else BatchGetImage by 100. */
async function readManifests(
  ctx: RepositoryContext,
  target: RepositoryTarget,
  details: ImageDetail[],
  stats: CallStatistics,
): Promise<{ file?: BatchGetImageFile; fromCache: number; fetched: number; error?: string }> {
  const byDigest = new Map<string, ImageDetail>();
  for (const d of details) if (d.imageDigest !== undefined) byDigest.set(d.imageDigest, d);
  const digests = [...byDigest.keys()].sort(compareStrings);
  const entry = (digest: string, manifest: string, responseMediaType?: string): ManifestEntry => {
    // Media type from ImageDetail first, so cached and fetched runs write identical files.
    const mediaType = byDigest.get(digest)?.imageManifestMediaType ?? responseMediaType ?? manifestMediaType(manifest);
    return {
      registryId: target.registryId,
      repositoryName: target.repositoryName,
      imageId: { imageDigest: digest },
      imageManifest: manifest,
      ...(mediaType !== undefined ? { imageManifestMediaType: mediaType } : {}),
    };
  };
  const images: ManifestEntry[] = [];
  const missing: string[] = [];
  const cached = await mapLimit(digests, CACHE_IO_CONCURRENCY, (digest) => ctx.cache.get(digest));
  digests.forEach((digest, i) => {
    const manifest = cached[i];
    if (manifest !== undefined) images.push(entry(digest, manifest));
    else missing.push(digest);
  });
  const fromCache = images.length;
  if (missing.length > 0 && !ctx.pull) {
    // No BatchGetImage at all. Archived images may lack a manifest anyway; any other missing one leaves
    // the content graph unknown: incomplete, and no batch-get-image.json that could pass for whole.
    const blocking = missing.filter((d) => !MANIFEST_MAY_FAIL_STATUSES.has(byDigest.get(d)?.imageStatus ?? ''));
    if (blocking.length > 0) {
      return { fromCache, fetched: 0, error: `${blocking.length} manifest(s) not in the cache, and --no-pull makes no BatchGetImage call: the layers, index children and referrers of those images are unknown` };
    }
    images.sort((a, b) => compareStrings(a.imageId.imageDigest, b.imageId.imageDigest));
    return { file: { images: toCliJson(images) as ManifestEntry[], failures: [] }, fromCache, fetched: 0 };
  }
  if (missing.length > 0) await ctx.beforeFirstPull();
  const batches: string[][] = [];
  for (let i = 0; i < missing.length; i += BATCH_GET_IMAGE_MAX) batches.push(missing.slice(i, i + BATCH_GET_IMAGE_MAX));
  const failures: JsonObject[] = [];
  const requested = new Set(missing);
  const mismatched = new Set<string>();
  let fetched = 0;
  let error: string | undefined;
  await mapLimit(batches, ctx.concurrency, async (batch) => {
    if (error !== undefined) return;
    try {
      const out = await call('BatchGetImage', stats, ctx.tracker, () =>
        ctx.client.send(
          new BatchGetImageCommand({
            registryId: target.registryId,
            repositoryName: target.repositoryName,
            imageIds: batch.map((imageDigest) => ({ imageDigest })),
            acceptedMediaTypes: ACCEPTED_MANIFEST_MEDIA_TYPES,
          }),
        ),
      );
      const answered = (out.images ?? []).filter((i) => i.imageId?.imageDigest !== undefined && i.imageManifest !== undefined);
      // Trusted only when the bytes hash to the digest asked for: anything else is neither written nor cached.
      const got = answered.filter((i) => {
        const ok = requested.has(i.imageId!.imageDigest!) && digestMatches(i.imageId!.imageDigest!, i.imageManifest!);
        if (!ok) mismatched.add(i.imageId!.imageDigest!);
        return ok;
      });
      for (const image of got) images.push(entry(image.imageId!.imageDigest!, image.imageManifest!, image.imageManifestMediaType));
      fetched += got.length;
      await mapLimit(got, CACHE_IO_CONCURRENCY, (image) => ctx.cache.put(image.imageId!.imageDigest!, image.imageManifest!));
      for (const failure of out.failures ?? []) failures.push(toCliJson(failure) as JsonObject);
    } catch (err) {
      error ??= describeAwsError('BatchGetImage', err);
    }
  });
  if (error !== undefined) return { fromCache, fetched, error };
  const failureDigest = (f: JsonObject): string => ((f.imageId as JsonObject | undefined)?.imageDigest as string | undefined) ?? '';
  images.sort((a, b) => compareStrings(a.imageId.imageDigest, b.imageId.imageDigest));
  failures.sort((a, b) => compareStrings(failureDigest(a), failureDigest(b)));
  const file: BatchGetImageFile = { images: toCliJson(images) as ManifestEntry[], failures };
  // A manifest missing for an image that is not archived leaves the content graph unknown.
  const blocking = failures.filter((f) => !MANIFEST_MAY_FAIL_STATUSES.has(byDigest.get(failureDigest(f))?.imageStatus ?? ''));
  const answered = new Set([...images.map((i) => i.imageId.imageDigest), ...failures.map(failureDigest), ...mismatched]);
  const unanswered = digests.filter((d) => !answered.has(d));
  const mismatch = digestMismatchReason([...mismatched].sort(compareStrings));
  if (blocking.length > 0 || unanswered.length > 0 || mismatch !== undefined) {
    const codes = [...new Set(blocking.map((f) => String(f.failureCode ?? 'unknown')))].sort().join(', ');
    const parts: string[] = [];
    if (blocking.length > 0) parts.push(`${blocking.length} image(s) failed (${codes})`);
    if (unanswered.length > 0) parts.push(`${unanswered.length} image(s) not answered`);
    if (mismatch !== undefined) parts.push(mismatch);
    return { file, fromCache, fetched, error: `BatchGetImage: ${parts.join('; ')}` };
  }
  return { file, fromCache, fetched };
}

function manifestMediaType(manifest: string): string | undefined {
  try {
    const parsed = JSON.parse(manifest) as { mediaType?: unknown };
    return typeof parsed.mediaType === 'string' ? parsed.mediaType : undefined;
  } catch {
    return undefined;
  }
}

/** Never rejects: an unexpected failure is one more reason the repository is incomplete. */
async function readRepository(ctx: RepositoryContext, target: RepositoryTarget): Promise<LiveRepository> {
  try {
    return await readRepositoryData(ctx, target);
  } catch (err) {
    ctx.tracker.progress.repositoriesDone += 1;
    ctx.tracker.emit();
    return {
      repositoryName: target.repositoryName,
      registryId: target.registryId,
      region: ctx.region,
      ...newStats(),
      lifecyclePolicyStatus: 'unknown',
      complete: false,
      incompleteReason: `unexpected error: ${describeAwsError('read', err)}`,
      imageCount: 0,
      manifestsFromCache: 0,
      manifestsFetched: 0,
    };
  }
}

async function readRepositoryData(ctx: RepositoryContext, target: RepositoryTarget): Promise<LiveRepository> {
  const stats = newStats();
  const base = { repositoryName: target.repositoryName, registryId: target.registryId, region: ctx.region };
  const done = (result: LiveRepository): LiveRepository => {
    ctx.tracker.progress.repositoriesDone += 1;
    ctx.tracker.emit();
    return result;
  };
  const empty = { imageCount: 0, manifestsFromCache: 0, manifestsFetched: 0 };
  if (target.unavailable !== undefined) {
    return done({ ...base, ...stats, ...empty, lifecyclePolicyStatus: 'unknown', complete: false, incompleteReason: target.unavailable });
  }
  const policy = await readLifecyclePolicy(ctx, target, stats);
  const images = await readImageDetails(ctx, target, stats);
  const reasons: string[] = [];
  if (policy.error !== undefined) reasons.push(policy.error);
  if (images.error !== undefined) reasons.push(images.error);
  let describeImages: DescribeImagesFile | undefined;
  let manifests: Awaited<ReturnType<typeof readManifests>> | undefined;
  if (images.details !== undefined) {
    const sorted = [...images.details].sort((a, b) => compareStrings(a.imageDigest ?? '', b.imageDigest ?? ''));
    for (const d of sorted) d.imageTags?.sort(compareStrings);
    describeImages = { imageDetails: toCliJson(sorted) as JsonObject[] };
    manifests = await readManifests(ctx, target, images.details, stats);
    if (manifests.error !== undefined) reasons.push(manifests.error);
  }
  return done({
    ...base,
    ...stats,
    ...(describeImages !== undefined ? { describeImages } : {}),
    ...(manifests?.file !== undefined ? { batchGetImage: manifests.file } : {}),
    ...(policy.file !== undefined ? { lifecyclePolicy: policy.file } : {}),
    lifecyclePolicyStatus: policy.status,
    complete: reasons.length === 0,
    ...(reasons.length > 0 ? { incompleteReason: reasons.join('; ') } : {}),
    imageCount: describeImages?.imageDetails.length ?? 0,
    manifestsFromCache: manifests?.fromCache ?? 0,
    manifestsFetched: manifests?.fetched ?? 0,
  });
}

function checkOptions(options: LiveReadOptions): number {
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`concurrency must be an integer >= 1 (found ${concurrency})`);
  if (options.shard !== undefined) validateShard(options.shard);
  if (options.repositories !== undefined && options.repositories.length > 0 && options.repositoryPrefix !== undefined) {
    throw new UsageError('give either repository names or a repository prefix, not both');
  }
  // A region names a folder of a multi-region snapshot: only a region code may.
  for (const region of options.regions ?? []) {
    const problem = regionProblem(region);
    if (problem !== undefined) throw new UsageError(problem);
  }
  return concurrency;
}

/**
 * Reads every selected (account, region) in turn: first a `registry` event (after the
 * listing), then one `repository` event per repository in name order. Repositories are read
 * `concurrency` at a time but yielded in order. Never throws for AWS failures: they become
 * `complete: false` with a reason. Throws UsageError for bad options or a missing region.
 */
export async function* readLiveEvents(options: LiveReadOptions): AsyncGenerator<LiveEvent> {
  const concurrency = checkOptions(options);
  const tracker = new Tracker(options.progress);
  const cache = new ManifestCache(options.cacheDir ?? defaultManifestCacheDir());
  const roles: (string | undefined)[] = options.roleArns !== undefined && options.roleArns.length > 0 ? [...options.roleArns] : [undefined];
  const regions: (string | undefined)[] = options.regions !== undefined && options.regions.length > 0 ? [...options.regions] : [undefined];
  for (const roleArn of roles) {
    for (const requestedRegion of regions) {
      const client = createEcrClient({
        ...(requestedRegion !== undefined ? { region: requestedRegion } : {}),
        ...(roleArn !== undefined ? { roleArn } : {}),
        ...(options.profile !== undefined ? { profile: options.profile } : {}),
        ...(options.endpointUrl !== undefined ? { endpointUrl: options.endpointUrl } : {}),
        ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
        ...(options.retryStrategy !== undefined ? { retryStrategy: options.retryStrategy } : {}),
        ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
        ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
      });
      try {
        let region: string;
        try {
          region = await resolveClientRegion(client);
        } catch {
          throw new UsageError('no AWS region: set AWS_REGION, a region in the profile, or pass regions');
        }
        const problem = regionProblem(region);
        if (problem !== undefined) throw new UsageError(`${problem} (from AWS_REGION or the profile)`);
        if (roleArn === undefined && options.credentials === undefined) await requireCredentials(client);
        yield* readRegistry(client, region, roleArn, options, { cache, concurrency, tracker });
      } finally {
        client.destroy();
      }
    }
  }
}

async function* readRegistry(
  client: ECRClient,
  region: string,
  roleArn: string | undefined,
  options: LiveReadOptions,
  shared: { cache: ManifestCache; concurrency: number; tracker: Tracker },
): AsyncGenerator<LiveEvent> {
  const stats = newStats();
  const warnings: string[] = [];
  const { tracker } = shared;
  // An empty name list means "no filter", like omitting --repository.
  const names =
    options.repositories !== undefined && options.repositories.length > 0 ? [...new Set(options.repositories)].sort(compareStrings) : undefined;
  const listing = names !== undefined ? await listByNames(client, names, stats, tracker) : await listAll(client, stats, tracker);
  const registryBase = { region, ...(roleArn !== undefined ? { roleArn } : {}), warnings };
  // The registry id becomes a folder name and is written into every file: a server's answer that is
  // not an account id leaves the registry unread, named, never a path.
  const idProblem = listing.error === undefined ? registryIdProblem(listing.registryId) : undefined;
  if (idProblem !== undefined) {
    listing.error = `DescribeRepositories answered a ${idProblem}: nothing of this registry is written`;
    delete listing.registryId;
  }
  if (listing.error !== undefined) {
    yield {
      kind: 'registry',
      registry: { ...registryBase, ...stats, ...(listing.registryId !== undefined ? { registryId: listing.registryId } : {}), complete: false, incompleteReason: listing.error, repositoryNames: [] },
    };
    return;
  }
  const prefix = options.repositoryPrefix;
  const selected = filterShard(
    listing.targets.filter((t) => prefix === undefined || t.repositoryName.startsWith(prefix)),
    (t) => repositoryKey(t.registryId, region, t.repositoryName),
    options.shard,
  )
    .map((t) => checkTarget(t, listing.registryId!))
    .sort((a, b) => compareStrings(a.repositoryName, b.repositoryName));
  const blobMounting = await readBlobMounting(client, stats, tracker, warnings);
  tracker.progress.repositoriesTotal += selected.length;
  tracker.emit();
  yield {
    kind: 'registry',
    registry: {
      ...registryBase,
      ...stats,
      ...(listing.registryId !== undefined ? { registryId: listing.registryId } : {}),
      ...(blobMounting !== undefined ? { blobMounting } : {}),
      complete: true,
      repositoryNames: selected.map((t) => t.repositoryName),
    },
  };
  const registryId = listing.registryId!;
  let pullCheck: Promise<void> | undefined;
  const beforeFirstPull = (): Promise<void> =>
    (pullCheck ??= (async () => {
      const sts = createStsClient(client, region, {
        ...(options.stsEndpointUrl !== undefined ? { endpointUrl: options.stsEndpointUrl } : {}),
        ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
        ...(options.retryStrategy !== undefined ? { retryStrategy: options.retryStrategy } : {}),
        ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
      });
      try {
        const listPage = (nextToken?: string) =>
          call('ListPullTimeUpdateExclusions', stats, tracker, () =>
            client.send(new ListPullTimeUpdateExclusionsCommand({ maxResults: 1000, ...(nextToken !== undefined ? { nextToken } : {}) })),
          );
        const result = await checkPullTimeExclusion(listPage, sts, registryId, region);
        if (result.warning !== undefined) {
          warnings.push(result.warning);
          options.onWarning?.(result.warning);
        }
      } finally {
        sts.destroy();
      }
    })());
  const ctx: RepositoryContext = { client, region, cache: shared.cache, concurrency: shared.concurrency, tracker, pull: options.pull !== false, beforeFirstPull };
  for await (const repository of mapOrdered(selected, shared.concurrency, (t) => readRepository(ctx, t))) {
    yield { kind: 'repository', repository };
  }
}

/**
 * A repository whose name or registry id, as the server answered them, is not what ECR allows is
 * unavailable (incomplete, named): its name never becomes a path, and its files name the registry listed.
 */
function checkTarget(target: RepositoryTarget, registryId: string): RepositoryTarget {
  const nameProblem = repositoryNameProblem(target.repositoryName);
  const idProblem =
    target.registryId === registryId ? undefined : `DescribeRepositories named registry ${quoteValue(target.registryId)} for it, not ${registryId}`;
  const problem = nameProblem ?? idProblem;
  if (problem === undefined) return target;
  return { ...target, registryId, unavailable: `${problem}: not read${target.unavailable !== undefined ? `; ${target.unavailable}` : ''}` };
}

/**
 * `audit --live`: the repositories alone, one at a time, in name order per registry.
 * A registry whose repository listing failed yields nothing, so it must not pass silently:
 * `onRegistry` receives every registry (check `complete`); without it the iterator throws
 * IncompleteDataError after the last repository when any listing failed.
 */
export async function* readLiveRepositories(
  options: LiveReadOptions & { onRegistry?: (registry: LiveRegistry) => void },
): AsyncGenerator<LiveRepository> {
  const failed: string[] = [];
  for await (const event of readLiveEvents(options)) {
    if (event.kind === 'repository') yield event.repository;
    else {
      options.onRegistry?.(event.registry);
      if (!event.registry.complete) failed.push(`${event.registry.registryId ?? event.registry.roleArn ?? 'registry'} ${event.registry.region}: ${event.registry.incompleteReason}`);
    }
  }
  if (failed.length > 0 && options.onRegistry === undefined) {
    throw new IncompleteDataError(`repository listing failed:\n${failed.join('\n')}`);
  }
}
