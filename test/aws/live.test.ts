import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { readLiveRepositories } from '../../src/aws/live.js';
import { takeSnapshot } from '../../src/aws/snapshot.js';
import type { LiveRegistry, LiveRepository, SnapshotProgress } from '../../src/aws/types.js';
import { IncompleteDataError, UsageError } from '../../src/model/errors.js';
import {
  ASSUMED_SECRET_PREFIX,
  ASSUMED_SESSION_TOKEN_PREFIX,
  FakeEcrServer,
  assumedAccessKeyId,
} from '../support/fake-ecr/server.js';
import { listFiles, liveOptions, readJson, removeDir, sampleRegistry, tempDir, TEST_CREDENTIALS } from '../support/fake-ecr/harness.js';

let fake: FakeEcrServer;
let out: string;
let cache: string;

beforeEach(async () => {
  fake = await FakeEcrServer.start(sampleRegistry());
  out = await tempDir();
  cache = await tempDir();
});
afterEach(async () => {
  await fake.close();
  await removeDir(out);
  await removeDir(cache);
});

async function collect(iterable: AsyncIterable<LiveRepository>): Promise<LiveRepository[]> {
  const all: LiveRepository[] = [];
  for await (const r of iterable) all.push(r);
  return all;
}

describe('readLiveRepositories', () => {
  test('yields every repository in name order with exactly the snapshot files’ contents', async () => {
    const registries: LiveRegistry[] = [];
    const live = await collect(readLiveRepositories({ ...liveOptions(fake.url, cache), onRegistry: (r) => registries.push(r) }));
    expect(live.map((r) => r.repositoryName)).toEqual(['empty', 'team/api', 'web']);
    expect(registries).toHaveLength(1);
    expect(registries[0]).toMatchObject({ registryId: '111111111111', region: 'us-east-1', blobMounting: true, complete: true });
    await takeSnapshot({ out, ...liveOptions(fake.url, cache) });
    for (const repo of live) {
      expect(repo.complete).toBe(true);
      expect(repo.describeImages).toEqual(await readJson(join(out, repo.repositoryName, 'describe-images.json')));
      expect(repo.batchGetImage).toEqual(await readJson(join(out, repo.repositoryName, 'batch-get-image.json')));
    }
    expect(live.find((r) => r.repositoryName === 'team/api')!.lifecyclePolicy).toEqual(
      await readJson(join(out, 'team/api', 'get-lifecycle-policy.json')),
    );
    expect(live.find((r) => r.repositoryName === 'web')!.lifecyclePolicy).toBeUndefined();
  });

  test('a failed listing is not silent: IncompleteDataError without onRegistry', async () => {
    fake.addFault({ operation: 'DescribeRepositories', kind: 'access-denied' });
    await expect(collect(readLiveRepositories(liveOptions(fake.url, cache)))).rejects.toThrow(IncompleteDataError);
    const registries: LiveRegistry[] = [];
    expect(await collect(readLiveRepositories({ ...liveOptions(fake.url, cache), onRegistry: (r) => registries.push(r) }))).toEqual([]);
    expect(registries[0]!.complete).toBe(false);
  });

  test('bad options are usage errors', async () => {
    await expect(collect(readLiveRepositories({ ...liveOptions(fake.url, cache), concurrency: 0 }))).rejects.toThrow(UsageError);
    await expect(collect(readLiveRepositories({ ...liveOptions(fake.url, cache), repositories: ['a'], repositoryPrefix: 'a' }))).rejects.toThrow(
      UsageError,
    );
    await expect(collect(readLiveRepositories({ ...liveOptions(fake.url, cache), shard: { index: 2, count: 2 } }))).rejects.toThrow(UsageError);
  });

  test('concurrency 1 and 8 give the same result', async () => {
    const one = await collect(readLiveRepositories({ ...liveOptions(fake.url, cache), concurrency: 1 }));
    const eight = await collect(readLiveRepositories({ ...liveOptions(fake.url, cache), concurrency: 8 }));
    const strip = (rs: LiveRepository[]) => rs.map(({ manifestsFromCache: _a, manifestsFetched: _b, apiCalls: _c, ...rest }) => rest);
    expect(strip(eight)).toEqual(strip(one));
  });
});

describe('progress', () => {
  test('reports repositories done, images read, API calls and retries, ending at the totals', async () => {
    fake.addFault({ operation: 'DescribeImages', repositoryName: 'web', kind: 'throttle', times: 1 });
    const events: SnapshotProgress[] = [];
    const report = await takeSnapshot({ out, ...liveOptions(fake.url, cache), progress: (p) => events.push(p) });
    const last = events.at(-1)!;
    expect(last).toEqual({ repositoriesDone: 3, repositoriesTotal: 3, imagesRead: 8, apiCalls: report.totals.apiCalls, retries: 1 });
    for (let i = 1; i < events.length; i++) {
      expect(events[i]!.apiCalls).toBeGreaterThanOrEqual(events[i - 1]!.apiCalls);
      expect(events[i]!.repositoriesDone).toBeGreaterThanOrEqual(events[i - 1]!.repositoriesDone);
    }
  });
});

describe('no credential leaks', () => {
  test('no credential value appears in written files, the cache, the report or progress output, even on errors', async () => {
    fake.addFault({ operation: 'DescribeImages', repositoryName: 'web', kind: 'access-denied' });
    fake.addFault({ operation: 'BatchGetImage', repositoryName: 'team/api', kind: 'server-error' });
    const progress: string[] = [];
    const report = await takeSnapshot({ out, ...liveOptions(fake.url, cache), progress: (p) => progress.push(JSON.stringify(p)) });
    expect(report.complete).toBe(false);
    const texts = [JSON.stringify(report), ...progress];
    for (const root of [out, cache]) {
      for (const f of await listFiles(root)) texts.push(await readFile(join(root, f), 'utf8'));
    }
    expect(texts.length).toBeGreaterThan(10);
    const secrets = [
      TEST_CREDENTIALS.accessKeyId,
      TEST_CREDENTIALS.secretAccessKey,
      TEST_CREDENTIALS.sessionToken,
      assumedAccessKeyId('111111111111'),
      ASSUMED_SECRET_PREFIX,
      ASSUMED_SESSION_TOKEN_PREFIX,
      'Signature=',
      'X-Amz-Security-Token',
      'Authorization',
    ];
    for (const text of texts) for (const secret of secrets) expect(text).not.toContain(secret);
  });
});
