import type { Finding } from '../model/finding.js';
import { compareFindings } from '../model/finding.js';
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

export interface AnalysedInput {
  input: RepositoryInput;
  relations: ContentRelations;
  horizon: HorizonResult;
  findings: Finding[];
  /** Extra lines for --explain (in-use origins, layer sharing). */
  explainExtra(imageDigest: string): string[];
}

export interface Analysis {
  repositories: AnalysedInput[];
  report: Report;
}

export async function analyseInputs(inputs: LoadedInputs, o: AnalysisOptions & { now: number; days: number }): Promise<Analysis> {
  const repositories: AnalysedInput[] = inputs.repositories.map((input) => {
    const relations = buildRelations(input.state);
    const horizon = simulateHorizon(input.policy?.policy ?? { rules: [] }, input.state.images, relations, o.now, o.days);
    return { input, relations, horizon, findings: [], explainExtra: () => [] };
  });
  const report: Report = {
    tool: { name: TOOL_NAME, version: VERSION },
    now: iso(o.now),
    days: o.days,
    repositories: repositories.map(repositoryReport),
    findings: repositories.flatMap((r) => r.findings).sort(compareFindings),
  };
  return { repositories, report };
}

function repositoryReport(r: AnalysedInput): ReportRepository {
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
    timeline: timelineOf(r.horizon),
    notes,
  };
}
