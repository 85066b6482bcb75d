import { createHash } from 'node:crypto';
import { UsageError } from '../model/errors.js';

// Sharding splits one registry's repositories across independent runs (CI matrix jobs).
// The key is `registryId/region/repositoryName` so the same repository lands in the same
// shard on every run and machine, whatever the listing order or the other repositories.
// shardOf = first 4 bytes of sha256(key), read as an unsigned big-endian integer, mod count.

export interface ShardSpec {
  /** 0-based. */
  index: number;
  count: number;
}

export function repositoryKey(registryId: string, region: string, repositoryName: string): string {
  return `${registryId}/${region}/${repositoryName}`;
}

export function shardOf(repositoryKey: string, count: number): number {
  if (!Number.isInteger(count) || count < 1) throw new UsageError(`shard count must be an integer >= 1 (found ${count})`);
  return createHash('sha256').update(repositoryKey, 'utf8').digest().readUInt32BE(0) % count;
}

export function validateShard(shard: ShardSpec): void {
  if (!Number.isInteger(shard.count) || shard.count < 1) {
    throw new UsageError(`shard count must be an integer >= 1 (found ${shard.count})`);
  }
  if (!Number.isInteger(shard.index) || shard.index < 0 || shard.index >= shard.count) {
    throw new UsageError(`shard index must be an integer from 0 to ${shard.count - 1} (found ${shard.index})`);
  }
}

/** The items that belong to `shard` (all of them when no shard is given), order kept. */
export function filterShard<T>(items: readonly T[], keyOf: (item: T) => string, shard?: ShardSpec): T[] {
  if (shard === undefined) return [...items];
  validateShard(shard);
  return items.filter((item) => shardOf(keyOf(item), shard.count) === shard.index);
}
