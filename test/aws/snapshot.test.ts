import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { takeSnapshot } from '../../src/aws/snapshot.js';
import type { BatchGetImageFile, DescribeImagesFile, RepositoryFile } from '../../src/aws/types.js';
import { FakeEcrServer, type FakeRegistrySeed } from '../support/fake-ecr/server.js';
import { listFiles, liveOptions, manyImages, readJson, removeDir, sampleRegistry, tempDir } from '../support/fake-ecr/harness.js';

let fake: FakeEcrServer | undefined;
let out: string;
let cache: string;

beforeEach(async () => {
  out = await tempDir();
  cache = await tempDir();
});
afterEach(async () => {
  await fake?.close();
  fake = undefined;
  await removeDir(out);
  await removeDir(cache);
});

async function start(seed: FakeRegistrySeed | FakeRegistrySeed[]): Promise<FakeEcrServer> {
  fake = await FakeEcrServer.start(seed);
  return fake;
}

describe('takeSnapshot layout', () => {
  test('writes registry.json and per-repository files in the documented layout', async () => {
    const f = await start(sampleRegistry());
    const report = await takeSnapshot({ out, ...liveOptions(f.url, cache) });
    expect(report.complete).toBe(true);
    expect(await listFiles(out)).toEqual([
      'empty/batch-get-image.json',
      'empty/describe-images.json',
      'empty/get-lifecycle-policy.json',
      'empty/repository.json',
      'registry.json',
      'snapshot-status.json',
      'team/api/batch-get-image.json',
      'team/api/describe-images.json',
      'team/api/get-lifecycle-policy.json',
      'team/api/repository.json',
      'web/batch-get-image.json',
      'web/describe-images.json',
      'web/repository.json',
    ]);
    expect(await readJson(join(out, 'registry.json'))).toEqual({ registryId: '111111111111', region: 'us-east-1', blobMounting: true });
    const repo = (await readJson(join(out, 'web/repository.json'))) as RepositoryFile;
    expect(repo).toEqual({
      repositoryName: 'web',
      registryId: '111111111111',
      lifecyclePolicyStatus: 'none',
      complete: true,
      snapshotAt: report.snapshotAt,
    });
    expect(((await readJson(join(out, 'team/api/repository.json'))) as RepositoryFile).lifecyclePolicyStatus).toBe('present');
    expect(await readJson(join(out, 'team/api/get-lifecycle-policy.json'))).toEqual({
      registryId: '111111111111',
      repositoryName: 'team/api',
      lifecyclePolicyText: sampleRegistry().repositories[0]!.lifecyclePolicyText,
      lastEvaluatedAt: '2025-11-20T00:00:00.000Z',
    });
  });

  test('describe-images.json: every status, ISO timestamps, sorted by digest, 2-space JSON', async () => {
    const f = await start(sampleRegistry());
    await takeSnapshot({ out, ...liveOptions(f.url, cache) });
    const text = await readFile(join(out, 'team/api/describe-images.json'), 'utf8');
    expect(text).toBe(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
    const file = JSON.parse(text) as DescribeImagesFile;
    const digests = file.imageDetails.map((d) => d.imageDigest as string);
    expect(digests).toEqual([...f.digests('team/api')].sort());
    expect(file.imageDetails.some((d) => d.imageStatus === 'ARCHIVED')).toBe(true);
    const index = file.imageDetails.find((d) => d.imageManifestMediaType === 'application/vnd.oci.image.index.v1+json')!;
    expect(index.imagePushedAt).toBe('2025-03-01T10:00:02.000Z');
    expect(index.lastRecordedPullTime).toBe('2025-11-01T08:00:00.000Z');
    expect(index.imageTags).toEqual(['latest', 'v1.2.0']);
    const archived = file.imageDetails.find((d) => d.imageStatus === 'ARCHIVED')!;
    expect(archived.lastArchivedAt).toBe('2025-06-01T00:00:00.000Z');
    expect(file.imageDetails.find((d) => d.subjectManifestDigest !== undefined)?.artifactMediaType).toBe(
      'application/vnd.dev.cosign.artifact.sig.v1+json',
    );
    // Every DescribeImages call asked for ANY status and full pages.
    expect(f.callCount('DescribeImages', 'team/api')).toBe(1);
  });

  test('batch-get-image.json holds every manifest (OCI index included) with verified bytes', async () => {
    const f = await start(sampleRegistry());
    await takeSnapshot({ out, ...liveOptions(f.url, cache) });
    const file = (await readJson(join(out, 'team/api/batch-get-image.json'))) as BatchGetImageFile;
    expect(file.failures).toEqual([]);
    expect(file.images.map((i) => i.imageId.imageDigest)).toEqual([...f.digests('team/api')].sort());
    for (const image of file.images) {
      expect(`sha256:${createHash('sha256').update(image.imageManifest).digest('hex')}`).toBe(image.imageId.imageDigest);
      expect(image.registryId).toBe('111111111111');
      expect(image.repositoryName).toBe('team/api');
    }
    expect(file.images.map((i) => i.imageManifestMediaType)).toContain('application/vnd.oci.image.index.v1+json');
    expect(file.images.map((i) => i.imageManifestMediaType)).toContain('application/vnd.oci.image.manifest.v1+json');
  });

  test('a second snapshot of the same registry writes byte-identical data files', async () => {
    const f = await start(sampleRegistry());
    await takeSnapshot({ out, ...liveOptions(f.url, cache) });
    const first = await readFile(join(out, 'team/api/batch-get-image.json'), 'utf8');
    const firstImages = await readFile(join(out, 'team/api/describe-images.json'), 'utf8');
    await takeSnapshot({ out, ...liveOptions(f.url, cache) });
    expect(await readFile(join(out, 'team/api/batch-get-image.json'), 'utf8')).toBe(first);
    expect(await readFile(join(out, 'team/api/describe-images.json'), 'utf8')).toBe(firstImages);
  });
});

describe('pagination', () => {
  test('2,001 images: three DescribeImages pages of up to 1,000 and 21 BatchGetImage batches of 100', async () => {
    const f = await start({ registryId: '222222222222', repositories: [{ repositoryName: 'big', images: manyImages('big', 2001) }] });
    const report = await takeSnapshot({ out, ...liveOptions(f.url, cache) });
    expect(report.complete).toBe(true);
    expect(f.callCount('DescribeImages', 'big')).toBe(3);
    expect(f.callCount('BatchGetImage', 'big')).toBe(21);
    const details = ((await readJson(join(out, 'big/describe-images.json'))) as DescribeImagesFile).imageDetails;
    expect(details).toHaveLength(2001);
    expect(new Set(details.map((d) => d.imageDigest)).size).toBe(2001);
    expect(((await readJson(join(out, 'big/batch-get-image.json'))) as BatchGetImageFile).images).toHaveLength(2001);
    expect(report.repositories[0]).toMatchObject({ images: 2001, apiCalls: { DescribeImages: 3, BatchGetImage: 21, GetLifecyclePolicy: 1 } });
  });

  test('repositories listed over several DescribeRepositories pages; prefix filters after listing', async () => {
    const repositories = Array.from({ length: 1005 }, (_, i) => ({ repositoryName: `svc-${String(i).padStart(4, '0')}`, images: [] }));
    repositories.push({ repositoryName: 'team/a', images: [] }, { repositoryName: 'team/b', images: [] });
    const f = await start({ registryId: '333333333333', repositories });
    const report = await takeSnapshot({ out, repositoryPrefix: 'team/', ...liveOptions(f.url, cache) });
    expect(f.callCount('DescribeRepositories')).toBe(2);
    expect(report.repositories.map((r) => r.repositoryName)).toEqual(['team/a', 'team/b']);
    expect(report.complete).toBe(true);
  });

  test('explicit repository names use the names filter', async () => {
    const f = await start(sampleRegistry());
    const report = await takeSnapshot({ out, repositories: ['web', 'team/api'], ...liveOptions(f.url, cache) });
    expect(report.repositories.map((r) => r.repositoryName)).toEqual(['team/api', 'web']);
    expect(f.callCount('DescribeRepositories')).toBe(1);
    expect(await listFiles(out)).not.toContain('empty/repository.json');
  });
});

describe('manifest cache', () => {
  test('second run of an unchanged registry makes zero BatchGetImage calls and stays within ceil(images/1000)+2 per repository', async () => {
    const f = await start({
      registryId: '444444444444',
      repositories: [
        { repositoryName: 'big', images: manyImages('big', 1001) },
        { repositoryName: 'small', images: manyImages('small', 3) },
        { repositoryName: 'none', images: [] },
      ],
    });
    await takeSnapshot({ out, ...liveOptions(f.url, cache) });
    expect(f.callCount('BatchGetImage')).toBeGreaterThan(0);
    f.resetCounts();
    const report = await takeSnapshot({ out, ...liveOptions(f.url, cache) });
    expect(f.callCount('BatchGetImage')).toBe(0);
    const sizes: Record<string, number> = { big: 1001, small: 3, none: 0 };
    for (const repo of report.repositories) {
      const served = f.log.filter((c) => c.repositoryName === repo.repositoryName).length;
      expect(served).toBeLessThanOrEqual(Math.ceil(sizes[repo.repositoryName]! / 1000) + 2);
      expect(repo.manifestsFetched).toBe(0);
      expect(repo.manifestsFromCache).toBe(sizes[repo.repositoryName]);
    }
    expect(report.complete).toBe(true);
  });

  test('a corrupt cache entry is ignored and refetched', async () => {
    const f = await start(sampleRegistry());
    await takeSnapshot({ out, ...liveOptions(f.url, cache) });
    const victim = f.digests('web')[0]!;
    const path = join(cache, 'sha256', victim.slice('sha256:'.length));
    await writeFile(path, '{"tampered": true}');
    f.resetCounts();
    const report = await takeSnapshot({ out, ...liveOptions(f.url, cache) });
    expect(f.callCount('BatchGetImage', 'web')).toBe(1);
    expect(f.callCount('BatchGetImage', 'team/api')).toBe(0);
    expect(report.repositories.find((r) => r.repositoryName === 'web')).toMatchObject({ manifestsFetched: 1, manifestsFromCache: 1 });
    const file = (await readJson(join(out, 'web/batch-get-image.json'))) as BatchGetImageFile;
    const entry = file.images.find((i) => i.imageId.imageDigest === victim)!;
    expect(entry.imageManifest).not.toContain('tampered');
    // The entry was repaired on disk.
    expect(`sha256:${createHash('sha256').update(await readFile(path)).digest('hex')}`).toBe(victim);
  });

  test('default cache dir follows XDG_CACHE_HOME', async () => {
    const { defaultManifestCacheDir } = await import('../../src/aws/manifest-cache.js');
    expect(defaultManifestCacheDir({ XDG_CACHE_HOME: '/x/cache' })).toBe(join('/x/cache', 'ecr-lifeguard', 'manifests'));
    expect(defaultManifestCacheDir({})).toMatch(/\.cache[/\\]ecr-lifeguard[/\\]manifests$/);
  });
});
