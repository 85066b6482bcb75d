import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerImage, sampleRegistry } from '../support/fake-ecr/harness.js';
import { callerRoleArn, FakeEcrServer, READ_OPERATIONS } from '../support/fake-ecr/server.js';
import { awsEnv, NOW, removeDirs, requireBuiltCli, runCli, tempDir } from '../cli/support.js';

// The built command line against the fake ECR and its STS: the pull-time warning reaches stderr once
// per registry, with the fix; --no-pull makes no BatchGetImage call and exits 3 on a cold cache; names
// a server answers reach the terminal escaped.

beforeAll(() => requireBuiltCli());
const started: FakeEcrServer[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(started.map((f) => f.close()));
  await removeDirs(...dirs);
});

async function setUp(exclusions: string[] | undefined): Promise<{ fake: FakeEcrServer; home: string; env: Record<string, string>; endpoint: string[] }> {
  const fake = await FakeEcrServer.start({ ...sampleRegistry(), ...(exclusions !== undefined ? { pullTimeUpdateExclusions: exclusions } : {}) });
  started.push(fake);
  const home = await tempDir();
  dirs.push(home);
  return { fake, home, env: awsEnv(home, { AWS_ENDPOINT_URL_STS: fake.url }), endpoint: ['--endpoint-url', fake.url, '--cache-dir', join(home, 'manifests')] };
}

describe.concurrent('pull times from the command line', () => {
  it('not excluded: snapshot and audit --live say it once on stderr, with the command that fixes it; exit 0; only reads', async () => {
    const { fake, home, env, endpoint } = await setUp([]);
    const snap = await runCli(['snapshot', '--out', join(home, 'snap'), ...endpoint], env);
    expect(snap.code).toBe(0);
    const fix = `aws ecr register-pull-time-update-exclusion --principal-arn ${callerRoleArn('111111111111')} --region us-east-1`;
    const lines = snap.stderr.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^warning: arn:aws:iam::111111111111:role\/ecr-lifeguard-ci is not in the pull-time update exclusions of registry 111111111111 \(us-east-1\)/);
    expect(lines[0]).toContain(fix);
    // A second home: a cold cache again.
    const live = await runCli(['audit', '--live', ...endpoint.slice(0, 2), '--cache-dir', join(home, 'other-cache'), '--format', 'json', '--now', NOW, '--fail-on', 'never'], env);
    expect(live.code).toBe(0);
    expect(live.stderr.split('\n').filter((l) => l.includes(fix))).toHaveLength(1);
    expect(fake.log.map((c) => c.operation).filter((o) => !READ_OPERATIONS.has(o))).toEqual([]);
  });

  it('excluded: nothing on stderr', async () => {
    const { home, env, endpoint } = await setUp(undefined);
    const snap = await runCli(['snapshot', '--out', join(home, 'snap'), ...endpoint], env);
    expect(snap.code).toBe(0);
    expect(snap.stderr).toBe('');
  });

  it('--no-pull on a cold cache: no BatchGetImage, no lookup, exit 3 naming the repositories; warm: exit 0', async () => {
    const { fake, home, env, endpoint } = await setUp([]);
    const out = join(home, 'snap');
    const cold = await runCli(['snapshot', '--out', out, '--no-pull', ...endpoint], env);
    expect(cold.code).toBe(3);
    expect(fake.callCount('BatchGetImage')).toBe(0);
    expect(fake.callCount('GetCallerIdentity')).toBe(0);
    expect(cold.stdout).toContain('INCOMPLETE web: ');
    expect(cold.stdout).toContain('--no-pull makes no BatchGetImage call');
    expect(cold.stderr).toMatch(/could not be read completely.*\(exit 3\)/);
    expect(await readdir(join(out, 'web'))).toEqual(['describe-images.json', 'repository.json']);
    const audit = await runCli(['audit', '--snapshot', out, '--format', 'json', '--now', NOW, '--fail-on', 'never'], env);
    expect(audit.code).toBe(3);
    // Warm the cache (one warning), then --no-pull is whole and makes no BatchGetImage call.
    expect((await runCli(['snapshot', '--out', out, ...endpoint], env)).code).toBe(0);
    fake.resetCounts();
    const warm = await runCli(['snapshot', '--out', out, '--no-pull', ...endpoint], env);
    expect(warm.code).toBe(0);
    expect(warm.stderr).toBe('');
    expect(fake.callCount('BatchGetImage')).toBe(0);
  });
});

describe('names from a hostile server, from the command line', () => {
  it('a repository name carrying OSC 52 and a climb out of --out: exit 3, named, escaped on stdout, nothing outside --out', async () => {
    const seed = sampleRegistry();
    seed.repositories.push({ repositoryName: '../../x\u001b]52;c;aGk=\u0007', images: [dockerImage('evil', '2025-01-01T00:00:00Z')] });
    const fake = await FakeEcrServer.start(seed);
    started.push(fake);
    const home = await tempDir();
    dirs.push(home);
    const out = join(home, 'a', 'out');
    const r = await runCli(['snapshot', '--out', out, '--endpoint-url', fake.url, '--cache-dir', join(home, 'cache')], awsEnv(home, { AWS_ENDPOINT_URL_STS: fake.url }));
    expect(r.code).toBe(3);
    expect(r.stdout + r.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(r.stdout).toContain('INCOMPLETE ../../x\\u001b]52;c;aGk=\\u0007: repository name "../../x\\u001b]52;c;aGk=\\u0007" is not a valid ECR name');
    expect((await readdir(home)).sort()).toEqual(['a', 'cache']);
    expect((await readdir(join(home, 'a')))).toEqual(['out']);
  });
});
