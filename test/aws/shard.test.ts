import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { filterShard, repositoryKey, shardOf } from '../../src/aws/shard.js';
import { takeSnapshot } from '../../src/aws/snapshot.js';
import { UsageError } from '../../src/model/errors.js';
import { FakeEcrServer } from '../support/fake-ecr/server.js';
import { liveOptions, removeDir, tempDir } from '../support/fake-ecr/harness.js';

describe('shardOf', () => {
  test('is the documented hash: first 4 bytes of sha256(key), big-endian, mod count', () => {
    // sha256("111111111111/us-east-1/team/api") begins bb a0 22 e5 = 3147834085: pinned so the
    // assignment never drifts between versions (CI shards must stay put).
    const key = repositoryKey('111111111111', 'us-east-1', 'team/api');
    expect(key).toBe('111111111111/us-east-1/team/api');
    expect(shardOf(key, 7)).toBe(3147834085 % 7);
    expect(shardOf(key, 1_000_003)).toBe(3147834085 % 1_000_003);
    expect(shardOf(key, 2 ** 32)).toBe(3147834085);
  });

  test('is stable across calls and in range', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 64 }), (key, count) => {
        const s = shardOf(key, count);
        return s === shardOf(key, count) && s >= 0 && s < count && Number.isInteger(s);
      }),
    );
  });

  test('shards partition any list: each item in exactly one shard, order kept', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string()), fc.integer({ min: 1, max: 9 }), (keys, count) => {
        const parts = Array.from({ length: count }, (_, index) => filterShard(keys, (k) => k, { index, count }));
        const all = parts.flat();
        if (all.length !== keys.length || new Set(all).size !== keys.length) return false;
        return parts.every((p) => p.every((k, i) => i === 0 || keys.indexOf(p[i - 1]!) < keys.indexOf(k)));
      }),
    );
  });

  test('spreads repositories over shards', () => {
    const keys = Array.from({ length: 1000 }, (_, i) => repositoryKey('1', 'eu-west-1', `repo-${i}`));
    const sizes = [0, 1, 2, 3].map((index) => filterShard(keys, (k) => k, { index, count: 4 }).length);
    for (const size of sizes) expect(size).toBeGreaterThan(150);
  });

  test('rejects bad shard specs', () => {
    expect(() => shardOf('k', 0)).toThrow(UsageError);
    expect(() => filterShard(['a'], (k) => k, { index: 3, count: 3 })).toThrow(UsageError);
    expect(() => filterShard(['a'], (k) => k, { index: -1, count: 3 })).toThrow(UsageError);
  });
});

describe('sharded snapshots', () => {
  let fake: FakeEcrServer;
  let cache: string;
  const outs: string[] = [];
  beforeEach(async () => {
    cache = await tempDir();
    fake = await FakeEcrServer.start({
      registryId: '777777777777',
      repositories: Array.from({ length: 12 }, (_, i) => ({ repositoryName: `svc/r${i}`, images: [] })),
    });
  });
  afterEach(async () => {
    await fake.close();
    for (const o of outs.splice(0)) await removeDir(o);
    await removeDir(cache);
  });

  test('three shard runs read disjoint sets covering every repository, matching shardOf', async () => {
    const seen: string[] = [];
    for (let index = 0; index < 3; index++) {
      const out = await tempDir();
      outs.push(out);
      const report = await takeSnapshot({ out, shard: { index, count: 3 }, ...liveOptions(fake.url, cache) });
      for (const r of report.repositories) {
        expect(shardOf(repositoryKey('777777777777', 'us-east-1', r.repositoryName), 3)).toBe(index);
        seen.push(r.repositoryName);
      }
      // Only the shard's repositories were read.
      expect(fake.log.filter((c) => c.operation === 'DescribeImages').length).toBe(seen.length);
    }
    expect(seen.sort()).toEqual(Array.from({ length: 12 }, (_, i) => `svc/r${i}`).sort());
  });
});
