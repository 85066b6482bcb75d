import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { listFiles, manyImages } from '../support/fake-ecr/harness.js';
import { FakeEcrServer } from '../support/fake-ecr/server.js';
import { awsEnv, CLI, removeDirs, requireBuiltCli, tempDir } from './support.js';

// Ctrl-C during a snapshot: files under way are finished or removed, so neither the snapshot nor the
// manifest cache keeps a temporary file, and the command exits 130 without messages about the writes
// it could no longer start.

beforeAll(() => requireBuiltCli());

let fake: FakeEcrServer;
const dirs: string[] = [];
beforeAll(async () => {
  fake = await FakeEcrServer.start({
    registryId: '777777777777',
    repositories: ['a', 'b', 'c'].map((name) => ({ repositoryName: `team/${name}`, images: manyImages(name, 1500) })),
  });
});
afterAll(async () => {
  await fake.close();
  await removeDirs(...dirs);
});

it.each([0, 150, 400])('interrupted %i ms after its first file: exit 130, nothing on stderr, no temporary file', async (delayMs) => {
  // One repository answers slowly, so the snapshot is still running when the signal comes, however fast the machine.
  fake.addFault({ operation: 'DescribeImages', kind: 'slow', delayMs: 3000, repositoryName: 'team/c', times: 1 });
  const home = await tempDir();
  dirs.push(home);
  const out = join(home, 'snapshot');
  const cache = join(home, 'manifests');
  const child = spawn(process.execPath, [CLI, 'snapshot', '--out', out, '--endpoint-url', fake.url, '--cache-dir', cache], { env: awsEnv(home, { AWS_ENDPOINT_URL_STS: fake.url }), stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  let files: string[] = [];
  for (let polls = 0; files.length === 0; polls++) {
    expect(polls).toBeLessThan(2000);
    await new Promise((r) => setTimeout(r, 5));
    files = (await listFiles(home).catch(() => [])).filter((f) => !f.endsWith('.tmp'));
  }
  await new Promise((r) => setTimeout(r, delayMs));
  expect(child.exitCode).toBe(null); // still running
  child.kill('SIGINT');
  expect(await closed).toBe(130);
  expect(stderr).toBe('');
  expect((await listFiles(home)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
});
