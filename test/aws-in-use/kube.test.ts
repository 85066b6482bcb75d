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
    // Custom resources (shapes as in argoproj/argo-rollouts and argoproj/argo-workflows examples, tektoncd/pipeline docs):
    // three Rollouts at two a page; a Workflow's container, script and containerSet; a cluster-scoped template; Tekton steps.
    'rollouts.argoproj.io': [
      { ...meta('a', 'canary'), spec: { replicas: 3, strategy: { canary: { steps: [{ setWeight: 20 }] } }, ...template(`${HOST}/rollout:1`) } },
      { ...meta('a', 'blue'), spec: { replicas: 1, ...template(`${HOST}/rollout:2`) } },
      { ...meta('c', 'green'), spec: { replicas: 1, ...template(`${HOST}/rollout:3`) } },
    ],
    'workflows.argoproj.io': [{
      ...meta('c', 'build-x7'),
      spec: { entrypoint: 'main', templates: [
        { name: 'main', container: container('main', `${HOST}/wf-main:1`) },
        { name: 'check', script: { image: `${HOST}/wf-script:1`, command: ['python'], source: 'print("MUST-NOT-LEAK")' } },
        { name: 'set', containerSet: { containers: [container('a', `${HOST}/wf-set:1`)] } },
      ] },
    }],
    'clusterworkflowtemplates.argoproj.io': [{ metadata: { name: 'shared' }, spec: { templates: [{ name: 't', container: { image: `${HOST}/wf-shared:1` } }] } }],
    'taskruns.tekton.dev': [{ ...meta('b', 'lint-run'), spec: { taskSpec: { steps: [{ name: 'run', image: `${HOST}/taskrun:1` }] } } }],
    'tasks.tekton.dev': [{ ...meta('b', 'lint'), spec: { steps: [{ name: 'lint', image: `${HOST}/lint:1`, script: 'echo MUST-NOT-LEAK' }], sidecars: [{ name: 's', image: `${HOST}/sidecar:1` }] } }],
  },
  tokens: {
    'admin-token': {},
    'exec-token': { denyClusterWide: ['pods'], denyInNamespace: { b: ['pods'] } },
    'no-namespaces': { denyClusterWide: ['pods', 'namespaces'] },
    'slow-token': { hang: ['deployments'] },
    'crd-limited': { denyClusterWide: ['rollouts.argoproj.io', 'clusterworkflowtemplates.argoproj.io'], denyInNamespace: { c: ['rollouts.argoproj.io'] } },
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
    { name: 'crd-limited', user: { token: 'crd-limited' } },
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
      // Custom resources of known groups the cluster serves (Knative is not installed: not listed, not missing).
      `runtime ${HOST}/rollout:1 (rollouts.argoproj.io.json)`,
      `runtime ${HOST}/rollout:2 (rollouts.argoproj.io.json)`,
      `runtime ${HOST}/rollout:3 (rollouts.argoproj.io.json)`,
      `runtime ${HOST}/wf-main:1 (workflows.argoproj.io.json)`,
      `runtime ${HOST}/wf-script:1 (workflows.argoproj.io.json)`,
      `runtime ${HOST}/wf-set:1 (workflows.argoproj.io.json)`,
      `runtime ${HOST}/wf-shared:1 (clusterworkflowtemplates.argoproj.io.json)`,
      `runtime ${HOST}/lint:1 (tasks.tekton.dev.json)`,
      `runtime ${HOST}/sidecar:1 (tasks.tekton.dev.json)`,
      // Served only as tekton.dev/v1beta1 here: read in the version the cluster serves.
      `runtime ${HOST}/taskrun:1 (taskruns.tekton.dev.json)`,
    ].sort());
    expect(JSON.parse(found.files.find((f) => f.path === '_kube/admin/taskruns.tekton.dev.json')!.text)).toMatchObject({ apiVersion: 'tekton.dev/v1beta1', kind: 'TaskRunList' });
    expect(fake.log).toContain('admin-token /apis/argoproj.io/v1alpha1/rollouts?continue=2&limit=2');
    expect(fake.log).toContain('admin-token /apis/argoproj.io/v1alpha1/clusterworkflowtemplates?limit=2');
    expect(fake.log.some((l) => l.includes('serving.knative.dev') || l.includes('keda.sh'))).toBe(false);
    // Each object named by context folder, kind, namespace and name; nothing but names and images kept.
    const rollouts = JSON.parse(found.files.find((f) => f.path === '_kube/admin/rollouts.argoproj.io.json')!.text) as { kind: string; items: unknown[] };
    expect(rollouts.kind).toBe('RolloutList');
    expect(rollouts.items[0]).toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'blue', namespace: 'a' }, spec: { template: { spec: { containers: [{ name: 'app', image: `${HOST}/rollout:2` }] } } } });
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
    // Seven built-in kinds and the custom resources' discovery.
    expect(found.sources[0]!.missing).toHaveLength(8);
    expect(found.sources[0]!.missing[1]).toMatch(/^Kubernetes context stranger: custom resources \(rollouts\.argoproj\.io, .*\): the API groups cannot be listed \(unauthorised \(401\): the credentials were refused\)$/);
    expect(found.sources[0]!.missing[0]).toBe('Kubernetes context stranger: cronjobs in every namespace (unauthorised (401): the credentials were refused)');
  });

  it('a custom resource refused cluster-wide is read namespace by namespace; each refusal is named, never "not in use"', async () => {
    const found = await discoverKube({ contexts: ['crd-limited'] }, env());
    const [status] = found.sources;
    expect(status!.complete).toBe(false);
    expect(status!.missing).toEqual([
      'Kubernetes context crd-limited: clusterworkflowtemplates.argoproj.io in every namespace (forbidden)',
      'Kubernetes context crd-limited: rollouts.argoproj.io in namespace c (forbidden)',
    ]);
    const uses = usesOf(found).filter((u) => u.includes('argoproj.io'));
    expect(uses).toEqual([
      `runtime ${HOST}/rollout:1 (rollouts.argoproj.io.json)`,
      `runtime ${HOST}/rollout:2 (rollouts.argoproj.io.json)`,
      `runtime ${HOST}/wf-main:1 (workflows.argoproj.io.json)`,
      `runtime ${HOST}/wf-script:1 (workflows.argoproj.io.json)`,
      `runtime ${HOST}/wf-set:1 (workflows.argoproj.io.json)`,
    ]);
    expect(fake.log).toContain('crd-limited /apis/argoproj.io/v1alpha1/namespaces/a/rollouts?limit=500');
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
