import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A local stand-in for the services live in-use discovery reads, speaking each one's real wire
// protocol so the real SDK clients talk to it over HTTP (endpoint overrides):
//   ECS         AWS JSON 1.1, X-Amz-Target AmazonEC2ContainerServiceV20141113.<Operation>
//   App Runner  AWS JSON 1.0, X-Amz-Target AppRunner.<Operation>
//   Lambda      REST JSON, GET /2015-03-31/functions[/NAME[/versions|/aliases]]
//   Batch       REST JSON, POST /v1/describejobdefinitions
// Every list answers `pageSize` items a page, so pagination is always exercised. Faults (throttling,
// access denied) are injected per operation. Read-only: any other operation is refused.

export const ACCOUNT = '111111111111';
export const REGION = 'us-east-1';

export interface EcsTaskDefinitionSeed {
  family: string;
  revision: number;
  status?: 'ACTIVE' | 'INACTIVE';
  /** Container images, one container each. */
  images: string[];
}

export interface EcsSeed {
  taskDefinitions: EcsTaskDefinitionSeed[];
  clusters: Array<{
    name: string;
    services: Array<{ name: string; deployments: Array<{ status: 'PRIMARY' | 'ACTIVE'; taskDefinition: string }> }>;
    /** Running tasks; taskDefinition as `family:revision`. */
    tasks: Array<{ id: string; taskDefinition: string; group?: string; containers: Array<{ name: string; image: string; imageDigest?: string }> }>;
  }>;
}

export interface LambdaSeed {
  functions: Array<{
    name: string;
    packageType?: 'Image' | 'Zip';
    /** `$LATEST` and published versions. */
    versions: Array<{ version: string; imageUri: string; resolvedImageUri: string }>;
    aliases: Array<{ name: string; version: string; additional?: Record<string, number> }>;
  }>;
}

export interface LiveSeed {
  ecs?: EcsSeed;
  lambda?: LambdaSeed;
  apprunner?: { services: Array<{ name: string; image: string; type?: 'ECR' | 'ECR_PUBLIC' }> };
  batch?: { jobDefinitions: Array<{ name: string; revision: number; status?: 'ACTIVE' | 'INACTIVE'; image?: string; eksImages?: string[] }> };
}

export type LiveFaultKind = 'throttle' | 'access-denied' | 'never-answer';

export interface LiveFault {
  /** e.g. `ecs:ListTasks`, `lambda:GetFunction`, `apprunner:DescribeService`, `batch:DescribeJobDefinitions`. */
  operation: string;
  kind: LiveFaultKind;
  /** How many matching requests it affects; default all. */
  times?: number;
}

const ecsArn = (kind: string, rest: string) => `arn:aws:ecs:${REGION}:${ACCOUNT}:${kind}/${rest}`;

export class FakeAwsLiveServer {
  readonly url: string;
  /** Every request, as `service:Operation`, retries included. */
  readonly log: string[] = [];
  /** The access key id that signed each request of `log` (same order): which credentials were used. */
  readonly signedBy: string[] = [];
  private faults: Array<LiveFault & { remaining: number }> = [];
  /** Requests being answered now, and the most there ever were (the client's concurrency bound). */
  inFlight = 0;
  maxInFlight = 0;
  /** Each answer waits this long, so that concurrent requests overlap. */
  responseDelayMs = 0;
  private readonly sockets = new Set<import('node:net').Socket>();

  private constructor(private readonly server: Server, private readonly seed: LiveSeed, private readonly pageSize: number) {
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  static async start(seed: LiveSeed, pageSize = 2): Promise<FakeAwsLiveServer> {
    let fake: FakeAwsLiveServer | undefined;
    const server = createServer((req, res) => void fake!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake = new FakeAwsLiveServer(server, seed, pageSize);
    return fake;
  }

  inject(fault: LiveFault): void {
    this.faults.push({ ...fault, remaining: fault.times ?? Number.POSITIVE_INFINITY });
  }

  clearFaults(): void {
    this.faults = [];
  }

  calls(operation: string): number {
    return this.log.filter((o) => o === operation).length;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    const url = new URL(req.url ?? '/', this.url);
    const target = String(req.headers['x-amz-target'] ?? '');
    let service: string;
    let operation: string;
    let params: Record<string, unknown> = body;
    if (target.startsWith('AmazonEC2ContainerServiceV20141113.')) [service, operation] = ['ecs', target.split('.')[1]!];
    else if (target.startsWith('AppRunner.')) [service, operation] = ['apprunner', target.split('.')[1]!];
    else if (url.pathname === '/v1/describejobdefinitions') [service, operation] = ['batch', 'DescribeJobDefinitions'];
    else if (url.pathname.startsWith('/2015-03-31/functions')) {
      service = 'lambda';
      const m = /^\/2015-03-31\/functions\/?(?:([^/]+)(?:\/(versions|aliases))?)?\/?$/.exec(url.pathname);
      const name = m?.[1] !== undefined ? decodeURIComponent(m[1]) : undefined;
      operation = req.method !== 'GET' || !m ? 'Unsupported' : name === undefined ? 'ListFunctions' : m[2] === 'versions' ? 'ListVersionsByFunction' : m[2] === 'aliases' ? 'ListAliases' : 'GetFunction';
      params = { FunctionName: name, ...Object.fromEntries(url.searchParams) };
    } else [service, operation] = ['unknown', target || url.pathname];
    const key = `${service}:${operation}`;
    this.log.push(key);
    this.signedBy.push(/Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1] ?? '');
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    res.on('close', () => this.inFlight--);
    if (this.responseDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.responseDelayMs));
    const fault = this.faults.find((f) => f.operation === key && f.remaining > 0);
    if (fault) {
      fault.remaining--;
      if (fault.kind === 'never-answer') return; // the client's timeout ends it
      const rest = service === 'lambda' || service === 'batch';
      if (fault.kind === 'throttle') return this.error(res, rest ? 429 : 400, rest ? 'TooManyRequestsException' : 'ThrottlingException', 'Rate exceeded');
      return this.error(res, rest ? 403 : 400, 'AccessDeniedException', `User: arn:aws:sts::${ACCOUNT}:assumed-role/reader is not authorized to perform: ${key}`);
    }
    const answer = this.answer(service, operation, params);
    if (answer === undefined) return this.error(res, 400, 'UnknownOperationException', `${key} is not served (read-only stand-in)`);
    if ('error' in answer) return this.error(res, 400, answer.error, answer.message);
    res.writeHead(200, { 'content-type': service === 'ecs' ? 'application/x-amz-json-1.1' : service === 'apprunner' ? 'application/x-amz-json-1.0' : 'application/json' });
    res.end(JSON.stringify(answer));
  }

  private error(res: ServerResponse, status: number, type: string, message: string): void {
    res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type });
    res.end(JSON.stringify({ __type: type, message, Message: message }));
  }

  /** One page of `items` from the token (an offset) on. */
  private page<T>(items: T[], token: unknown): { items: T[]; next?: string } {
    const from = token === undefined || token === '' ? 0 : Number(token);
    const next = from + this.pageSize < items.length ? String(from + this.pageSize) : undefined;
    return { items: items.slice(from, from + this.pageSize), ...(next !== undefined ? { next } : {}) };
  }

  private answer(service: string, operation: string, p: Record<string, unknown>): Record<string, unknown> | undefined {
    if (service === 'ecs') return this.ecs(operation, p);
    if (service === 'lambda') return this.lambda(operation, p);
    if (service === 'apprunner') return this.apprunner(operation, p);
    if (service === 'batch' && operation === 'DescribeJobDefinitions') {
      const defs = (this.seed.batch?.jobDefinitions ?? []).filter((d) => p.status === undefined || (d.status ?? 'ACTIVE') === p.status);
      const pg = this.page(defs, p.nextToken);
      return {
        jobDefinitions: pg.items.map((d) => ({
          jobDefinitionName: d.name,
          jobDefinitionArn: `arn:aws:batch:${REGION}:${ACCOUNT}:job-definition/${d.name}:${d.revision}`,
          revision: d.revision,
          status: d.status ?? 'ACTIVE',
          type: d.eksImages ? 'container' : 'container',
          ...(d.image ? { containerProperties: { image: d.image, command: ['run'], environment: [{ name: 'SECRET', value: 'MUST-NOT-LEAK' }] } } : {}),
          ...(d.eksImages ? { eksProperties: { podProperties: { containers: d.eksImages.map((image, i) => ({ name: `c${i}`, image })) } } } : {}),
        })),
        ...(pg.next ? { nextToken: pg.next } : {}),
      };
    }
    return undefined;
  }

  private ecs(operation: string, p: Record<string, unknown>): Record<string, unknown> | undefined {
    const seed = this.seed.ecs ?? { clusters: [], taskDefinitions: [] };
    const cluster = () => seed.clusters.find((c) => p.cluster === c.name || p.cluster === ecsArn('cluster', c.name));
    const tdArn = (ref: string) => ecsArn('task-definition', ref);
    const findTd = (ref: string) => seed.taskDefinitions.find((t) => ref === `${t.family}:${t.revision}` || ref === tdArn(`${t.family}:${t.revision}`));
    switch (operation) {
      case 'ListClusters': {
        const pg = this.page(seed.clusters.map((c) => ecsArn('cluster', c.name)), p.nextToken);
        return { clusterArns: pg.items, ...(pg.next ? { nextToken: pg.next } : {}) };
      }
      case 'ListServices': {
        const c = cluster();
        if (!c) return { error: 'ClusterNotFoundException', message: 'Cluster not found.' };
        const pg = this.page(c.services.map((s) => ecsArn('service', `${c.name}/${s.name}`)), p.nextToken);
        return { serviceArns: pg.items, ...(pg.next ? { nextToken: pg.next } : {}) };
      }
      case 'DescribeServices': {
        const c = cluster()!;
        const wanted = p.services as string[];
        if (wanted.length > 10) return { error: 'InvalidParameterException', message: 'at most 10 services' };
        const services = c.services.filter((s) => wanted.includes(ecsArn('service', `${c.name}/${s.name}`)) || wanted.includes(s.name));
        return {
          services: services.map((s) => ({
            serviceName: s.name,
            serviceArn: ecsArn('service', `${c.name}/${s.name}`),
            clusterArn: ecsArn('cluster', c.name),
            taskDefinition: tdArn(s.deployments.find((d) => d.status === 'PRIMARY')?.taskDefinition ?? s.deployments[0]!.taskDefinition),
            deployments: s.deployments.map((d, i) => ({ id: `ecs-svc/${i}`, status: d.status, taskDefinition: tdArn(d.taskDefinition), createdAt: 1_700_000_000 })),
          })),
          failures: [],
        };
      }
      case 'ListTasks': {
        const c = cluster()!;
        const pg = this.page(c.tasks.map((t) => ecsArn('task', `${c.name}/${t.id}`)), p.nextToken);
        return { taskArns: pg.items, ...(pg.next ? { nextToken: pg.next } : {}) };
      }
      case 'DescribeTasks': {
        const c = cluster()!;
        const wanted = p.tasks as string[];
        if (wanted.length > 100) return { error: 'InvalidParameterException', message: 'at most 100 tasks' };
        return {
          tasks: c.tasks.filter((t) => wanted.includes(ecsArn('task', `${c.name}/${t.id}`))).map((t) => ({
            taskArn: ecsArn('task', `${c.name}/${t.id}`),
            taskDefinitionArn: tdArn(t.taskDefinition),
            clusterArn: ecsArn('cluster', c.name),
            lastStatus: 'RUNNING',
            ...(t.group ? { group: t.group } : {}),
            containers: t.containers.map((x) => ({ name: x.name, image: x.image, ...(x.imageDigest ? { imageDigest: x.imageDigest } : {}), lastStatus: 'RUNNING' })),
          })),
          failures: [],
        };
      }
      case 'DescribeTaskDefinition': {
        const td = findTd(String(p.taskDefinition));
        if (!td) return { error: 'ClientException', message: 'Unable to describe task definition.' };
        return {
          taskDefinition: {
            taskDefinitionArn: tdArn(`${td.family}:${td.revision}`),
            family: td.family,
            revision: td.revision,
            status: td.status ?? 'ACTIVE',
            containerDefinitions: td.images.map((image, i) => ({ name: `c${i}`, image, environment: [{ name: 'DB_PASSWORD', value: 'MUST-NOT-LEAK' }] })),
            registeredAt: 1_700_000_000,
          },
        };
      }
      case 'ListTaskDefinitions': {
        const prefix = String(p.familyPrefix ?? '');
        const all = seed.taskDefinitions
          .filter((t) => t.family.startsWith(prefix) && (p.status === undefined || (t.status ?? 'ACTIVE') === p.status))
          .sort((a, b) => (a.family === b.family ? a.revision - b.revision : a.family < b.family ? -1 : 1));
        if (p.sort === 'DESC') all.reverse();
        const pg = this.page(all.map((t) => tdArn(`${t.family}:${t.revision}`)), p.nextToken);
        return { taskDefinitionArns: pg.items, ...(pg.next ? { nextToken: pg.next } : {}) };
      }
    }
    return undefined;
  }

  private lambda(operation: string, p: Record<string, unknown>): Record<string, unknown> | undefined {
    const fns = this.seed.lambda?.functions ?? [];
    const arn = (name: string, q?: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}${q ? `:${q}` : ''}`;
    const fn = fns.find((f) => f.name === p.FunctionName);
    const config = (f: (typeof fns)[number], version: string) => ({
      FunctionName: f.name, FunctionArn: arn(f.name, version === '$LATEST' ? undefined : version), Version: version, PackageType: f.packageType ?? 'Image',
      Environment: { Variables: { API_KEY: 'MUST-NOT-LEAK' } },
    });
    switch (operation) {
      case 'ListFunctions': {
        const pg = this.page(fns, p.Marker);
        return { Functions: pg.items.map((f) => config(f, '$LATEST')), ...(pg.next ? { NextMarker: pg.next } : {}) };
      }
      case 'ListVersionsByFunction': {
        if (!fn) return { error: 'ResourceNotFoundException', message: 'Function not found' };
        const pg = this.page(fn.versions, p.Marker);
        return { Versions: pg.items.map((v) => config(fn, v.version)), ...(pg.next ? { NextMarker: pg.next } : {}) };
      }
      case 'ListAliases': {
        if (!fn) return { error: 'ResourceNotFoundException', message: 'Function not found' };
        const pg = this.page(fn.aliases, p.Marker);
        return {
          Aliases: pg.items.map((a) => ({ Name: a.name, AliasArn: arn(fn.name, a.name), FunctionVersion: a.version, ...(a.additional ? { RoutingConfig: { AdditionalVersionWeights: a.additional } } : {}) })),
          ...(pg.next ? { NextMarker: pg.next } : {}),
        };
      }
      case 'GetFunction': {
        const v = fn?.versions.find((x) => x.version === (p.Qualifier ?? '$LATEST'));
        if (!fn || !v) return { error: 'ResourceNotFoundException', message: 'Function not found' };
        return { Configuration: config(fn, v.version), Code: { RepositoryType: 'ECR', ImageUri: v.imageUri, ResolvedImageUri: v.resolvedImageUri } };
      }
    }
    return undefined;
  }

  private apprunner(operation: string, p: Record<string, unknown>): Record<string, unknown> | undefined {
    const services = this.seed.apprunner?.services ?? [];
    const arn = (name: string) => `arn:aws:apprunner:${REGION}:${ACCOUNT}:service/${name}/0123456789abcdef`;
    if (operation === 'ListServices') {
      const pg = this.page(services, p.NextToken);
      return { ServiceSummaryList: pg.items.map((s) => ({ ServiceName: s.name, ServiceArn: arn(s.name), Status: 'RUNNING' })), ...(pg.next ? { NextToken: pg.next } : {}) };
    }
    if (operation === 'DescribeService') {
      const s = services.find((x) => arn(x.name) === p.ServiceArn);
      if (!s) return { error: 'ResourceNotFoundException', message: 'no such service' };
      return { Service: { ServiceName: s.name, ServiceArn: arn(s.name), ServiceId: '0123456789abcdef', Status: 'RUNNING', SourceConfiguration: { ImageRepository: { ImageIdentifier: s.image, ImageRepositoryType: s.type ?? 'ECR' } } } };
    }
    return undefined;
  }
}
