import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSnapshot, type Snapshot } from '../src/load/snapshot.js';
import { loadPolicyFile } from '../src/load/policy.js';
import { BENCH_NOW, generateRepositoryImages, generateSnapshot, LARGE_REPOSITORY, type GeneratedSnapshot } from './bench/generate.js';
import { benchPolicy } from './bench/policies.js';

// The benchmark's synthetic registry generator, at a small size: reproducible from its seed,
// written in the snapshot layout, and accepted by the project's own loader.

const IMAGES = 400;
const REPOSITORIES = 3;

let work: string;
let generated: GeneratedSnapshot;
let loaded: Snapshot;

async function tree(dir: string): Promise<Map<string, string>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  const out = new Map<string, string>();
  for (const f of files.sort()) out.set(f.slice(dir.length), await readFile(f, 'utf8'));
  return out;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ecr-lifeguard-bench-test-'));
  generated = await generateSnapshot({ out: join(work, 'a'), seed: 7, images: IMAGES, repositories: REPOSITORIES });
  loaded = await loadSnapshot(generated.dir);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('bench generator', () => {
  it('is deterministic: the same seed writes byte-identical files, another seed does not', async () => {
    const again = await generateSnapshot({ out: join(work, 'b'), seed: 7, images: IMAGES, repositories: REPOSITORIES });
    const other = await generateSnapshot({ out: join(work, 'c'), seed: 8, images: IMAGES, repositories: REPOSITORIES });
    const [a, b, c] = await Promise.all([tree(generated.dir), tree(again.dir), tree(other.dir)]);
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [path, text] of a) expect(b.get(path), path).toBe(text);
    expect(await tree(again.inUseDir)).toEqual(await tree(generated.inUseDir));
    expect(c.get('/platform/api/describe-images.json')).not.toBe(a.get('/platform/api/describe-images.json'));
  });

  it('writes the snapshot layout, one folder per repository, that loadSnapshot accepts', async () => {
    const files = [...(await tree(generated.dir)).keys()];
    expect(files).toContain('/registry.json');
    for (const r of generated.repositories) {
      for (const name of ['describe-images.json', 'batch-get-image.json', 'get-lifecycle-policy.json', 'repository.json']) expect(files).toContain(`/${r.repositoryName}/${name}`);
    }
    expect(files).toHaveLength(1 + 4 * REPOSITORIES);
    expect(loaded.registry).toEqual({ registryId: '123456789012', region: 'eu-west-1', blobMounting: false });
    expect(loaded.repositories.map((r) => r.repositoryName)).toEqual(generated.repositories.map((r) => r.repositoryName));
    for (const r of loaded.repositories) {
      expect(r.state.images).toHaveLength(IMAGES);
      expect(r.complete).toBe(true);
      expect(r.policyStatus).toBe('present');
      expect(r.manifestFailures).toEqual([]);
      expect(r.state.manifests.size).toBe(IMAGES);
    }
  });

  it('gives every image the sha256 of its manifest text as its digest', async () => {
    const batch = JSON.parse(await readFile(join(generated.dir, 'platform', 'api', 'batch-get-image.json'), 'utf8')) as { images: Array<{ imageId: { imageDigest: string }; imageManifest: string }> };
    for (const i of batch.images) expect(i.imageId.imageDigest).toBe(`sha256:${createHash('sha256').update(i.imageManifest).digest('hex')}`);
  });

  it('has the realistic content the benchmark relies on', () => {
    const repo = loaded.repositories.find((r) => r.repositoryName === LARGE_REPOSITORY)!;
    const images = repo.state.images;
    const tags = images.flatMap((i) => i.imageTags);
    expect(new Set(tags).size).toBe(tags.length); // a tag names one image
    expect(tags.filter((t) => t === 'latest')).toHaveLength(1);
    expect(tags.some((t) => /^v\d+\.\d+\.\d+$/.test(t))).toBe(true);
    expect(tags.some((t) => /^(feature|bugfix|hotfix|chore)-[a-z0-9]+-\d+$/.test(t))).toBe(true);
    expect(tags.some((t) => /^[0-9a-f]{7}$/.test(t))).toBe(true);
    expect(tags.some((t) => /^\d{4}\.\d{2}\.\d{2}$/.test(t))).toBe(true);
    expect(images.some((i) => i.imageTags.length === 0 && i.subjectManifestDigest === undefined)).toBe(true);

    const digests = new Set(images.map((i) => i.imageDigest));
    const indexes = [...repo.state.manifests.values()].filter((m) => m.kind === 'index');
    expect(indexes.length).toBeGreaterThan(0);
    for (const index of indexes) {
      expect(index.children.map((c) => c.platform?.architecture)).toEqual(['amd64', 'arm64']);
      for (const child of index.children) {
        expect(digests.has(child.digest)).toBe(true);
        expect(images.find((i) => i.imageDigest === child.digest)!.imageTags).toEqual([]);
      }
    }
    const signatures = tags.filter((t) => /^sha256-[0-9a-f]{64}\.sig$/.test(t));
    expect(signatures.length).toBeGreaterThan(0);
    for (const s of signatures) expect(digests.has(s.replace('sha256-', 'sha256:').replace(/\.sig$/, ''))).toBe(true);
    const referrers = images.filter((i) => i.subjectManifestDigest !== undefined);
    expect(referrers.length).toBeGreaterThan(0);
    for (const r of referrers) {
      expect(digests.has(r.subjectManifestDigest!)).toBe(true);
      expect(repo.state.manifests.get(r.imageDigest)?.subject).toBe(r.subjectManifestDigest);
    }
    expect(images.some((i) => i.imageStatus === 'ARCHIVED' && i.lastArchivedAt !== undefined)).toBe(true);
    expect(images.some((i) => i.lastRecordedPullTime !== undefined)).toBe(true);
    const now = Date.parse(BENCH_NOW);
    const pushed = images.map((i) => i.imagePushedAt);
    expect(Math.max(...pushed)).toBeLessThan(now);
    expect(now - Math.min(...pushed)).toBeGreaterThan(365 * 86_400_000);
  });

  it('shares base layers between images of different repositories', () => {
    const owners = new Map<string, Set<string>>();
    for (const r of loaded.repositories) {
      for (const m of r.state.manifests.values()) for (const l of m.layers) (owners.get(l.digest) ?? owners.set(l.digest, new Set()).get(l.digest)!).add(r.repositoryName);
    }
    expect(Math.max(...[...owners.values()].map((s) => s.size))).toBeGreaterThan(1);
    const counts = new Map<string, number>();
    for (const r of loaded.repositories) for (const m of r.state.manifests.values()) for (const l of m.layers) counts.set(l.digest, (counts.get(l.digest) ?? 0) + 1);
    expect(Math.max(...counts.values())).toBeGreaterThan(IMAGES / 10);
  });

  it('gives the large repository a valid 50-rule policy: unique priorities, one untagged rule, any last', async () => {
    const policy = benchPolicy();
    expect(policy.rules).toHaveLength(50);
    const loadedPolicy = await loadPolicyFile(join(generated.dir, 'platform', 'api', 'get-lifecycle-policy.json'));
    expect(loadedPolicy.policy.rules).toHaveLength(50);
    expect(new Set(policy.rules.map((r) => r.rulePriority)).size).toBe(50);
    expect(policy.rules.filter((r) => r.selection.tagStatus === 'untagged')).toHaveLength(1);
    expect(policy.rules.at(-1)!.selection.tagStatus).toBe('any');
    expect(policy.rules.filter((r) => r.action.type === 'transition')).toHaveLength(1);
    expect(policy.rules.filter((r) => r.selection.storageClass === 'archive')).toHaveLength(1);
    const kinds = new Set(policy.rules.map((r) => `${'tagPrefixList' in r.selection ? 'prefix' : 'tagPatternList' in r.selection ? 'pattern' : 'none'}/${String(r.selection.countType)}`));
    for (const k of ['prefix/imageCountMoreThan', 'prefix/sinceImagePushed', 'pattern/imageCountMoreThan', 'pattern/sinceImagePushed']) expect(kinds).toContain(k);
  });

  it('writes in-use files: a plain list and kubectl pods JSON naming images of the snapshot', async () => {
    const list = await readFile(join(generated.inUseDir, 'images.txt'), 'utf8');
    const pods = JSON.parse(await readFile(join(generated.inUseDir, 'pods.json'), 'utf8')) as { kind: string; items: Array<{ kind: string; status: { containerStatuses: Array<{ imageID: string }> } }> };
    expect(list).toContain('123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/api:latest');
    expect(pods.kind).toBe('List');
    expect(pods.items.length).toBeGreaterThan(0);
    const all = new Set(loaded.repositories.flatMap((r) => r.state.images.map((i) => `${r.repositoryName}@${i.imageDigest}`)));
    for (const p of pods.items) {
      expect(p.kind).toBe('Pod');
      const id = p.status.containerStatuses[0]!.imageID.replace(/^[^/]+\//, '');
      expect(all.has(id)).toBe(true);
    }
  });

  it('writes a repository with no images (figure 3 measures the fixed cost on it) that loadSnapshot accepts', async () => {
    const empty = await generateSnapshot({ out: join(work, 'empty'), seed: 7, images: 0, repositories: 1 });
    expect(empty.repositories).toEqual([{ repositoryName: LARGE_REPOSITORY, images: 0, bytes: expect.any(Number) }]);
    const snapshot = await loadSnapshot(empty.dir);
    expect(snapshot.repositories).toHaveLength(1);
    expect(snapshot.repositories[0]!.state.images).toEqual([]);
    expect(snapshot.repositories[0]!.complete).toBe(true);
    expect(snapshot.repositories[0]!.policy?.policy.rules).toHaveLength(50);
  });

  it('makes the count of entries exact and a repository independent of the others generated with it', () => {
    const now = Date.parse(BENCH_NOW);
    const alone = generateRepositoryImages(7, 'shop/api', 123, now).images;
    expect(alone).toHaveLength(123);
    const withOthers = loaded.repositories.find((r) => r.repositoryName === LARGE_REPOSITORY)!.state.images.map((i) => i.imageDigest);
    expect(generateRepositoryImages(7, LARGE_REPOSITORY, IMAGES, now).images.map((i) => i.digest).sort()).toEqual([...withOthers].sort());
  });
});
