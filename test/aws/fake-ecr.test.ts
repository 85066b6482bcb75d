import {
  BatchGetImageCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetLifecyclePolicyCommand,
} from '@aws-sdk/client-ecr';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FakeEcrServer, TARGET_PREFIX } from '../support/fake-ecr/server.js';
import { fastRetryStrategy, manyImages, sampleRegistry, TEST_CREDENTIALS } from '../support/fake-ecr/harness.js';

// The fake must behave like ECR where the adapter depends on it; checked with the real SDK.

let fake: FakeEcrServer;
let client: ECRClient;

beforeAll(async () => {
  const seed = sampleRegistry();
  seed.repositories.push({ repositoryName: 'many', images: manyImages('many', 250) });
  fake = await FakeEcrServer.start(seed);
  client = new ECRClient({ region: 'us-east-1', endpoint: fake.url, credentials: TEST_CREDENTIALS, retryStrategy: fastRetryStrategy(1) });
});
afterAll(async () => {
  client.destroy();
  await fake.close();
});

describe('fake ECR protocol', () => {
  test('records X-Amz-Target and parses epoch-second timestamps into Dates', async () => {
    const out = await client.send(new DescribeImagesCommand({ repositoryName: 'web' }));
    expect(fake.targets.at(-1)).toBe(`${TARGET_PREFIX}DescribeImages`);
    expect(out.imageDetails![0]!.imagePushedAt).toBeInstanceOf(Date);
    expect(out.imageDetails![0]!.imagePushedAt!.toISOString()).toBe('2025-01-01T00:00:00.000Z');
  });

  test('DescribeImages without a filter returns ACTIVE images only; ANY returns all; ARCHIVED only archived', async () => {
    const count = async (imageStatus?: 'ANY' | 'ARCHIVED' | 'ACTIVATING') =>
      (await client.send(new DescribeImagesCommand({ repositoryName: 'team/api', ...(imageStatus ? { filter: { imageStatus } } : {}) }))).imageDetails!.length;
    expect(await count()).toBe(5);
    expect(await count('ANY')).toBe(6);
    expect(await count('ARCHIVED')).toBe(1);
    expect(await count('ACTIVATING')).toBe(0);
  });

  test('DescribeImages pages with nextToken and rejects maxResults over 1000', async () => {
    const first = await client.send(new DescribeImagesCommand({ repositoryName: 'many', maxResults: 100 }));
    expect(first.imageDetails).toHaveLength(100);
    const second = await client.send(new DescribeImagesCommand({ repositoryName: 'many', maxResults: 100, nextToken: first.nextToken! }));
    expect(second.imageDetails![0]!.imageDigest).not.toBe(first.imageDetails![0]!.imageDigest);
    await expect(client.send(new DescribeImagesCommand({ repositoryName: 'many', maxResults: 1001 }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
  });

  test('BatchGetImage: failures for missing ids, at most 100 ids, acceptedMediaTypes honoured', async () => {
    const digest = fake.digests('team/api')[0]!; // the OCI index
    const out = await client.send(
      new BatchGetImageCommand({ repositoryName: 'team/api', imageIds: [{ imageDigest: digest }, { imageDigest: `sha256:${'0'.repeat(64)}` }] }),
    );
    expect(out.images).toHaveLength(1);
    expect(out.failures![0]!.failureCode).toBe('ImageNotFound');
    const dockerOnly = await client.send(
      new BatchGetImageCommand({
        repositoryName: 'team/api',
        imageIds: [{ imageDigest: digest }],
        acceptedMediaTypes: ['application/vnd.docker.distribution.manifest.v2+json'],
      }),
    );
    expect(dockerOnly.images).toEqual([]);
    const tooMany = Array.from({ length: 101 }, () => ({ imageDigest: digest }));
    await expect(client.send(new BatchGetImageCommand({ repositoryName: 'team/api', imageIds: tooMany }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
  });

  test('modelled errors reach the SDK as their ECR exception classes', async () => {
    await expect(client.send(new GetLifecyclePolicyCommand({ repositoryName: 'web' }))).rejects.toMatchObject({
      name: 'LifecyclePolicyNotFoundException',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(client.send(new DescribeRepositoriesCommand({ repositoryNames: ['web', 'missing'] }))).rejects.toMatchObject({
      name: 'RepositoryNotFoundException',
    });
    fake.addFault({ operation: 'DescribeImages', kind: 'server-error', times: 1 });
    await expect(client.send(new DescribeImagesCommand({ repositoryName: 'web' }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 500 },
    });
  });
});
