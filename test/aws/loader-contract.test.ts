import { afterEach, beforeEach, expect, test } from 'vitest';
import { takeSnapshot } from '../../src/aws/snapshot.js';
import { loadSnapshot } from '../../src/load/snapshot.js';
import { FakeEcrServer } from '../support/fake-ecr/server.js';
import { liveOptions, removeDir, sampleRegistry, tempDir } from '../support/fake-ecr/harness.js';

// The layout takeSnapshot writes is the one src/load/snapshot.ts reads: a complete live
// snapshot must load without a single problem and keep every image, manifest and policy.

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

test('a complete snapshot loads with loadSnapshot, nothing lost', async () => {
  await takeSnapshot({ out, ...liveOptions(fake.url, cache) });
  const snapshot = await loadSnapshot(out);
  expect(snapshot.registry).toEqual({ registryId: '111111111111', region: 'us-east-1', blobMounting: true });
  const summary = snapshot.repositories.map((r) => ({
    name: r.repositoryName,
    policy: r.policyStatus,
    complete: r.complete,
    images: r.state.images.length,
    manifests: r.state.manifests.size,
    manifestsLoaded: r.state.manifestsLoaded,
  }));
  expect(summary).toEqual([
    { name: 'empty', policy: 'present', complete: true, images: 0, manifests: 0, manifestsLoaded: true },
    { name: 'team/api', policy: 'present', complete: true, images: 6, manifests: 6, manifestsLoaded: true },
    { name: 'web', policy: 'none', complete: true, images: 2, manifests: 2, manifestsLoaded: true },
  ]);
  const api = snapshot.repositories.find((r) => r.repositoryName === 'team/api')!;
  const index = api.state.images.find((i) => i.imageTags.includes('latest'))!;
  expect(index.imagePushedAt).toBe(Date.parse('2025-03-01T10:00:02Z'));
  expect(api.state.manifests.get(index.imageDigest)?.children).toHaveLength(2);
  expect(api.state.images.filter((i) => i.subjectManifestDigest === index.imageDigest)).toHaveLength(1);
});
