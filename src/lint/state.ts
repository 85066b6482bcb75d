import { UsageError, type InputProblem } from '../model/errors.js';
import { compareFindings, type Finding } from '../model/finding.js';
import type { RepositoryState } from '../model/image.js';
import type { InUseReference } from '../model/in-use.js';
import type { SourceLocation } from '../model/location.js';
import type { LifecyclePolicy } from '../model/policy.js';
import { analyseRepository, type AnalysedRepository } from '../analyse/analyse.js';
import { lintStateChecks } from '../analyse/checks/lint/index.js';
import type { LintRepositoryContext } from '../analyse/checks/lint/common.js';
import { buildRegistryBlobIndex, type RegistryBlobIndex } from '../analyse/graph.js';
import { loadDeclaredUses, recentPullDaysOf, recentPullUses } from '../analyse/in-use/index.js';
import { loadInputs, type StateOptions } from '../load/inputs.js';
import { levelFor, optionsFor, applySeverities, type LintConfig } from './config.js';
import { findingOf } from './lint.js';

// Lint with repository state (imported only when state options are given): every safety finding of
// the analysis for the policy under lint, plus the lint state checks (dead rules, rules that never
// act, burst risk). Each finding about a rule is placed at that rule in the policy file.

export interface LintStateRepository {
  repositoryName: string;
  registryId?: string;
  region?: string;
  state: RepositoryState;
  /** False when the snapshot could not read all of it: findings that depend on it are not reliable. */
  complete: boolean;
  incompleteReason?: string;
}

export interface LintState {
  repositories: LintStateRepository[];
  uses: InUseReference[];
  blobIndex?: RegistryBlobIndex;
  /** True with --images: one repository given explicitly. */
  singleRepository: boolean;
  now: number;
  days: number;
}

export interface LintStateOptions extends StateOptions {
  inUse?: string[];
  recentPullDays?: number;
  blobMounting?: boolean;
}

export function validateStateOptions(o: LintStateOptions): void {
  if (o.snapshot !== undefined && o.images !== undefined) throw new UsageError('lint: give either --snapshot DIR or --images FILE, not both');
  if (o.manifests !== undefined && o.images === undefined) throw new UsageError('lint: --manifests goes with --images');
}

export async function loadLintState(o: LintStateOptions, now: number, days: number): Promise<{ state: LintState; warnings: InputProblem[] }> {
  validateStateOptions(o);
  // The policies under lint are the PATH sources; the state's own policies are not simulated.
  const inputs = await loadInputs({ snapshot: o.snapshot, images: o.images, manifests: o.manifests }, now);
  const repositories = inputs.repositories.map((r) => ({
    repositoryName: r.repositoryName, state: r.state, complete: r.complete,
    ...(r.incompleteReason !== undefined ? { incompleteReason: r.incompleteReason } : {}),
    ...(r.registryId !== undefined ? { registryId: r.registryId } : {}),
    ...(r.region !== undefined ? { region: r.region } : {}),
  }));
  // The same in-use loading and recent-pull default as dry-run and audit.
  const warnings: InputProblem[] = [...inputs.warnings];
  const uses: InUseReference[] = await loadDeclaredUses(o.inUse, (p) => warnings.push(p));
  const recentPullDays = recentPullDaysOf(o.recentPullDays);
  if (recentPullDays > 0) uses.push(...recentPullUses(repositories.map((r) => ({ repositoryName: r.repositoryName, images: r.state.images })), now, recentPullDays));
  const state: LintState = { repositories, uses, singleRepository: o.images !== undefined, now, days };
  if (o.blobMounting ?? inputs.registry.blobMounting) state.blobIndex = buildRegistryBlobIndex(repositories.map((r) => r.state));
  return { state, warnings };
}

/**
 * The repository a policy is checked against: the one it names, else the only one there is (with
 * --images the state is one repository given for this purpose: it is used whatever the policy names).
 * A string says why there is none.
 */
export function pairRepository(state: LintState, repositoryName: string | undefined): LintStateRepository | string {
  const named = repositoryName === undefined ? undefined : state.repositories.find((r) => r.repositoryName === repositoryName);
  if (named) return named;
  if (state.repositories.length === 1 && (repositoryName === undefined || state.singleRepository)) return state.repositories[0]!;
  if (repositoryName === undefined) return `the policy names no repository and the state holds ${state.repositories.length}`;
  return `the state has no repository named ${repositoryName}`;
}

export interface PolicyUnderLint {
  policy: LifecyclePolicy;
  locate(pointer: string): SourceLocation;
}

export interface StateLintResult {
  repositoryName: string;
  analysed: AnalysedRepository;
  /** Images a runtime or build use needs. */
  inUse: ReadonlySet<string>;
  findings: Finding[];
}

/** Places a state finding in the policy file: at its rule when it names one, else at the policy. */
function placed(f: Finding, target: PolicyUnderLint): Finding {
  if (f.location) return f;
  const index = f.rulePriority === undefined ? -1 : target.policy.rules.findIndex((r) => r.rulePriority === f.rulePriority);
  return { ...f, location: target.locate(index >= 0 ? `/rules/${index}` : '') };
}

export function lintAgainstState(target: PolicyUnderLint, repository: LintStateRepository, state: LintState, config: LintConfig): StateLintResult {
  const analysed = analyseRepository({
    repositoryName: repository.repositoryName, state: repository.state, policy: target.policy, now: state.now, days: state.days,
    uses: state.uses,
    ...(repository.registryId !== undefined ? { registryId: repository.registryId } : {}),
    ...(repository.region !== undefined ? { region: repository.region } : {}),
    ...(state.blobIndex ? { blobIndex: state.blobIndex } : {}),
  });
  const context: LintRepositoryContext = { ...analysed.context, policy: target.policy };
  const findings: Finding[] = applySeverities(analysed.findings, config);
  for (const check of lintStateChecks) {
    if (levelFor(config, check.meta.id, check.meta.defaultSeverity) === 'off') continue;
    for (const draft of check.run({ ...context, options: optionsFor(config, check.meta.id) } as LintRepositoryContext)) {
      const f = findingOf(check.meta, draft, config);
      if (f) findings.push(f);
    }
  }
  return {
    repositoryName: repository.repositoryName, analysed, inUse: context.inUse,
    findings: findings.map((f) => placed(f, target)).sort(compareFindings),
  };
}
