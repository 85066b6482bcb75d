import { analyseRepository, type AnalysedRepository } from '../../src/analyse/analyse.js';
import type { RegistryBlobIndex } from '../../src/analyse/graph.js';
import { parseImageReference } from '../../src/analyse/references.js';
import type { Finding } from '../../src/model/finding.js';
import type { BlobRef, ImageRecord, ManifestInfo, RepositoryState } from '../../src/model/image.js';
import type { InUseReference, UseKind } from '../../src/model/in-use.js';
import type { LifecyclePolicy } from '../../src/model/policy.js';
import { NOW, OCI_INDEX, OCI_MANIFEST, digest } from '../support/builders.js';

// Small in-memory repositories for analysis tests.

export const REGISTRY_ID = '123456789012';
export const HOST = `${REGISTRY_ID}.dkr.ecr.eu-west-1.amazonaws.com`;

export function state(images: ImageRecord[], manifests: ManifestInfo[] = [], repositoryName = 'app'): RepositoryState {
  return {
    repositoryName,
    images,
    manifests: new Map(manifests.map((m) => [m.digest, m])),
    manifestsLoaded: manifests.length > 0,
  };
}

/** A blob whose digest derives from `name`. */
export function blob(name: string, size: number): BlobRef {
  return { digest: digest(`blob-${name}`), size };
}

export function imageManifest(imageDigest: string, layers: BlobRef[], config?: BlobRef, subject?: string): ManifestInfo {
  const m: ManifestInfo = { digest: imageDigest, mediaType: OCI_MANIFEST, kind: 'image', layers, children: [] };
  if (config) m.config = config;
  if (subject) m.subject = subject;
  return m;
}

export function platformIndex(indexDigest: string, children: Array<{ digest: string; os?: string; architecture: string; variant?: string }>): ManifestInfo {
  return {
    digest: indexDigest, mediaType: OCI_INDEX, kind: 'index', layers: [],
    children: children.map((c) => ({ digest: c.digest, platform: { os: c.os ?? 'linux', architecture: c.architecture, ...(c.variant ? { variant: c.variant } : {}) } })),
  };
}

/** An ECR reference to `repo` with `:tag` or `@digest`. */
export function ref(suffix: string, repositoryName = 'app'): string {
  return `${HOST}/${repositoryName}${suffix}`;
}

export function use(raw: string, kind: UseKind = 'runtime', file = 'deploy.yaml', line = 1): InUseReference {
  const reference = parseImageReference(raw);
  if (!reference) throw new Error(`bad reference in test: ${raw}`);
  const format = kind === 'build' ? 'dockerfile' : kind === 'recent-pull' ? 'recent-pull' : 'kubernetes';
  return { reference, kind, origin: { format, file, line } };
}

export function run(opts: {
  state: RepositoryState;
  policy?: LifecyclePolicy;
  uses?: InUseReference[];
  days?: number;
  blobIndex?: RegistryBlobIndex;
}): AnalysedRepository {
  return analyseRepository({
    repositoryName: opts.state.repositoryName,
    registryId: REGISTRY_ID,
    region: 'eu-west-1',
    state: opts.state,
    now: NOW,
    days: opts.days ?? 30,
    uses: opts.uses ?? [],
    ...(opts.policy ? { policy: opts.policy } : {}),
    ...(opts.blobIndex ? { blobIndex: opts.blobIndex } : {}),
  });
}

export function findingsOf(r: AnalysedRepository, id: string): Finding[] {
  return r.findings.filter((f) => f.id === id);
}
