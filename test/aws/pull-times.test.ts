import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { exclusionFix, isExcluded, principalArnOf } from '../../src/aws/identity.js';
import { takeSnapshot } from '../../src/aws/snapshot.js';
import type { BatchGetImageFile, RepositoryFile } from '../../src/aws/types.js';
import { callerRoleArn, FakeEcrServer, READ_OPERATIONS, type FakeRegistrySeed } from '../support/fake-ecr/server.js';
import { listFiles, liveOptions, readJson, removeDir, sampleRegistry, tempDir } from '../support/fake-ecr/harness.js';

// Reading manifests (BatchGetImage) updates lastRecordedPullTime unless the caller is in the registry's
// pull-time update exclusions. Before the first BatchGetImage against a registry the tool looks up its
// principal (STS GetCallerIdentity) and the exclusions (ListPullTimeUpdateExclusions), and warns once
// with the fix when it is not excluded; --no-pull (pull: false) makes no BatchGetImage call at all.

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

const ACCOUNT = '111111111111';
const ROLE = callerRoleArn(ACCOUNT);

async function start(seed: Partial<FakeRegistrySeed> = {}): Promise<FakeEcrServer> {
  fake = await FakeEcrServer.start({ ...sampleRegistry(ACCOUNT), ...seed });
  return fake;
}

async function snapshot(extra: Parameters<typeof liveOptions>[2] = {}): Promise<{ report: Awaited<ReturnType<typeof takeSnapshot>>; warnings: string[] }> {
  const warnings: string[] = [];
  const report = await takeSnapshot({ out, ...liveOptions(fake!.url, cache, { onWarning: (w) => warnings.push(w), ...extra }) });
  return { report, warnings };
}

/** Operations in the order the fake saw them. */
const operations = (): string[] => fake!.log.map((c) => c.operation);

describe('principals and exclusions', () => {
  test('an assumed-role session maps to its role; users and roots are their own principal', () => {
    expect(principalArnOf('arn:aws:sts::123456789012:assumed-role/ci/gh-run-7')).toBe('arn:aws:iam::123456789012:role/ci');
    expect(principalArnOf('arn:aws-cn:sts::123456789012:assumed-role/ci/s')).toBe('arn:aws-cn:iam::123456789012:role/ci');
    expect(principalArnOf('arn:aws:iam::123456789012:user/alice')).toBe('arn:aws:iam::123456789012:user/alice');
    expect(principalArnOf('arn:aws:iam::123456789012:root')).toBe('arn:aws:iam::123456789012:root');
  });

  test('a role registered with a path matches its session (same account and name); nothing else does', () => {
    const role = 'arn:aws:iam::123456789012:role/ci';
    expect(isExcluded(role, [role])).toBe(true);
    expect(isExcluded(role, ['arn:aws:iam::123456789012:role/service/ci'])).toBe(true);
    expect(isExcluded(role, ['arn:aws:iam::123456789012:role/ci2', 'arn:aws:iam::210987654321:role/ci', 'arn:aws-cn:iam::123456789012:role/ci'])).toBe(false);
    expect(isExcluded('arn:aws:iam::123456789012:user/ci', ['arn:aws:iam::123456789012:role/ci'])).toBe(false);
    expect(exclusionFix(role, 'eu-west-1')).toBe('aws ecr register-pull-time-update-exclusion --principal-arn arn:aws:iam::123456789012:role/ci --region eu-west-1');
  });
});

describe('before the first BatchGetImage', () => {
  test('excluded: identity and exclusions are read once, before the first BatchGetImage; no warning; only reads', async () => {
    await start();
    const { report, warnings } = await snapshot();
    expect(report.complete).toBe(true);
    expect(warnings).toEqual([]);
    expect(report.registries[0]!.warnings).toEqual([]);
    const ops = operations();
    expect(ops.filter((o) => o === 'GetCallerIdentity')).toHaveLength(1);
    expect(ops.filter((o) => o === 'ListPullTimeUpdateExclusions')).toHaveLength(1);
    expect(ops.indexOf('ListPullTimeUpdateExclusions')).toBeLessThan(ops.indexOf('BatchGetImage'));
    expect(ops.indexOf('GetCallerIdentity')).toBeLessThan(ops.indexOf('BatchGetImage'));
    expect(ops.filter((o) => !READ_OPERATIONS.has(o))).toEqual([]);
    expect(report.registries[0]!.apiCalls.ListPullTimeUpdateExclusions).toBe(1);
  });

  test('not excluded: one warning for the registry (three repositories fetch manifests), with the exact fix', async () => {
    await start({ pullTimeUpdateExclusions: ['arn:aws:iam::111111111111:role/someone-else'] });
    const { report, warnings } = await snapshot();
    expect(report.complete).toBe(true);
    expect(fake!.callCount('BatchGetImage')).toBeGreaterThan(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`${ROLE} is not in the pull-time update exclusions of registry ${ACCOUNT} (us-east-1)`);
    expect(warnings[0]).toContain(`aws ecr register-pull-time-update-exclusion --principal-arn ${ROLE} --region us-east-1`);
    expect(warnings[0]).toContain('--no-pull');
    expect(report.registries[0]!.warnings).toEqual(warnings);
    expect(operations().filter((o) => !READ_OPERATIONS.has(o))).toEqual([]);
  });

  test('the role registered with a path is excluded', async () => {
    await start({ pullTimeUpdateExclusions: [`arn:aws:iam::${ACCOUNT}:role/ci/roles/ecr-lifeguard-ci`] });
    expect((await snapshot()).warnings).toEqual([]);
  });

  test('a warm cache makes no BatchGetImage, so no identity lookup either', async () => {
    await start({ pullTimeUpdateExclusions: [] });
    await snapshot();
    fake!.resetCounts();
    const { warnings, report } = await snapshot();
    expect(report.complete).toBe(true);
    expect(warnings).toEqual([]);
    expect(operations()).not.toContain('BatchGetImage');
    expect(operations()).not.toContain('GetCallerIdentity');
    expect(operations()).not.toContain('ListPullTimeUpdateExclusions');
  });

  test('ListPullTimeUpdateExclusions denied: a warning naming the permission; the snapshot itself is whole', async () => {
    await start();
    fake!.addFault({ operation: 'ListPullTimeUpdateExclusions', kind: 'access-denied' });
    const { report, warnings } = await snapshot();
    expect(report.complete).toBe(true);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/could not read the pull-time update exclusions of registry 111111111111 \(us-east-1\) \(ListPullTimeUpdateExclusions failed: AccessDeniedException.*it needs ecr:ListPullTimeUpdateExclusions\)/);
    expect(warnings[0]).toContain(`--principal-arn ${ROLE} --region us-east-1`);
  });

  test('GetCallerIdentity failing: a warning that pull times may be reset', async () => {
    await start();
    fake!.addFault({ operation: 'GetCallerIdentity', kind: 'access-denied' });
    const { warnings } = await snapshot();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^could not tell who reads registry 111111111111 \(us-east-1\) \(STS GetCallerIdentity failed: /);
    expect(operations()).not.toContain('ListPullTimeUpdateExclusions');
  });

  test('a caller from another account: the exclusions cannot be read from here, said with the fix for that account', async () => {
    await start();
    fake!.callerArn = 'arn:aws:sts::999999999999:assumed-role/auditor/s';
    const { warnings } = await snapshot();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('arn:aws:iam::999999999999:role/auditor reads registry 111111111111 (us-east-1) from account 999999999999');
    expect(warnings[0]).toContain('an administrator of account 111111111111 runs once: aws ecr register-pull-time-update-exclusion --principal-arn arn:aws:iam::999999999999:role/auditor --region us-east-1');
    expect(operations()).not.toContain('ListPullTimeUpdateExclusions');
  });
});

describe('--no-pull: no BatchGetImage call at all', () => {
  test('cold cache: no BatchGetImage and no lookup; repositories with images are incomplete, not safe; nothing written as whole', async () => {
    await start({ pullTimeUpdateExclusions: [] });
    const { report, warnings } = await snapshot({ pull: false });
    expect(operations()).not.toContain('BatchGetImage');
    expect(operations()).not.toContain('GetCallerIdentity');
    expect(warnings).toEqual([]);
    expect(report.complete).toBe(false);
    for (const name of ['team/api', 'web']) {
      const r = report.repositories.find((x) => x.repositoryName === name)!;
      expect(r.complete).toBe(false);
      expect(r.incompleteReason).toMatch(/manifest\(s\) not in the cache, and --no-pull makes no BatchGetImage call: the layers, index children and referrers of those images are unknown/);
      expect(await listFiles(join(out, name))).not.toContain('batch-get-image.json');
      expect(((await readJson(join(out, name, 'repository.json'))) as RepositoryFile).complete).toBe(false);
    }
    // A repository without images needs no manifest.
    expect(report.repositories.find((x) => x.repositoryName === 'empty')!.complete).toBe(true);
  });

  test('warm cache: complete, byte-identical batch-get-image.json, no BatchGetImage', async () => {
    await start();
    await snapshot();
    const before = await readJson(join(out, 'team/api/batch-get-image.json'));
    fake!.resetCounts();
    const { report } = await snapshot({ pull: false });
    expect(report.complete).toBe(true);
    expect(operations()).not.toContain('BatchGetImage');
    expect(await readJson(join(out, 'team/api/batch-get-image.json'))).toEqual(before);
  });

  test('only an archived image missing from the cache: complete (its manifest may be missing anyway)', async () => {
    await start();
    await snapshot();
    const details = (await readJson(join(out, 'team/api/describe-images.json'))) as { imageDetails: { imageDigest: string; imageStatus: string }[] };
    const archived = details.imageDetails.find((d) => d.imageStatus === 'ARCHIVED')!.imageDigest;
    await rm(join(cache, 'sha256', archived.slice('sha256:'.length)));
    const { report } = await snapshot({ pull: false });
    expect(report.repositories.find((r) => r.repositoryName === 'team/api')!.complete).toBe(true);
    const file = (await readJson(join(out, 'team/api/batch-get-image.json'))) as BatchGetImageFile;
    expect(file.images.map((i) => i.imageId.imageDigest)).not.toContain(archived);
    expect(file.failures).toEqual([]);
  });
});
