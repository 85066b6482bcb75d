import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from './atomic-write.js';
import { readLiveEvents } from './live.js';
import { pathInside, regionProblem, registryIdProblem, repositoryNameProblem } from './names.js';
import type {
  LiveRegistry,
  LiveRepository,
  RegistryFile,
  RegistryReport,
  RepositoryFile,
  RepositoryReport,
  SnapshotOptions,
  SnapshotReport,
} from './types.js';

// A snapshot is the live read written to disk. Layout (read by src/load/snapshot.ts):
//   OUT/registry.json                      {registryId, region, blobMounting?}
//   OUT/<repositoryName>/repository.json   (a name like team/api is a nested folder)
//   OUT/<repositoryName>/describe-images.json, batch-get-image.json, get-lifecycle-policy.json
// With several roles or several regions each (account, region) is its own snapshot root:
//   OUT/<registryId>/<region>/registry.json, OUT/<registryId>/<region>/<repositoryName>/...
//
// Incomplete repositories: a data file is written only when it is whole (every page and
// every batch answered), so no file ever looks complete when it is not; repository.json
// says `complete: false` with the reason. Each repository is first marked incomplete
// ("snapshot in progress"), then its data files are replaced or removed (stale files from
// an earlier snapshot in the same folder must not survive), then repository.json is
// rewritten with the final status: an interrupted run leaves it marked incomplete.

export const SNAPSHOT_FILES = {
  /** At the top of --out: registries whose listing failed (see schemas/snapshot-status.schema.json). */
  status: 'snapshot-status.json',
  registry: 'registry.json',
  repository: 'repository.json',
  describeImages: 'describe-images.json',
  batchGetImage: 'batch-get-image.json',
  lifecyclePolicy: 'get-lifecycle-policy.json',
} as const;

const LAYOUT_NAMES = new Set<string>(Object.values(SNAPSHOT_FILES));

/** Why a repository name cannot be written under the layout, or undefined when it can. */
export function repositoryPathProblem(repositoryName: string): string | undefined {
  // ECR's repository-name pattern; anything else must not become a path.
  const invalid = repositoryNameProblem(repositoryName);
  if (invalid !== undefined) return invalid;
  const clash = repositoryName.split('/').find((segment) => LAYOUT_NAMES.has(segment));
  if (clash !== undefined) return `repository name ${JSON.stringify(repositoryName)} collides with the snapshot file ${clash}`;
  return undefined;
}

/** The folder of one (account, region); throws when either is not what ECR allows or the path would leave `out`. */
export function snapshotRoot(out: string, multiRoot: boolean, registryId: string, region: string): string {
  const problem = registryIdProblem(registryId) ?? regionProblem(region);
  if (problem !== undefined) throw new Error(`refusing to write the snapshot of this registry: ${problem}`);
  return multiRoot ? pathInside(out, registryId, region) : out;
}

/** A repository's folder under its root, or why it cannot have one. */
function repositoryDir(root: string, repositoryName: string): { dir?: string; problem?: string } {
  const problem = repositoryPathProblem(repositoryName);
  if (problem !== undefined) return { problem };
  try {
    return { dir: pathInside(root, ...repositoryName.split('/')) };
  } catch (err) {
    return { problem: (err as Error).message };
  }
}

async function writeOrRemove(path: string, value: unknown): Promise<void> {
  if (value === undefined) await rm(path, { force: true });
  else await writeJsonAtomic(path, value);
}

async function writeRepository(dir: string, repo: LiveRepository, snapshotAt: string): Promise<void> {
  const status = (complete: boolean, incompleteReason?: string): RepositoryFile => ({
    repositoryName: repo.repositoryName,
    registryId: repo.registryId,
    lifecyclePolicyStatus: repo.lifecyclePolicyStatus,
    complete,
    ...(incompleteReason !== undefined ? { incompleteReason } : {}),
    snapshotAt,
  });
  const repositoryPath = join(dir, SNAPSHOT_FILES.repository);
  await writeJsonAtomic(repositoryPath, status(false, 'snapshot in progress'));
  await writeOrRemove(join(dir, SNAPSHOT_FILES.describeImages), repo.describeImages);
  await writeOrRemove(join(dir, SNAPSHOT_FILES.batchGetImage), repo.batchGetImage);
  await writeOrRemove(join(dir, SNAPSHOT_FILES.lifecyclePolicy), repo.lifecyclePolicy);
  await writeJsonAtomic(repositoryPath, status(repo.complete, repo.incompleteReason));
}

function registryReport(registry: LiveRegistry, root: string | undefined): RegistryReport {
  return {
    ...(registry.registryId !== undefined ? { registryId: registry.registryId } : {}),
    region: registry.region,
    ...(registry.roleArn !== undefined ? { roleArn: registry.roleArn } : {}),
    ...(root !== undefined ? { root } : {}),
    ...(registry.blobMounting !== undefined ? { blobMounting: registry.blobMounting } : {}),
    complete: registry.complete,
    ...(registry.incompleteReason !== undefined ? { incompleteReason: registry.incompleteReason } : {}),
    warnings: registry.warnings,
    apiCalls: registry.apiCalls,
    retries: registry.retries,
  };
}

function sumCalls(counts: RepositoryReport['apiCalls']): number {
  return Object.values(counts).reduce((a, b) => a + (b ?? 0), 0);
}

/**
 * Reads the selected registries and writes the snapshot under `options.out`. AWS failures
 * never throw: they make the report (and the repository.json files) incomplete, and the
 * CLI exits 3 when `report.complete` is false. Throws UsageError for bad options.
 */
export async function takeSnapshot(options: SnapshotOptions): Promise<SnapshotReport> {
  const snapshotAt = new Date().toISOString();
  const multiRoot = (options.roleArns?.length ?? 0) > 1 || (options.regions?.length ?? 0) > 1;
  const registries: RegistryReport[] = [];
  const repositories: RepositoryReport[] = [];
  let root: string | undefined;
  for await (const event of readLiveEvents(options)) {
    if (event.kind === 'registry') {
      let registry = event.registry;
      root = undefined;
      // A failed listing leaves nothing safe to write: which repositories exist is unknown.
      if (registry.complete && registry.registryId !== undefined) {
        try {
          root = snapshotRoot(options.out, multiRoot, registry.registryId, registry.region);
        } catch (err) {
          const { registryId: _unsafe, ...rest } = registry;
          registry = { ...rest, complete: false, incompleteReason: (err as Error).message };
        }
      }
      if (root !== undefined && registry.registryId !== undefined) {
        const file: RegistryFile = {
          registryId: registry.registryId,
          region: registry.region,
          ...(registry.blobMounting !== undefined ? { blobMounting: registry.blobMounting } : {}),
        };
        await writeJsonAtomic(join(root, SNAPSHOT_FILES.registry), file);
      }
      registries.push(registryReport(registry, root));
      continue;
    }
    const repo = event.repository;
    const { dir: repoDir, problem: pathProblem } = root !== undefined ? repositoryDir(root, repo.repositoryName) : {};
    const dir = root !== undefined ? repoDir : undefined;
    if (dir !== undefined) await writeRepository(dir, repo, snapshotAt);
    const complete = repo.complete && dir !== undefined;
    const unwritten = root === undefined ? 'registry id unknown: nothing written' : undefined;
    const reasons = [repo.incompleteReason, pathProblem, unwritten].filter((r): r is string => r !== undefined);
    repositories.push({
      repositoryName: repo.repositoryName,
      registryId: repo.registryId,
      region: repo.region,
      path: dir ?? '',
      images: repo.imageCount,
      manifestsFromCache: repo.manifestsFromCache,
      manifestsFetched: repo.manifestsFetched,
      lifecyclePolicyStatus: repo.lifecyclePolicyStatus,
      apiCalls: repo.apiCalls,
      retries: repo.retries,
      complete,
      ...(reasons.length > 0 ? { incompleteReason: reasons.join('; ') } : {}),
    });
  }
  const key = (r: { registryId?: string; region: string; repositoryName?: string }): string =>
    `${r.registryId ?? ''}\u0000${r.region}\u0000${r.repositoryName ?? ''}`;
  const byKey = (a: { registryId?: string; region: string; repositoryName?: string }, b: typeof a): number =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
  repositories.sort(byKey);
  registries.sort(byKey);
  const incomplete = repositories.filter((r) => !r.complete).length;
  // Always written, replacing an earlier one: a registry whose listing failed has nothing (or only
  // an earlier snapshot's data) under --out, and an audit of the directory must know it.
  const unreadableRegistries = registries.filter((r) => !r.complete).map((r) => ({
    ...(r.registryId !== undefined ? { registryId: r.registryId } : {}),
    region: r.region,
    ...(r.roleArn !== undefined ? { roleArn: r.roleArn } : {}),
    reason: `repository listing failed: ${r.incompleteReason ?? 'unknown reason'}`,
  }));
  await writeJsonAtomic(join(options.out, SNAPSHOT_FILES.status), { snapshotAt, unreadableRegistries });
  return {
    snapshotAt,
    out: options.out,
    complete: incomplete === 0 && registries.every((r) => r.complete),
    registries,
    repositories,
    totals: {
      repositories: repositories.length,
      incomplete,
      images: repositories.reduce((a, r) => a + r.images, 0),
      apiCalls: [...registries, ...repositories].reduce((a, r) => a + sumCalls(r.apiCalls), 0),
      retries: [...registries, ...repositories].reduce((a, r) => a + r.retries, 0),
    },
  };
}
