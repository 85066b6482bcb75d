import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

  it('repository.json saying the policy is unknown makes the repository incomplete, even when it says complete', async () => {
    const dir = snapshotWith({
      'shop/api/repository.json': { repositoryName: 'shop/api', lifecyclePolicyStatus: 'unknown', complete: true },
    });
    rmSync(join(dir, 'shop', 'api', 'get-lifecycle-policy.json'));
    const repo = await (await openSnapshot(dir)).load('shop/api');
    expect(repo).toMatchObject({ policyStatus: 'unknown', complete: false });
    expect(repo.incompleteReason).toMatch(/lifecycle policy could not be read/);
  });

  describe('BatchGetImage failures in batch-get-image.json', () => {
    async function apiWithFailure(status: 'ACTIVE' | 'ARCHIVED' | 'none'): Promise<Awaited<ReturnType<Awaited<ReturnType<typeof openSnapshot>>['load']>>> {
      const dir = mkdtempSync(join(tmpdir(), 'lifeguard-snap-'));
      cpSync(sample, dir, { recursive: true });
      const batchPath = join(dir, 'shop', 'api', 'batch-get-image.json');
      const batch = JSON.parse(readFileSync(batchPath, 'utf8')) as { images: Array<{ imageId: { imageDigest: string } }>; failures?: unknown[] };
      const details = (JSON.parse(readFileSync(join(dir, 'shop', 'api', 'describe-images.json'), 'utf8')) as { imageDetails: Array<{ imageDigest: string; imageStatus?: string; lastArchivedAt?: string }> }).imageDetails;
      // The image whose manifest fails: an ACTIVE one, an ARCHIVED one (made so), or a digest the listing lacks.
      const victim = status === 'none' ? `sha256:${'f'.repeat(64)}` : batch.images[0]!.imageId.imageDigest;
      if (status === 'ARCHIVED') {
        const d = details.find((x) => x.imageDigest === victim)!;
        d.imageStatus = 'ARCHIVED';
        d.lastArchivedAt = '2026-11-01T00:00:00+00:00';
        writeFileSync(join(dir, 'shop', 'api', 'describe-images.json'), JSON.stringify({ imageDetails: details }));
      }
      batch.images = batch.images.filter((i) => i.imageId.imageDigest !== victim);
      batch.failures = [{ imageId: { imageDigest: victim }, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' }];
      writeFileSync(batchPath, JSON.stringify(batch));
      return (await openSnapshot(dir)).load('shop/api');
    }

    it('a failure for an ACTIVE image makes the repository incomplete', async () => {
      const repo = await apiWithFailure('ACTIVE');
      expect(repo.complete).toBe(false);
      expect(repo.incompleteReason).toBe('BatchGetImage failed for 1 image(s) that are not archived (ImageNotFound): their layers, index children and referrers are unknown');
    });

    it('a failure for an ARCHIVED image, or for a digest the listing does not hold, does not', async () => {
      expect((await apiWithFailure('ARCHIVED')).complete).toBe(true);
      expect((await apiWithFailure('none')).complete).toBe(true);
    });
  });
});
