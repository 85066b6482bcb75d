import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { takeSnapshot } from '../../src/aws/snapshot.js';
import type { BatchGetImageFile, RepositoryFile, SnapshotReport } from '../../src/aws/types.js';
import { FakeEcrServer, type Fault, type FakeRegistrySeed } from '../support/fake-ecr/server.js';
import { dockerImage, listFiles, liveOptions, manyImages, readJson, removeDir, sampleRegistry, tempDir } from '../support/fake-ecr/harness.js';

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

async function run(faults: Fault[], seed: FakeRegistrySeed = sampleRegistry(), extra = {}): Promise<SnapshotReport> {
  fake = await FakeEcrServer.start(seed);
  for (const f of faults) fake.addFault(f);
  return takeSnapshot({ out, ...liveOptions(fake.url, cache), ...extra });
}

function repo(report: SnapshotReport, name: string) {
  const r = report.repositories.find((x) => x.repositoryName === name);
  if (r === undefined) throw new Error(`no ${name} in report`);
  return r;
}

async function repositoryFile(name: string): Promise<RepositoryFile> {
  return (await readJson(join(out, name, 'repository.json'))) as RepositoryFile;
}

describe('retried failures end complete', () => {
  test.each([
    ['ThrottlingException', { kind: 'throttle' }],
    ['500 ServerException', { kind: 'server-error' }],
    ['dropped connection', { kind: 'drop-connection' }],
  ] as const)('%s twice, then success: retried and complete', async (_label, fault) => {
    const report = await run([{ operation: 'DescribeImages', repositoryName: 'web', times: 2, ...fault }]);
    expect(repo(report, 'web')).toMatchObject({ complete: true, retries: 2, apiCalls: { DescribeImages: 1 } });
    expect(fake!.callCount('DescribeImages', 'web')).toBe(3);
    expect(report.complete).toBe(true);
    expect((await repositoryFile('web')).complete).toBe(true);
    expect(await listFiles(join(out, 'web'))).toContain('describe-images.json');
  });

  test('a slow response within the timeout is simply waited for', async () => {
    const report = await run([{ operation: 'GetLifecyclePolicy', repositoryName: 'web', kind: 'slow', delayMs: 300 }]);
    expect(repo(report, 'web')).toMatchObject({ complete: true, retries: 0 });
  });

  test('a response slower than the request timeout once is retried', async () => {
    const report = await run([{ operation: 'DescribeImages', repositoryName: 'web', kind: 'slow', delayMs: 1500, times: 1 }], sampleRegistry(), {
      requestTimeoutMs: 300,
    });
    expect(repo(report, 'web')).toMatchObject({ complete: true, retries: 1 });
  });
});

describe('failures after the SDK retries mark the repository incomplete', () => {
  test.each([
    ['persistent throttling', { kind: 'throttle' }, /DescribeImages failed after 3 attempts: ThrottlingException/],
    ['persistent 500s', { kind: 'server-error' }, /DescribeImages failed after 3 attempts: ServerException/],
    ['persistent dropped connections', { kind: 'drop-connection' }, /DescribeImages failed after 3 attempts: .*(ECONNRESET|socket hang up)/],
    ['AccessDenied (not retried)', { kind: 'access-denied' }, /DescribeImages failed after 1 attempt: AccessDeniedException/],
    ['repository deleted during the read', { kind: 'repository-not-found' }, /DescribeImages failed after 1 attempt: RepositoryNotFoundException/],
  ] as const)('%s', async (_label, fault, reason) => {
    const report = await run([{ operation: 'DescribeImages', repositoryName: 'team/api', ...fault }]);
    const r = repo(report, 'team/api');
    expect(r.complete).toBe(false);
    expect(r.incompleteReason).toMatch(reason);
    expect(report.complete).toBe(false);
    expect(report.totals.incomplete).toBe(1);
    // The others are untouched.
    expect(repo(report, 'web').complete).toBe(true);
    const file = await repositoryFile('team/api');
    expect(file).toMatchObject({ complete: false, lifecyclePolicyStatus: 'present' });
    expect(file.incompleteReason).toMatch(reason);
    // No partial list that could look whole, and no manifests file without it.
    expect(await listFiles(join(out, 'team/api'))).toEqual(['get-lifecycle-policy.json', 'repository.json']);
  });

  test('persistent slowness beyond the request timeout', async () => {
    const report = await run([{ operation: 'DescribeImages', repositoryName: 'web', kind: 'slow', delayMs: 1500 }], sampleRegistry(), {
      requestTimeoutMs: 200,
    });
    expect(repo(report, 'web')).toMatchObject({ complete: false, retries: 2 });
    expect(repo(report, 'web').incompleteReason).toMatch(/DescribeImages failed after 3 attempts/);
  });

  test('a failure on the second page writes no describe-images.json', async () => {
    const seed: FakeRegistrySeed = { registryId: '555555555555', repositories: [{ repositoryName: 'big', images: manyImages('big', 1001) }] };
    fake = await FakeEcrServer.start(seed);
    await takeSnapshot({ out, ...liveOptions(fake.url, cache) });
    expect(await listFiles(join(out, 'big'))).toContain('describe-images.json');
    // Same folder, second run: page 2 fails; the earlier whole file must not survive as if current.
    fake.addFault({ operation: 'DescribeImages', repositoryName: 'big', kind: 'bad-next-token', times: 1 });
    const report = await takeSnapshot({ out, ...liveOptions(fake.url, cache) });
    expect(repo(report, 'big').incompleteReason).toMatch(/DescribeImages failed after 1 attempt: InvalidParameterException.*nextToken/);
    expect(await listFiles(join(out, 'big'))).toEqual(['repository.json']);
    expect((await repositoryFile('big')).complete).toBe(false);
  });

  test('a pagination token that repeats is detected instead of looping forever', async () => {
    const seed: FakeRegistrySeed = { registryId: '555555555555', repositories: [{ repositoryName: 'big', images: manyImages('big', 2001) }] };
    const report = await run([{ operation: 'DescribeImages', repositoryName: 'big', kind: 'repeat-next-token' }], seed);
    expect(repo(report, 'big')).toMatchObject({ complete: false });
    expect(repo(report, 'big').incompleteReason).toMatch(/pagination token repeated/);
    expect(fake!.callCount('DescribeImages', 'big')).toBe(2);
  });

  test('BatchGetImage failing after retries: describe-images.json written, no batch-get-image.json', async () => {
    const report = await run([{ operation: 'BatchGetImage', repositoryName: 'web', kind: 'throttle' }]);
    expect(repo(report, 'web').incompleteReason).toMatch(/BatchGetImage failed after 3 attempts: ThrottlingException/);
    expect(await listFiles(join(out, 'web'))).toEqual(['describe-images.json', 'repository.json']);
  });

  test('GetLifecyclePolicy AccessDenied: status unknown, repository incomplete', async () => {
    const report = await run([{ operation: 'GetLifecyclePolicy', repositoryName: 'team/api', kind: 'access-denied' }]);
    expect(repo(report, 'team/api')).toMatchObject({ complete: false, lifecyclePolicyStatus: 'unknown' });
    expect((await repositoryFile('team/api')).lifecyclePolicyStatus).toBe('unknown');
    expect(await listFiles(join(out, 'team/api'))).not.toContain('get-lifecycle-policy.json');
  });
});

describe('lifecycle policy absence and BatchGetImage failures', () => {
  test('LifecyclePolicyNotFoundException is recorded as none, repository complete', async () => {
    const report = await run([]);
    expect(repo(report, 'web')).toMatchObject({ complete: true, lifecyclePolicyStatus: 'none' });
    expect(fake!.callCount('GetLifecyclePolicy', 'web')).toBe(1);
    expect(await listFiles(join(out, 'web'))).not.toContain('get-lifecycle-policy.json');
  });

  test('a per-image failure on an active image makes the repository incomplete but keeps the whole files', async () => {
    const seed = sampleRegistry();
    seed.repositories[1]!.images.push(
      dockerImage('web-kms', '2025-01-03T00:00:00Z', ['kms'], { batchGetFailure: { failureCode: 'KmsError', failureReason: 'KMS unavailable' } }),
    );
    const report = await run([], seed);
    expect(repo(report, 'web').complete).toBe(false);
    expect(repo(report, 'web').incompleteReason).toMatch(/BatchGetImage: 1 image\(s\) failed \(KmsError\)/);
    const file = (await readJson(join(out, 'web/batch-get-image.json'))) as BatchGetImageFile;
    expect(file.images).toHaveLength(2);
    expect(file.failures).toEqual([expect.objectContaining({ failureCode: 'KmsError' })]);
  });

  test('a failure for an archived image is recorded and tolerated', async () => {
    const seed = sampleRegistry();
    seed.repositories[1]!.images.push(
      dockerImage('web-arch', '2024-01-03T00:00:00Z', [], {
        status: 'ARCHIVED',
        lastArchivedAt: '2025-01-01T00:00:00Z',
        batchGetFailure: { failureCode: 'ImageInaccessible', failureReason: 'archived' },
      }),
    );
    const report = await run([], seed);
    expect(repo(report, 'web').complete).toBe(true);
    expect(((await readJson(join(out, 'web/batch-get-image.json'))) as BatchGetImageFile).failures).toHaveLength(1);
  });
});

describe('registry-level failures', () => {
  test('AccessDenied on DescribeRepositories: no repository written, report incomplete, and the snapshot says which registry failed', async () => {
    const report = await run([{ operation: 'DescribeRepositories', kind: 'access-denied' }]);
    expect(report.complete).toBe(false);
    expect(report.registries[0]).toMatchObject({ complete: false, region: 'us-east-1' });
    expect(report.registries[0]!.incompleteReason).toMatch(/DescribeRepositories failed after 1 attempt: AccessDeniedException/);
    expect(report.repositories).toEqual([]);
    // Only the status file: an audit of this directory must not find it clean.
    expect(await listFiles(out)).toEqual(['snapshot-status.json']);
    const status = (await readJson(join(out, 'snapshot-status.json'))) as { unreadableRegistries: Array<{ region: string; reason: string }> };
    expect(status.unreadableRegistries).toEqual([{ region: 'us-east-1', reason: expect.stringMatching(/^repository listing failed: DescribeRepositories failed after 1 attempt: AccessDeniedException/) }]);
  });

  test('a broken repository pagination token fails the listing', async () => {
    const repositories = Array.from({ length: 1001 }, (_, i) => ({ repositoryName: `r${i}`, images: [] }));
    const report = await run([{ operation: 'DescribeRepositories', kind: 'bad-next-token', times: 1 }], { registryId: '100000000001', repositories });
    expect(report.registries[0]!.incompleteReason).toMatch(/InvalidParameterException/);
    expect(report.complete).toBe(false);
  });

  test('a named repository that does not exist is incomplete (RepositoryNotFound); the others are read', async () => {
    const report = await run([], sampleRegistry(), { repositories: ['web', 'nope'] });
    expect(repo(report, 'nope')).toMatchObject({ complete: false, images: 0 });
    expect(repo(report, 'nope').incompleteReason).toMatch(/RepositoryNotFoundException/);
    expect(repo(report, 'web').complete).toBe(true);
    expect(await listFiles(join(out, 'nope'))).toEqual(['repository.json']);
    expect(report.complete).toBe(false);
  });

  test('blob-mounting setting unreadable: warning, blobMounting omitted, still complete', async () => {
    const seed = sampleRegistry();
    seed.blobMounting = 'unsupported';
    const report = await run([], seed);
    expect(report.complete).toBe(true);
    expect(report.registries[0]!.warnings[0]).toMatch(/blob mounting unknown.*ValidationException/);
    expect(await readJson(join(out, 'registry.json'))).toEqual({ registryId: '111111111111', region: 'us-east-1' });
  });
});

describe('incomplete marking across runs', () => {
  test('stale data files from an earlier complete snapshot are removed when the repository turns incomplete', async () => {
    fake = await FakeEcrServer.start(sampleRegistry());
    await takeSnapshot({ out, ...liveOptions(fake.url, cache) });
    expect(await listFiles(join(out, 'team/api'))).toHaveLength(4);
    fake.addFault({ operation: 'GetLifecyclePolicy', repositoryName: 'team/api', kind: 'server-error' });
    fake.addFault({ operation: 'DescribeImages', repositoryName: 'team/api', kind: 'server-error' });
    const report = await takeSnapshot({ out, ...liveOptions(fake.url, cache) });
    expect(repo(report, 'team/api').complete).toBe(false);
    expect(await listFiles(join(out, 'team/api'))).toEqual(['repository.json']);
    expect(await repositoryFile('team/api')).toMatchObject({ complete: false, lifecyclePolicyStatus: 'unknown' });
  });

  test('repository names that collide with layout files are not written', async () => {
    const seed = sampleRegistry();
    seed.repositories.push({ repositoryName: 'x/registry.json', images: [] });
    fake = await FakeEcrServer.start(seed);
    const report = await takeSnapshot({ out, ...liveOptions(fake.url, cache) });
    expect(repo(report, 'x/registry.json')).toMatchObject({ complete: false, path: '' });
    expect(repo(report, 'x/registry.json').incompleteReason).toMatch(/collides with the snapshot file registry.json/);
    expect(await listFiles(out)).not.toContain('x/registry.json/repository.json');
  });
});

describe('atomic writes', () => {
  test('no temp files are left behind and a failed write leaves the target untouched', async () => {
    const { writeFileAtomic, writeJsonAtomic } = await import('../../src/aws/atomic-write.js');
    fake = await FakeEcrServer.start(sampleRegistry());
    await takeSnapshot({ out, ...liveOptions(fake.url, cache) });
    expect((await listFiles(out)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // Rename onto a non-empty directory fails: the directory and its content survive, no temp file.
    const target = join(out, 'blocked');
    await mkdir(target);
    await writeFile(join(target, 'keep'), 'x');
    await expect(writeFileAtomic(target, 'data')).rejects.toThrow(/^cannot write .*blocked: E[A-Z]+$/);
    expect(await listFiles(out)).toContain('blocked/keep');
    expect((await listFiles(out)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    await writeJsonAtomic(join(out, 'a.json'), { b: 1 });
    await writeJsonAtomic(join(out, 'a.json'), { b: 2 });
    expect(await readJson(join(out, 'a.json'))).toEqual({ b: 2 });
  });

  test('every repository.json seen while the snapshot runs is whole JSON', async () => {
    fake = await FakeEcrServer.start({ registryId: '666666666666', repositories: [{ repositoryName: 'big', images: manyImages('big', 300) }] });
    const seen: RepositoryFile[] = [];
    const { readFile } = await import('node:fs/promises');
    await takeSnapshot({
      out,
      ...liveOptions(fake.url, cache),
      progress: () => {
        void readFile(join(out, 'big', 'repository.json'), 'utf8')
          .then((t) => seen.push(JSON.parse(t) as RepositoryFile))
          .catch((e: NodeJS.ErrnoException) => {
            if (e.code !== 'ENOENT') throw e;
          });
      },
    });
    await new Promise((r) => setTimeout(r, 50));
    expect((await repositoryFile('big')).complete).toBe(true);
    for (const s of seen) expect(typeof s.complete).toBe('boolean');
  });
});
