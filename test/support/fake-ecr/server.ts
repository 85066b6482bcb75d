import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A local stand-in for Amazon ECR speaking its real wire protocol (AWS JSON 1.1): POST /,
// `X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.<Operation>`, errors as
// `{"__type","message"}` with the service's status codes, timestamps as epoch seconds.
// The real @aws-sdk/client-ecr talks to it over HTTP through the endpoint override.
// It also answers STS AssumeRole and GetCallerIdentity (AWS Query protocol) so role assumption and the
// caller's principal (for pull-time update exclusions) can be exercised.

export const TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921.';

export type FakeOperation =
  | 'DescribeRepositories'
  | 'DescribeImages'
  | 'BatchGetImage'
  | 'GetLifecyclePolicy'
  | 'DescribeRegistry'
  | 'GetAccountSetting'
  | 'ListPullTimeUpdateExclusions'
  | 'AssumeRole'
  | 'GetCallerIdentity';

export type FaultKind =
  | 'throttle'
  | 'server-error'
  | 'drop-connection'
  | 'slow'
  | 'access-denied'
  | 'repository-not-found'
  /** The page's nextToken is replaced by garbage the server then rejects. */
  | 'bad-next-token'
  /** A continued page returns the token it was asked with: pagination never ends. */
  | 'repeat-next-token';

export interface Fault {
  operation: FakeOperation;
  kind: FaultKind;
  /** Only requests about this repository (DescribeRepositories: when it is among the names). */
  repositoryName?: string;
  /** How many matching requests it affects; default: all. */
  times?: number;
  /** For `slow`. */
  delayMs?: number;
}

export interface FakeImageSeed {
  /** Object manifests are serialised with JSON.stringify; the digest is sha256 of the bytes. */
  manifest: string | object;
  mediaType?: string;
  tags?: string[];
  /** ISO string or epoch milliseconds. */
  pushedAt: string | number;
  sizeInBytes?: number;
  lastRecordedPullTime?: string | number;
  status?: 'ACTIVE' | 'ARCHIVED' | 'ACTIVATING';
  lastArchivedAt?: string | number;
  lastActivatedAt?: string | number;
  artifactMediaType?: string;
  subjectManifestDigest?: string;
  /** Forces a BatchGetImage failure for this image. */
  batchGetFailure?: { failureCode: string; failureReason: string };
}

export interface FakeRepositorySeed {
  repositoryName: string;
  lifecyclePolicyText?: string;
  lastEvaluatedAt?: string | number;
  images: FakeImageSeed[];
}

export interface FakeRegistrySeed {
  registryId: string;
  /** Default us-east-1. Requests are routed by the region of their SigV4 credential scope. */
  region?: string;
  /** When set, only requests signed with this access key id see this registry. */
  accessKeyId?: string;
  /**
   * ListPullTimeUpdateExclusions. Default: the default caller's role (DEFAULT_CALLER_ROLE in this
   * account), so runs that do not test the pull-time warning stay quiet.
   */
  pullTimeUpdateExclusions?: string[];
  /** GetAccountSetting BLOB_MOUNTING; `unsupported` answers ValidationException. Default DISABLED. */
  blobMounting?: 'ENABLED' | 'DISABLED' | 'unsupported';
  repositories: FakeRepositorySeed[];
}

interface StoredImage {
  digest: string;
  manifest: string;
  seed: FakeImageSeed;
}

interface StoredRepository {
  seed: FakeRepositorySeed;
  images: StoredImage[];
}

interface StoredRegistry {
  seed: FakeRegistrySeed;
  region: string;
  repositories: StoredRepository[];
}

export interface RecordedCall {
  operation: string;
  target: string;
  repositoryName?: string;
  region?: string;
  accessKeyId?: string;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

class DropConnection extends Error {}

export function digestOf(manifest: string): string {
  return `sha256:${createHash('sha256').update(manifest, 'utf8').digest('hex')}`;
}

export function manifestText(manifest: string | object): string {
  return typeof manifest === 'string' ? manifest : JSON.stringify(manifest);
}

function epochSeconds(t: string | number): number {
  return (typeof t === 'number' ? t : Date.parse(t)) / 1000;
}

/** Access key the fake STS hands out for a role in `account`. */
export function assumedAccessKeyId(account: string): string {
  return `ASIAFAKE${account}`;
}
export const ASSUMED_SECRET_PREFIX = 'fake-assumed-secret-';
export const ASSUMED_SESSION_TOKEN_PREFIX = 'fake-assumed-session-token-';

const MEDIA_TYPE_DEFAULT = 'application/vnd.docker.distribution.manifest.v2+json';

/** The role whose session the fake STS says the base test credentials are (GetCallerIdentity). */
export const DEFAULT_CALLER_ROLE = 'ecr-lifeguard-ci';
/** The IAM role ARN of DEFAULT_CALLER_ROLE in `account`. */
export function callerRoleArn(account: string, role = DEFAULT_CALLER_ROLE): string {
  return `arn:aws:iam::${account}:role/${role}`;
}

/** Every operation of the fake that is a read: a run may call nothing else. */
export const READ_OPERATIONS = new Set<string>([
  'DescribeRepositories',
  'DescribeImages',
  'BatchGetImage',
  'GetLifecyclePolicy',
  'DescribeRegistry',
  'GetAccountSetting',
  'ListPullTimeUpdateExclusions',
  'AssumeRole',
  'GetCallerIdentity',
]);

export class FakeEcrServer {
  readonly url: string;
  /** Requests per operation (every attempt, retries included). */
  readonly calls = new Map<string, number>();
  /** Every X-Amz-Target (or STS Action) seen, in order. */
  readonly targets: string[] = [];
  readonly log: RecordedCall[] = [];
  private faults: (Fault & { remaining: number })[] = [];
  /**
   * What GetCallerIdentity answers for the base credentials (not an assumed role's): default a session
   * of DEFAULT_CALLER_ROLE in the first registry's account.
   */
  callerArn: string;
  /** Roles assumed, by the access key the fake STS handed out. */
  private readonly assumed = new Map<string, string>();
  /** Manifest text BatchGetImage answers instead of the stored one, by digest (the digest stays). */
  private readonly tampered = new Map<string, string>();
  private readonly registries: StoredRegistry[];

  private constructor(
    private readonly server: Server,
    seeds: FakeRegistrySeed[],
  ) {
    const address = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${address.port}`;
    const account = /^[0-9]{12}$/.test(seeds[0]?.registryId ?? '') ? seeds[0]!.registryId : '111111111111';
    this.callerArn = `arn:aws:sts::${account}:assumed-role/${DEFAULT_CALLER_ROLE}/ci-session`;
    this.registries = seeds.map((seed) => ({
      seed,
      region: seed.region ?? 'us-east-1',
      repositories: seed.repositories.map((r) => ({
        seed: r,
        images: r.images.map((i) => {
          const manifest = manifestText(i.manifest);
          return { digest: digestOf(manifest), manifest, seed: i };
        }),
      })),
    }));
  }

  static async start(seeds: FakeRegistrySeed | FakeRegistrySeed[]): Promise<FakeEcrServer> {
    const list = Array.isArray(seeds) ? seeds : [seeds];
    let fake: FakeEcrServer | undefined;
    const server = createServer((req, res) => {
      void fake!.handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake = new FakeEcrServer(server, list);
    return fake;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  addFault(fault: Fault): void {
    this.faults.push({ ...fault, remaining: fault.times ?? Number.POSITIVE_INFINITY });
  }

  /** BatchGetImage answers `change(text)` for this digest from now on: bytes that no longer hash to it. */
  tamperManifest(digest: string, change: (text: string) => string): void {
    const stored = this.registries.flatMap((r) => r.repositories.flatMap((repo) => repo.images)).find((i) => i.digest === digest);
    if (stored === undefined) throw new Error(`no image ${digest}`);
    this.tampered.set(digest, change(stored.manifest));
  }

  clearFaults(): void {
    this.faults = [];
  }

  resetCounts(): void {
    this.calls.clear();
    this.targets.length = 0;
    this.log.length = 0;
  }

  callCount(operation: string, repositoryName?: string): number {
    if (repositoryName === undefined) return this.calls.get(operation) ?? 0;
    return this.log.filter((c) => c.operation === operation && c.repositoryName === repositoryName).length;
  }

  /** Digests of a seeded repository's images, as the server computed them. */
  digests(repositoryName: string, registryId?: string): string[] {
    const reg = this.registries.find((r) => registryId === undefined || r.seed.registryId === registryId)!;
    return reg.repositories.find((r) => r.seed.repositoryName === repositoryName)!.images.map((i) => i.digest);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.on('error', () => {});
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const auth = String(req.headers.authorization ?? '');
    const scope = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\//.exec(auth);
    const accessKeyId = scope?.[1];
    const region = scope?.[2];
    const service = scope?.[3];
    const target = String(req.headers['x-amz-target'] ?? '');
    try {
      if (req.method !== 'POST') throw new ApiError(400, 'UnknownOperationException', 'only POST is supported');
      if (service === 'sts' || (target === '' && body.includes('Action=AssumeRole'))) {
        await this.handleSts(body, accessKeyId, region, res);
        return;
      }
      if (!target.startsWith(TARGET_PREFIX)) throw new ApiError(400, 'UnknownOperationException', `unknown target ${target}`);
      const operation = target.slice(TARGET_PREFIX.length);
      let input: Record<string, unknown>;
      try {
        input = body === '' ? {} : (JSON.parse(body) as Record<string, unknown>);
      } catch {
        throw new ApiError(400, 'SerializationException', 'body is not JSON');
      }
      const repositoryName = typeof input.repositoryName === 'string' ? input.repositoryName : undefined;
      this.record({ operation, target, repositoryName, region, accessKeyId });
      if (req.headers['content-type'] !== 'application/x-amz-json-1.1') {
        throw new ApiError(400, 'SerializationException', `unexpected content type ${req.headers['content-type']}`);
      }
      const fault = this.takeFault(operation, input);
      if (fault?.kind === 'slow') await new Promise((r) => setTimeout(r, fault.delayMs ?? 1000));
      if (fault !== undefined) this.raiseFault(fault, operation, repositoryName);
      const registry = this.registryFor(region, accessKeyId);
      const output = this.dispatch(operation, input, registry, fault);
      this.send(res, 200, output);
    } catch (err) {
      if (err instanceof DropConnection) {
        req.socket.destroy();
        return;
      }
      if (err instanceof ApiError) {
        this.send(res, err.status, { __type: err.type, message: err.message }, err.type);
        return;
      }
      this.send(res, 500, { __type: 'ServerException', message: String(err) }, 'ServerException');
    }
  }

  private record(call: RecordedCall): void {
    this.calls.set(call.operation, (this.calls.get(call.operation) ?? 0) + 1);
    this.targets.push(call.target);
    this.log.push(call);
  }

  private send(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
    if (res.destroyed) return;
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'Content-Type': 'application/x-amz-json-1.1',
      'Content-Length': Buffer.byteLength(text),
      'x-amzn-RequestId': `fake-${this.targets.length}`,
      ...(errorType !== undefined ? { 'x-amzn-ErrorType': errorType } : {}),
    });
    res.end(text);
  }

  private takeFault(operation: string, input: Record<string, unknown>): (Fault & { remaining: number }) | undefined {
    const names = Array.isArray(input.repositoryNames) ? (input.repositoryNames as string[]) : [];
    const fault = this.faults.find(
      (f) =>
        f.remaining > 0 &&
        f.operation === operation &&
        (f.repositoryName === undefined || f.repositoryName === input.repositoryName || names.includes(f.repositoryName)),
    );
    if (fault !== undefined) fault.remaining -= 1;
    return fault;
  }

  private raiseFault(fault: Fault, operation: string, repositoryName: string | undefined): void {
    switch (fault.kind) {
      case 'throttle':
        throw new ApiError(400, 'ThrottlingException', 'Rate exceeded');
      case 'server-error':
        throw new ApiError(500, 'ServerException', 'We encountered an internal error. Please try again.');
      case 'drop-connection':
        throw new DropConnection();
      case 'access-denied':
        throw new ApiError(
          400,
          'AccessDeniedException',
          `User: arn:aws:iam::000000000000:user/fake is not authorized to perform: ecr:${operation} on resource: ${repositoryName ?? '*'}`,
        );
      case 'repository-not-found':
        throw new ApiError(400, 'RepositoryNotFoundException', `The repository with name '${fault.repositoryName ?? repositoryName}' does not exist`);
      default:
        return; // slow, bad-next-token, repeat-next-token act on the normal answer
    }
  }

  private registryFor(region: string | undefined, accessKeyId: string | undefined): StoredRegistry {
    const registry = this.registries.find(
      (r) => r.region === region && (r.seed.accessKeyId === undefined || r.seed.accessKeyId === accessKeyId),
    );
    if (registry === undefined) throw new ApiError(400, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
    return registry;
  }

  private repository(registry: StoredRegistry, name: unknown): StoredRepository {
    const repo = registry.repositories.find((r) => r.seed.repositoryName === name);
    if (repo === undefined) {
      throw new ApiError(
        400,
        'RepositoryNotFoundException',
        `The repository with name '${String(name)}' does not exist in the registry with id '${registry.seed.registryId}'`,
      );
    }
    return repo;
  }

  private dispatch(operation: string, input: Record<string, unknown>, registry: StoredRegistry, fault: Fault | undefined): unknown {
    switch (operation) {
      case 'DescribeRepositories':
        return this.describeRepositories(input, registry, fault);
      case 'DescribeImages':
        return this.describeImages(input, registry, fault);
      case 'BatchGetImage':
        return this.batchGetImage(input, registry);
      case 'GetLifecyclePolicy':
        return this.getLifecyclePolicy(input, registry);
      case 'DescribeRegistry':
        return { registryId: registry.seed.registryId, replicationConfiguration: { rules: [] } };
      case 'GetAccountSetting':
        return this.getAccountSetting(input, registry);
      case 'ListPullTimeUpdateExclusions': {
        const all = registry.seed.pullTimeUpdateExclusions ?? [callerRoleArn(registry.seed.registryId)];
        const { page, nextToken } = this.page(all, input, 'exclusions', fault, 100);
        return { pullTimeUpdateExclusions: page, ...(nextToken !== undefined ? { nextToken } : {}) };
      }
      default:
        throw new ApiError(400, 'UnknownOperationException', `unknown operation ${operation}`);
    }
  }

  private page<T>(
    items: T[],
    input: Record<string, unknown>,
    scope: string,
    fault: Fault | undefined,
    defaultMax: number,
  ): { page: T[]; nextToken?: string } {
    const maxResults = input.maxResults === undefined ? defaultMax : input.maxResults;
    if (typeof maxResults !== 'number' || !Number.isInteger(maxResults) || maxResults < 1 || maxResults > 1000) {
      throw new ApiError(400, 'InvalidParameterException', "Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value between 1 and 1000'");
    }
    let offset = 0;
    if (input.nextToken !== undefined) {
      const decoded = decodeToken(input.nextToken, scope);
      if (decoded === undefined) throw new ApiError(400, 'InvalidParameterException', "Invalid parameter at 'nextToken': the token is not valid");
      offset = decoded;
    }
    const page = items.slice(offset, offset + maxResults);
    const end = offset + page.length;
    if (end >= items.length) return { page };
    let nextToken = encodeToken(end, scope);
    if (fault?.kind === 'bad-next-token') nextToken = 'corrupted-pagination-token';
    if (fault?.kind === 'repeat-next-token' && typeof input.nextToken === 'string') nextToken = input.nextToken;
    return { page, nextToken };
  }

  private describeRepositories(input: Record<string, unknown>, registry: StoredRegistry, fault: Fault | undefined): unknown {
    const names = input.repositoryNames as string[] | undefined;
    const toRepository = (r: StoredRepository) => ({
      repositoryArn: `arn:aws:ecr:${registry.region}:${registry.seed.registryId}:repository/${r.seed.repositoryName}`,
      registryId: registry.seed.registryId,
      repositoryName: r.seed.repositoryName,
      repositoryUri: `${registry.seed.registryId}.dkr.ecr.${registry.region}.amazonaws.com/${r.seed.repositoryName}`,
      createdAt: 1_700_000_000,
      imageTagMutability: 'MUTABLE',
      imageScanningConfiguration: { scanOnPush: false },
      encryptionConfiguration: { encryptionType: 'AES256' },
    });
    if (names !== undefined) {
      if (input.maxResults !== undefined || input.nextToken !== undefined) {
        throw new ApiError(400, 'InvalidParameterException', 'maxResults and nextToken cannot be used with repositoryNames');
      }
      if (names.length < 1 || names.length > 100) throw new ApiError(400, 'InvalidParameterException', 'repositoryNames must hold 1 to 100 names');
      return { repositories: names.map((n) => toRepository(this.repository(registry, n))) };
    }
    const { page, nextToken } = this.page(registry.repositories, input, 'repositories', fault, 100);
    return { repositories: page.map(toRepository), ...(nextToken !== undefined ? { nextToken } : {}) };
  }

  private describeImages(input: Record<string, unknown>, registry: StoredRegistry, fault: Fault | undefined): unknown {
    const repo = this.repository(registry, input.repositoryName);
    const filter = (input.filter ?? {}) as { imageStatus?: string; tagStatus?: string };
    const status = filter.imageStatus ?? 'ACTIVE';
    if (!['ANY', 'ACTIVE', 'ARCHIVED', 'ACTIVATING'].includes(status)) {
      throw new ApiError(400, 'InvalidParameterException', `Invalid parameter at 'filter.imageStatus': ${status}`);
    }
    const images = repo.images.filter((i) => {
      const s = i.seed.status ?? 'ACTIVE';
      if (status !== 'ANY' && s !== status) return false;
      const tagged = (i.seed.tags ?? []).length > 0;
      if (filter.tagStatus === 'TAGGED' && !tagged) return false;
      if (filter.tagStatus === 'UNTAGGED' && tagged) return false;
      return true;
    });
    const { page, nextToken } = this.page(images, input, `images:${repo.seed.repositoryName}:${status}`, fault, 100);
    const detail = (i: StoredImage) => {
      const s = i.seed;
      return {
        registryId: registry.seed.registryId,
        repositoryName: repo.seed.repositoryName,
        imageDigest: i.digest,
        ...(s.tags !== undefined && s.tags.length > 0 ? { imageTags: s.tags } : {}),
        imageSizeInBytes: s.sizeInBytes ?? i.manifest.length * 100,
        imagePushedAt: epochSeconds(s.pushedAt),
        imageManifestMediaType: s.mediaType ?? MEDIA_TYPE_DEFAULT,
        ...(s.artifactMediaType !== undefined ? { artifactMediaType: s.artifactMediaType } : {}),
        ...(s.lastRecordedPullTime !== undefined ? { lastRecordedPullTime: epochSeconds(s.lastRecordedPullTime) } : {}),
        ...(s.subjectManifestDigest !== undefined ? { subjectManifestDigest: s.subjectManifestDigest } : {}),
        imageStatus: s.status ?? 'ACTIVE',
        ...(s.lastArchivedAt !== undefined ? { lastArchivedAt: epochSeconds(s.lastArchivedAt) } : {}),
        ...(s.lastActivatedAt !== undefined ? { lastActivatedAt: epochSeconds(s.lastActivatedAt) } : {}),
      };
    };
    return { imageDetails: page.map(detail), ...(nextToken !== undefined ? { nextToken } : {}) };
  }

  private batchGetImage(input: Record<string, unknown>, registry: StoredRegistry): unknown {
    const repo = this.repository(registry, input.repositoryName);
    const ids = input.imageIds as { imageDigest?: string; imageTag?: string }[] | undefined;
    if (!Array.isArray(ids) || ids.length < 1 || ids.length > 100) {
      throw new ApiError(400, 'InvalidParameterException', "Invalid parameter at 'imageIds' failed to satisfy constraint: 'Member must have length between 1 and 100'");
    }
    const accepted = input.acceptedMediaTypes as string[] | undefined;
    const images: unknown[] = [];
    const failures: unknown[] = [];
    for (const id of ids) {
      const image = repo.images.find(
        (i) => (id.imageDigest === undefined || i.digest === id.imageDigest) && (id.imageTag === undefined || (i.seed.tags ?? []).includes(id.imageTag)),
      );
      const mediaType = image?.seed.mediaType ?? MEDIA_TYPE_DEFAULT;
      if (image === undefined) {
        failures.push({ imageId: id, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' });
      } else if (image.seed.batchGetFailure !== undefined) {
        failures.push({ imageId: id, ...image.seed.batchGetFailure });
      } else if (accepted !== undefined && !accepted.includes(mediaType)) {
        failures.push({ imageId: id, failureCode: 'ImageNotFound', failureReason: `Requested image media type ${mediaType} not accepted` });
      } else {
        images.push({
          registryId: registry.seed.registryId,
          repositoryName: repo.seed.repositoryName,
          imageId: { ...(id.imageDigest !== undefined ? { imageDigest: image.digest } : { imageDigest: image.digest, imageTag: id.imageTag }) },
          imageManifest: this.tampered.get(image.digest) ?? image.manifest,
          imageManifestMediaType: mediaType,
        });
      }
    }
    return { images, failures };
  }

  private getLifecyclePolicy(input: Record<string, unknown>, registry: StoredRegistry): unknown {
    const repo = this.repository(registry, input.repositoryName);
    if (repo.seed.lifecyclePolicyText === undefined) {
      throw new ApiError(
        400,
        'LifecyclePolicyNotFoundException',
        `Lifecycle policy does not exist for the repository with name '${repo.seed.repositoryName}' in the registry with id '${registry.seed.registryId}'`,
      );
    }
    return {
      registryId: registry.seed.registryId,
      repositoryName: repo.seed.repositoryName,
      lifecyclePolicyText: repo.seed.lifecyclePolicyText,
      ...(repo.seed.lastEvaluatedAt !== undefined ? { lastEvaluatedAt: epochSeconds(repo.seed.lastEvaluatedAt) } : {}),
    };
  }

  private getAccountSetting(input: Record<string, unknown>, registry: StoredRegistry): unknown {
    const setting = registry.seed.blobMounting ?? 'DISABLED';
    if (input.name !== 'BLOB_MOUNTING' || setting === 'unsupported') {
      throw new ApiError(400, 'ValidationException', `Invalid account setting name ${String(input.name)}`);
    }
    return { name: 'BLOB_MOUNTING', value: setting };
  }

  private async handleSts(body: string, accessKeyId: string | undefined, region: string | undefined, res: ServerResponse): Promise<void> {
    const params = new URLSearchParams(body);
    const action = params.get('Action') ?? '';
    this.record({ operation: action, target: `sts:${action}`, region, accessKeyId });
    const fault = this.takeFault(action, {});
    if (fault !== undefined) this.raiseFault(fault, action, undefined);
    if (action === 'GetCallerIdentity') {
      const arn = (accessKeyId !== undefined ? this.assumed.get(accessKeyId) : undefined) ?? this.callerArn;
      const xml = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>${arn}</Arn>
    <UserId>AROAFAKE:session</UserId>
    <Account>${arn.split(':')[4] ?? ''}</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>fake-sts</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>`;
      res.writeHead(200, { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(xml) });
      res.end(xml);
      return;
    }
    const roleArn = params.get('RoleArn') ?? '';
    const account = roleArn.split(':')[4] ?? '';
    if (action !== 'AssumeRole' || !/^\d{12}$/.test(account)) {
      res.writeHead(400, { 'Content-Type': 'text/xml' });
      res.end(`<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>bad request</Message></Error><RequestId>x</RequestId></ErrorResponse>`);
      return;
    }
    this.assumed.set(assumedAccessKeyId(account), `arn:aws:sts::${account}:assumed-role/${roleArn.split('/').pop() ?? ''}/${params.get('RoleSessionName') ?? ''}`);
    const xml = `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials>
      <AccessKeyId>${assumedAccessKeyId(account)}</AccessKeyId>
      <SecretAccessKey>${ASSUMED_SECRET_PREFIX}${account}</SecretAccessKey>
      <SessionToken>${ASSUMED_SESSION_TOKEN_PREFIX}${account}</SessionToken>
      <Expiration>2099-01-01T00:00:00Z</Expiration>
    </Credentials>
    <AssumedRoleUser>
      <AssumedRoleId>AROAFAKE:${params.get('RoleSessionName') ?? ''}</AssumedRoleId>
      <Arn>arn:aws:sts::${account}:assumed-role/${roleArn.split('/').pop() ?? ''}/${params.get('RoleSessionName') ?? ''}</Arn>
    </AssumedRoleUser>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>fake-sts</RequestId></ResponseMetadata>
</AssumeRoleResponse>`;
    res.writeHead(200, { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(xml) });
    res.end(xml);
  }
}

function encodeToken(offset: number, scope: string): string {
  return Buffer.from(JSON.stringify({ offset, scope })).toString('base64url');
}

function decodeToken(token: unknown, scope: string): number | undefined {
  if (typeof token !== 'string') return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { offset?: unknown; scope?: unknown };
    return parsed.scope === scope && typeof parsed.offset === 'number' ? parsed.offset : undefined;
  } catch {
    return undefined;
  }
}
