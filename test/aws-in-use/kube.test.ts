import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInUseText } from '../../src/analyse/in-use/index.js';
import { discoverKube } from '../../src/aws/in-use/kube.js';
import type { InUseDiscovery } from '../../src/aws/in-use/types.js';
import { UsageError } from '../../src/model/errors.js';
import { FakeKubeServer, kubeconfig, type KubeSeed } from '../support/fake-kube/server.js';

// Kubernetes discovery with the real client library (@kubernetes/client-node) over HTTP against a
// local API server stand-in, from a kubeconfig the test writes: token and exec-plugin credentials,
// several contexts, two items a page, RBAC refusals, a server that does not answer.

const HOST = '111111111111.dkr.ecr.us-east-1.amazonaws.com';
const D = (c: string) => `sha256:${c.repeat(64)}`;
const meta = (namespace: string, name: string, extra: Record<string, unknown> = {}) => ({ metadata: { namespace, name, uid: `${namespace}-${name}`, ...extra } });
const container = (name: string, image: string) => ({ name, image, env: [{ name: 'DB_PASSWORD', value: 'MUST-NOT-LEAK' }] });
const template = (image: string) => ({ template: { metadata: { labels: { app: 'x' } }, spec: { containers: [container('app', image)] } } });
const owner = (kind: string, name: string) => ({ ownerReferences: [{ apiVersion: 'apps/v1', kind, name, uid: 'u', controller: true }] });

const SEED: KubeSeed = {
  objects: {
    pods: [
      {
        ...meta('a', 'web-1'),
        spec: { initContainers: [container('init', `${HOST}/init:1`)], containers: [container('app', `${HOST}/web:v2`)], ephemeralContainers: [container('debug', `${HOST}/debug:1`)] },
        status: {
          initContainerStatuses: [{ name: 'init', image: `${HOST}/init:1`, imageID: `${HOST}/init@${D('1')}` }],
          containerStatuses: [{ name: 'app', image: `${HOST}/web:v2`, imageID: `docker-pullable://${HOST}/web@${D('2')}`, ready: true, restartCount: 0 }],
        },
      },
      { ...meta('b', 'secret-1'), spec: { containers: [container('app', `${HOST}/secret:1`)] }, status: { containerStatuses: [{ name: 'app', image: `${HOST}/secret:1`, imageID: '' }] } },
      { ...meta('c', 'tool-1'), spec: { containers: [container('app', `${HOST}/tool:1`)] } },
    ],
    deployments: [{ ...meta('a', 'web'), spec: { replicas: 2, revisionHistoryLimit: 10, selector: {}, ...template(`${HOST}/web:v2`) } }],
    replicasets: [
      { ...meta('a', 'web-new', { ...owner('Deployment', 'web'), annotations: { 'deployment.kubernetes.io/revision': '2' } }), spec: { replicas: 2, selector: {}, ...template(`${HOST}/web:v2`) } },
      { ...meta('a', 'web-old', { ...owner('Deployment', 'web'), annotations: { 'deployment.kubernetes.io/revision': '1' } }), spec: { replicas: 0, selector: {}, ...template(`${HOST}/web:v1`) } },
      { ...meta('c', 'bare'), spec: { replicas: 0, selector: {}, ...template(`${HOST}/bare:1`) } },
    ],
    statefulsets: [{ ...meta('c', 'db'), spec: { serviceName: 'db', selector: {}, ...template(`${HOST}/db:5`) } }],
    daemonsets: [],
    jobs: [],
    cronjobs: [{ ...meta('b', 'nightly'), spec: { schedule: '0 0 * * *', jobTemplate: { spec: template(`${HOST}/nightly:1`) } } }],
  },
  tokens: {
    'admin-token': {},
    'exec-token': { denyClusterWide: ['pods'], denyInNamespace: { b: ['pods'] } },
    'no-namespaces': { denyClusterWide: ['pods', 'namespaces'] },
    'slow-token': { hang: ['deployments'] },
  },
};

let fake: FakeKubeServer;
let home: string;
let config: string;

beforeAll(async () => {
  fake = await FakeKubeServer.start(SEED);
  home = await mkdtemp(join(tmpdir(), 'ecr-lifeguard-kube-'));
  // An exec credential plugin, as `aws eks get-token` is one: a small node script printing an ExecCredential.
  const plugin = join(home, 'get-token.mjs');
  await writeFile(plugin, `process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token: 'exec-token', expirationTimestamp: '2999-01-01T00:00:00Z' } }));\n`);
  await chmod(plugin, 0o755);
  config = join(home, 'kubeconfig');
  await writeFile(config, kubeconfig(fake.url, [
    { name: 'admin', user: { token: 'admin-token' } },
    { name: 'eks-limited', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: process.execPath, args: [plugin], interactiveMode: 'Never' } } },
    { name: 'no-namespaces', user: { token: 'no-namespaces' } },
    { name: 'stranger', user: { token: 'who-is-this' } },
    { name: 'slow', user: { token: 'slow-token' } },
  ]));
});
afterAll(async () => {
  await fake?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

const env = () => ({ HOME: home, KUBECONFIG: config });

function usesOf(found: InUseDiscovery): string[] {
  return found.files.flatMap((f) => {
    const parsed = parseInUseText(f.path, f.text);
    expect(parsed.problems).toEqual([]);
    return parsed.uses.map((u) => `${u.kind} ${u.reference.raw} (${f.path.split('/').slice(2).join('/')})`);
  }).sort();
}

describe('Kubernetes discovery (real client library, local API server)', () => {
  it('reads pods (init, ephemeral, imageIDs), controllers\' templates, and old ReplicaSets as rollback targets', async () => {
    const found = await discoverKube({ contexts: ['admin'], pageSize: 2 }, env());
    expect(found.sources.map((s) => [s.source, s.scope, s.complete, s.missing])).toEqual([['kubernetes', 'context admin', true, []]]);
    expect(usesOf(found)).toEqual([
      `runtime ${HOST}/db:5 (statefulsets.json)`,
      `runtime ${HOST}/debug:1 (pods.json)`,
      `runtime ${HOST}/init:1 (pods.json)`,
      `runtime ${HOST}/init@${D('1')} (pods.json)`,
      `runtime ${HOST}/nightly:1 (cronjobs.json)`,
      `runtime ${HOST}/secret:1 (pods.json)`,
      `runtime ${HOST}/tool:1 (pods.json)`,
      `runtime ${HOST}/web:v2 (deployments.json)`,
      `runtime ${HOST}/web:v2 (pods.json)`,
      `runtime ${HOST}/web@${D('2')} (pods.json)`,
      // A ReplicaSet still scaled up runs; one without an owning Deployment is declared, so it counts too.
      `runtime ${HOST}/bare:1 (replicasets.json)`,
      `runtime ${HOST}/web:v2 (replicasets.json)`,
      // Kept at zero replicas by the Deployment: kubectl rollout undo would run it.
      `rollback ${HOST}/web:v1 (replicasets.rollback.json)`,
    ].sort());
    for (const f of found.files) expect(f.text).not.toContain('MUST-NOT-LEAK');
    // Three pods at two a page: the second page asked with the continue token.
    expect(fake.log).toContain('admin-token /api/v1/pods?continue=2&limit=2');
    expect(fake.log.every((l) => !/namespaces\/[a-z]+\//.test(l) || !l.startsWith('admin-token'))).toBe(true);
  });

  it('an exec credential plugin\'s token is used; RBAC refusals are retried per namespace and each refusal is named', async () => {
    const found = await discoverKube({ contexts: ['eks-limited'], pageSize: 2 }, env());
    const [status] = found.sources;
    expect(status!.complete).toBe(false);
    expect(status!.missing).toEqual(['Kubernetes context eks-limited: pods in namespace b (forbidden)']);
    const uses = usesOf(found).filter((u) => u.includes('(pods.json)'));
    expect(uses.some((u) => u.includes('/web:v2'))).toBe(true);
    expect(uses.some((u) => u.includes('/tool:1'))).toBe(true);
    expect(uses.some((u) => u.includes('/secret:1'))).toBe(false);
    expect(fake.log).toContain('exec-token /api/v1/namespaces/b/pods?limit=2');
  });

  it('when the namespaces cannot be listed either, the whole resource is named missing', async () => {
    const found = await discoverKube({ contexts: ['no-namespaces'] }, env());
    expect(found.sources[0]!.missing).toEqual(['Kubernetes context no-namespaces: pods in every namespace (forbidden; the namespaces cannot be listed either: forbidden)']);
  });

  it('refused credentials (401) make every resource missing, never "nothing runs"', async () => {
    const found = await discoverKube({ contexts: ['stranger'] }, env());
    expect(found.sources[0]!.complete).toBe(false);
    expect(found.sources[0]!.missing).toHaveLength(7);
    expect(found.sources[0]!.missing[0]).toBe('Kubernetes context stranger: cronjobs in every namespace (unauthorised (401): the credentials were refused)');
  });

  it('a list that never answers ends at the timeout, named', async () => {
    const found = await discoverKube({ contexts: ['slow'], timeoutMs: 300 }, env());
    expect(found.sources[0]!.missing).toEqual(['Kubernetes context slow: deployments in every namespace (no answer within 300 ms)']);
    expect(usesOf(found).some((u) => u.includes('(pods.json)'))).toBe(true);
  });

  it('several contexts in one run, each in its own folder; an unknown context or no kubeconfig is a usage error', async () => {
    const found = await discoverKube({ contexts: ['admin', 'eks-limited'] }, env());
    expect(found.sources.map((s) => s.scope)).toEqual(['context admin', 'context eks-limited']);
    expect(new Set(found.files.map((f) => f.path.split('/')[1]))).toEqual(new Set(['admin', 'eks-limited']));
    // No context named: the kubeconfig's current one.
    expect((await discoverKube({ contexts: [] }, env())).sources.map((s) => s.scope)).toEqual(['context admin']);
    await expect(discoverKube({ contexts: ['prod'] }, env())).rejects.toThrow(UsageError);
    await expect(discoverKube({ contexts: ['prod'] }, env())).rejects.toThrow('no context "prod" in the kubeconfig; it has "admin", "eks-limited"');
    await expect(discoverKube({ contexts: [] }, { HOME: home })).rejects.toThrow('no kubeconfig');
  });
});
