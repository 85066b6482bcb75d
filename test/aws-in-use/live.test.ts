import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInUseText } from '../../src/analyse/in-use/index.js';
import { discoverLiveInUse } from '../../src/aws/in-use/index.js';
import type { InUseDiscovery, LiveInUseOptions } from '../../src/aws/in-use/types.js';
import { fastRetryStrategy, TEST_CREDENTIALS } from '../support/fake-ecr/harness.js';
import { ACCOUNT, FakeAwsLiveServer, type LiveSeed } from '../support/fake-aws-live/server.js';

// Live in-use discovery with the real ECS, Lambda, App Runner and Batch SDK clients, over HTTP,
// against the local stand-in (two items a page, so every listing is paginated).

const HOST = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`;
const D = (c: string) => `sha256:${c.repeat(64)}`;

const SEED: LiveSeed = {
  ecs: {
    taskDefinitions: [
      { family: 'api', revision: 1, images: [`${HOST}/api:v1`] },
      { family: 'api', revision: 2, status: 'INACTIVE', images: [`${HOST}/api:v2`] },
      { family: 'api', revision: 3, images: [`${HOST}/api:v3`] },
      { family: 'api', revision: 4, images: [`${HOST}/api:v4`] },
      { family: 'api', revision: 5, images: [`${HOST}/api:v5`, 'public.ecr.aws/nginx/nginx:1'] },
      // A longer family sharing the prefix: never a rollback target of `api`.
      { family: 'api-worker', revision: 9, images: [`${HOST}/worker:w9`] },
      { family: 'web', revision: 1, images: [`${HOST}/web:latest`] },
    ],
    clusters: [
      {
        name: 'prod',
        services: [
          // Mid-deployment: revision 5 is rolling out, 4 still runs; the rollback target is 3 (2 is INACTIVE).
          { name: 'api', deployments: [{ status: 'PRIMARY', taskDefinition: 'api:5' }, { status: 'ACTIVE', taskDefinition: 'api:4' }] },
          { name: 'web', deployments: [{ status: 'PRIMARY', taskDefinition: 'web:1' }] },
          { name: 'idle-1', deployments: [{ status: 'PRIMARY', taskDefinition: 'web:1' }] },
        ],
        tasks: [
          { id: 't1', taskDefinition: 'web:1', group: 'service:web', containers: [{ name: 'c0', image: `${HOST}/web:latest`, imageDigest: D('a') }] },
          { id: 't2', taskDefinition: 'api:5', group: 'service:api', containers: [{ name: 'c0', image: `${HOST}/api:v5`, imageDigest: D('b') }] },
          { id: 't3', taskDefinition: 'web:1', group: 'family:web', containers: [{ name: 'c0', image: `${HOST}/web:latest`, imageDigest: D('c') }] },
        ],
      },
      { name: 'batch', services: [], tasks: [] },
      { name: 'dev', services: [], tasks: [] },
    ],
  },
  lambda: {
    functions: [
      {
        name: 'resize',
        versions: [
          { version: '$LATEST', imageUri: `${HOST}/resize:latest`, resolvedImageUri: `${HOST}/resize@${D('1')}` },
          { version: '1', imageUri: `${HOST}/resize:1`, resolvedImageUri: `${HOST}/resize@${D('2')}` },
          { version: '2', imageUri: `${HOST}/resize:2`, resolvedImageUri: `${HOST}/resize@${D('3')}` },
          { version: '3', imageUri: `${HOST}/resize:3`, resolvedImageUri: `${HOST}/resize@${D('4')}` },
        ],
        aliases: [{ name: 'live', version: '3', additional: { '2': 0.1 } }],
      },
      { name: 'zip-fn', packageType: 'Zip', versions: [], aliases: [] },
      { name: 'thumb', versions: [{ version: '$LATEST', imageUri: `${HOST}/thumb:latest`, resolvedImageUri: `${HOST}/thumb@${D('5')}` }], aliases: [] },
    ],
  },
  apprunner: { services: [{ name: 'site', image: `${HOST}/site:prod` }, { name: 'public', image: 'public.ecr.aws/x/y:1', type: 'ECR_PUBLIC' }, { name: 'docs', image: `${HOST}/docs:v2` }] },
  batch: { jobDefinitions: [
    { name: 'nightly', revision: 3, image: `${HOST}/jobs:nightly` },
    { name: 'nightly', revision: 2, status: 'INACTIVE', image: `${HOST}/jobs:old` },
    { name: 'eks-job', revision: 1, eksImages: [`${HOST}/jobs:eks`] },
  ] },
};

let fake: FakeAwsLiveServer;
beforeAll(async () => {
  fake = await FakeAwsLiveServer.start(SEED);
});
afterAll(async () => {
  await fake?.close();
});

function options(extra: Partial<LiveInUseOptions> = {}): LiveInUseOptions {
  return {
    sources: ['ecs', 'lambda', 'apprunner', 'batch'],
    regions: ['us-east-1'],
    credentials: TEST_CREDENTIALS,
    retryStrategy: fastRetryStrategy(3),
    requestTimeoutMs: 2_000,
    endpoints: { ecs: fake.url, lambda: fake.url, apprunner: fake.url, batch: fake.url },
    ...extra,
  };
}

/** Every use the offline readers find in the discovered files: `kind raw (file)`. */
function usesOf(found: InUseDiscovery): string[] {
  return found.files.flatMap((f) => {
    const parsed = parseInUseText(f.path, f.text);
    expect(parsed.problems).toEqual([]);
    return parsed.uses.map((u) => `${u.kind} ${u.reference.raw} (${f.path.split('/').slice(3).join('/')})`);
  }).sort();
}

describe('live in-use discovery (real SDK clients, local stand-in)', () => {
  let found: InUseDiscovery;
  beforeAll(async () => {
    fake.clearFaults();
    found = await discoverLiveInUse(options());
  });

  it('reads every source completely, paginating every listing', () => {
    expect(found.sources.map((s) => [s.source, s.scope, s.complete, s.missing])).toEqual([
      ['ecs', 'us-east-1', true, []],
      ['lambda', 'us-east-1', true, []],
      ['apprunner', 'us-east-1', true, []],
      ['batch', 'us-east-1', true, []],
    ]);
    // 3 clusters at 2 a page; 3 services; 3 tasks; 4 Lambda versions; 3 App Runner services.
    expect(fake.calls('ecs:ListClusters')).toBe(2);
    expect(fake.calls('ecs:ListServices')).toBe(2 + 1 + 1);
    expect(fake.calls('lambda:ListFunctions')).toBe(2);
    expect(fake.calls('lambda:ListVersionsByFunction')).toBe(2 + 1);
    expect(fake.calls('apprunner:ListServices')).toBe(2);
    expect(fake.calls('batch:DescribeJobDefinitions')).toBe(1);
  });

  it('finds deployments, rollback targets, running digests, Lambda versions by alias, App Runner and Batch images', () => {
    expect(usesOf(found)).toEqual([
      // App Runner's ECR image; Batch ACTIVE job definitions only.
      `runtime ${HOST}/site:prod (apprunner/services.txt)`,
      `runtime ${HOST}/docs:v2 (apprunner/services.txt)`,
      `runtime ${HOST}/jobs:eks (batch/job-definitions.txt)`,
      `runtime ${HOST}/jobs:nightly (batch/job-definitions.txt)`,
      `runtime ${HOST}/api:v4 (ecs/prod/services/api/api-4.json)`,
      `runtime ${HOST}/api:v5 (ecs/prod/services/api/api-5.json)`,
      `rollback ${HOST}/api:v3 (ecs/prod/services/api/api-3.rollback.json)`,
      `runtime ${HOST}/web:latest (ecs/prod/services/idle-1/web-1.json)`,
      `runtime ${HOST}/web:latest (ecs/prod/services/web/web-1.json)`,
      // What runs: the digest each container started with, the tag notwithstanding.
      `runtime ${HOST}/api:v5@${D('b')} (ecs/prod/running-tasks.txt)`,
      `runtime ${HOST}/web:latest@${D('a')} (ecs/prod/running-tasks.txt)`,
      `runtime ${HOST}/web:latest@${D('c')} (ecs/prod/running-tasks.txt)`,
      // $LATEST and the aliased versions (3, and 2 through the weighted routing) run; 1 is a rollback target.
      `runtime ${HOST}/resize:latest (lambda/resize/LATEST.json)`,
      `runtime ${HOST}/resize@${D('1')} (lambda/resize/LATEST.json)`,
      `rollback ${HOST}/resize:1 (lambda/resize/1.rollback.json)`,
      `rollback ${HOST}/resize@${D('2')} (lambda/resize/1.rollback.json)`,
      `runtime ${HOST}/resize:2 (lambda/resize/2.json)`,
      `runtime ${HOST}/resize@${D('3')} (lambda/resize/2.json)`,
      `runtime ${HOST}/resize:3 (lambda/resize/3.json)`,
      `runtime ${HOST}/resize@${D('4')} (lambda/resize/3.json)`,
      `runtime ${HOST}/thumb:latest (lambda/thumb/LATEST.json)`,
      `runtime ${HOST}/thumb@${D('5')} (lambda/thumb/LATEST.json)`,
    ].sort());
  });

  it('names the origin of each reference and never writes environment values', () => {
    const running = found.files.find((f) => f.path.endsWith('ecs/prod/running-tasks.txt'))!;
    expect(running.text).toContain(`${HOST}/api:v5@${D('b')}  # cluster prod task t2 (service:api, api:5) container c0`);
    const rollback = JSON.parse(found.files.find((f) => f.path.endsWith('api-3.rollback.json'))!.text) as { usedBy: unknown };
    expect(rollback.usedBy).toEqual({ cluster: 'prod', service: 'api', use: 'rollback target' });
    const lambda = JSON.parse(found.files.find((f) => f.path.endsWith('resize/2.json'))!.text) as { usedBy: unknown };
    expect(lambda.usedBy).toEqual({ function: 'resize', version: '2', aliases: ['live'], use: 'aliased version' });
    for (const f of found.files) expect(f.text).not.toContain('MUST-NOT-LEAK');
    expect(found.files.every((f) => f.path.startsWith(`_aws/${ACCOUNT}/us-east-1/`))).toBe(true);
  });

  it('--rollback-depth 2 keeps two earlier ACTIVE revisions (skipping INACTIVE ones), 0 none', async () => {
    const two = await discoverLiveInUse(options({ sources: ['ecs'], rollbackDepth: 2 }));
    expect(two.files.map((f) => f.path).filter((p) => p.includes('rollback'))).toEqual([
      `_aws/${ACCOUNT}/us-east-1/ecs/prod/services/api/api-1.rollback.json`,
      `_aws/${ACCOUNT}/us-east-1/ecs/prod/services/api/api-3.rollback.json`,
    ]);
    const none = await discoverLiveInUse(options({ sources: ['ecs'], rollbackDepth: 0 }));
    expect(none.files.filter((f) => f.path.includes('rollback'))).toEqual([]);
  });

  it('reads each region given, each in its own folder and status', async () => {
    const r = await discoverLiveInUse(options({ sources: ['apprunner'], regions: ['us-east-1', 'eu-west-1'] }));
    expect(r.sources.map((s) => [s.source, s.scope, s.complete])).toEqual([['apprunner', 'us-east-1', true], ['apprunner', 'eu-west-1', true]]);
    expect(r.files.map((f) => f.path)).toEqual([`_aws/${ACCOUNT}/eu-west-1/apprunner/services.txt`, `_aws/${ACCOUNT}/us-east-1/apprunner/services.txt`]);
  });

  it('--concurrency bounds the calls in flight, though clusters and their services fan out', async () => {
    // Two clusters of three services each: clusters two at a time, each with services two at a time, would be four.
    const services = (c: string) => ['a', 'b', 'c'].map((n) => ({ name: `${c}-${n}`, deployments: [{ status: 'PRIMARY' as const, taskDefinition: `${c}-${n}:1` }] }));
    const wide = await FakeAwsLiveServer.start({
      ecs: {
        taskDefinitions: ['x', 'y'].flatMap((c) => ['a', 'b', 'c'].map((n) => ({ family: `${c}-${n}`, revision: 1, images: [`${HOST}/${c}:${n}`] }))),
        clusters: ['x', 'y'].map((c) => ({ name: c, services: services(c), tasks: [] })),
      },
    }, 100);
    wide.responseDelayMs = 30;
    try {
      const r = await discoverLiveInUse(options({ sources: ['ecs'], concurrency: 2, endpoints: { ecs: wide.url } }));
      expect(r.sources[0]!.complete).toBe(true);
      expect(r.files.filter((f) => f.path.includes('/services/'))).toHaveLength(6);
      expect(wide.maxInFlight).toBeLessThanOrEqual(2);
    } finally {
      await wide.close();
    }
  });

  it('a region name that is not one is a usage error, before any call', async () => {
    await expect(discoverLiveInUse(options({ sources: ['ecs'], regions: ['../../etc'] }))).rejects.toThrow(/is not an AWS region name/);
  });

  it('rides out throttling with the adaptive retries, and counts the retries', async () => {
    fake.clearFaults();
    fake.inject({ operation: 'ecs:ListTasks', kind: 'throttle', times: 1 });
    fake.inject({ operation: 'lambda:GetFunction', kind: 'throttle', times: 1 });
    const r = await discoverLiveInUse(options({ sources: ['ecs', 'lambda'] }));
    fake.clearFaults();
    expect(r.sources.every((s) => s.complete)).toBe(true);
    expect(r.sources.map((s) => s.retries)).toEqual([1, 1]);
    expect(usesOf(r)).toEqual(usesOf(found).filter((u) => /\((ecs|lambda)\//.test(u)));
  });

  it('throttled beyond its retries, or denied: incomplete, naming exactly what is missing', async () => {
    fake.clearFaults();
    fake.inject({ operation: 'ecs:ListTasks', kind: 'throttle' });
    fake.inject({ operation: 'lambda:ListAliases', kind: 'access-denied' });
    fake.inject({ operation: 'apprunner:ListServices', kind: 'access-denied' });
    const r = await discoverLiveInUse(options());
    fake.clearFaults();
    const [ecs, lambda, apprunner, batch] = r.sources;
    expect(ecs!.complete).toBe(false);
    expect(ecs!.missing).toEqual([
      'ECS us-east-1 cluster batch: its running tasks (ListTasks failed after 3 attempts: ThrottlingException: Rate exceeded)',
      'ECS us-east-1 cluster dev: its running tasks (ListTasks failed after 3 attempts: ThrottlingException: Rate exceeded)',
      'ECS us-east-1 cluster prod: its running tasks (ListTasks failed after 3 attempts: ThrottlingException: Rate exceeded)',
    ]);
    expect(lambda!.missing).toHaveLength(2);
    expect(lambda!.missing[0]).toMatch(/^Lambda us-east-1 function resize: its versions and aliases \(ListAliases failed after 1 attempt: AccessDeniedException: User: .* is not authorized/);
    expect(apprunner!.missing).toEqual([expect.stringMatching(/^App Runner us-east-1: every service \(ListServices failed after 1 attempt: AccessDeniedException/)]);
    expect(batch!.complete).toBe(true);
    // What could be read is still there: the services' task definitions.
    expect(r.files.some((f) => f.path.endsWith('api-5.json'))).toBe(true);
    expect(r.files.some((f) => f.path.endsWith('running-tasks.txt'))).toBe(false);
  });
});
