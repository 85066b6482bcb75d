import { readdir, stat } from 'node:fs/promises';
import { didYouMean, snapshotsBelow } from './hints.js';
import { join, relative, sep } from 'node:path';
import { InputError, type InputProblem } from '../model/errors.js';
import type { ImageRecord, ManifestInfo, RegistryInfo, RepositoryState } from '../model/image.js';
import { imageOrigin, readDescribeImagesFile } from './images.js';
import { locationIn, problemAt, readJsonDocument, type JsonDocument } from './json-document.js';
import { assertInputKind } from './kinds.js';
import { blockingManifestFailures, readBatchGetImageFile } from './manifests.js';
import { digestMismatchReason } from '../model/digest.js';
import { loadPolicyFile, type LoadedPolicy } from './policy.js';
import { collectProblems, throwIfProblems } from './problems.js';
import { validateAgainstSchema } from './schemas.js';
import { parseTimestamp } from './time.js';

// A snapshot directory: one folder per repository (nested names become nested folders) holding
// the AWS CLI outputs, plus optional registry.json. Every problem in every file is reported at once.

export const SNAPSHOT_FILES = {
  status: 'snapshot-status.json',
  images: 'describe-images.json',
  manifests: 'batch-get-image.json',
  policy: 'get-lifecycle-policy.json',
  repository: 'repository.json',
  registry: 'registry.json',
} as const;

export interface SnapshotRepository {
  repositoryName: string;
  state: RepositoryState;
  policy?: LoadedPolicy;
  policyStatus: 'present' | 'none' | 'unknown';
  complete: boolean;
  incompleteReason?: string;
  /** batch-get-image failures, sorted (imageTag kept when the failure names one). */
  manifestFailures: Array<{ imageDigest?: string; imageTag?: string; failureCode: string; failureReason?: string }>;
}

export interface Snapshot {
  dir: string;
  registry: RegistryInfo;
  /** Sorted by repositoryName. */
  repositories: SnapshotRepository[];
}

const LOAD_CONCURRENCY = 16;

// ECR's repository name grammar (2 to 256 characters).
const REPOSITORY_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/** A snapshot opened for reading one repository at a time (audits of large registries keep memory bounded). */
export interface OpenedSnapshot {
  dir: string;
  registry: RegistryInfo;
  /** Repository folders relative to dir, sorted. */
  folders: string[];
  /** Loads one folder; throws InputError with that repository's problems. */
  load(folder: string): Promise<SnapshotRepository>;
}

export async function openSnapshot(dir: string): Promise<OpenedSnapshot> {
  await assertDirectory(dir);
  const registry = await loadRegistry(dir);
  const folders = await findRepositoryFolders(dir);
  assertFolders(dir, folders);
  return {
    dir,
    registry,
    folders,
    async load(folder) {
      const problems: InputProblem[] = [];
      const repo = await loadRepository(dir, folder, registry, problems);
      throwIfProblems(problems);
      return repo!;
    },
  };
}

function assertFolders(dir: string, folders: string[]): void {
  if (folders.length === 0) {
    throw new InputError([
      {
        location: { file: dir },
        code: 'snapshot/no-repositories',
        message: `no repository found in the snapshot directory: no folder holds ${SNAPSHOT_FILES.images}`,
        expected: `one folder per repository, named after it, e.g. ${join(dir, 'team', 'api', SNAPSHOT_FILES.images)}`,
      },
    ]);
  }
}

export async function loadSnapshot(dir: string): Promise<Snapshot> {
  await assertDirectory(dir);
  const problems: InputProblem[] = [];
  const registry = (await collectProblems(problems, () => loadRegistry(dir))) ?? {};
  const folders = await findRepositoryFolders(dir);
  assertFolders(dir, folders);
  const repositories: SnapshotRepository[] = [];
  // A bounded pool: large registries have thousands of folders, and each opens up to four files.
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < folders.length) {
      const found: InputProblem[] = [];
      const repo = await loadRepository(dir, folders[next++]!, registry, found);
      if (repo) repositories.push(repo);
      problems.push(...found);
    }
  };
  await Promise.all(Array.from({ length: Math.min(LOAD_CONCURRENCY, folders.length) }, worker));
  throwIfProblems(problems);
  repositories.sort((a, b) => (a.repositoryName < b.repositoryName ? -1 : a.repositoryName > b.repositoryName ? 1 : 0));
  return { dir, registry, repositories };
}

async function assertDirectory(dir: string): Promise<void> {
  const st = await stat(dir).catch(() => undefined);
  if (!st?.isDirectory()) {
    throw new InputError([{ location: { file: dir }, code: 'file/unreadable', message: st ? 'not a directory' : `no such directory${didYouMean(dir)}`, expected: 'a snapshot directory' }]);
  }
  const below = snapshotsBelow(dir, [SNAPSHOT_FILES.registry, SNAPSHOT_FILES.status]);
  if (below.length > 0) {
    const listed = below.slice(0, 5).join(', ') + (below.length > 5 ? `, ... (${below.length} in all)` : '');
    throw new InputError([{ location: { file: dir }, code: 'snapshot/parent-of-snapshots', message: `this folder holds snapshots (${listed}), it is not one itself; give one of them to --snapshot`, expected: `e.g. --snapshot ${below[0]}` }]);
  }
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}

/**
 * Folders (relative to dir, sorted) holding describe-images.json, or only repository.json (a repository
 * the live snapshot could not read completely: it must not vanish from an audit). Hidden folders and
 * symlinks are not followed.
 */
async function findRepositoryFolders(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (abs: string): Promise<void> => {
    const entries = await readdir(abs, { withFileTypes: true });
    if (entries.some((e) => (e.name === SNAPSHOT_FILES.images || e.name === SNAPSHOT_FILES.repository) && !e.isDirectory())) out.push(relative(dir, abs));
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.isDirectory() && !e.name.startsWith('.')) await walk(join(abs, e.name));
    }
  };
  await walk(dir);
  return out.sort();
}

/** A registry `snapshot` could not list (from snapshot-status.json): nothing of it is in the directory. */
export interface UnreadableRegistry {
  registryId?: string;
  region: string;
  roleArn?: string;
  reason: string;
}

/** The registries the snapshot that wrote `dir` could not list; none when it has no status file. */
export async function readSnapshotStatus(dir: string): Promise<UnreadableRegistry[]> {
  const path = join(dir, SNAPSHOT_FILES.status);
  if (!(await exists(path))) return [];
  const doc = await readJsonDocument(path);
  throwIfProblems(validateAgainstSchema('snapshot-status', doc, '', { codePrefix: 'snapshot' }));
  return (doc.value as { unreadableRegistries: UnreadableRegistry[] }).unreadableRegistries;
}

async function loadRegistry(dir: string): Promise<RegistryInfo> {
  const path = join(dir, SNAPSHOT_FILES.registry);
  if (!(await exists(path))) return {};
  const doc = await readJsonDocument(path);
  assertInputKind(doc, ['registry'], `a snapshot's ${SNAPSHOT_FILES.registry} holds`);
  throwIfProblems(validateAgainstSchema('registry', doc, '', { codePrefix: 'registry' }));
  const v = doc.value as RegistryInfo;
  return {
    ...(v.registryId !== undefined ? { registryId: v.registryId } : {}),
    ...(v.region !== undefined ? { region: v.region } : {}),
    ...(v.blobMounting !== undefined ? { blobMounting: v.blobMounting } : {}),
  };
}

interface RepositoryFile {
  repositoryName: string;
  registryId?: string;
  lifecyclePolicyStatus: 'present' | 'none' | 'unknown';
  complete: boolean;
  incompleteReason?: string;
  snapshotAt?: string;
}

async function loadRepositoryFile(path: string): Promise<{ doc: JsonDocument; value: RepositoryFile }> {
  const doc = await readJsonDocument(path);
  const problems = validateAgainstSchema('snapshot-repository', doc, '', { codePrefix: 'snapshot' });
  const v = doc.value as RepositoryFile;
  if (problems.length === 0 && v.snapshotAt !== undefined) {
    const t = parseTimestamp(v.snapshotAt);
    if ('error' in t) problems.push(problemAt(doc, '/snapshotAt', 'snapshot/bad-timestamp', `unparseable snapshotAt: ${t.error}`, { found: JSON.stringify(v.snapshotAt), expected: t.expected }));
  }
  throwIfProblems(problems);
  return { doc, value: v };
}

/** Loads one repository folder; `problems` receives this repository's problems only. */
async function loadRepository(dir: string, folder: string, registry: RegistryInfo, problems: InputProblem[]): Promise<SnapshotRepository | undefined> {
  const abs = join(dir, folder);
  const repositoryName = folder.split(sep).join('/');
  const file = (name: string): string => join(abs, name);
  const problem = (location: InputProblem['location'], code: string, message: string, found?: string, expected?: string): void => {
    problems.push({ location, code, message, ...(found !== undefined ? { found } : {}), ...(expected !== undefined ? { expected } : {}) });
  };

  if (repositoryName === '') {
    problem({ file: file(SNAPSHOT_FILES.images) }, 'snapshot/images-at-root', `${SNAPSHOT_FILES.images} at the root of the snapshot: each repository needs its own folder named after it`, undefined, `${join(dir, '<repository>', SNAPSHOT_FILES.images)}`);
    return undefined;
  }
  if (!REPOSITORY_NAME.test(repositoryName) || repositoryName.length < 2 || repositoryName.length > 256) {
    problem({ file: abs }, 'snapshot/bad-repository-name', `folder ${JSON.stringify(repositoryName)} is not a valid ECR repository name`, JSON.stringify(repositoryName), 'lowercase letters, digits, . _ - separators and / between path components, 2 to 256 characters');
  }

  const repoPath = file(SNAPSHOT_FILES.repository);
  const repoFile = (await exists(repoPath)) ? await collectProblems(problems, () => loadRepositoryFile(repoPath)) : undefined;
  if (!(await exists(file(SNAPSHOT_FILES.images)))) {
    // Only repository.json: the live snapshot could not read the images. Incomplete, never "no images".
    if (repoFile && !repoFile.value.complete) {
      return {
        repositoryName,
        state: { repositoryName, ...(repoFile.value.registryId !== undefined ? { registryId: repoFile.value.registryId } : {}), images: [], manifests: new Map(), manifestsLoaded: false },
        policyStatus: 'unknown',
        complete: false,
        incompleteReason: repoFile.value.incompleteReason ?? 'the images could not be read',
        manifestFailures: [],
      };
    }
    if (repoFile) problem(locationIn(repoFile.doc, '/complete'), 'snapshot/images-missing', `${SNAPSHOT_FILES.repository} says the snapshot is complete, but ${SNAPSHOT_FILES.images} is missing`, 'true', `${SNAPSHOT_FILES.images} next to it, or "complete": false`);
    return undefined;
  }
  const images = await collectProblems(problems, () => readDescribeImagesFile(file(SNAPSHOT_FILES.images), `a snapshot's ${SNAPSHOT_FILES.images} holds`));
  const manifestsPath = file(SNAPSHOT_FILES.manifests);
  const manifestsLoaded = await exists(manifestsPath);
  const batch = manifestsLoaded ? await collectProblems(problems, () => readBatchGetImageFile(manifestsPath, `a snapshot's ${SNAPSHOT_FILES.manifests} holds`, images?.map((i) => i.imageDigest))) : undefined;
  const policyPath = file(SNAPSHOT_FILES.policy);
  const hasPolicy = await exists(policyPath);
  const policy = hasPolicy ? await collectProblems(problems, () => loadPolicyFile(policyPath, `a snapshot's ${SNAPSHOT_FILES.policy} holds`)) : undefined;

  // Consistency between the files and the folder they sit in.
  const mismatch = (location: InputProblem['location'], what: string, found: string, expected: string): void =>
    problem(location, 'snapshot/repository-mismatch', `${what} says repository ${JSON.stringify(found)}, but the folder is ${JSON.stringify(expected)}`, JSON.stringify(found), JSON.stringify(expected));
  const named = images?.find((i) => i.repositoryName !== undefined && i.repositoryName !== repositoryName);
  if (named) mismatch(imageOrigin(named, 'repositoryName') ?? { file: file(SNAPSHOT_FILES.images) }, SNAPSHOT_FILES.images, named.repositoryName!, repositoryName);
  if (policy?.repositoryName !== undefined && policy.repositoryName !== repositoryName) {
    mismatch({ file: policyPath, pointer: '/repositoryName' }, SNAPSHOT_FILES.policy, policy.repositoryName, repositoryName);
  }
  if (repoFile && repoFile.value.repositoryName !== repositoryName) {
    mismatch(locationIn(repoFile.doc, '/repositoryName'), SNAPSHOT_FILES.repository, repoFile.value.repositoryName, repositoryName);
  }
  if (repoFile?.value.lifecyclePolicyStatus === 'none' && hasPolicy) {
    problem(locationIn(repoFile.doc, '/lifecyclePolicyStatus'), 'snapshot/policy-status-mismatch', `${SNAPSHOT_FILES.repository} says the repository has no lifecycle policy, but ${SNAPSHOT_FILES.policy} exists`, '"none"', `"present", or remove ${SNAPSHOT_FILES.policy}`);
  }
  if (repoFile?.value.lifecyclePolicyStatus === 'present' && !hasPolicy) {
    problem(locationIn(repoFile.doc, '/lifecyclePolicyStatus'), 'snapshot/policy-status-mismatch', `${SNAPSHOT_FILES.repository} says the repository has a lifecycle policy, but ${SNAPSHOT_FILES.policy} is missing`, '"present"', `${SNAPSHOT_FILES.policy} next to it`);
  }

  const registryIds = [
    ...new Set([images?.find((i) => i.registryId)?.registryId, policy?.registryId, repoFile?.value.registryId, registry.registryId].filter((x): x is string => x !== undefined)),
  ];
  if (registryIds.length > 1) {
    problem({ file: abs }, 'snapshot/registry-mismatch', `the files of repository ${repositoryName} name different registries: ${registryIds.join(', ')}`, registryIds.join(', '), 'one registryId');
  }
  if (problems.length > 0 || !images) return undefined;

  const manifests = batch?.manifests ?? new Map<string, ManifestInfo>();
  fillSubjects(images, manifests);
  const state: RepositoryState = {
    repositoryName,
    ...(registryIds[0] !== undefined ? { registryId: registryIds[0] } : {}),
    images,
    manifests,
    manifestsLoaded,
  };
  // No get-lifecycle-policy.json means no policy (the layout's rule); repository.json may say the policy
  // could not be read ("unknown"), which leaves the repository incomplete whatever its `complete` says.
  const policyStatus = hasPolicy ? 'present' : repoFile?.value.lifecyclePolicyStatus === 'unknown' ? 'unknown' : 'none';
  const incompleteReasons = [
    ...(repoFile?.value.complete === false ? [repoFile.value.incompleteReason ?? 'repository.json says the snapshot is incomplete'] : []),
    ...(policyStatus === 'unknown' && repoFile?.value.complete !== false ? ['the lifecycle policy could not be read (repository.json: lifecyclePolicyStatus "unknown")'] : []),
    ...(repoFile?.value.complete !== false ? [blockingManifestFailures(images, batch?.failures ?? [])].filter((r): r is string => r !== undefined) : []),
    ...[digestMismatchReason(batch?.digestMismatches ?? [])].filter((r): r is string => r !== undefined),
  ];
  return {
    repositoryName,
    state,
    ...(policy ? { policy } : {}),
    policyStatus,
    complete: incompleteReasons.length === 0,
    ...(incompleteReasons.length > 0 ? { incompleteReason: incompleteReasons.join('; ') } : {}),
    manifestFailures: batch?.failures ?? [],
  };
}

/** Referrers whose ImageDetail lacks subjectManifestDigest get it from their manifest's subject. */
function fillSubjects(images: ImageRecord[], manifests: Map<string, ManifestInfo>): void {
  for (const image of images) {
    const subject = manifests.get(image.imageDigest)?.subject;
    if (image.subjectManifestDigest === undefined && subject !== undefined) image.subjectManifestDigest = subject;
  }
}
