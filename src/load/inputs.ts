import { basename } from 'node:path';
import { UsageError, type InputProblem } from '../model/errors.js';
import type { RegistryInfo, RepositoryState } from '../model/image.js';
import { loadImagesFile, loadManifestsFile } from './detect.js';
import { implausibleTimes } from './images.js';
import { loadPolicyFile, type LoadedPolicy } from './policy.js';
import { manifestIncompleteReason } from './manifests.js';
import { ProblemTally } from './problems.js';
import { loadSnapshot, readSnapshotStatus, type SnapshotRepository, type UnreadableRegistry } from './snapshot.js';

// Loads what every state-based command needs: repositories with their state and policy,
// from a snapshot directory or from single AWS CLI output files.

export interface RepositoryInput {
  repositoryName: string;
  registryId?: string;
  region?: string;
  state: RepositoryState;
  policy?: LoadedPolicy;
  policyStatus: 'present' | 'none' | 'unknown';
  complete: boolean;
  incompleteReason?: string;
  notes: string[];
}

export interface StateOptions {
  snapshot?: string;
  policy?: string;
  images?: string;
  manifests?: string;
}

export interface LoadedInputs {
  registry: RegistryInfo;
  repositories: RepositoryInput[];
  warnings: InputProblem[];
  /** Registries the snapshot could not list (snapshot-status.json): the results are incomplete. */
  unreadableRegistries: UnreadableRegistry[];
}

/** A snapshot repository as the analysis takes it; `override` is --policy, simulated instead of the repository's own. */
export function toRepositoryInput(r: SnapshotRepository, registry: RegistryInfo, override?: LoadedPolicy): RepositoryInput {
  const policy = override ?? r.policy;
  const notes: string[] = [];
  if (r.manifestFailures.length > 0) notes.push(`${r.manifestFailures.length} manifests could not be fetched (batch-get-image failures)`);
  if (override && r.policyStatus === 'present') notes.push(`simulating --policy ${override.file} instead of the repository's own policy`);
  return {
    repositoryName: r.repositoryName,
    ...(r.state.registryId ?? registry.registryId ? { registryId: r.state.registryId ?? registry.registryId } : {}),
    ...(registry.region !== undefined ? { region: registry.region } : {}),
    state: r.state,
    ...(policy ? { policy } : {}),
    policyStatus: policy ? 'present' : r.policyStatus,
    complete: r.complete,
    ...(r.incompleteReason !== undefined ? { incompleteReason: r.incompleteReason } : {}),
    notes,
  };
}

export function requireStateSource(o: StateOptions, command: string): void {
  if (o.snapshot !== undefined && o.images !== undefined) throw new UsageError(`${command}: give either --snapshot DIR or --images FILE, not both`);
  if (o.snapshot === undefined && o.images === undefined) throw new UsageError(`${command}: give --snapshot DIR, or --policy FILE with --images FILE [--manifests FILE]`);
  if (o.snapshot === undefined && o.policy === undefined) throw new UsageError(`${command}: --images needs --policy FILE (the lifecycle policy to simulate)`);
  if (o.manifests !== undefined && o.images === undefined) throw new UsageError(`${command}: --manifests goes with --images`);
}

export async function loadInputs(o: StateOptions, now: number): Promise<LoadedInputs> {
  const override = o.policy !== undefined ? await loadPolicyFile(o.policy) : undefined;
  const warnings: InputProblem[] = [...(override?.warnings ?? [])];
  let registry: RegistryInfo = {};
  let repositories: RepositoryInput[];
  let unreadableRegistries: UnreadableRegistry[] = [];
  if (o.snapshot !== undefined) {
    const snapshot = await loadSnapshot(o.snapshot);
    unreadableRegistries = await readSnapshotStatus(o.snapshot);
    registry = snapshot.registry;
    repositories = snapshot.repositories.map((r) => {
      warnings.push(...(r.policy?.warnings ?? []));
      return toRepositoryInput(r, registry, override);
    });
  } else {
    const images = await loadImagesFile(o.images!);
    const manifests = o.manifests !== undefined ? await loadManifestsFile(o.manifests, images.map((i) => i.imageDigest)) : undefined;
    const state: RepositoryState = {
      repositoryName: images[0]?.repositoryName ?? override?.repositoryName ?? basename(o.images!).replace(/\.json$/, ''),
      registryId: images[0]?.registryId ?? override?.registryId,
      images,
      manifests: manifests?.manifests ?? new Map(),
      manifestsLoaded: manifests !== undefined,
    };
    if (manifests) {
      for (const image of images) image.subjectManifestDigest ??= manifests.manifests.get(image.imageDigest)?.subject;
    }
    const unfiltered = override ? archiveRulesWithoutArchivedImages(override, images, o.images!) : undefined;
    if (unfiltered) warnings.push(unfiltered);
    const notes = manifests?.failures.length ? [`${manifests.failures.length} manifests could not be fetched (batch-get-image failures)`] : [];
    const incompleteReason = manifestIncompleteReason(images, manifests);
    repositories = [{
      repositoryName: state.repositoryName, registryId: state.registryId, state, policy: override, policyStatus: 'present',
      complete: incompleteReason === undefined, ...(incompleteReason !== undefined ? { incompleteReason } : {}), notes,
    }];
  }
  // Implausible times are warnings (the first few located, then a count) and a note in each repository's report.
  const late = new ProblemTally();
  for (const r of repositories) {
    const file = o.snapshot ? `${o.snapshot}/${r.repositoryName}/describe-images.json` : o.images!;
    const implausible = implausibleTimes(r.state.images, now, file);
    late.add(implausible.warnings);
    late.addMore(implausible.more, file);
    r.notes.push(...implausible.notes);
  }
  warnings.push(...late.summary());
  return { registry, repositories, warnings, unreadableRegistries };
}

/**
 * `aws ecr describe-images` lists only ACTIVE images unless given `--filter imageStatus=ANY`: with a
 * policy that archives, or acts on archived images, an images file holding no ARCHIVED or ACTIVATING
 * image was most likely saved without the filter, and the archive rules would be simulated on nothing.
 */
function archiveRulesWithoutArchivedImages(policy: LoadedPolicy, images: readonly { imageStatus: string }[], file: string): InputProblem | undefined {
  const archiveRules = policy.policy.rules.filter((r) => r.action.type === 'transition' || r.selection.storageClass === 'archive').map((r) => r.rulePriority);
  if (archiveRules.length === 0 || images.some((i) => i.imageStatus === 'ARCHIVED' || i.imageStatus === 'ACTIVATING')) return undefined;
  return {
    location: { file },
    code: 'images/no-archived-images',
    message: `the policy has archive rules (rulePriority ${archiveRules.join(', ')}) but no image here is ARCHIVED or ACTIVATING: describe-images lists only ACTIVE images unless given --filter imageStatus=ANY; save it again with that filter (ignore this if the repository has no archived image)`,
  };
}
