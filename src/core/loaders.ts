import { loadInUse as readInUse, type InUseParseResult } from '../analyse/in-use/index.js';
import type { InputProblem } from '../model/errors.js';
import type { RegistryInfo } from '../model/image.js';
import type { LifecyclePolicy } from '../model/policy.js';
import type { InUseCoverage } from '../model/in-use.js';
import { loadInputs, requireStateSource, type StateOptions } from '../load/inputs.js';
import { loadPolicyFile } from '../load/policy.js';
import type { UnreadableRegistry } from '../load/snapshot.js';
import { loadConfig, type LintConfig } from '../lint/config.js';
import { timeOf, type RepositoryData, type TimeInput } from './library.js';

// The library's loaders: they read the files the CLI reads and return the plain data the pure
// functions (library.ts) take. A caller that already holds its data never needs them.

export interface LoadRepositoriesOptions extends StateOptions {
  /** The simulation time: image times after it are refused (a clock or snapshot mistake). */
  now: TimeInput;
}

export interface LoadedRepositories {
  registry: RegistryInfo;
  repositories: RepositoryData[];
  warnings: InputProblem[];
  /** Registries the snapshot could not list: results are incomplete (the CLI exits 3). */
  unreadableRegistries: UnreadableRegistry[];
}

/**
 * Repositories from a snapshot directory (`snapshot`), or from AWS CLI output files (`images`,
 * `policy`, `manifests`), as the CLI's --snapshot / --images / --policy / --manifests read them;
 * `policy` with a snapshot is simulated in every repository instead of their own.
 */
export async function loadRepositories(options: LoadRepositoriesOptions): Promise<LoadedRepositories> {
  requireStateSource(options, 'loadRepositories');
  const inputs = await loadInputs(options, timeOf(options.now, 'now'));
  return {
    registry: inputs.registry,
    repositories: inputs.repositories.map((r) => ({
      repositoryName: r.repositoryName,
      ...(r.registryId !== undefined ? { registryId: r.registryId } : {}),
      ...(r.region !== undefined ? { region: r.region } : {}),
      images: r.state.images,
      ...(r.state.manifestsLoaded ? { manifests: r.state.manifests } : {}),
      ...(r.policy ? { policy: r.policy.policy } : {}),
      policyStatus: r.policyStatus,
      complete: r.complete,
      ...(r.incompleteReason !== undefined ? { incompleteReason: r.incompleteReason } : {}),
      notes: r.notes,
    })),
    warnings: inputs.warnings,
    unreadableRegistries: inputs.unreadableRegistries,
  };
}

/**
 * In-use sources (files, or directories read recursively), as --in-use reads them. Problems are
 * returned, not thrown: the CLI stops on any but an unresolved Dockerfile ARG.
 */
export async function loadInUse(paths: readonly string[]): Promise<InUseParseResult & { coverage: InUseCoverage }> {
  return readInUse([...paths]);
}

export interface LoadedPolicyFile {
  policy: LifecyclePolicy;
  file: string;
  /** From get-lifecycle-policy output. */
  repositoryName?: string;
  registryId?: string;
  warnings: InputProblem[];
}

/** A lifecycle policy file (policy JSON or get-lifecycle-policy output); InputError with located problems when ECR would reject it. */
export async function loadPolicy(path: string): Promise<LoadedPolicyFile> {
  const p = await loadPolicyFile(path, 'loadPolicy expects');
  return {
    policy: p.policy, file: p.file,
    ...(p.repositoryName !== undefined ? { repositoryName: p.repositoryName } : {}),
    ...(p.registryId !== undefined ? { registryId: p.registryId } : {}),
    warnings: p.warnings,
  };
}

/** A lint configuration file; with no path, `.ecr-lifeguard.json` in `cwd` when present, else the defaults. */
export async function loadLintConfig(path?: string, cwd = process.cwd()): Promise<LintConfig> {
  return loadConfig(path, cwd);
}
