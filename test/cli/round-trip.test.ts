import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeEcrServer } from '../support/fake-ecr/server.js';
import {
  awsEnv, BIG_REPOSITORY, BIG_REPOSITORY_IMAGES, FIXTURES, listFiles, NOW, realisticRegistry, removeDirs, requireBuiltCli, runCli, tempDir,
  type JsonReport,
} from './support.js';

// Snapshot from the fake ECR, audit the snapshot, audit live: the built CLI, end to end.

const REPOSITORIES = ['batch/export', 'empty', 'legacy', 'team/api', 'team/worker', 'tools/ci', 'web'];
const WITH_POLICY = ['batch/export', 'empty', 'team/api', 'team/worker', 'tools/ci'];
const REPOSITORY_OPERATIONS = ['GetLifecyclePolicy', 'DescribeImages', 'BatchGetImage'];

let fake: FakeEcrServer;
let home: string;
let snapshot: string;
let cacheDir: string;
let env: Record<string, string>;
let imagesPerRepository: Map<string, number>;
const inUse = join(FIXTURES, 'in-use.txt');
const analysis = ['--format', 'json', '--now', NOW, '--days', '30', '--in-use', inUse];

beforeAll(async () => {
  requireBuiltCli();
  const seed = realisticRegistry();
  imagesPerRepository = new Map(seed.repositories.map((r) => [r.repositoryName, r.images.length]));
  fake = await FakeEcrServer.start(seed);
  home = await tempDir();
  snapshot = join(home, 'snapshot');
  cacheDir = join(home, 'manifest-cache');
  env = awsEnv(home, { AWS_ENDPOINT_URL_STS: fake.url });
});
afterAll(async () => {
  await fake?.close();
  await removeDirs(home);
});

/** Requests about one repository, every attempt counted. */
function repositoryCalls(name: string): number {
  return fake.log.filter((c) => c.repositoryName === name && REPOSITORY_OPERATIONS.includes(c.operation)).length;
}

describe('snapshot, then audit from it, equals a live audit', () => {
  it('snapshot writes the documented layout and asks for each manifest once, 100 at a time', async () => {
    fake.resetCounts();
    const r = await runCli(['snapshot', '--out', snapshot, '--endpoint-url', fake.url, '--cache-dir', cacheDir], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const images = [...imagesPerRepository.values()].reduce((a, b) => a + b, 0);
    expect(r.stdout).toMatch(new RegExp(`^Snapshot written to ${snapshot} at \\S+: 7 repositories, ${images} images, \\d+ API calls, 0 retries\\.\\n`));

    const expected = ['registry.json', 'snapshot-status.json'];
    for (const name of REPOSITORIES) {
      expected.push(`${name}/batch-get-image.json`, `${name}/describe-images.json`, `${name}/repository.json`);
      if (WITH_POLICY.includes(name)) expected.push(`${name}/get-lifecycle-policy.json`);
    }
    expect(await listFiles(snapshot)).toEqual(expected.sort());
    expect(JSON.parse(await readFile(join(snapshot, 'registry.json'), 'utf8'))).toEqual({ registryId: '111111111111', region: 'us-east-1', blobMounting: true });
    const web = JSON.parse(await readFile(join(snapshot, 'web', 'repository.json'), 'utf8'));
    expect(web).toMatchObject({ repositoryName: 'web', registryId: '111111111111', lifecyclePolicyStatus: 'none', complete: true });
    const api = JSON.parse(await readFile(join(snapshot, 'team', 'api', 'repository.json'), 'utf8'));
    expect(api).toMatchObject({ repositoryName: 'team/api', lifecyclePolicyStatus: 'present', complete: true });
    const big = JSON.parse(await readFile(join(snapshot, BIG_REPOSITORY, 'describe-images.json'), 'utf8'));
    expect(big.imageDetails).toHaveLength(BIG_REPOSITORY_IMAGES);

    // No call the result does not need: one BatchGetImage per 100 manifests, nothing else twice.
    for (const [name, count] of imagesPerRepository) {
      expect(fake.callCount('BatchGetImage', name), name).toBe(Math.ceil(count / 100));
      expect(fake.callCount('GetLifecyclePolicy', name), name).toBe(1);
      expect(fake.callCount('DescribeImages', name), name).toBe(Math.max(1, Math.ceil(count / 1000)));
    }
    expect(fake.callCount('DescribeRepositories')).toBe(1);
  });

  it('audit --snapshot and audit --live print the same JSON, byte for byte, with the same exit code', async () => {
    const [offline, live] = await Promise.all([
      runCli(['audit', '--snapshot', snapshot, ...analysis], env),
      runCli(['audit', '--live', '--endpoint-url', fake.url, '--cache-dir', cacheDir, ...analysis], env),
    ]);
    expect(offline.stderr).toBe('');
    expect(live.stderr).toBe('');
    expect(live.stdout).toBe(offline.stdout);
    expect(live.code).toBe(offline.code);

    // And the report says what the seed implies: errors (exit 1), one entry per repository.
    expect(offline.code).toBe(1);
    const report = JSON.parse(offline.stdout) as JsonReport;
    expect(report.now).toBe('2026-11-22T00:00:00.000Z');
    expect(report.days).toBe(30);
    expect(report.repositories.map((r) => r.repositoryName)).toEqual(REPOSITORIES);
    expect(report.repositories.every((r) => r.complete)).toBe(true);
    expect(report.repositories.map((r) => r.imageCount)).toEqual(REPOSITORIES.map((n) => imagesPerRepository.get(n)));
    expect(report.unreadableRepositories).toEqual([]);
    const found = report.findings.map((f) => `${f.severity} ${f.id} ${f.repositoryName}`);
    expect(found).toEqual(expect.arrayContaining([
      'error in-use-image-expired batch/export',
      'error in-use-image-archived tools/ci',
      'warning unresolved-in-use-reference gone/service',
    ]));
    expect(found.filter((f) => f.includes('team/api') || f.includes(' web'))).toEqual([]);
  });

  it('AWS_ENDPOINT_URL_ECR and AWS_ENDPOINT_URL work like --endpoint-url', async () => {
    const args = ['audit', '--live', '--cache-dir', cacheDir, ...analysis, '--repository-prefix', 'team/'];
    const [flag, ecr, generic] = await Promise.all([
      runCli([...args, '--endpoint-url', fake.url], env),
      runCli(args, { ...env, AWS_ENDPOINT_URL_ECR: fake.url }),
      runCli(args, { ...env, AWS_ENDPOINT_URL: fake.url }),
    ]);
    for (const variable of [ecr, generic]) {
      expect(variable.stderr).toBe('');
      expect(variable.code).toBe(flag.code);
      expect(variable.stdout).toBe(flag.stdout);
    }
    expect((JSON.parse(flag.stdout) as JsonReport).repositories.map((r) => r.repositoryName)).toEqual(['team/api', 'team/worker']);
  });

  it('a second snapshot of the unchanged registry: no BatchGetImage, at most ceil(images/1000) + 2 calls per repository, same files', async () => {
    const before = new Map<string, string>();
    for (const f of await listFiles(snapshot)) before.set(f, await readFile(join(snapshot, f), 'utf8'));
    fake.resetCounts();
    const r = await runCli(['snapshot', '--out', snapshot, '--endpoint-url', fake.url, '--cache-dir', cacheDir], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(fake.callCount('BatchGetImage')).toBe(0);
    for (const [name, count] of imagesPerRepository) {
      expect(repositoryCalls(name), name).toBeLessThanOrEqual(Math.ceil(count / 1000) + 2);
    }
    // The cached manifests give the same files; only the snapshot time in repository.json moves.
    const withoutTime = (text: string) => text.replace(/"snapshotAt": "[^"]*"/, '"snapshotAt": "-"');
    expect(await listFiles(snapshot)).toEqual([...before.keys()]);
    for (const [f, text] of before) expect(withoutTime(await readFile(join(snapshot, f), 'utf8')), f).toBe(withoutTime(text));
  });
});
