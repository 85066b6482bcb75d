import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ApiException, ApisApi, AppsV1Api, BatchV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, Observable } from '@kubernetes/client-node';
import { UsageError } from '../../model/errors.js';
import { FileSet, markMissing, newStatus, oneLine, pathSegment } from './common.js';
import type { InUseDiscovery, KubeInUseOptions, SourceStatus } from './types.js';

// `--in-use-kube [CONTEXT...]`: the official client library, with the kubeconfig kubectl uses
// (KUBECONFIG, contexts, token, client certificates, exec credential plugins such as
// `aws eks get-token`). List calls only, paginated (limit/continue), each request with a timeout.
// Per context, under in-use/_kube/<context>/:
//   pods.json                         PodList: containers, init and ephemeral containers, status imageIDs (the digests pulled)
//   deployments.json, statefulsets.json, daemonsets.json, jobs.json, cronjobs.json, replicasets.json   their pod templates
//   replicasets.rollback.json         ReplicaSets a Deployment keeps at 0 replicas for rollback (revisionHistoryLimit)
//   PLURAL.GROUP.json                 custom resources of known groups whose objects hold pod specs (CUSTOM_RESOURCES),
//                                     those the cluster serves (discovery: /apis, /apis/GROUP/VERSION)
// A list refused cluster-wide (RBAC) is retried namespace by namespace, so a role that may read some
// namespaces still covers them; each refused namespace and resource is named, and the result is incomplete.
// Objects are reduced to names, images and owners: environment values never reach the snapshot.

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_PAGE_SIZE = 500;

interface Page {
  items: unknown[];
  /** The typed lists name the token `_continue`; custom objects come back as the API's JSON, `continue`. */
  metadata?: { _continue?: string; continue?: string };
}
type Options = Record<string, unknown>;
type ListAll = (params: { limit: number; _continue?: string }, options: Options) => Promise<Page>;
type ListNamespaced = (params: { namespace: string; limit: number; _continue?: string }, options: Options) => Promise<Page>;

interface Resource {
  name: string;
  kind: string;
  apiVersion: string;
  all: ListAll;
  namespaced: ListNamespaced;
}

function resources(kc: KubeConfig): Resource[] {
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const batch = kc.makeApiClient(BatchV1Api);
  // The generated methods take request objects of their own types; these share the fields used here.
  const r = (name: string, kind: string, apiVersion: string, all: unknown, namespaced: unknown): Resource => ({ name, kind, apiVersion, all: all as ListAll, namespaced: namespaced as ListNamespaced });
  return [
    r('pods', 'Pod', 'v1', core.listPodForAllNamespaces.bind(core), core.listNamespacedPod.bind(core)),
    r('deployments', 'Deployment', 'apps/v1', apps.listDeploymentForAllNamespaces.bind(apps), apps.listNamespacedDeployment.bind(apps)),
    r('statefulsets', 'StatefulSet', 'apps/v1', apps.listStatefulSetForAllNamespaces.bind(apps), apps.listNamespacedStatefulSet.bind(apps)),
    r('daemonsets', 'DaemonSet', 'apps/v1', apps.listDaemonSetForAllNamespaces.bind(apps), apps.listNamespacedDaemonSet.bind(apps)),
    r('replicasets', 'ReplicaSet', 'apps/v1', apps.listReplicaSetForAllNamespaces.bind(apps), apps.listNamespacedReplicaSet.bind(apps)),
    r('jobs', 'Job', 'batch/v1', batch.listJobForAllNamespaces.bind(batch), batch.listNamespacedJob.bind(batch)),
    r('cronjobs', 'CronJob', 'batch/v1', batch.listCronJobForAllNamespaces.bind(batch), batch.listNamespacedCronJob.bind(batch)),
  ];
}

interface CustomResource {
  group: string;
  /** The version first asked; any other version the cluster serves of the group is read too. */
  version: string;
  plural: string;
  kind: string;
}

/** Custom resources whose objects hold pod specs or containers the offline Kubernetes reader walks. */
export const CUSTOM_RESOURCES: readonly CustomResource[] = [
  { group: 'argoproj.io', version: 'v1alpha1', plural: 'rollouts', kind: 'Rollout' },
  { group: 'argoproj.io', version: 'v1alpha1', plural: 'workflows', kind: 'Workflow' },
  { group: 'argoproj.io', version: 'v1alpha1', plural: 'workflowtemplates', kind: 'WorkflowTemplate' },
  { group: 'argoproj.io', version: 'v1alpha1', plural: 'cronworkflows', kind: 'CronWorkflow' },
  { group: 'argoproj.io', version: 'v1alpha1', plural: 'clusterworkflowtemplates', kind: 'ClusterWorkflowTemplate' },
  { group: 'serving.knative.dev', version: 'v1', plural: 'services', kind: 'Service' },
  { group: 'keda.sh', version: 'v1alpha1', plural: 'scaledjobs', kind: 'ScaledJob' },
  { group: 'apps.openshift.io', version: 'v1', plural: 'deploymentconfigs', kind: 'DeploymentConfig' },
  { group: 'tekton.dev', version: 'v1', plural: 'tasks', kind: 'Task' },
  { group: 'tekton.dev', version: 'v1', plural: 'pipelineruns', kind: 'PipelineRun' },
  { group: 'tekton.dev', version: 'v1', plural: 'taskruns', kind: 'TaskRun' },
];

/**
 * Loads the kubeconfig as kubectl does: --kubeconfig, else every file of KUBECONFIG merged (the first
 * to set the current context wins), else ~/.kube/config, else the pod's service account in a cluster.
 * A missing one is a usage error, not an empty cluster.
 */
function loadKubeConfig(options: KubeInUseOptions, env: NodeJS.ProcessEnv): KubeConfig {
  const kc = new KubeConfig();
  const defaultFile = join(env.HOME ?? homedir(), '.kube', 'config');
  const files = options.kubeconfig !== undefined ? [options.kubeconfig] : (env.KUBECONFIG ?? '').split(delimiter).filter((f) => f !== '');
  try {
    if (files.length > 0) {
      kc.loadFromFile(files[0]!);
      for (const file of files.slice(1)) {
        const more = new KubeConfig();
        more.loadFromFile(file);
        kc.mergeConfig(more, true);
      }
    } else if (existsSync(defaultFile)) kc.loadFromFile(defaultFile);
    else if (env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
    else throw new UsageError('--in-use-kube: no kubeconfig: set KUBECONFIG, give --kubeconfig, or create ~/.kube/config (as for kubectl)');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`--in-use-kube: cannot read the kubeconfig: ${oneLine(err instanceof Error ? err.message : String(err)).slice(0, 300)}`);
  }
  return kc;
}

/** The contexts to read; a usage error when the kubeconfig is missing or lacks one (checked before any other work). */
export function kubeContexts(options: KubeInUseOptions, env: NodeJS.ProcessEnv = process.env): string[] {
  const base = loadKubeConfig(options, env);
  const known = base.getContexts().map((c) => c.name);
  const contexts = options.contexts.length > 0 ? [...new Set(options.contexts)] : [base.getCurrentContext()];
  for (const c of contexts) {
    if (!known.includes(c)) throw new UsageError(`--in-use-kube: no context ${JSON.stringify(c)} in the kubeconfig; it has ${known.length > 0 ? known.map((k) => JSON.stringify(k)).join(', ') : 'none'}`);
  }
  return contexts;
}

export async function discoverKube(options: KubeInUseOptions, env: NodeJS.ProcessEnv = process.env): Promise<InUseDiscovery> {
  const contexts = kubeContexts(options, env);
  const files = new FileSet();
  const sources: SourceStatus[] = [];
  for (const context of contexts) {
    // One configuration per context: the client reads the current user at each request.
    const kc = loadKubeConfig(options, env);
    kc.setCurrentContext(context);
    const status = newStatus('kubernetes', `context ${context}`);
    sources.push(status);
    await readContext(kc, context, options, status, files);
    status.missing.sort();
  }
  return { files: files.files(), sources };
}

async function readContext(kc: KubeConfig, context: string, options: KubeInUseOptions, status: SourceStatus, files: FileSet): Promise<void> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const limit = options.pageSize ?? DEFAULT_PAGE_SIZE;
  // Each request gets its own deadline: a cluster that stops answering is a named failure, not a hang.
  const requestOptions: Options = {
    // The object API's middleware answers with the library's Observable (a promise holder).
    middleware: [{ pre: (ctx: { setSignal(s: AbortSignal): void }) => (ctx.setSignal(AbortSignal.timeout(timeoutMs)), new Observable(Promise.resolve(ctx))), post: (r: unknown) => new Observable(Promise.resolve(r)) }],
    middlewareMergeStrategy: 'append',
  };
  const core = kc.makeApiClient(CoreV1Api);
  let namespaces: Promise<string[]> | undefined;
  const listNamespaces = (): Promise<string[]> =>
    (namespaces ??= pages(status, 'namespaces', (p) => core.listNamespace(p, requestOptions as never) as Promise<Page>, limit).then((items) =>
      items.map((n) => (n as { metadata?: { name?: string } }).metadata?.name).filter((n): n is string => typeof n === 'string').sort()));
  const where = `Kubernetes context ${context}`;
  /** Every item, across all namespaces; refused cluster-wide (RBAC), namespace by namespace. Undefined when nothing could be read. */
  const listAcross = async (name: string, all: (p: { limit: number; _continue?: string }) => Promise<Page>, namespaced: ((p: { namespace: string; limit: number; _continue?: string }) => Promise<Page>) | undefined): Promise<unknown[] | undefined> => {
    const items: unknown[] = [];
    try {
      items.push(...(await pages(status, name, all, limit)));
      return items;
    } catch (err) {
      if (!isForbidden(err) || namespaced === undefined) {
        markMissing(status, `${where}: ${name} in every namespace (${kubeReason(err, timeoutMs)})`);
        return undefined;
      }
    }
    // Refused cluster-wide: read the namespaces the role may read, and name the others.
    let names: string[];
    try {
      names = await listNamespaces();
    } catch (nsErr) {
      markMissing(status, `${where}: ${name} in every namespace (forbidden; the namespaces cannot be listed either: ${kubeReason(nsErr, timeoutMs)})`);
      return undefined;
    }
    for (const namespace of names) {
      try {
        items.push(...(await pages(status, name, (p) => namespaced({ ...p, namespace }), limit)));
      } catch (nsErr) {
        markMissing(status, `${where}: ${name} in namespace ${namespace} (${kubeReason(nsErr, timeoutMs)})`);
      }
    }
    return items;
  };
  const dir = `_kube/${pathSegment(context)}`;
  for (const resource of resources(kc)) {
    const items = await listAcross(resource.name, (p) => resource.all(p, requestOptions), (p) => resource.namespaced(p, requestOptions));
    if (items !== undefined) writeResource(files, dir, resource, items, status);
  }
  await readCustomResources(kc, where, requestOptions, timeoutMs, status, files, dir, listAcross);
}

type ListAcross = (name: string, all: (p: { limit: number; _continue?: string }) => Promise<Page>, namespaced: ((p: { namespace: string; limit: number; _continue?: string }) => Promise<Page>) | undefined) => Promise<unknown[] | undefined>;

/**
 * The custom resources of CUSTOM_RESOURCES the cluster serves: the groups and versions from /apis, the
 * resources (and whether they are namespaced) from /apis/GROUP/VERSION. A group the cluster lacks is
 * not an error (most clusters run no Argo); discovery that fails is named, as a refused list is.
 */
async function readCustomResources(kc: KubeConfig, where: string, requestOptions: Options, timeoutMs: number, status: SourceStatus, files: FileSet, dir: string, listAcross: ListAcross): Promise<void> {
  const apis = kc.makeApiClient(ApisApi);
  const custom = kc.makeApiClient(CustomObjectsApi);
  let served: Map<string, string[]>;
  try {
    status.apiCalls['discovery /apis'] = (status.apiCalls['discovery /apis'] ?? 0) + 1;
    const groups = await apis.getAPIVersions(requestOptions as never);
    // Per group, its versions: the preferred one first, as kubectl picks it.
    served = new Map((groups.groups ?? []).map((g) => {
      const versions = (g.versions ?? []).map((v) => v.version);
      const preferred = g.preferredVersion?.version;
      return [g.name, preferred !== undefined && versions.includes(preferred) ? [preferred, ...versions.filter((v) => v !== preferred)] : versions];
    }));
  } catch (err) {
    markMissing(status, `${where}: custom resources (${CUSTOM_RESOURCES.map((r) => `${r.plural}.${r.group}`).join(', ')}): the API groups cannot be listed (${kubeReason(err, timeoutMs)})`);
    return;
  }
  for (const group of [...new Set(CUSTOM_RESOURCES.map((r) => r.group))]) {
    const known = CUSTOM_RESOURCES.filter((r) => r.group === group);
    // The version this tool was written against first, then the others the cluster serves (an older
    // Tekton serves only v1beta1): the offline reader walks shapes, not one version's schema.
    const versions = served.get(group) ?? [];
    const ordered = [...new Set([...known.map((r) => r.version).filter((v) => versions.includes(v)), ...versions])];
    const left = new Set(known.map((r) => r.plural));
    for (const version of ordered) {
      if (left.size === 0) break;
      const groupVersion = `${group}/${version}`;
      let offered: Map<string, boolean>;
      try {
        status.apiCalls[`discovery ${groupVersion}`] = (status.apiCalls[`discovery ${groupVersion}`] ?? 0) + 1;
        const list = await custom.getAPIResources({ group, version }, requestOptions as never);
        offered = new Map((list.resources ?? []).map((r) => [r.name, r.namespaced]));
      } catch (err) {
        for (const plural of left) markMissing(status, `${where}: ${plural}.${group} (the resources of ${groupVersion} cannot be listed: ${kubeReason(err, timeoutMs)})`);
        break;
      }
      for (const r of known.filter((k) => left.has(k.plural) && offered.has(k.plural))) {
        left.delete(r.plural);
        const name = `${r.plural}.${r.group}`;
        const base = { group, version, plural: r.plural };
        const items = offered.get(r.plural)
          ? await listAcross(name, (p) => custom.listCustomObjectForAllNamespaces({ ...base, ...p }, requestOptions as never) as Promise<Page>, (p) => custom.listNamespacedCustomObject({ ...base, ...p }, requestOptions as never) as Promise<Page>)
          : await listAcross(name, (p) => custom.listClusterCustomObject({ ...base, ...p }, requestOptions as never) as Promise<Page>, undefined);
        if (items !== undefined) writeCustomResource(files, `${dir}/${name}.json`, `${group}/${version}`, r.kind, items, status);
      }
    }
  }
}

async function pages(status: SourceStatus, name: string, list: (p: { limit: number; _continue?: string }) => Promise<Page>, limit: number): Promise<unknown[]> {
  const items: unknown[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  for (;;) {
    status.apiCalls[`list ${name}`] = (status.apiCalls[`list ${name}`] ?? 0) + 1;
    const page = await list({ limit, ...(token !== undefined ? { _continue: token } : {}) });
    items.push(...(page.items ?? []));
    const next = page.metadata?._continue ?? page.metadata?.continue;
    if (next === undefined || next === '') return items;
    if (seen.has(next)) throw new Error('the list repeated a continue token: it never ends');
    seen.add(next);
    token = next;
  }
}

function isForbidden(err: unknown): boolean {
  return err instanceof ApiException && err.code === 403;
}

function kubeReason(err: unknown, timeoutMs: number): string {
  if (err instanceof ApiException) return err.code === 403 ? 'forbidden' : err.code === 401 ? 'unauthorised (401): the credentials were refused' : `HTTP ${err.code}`;
  const e = err as { name?: string; type?: string; message?: string };
  if (e?.name === 'AbortError' || e?.type === 'aborted') return `no answer within ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`}`;
  return oneLine(String(e?.message ?? err).split('\n')[0] ?? '').replace(/\?[^\s]*/g, '').slice(0, 300);
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const get = (v: unknown, ...path: string[]): unknown => path.reduce<unknown>((o, k) => (isObj(o) ? o[k] : undefined), v);

const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'] as const;
const STATUS_LISTS = ['containerStatuses', 'initContainerStatuses', 'ephemeralContainerStatuses'] as const;
const TEMPLATE_PATH: Record<string, string[]> = {
  Pod: [],
  Deployment: ['template'],
  StatefulSet: ['template'],
  DaemonSet: ['template'],
  ReplicaSet: ['template'],
  Job: ['template'],
  CronJob: ['jobTemplate', 'spec', 'template'],
};

function only(list: unknown, keys: readonly string[]): Obj[] | undefined {
  if (!Array.isArray(list)) return undefined;
  return list.filter(isObj).map((c) => Object.fromEntries(keys.filter((k) => typeof c[k] === 'string').map((k) => [k, c[k]])));
}

function nest(path: string[], value: Obj): Obj {
  return path.reduceRight<Obj>((inner, key) => ({ [key]: inner }), value);
}

/** The object reduced to what the in-use reader and a person need: names, owners, images, digests, replicas. */
function reduce(resource: Resource, obj: Obj, status: SourceStatus): Obj {
  const meta = isObj(obj.metadata) ? obj.metadata : {};
  const owners = only(meta.ownerReferences, ['kind', 'name']);
  const revision = get(meta, 'annotations', 'deployment.kubernetes.io/revision');
  const metadata: Obj = {
    ...(typeof meta.name === 'string' ? { name: meta.name } : {}),
    ...(typeof meta.namespace === 'string' ? { namespace: meta.namespace } : {}),
    ...(owners && owners.length > 0 ? { ownerReferences: owners } : {}),
    ...(typeof revision === 'string' ? { annotations: { 'deployment.kubernetes.io/revision': revision } } : {}),
  };
  const path = TEMPLATE_PATH[resource.kind]!;
  const podSpec = get(obj.spec, ...path, ...(path.length > 0 ? ['spec'] : []));
  const reducedSpec: Obj = {};
  for (const list of CONTAINER_LISTS) {
    const containers = only(get(podSpec, list), ['name', 'image']);
    if (containers) {
      reducedSpec[list] = containers;
      status.references += containers.filter((c) => c.image !== undefined).length;
    }
  }
  const replicas = get(obj.spec, 'replicas');
  const spec: Obj = { ...(typeof replicas === 'number' ? { replicas } : {}), ...(path.length > 0 ? nest(path, { spec: reducedSpec }) : reducedSpec) };
  const out: Obj = { apiVersion: resource.apiVersion, kind: resource.kind, metadata, spec };
  if (resource.kind === 'Pod') {
    const statuses: Obj = {};
    for (const list of STATUS_LISTS) {
      const s = only(get(obj.status, list), ['name', 'image', 'imageID']);
      if (s) {
        statuses[list] = s;
        status.references += s.filter((c) => c.imageID !== undefined && c.imageID !== '').length;
      }
    }
    out.status = statuses;
  }
  return out;
}

/** A ReplicaSet a Deployment keeps at zero replicas: nothing runs it, `kubectl rollout undo` would. */
function isRollbackReplicaSet(obj: Obj): boolean {
  const owners = get(obj, 'metadata', 'ownerReferences');
  const ownedByDeployment = Array.isArray(owners) && owners.some((o) => isObj(o) && o.kind === 'Deployment');
  return ownedByDeployment && get(obj, 'spec', 'replicas') === 0;
}

function writeResource(files: FileSet, dir: string, resource: Resource, items: unknown[], status: SourceStatus): void {
  const key = (o: Obj) => `${String(get(o, 'metadata', 'namespace') ?? '')}\u0000${String(get(o, 'metadata', 'name') ?? '')}`;
  // The client library's objects serialise with the API's own field names (imageID, initContainers...).
  const objects = items.filter(isObj).map((o) => JSON.parse(JSON.stringify(o)) as Obj).sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const rollback = resource.kind === 'ReplicaSet' ? objects.filter(isRollbackReplicaSet) : [];
  const current = objects.filter((o) => !rollback.includes(o));
  const list = (of: Obj[]) => ({ apiVersion: resource.apiVersion, kind: `${resource.kind}List`, items: of.map((o) => reduce(resource, o, status)) });
  files.json(`${dir}/${resource.name}.json`, list(current));
  if (rollback.length > 0) files.json(`${dir}/${resource.name}.rollback.json`, list(rollback));
}

/**
 * A custom resource reduced to the branches that lead to images, in the shapes the offline reader walks
 * (container lists, single containers, image volumes), each container to its name and image: nothing
 * else (environment values, scripts' sources, arguments) reaches the snapshot.
 */
function reduceImages(node: unknown, status: SourceStatus): unknown {
  if (Array.isArray(node)) {
    const kept = node.map((n) => reduceImages(n, status)).filter((n) => n !== undefined);
    return kept.length > 0 ? kept : undefined;
  }
  if (!isObj(node)) return undefined;
  const out: Obj = {};
  for (const [key, value] of Object.entries(node)) {
    if (CUSTOM_CONTAINER_LISTS.has(key) && Array.isArray(value)) {
      const containers = (only(value, ['name', 'image']) ?? []).filter((c) => c.image !== undefined);
      if (containers.length > 0) (out[key] = containers), (status.references += containers.length);
    } else if (SINGLE_CONTAINERS.has(key) && isObj(value) && typeof value.image === 'string') {
      out[key] = only([value], ['name', 'image'])![0];
      status.references += 1;
    } else if (key === 'volumes' && Array.isArray(value)) {
      const volumes = value.filter((v) => isObj(v) && typeof get(v, 'image', 'reference') === 'string').map((v) => ({ ...(typeof (v as Obj).name === 'string' ? { name: (v as Obj).name } : {}), image: { reference: get(v, 'image', 'reference') } }));
      if (volumes.length > 0) (out[key] = volumes), (status.references += volumes.length);
    } else if (key !== 'metadata') {
      const inner = reduceImages(value, status);
      if (inner !== undefined) out[key] = inner;
    }
  }
  if (Object.keys(out).length === 0) return undefined;
  // A named step or template (Argo templates, Tekton steps) keeps its name: a person can find it.
  if (typeof node.name === 'string' && out.name === undefined) return { name: node.name, ...out };
  return out;
}

/** Container lists and single containers of the offline reader (src/analyse/in-use/kubernetes.ts). */
const CUSTOM_CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers', 'sidecars', 'steps']);
const SINGLE_CONTAINERS = new Set(['container', 'script', 'stepTemplate']);

function writeCustomResource(files: FileSet, path: string, apiVersion: string, kind: string, items: unknown[], status: SourceStatus): void {
  const objects = items.filter(isObj).map((o) => {
    const meta = isObj(o.metadata) ? o.metadata : {};
    const metadata: Obj = {
      ...(typeof meta.name === 'string' ? { name: meta.name } : {}),
      ...(typeof meta.namespace === 'string' ? { namespace: meta.namespace } : {}),
    };
    const spec = reduceImages(o.spec, status);
    const st = reduceImages(o.status, status);
    return { apiVersion, kind, metadata, ...(spec !== undefined ? { spec } : {}), ...(st !== undefined ? { status: st } : {}) };
  });
  const key = (o: { metadata: Obj }) => `${String(o.metadata.namespace ?? '')}\u0000${String(o.metadata.name ?? '')}`;
  objects.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  files.json(path, { apiVersion, kind: `${kind}List`, items: objects });
}
