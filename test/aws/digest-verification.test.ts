import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { runDryRun } from '../../src/cli/commands/dry-run.js';
import type { CliIO } from '../../src/cli/io.js';
import { parseJsonDocument } from '../../src/load/json-document.js';
import { parseBatchGetImage } from '../../src/load/manifests.js';
import { loadSnapshot } from '../../src/load/snapshot.js';
import { takeSnapshot } from '../../src/aws/snapshot.js';
import type { BatchGetImageFile } from '../../src/aws/types.js';
import { FakeEcrServer } from '../support/fake-ecr/server.js';
import { liveOptions, readJson, removeDir, sampleRegistry, tempDir } from '../support/fake-ecr/harness.js';

// A manifest is trusted only when its exact bytes hash to the digest it is filed under: in a
// --manifests file, a snapshot, the live read and the manifest cache. A mismatch leaves the
// repository incomplete (exit 3) naming the digest, never a verdict built on the altered text.

const sha = (text: string): string => `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
const DOCKER = 'application/vnd.docker.distribution.manifest.v2+json';
const LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
const layer = (n: number) => ({ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 1000 + n, digest: sha(`layer-${n}`) });
const image = (n: number) => JSON.stringify({ schemaVersion: 2, mediaType: DOCKER, config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 10, digest: sha(`config-${n}`) }, layers: [layer(n)] });
const index = (children: string[]) => JSON.stringify({ schemaVersion: 2, mediaType: LIST, manifests: children.map((c) => ({ mediaType: DOCKER, size: c.length, digest: sha(c), platform: { os: 'linux', architecture: 'amd64' } })) });

const REGISTRY = '123456789012';
const NOW = '2026-11-22T00:00:00Z';
const child = image(1);
const deployed = image(2); // untagged, pulled by digest in production, not a child of the index
const realIndex = index([child]);
// The same index digest, but its text now also lists the deployed image: it would then be kept as a child.
const tamperedIndex = index([child, deployed]);

let dir: string;
beforeEach(async () => {
  dir = await tempDir('ecr-lifeguard-digest-');
});
afterEach(async () => {
  await removeDir(dir);
});

function io(): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), stdoutIsTTY: false, stderrIsTTY: false, env: {}, cwd: dir, clock: () => Date.parse(NOW) };
}

async function writeInputs(indexText: string): Promise<{ images: string; manifests: string; policy: string; inUse: string }> {
  const detail = (digest: string, pushedAt: string, mediaType: string, tags?: string[]) => ({
    registryId: REGISTRY, repositoryName: 'shop/api', imageDigest: digest, ...(tags ? { imageTags: tags } : {}), imageSizeInBytes: 1000, imagePushedAt: pushedAt, imageManifestMediaType: mediaType, imageStatus: 'ACTIVE',
  });
  const entry = (digest: string, text: string, mediaType: string) => ({ registryId: REGISTRY, repositoryName: 'shop/api', imageId: { imageDigest: digest }, imageManifest: text, imageManifestMediaType: mediaType });
  const paths = { images: join(dir, 'describe-images.json'), manifests: join(dir, 'batch-get-image.json'), policy: join(dir, 'policy.json'), inUse: join(dir, 'in-use') };
  await writeFile(paths.images, JSON.stringify({ imageDetails: [
    detail(sha(realIndex), '2026-10-01T00:00:00Z', LIST, ['v1']),
    detail(sha(child), '2026-10-01T00:00:00Z', DOCKER),
    detail(sha(deployed), '2026-10-02T00:00:00Z', DOCKER),
  ] }));
  await writeFile(paths.manifests, JSON.stringify({ images: [entry(sha(realIndex), indexText, LIST), entry(sha(child), child, DOCKER), entry(sha(deployed), deployed, DOCKER)], failures: [] }));
  await writeFile(paths.policy, JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 }, action: { type: 'expire' } }] }));
  await mkdir(paths.inUse);
  await writeFile(join(paths.inUse, 'images.txt'), `${REGISTRY}.dkr.ecr.us-east-1.amazonaws.com/shop/api@${sha(deployed)}\n`);
  return paths;
}

describe('--manifests: each manifest against its digest', () => {
  test('untampered: the deployed untagged image expires and is reported (exit 1)', async () => {
    const p = await writeInputs(realIndex);
    const cli = io();
    const code = await runDryRun({ images: p.images, manifests: p.manifests, policy: p.policy, inUse: [p.inUse], now: NOW, format: 'json' }, cli);
    expect(code).toBe(1);
    const report = JSON.parse(cli.out.join('')) as { findings: { image?: { imageDigest?: string } }[] };
    expect(report.findings.some((f) => JSON.stringify(f).includes(sha(deployed)))).toBe(true);
  });

  test('an index whose text was altered to list the deployed image: incomplete, exit 3, naming the digest (was KEEP, no findings, exit 0)', async () => {
    const p = await writeInputs(tamperedIndex);
    const cli = io();
    const code = await runDryRun({ images: p.images, manifests: p.manifests, policy: p.policy, inUse: [p.inUse], now: NOW, format: 'json' }, cli);
    expect(code).toBe(3);
    const report = JSON.parse(cli.out.join('')) as { repositories: { complete: boolean; incompleteReason?: string }[] };
    expect(report.repositories[0]!.complete).toBe(false);
    expect(report.repositories[0]!.incompleteReason).toContain(`1 manifest(s) do not match their digest (${sha(realIndex)})`);
  });

  test('parseBatchGetImage keeps matching manifests, lists the others, and still locates broken JSON', () => {
    const doc = (images: unknown[]) => parseJsonDocument(JSON.stringify({ images, failures: [] }), 'b.json');
    const r = parseBatchGetImage(doc([
      { imageId: { imageDigest: sha(child) }, imageManifest: child },
      { imageId: { imageDigest: sha(realIndex) }, imageManifest: tamperedIndex },
      { imageId: { imageDigest: sha(deployed) }, imageManifest: `${deployed} ` }, // one byte more
    ]));
    expect([...r.manifests.keys()]).toEqual([sha(child)]);
    expect(r.digestMismatches).toEqual([sha(realIndex), sha(deployed)].sort());
    expect(() => parseBatchGetImage(doc([{ imageId: { imageDigest: sha(child) }, imageManifest: 'not json' }]))).toThrow(/is not valid JSON/);
  });
});

describe('snapshots: on load and in the live read', () => {
  let fake: FakeEcrServer | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  test('a snapshot whose batch-get-image.json was altered loads incomplete, naming the digest', async () => {
    fake = await FakeEcrServer.start(sampleRegistry());
    const out = join(dir, 'snap');
    await takeSnapshot({ out, ...liveOptions(fake.url, join(dir, 'cache')) });
    const path = join(out, 'web', 'batch-get-image.json');
    const file = (await readJson(path)) as BatchGetImageFile;
    const victim = file.images[0]!;
    victim.imageManifest = victim.imageManifest.replace('"size":1000000', '"size":1');
    await writeFile(path, JSON.stringify(file));
    const loaded = await loadSnapshot(out);
    const web = loaded.repositories.find((r) => r.repositoryName === 'web')!;
    expect(web.complete).toBe(false);
    expect(web.incompleteReason).toContain(victim.imageId.imageDigest);
    expect(web.state.manifests.has(victim.imageId.imageDigest)).toBe(false);
    expect(loaded.repositories.find((r) => r.repositoryName === 'team/api')!.complete).toBe(true);
  });

  test('BatchGetImage answering text that does not hash to the digest: repository incomplete, nothing cached, nothing written as whole', async () => {
    fake = await FakeEcrServer.start(sampleRegistry());
    const victim = fake.digests('web')[0]!;
    fake.tamperManifest(victim, (text) => text.replace('"size":1000000', '"size":1'));
    const out = join(dir, 'snap');
    const cache = join(dir, 'cache');
    const report = await takeSnapshot({ out, ...liveOptions(fake.url, cache) });
    const web = report.repositories.find((r) => r.repositoryName === 'web')!;
    expect(web.complete).toBe(false);
    expect(web.incompleteReason).toContain(`do not match their digest (${victim})`);
    expect(report.repositories.find((r) => r.repositoryName === 'team/api')!.complete).toBe(true);
    // The altered text is neither cached nor in the snapshot; the repository says it is incomplete.
    const file = (await readJson(join(out, 'web', 'batch-get-image.json'))) as BatchGetImageFile;
    expect(file.images.map((i) => i.imageId.imageDigest)).not.toContain(victim);
    expect((await readJson(join(out, 'web', 'repository.json'))) as object).toMatchObject({ complete: false });
    const loaded = await loadSnapshot(out);
    expect(loaded.repositories.find((r) => r.repositoryName === 'web')!.complete).toBe(false);
    const { ManifestCache } = await import('../../src/aws/manifest-cache.js');
    expect(await new ManifestCache(cache).get(victim)).toBeUndefined();
  });
});
