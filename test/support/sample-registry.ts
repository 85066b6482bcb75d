import { createHash } from 'node:crypto';

// Generates samples/registry (a snapshot directory) deterministically: manifests are real JSON and
// every imageDigest is the sha256 of its manifest text, so the samples look and behave like the
// output of `aws ecr describe-images` / `batch-get-image`. Designed so that every finding fires:
// see the README section "The bundled samples". Regenerate with UPDATE_SAMPLES=1 npx vitest run test/samples.test.ts

export const SAMPLE_NOW = '2026-11-22T00:00:00Z';
export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const HOST = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
const MiB = 1024 * 1024;

interface Blob { digest: string; size: number }
const blob = (name: string, size: number): Blob => ({ digest: sha(`blob:${name}`), size });

// Base layers shared by many images.
const debian = [blob('debian-bookworm-rootfs', 29 * MiB + 123_456), blob('debian-bookworm-ca-certs', 412_331)];
const python = (v: string) => [...debian, blob(`python-${v}-runtime`, 48 * MiB + v.length * 7919), blob(`python-${v}-pip`, 3 * MiB + 1_024)];
const node20 = [...debian, blob('node-20-runtime', 44 * MiB + 77_777)];

interface ImageSpec {
  manifest: string;
  mediaType: string;
  digest: string;
  tags: string[];
  pushedAt: string;
  size: number;
  lastPull?: string;
  status?: 'ACTIVE' | 'ARCHIVED' | 'ACTIVATING';
  archivedAt?: string;
  activatedAt?: string;
  artifactMediaType?: string;
  subject?: string;
}

function imageManifest(name: string, layers: Blob[], oci = false, extra: Record<string, unknown> = {}): { text: string; mediaType: string; size: number } {
  const config = blob(`config:${name}`, 6_000 + name.length * 13);
  const m = {
    schemaVersion: 2,
    mediaType: oci ? OCI_MANIFEST : DOCKER_MANIFEST,
    config: { mediaType: oci ? OCI_CONFIG : DOCKER_CONFIG, size: config.size, digest: config.digest },
    layers: layers.map((l) => ({ mediaType: oci ? OCI_LAYER : DOCKER_LAYER, size: l.size, digest: l.digest })),
    ...extra,
  };
  const text = JSON.stringify(m, null, 3);
  return { text, mediaType: m.mediaType, size: config.size + layers.reduce((a, l) => a + l.size, 0) };
}

function image(name: string, layers: Blob[], tags: string[], pushedAt: string, more: Partial<ImageSpec> = {}, oci = false): ImageSpec {
  const m = imageManifest(name, layers, oci);
  return { manifest: m.text, mediaType: m.mediaType, digest: sha(m.text), tags, pushedAt, size: m.size, ...more };
}

function index(children: ImageSpec[], platforms: string[], tags: string[], pushedAt: string, more: Partial<ImageSpec> = {}): ImageSpec {
  const m = {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: children.map((c, i) => ({
      mediaType: c.mediaType, size: Buffer.byteLength(c.manifest), digest: c.digest,
      platform: { architecture: platforms[i], os: 'linux' },
    })),
  };
  const text = JSON.stringify(m, null, 3);
  return { manifest: text, mediaType: OCI_INDEX, digest: sha(text), tags, pushedAt, size: Math.max(...children.map((c) => c.size)), ...more };
}

function referrer(name: string, subject: ImageSpec, artifactType: string, pushedAt: string): ImageSpec {
  const layer = blob(`artifact:${name}`, 24_000 + name.length);
  const m = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType,
    config: { mediaType: 'application/vnd.oci.empty.v1+json', size: 2, digest: sha('{}') },
    layers: [{ mediaType: 'application/spdx+json', size: layer.size, digest: layer.digest }],
    subject: { mediaType: subject.mediaType, size: Buffer.byteLength(subject.manifest), digest: subject.digest },
  };
  const text = JSON.stringify(m, null, 3);
  return { manifest: text, mediaType: OCI_MANIFEST, digest: sha(text), tags: [], pushedAt, size: layer.size + 2, artifactMediaType: artifactType, subject: subject.digest };
}

/** A cosign tag-scheme signature: tag `sha256-<hex>.sig`, an ordinary tagged image. */
function cosignSignature(signed: ImageSpec, pushedAt: string): ImageSpec {
  const layer = blob(`cosign-sig:${signed.digest}`, 245 + signed.digest.length);
  const m = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, size: 233, digest: sha(`cosign-config:${signed.digest}`) },
    layers: [{
      mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', size: layer.size, digest: layer.digest,
      annotations: { 'dev.cosignproject.cosign/signature': 'MEUCIQD' + signed.digest.slice(7, 40) },
    }],
  };
  const text = JSON.stringify(m, null, 3);
  return { manifest: text, mediaType: OCI_MANIFEST, digest: sha(text), tags: [`sha256-${signed.digest.slice(7)}.sig`], pushedAt, size: layer.size + 233 };
}

interface RepoSpec { name: string; images: ImageSpec[]; policy?: unknown }

function rule(rulePriority: number, description: string, selection: Record<string, unknown>, action: Record<string, unknown> = { type: 'expire' }) {
  return { rulePriority, description, selection, action };
}

export function sampleRepositories(): RepoSpec[] {
  // shop/api: releases, a moved `latest`, cosign signatures, an SBOM referrer.
  const releases = Array.from({ length: 9 }, (_, i) => {
    const day = new Date(Date.UTC(2026, 8, 20 + i * 7)).toISOString().replace('.000Z', '+00:00');
    return image(`shop-api-release-1.${i}`, [...python('3.12'), blob(`shop-api-app-1.${i}`, 7 * MiB + i * 4_099)], [`release-1.${i}`], day,
      { lastPull: i >= 4 ? '2026-11-21T06:12:44+00:00' : undefined });
  });
  releases[8]!.tags.push('latest');
  // The image `latest` pointed at until release-1.7's hotfix build moved it: now untagged, still pinned by digest in a CronJob.
  const oldLatest = image('shop-api-hotfix-2026-10-30', [...python('3.12'), blob('shop-api-app-hotfix', 7 * MiB + 333)], [], '2026-10-30T16:40:00+00:00', { lastPull: '2026-11-21T02:00:00+00:00' });
  const signatures = releases.slice(4).map((r, i) => cosignSignature(r, new Date(Date.parse(r.pushedAt) + 90_000).toISOString().replace('.000Z', '+00:00')));
  const sbom = referrer('sbom-release-1.3', releases[3]!, 'application/spdx+json', '2026-10-11T00:05:00+00:00');
  const shopApi: RepoSpec = {
    name: 'shop/api',
    images: [...releases, oldLatest, ...signatures, sbom],
    policy: { rules: [
      rule(1, 'Keep the last 5 releases', { tagStatus: 'tagged', tagPatternList: ['release-*'], countType: 'imageCountMoreThan', countNumber: 5 }),
      rule(2, 'Keep 3 signatures', { tagStatus: 'tagged', tagPrefixList: ['sha256-'], countType: 'imageCountMoreThan', countNumber: 3 }),
      rule(3, 'Untagged images after 7 days', { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 }),
      rule(4, 'Cap everything else at 30', { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 30 }),
    ] },
  };

  // shop/web: multi-arch indexes, archive rules, an ACTIVATING restore.
  const platforms = ['amd64', 'arm64'];
  const web = (v: string, pushedAt: string, more: Partial<ImageSpec> = {}) => {
    const children = platforms.map((a) => image(`shop-web-${v}-${a}`, [...node20.map((b) => ({ ...b, digest: a === 'amd64' ? b.digest : sha(`${b.digest}:${a}`) })), blob(`shop-web-app-${v}-${a}`, 2 * MiB + v.length * 31)], [], pushedAt, {}, true));
    return [index(children, platforms, [v], pushedAt, more), ...children];
  };
  const web23 = web('v2.3.0', '2026-09-01T10:00:00+00:00', { lastPull: '2026-11-21T23:10:00+00:00' });
  const web24 = web('v2.4.0', '2026-11-10T10:00:00+00:00', { lastPull: '2026-11-21T23:10:00+00:00' });
  const archivedOld = image('shop-web-v1.9.0', node20, ['v1.9.0'], '2025-12-01T09:00:00+00:00', { status: 'ARCHIVED', archivedAt: '2026-03-01T00:00:00+00:00' });
  const archivedRecent = image('shop-web-v2.0.0', node20, ['v2.0.0'], '2026-06-01T09:00:00+00:00', { status: 'ARCHIVED', archivedAt: '2026-09-15T00:00:00+00:00' });
  const restoring = image('shop-web-v2.1.0', node20, ['v2.1.0'], '2026-07-01T09:00:00+00:00', { status: 'ACTIVATING', archivedAt: '2026-09-20T00:00:00+00:00' });
  const shopWeb: RepoSpec = {
    name: 'shop/web',
    images: [...web23, ...web24, archivedOld, archivedRecent, restoring],
    policy: { rules: [
      rule(1, 'Archive releases 60 days after push', { tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 60 }, { type: 'transition', targetStorageClass: 'archive' }),
      rule(2, 'Delete archived images after 180 days in archive', { tagStatus: 'any', storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 180 }),
      rule(3, 'Untagged after 14 days', { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 }),
    ] },
  };

  // platform/base: base images that Dockerfiles build FROM.
  const bases = ['3.10', '3.11', '3.12', '3.13'].map((v, i) =>
    image(`python-base-${v}`, python(v), [`python-${v}`], new Date(Date.UTC(2026, 5 + i, 3)).toISOString().replace('.000Z', '+00:00'), { lastPull: '2026-11-20T08:00:00+00:00' }));
  const platformBase: RepoSpec = {
    name: 'platform/base',
    images: bases,
    policy: { rules: [
      rule(1, 'Keep two Python bases', { tagStatus: 'tagged', tagPrefixList: ['python-'], countType: 'imageCountMoreThan', countNumber: 2 }),
      rule(2, 'Untagged after 30 days', { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 }),
    ] },
  };

  // tools/ci-runner: not declared in use anywhere, but pulled yesterday.
  const runners = Array.from({ length: 6 }, (_, i) =>
    image(`ci-runner-${101 + i}`, [...debian, blob(`ci-runner-tools-${101 + i}`, 90 * MiB + i)], [`build-${101 + i}`], new Date(Date.UTC(2026, 10, 1 + i * 3)).toISOString().replace('.000Z', '+00:00'),
      { lastPull: i === 1 ? '2026-11-21T04:00:00+00:00' : undefined }));
  const ciRunner: RepoSpec = {
    name: 'tools/ci-runner',
    images: runners,
    policy: { rules: [rule(1, 'Keep 3 images', { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 3 })] },
  };

  // legacy/batch: no lifecycle policy at all.
  const legacy: RepoSpec = {
    name: 'legacy/batch',
    images: [image('legacy-batch-2024', node20, ['2024.06'], '2024-06-11T12:00:00+00:00')],
  };
  return [shopApi, shopWeb, platformBase, ciRunner, legacy];
}

const pretty = (v: unknown) => JSON.stringify(v, null, 2) + '\n';

/** Every file of samples/registry, path relative to it -> content. */
export function sampleRegistryFiles(): Map<string, string> {
  const files = new Map<string, string>();
  files.set('registry.json', pretty({ registryId: ACCOUNT, region: REGION, blobMounting: false }));
  for (const repo of sampleRepositories()) {
    const images = [...repo.images].sort((a, b) => (a.digest < b.digest ? -1 : 1));
    files.set(`${repo.name}/describe-images.json`, pretty({
      imageDetails: images.map((i) => ({
        registryId: ACCOUNT,
        repositoryName: repo.name,
        imageDigest: i.digest,
        ...(i.tags.length ? { imageTags: i.tags } : {}),
        imageSizeInBytes: i.size,
        imagePushedAt: i.pushedAt,
        imageManifestMediaType: i.mediaType,
        ...(i.artifactMediaType ? { artifactMediaType: i.artifactMediaType } : {}),
        ...(i.lastPull ? { lastRecordedPullTime: i.lastPull } : {}),
        ...(i.subject ? { subjectManifestDigest: i.subject } : {}),
        imageStatus: i.status ?? 'ACTIVE',
        ...(i.archivedAt ? { lastArchivedAt: i.archivedAt } : {}),
        ...(i.activatedAt ? { lastActivatedAt: i.activatedAt } : {}),
      })),
    }));
    files.set(`${repo.name}/batch-get-image.json`, pretty({
      images: images.map((i) => ({ registryId: ACCOUNT, repositoryName: repo.name, imageId: { imageDigest: i.digest }, imageManifest: i.manifest, imageManifestMediaType: i.mediaType })),
      failures: [],
    }));
    if (repo.policy) {
      files.set(`${repo.name}/get-lifecycle-policy.json`, pretty({
        registryId: ACCOUNT, repositoryName: repo.name, lifecyclePolicyText: JSON.stringify(repo.policy), lastEvaluatedAt: '2026-11-21T03:00:00+00:00',
      }));
    }
    files.set(`${repo.name}/repository.json`, pretty({
      repositoryName: repo.name, registryId: ACCOUNT, lifecyclePolicyStatus: repo.policy ? 'present' : 'none', complete: true, snapshotAt: '2026-11-21T23:59:00Z',
    }));
  }
  return files;
}

/** Digests the in-use samples refer to, by a readable name. */
export function sampleDigests(): Record<string, string> {
  const repos = sampleRepositories();
  const api = repos[0]!.images;
  const web = repos[1]!.images;
  return {
    oldLatest: api.find((i) => i.tags.length === 0 && !i.subject)!.digest,
    release16: api.find((i) => i.tags.includes('release-1.6'))!.digest,
    web230: web.find((i) => i.tags.includes('v2.3.0'))!.digest,
    web230amd64: web[1]!.digest,
    web240: web.find((i) => i.tags.includes('v2.4.0'))!.digest,
  };
}

/** Every file of samples/in-use, path relative to it -> content. */
export function sampleInUseFiles(): Map<string, string> {
  const d = sampleDigests();
  const files = new Map<string, string>();
  const pod = (ns: string, name: string, image: string, imageID: string, node: string, init?: { image: string; imageID: string }) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, uid: sha(`uid:${name}`).slice(7, 43), labels: { app: name.split('-')[0] } },
    spec: {
      ...(init ? { initContainers: [{ name: 'migrate', image: init.image }] } : {}),
      containers: [{ name: 'app', image, ports: [{ containerPort: 8080, protocol: 'TCP' }] }],
      nodeName: node,
    },
    status: {
      phase: 'Running',
      ...(init ? { initContainerStatuses: [{ name: 'migrate', image: init.image, imageID: init.imageID, ready: true, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] } : {}),
      containerStatuses: [{ name: 'app', image, imageID, ready: true, restartCount: 0, started: true, state: { running: { startedAt: '2026-11-20T08:14:02Z' } } }],
    },
  });
  files.set('kubernetes/production-pods.json', pretty({
    apiVersion: 'v1',
    kind: 'List',
    items: [
      pod('shop', 'api-7d9f8c6b5-x2k4q', `${HOST}/shop/api:release-1.6`, `${HOST}/shop/api@${d.release16}`, 'ip-10-0-12-34.eu-west-1.compute.internal',
        { image: `${HOST}/shop/api:release-1.6`, imageID: `${HOST}/shop/api@${d.release16}` }),
      pod('shop', 'web-5c8d7f9b4-h7p2m', `${HOST}/shop/web:v2.4.0`, `${HOST}/shop/web@${d.web240}`, 'ip-10-0-14-2.eu-west-1.compute.internal'),
      // An older node pulled v2.3.0 and the runtime recorded the platform manifest digest (amd64 child of the index).
      pod('shop', 'web-legacy-0', `${HOST}/shop/web@${d.web230amd64}`, `${HOST}/shop/web@${d.web230amd64}`, 'ip-10-0-15-9.eu-west-1.compute.internal'),
      pod('kube-system', 'coredns-6d4b75cb6d-2xz7b', 'registry.k8s.io/coredns/coredns:v1.11.1', 'registry.k8s.io/coredns/coredns@sha256:1eeb4c7316bacb1d4c8ead65571cd92dd21e27359f0d4917f1a5822a73b75db1', 'ip-10-0-12-34.eu-west-1.compute.internal'),
    ],
    metadata: { resourceVersion: '' },
  }));
  files.set('kubernetes/helm-shop-api.yaml', `---
# Source: shop-api/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop-api-canary
  namespace: shop
  labels:
    app.kubernetes.io/name: shop-api
    app.kubernetes.io/instance: canary
spec:
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: shop-api
  template:
    metadata:
      labels:
        app.kubernetes.io/name: shop-api
    spec:
      containers:
        - name: shop-api
          # Pinned to an older release while the canary investigation runs.
          image: "${HOST}/shop/api:release-1.2"
          imagePullPolicy: IfNotPresent
---
# Source: shop-api/templates/cronjob-reindex.yaml
apiVersion: batch/v1
kind: CronJob
metadata:
  name: shop-api-reindex
  namespace: shop
spec:
  schedule: "17 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: reindex
              # Pinned by digest: this was "latest" on 2026-10-30 before the tag moved on.
              image: ${HOST}/shop/api@${d.oldLatest}
              args: ["reindex", "--all"]
`);
  files.set('ecs/web-task-definition.json', pretty({
    taskDefinition: {
      taskDefinitionArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/shop-web-batch:42`,
      family: 'shop-web-batch',
      revision: 42,
      status: 'ACTIVE',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '512',
      memory: '1024',
      containerDefinitions: [{
        name: 'web-batch',
        image: `${HOST}/shop/web:v2.3.0`,
        essential: true,
        logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/shop-web-batch', 'awslogs-region': REGION, 'awslogs-stream-prefix': 'ecs' } },
      }],
    },
  }));
  files.set('lambda/thumbnailer.json', pretty({
    Configuration: {
      FunctionName: 'shop-thumbnailer',
      FunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:shop-thumbnailer`,
      PackageType: 'Image',
      MemorySize: 1024,
      Timeout: 30,
      State: 'Active',
      LastUpdateStatus: 'Successful',
    },
    Code: {
      RepositoryType: 'ECR',
      ImageUri: `${HOST}/shop/api:release-1.5`,
      ResolvedImageUri: `${HOST}/shop/api@${sampleRepositories()[0]!.images.find((i) => i.tags.includes('release-1.5'))!.digest}`,
    },
  }));
  files.set('images.txt', `# Images the on-call runbook says must stay pullable.
${HOST}/shop/api:release-1.8
${HOST}/shop/api:release-0.9   # rollback target named in the runbook
docker.io/library/redis:7.2
`);
  files.set('build/Dockerfile', `# syntax=docker/dockerfile:1
ARG REGISTRY=${HOST}
ARG PYTHON=3.11
FROM --platform=linux/amd64 \${REGISTRY}/platform/base:python-\${PYTHON} AS build
WORKDIR /src
COPY . .
RUN pip wheel --wheel-dir /wheels .

FROM \${REGISTRY}/platform/base:python-3.12
COPY --from=build /wheels /wheels
RUN pip install /wheels/*.whl
`);
  return files;
}
