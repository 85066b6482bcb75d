import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { pathInside, quoteValue, regionProblem, registryIdProblem, repositoryNameProblem } from '../../src/aws/names.js';
import { snapshotRoot, takeSnapshot } from '../../src/aws/snapshot.js';
import type { RepositoryFile } from '../../src/aws/types.js';
import { UsageError } from '../../src/model/errors.js';
import { FakeEcrServer, type FakeRegistrySeed } from '../support/fake-ecr/server.js';
import { dockerImage, listFiles, liveOptions, readJson, removeDir, tempDir } from '../support/fake-ecr/harness.js';

// Values a server answers become folder names in a snapshot. A hostile or broken endpoint (registryId
// "../../../x", a repository named "../escape") must never make a snapshot write outside --out: the
// registry or repository is incomplete and named instead.

let fake: FakeEcrServer | undefined;
let base: string;
let out: string;
let cache: string;

beforeEach(async () => {
  // out sits three levels down, so "../../../x" from out/<registryId>/<region> would land in base.
  base = await tempDir();
  out = join(base, 'a', 'b', 'out');
  await mkdir(out, { recursive: true });
  cache = await tempDir();
});
afterEach(async () => {
  await fake?.close();
  fake = undefined;
  await removeDir(base);
  await removeDir(cache);
});

const repositories = (): FakeRegistrySeed['repositories'] => [{ repositoryName: 'web', images: [dockerImage('web-1', '2025-01-01T00:00:00Z', ['1'])] }];

/** Everything under base but --out itself: must stay empty. */
async function outsideOut(): Promise<string[]> {
  return (await listFiles(base)).filter((f) => !f.startsWith(join('a', 'b', 'out') + '/'));
}

describe('names and paths', () => {
  test('ECR patterns: 12-digit registry ids, repository names of 2 to 256 characters, region codes', () => {
    expect(registryIdProblem('123456789012')).toBeUndefined();
    for (const bad of ['../../../x', '12345678901', '1234567890123', '12345678901a', '', undefined]) expect(registryIdProblem(bad)).toContain('is not 12 digits');
    for (const good of ['ab', 'team/api', 'a.b_c-d/e', 'x'.repeat(256)]) expect(repositoryNameProblem(good)).toBeUndefined();
    for (const bad of ['a', '../x', 'team/../x', '/abs', 'Team', 'a//b', 'x'.repeat(257), 'a\u001b]52;c;x\u0007']) expect(repositoryNameProblem(bad)).toBeDefined();
    for (const good of ['us-east-1', 'eu-central-2', 'us-gov-west-1', 'cn-northwest-1', 'us-isob-east-1']) expect(regionProblem(good)).toBeUndefined();
    for (const bad of ['..', '../x', 'us-east-1/..', 'US-EAST-1', 'local']) expect(regionProblem(bad)).toBeDefined();
  });

  test('quoteValue escapes every control character and bounds the length', () => {
    expect(quoteValue('a\u001b[2J\u009b\nb')).toBe('"a\\u001b[2J\\u009b\\nb"');
    expect(quoteValue('x'.repeat(500))).toHaveLength(85);
  });

  test('pathInside refuses anything that leaves its base', () => {
    expect(pathInside('/o', 'team', 'api')).toBe(join('/o', 'team', 'api'));
    expect(pathInside('/o', '/etc')).toBe(join('/o', 'etc'));
    for (const segments of [['..'], ['a', '..', '..', 'x'], ['.'], ['']]) expect(() => pathInside('/o', ...segments)).toThrow(/refusing to write outside/);
    expect(() => snapshotRoot('/o', true, '../../../x', 'us-east-1')).toThrow(/is not 12 digits/);
    expect(() => snapshotRoot('/o', true, '123456789012', '..')).toThrow(/is not an AWS region code/);
  });
});

describe('a server answering values that are not ECR names', () => {
  test('registryId "../../../x" in two regions: nothing written outside --out, both registries incomplete and named', async () => {
    fake = await FakeEcrServer.start([
      { registryId: '../../../x', region: 'us-east-1', repositories: repositories() },
      { registryId: '../../../x', region: 'eu-west-1', repositories: repositories() },
    ]);
    const report = await takeSnapshot({ out, ...liveOptions(fake.url, cache, { regions: ['us-east-1', 'eu-west-1'] }) });
    expect(report.complete).toBe(false);
    expect(report.registries).toHaveLength(2);
    for (const r of report.registries) {
      expect(r.complete).toBe(false);
      expect(r.registryId).toBeUndefined();
      expect(r.incompleteReason).toContain('registry id "../../../x" is not 12 digits');
    }
    expect(report.repositories).toEqual([]);
    expect(await outsideOut()).toEqual([]);
    // Only the status file, which names both registries as unread.
    expect(await listFiles(out)).toEqual(['snapshot-status.json']);
    const status = (await readJson(join(out, 'snapshot-status.json'))) as { unreadableRegistries: { region: string; reason: string }[] };
    expect(status.unreadableRegistries.map((r) => r.region).sort()).toEqual(['eu-west-1', 'us-east-1']);
  });

  test('a bad registryId in one region leaves the other region whole', async () => {
    fake = await FakeEcrServer.start([
      { registryId: '../../../x', region: 'us-east-1', repositories: repositories() },
      { registryId: '222222222222', region: 'eu-west-1', repositories: repositories() },
    ]);
    const report = await takeSnapshot({ out, ...liveOptions(fake.url, cache, { regions: ['us-east-1', 'eu-west-1'] }) });
    expect(report.complete).toBe(false);
    expect(report.repositories.map((r) => [r.registryId, r.region, r.repositoryName, r.complete])).toEqual([['222222222222', 'eu-west-1', 'web', true]]);
    expect(await outsideOut()).toEqual([]);
    expect(await listFiles(join(out, '222222222222', 'eu-west-1'))).toContain('web/batch-get-image.json');
  });

  test('single root: a bad registryId writes no registry.json (it would name a registry that is not one)', async () => {
    fake = await FakeEcrServer.start({ registryId: 'not-an-account', repositories: repositories() });
    const report = await takeSnapshot({ out, ...liveOptions(fake.url, cache) });
    expect(report.complete).toBe(false);
    expect(report.registries[0]!.incompleteReason).toContain('registry id "not-an-account" is not 12 digits');
    expect(await listFiles(out)).toEqual(['snapshot-status.json']);
  });

  test('repository names that would climb out or carry escapes: incomplete and named, the others whole', async () => {
    const evil = ['../../../escape', 'ok/../../../../up', 'esc\u001b]52;c;aGk=\u0007ape'];
    fake = await FakeEcrServer.start({
      registryId: '111111111111',
      repositories: [...repositories(), ...evil.map((repositoryName) => ({ repositoryName, images: [dockerImage(repositoryName, '2025-01-01T00:00:00Z')] }))],
    });
    const report = await takeSnapshot({ out, ...liveOptions(fake.url, cache, { regions: ['us-east-1'] }) });
    expect(report.complete).toBe(false);
    expect(report.totals.incomplete).toBe(3);
    for (const name of evil) {
      const r = report.repositories.find((x) => x.repositoryName === name)!;
      expect(r.complete).toBe(false);
      expect(r.path).toBe('');
      expect(r.incompleteReason).toContain('is not a valid ECR name');
      expect(r.incompleteReason).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    }
    // No request was made about them beyond the listing.
    for (const name of evil) expect(fake.callCount('DescribeImages', name)).toBe(0);
    expect(report.repositories.find((r) => r.repositoryName === 'web')!.complete).toBe(true);
    expect(await outsideOut()).toEqual([]);
    expect((await readdir(out)).sort()).toEqual(['registry.json', 'snapshot-status.json', 'web']);
    expect(((await readJson(join(out, 'web', 'repository.json'))) as RepositoryFile).complete).toBe(true);
  });

  test('a region option that is not a region code is a usage error before any call', async () => {
    fake = await FakeEcrServer.start({ registryId: '111111111111', repositories: repositories() });
    await expect(takeSnapshot({ out, ...liveOptions(fake.url, cache, { regions: ['../../x'] }) })).rejects.toThrow(UsageError);
    expect(fake.targets).toEqual([]);
  });
});
