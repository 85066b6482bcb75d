import type { Finding, Severity } from '../../model/finding.js';
import type { SourceLocation } from '../../model/location.js';
import type { LifecyclePolicy } from '../../model/policy.js';
import type { RepositoryState } from '../../model/image.js';
import type { InUseReference } from '../../model/in-use.js';
import type { HorizonResult } from '../../simulate/horizon.js';
import type { ImageFate } from '../fate.js';
import type { ContentGraph, RegistryBlobIndex } from '../graph.js';
import type { ResolvedReference } from '../references.js';
import type { BlobTimings, StorageSummary } from '../storage.js';

// A check is one finding kind, like a lint rule: `meta` says what it is, `run` produces findings.
// Policy checks need only the policy (pre-merge lint); repository checks need the simulated state.

export interface CheckMeta {
  /** Stable id, used in output, config and SARIF: kebab-case. */
  id: string;
  defaultSeverity: Severity;
  /** One sentence: what it catches. */
  description: string;
  /** A longer help text: why it matters and how to fix it (SARIF `help`). */
  help: string;
  /** Link to its documentation (README section anchor). */
  docs: string;
}

/** A finding before severity overrides: the check's default severity is applied by the runner. */
export type FindingDraft = Omit<Finding, 'id' | 'severity'> & { severity?: Severity };

export interface PolicyCheckContext {
  policy: LifecyclePolicy;
  /** Where a pointer inside the policy is in its file (for lint positions). */
  locate(pointer: string): SourceLocation;
  repositoryName?: string;
}

export interface PolicyCheck {
  scope: 'policy';
  meta: CheckMeta;
  run(context: PolicyCheckContext): FindingDraft[];
}

export const DOCS_BASE = 'https://github.com/ecr-lifeguard/ecr-lifeguard/blob/main/README.md';

export function docsLink(checkId: string): string {
  return `${DOCS_BASE}#check-${checkId}`;
}

export function toFinding(meta: CheckMeta, draft: FindingDraft): Finding {
  return { ...draft, id: meta.id, severity: draft.severity ?? meta.defaultSeverity };
}

// Repository checks run after the simulation: they see the horizon, each image's fate, the content
// graph, storage and the resolved uses of this repository.

export interface ResolvedUse {
  use: InUseReference;
  resolved: ResolvedReference;
}

export interface RepositoryCheckContext {
  repositoryName: string;
  registryId?: string;
  region?: string;
  state: RepositoryState;
  now: number;
  days: number;
  horizon: HorizonResult;
  /** Every image of the initial state, by digest. */
  fates: Map<string, ImageFate>;
  graph: ContentGraph;
  storage: StorageSummary;
  /** Per blob of this repository: when its last holder is deleted / leaves standard storage. */
  blobTimings: BlobTimings;
  /** Uses that name this repository, with their resolution, sorted. */
  uses: ResolvedUse[];
  /** Resolved image digest -> its uses (sorted). */
  usesByImage: Map<string, ResolvedUse[]>;
  /** Images needed by a runtime or build use (including the children of an index such a use pulls). */
  inUse: ReadonlySet<string>;
  /** Registry-wide blob scope (blob mounting on). */
  blobIndex?: RegistryBlobIndex;
}

export interface RepositoryCheck {
  scope: 'repository';
  meta: CheckMeta;
  run(context: RepositoryCheckContext): FindingDraft[];
}
