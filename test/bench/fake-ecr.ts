import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { GeneratedSnapshot } from './generate.js';

// The fake ECR server (test/support/fake-ecr/server.ts) lives outside this program's rootDir and
// only imports Node built-ins, so it is transpiled on demand next to the compiled harness and
// loaded dynamically. The interfaces below are the part of its API the harness uses.

export interface FakeCall {
  operation: string;
  repositoryName?: string;
}

export interface FakeServer {
  readonly url: string;
  readonly calls: Map<string, number>;
  readonly log: FakeCall[];
  resetCounts(): void;
  close(): Promise<void>;
}

interface FakeServerModule {
  FakeEcrServer: { start(seeds: unknown): Promise<FakeServer> };
}

type Json = Record<string, unknown>;

async function loadServerModule(root: string, outDir: string): Promise<FakeServerModule> {
  // typescript is loaded only here: importing it costs about a second of start-up.
  const { default: ts } = await import('typescript');
  const source = await readFile(join(root, 'test', 'support', 'fake-ecr', 'server.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
  const file = join(outDir, 'support', 'fake-ecr-server.js');
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, outputText);
  return (await import(pathToFileURL(file).href)) as FakeServerModule;
}

const epochMs = (v: unknown): number | undefined => (typeof v === 'string' ? Date.parse(v) : undefined);

/** Seeds the fake server with a generated snapshot: same images, manifests (byte for byte) and policies. */
async function seedFromSnapshot(snapshot: GeneratedSnapshot): Promise<Json> {
  const repositories: Json[] = [];
  for (const r of snapshot.repositories) {
    const dir = join(snapshot.dir, ...r.repositoryName.split('/'));
    const details = (JSON.parse(await readFile(join(dir, 'describe-images.json'), 'utf8')) as { imageDetails: Json[] }).imageDetails;
    const manifests = new Map(
      (JSON.parse(await readFile(join(dir, 'batch-get-image.json'), 'utf8')) as { images: Array<{ imageId: { imageDigest: string }; imageManifest: string }> }).images.map((i) => [i.imageId.imageDigest, i.imageManifest]),
    );
    const policy = JSON.parse(await readFile(join(dir, 'get-lifecycle-policy.json'), 'utf8')) as { lifecyclePolicyText: string };
    repositories.push({
      repositoryName: r.repositoryName,
      lifecyclePolicyText: policy.lifecyclePolicyText,
      images: details.map((d) => ({
        manifest: manifests.get(d.imageDigest as string)!,
        mediaType: d.imageManifestMediaType,
        tags: d.imageTags ?? [],
        pushedAt: epochMs(d.imagePushedAt),
        sizeInBytes: d.imageSizeInBytes,
        ...(d.lastRecordedPullTime !== undefined ? { lastRecordedPullTime: epochMs(d.lastRecordedPullTime) } : {}),
        status: d.imageStatus,
        ...(d.lastArchivedAt !== undefined ? { lastArchivedAt: epochMs(d.lastArchivedAt) } : {}),
        ...(d.lastActivatedAt !== undefined ? { lastActivatedAt: epochMs(d.lastActivatedAt) } : {}),
        ...(d.artifactMediaType !== undefined ? { artifactMediaType: d.artifactMediaType } : {}),
        ...(d.subjectManifestDigest !== undefined ? { subjectManifestDigest: d.subjectManifestDigest } : {}),
      })),
    });
  }
  return { registryId: snapshot.registryId, region: snapshot.region, blobMounting: 'DISABLED', repositories };
}

export async function startFakeEcr(root: string, outDir: string, snapshot: GeneratedSnapshot): Promise<FakeServer> {
  const module = await loadServerModule(root, outDir);
  return module.FakeEcrServer.start(await seedFromSnapshot(snapshot));
}
