import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdaptiveRetryStrategy, DefaultRateLimiter } from '@smithy/core/retry';
import type { LiveReadOptions } from '../../../src/aws/types.js';
import { digestOf, manifestText, type FakeImageSeed, type FakeRegistrySeed } from './server.js';

// Shared set-up for tests against the fake ECR: credentials that must never leak, a fast
// retry strategy (the SDK's adaptive strategy with millisecond backoff and a permissive rate
// limiter, so error paths take milliseconds), and seed builders.

export const TEST_CREDENTIALS = {
  accessKeyId: 'AKIAFAKELEAKCHECK0001',
  secretAccessKey: 'fake-secret-key-MUST-NOT-LEAK-7f3a9c',
  sessionToken: 'fake-session-token-MUST-NOT-LEAK-91be',
};

export function fastRetryStrategy(maxAttempts = 3): AdaptiveRetryStrategy {
  return new AdaptiveRetryStrategy(maxAttempts, {
    maxAttempts,
    baseDelay: 1,
    backoff: { computeNextBackoffDelay: () => 1, setDelayBase: () => {} },
    rateLimiter: new DefaultRateLimiter({ minFillRate: 100_000, minCapacity: 100_000 }),
  });
}

export function liveOptions(endpointUrl: string, cacheDir: string, extra: Partial<LiveReadOptions> = {}): LiveReadOptions {
  return {
    endpointUrl,
    stsEndpointUrl: endpointUrl,
    cacheDir,
    regions: ['us-east-1'],
    credentials: TEST_CREDENTIALS,
    retryStrategy: fastRetryStrategy(),
    requestTimeoutMs: 2_000,
    ...extra,
  };
}

export async function tempDir(prefix = 'ecr-lifeguard-aws-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Every file under dir (relative paths, sorted). */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

export async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await readFile(path, 'utf8')) as unknown;
}

const DOCKER_V2 = 'application/vnd.docker.distribution.manifest.v2+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

function layerDigest(seed: string): string {
  return digestOf(`layer:${seed}`);
}

/** A docker v2 image manifest with distinct layers. */
export function dockerImage(name: string, pushedAt: string, tags: string[] = [], extra: Partial<FakeImageSeed> = {}): FakeImageSeed {
  return {
    manifest: {
      schemaVersion: 2,
      mediaType: DOCKER_V2,
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 1000, digest: layerDigest(`${name}-config`) },
      layers: [
        { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 5_000_000, digest: layerDigest('shared-base') },
        { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 1_000_000, digest: layerDigest(name) },
      ],
    },
    mediaType: DOCKER_V2,
    tags,
    pushedAt,
    ...extra,
  };
}

/** `count` small untagged-or-tagged images, pushed a minute apart. */
export function manyImages(prefix: string, count: number): FakeImageSeed[] {
  return Array.from({ length: count }, (_, i) =>
    dockerImage(`${prefix}-${i}`, new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString(), i % 3 === 0 ? [`v${i}`] : []),
  );
}

/** A realistic small registry: an index with children and a signature, archived images, policies. */
export function sampleRegistry(registryId = '111111111111', region = 'us-east-1'): FakeRegistrySeed {
  const amd64 = dockerImage('api-amd64', '2025-03-01T10:00:00Z');
  const arm64 = dockerImage('api-arm64', '2025-03-01T10:00:01Z');
  const ociChild = (img: FakeImageSeed, arch: string) => ({
    mediaType: DOCKER_V2,
    size: manifestText(img.manifest).length,
    digest: digestOf(manifestText(img.manifest)),
    platform: { os: 'linux', architecture: arch },
  });
  const index: FakeImageSeed = {
    manifest: { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [ociChild(amd64, 'amd64'), ociChild(arm64, 'arm64')] },
    mediaType: OCI_INDEX,
    tags: ['v1.2.0', 'latest'],
    pushedAt: '2025-03-01T10:00:02Z',
    lastRecordedPullTime: '2025-11-01T08:00:00Z',
  };
  const indexDigest = digestOf(manifestText(index.manifest));
  const signature: FakeImageSeed = {
    manifest: {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', size: 2, digest: digestOf('{}') },
      layers: [{ mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', size: 300, digest: layerDigest('sig') }],
      subject: { mediaType: OCI_INDEX, size: manifestText(index.manifest).length, digest: indexDigest },
    },
    mediaType: OCI_MANIFEST,
    artifactMediaType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
    subjectManifestDigest: indexDigest,
    pushedAt: '2025-03-01T10:05:00Z',
  };
  return {
    registryId,
    region,
    blobMounting: 'ENABLED',
    repositories: [
      {
        repositoryName: 'team/api',
        lifecyclePolicyText: JSON.stringify({
          rules: [{ rulePriority: 1, selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 }, action: { type: 'expire' } }],
        }),
        lastEvaluatedAt: '2025-11-20T00:00:00Z',
        images: [
          index,
          amd64,
          arm64,
          signature,
          dockerImage('api-old', '2024-01-01T00:00:00Z', ['v0.9.0'], { status: 'ARCHIVED', lastArchivedAt: '2025-06-01T00:00:00Z' }),
          dockerImage('api-untagged', '2025-02-01T00:00:00Z'),
        ],
      },
      { repositoryName: 'web', images: [dockerImage('web-1', '2025-01-01T00:00:00Z', ['1']), dockerImage('web-2', '2025-01-02T00:00:00Z', ['2', 'stable'])] },
      {
        repositoryName: 'empty',
        lifecyclePolicyText: JSON.stringify({
          rules: [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 100 }, action: { type: 'expire' } }],
        }),
        images: [],
      },
    ],
  };
}
