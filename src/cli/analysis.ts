import type { Finding } from '../model/finding.js';
import { compareFindings } from '../model/finding.js';
import type { LifecyclePolicy } from '../model/policy.js';
import { buildRelations, type ContentRelations } from '../simulate/relations.js';
import { simulateHorizon, type HorizonResult } from '../simulate/horizon.js';
import { previewOf, reportImages, timelineOf, TOOL_NAME, iso, type Report, type ReportRepository } from '../report/model.js';
import type { LoadedInputs, RepositoryInput } from './inputs.js';
import { VERSION } from './version.js';

// Runs the simulation and analysis over loaded inputs and builds the report document.

export interface AnalysisOptions {
  inUse?: string[];
  recentPullDays?: number;
  blobMounting?: boolean;
}

export interface AnalysisContext {
  now: number;
  days: number;
}

export interface AnalysedInput {
  input: RepositoryInput;
  policy: LifecyclePolicy;
  relations: ContentRelations;
  horizon: HorizonResult;
  findings: Finding[];
  report: ReportRepository;
  /** Extra lines for --explain (in-use origins, layer sharing). */
  explainExtra(imageDigest: string): string[];
}

export interface Analysis {
  repositories: AnalysedInput[];
  report: Report;
}

export async function analyseInputs(inputs: LoadedInputs, o: AnalysisOptions & AnalysisContext): Promise<Analysis> {
  const repositories = inputs.repositories.map((input) => analyseRepositoryInput(input, input.policy?.policy, o));
  return { repositories, report: assembleReport(repositories, o) };
}

/** One repository under a given policy (the interactive editor calls this after every edit). */
export function analyseRepositoryInput(input: RepositoryInput, policy: LifecyclePolicy | undefined, o: AnalysisContext): AnalysedInput {
  const effective = policy ?? { rules: [] };
  const relations = buildRelations(input.state);
  const horizon = simulateHorizon(effective, input.state.images, relations, o.now, o.days);
  const findings: Finding[] = [];
  const analysed = { input, policy: effective, relations, horizon, findings, explainExtra: () => [] as string[] };
  return { ...analysed, report: repositoryReport(analysed) };
}

export function assembleReport(repositories: readonly AnalysedInput[], o: AnalysisContext): Report {
  return {
    tool: { name: TOOL_NAME, version: VERSION },
    now: iso(o.now),
    days: o.days,
    repositories: repositories.map((r) => r.report),
    findings: repositories.flatMap((r) => r.findings).sort(compareFindings),
  };
}

function repositoryReport(r: Omit<AnalysedInput, 'report'>): ReportRepository {
  const { previewResults, summary } = previewOf(r.horizon.first.decisions);
  const notes = [...r.input.notes];
  if (r.relations.indexesWithoutManifest.length > 0) {
    notes.push(`${r.relations.indexesWithoutManifest.length} image indexes have no manifest in the input, so their children are not known to be protected: supply batch-get-image output`);
  }
  return {
    repositoryName: r.input.repositoryName,
    ...(r.input.registryId !== undefined ? { registryId: r.input.registryId } : {}),
    ...(r.input.region !== undefined ? { region: r.input.region } : {}),
    policyStatus: r.input.policyStatus,
    complete: r.input.complete,
    ...(r.input.incompleteReason !== undefined ? { incompleteReason: r.input.incompleteReason } : {}),
    previewResults,
    summary,
    images: reportImages(r.horizon),
    timeline: r.horizon.timeline.length && r.horizon.evaluatedDays.length ? timelineOf(r.horizon) : [],
    notes,
  };
}
