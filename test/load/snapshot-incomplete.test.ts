import { mkdtempSync, mkdirSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/model/errors.js';
import { loadSnapshot, openSnapshot } from '../../src/load/snapshot.js';

// Repositories the live snapshot could not read completely must reach the audit as incomplete.
const sample = join(import.meta.dirname, '..', '..', 'samples', 'registry');

function snapshotWith(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'lifeguard-snap-'));
  cpSync(sample, dir, { recursive: true });
  for (const [path, value] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), JSON.stringify(value, null, 2));
  }
  return dir;
}

describe('incomplete repositories in a snapshot', () => {
  it('a folder with only repository.json (complete: false, policy unknown) is an incomplete repository, not a missing one', async () => {
    const dir = snapshotWith({
      'team/throttled/repository.json': { repositoryName: 'team/throttled', registryId: '123456789012', lifecyclePolicyStatus: 'unknown', complete: false, incompleteReason: 'DescribeImages: ThrottlingException after 5 attempts' },
    });
    const snapshot = await loadSnapshot(dir);
    const repo = snapshot.repositories.find((r) => r.repositoryName === 'team/throttled');
    expect(repo).toMatchObject({ complete: false, policyStatus: 'unknown', incompleteReason: 'DescribeImages: ThrottlingException after 5 attempts' });
    expect(repo!.state.images).toEqual([]);
  });

  it('repository.json claiming completeness without describe-images.json is an input error', async () => {
    const dir = snapshotWith({
      'team/broken/repository.json': { repositoryName: 'team/broken', lifecyclePolicyStatus: 'none', complete: true },
    });
    const error = await loadSnapshot(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).problems.map((p) => p.code)).toContain('snapshot/images-missing');
  });

  it('openSnapshot lists folders and loads one repository at a time', async () => {
    const opened = await openSnapshot(sample);
    expect(opened.folders).toEqual(['legacy/batch', 'platform/base', 'shop/api', 'shop/web', 'tools/ci-runner']);
    expect(opened.registry).toMatchObject({ registryId: '123456789012', region: 'eu-west-1' });
    const api = await opened.load('shop/api');
    expect(api.repositoryName).toBe('shop/api');
    expect(api.policyStatus).toBe('present');
    expect(api.state.images.length).toBeGreaterThan(10);
  });
});
