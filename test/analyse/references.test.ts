import { describe, expect, it } from 'vitest';
import { createResolver, parseImageReference, resolveReference, type ResolverTarget } from '../../src/analyse/references.js';
import type { ImageRecord, ManifestInfo } from '../../src/model/image.js';
import { buildContentGraph } from '../../src/analyse/graph.js';

const D1 = 'sha256:' + '1'.repeat(64);
const D2 = 'sha256:' + '2'.repeat(64);
const D3 = 'sha256:' + '3'.repeat(64);
const DA = 'sha256:' + 'a'.repeat(64);
const ACCOUNT = '123456789012';

type Row = [
  input: string,
  expected:
    | undefined
    | { host?: string; registryId?: string; region?: string; isEcr: boolean; repo: string; tag?: string; digest?: string },
];

const ecr = (host: string, registryId: string, region: string, repo: string, rest: { tag?: string; digest?: string } = {}) => ({
  host,
  registryId,
  region,
  isEcr: true,
  repo,
  ...rest,
});
const other = (host: string | undefined, repo: string, rest: { tag?: string; digest?: string } = {}) => ({
  ...(host === undefined ? {} : { host }),
  isEcr: false,
  repo,
  ...rest,
});

const ROWS: Row[] = [
  // ECR host forms
  [`${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/api:1.2.3`, ecr(`${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`, ACCOUNT, 'eu-west-1', 'api', { tag: '1.2.3' })],
  [`${ACCOUNT}.dkr.ecr-fips.us-gov-west-1.amazonaws.com/api:v1`, ecr(`${ACCOUNT}.dkr.ecr-fips.us-gov-west-1.amazonaws.com`, ACCOUNT, 'us-gov-west-1', 'api', { tag: 'v1' })],
  [`${ACCOUNT}.dkr.ecr-fips.us-east-1.amazonaws.com/api`, ecr(`${ACCOUNT}.dkr.ecr-fips.us-east-1.amazonaws.com`, ACCOUNT, 'us-east-1', 'api')],
  [`${ACCOUNT}.dkr-ecr.ap-southeast-2.on.aws/api:v2`, ecr(`${ACCOUNT}.dkr-ecr.ap-southeast-2.on.aws`, ACCOUNT, 'ap-southeast-2', 'api', { tag: 'v2' })],
  [`${ACCOUNT}.dkr-ecr-fips.us-east-2.on.aws/api@${D1}`, ecr(`${ACCOUNT}.dkr-ecr-fips.us-east-2.on.aws`, ACCOUNT, 'us-east-2', 'api', { digest: D1 })],
  [`${ACCOUNT}.dkr.ecr.cn-north-1.amazonaws.com.cn/api:prod`, ecr(`${ACCOUNT}.dkr.ecr.cn-north-1.amazonaws.com.cn`, ACCOUNT, 'cn-north-1', 'api', { tag: 'prod' })],
  [`${ACCOUNT}.dkr.ecr.cn-northwest-1.amazonaws.com.cn/team/api`, ecr(`${ACCOUNT}.dkr.ecr.cn-northwest-1.amazonaws.com.cn`, ACCOUNT, 'cn-northwest-1', 'team/api')],
  [`${ACCOUNT}.DKR.ECR.EU-WEST-1.AMAZONAWS.COM/api:v1`, ecr(`${ACCOUNT}.DKR.ECR.EU-WEST-1.AMAZONAWS.COM`, ACCOUNT, 'eu-west-1', 'api', { tag: 'v1' })],
  [`${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com:443/api:v1`, ecr(`${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com:443`, ACCOUNT, 'eu-west-1', 'api', { tag: 'v1' })],
  // nested repository names (pull-through cache, namespaces)
  [`${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/docker-hub/library/nginx:1.27-alpine`, ecr(`${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`, ACCOUNT, 'us-east-1', 'docker-hub/library/nginx', { tag: '1.27-alpine' })],
  [`${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/a/b/c/d_e/f.g/h__i/j--k:x`, ecr(`${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`, ACCOUNT, 'us-east-1', 'a/b/c/d_e/f.g/h__i/j--k', { tag: 'x' })],
  // tags with dots, dashes, underscores, uppercase
  [`${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/api:v1.2.3-rc.1_build-7`, ecr(`${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`, ACCOUNT, 'eu-west-1', 'api', { tag: 'v1.2.3-rc.1_build-7' })],
  [`${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/api:Release_2024.10`, ecr(`${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`, ACCOUNT, 'eu-west-1', 'api', { tag: 'Release_2024.10' })],
  [`${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/api:${'t'.repeat(128)}`, ecr(`${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`, ACCOUNT, 'eu-west-1', 'api', { tag: 't'.repeat(128) })],
  [`${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/api:${'t'.repeat(129)}`, undefined],
  [`${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/api:.hidden`, undefined],
  [`${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/api:-dash`, undefined],
  [`${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/api:`, undefined],
  // digest only, tag + digest, bad digests
  [`${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/api@${DA}`, ecr(`${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`, ACCOUNT, 'eu-west-1', 'api', { digest: DA })],
  [`${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/api:v1@${DA}`, ecr(`${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`, ACCOUNT, 'eu-west-1', 'api', { tag: 'v1', digest: DA })],
  [`${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/api@sha256:${'A'.repeat(64)}`, undefined],
  [`${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/api@sha256:${'a'.repeat(63)}`, undefined],
  [`${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/api@sha512:${'a'.repeat(128)}`, undefined],
  [`${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/api@${DA}@${DA}`, undefined],
  // not ECR: wrong account length, unknown suffix, ECR Public
  [`12345678901.dkr.ecr.eu-west-1.amazonaws.com/api:v1`, other('12345678901.dkr.ecr.eu-west-1.amazonaws.com', 'api', { tag: 'v1' })],
  [`${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com.evil.example/api`, other(`${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com.evil.example`, 'api')],
  ['public.ecr.aws/nginx/nginx:1.27', other('public.ecr.aws', 'nginx/nginx', { tag: '1.27' })],
  [`public.ecr.aws/lambda/python:3.12@${D1}`, other('public.ecr.aws', 'lambda/python', { tag: '3.12', digest: D1 })],
  // Docker Hub shorthand and explicit
  ['nginx', other(undefined, 'nginx')],
  ['nginx:1.27', other(undefined, 'nginx', { tag: '1.27' })],
  ['library/nginx:latest', other(undefined, 'library/nginx', { tag: 'latest' })],
  ['docker.io/library/nginx', other('docker.io', 'library/nginx')],
  ['bitnami/redis:7.2', other(undefined, 'bitnami/redis', { tag: '7.2' })],
  // other registries, ports, localhost
  ['ghcr.io/owner/app:sha-abc123', other('ghcr.io', 'owner/app', { tag: 'sha-abc123' })],
  ['quay.io/prometheus/node-exporter:v1.8.2', other('quay.io', 'prometheus/node-exporter', { tag: 'v1.8.2' })],
  ['registry.k8s.io/pause:3.9', other('registry.k8s.io', 'pause', { tag: '3.9' })],
  ['localhost:5000/app:dev', other('localhost:5000', 'app', { tag: 'dev' })],
  ['localhost/app', other('localhost', 'app')],
  ['registry.internal:8443/team/app:1', other('registry.internal:8443', 'team/app', { tag: '1' })],
  ['[::1]:5000/app:1', other('[::1]:5000', 'app', { tag: '1' })],
  ['10.0.0.1:5000/app', other('10.0.0.1:5000', 'app')],
  // uppercase repository (invalid), bad separators
  [`${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/API:v1`, undefined],
  ['Nginx', undefined],
  [`${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/api-/x`, undefined],
  [`${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/a//b`, undefined],
  [`${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/`, undefined],
  ['-bad.example.com/app', undefined],
  // whitespace
  [`  ${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/api:v1\t`, ecr(`${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`, ACCOUNT, 'eu-west-1', 'api', { tag: 'v1' })],
  [`${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/api :v1`, undefined],
  ['', undefined],
  ['   ', undefined],
  // garbage
  ['https://example.com/app', undefined],
  ['{{ .Values.image }}', undefined],
  ['${IMAGE}', undefined],
  [':v1', undefined],
  ['@' + D1, undefined],
  ['a'.repeat(256), undefined],
];

describe('parseImageReference', () => {
  it('has enough rows', () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(40);
  });

  it.each(ROWS)('%s', (input, expected) => {
    const ref = parseImageReference(input);
    if (expected === undefined) {
      expect(ref).toBeUndefined();
      return;
    }
    expect(ref).toEqual({
      raw: input.trim(),
      ...(expected.host === undefined ? {} : { registryHost: expected.host }),
      ...(expected.registryId === undefined ? {} : { registryId: expected.registryId, region: expected.region }),
      isEcr: expected.isEcr,
      repositoryName: expected.repo,
      ...(expected.tag === undefined ? {} : { tag: expected.tag }),
      ...(expected.digest === undefined ? {} : { digest: expected.digest }),
    });
  });
});

const image = (imageDigest: string, imageTags: string[], imagePushedAt: number): ImageRecord => ({
  imageDigest,
  imageTags,
  imagePushedAt,
  imageStatus: 'ACTIVE',
});

const INDEX: ManifestInfo = {
  digest: D3,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  kind: 'index',
  layers: [],
  children: [{ digest: DA }, { digest: D2 }],
};

function target(extra: Partial<ResolverTarget> = {}): ResolverTarget {
  return {
    registryId: ACCOUNT,
    region: 'eu-west-1',
    repositories: new Map([
      ['api', { images: [image(D1, ['v1', 'latest'], 1000), image(D2, ['v2'], 2000)] }],
      ['team/web', { images: [image(D3, ['v1'], 1000), image(D2, [], 900)], manifests: new Map([[D3, INDEX]]) }],
      ['no-latest', { images: [image(D1, ['v1'], 1000)] }],
    ]),
    ...extra,
  };
}

const HOST = `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`;

describe('createResolver', () => {
  const resolve = createResolver(target());
  const r = (s: string) => resolve(parseImageReference(s)!);

  it.each([
    [`${HOST}/api:v1`, { status: 'resolved', repositoryName: 'api', imageDigest: D1, by: 'tag' }],
    [`${HOST}/api:v2`, { status: 'resolved', repositoryName: 'api', imageDigest: D2, by: 'tag' }],
    [`${HOST}/api`, { status: 'resolved', repositoryName: 'api', imageDigest: D1, by: 'tag' }],
    [`${HOST}/api@${D2}`, { status: 'resolved', repositoryName: 'api', imageDigest: D2, by: 'digest' }],
    // the digest wins over the tag, even when the tag names another image
    [`${HOST}/api:v1@${D2}`, { status: 'resolved', repositoryName: 'api', imageDigest: D2, by: 'digest' }],
    // a child listed by an index: an image record itself, or only in the index manifest
    [`${HOST}/team/web@${D2}`, { status: 'resolved', repositoryName: 'team/web', imageDigest: D2, by: 'digest' }],
    [`${HOST}/team/web@${DA}`, { status: 'resolved', repositoryName: 'team/web', imageDigest: DA, by: 'digest', viaIndex: D3 }],
    [`${ACCOUNT}.dkr-ecr.eu-west-1.on.aws/api:v1`, { status: 'resolved', repositoryName: 'api', imageDigest: D1, by: 'tag' }],
  ])('%s resolves', (ref, expected) => {
    expect(r(ref)).toEqual(expected);
  });

  it.each([
    [`${HOST}/api:v3`, 'api', /no image is tagged "v3"/],
    [`${HOST}/api@${DA}`, 'api', /digest/],
    [`${HOST}/no-latest`, 'no-latest', /"latest" \(no tag or digest given/],
    [`${HOST}/missing:v1`, 'missing', /not in the snapshot/],
  ])('%s is unresolved', (ref, repositoryName, why) => {
    const res = r(ref);
    expect(res).toMatchObject({ status: 'unresolved', repositoryName });
    if (res.status === 'unresolved') expect(res.why).toMatch(why);
  });

  it.each([
    'nginx:1.27',
    'public.ecr.aws/nginx/nginx:1.27',
    `999999999999.dkr.ecr.eu-west-1.amazonaws.com/api:v1`,
    `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/api:v1`,
  ])('%s is another registry', (ref) => {
    expect(r(ref)).toEqual({ status: 'other-registry' });
  });

  it('skips the registry check for what the target does not know', () => {
    const loose = createResolver(target({ registryId: undefined, region: undefined }));
    expect(loose(parseImageReference(`999999999999.dkr.ecr.us-east-1.amazonaws.com/api:v1`)!)).toMatchObject({ status: 'resolved' });
    // a reference without registry fields (recent pulls) matches any target
    expect(resolve({ raw: `api@${D2}`, isEcr: true, repositoryName: 'api', digest: D2 })).toMatchObject({ status: 'resolved', imageDigest: D2 });
  });

  it('resolves a tag held by two images (inconsistent snapshot) to the newest', () => {
    const t: ResolverTarget = { repositories: new Map([['api', { images: [image(D1, ['x'], 1), image(D2, ['x'], 5)] }]]) };
    expect(resolveReference(parseImageReference(`${HOST}/api:x`)!, t)).toMatchObject({ imageDigest: D2 });
  });

  it('with tagsNamed, resolves the named tags exactly as without, and only those', () => {
    const images = [image(D1, ['v1', 'latest'], 1000), image(D2, ['v2', 'x'], 2000), image(D3, ['x'], 5)];
    const full = createResolver({ repositories: new Map([['api', { images }]]) });
    const narrow = createResolver({ repositories: new Map([['api', { images, tagsNamed: new Set(['latest', 'x']) }]]) });
    for (const ref of [`${HOST}/api`, `${HOST}/api:x`, `${HOST}/api@${D1}`]) {
      expect(narrow(parseImageReference(ref)!), ref).toEqual(full(parseImageReference(ref)!));
    }
    expect(narrow(parseImageReference(`${HOST}/api:v2`)!)).toMatchObject({ status: 'unresolved' });
  });

  it("with the content graph's parentsOf, resolves index children exactly as from the manifests (the smallest index wins)", () => {
    const D4 = 'sha256:' + '4'.repeat(64);
    const DB = 'sha256:' + 'b'.repeat(64);
    const other: ManifestInfo = { ...INDEX, digest: D4, children: [{ digest: DA }, { digest: DB }] };
    const images = [image(D4, ['v2'], 2000), image(D3, ['v1'], 1000), image(D2, [], 900)];
    const manifests = new Map([[D3, INDEX], [D4, other]]);
    const graph = buildContentGraph({ repositoryName: 'team/web', images, manifests, manifestsLoaded: true });
    const plain = createResolver({ repositories: new Map([['team/web', { images, manifests }]]) });
    const viaGraph = createResolver({ repositories: new Map([['team/web', { images, manifests, imagesByDigest: graph.images, parentsOf: graph.parentsOf }]]) });
    for (const d of [DA, DB, D2, D3, D4, D1]) {
      const ref = parseImageReference(`${HOST}/team/web@${d}`)!;
      expect(viaGraph(ref), d).toEqual(plain(ref));
    }
    expect(viaGraph(parseImageReference(`${HOST}/team/web@${DA}`)!)).toMatchObject({ viaIndex: D3 });
    expect(viaGraph(parseImageReference(`${HOST}/team/web@${DB}`)!)).toMatchObject({ viaIndex: D4 });
  });
});
