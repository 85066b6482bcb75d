import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { benchPolicy, BRANCH_WORDS, typicalPolicy } from './policies.js';
import { deriveSeed, mulberry32, type Prng } from './prng.js';

// Synthetic registries in the snapshot layout src/load/snapshot.ts reads (what `snapshot`
// writes): OUT/registry.json and, per repository, OUT/<name>/{describe-images,batch-get-image,
// get-lifecycle-policy,repository}.json, plus in-use files under OUT-in-use/. Everything is a
// function of the seed: each repository draws from its own PRNG (seed + name), so a repository
// is the same whichever other repositories are generated with it.

export const BENCH_NOW = '2026-06-01T00:00:00Z';
export const BENCH_REGISTRY = { registryId: '123456789012', region: 'eu-west-1' } as const;
/** The repository that gets the 50-rule policy (the first one generated). */
export const LARGE_REPOSITORY = 'platform/api';

const DAY_MS = 86_400_000;
const HISTORY_DAYS = 730;

export const MEDIA = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  cosignLayer: 'application/vnd.dev.cosign.simplesigning.v1+json',
  spdx: 'application/spdx+json',
} as const;

export interface GenerateOptions {
  /** Snapshot directory to create (replaced when it exists). In-use files go to `${out}-in-use`. */
  out: string;
  seed: number;
  /** Images per repository (every describe-images entry counts: index children, signatures, referrers). */
  images: number;
  repositories: number;
  /** Evaluation time the history ends at; default BENCH_NOW. */
  now?: string;
  blobMounting?: boolean;
}

export interface GeneratedRepository {
  repositoryName: string;
  images: number;
  /** Bytes of the repository's files (its input size). */
  bytes: number;
}

export interface GeneratedSnapshot {
  dir: string;
  inUseDir: string;
  seed: number;
  imagesPerRepository: number;
  now: string;
  registryId: string;
  region: string;
  /** Sorted by repositoryName. */
  repositories: GeneratedRepository[];
  totalImages: number;
  totalBytes: number;
  largestRepositoryBytes: number;
}

interface Blob {
  digest: string;
  size: number;
}

/** One describe-images entry with its manifest. */
export interface SyntheticImage {
  digest: string;
  manifest: string;
  mediaType: string;
  pushedAt: number;
  tags: string[];
  size: number;
  artifactMediaType?: string;
  subject?: string;
  lastRecordedPullTime?: number;
  status: 'ACTIVE' | 'ARCHIVED';
  lastArchivedAt?: number;
  lastActivatedAt?: number;
  /** Top-level images (not index children, signatures or referrers) can be in use. */
  topLevel: boolean;
}

type BranchKind = 'main' | 'feature' | 'bugfix' | 'hotfix' | 'chore' | 'pr';
interface Build {
  branch: BranchKind;
  multiArch: boolean;
  sign: boolean;
  sbom: boolean;
  oci: boolean;
}

const BASE_SET_COUNT = 36;

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
const blobDigest = (prng: Prng): string => `sha256:${prng.hex(64)}`;

/** ISO-8601 as the AWS CLI prints it: 2026-05-01T10:00:00+00:00 (whole seconds). */
export function awsTimestamp(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}+00:00`;
}

/** Base layer sets shared by every repository of the registry (a few dozen base images). */
function baseLayerSets(seed: number): Blob[][] {
  const prng = mulberry32(deriveSeed(seed, 'base-layers'));
  return Array.from({ length: BASE_SET_COUNT }, () =>
    Array.from({ length: prng.int(1, 4) }, (_, i) => ({ digest: blobDigest(prng), size: i === 0 ? prng.int(2_000_000, 80_000_000) : prng.int(100_000, 20_000_000) })),
  );
}

/** Repository names: the large one first, then team/service pairs. */
export function repositoryNames(count: number): string[] {
  const teams = ['shop', 'data', 'identity', 'mobile', 'infra', 'search', 'payments', 'ml', 'growth', 'support', 'media', 'ops'];
  const services = ['api', 'web', 'worker', 'scheduler', 'gateway', 'indexer', 'exporter', 'notifier', 'proxy', 'backend', 'frontend', 'jobs', 'cron', 'ingest', 'stream', 'admin', 'auth', 'billing', 'reports', 'sync'];
  const names = [LARGE_REPOSITORY];
  for (let k = 0; names.length < count; k++) {
    const round = Math.floor(k / (teams.length * services.length));
    const name = `${teams[k % teams.length]}/${services[Math.floor(k / teams.length) % services.length]}${round > 0 ? `-${round}` : ''}`;
    if (name !== LARGE_REPOSITORY) names.push(name);
  }
  return names;
}

function planBuilds(prng: Prng, images: number): Build[] {
  const builds: Build[] = [];
  let remaining = images;
  while (remaining > 0) {
    const r = prng.next();
    const branch: BranchKind = r < 0.45 ? 'main' : r < 0.8 ? 'feature' : r < 0.9 ? 'bugfix' : r < 0.94 ? 'hotfix' : r < 0.97 ? 'chore' : 'pr';
    const build: Build = { branch, multiArch: prng.chance(0.2), sign: branch === 'main' && prng.chance(0.25), sbom: prng.chance(0.1), oci: prng.chance(0.6) };
    const size = (): number => (build.multiArch ? 3 : 1) + (build.sign ? 1 : 0) + (build.sbom ? 1 : 0);
    if (size() > remaining) build.sbom = false;
    if (size() > remaining) build.sign = false;
    if (size() > remaining) build.multiArch = false;
    remaining -= size();
    builds.push(build);
  }
  return builds;
}

/** Push times of the builds, ascending over two years, denser towards `now` (a growing team). */
function pushTimes(prng: Prng, count: number, now: number): number[] {
  const end = now - 2 * 3_600_000;
  const span = HISTORY_DAYS * DAY_MS;
  const times = Array.from({ length: count }, () => Math.floor((end - span * (1 - Math.sqrt(prng.next()))) / 1000) * 1000);
  return times.sort((a, b) => a - b);
}

function imageManifest(oci: boolean, config: Blob, layers: Blob[]): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: oci ? MEDIA.ociManifest : MEDIA.dockerManifest,
    config: { mediaType: oci ? MEDIA.ociConfig : MEDIA.dockerConfig, size: config.size, digest: config.digest },
    layers: layers.map((l) => ({ mediaType: oci ? MEDIA.ociLayer : MEDIA.dockerLayer, size: l.size, digest: l.digest })),
  });
}

interface RepositoryContent {
  images: SyntheticImage[];
}

/** Generates one repository's images (pure: a function of seed, name, count and now). */
export function generateRepositoryImages(seed: number, repositoryName: string, count: number, now: number): RepositoryContent {
  const prng = mulberry32(deriveSeed(seed, repositoryName));
  const bases = baseLayerSets(seed);
  // Popular bases are shared by many repositories: a skewed pick favours the first sets.
  const repoBases = Array.from({ length: prng.int(1, 3) }, () => Math.floor(BASE_SET_COUNT * prng.next() ** 3));
  const builds = planBuilds(prng, count);
  const times = pushTimes(prng, builds.length, now);
  const start = now - HISTORY_DAYS * DAY_MS;

  const images: SyntheticImage[] = [];
  const holder = new Map<string, SyntheticImage>();
  const used = new Set<string>();
  const moveTag = (tag: string, image: SyntheticImage): void => {
    const previous = holder.get(tag);
    if (previous) previous.tags = previous.tags.filter((t) => t !== tag);
    holder.set(tag, image);
    image.tags.push(tag);
  };
  const uniqueTag = (make: () => string): string => {
    let tag = make();
    while (used.has(tag)) tag = make();
    used.add(tag);
    return tag;
  };
  let deps: Blob = { digest: blobDigest(prng), size: prng.int(5_000_000, 60_000_000) };
  const version = { major: 0, minor: 1, patch: 0, rc: 0 };
  const datesTagged = new Set<string>();
  const openBranches = new Map<BranchKind, string[]>();
  let ticket = prng.int(100, 400);

  const platformImage = (oci: boolean, at: number, arch: 'amd64' | 'arm64'): SyntheticImage => {
    const era = Math.min(repoBases.length - 1, Math.floor(((at - start) / (HISTORY_DAYS * DAY_MS)) * repoBases.length));
    const baseIndex = (repoBases[Math.max(0, era)]! + (arch === 'arm64' ? BASE_SET_COUNT / 2 : 0)) % BASE_SET_COUNT;
    const app = Array.from({ length: prng.int(1, 2) }, () => ({ digest: blobDigest(prng), size: prng.int(50_000, 5_000_000) }));
    const config = { digest: blobDigest(prng), size: prng.int(2_000, 12_000) };
    const layers = [...bases[baseIndex]!, deps, ...app];
    const manifest = imageManifest(oci, config, layers);
    return {
      digest: `sha256:${sha256(manifest)}`, manifest, mediaType: oci ? MEDIA.ociManifest : MEDIA.dockerManifest, pushedAt: at, tags: [],
      size: config.size + layers.reduce((s, l) => s + l.size, 0), status: 'ACTIVE', topLevel: false,
    };
  };

  const branchTag = (kind: Exclude<BranchKind, 'main'>): string => {
    const open = openBranches.get(kind) ?? [];
    openBranches.set(kind, open);
    if (open.length > 0 && prng.chance(0.55)) return prng.pick(open);
    ticket += prng.int(1, 7);
    const name = kind === 'pr' ? `pr-${ticket}` : `${kind}-${prng.pick(BRANCH_WORDS)}-${ticket}`;
    open.push(name);
    if (open.length > 12) open.shift();
    return name;
  };

  builds.forEach((build, b) => {
    const at = times[b]!;
    if (prng.chance(0.05)) deps = { digest: blobDigest(prng), size: prng.int(5_000_000, 60_000_000) };
    let top: SyntheticImage;
    if (build.multiArch) {
      const children = [platformImage(build.oci, at - 2000, 'amd64'), platformImage(build.oci, at - 1000, 'arm64')];
      const manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: build.oci ? MEDIA.ociIndex : MEDIA.dockerList,
        manifests: children.map((c, i) => ({ mediaType: c.mediaType, size: Buffer.byteLength(c.manifest), digest: c.digest, platform: { architecture: i === 0 ? 'amd64' : 'arm64', os: 'linux' } })),
      });
      images.push(...children);
      top = {
        digest: `sha256:${sha256(manifest)}`, manifest, mediaType: build.oci ? MEDIA.ociIndex : MEDIA.dockerList, pushedAt: at, tags: [],
        size: Math.max(...children.map((c) => c.size)), status: 'ACTIVE', topLevel: true,
      };
    } else {
      top = { ...platformImage(build.oci, at, 'amd64'), topLevel: true };
    }
    images.push(top);

    // Tags: a git sha on most builds; main moves `latest`, sometimes cuts a release, an rc or a nightly date tag; branches move their branch tag.
    if (prng.chance(0.7)) top.tags.push(uniqueTag(() => prng.hex(7)));
    if (build.branch === 'main') {
      moveTag('latest', top);
      const day = new Date(at).toISOString().slice(0, 10).replaceAll('-', '.');
      if (!datesTagged.has(day) && prng.chance(0.35)) {
        datesTagged.add(day);
        top.tags.push(uniqueTag(() => day));
      }
      if (prng.chance(0.05)) {
        const r = prng.next();
        if (r < 0.03) Object.assign(version, { major: version.major + 1, minor: 0, patch: 0 });
        else if (r < 0.2) Object.assign(version, { minor: version.minor + 1, patch: 0 });
        else version.patch += 1;
        version.rc = 0;
        top.tags.push(uniqueTag(() => `v${version.major}.${version.minor}.${version.patch}`));
      } else if (prng.chance(0.02)) {
        version.rc += 1;
        top.tags.push(uniqueTag(() => `v${version.major}.${version.minor}.${version.patch + 1}-rc.${version.rc}`));
      }
    } else {
      moveTag(branchTag(build.branch), top);
    }

    if (build.sign) {
      // Cosign's tag scheme: an ordinary tagged image named after the digest it signs.
      const config = { digest: blobDigest(prng), size: prng.int(200, 400) };
      const layer = { digest: blobDigest(prng), size: prng.int(200, 400) };
      const manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA.ociManifest,
        config: { mediaType: MEDIA.ociConfig, size: config.size, digest: config.digest },
        layers: [{ mediaType: MEDIA.cosignLayer, size: layer.size, digest: layer.digest, annotations: { 'dev.cosignproject.cosign/signature': prng.hex(96) } }],
      });
      images.push({
        digest: `sha256:${sha256(manifest)}`, manifest, mediaType: MEDIA.ociManifest, pushedAt: at + 40_000, tags: [uniqueTag(() => `${top.digest.replace(':', '-')}.sig`)],
        size: config.size + layer.size, artifactMediaType: MEDIA.ociConfig, status: 'ACTIVE', topLevel: false,
      });
    }
    if (build.sbom) {
      // An OCI referrer: untagged, attached to its subject.
      const layer = { digest: blobDigest(prng), size: prng.int(20_000, 900_000) };
      const manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA.ociManifest,
        artifactType: MEDIA.spdx,
        config: { mediaType: MEDIA.ociEmpty, size: 2, digest: `sha256:${sha256('{}')}` },
        layers: [{ mediaType: MEDIA.spdx, size: layer.size, digest: layer.digest }],
        subject: { mediaType: top.mediaType, size: Buffer.byteLength(top.manifest), digest: top.digest },
      });
      images.push({
        digest: `sha256:${sha256(manifest)}`, manifest, mediaType: MEDIA.ociManifest, pushedAt: at + 75_000, tags: [], size: 2 + layer.size,
        artifactMediaType: MEDIA.spdx, subject: top.digest, status: 'ACTIVE', topLevel: false,
      });
    }
  });

  // Pulls, archive and restore, after the tags have settled.
  for (const image of images) {
    const age = now - image.pushedAt;
    if (prng.chance(image.tags.length > 0 ? 0.4 : 0.1)) image.lastRecordedPullTime = Math.max(image.pushedAt + 60_000, Math.floor((now - age * prng.next() ** 2 - 60_000) / 1000) * 1000);
    if (image.topLevel && age > 200 * DAY_MS && prng.chance(0.03)) {
      const archivedAt = Math.floor((image.pushedAt + 90 * DAY_MS + (age - 91 * DAY_MS) * prng.next()) / 1000) * 1000;
      image.lastArchivedAt = archivedAt;
      if (prng.chance(0.1)) image.lastActivatedAt = archivedAt + Math.floor(((now - archivedAt) * prng.next()) / 1000) * 1000;
      else image.status = 'ARCHIVED';
      if (image.lastRecordedPullTime !== undefined && image.lastRecordedPullTime > archivedAt) image.lastRecordedPullTime = archivedAt - 86_400_000;
    }
  }
  return { images };
}

function imageDetail(repositoryName: string, image: SyntheticImage): Record<string, unknown> {
  return {
    registryId: BENCH_REGISTRY.registryId,
    repositoryName,
    imageDigest: image.digest,
    ...(image.tags.length > 0 ? { imageTags: image.tags } : {}),
    imageSizeInBytes: image.size,
    imagePushedAt: awsTimestamp(image.pushedAt),
    imageManifestMediaType: image.mediaType,
    ...(image.artifactMediaType !== undefined ? { artifactMediaType: image.artifactMediaType } : {}),
    ...(image.lastRecordedPullTime !== undefined ? { lastRecordedPullTime: awsTimestamp(image.lastRecordedPullTime) } : {}),
    ...(image.subject !== undefined ? { subjectManifestDigest: image.subject } : {}),
    imageStatus: image.status,
    ...(image.lastArchivedAt !== undefined ? { lastArchivedAt: awsTimestamp(image.lastArchivedAt) } : {}),
    ...(image.lastActivatedAt !== undefined ? { lastActivatedAt: awsTimestamp(image.lastActivatedAt) } : {}),
  };
}

/**
 * Writes `{"<key>": [items...]<extra>}` pretty-printed like the AWS CLI (4 spaces), in chunks,
 * so the file never exists as one giant string. Returns the bytes written.
 */
async function writeArrayDocument(path: string, key: string, items: readonly unknown[], extra = ''): Promise<number> {
  const file = await open(path, 'w');
  let bytes = 0;
  const write = async (text: string): Promise<void> => {
    bytes += Buffer.byteLength(text);
    await file.write(text);
  };
  try {
    await write(`{\n    ${JSON.stringify(key)}: [${items.length === 0 ? '' : '\n'}`);
    const CHUNK = 2000;
    for (let i = 0; i < items.length; i += CHUNK) {
      const part = items.slice(i, i + CHUNK).map((item) => `        ${JSON.stringify(item, null, 4).replace(/\n/g, '\n        ')}`);
      await write(`${part.join(',\n')}${i + CHUNK < items.length ? ',\n' : ''}`);
    }
    await write(`${items.length === 0 ? '' : '\n    '}]${extra}\n}\n`);
  } finally {
    await file.close();
  }
  return bytes;
}

async function writeJson(path: string, value: unknown): Promise<number> {
  const text = `${JSON.stringify(value, null, 4)}\n`;
  await writeFile(path, text);
  return Buffer.byteLength(text);
}

/** References the in-use files point at: picked per repository, deterministic. */
interface InUseRef {
  repositoryName: string;
  tag?: string;
  digest: string;
}

function pickInUse(prng: Prng, repositoryName: string, images: readonly SyntheticImage[], count: number): InUseRef[] {
  const tagged = images.filter((i) => i.topLevel && i.tags.length > 0 && i.status === 'ACTIVE');
  if (tagged.length === 0) return [];
  const refs: InUseRef[] = [];
  const latest = tagged.find((i) => i.tags.includes('latest'));
  if (latest) refs.push({ repositoryName, tag: 'latest', digest: latest.digest });
  // Mostly recent images, some old ones (rollback targets the policy may remove).
  while (refs.length < count) {
    const recent = prng.chance(0.7);
    const index = recent ? tagged.length - 1 - Math.floor(prng.next() * Math.min(200, tagged.length)) : Math.floor(prng.next() * tagged.length);
    const image = tagged[index]!;
    refs.push(prng.chance(0.15) ? { repositoryName, digest: image.digest } : { repositoryName, tag: prng.pick(image.tags), digest: image.digest });
  }
  return refs;
}

async function writeInUse(dir: string, seed: number, listRefs: InUseRef[], podRefs: InUseRef[]): Promise<void> {
  const prng = mulberry32(deriveSeed(seed, 'in-use'));
  const host = `${BENCH_REGISTRY.registryId}.dkr.ecr.${BENCH_REGISTRY.region}.amazonaws.com`;
  const reference = (r: InUseRef): string => `${host}/${r.repositoryName}${r.tag !== undefined ? `:${r.tag}` : `@${r.digest}`}`;
  await mkdir(dir, { recursive: true });
  const lines = ['# Images the runbooks and deploy manifests pin (generated)', ...listRefs.map(reference)];
  if (listRefs.length > 0) lines.push(`${host}/${listRefs[0]!.repositoryName}:v9.9.9   # a release that was never pushed`);
  lines.push('docker.io/library/redis:7.2');
  await writeFile(join(dir, 'images.txt'), `${lines.join('\n')}\n`);
  const items = podRefs.map((r, i) => {
    const service = r.repositoryName.split('/').pop()!;
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `${service}-${prng.hex(9)}-${prng.hex(5)}`, namespace: r.repositoryName.split('/')[0], uid: `${prng.hex(8)}-${prng.hex(4)}-${prng.hex(4)}-${prng.hex(4)}-${prng.hex(12)}` },
      spec: { containers: [{ name: 'app', image: reference(r) }], nodeName: `ip-10-0-${i % 250}-${(i * 7) % 250}.${BENCH_REGISTRY.region}.compute.internal` },
      status: {
        phase: 'Running',
        containerStatuses: [{ name: 'app', image: reference(r), imageID: `${host}/${r.repositoryName}@${r.digest}`, ready: true, restartCount: 0 }],
      },
    };
  });
  await writeFile(join(dir, 'pods.json'), `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } }, null, 2)}\n`);
}

/** Generates the whole snapshot directory. Replaces `out` and `${out}-in-use`. */
export async function generateSnapshot(options: GenerateOptions): Promise<GeneratedSnapshot> {
  const nowIso = options.now ?? BENCH_NOW;
  const now = Date.parse(nowIso);
  const inUseDir = `${options.out}-in-use`;
  await rm(options.out, { recursive: true, force: true });
  await rm(inUseDir, { recursive: true, force: true });
  await mkdir(options.out, { recursive: true });
  let totalBytes = await writeJson(join(options.out, 'registry.json'), { ...BENCH_REGISTRY, blobMounting: options.blobMounting ?? false });

  const names = repositoryNames(options.repositories);
  const listPerRepository = Math.max(2, Math.floor(300 / names.length));
  const podsPerRepository = Math.max(1, Math.floor(200 / names.length));
  const listRefs: InUseRef[] = [];
  const podRefs: InUseRef[] = [];
  const repositories: GeneratedRepository[] = [];
  for (const [index, repositoryName] of names.entries()) {
    const dir = join(options.out, ...repositoryName.split('/'));
    await mkdir(dir, { recursive: true });
    const { images } = generateRepositoryImages(options.seed, repositoryName, options.images, now);
    const prng = mulberry32(deriveSeed(options.seed, `${repositoryName}/policy`));
    const policy = index === 0 ? benchPolicy() : typicalPolicy(prng);
    const ids = { registryId: BENCH_REGISTRY.registryId, repositoryName };
    let bytes = await writeArrayDocument(join(dir, 'describe-images.json'), 'imageDetails', images.map((i) => imageDetail(repositoryName, i)));
    bytes += await writeArrayDocument(
      join(dir, 'batch-get-image.json'),
      'images',
      images.map((i) => ({ ...ids, imageId: { imageDigest: i.digest }, imageManifest: i.manifest, imageManifestMediaType: i.mediaType })),
      ',\n    "failures": []',
    );
    bytes += await writeJson(join(dir, 'get-lifecycle-policy.json'), { ...ids, lifecyclePolicyText: JSON.stringify(policy) });
    bytes += await writeJson(join(dir, 'repository.json'), { repositoryName, registryId: BENCH_REGISTRY.registryId, lifecyclePolicyStatus: 'present', complete: true, snapshotAt: awsTimestamp(now - 60_000) });
    totalBytes += bytes;
    repositories.push({ repositoryName, images: images.length, bytes });
    listRefs.push(...pickInUse(prng, repositoryName, images, listPerRepository));
    podRefs.push(...pickInUse(prng, repositoryName, images, podsPerRepository));
  }
  await writeInUse(inUseDir, options.seed, listRefs, podRefs);
  repositories.sort((a, b) => (a.repositoryName < b.repositoryName ? -1 : 1));
  return {
    dir: options.out,
    inUseDir,
    seed: options.seed,
    imagesPerRepository: options.images,
    now: nowIso,
    ...BENCH_REGISTRY,
    repositories,
    totalImages: repositories.reduce((s, r) => s + r.images, 0),
    totalBytes,
    largestRepositoryBytes: Math.max(...repositories.map((r) => r.bytes)),
  };
}

/**
 * The snapshot for (seed, size) under `root`, generated only when absent: a summary file next
 * to the directory, written last, marks a finished generation.
 */
export async function ensureSnapshot(root: string, options: Omit<GenerateOptions, 'out'>): Promise<{ snapshot: GeneratedSnapshot; generatedMs?: number }> {
  const out = join(root, `${options.seed}-${options.repositories}x${options.images}`);
  const summaryPath = `${out}.generated.json`;
  const existing = await readFile(summaryPath, 'utf8').then((t) => JSON.parse(t) as GeneratedSnapshot, () => undefined);
  if (existing && existing.now === (options.now ?? BENCH_NOW)) return { snapshot: existing };
  await rm(summaryPath, { force: true });
  const started = performance.now();
  const snapshot = await generateSnapshot({ ...options, out });
  const generatedMs = performance.now() - started;
  await writeFile(summaryPath, `${JSON.stringify(snapshot, null, 2)}\n`);
  return { snapshot, generatedMs };
}
