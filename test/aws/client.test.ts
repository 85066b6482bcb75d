import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createEcrClient, resolveClientRegion } from '../../src/aws/client.js';
import { takeSnapshot } from '../../src/aws/snapshot.js';
import { UsageError } from '../../src/model/errors.js';
import { ASSUMED_SECRET_PREFIX, ASSUMED_SESSION_TOKEN_PREFIX, FakeEcrServer, assumedAccessKeyId } from '../support/fake-ecr/server.js';
import { fastRetryStrategy, listFiles, readJson, removeDir, sampleRegistry, tempDir, TEST_CREDENTIALS } from '../support/fake-ecr/harness.js';

// The SDK's own configuration sources (env, profiles, endpoint variables, role assumption)
// exercised end to end against the fake ECR (and its fake STS).

const ENV_KEYS = [
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_PROFILE',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_ECR',
  'AWS_ENDPOINT_URL_STS',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_EC2_METADATA_DISABLED',
];
let saved: Record<string, string | undefined>;
let fake: FakeEcrServer | undefined;
let dir: string;

beforeEach(async () => {
  saved = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
  for (const k of ENV_KEYS) delete process.env[k];
  dir = await tempDir();
  // Never reach for real configuration or instance metadata.
  process.env.AWS_CONFIG_FILE = join(dir, 'none-config');
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'none-credentials');
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
});
afterEach(async () => {
  for (const k of ENV_KEYS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  await fake?.close();
  fake = undefined;
  await removeDir(dir);
});

describe('createEcrClient', () => {
  test('uses adaptive retries with the configured attempts', async () => {
    const client = createEcrClient({ region: 'us-east-1', maxAttempts: 7 });
    const strategy = (await client.config.retryStrategy()) as { mode?: string };
    expect(strategy.mode).toBe('adaptive');
    expect(await client.config.maxAttempts()).toBe(7);
    client.destroy();
  });

  test('region comes from AWS_REGION when not given', async () => {
    process.env.AWS_REGION = 'ap-south-1';
    const client = createEcrClient();
    expect(await resolveClientRegion(client)).toBe('ap-south-1');
    client.destroy();
  });
});

describe('standard configuration sources', () => {
  test('AWS_ENDPOINT_URL_ECR, AWS_REGION and env credentials, no explicit options', async () => {
    fake = await FakeEcrServer.start({ ...sampleRegistry(), accessKeyId: 'AKIAENVCREDS00000001' });
    process.env.AWS_ENDPOINT_URL_ECR = fake.url;
    process.env.AWS_REGION = 'us-east-1';
    process.env.AWS_ACCESS_KEY_ID = 'AKIAENVCREDS00000001';
    process.env.AWS_SECRET_ACCESS_KEY = 'env-secret';
    const out = join(dir, 'out');
    const report = await takeSnapshot({ out, cacheDir: join(dir, 'cache'), retryStrategy: fastRetryStrategy() });
    expect(report.complete).toBe(true);
    expect(fake.log.every((c) => c.accessKeyId === 'AKIAENVCREDS00000001' && c.region === 'us-east-1')).toBe(true);
    expect(await listFiles(out)).toContain('web/repository.json');
  });

  test('a named profile supplies region and credentials', async () => {
    fake = await FakeEcrServer.start({ ...sampleRegistry('888888888888', 'eu-west-1'), accessKeyId: 'AKIAPROFILE000000001' });
    await writeFile(join(dir, 'config'), '[profile lifeguard]\nregion = eu-west-1\n');
    await writeFile(join(dir, 'credentials'), '[lifeguard]\naws_access_key_id = AKIAPROFILE000000001\naws_secret_access_key = profile-secret\n');
    process.env.AWS_CONFIG_FILE = join(dir, 'config');
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
    const out = join(dir, 'out');
    const report = await takeSnapshot({ out, profile: 'lifeguard', endpointUrl: fake.url, cacheDir: join(dir, 'cache'), retryStrategy: fastRetryStrategy() });
    expect(report.complete).toBe(true);
    expect(report.registries[0]).toMatchObject({ registryId: '888888888888', region: 'eu-west-1' });
    expect(await readJson(join(out, 'registry.json'))).toEqual({ registryId: '888888888888', region: 'eu-west-1', blobMounting: true });
  });

  test('no region anywhere is a usage error', async () => {
    await expect(takeSnapshot({ out: join(dir, 'out'), credentials: TEST_CREDENTIALS, endpointUrl: 'http://127.0.0.1:9' })).rejects.toThrow(UsageError);
  });

  test('one role per account and several regions: OUT/<registryId>/<region>/ roots', async () => {
    const accounts = ['210987654321', '123456789012'];
    const seeds = accounts.flatMap((account) =>
      ['us-east-1', 'eu-west-1'].map((region) => ({ ...sampleRegistry(account, region), accessKeyId: assumedAccessKeyId(account) })),
    );
    fake = await FakeEcrServer.start(seeds);
    process.env.AWS_ENDPOINT_URL_STS = fake.url;
    const out = join(dir, 'out');
    const report = await takeSnapshot({
      out,
      roleArns: accounts.map((a) => `arn:aws:iam::${a}:role/ecr-lifeguard-read`),
      regions: ['us-east-1', 'eu-west-1'],
      endpointUrl: fake.url,
      credentials: TEST_CREDENTIALS,
      cacheDir: join(dir, 'cache'),
      retryStrategy: fastRetryStrategy(),
    });
    expect(report.complete).toBe(true);
    expect(report.registries.map((r) => `${r.registryId}/${r.region}`)).toEqual([
      '123456789012/eu-west-1',
      '123456789012/us-east-1',
      '210987654321/eu-west-1',
      '210987654321/us-east-1',
    ]);
    const files = await listFiles(out);
    for (const account of accounts) {
      for (const region of ['us-east-1', 'eu-west-1']) {
        expect(await readJson(join(out, account, region, 'registry.json'))).toEqual({ registryId: account, region, blobMounting: true });
        expect(files).toContain(join(account, region, 'team/api/describe-images.json'));
      }
    }
    expect(files).not.toContain('registry.json');
    // ECR saw only the assumed-role keys; STS saw the base keys.
    const ecrCalls = fake.log.filter((c) => !c.target.startsWith('sts:'));
    expect(new Set(ecrCalls.map((c) => c.accessKeyId))).toEqual(new Set(accounts.map(assumedAccessKeyId)));
    expect(fake.log.filter((c) => c.target === 'sts:AssumeRole').every((c) => c.accessKeyId === TEST_CREDENTIALS.accessKeyId)).toBe(true);
    // Neither the base nor the assumed credentials reach any written file or the report.
    const texts = [JSON.stringify(report), ...(await Promise.all(files.map((f) => readFile(join(out, f), 'utf8'))))];
    const secrets = [TEST_CREDENTIALS.secretAccessKey, TEST_CREDENTIALS.sessionToken, TEST_CREDENTIALS.accessKeyId, ASSUMED_SECRET_PREFIX, ASSUMED_SESSION_TOKEN_PREFIX, 'ASIAFAKE'];
    for (const text of texts) for (const secret of secrets) expect(text).not.toContain(secret);
  });
});
