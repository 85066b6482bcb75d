import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';

// A local stand-in for a Kubernetes API server (plain HTTP on 127.0.0.1) answering the list calls
// live in-use discovery makes, as the real one does: `limit`/`continue` pagination, bearer-token
// authentication (401 for an unknown token), RBAC refusals (403 with a Status body) cluster-wide or
// per namespace, and a resource that never answers (for the client's timeout).

export const RESOURCES: Record<string, { group: string; kind: string }> = {
  pods: { group: '', kind: 'Pod' },
  namespaces: { group: '', kind: 'Namespace' },
  deployments: { group: 'apps', kind: 'Deployment' },
  statefulsets: { group: 'apps', kind: 'StatefulSet' },
  daemonsets: { group: 'apps', kind: 'DaemonSet' },
  replicasets: { group: 'apps', kind: 'ReplicaSet' },
  jobs: { group: 'batch', kind: 'Job' },
  cronjobs: { group: 'batch', kind: 'CronJob' },
};

/**
 * Custom resources the stand-in can serve, keyed `PLURAL.GROUP` as in a seed's objects: a group is
 * served (in /apis and /apis/GROUP/VERSION) when the seed has objects, even none, for one of its resources.
 */
export const CUSTOM: Record<string, { group: string; version: string; plural: string; kind: string; namespaced: boolean }> = Object.fromEntries([
  ['argoproj.io', 'v1alpha1', 'rollouts', 'Rollout', true],
  ['argoproj.io', 'v1alpha1', 'workflows', 'Workflow', true],
  ['argoproj.io', 'v1alpha1', 'clusterworkflowtemplates', 'ClusterWorkflowTemplate', false],
  ['serving.knative.dev', 'v1', 'services', 'Service', true],
  ['tekton.dev', 'v1', 'tasks', 'Task', true],
  // An older Tekton's version beside v1: a group serving several versions.
  ['tekton.dev', 'v1beta1', 'taskruns', 'TaskRun', true],
].map(([group, version, plural, kind, namespaced]) => [`${plural}.${group}`, { group, version, plural, kind, namespaced }] as [string, { group: string; version: string; plural: string; kind: string; namespaced: boolean }]));

export interface TokenAccess {
  /** Resources this token may not list across all namespaces. */
  denyClusterWide?: string[];
  /** Per namespace, resources it may not list there. */
  denyInNamespace?: Record<string, string[]>;
  /** Resources that never answer. */
  hang?: string[];
}

export interface KubeSeed {
  /** Objects by resource (`pods`, `deployments`...), each with metadata.namespace. */
  objects: Partial<Record<string, Array<Record<string, unknown>>>>;
  tokens: Record<string, TokenAccess>;
}

export class FakeKubeServer {
  readonly url: string;
  /** Every request: `token path?query`. */
  readonly log: string[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server, private readonly seed: KubeSeed) {
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  static async start(seed: KubeSeed): Promise<FakeKubeServer> {
    let fake: FakeKubeServer | undefined;
    const server = createServer((req, res) => fake!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake = new FakeKubeServer(server, seed);
    return fake;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private namespaces(): string[] {
    const names = new Set<string>();
    for (const list of Object.values(this.seed.objects)) for (const o of list ?? []) {
      const namespace = (o.metadata as { namespace?: string }).namespace;
      if (namespace !== undefined) names.add(namespace);
    }
    return [...names].sort();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const token = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    this.log.push(`${token ?? '-'} ${url.pathname}${url.search}`);
    const access = token !== undefined ? this.seed.tokens[token] : undefined;
    if (req.method !== 'GET') return this.status(res, 405, 'MethodNotAllowed', 'read-only stand-in');
    if (!access) return this.status(res, 401, 'Unauthorized', 'Unauthorized');
    if (url.pathname.startsWith('/apis') && this.custom(url, access, res)) return;
    const m = /^\/(?:api\/v1|apis\/(apps|batch)\/v1)(?:\/namespaces\/([^/]+))?\/([a-z]+)$/.exec(url.pathname);
    if (!m || !RESOURCES[m[3]!] || RESOURCES[m[3]!]!.group !== (m[1] ?? '')) return this.status(res, 404, 'NotFound', 'the server could not find the requested resource');
    const namespace = m[2];
    const resource = m[3]!;
    if (access.hang?.includes(resource)) return; // never answers: the client's timeout ends it
    if (namespace === undefined && access.denyClusterWide?.includes(resource)) {
      return this.status(res, 403, 'Forbidden', `${resource} is forbidden: User "reader" cannot list resource "${resource}" in API group "${m[1] ?? ''}" at the cluster scope`);
    }
    if (namespace !== undefined && access.denyInNamespace?.[namespace]?.includes(resource)) {
      return this.status(res, 403, 'Forbidden', `${resource} is forbidden: User "reader" cannot list resource "${resource}" in API group "${m[1] ?? ''}" in the namespace "${namespace}"`);
    }
    const all = resource === 'namespaces'
      ? this.namespaces().map((name) => ({ metadata: { name } }))
      : (this.seed.objects[resource] ?? []).filter((o) => namespace === undefined || (o.metadata as { namespace?: string }).namespace === namespace);
    const limit = Number(url.searchParams.get('limit') ?? '0') || all.length;
    const from = Number(url.searchParams.get('continue') ?? '0');
    const next = from + limit < all.length ? String(from + limit) : undefined;
    const { kind } = RESOURCES[resource]!;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({
      kind: `${kind}List`,
      apiVersion: m[1] ? `${m[1]}/v1` : 'v1',
      metadata: { resourceVersion: '42', ...(next !== undefined ? { continue: next } : {}) },
      items: all.slice(from, from + limit),
    }));
  }

  /** Discovery and custom resource lists; false when the path is not one of theirs. */
  private custom(url: URL, access: TokenAccess, res: ServerResponse): boolean {
    const installed = Object.keys(this.seed.objects).filter((k) => CUSTOM[k]).map((k) => CUSTOM[k]!);
    const json = (body: unknown) => (res.writeHead(200, { 'content-type': 'application/json' }), res.end(JSON.stringify(body)), true);
    if (url.pathname === '/apis' || url.pathname === '/apis/') {
      const groups = [...new Set(installed.map((c) => c.group))].map((name) => ({ name, versions: [...new Set(installed.filter((c) => c.group === name).map((c) => c.version))] }));
      return json({
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: [
          { name: 'apps', versions: [{ groupVersion: 'apps/v1', version: 'v1' }], preferredVersion: { groupVersion: 'apps/v1', version: 'v1' } },
          ...groups.map((g) => ({ name: g.name, versions: g.versions.map((v) => ({ groupVersion: `${g.name}/${v}`, version: v })), preferredVersion: { groupVersion: `${g.name}/${g.versions[0]}`, version: g.versions[0] } })),
        ],
      });
    }
    const d = /^\/apis\/([a-z0-9.-]+)\/([a-z0-9]+)$/.exec(url.pathname);
    if (d) {
      const served = installed.filter((c) => c.group === d[1] && c.version === d[2]);
      if (served.length === 0) return false;
      return json({
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: `${d[1]}/${d[2]}`,
        resources: served.map((c) => ({ name: c.plural, singularName: c.kind.toLowerCase(), namespaced: c.namespaced, kind: c.kind, verbs: ['get', 'list', 'watch'] })),
      });
    }
    const m = /^\/apis\/([a-z0-9.-]+)\/([a-z0-9]+)(?:\/namespaces\/([^/]+))?\/([a-z]+)$/.exec(url.pathname);
    const c = m ? installed.find((x) => x.group === m[1] && x.version === m[2] && x.plural === m[4]) : undefined;
    if (!m || !c) return false;
    const key = `${c.plural}.${c.group}`;
    const namespace = m[3];
    if (!c.namespaced && namespace !== undefined) return false;
    if (namespace === undefined && access.denyClusterWide?.includes(key)) {
      this.status(res, 403, 'Forbidden', `${c.plural}.${c.group} is forbidden: User "reader" cannot list resource "${c.plural}" in API group "${c.group}" at the cluster scope`);
      return true;
    }
    if (namespace !== undefined && access.denyInNamespace?.[namespace]?.includes(key)) {
      this.status(res, 403, 'Forbidden', `${c.plural}.${c.group} is forbidden: User "reader" cannot list resource "${c.plural}" in API group "${c.group}" in the namespace "${namespace}"`);
      return true;
    }
    const all = (this.seed.objects[key] ?? []).filter((o) => namespace === undefined || (o.metadata as { namespace?: string }).namespace === namespace);
    const limit = Number(url.searchParams.get('limit') ?? '0') || all.length;
    const from = Number(url.searchParams.get('continue') ?? '0');
    const next = from + limit < all.length ? String(from + limit) : undefined;
    return json({
      kind: `${c.kind}List`,
      apiVersion: `${c.group}/${c.version}`,
      metadata: { resourceVersion: '42', ...(next !== undefined ? { continue: next } : {}) },
      items: all.slice(from, from + limit).map((o) => ({ apiVersion: `${c.group}/${c.version}`, kind: c.kind, ...o })),
    });
  }

  private status(res: ServerResponse, code: number, reason: string, message: string): void {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }));
  }
}

/**
 * A kubeconfig (JSON is YAML) with one context per entry, all pointing at `server`. The stand-in is
 * plain HTTP, which the client library accepts only from a cluster marked insecure-skip-tls-verify.
 */
export function kubeconfig(server: string, contexts: Array<{ name: string; user: Record<string, unknown> }>, current?: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'fake', cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: contexts.map((c) => ({ name: `${c.name}-user`, user: c.user })),
    contexts: contexts.map((c) => ({ name: c.name, context: { cluster: 'fake', user: `${c.name}-user` } })),
    'current-context': current ?? contexts[0]?.name ?? '',
  });
}
