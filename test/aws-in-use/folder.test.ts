import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeInUseFolder, writeInUseFolder } from '../../src/aws/in-use/folder.js';
import { readSnapshotInUse } from '../../src/cli/in-use-live.js';
import { InputError } from '../../src/model/errors.js';

// The in-use folder beside a snapshot: written, read back (only the files the status names), refused
// when tampered with, removed by a snapshot without discovery.

const HOST = '111111111111.dkr.ecr.us-east-1.amazonaws.com';
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ecr-lifeguard-in-use-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const status = (missing: string[] = []) => ({ source: 'ecs' as const, scope: 'us-east-1', complete: missing.length === 0, missing, references: 2, apiCalls: { ListClusters: 1 }, retries: 0 });

describe('in-use folder', () => {
  it('round-trips: runtime and rollback uses, origins in the snapshot, what is missing', async () => {
    await writeInUseFolder(dir, {
      files: [
        { path: '_aws/111111111111/us-east-1/ecs/prod/running-tasks.txt', text: `${HOST}/web@sha256:${'a'.repeat(64)}  # cluster prod task t1\n` },
        { path: '_aws/111111111111/us-east-1/ecs/prod/services/web/web-6.rollback.json', text: JSON.stringify({ taskDefinition: { containerDefinitions: [{ name: 'c', image: `${HOST}/web:v6` }] } }) },
      ],
      sources: [status(['ECS us-east-1 cluster dev: its running tasks (denied)'])],
    }, { discoveredAt: '2026-11-22T00:00:00.000Z', rollbackDepth: 1 });
    // A repository named `in-use` shares the folder: its files are not in-use sources.
    await writeFile(join(dir, 'in-use', 'repository.json'), '{"repositoryName":"in-use"}');
    const read = await readSnapshotInUse(dir, () => {});
    expect(read!.uses.map((u) => [u.kind, u.reference.raw, u.origin.file.slice(dir.length + 1)])).toEqual([
      ['runtime', `${HOST}/web@sha256:${'a'.repeat(64)}`, 'in-use/_aws/111111111111/us-east-1/ecs/prod/running-tasks.txt'],
      ['rollback', `${HOST}/web:v6`, 'in-use/_aws/111111111111/us-east-1/ecs/prod/services/web/web-6.rollback.json'],
    ]);
    expect(read!.missing).toEqual(['ECS us-east-1 cluster dev: its running tasks (denied)']);
    expect((await readSnapshotInUse(dir, () => {}, 'live:'))!.uses[0]!.origin.file).toBe('live:in-use/_aws/111111111111/us-east-1/ecs/prod/running-tasks.txt');
  });

  it('a snapshot without an in-use status has none; one without discovery removes an earlier one', async () => {
    expect(await readSnapshotInUse(dir, () => {})).toBeUndefined();
    await writeInUseFolder(dir, { files: [{ path: '_kube/prod/pods.json', text: '{"apiVersion":"v1","kind":"PodList","items":[]}' }], sources: [] }, { discoveredAt: 'x' });
    await removeInUseFolder(dir);
    expect(await readSnapshotInUse(dir, () => {})).toBeUndefined();
    await expect(readFile(join(dir, 'in-use', '_kube', 'prod', 'pods.json'))).rejects.toThrow();
  });

  it('a status naming a file outside the in-use folders, or of the wrong shape, is an input error, located', async () => {
    await writeInUseFolder(dir, { files: [], sources: [status()] }, { discoveredAt: 'x' });
    const path = join(dir, 'in-use-status.json');
    const good = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    for (const files of [['../../etc/passwd'], ['_aws/../../x'], ['in-use/repository.json']]) {
      await writeFile(path, JSON.stringify({ ...good, files }));
      const e = await readSnapshotInUse(dir, () => {}).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).problems[0]!.location).toMatchObject({ file: path, pointer: '/files/0' });
    }
    await writeFile(path, JSON.stringify({ ...good, sources: [{ source: 'ecs' }] }));
    await expect(readSnapshotInUse(dir, () => {})).rejects.toBeInstanceOf(InputError);
  });

  it('refuses to write a path that leaves its folder', async () => {
    await expect(writeInUseFolder(dir, { files: [{ path: '_aws/../../escape.txt', text: 'x' }], sources: [] }, { discoveredAt: 'x' })).rejects.toThrow(/leaves the in-use folder/);
  });
});
