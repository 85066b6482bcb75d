import { analyseRepository, missingRepositoryFindings, type AnalysedRepository, type PreparedRepository } from '../analyse/analyse.js';
import { addToRegistryBlobIndex, blobsForPull, createRegistryBlobIndex, holdersOf, type RegistryBlobIndex } from '../analyse/graph.js';
import { addDeclaredUses, loadDeclaredUseSources, parseBuildArgs, parseDefaultRegistry, recentPullDaysOf, recentPullUses, type DeclaredUses, type ReadContext } from '../analyse/in-use/index.js';
import { namesRegistry } from '../analyse/references.js';
import { createRegistryStorageAccumulator, type RegistryStorageTotals } from '../analyse/storage.js';
import type { InputProblem } from '../model/errors.js';
import { compareFindings, type Finding } from '../model/finding.js';
import type { RegistryInfo } from '../model/image.js';
import type { InUseCoverage, InUseReference, UseOrigin } from '../model/in-use.js';
import type { LifecyclePolicy } from '../model/policy.js';
import type { ContentRelations } from '../simulate/relations.js';
import { formatBytes } from '../report/storage-text.js';
import { iso, previewOf, reportImages, short, timelineOf, TOOL_NAME, type Report, type ReportRepository } from '../report/model.js';
import type { LoadedInputs, RepositoryInput } from '../load/inputs.js';
import { VERSION } from '../version.js';

// Glue between the loaded inputs and the pure analysis: loads in-use sources, runs the analysis of
// each repository, and builds the report document every format renders.

export interface AnalysisOptions {
  inUse?: string[];
  /** --build-arg NAME=VALUE for Dockerfile ARGs. */
  buildArg?: string[];
  /** --default-registry HOST for references written without a registry. */
  defaultRegistry?: string;
  /** Uses already read besides --in-use (a snapshot's own discovery, in-use/): counted in the report alike. */
  foundUses?: Pick<DeclaredUses, 'uses' | 'notEcr' | 'coverage'>;
  recentPullDays?: number;
  blobMounting?: boolean;
}

export interface AnalysisContext {
  now: number;
  days: number;
}

/** Everything the analysis of one repository needs besides the repository itself. */
export interface AnalysisSetup extends AnalysisContext {
  registry: RegistryInfo;
  /** Uses from --in-use files (recent pulls are derived per repository). */
  declaredUses: InUseReference[];
  /** With --in-use: the report's count of references read and of those naming other registries. */
  inUse?: Report['inUse'];
  recentPullDays: number;
  blobIndex?: RegistryBlobIndex;
}

export interface AnalysedInput {
  input: RepositoryInput;
  policy: LifecyclePolicy;
  relations: ContentRelations;
  analysed: AnalysedRepository;
  findings: Finding[];
  report: ReportRepository;
  /** Extra lines for --explain: in-use origins and layer sharing. */
  explainExtra(imageDigest: string): string[];
}

export interface Analysis {
  setup: AnalysisSetup;
  repositories: AnalysedInput[];
  report: Report;
}

export async function prepareAnalysis(inputs: LoadedInputs, o: AnalysisOptions & AnalysisContext, warn: (problem: InputProblem) => void): Promise<AnalysisSetup> {
  const declared = await loadDeclaredUseSources(o.inUse, warn, inUseContext(o, snapshotRegistry(inputs)));
  if (o.foundUses) addDeclaredUses(declared, o.foundUses);
  warnHostless(declared, inputs.repositories.map((r) => r.repositoryName), snapshotRegistry(inputs), warn);
  return setupAnalysis(inputs, declared, o);
}

/**
 * The setup of an analysis whose in-use references are already read (the library's callers pass them
 * in memory); `declared` undefined: no in-use source was read, and the report says nothing of them.
 */
export function setupAnalysis(
  inputs: Pick<LoadedInputs, 'registry' | 'repositories'>,
  declared: { uses: InUseReference[]; notEcr: number; coverage?: InUseCoverage } | undefined,
  o: Omit<AnalysisOptions, 'inUse'> & AnalysisContext,
): AnalysisSetup {
  const declaredUses = declared?.uses ?? [];
  const registry: RegistryInfo = { ...inputs.registry, ...(o.blobMounting !== undefined ? { blobMounting: o.blobMounting } : {}) };
  let blobIndex: RegistryBlobIndex | undefined;
  if (registry.blobMounting) {
    // Blob mounting shares layers across the registry: a blob is freed only when no repository holds it.
    blobIndex = createRegistryBlobIndex();
    for (const r of inputs.repositories) addToRegistryBlobIndex(blobIndex, r.state);
  }
  return {
    now: o.now, days: o.days, registry, declaredUses, recentPullDays: recentPullDaysOf(o.recentPullDays),
    ...(declared ? { inUse: inUseSummary(declared, [registry]) } : {}),
    ...(blobIndex ? { blobIndex } : {}),
  };
}

/**
 * What the report says of the --in-use references: how many were read, and how many name registries
 * other than the ones analysed (not ECR, or another account or region), which are not checked.
 */
export function inUseSummary(declared: { uses: readonly InUseReference[]; notEcr: number; coverage?: InUseCoverage }, registries: readonly RegistryInfo[]): NonNullable<Report['inUse']> {
  const elsewhere = declared.uses.filter((u) => !registries.some((r) => namesRegistry(u.reference, r))).length;
  return { references: declared.uses.length + declared.notEcr, otherRegistries: declared.notEcr + elsewhere, ...declared.coverage };
}

/** What the in-use readers take from the command line and the snapshot. */
export function inUseContext(o: AnalysisOptions, registry: { registryId?: string; region?: string } | undefined): ReadContext {
  const defaultRegistry = parseDefaultRegistry(o.defaultRegistry);
  return { buildArgs: parseBuildArgs(o.buildArg), ...(defaultRegistry !== undefined ? { defaultRegistry } : {}), ...(registry ? { registry } : {}) };
}

/** The one registry (account and region) of the snapshot, when it has one: CloudFormation's pseudo parameters resolve to it. */
function snapshotRegistry(inputs: LoadedInputs): { registryId: string; region: string } | undefined {
  const ids = new Set(inputs.repositories.map((r) => r.registryId ?? inputs.registry.registryId));
  const regions = new Set(inputs.repositories.map((r) => r.region ?? inputs.registry.region));
  const [id] = ids;
  const [region] = regions;
  return ids.size === 1 && regions.size === 1 && id !== undefined && region !== undefined ? { registryId: id, region } : undefined;
}

/**
 * A reference without a registry host pulls from Docker Hub; when the snapshot has a repository of that
 * name, its author probably meant ECR: a warning names the snapshot's registry and --default-registry.
 */
export function warnHostless(declared: Pick<DeclaredUses, 'hostless'>, repositoryNames: readonly string[], registry: { registryId: string; region: string } | undefined, warn: (p: InputProblem) => void): void {
  const names = new Set(repositoryNames);
  const host = registry ? `${registry.registryId}.dkr.ecr.${registry.region}.amazonaws.com` : undefined;
  for (const h of declared.hostless) {
    if (!names.has(h.repositoryName)) continue;
    const { file, line, column } = h.origin;
    warn({
      location: { file, ...(line !== undefined ? { line } : {}), ...(column !== undefined ? { column } : {}) },
      code: 'in-use/no-registry-host',
      message: `reference ${h.raw} has no registry host, so it is counted as Docker Hub, but the snapshot has a repository ${h.repositoryName}${host ? ` in ${host}` : ''}`,
      expected: `the full reference, or --default-registry ${host ?? 'HOST'} to read such references as this registry's`,
    });
  }
}

export async function analyseInputs(inputs: LoadedInputs, o: AnalysisOptions & AnalysisContext, warn: (problem: InputProblem) => void = () => {}): Promise<Analysis> {
  const setup = await prepareAnalysis(inputs, o, warn);
  const repositories = inputs.repositories.map((input) => analyseRepositoryInput(input, input.policy?.policy, setup));
  return { setup, repositories, report: assembleReport(repositories, setup) };
}

/**
 * One repository under a given policy (the interactive editor calls this after every edit, with the
 * repository prepared once: see prepareRepository).
 */
export function analyseRepositoryInput(input: RepositoryInput, policy: LifecyclePolicy | undefined, setup: AnalysisSetup, prepared?: PreparedRepository): AnalysedInput {
  const effective = policy ?? { rules: [] };
  const uses = [
    ...setup.declaredUses,
    ...(setup.recentPullDays > 0 ? recentPullUses([{ repositoryName: input.repositoryName, images: input.state.images }], setup.now, setup.recentPullDays) : []),
  ];
  const analysed = analyseRepository({
    repositoryName: input.repositoryName,
    state: input.state,
    policy: effective,
    now: setup.now,
    days: setup.days,
    uses,
    ...(input.registryId ?? setup.registry.registryId ? { registryId: input.registryId ?? setup.registry.registryId } : {}),
    ...(input.region ?? setup.registry.region ? { region: input.region ?? setup.registry.region } : {}),
    ...(setup.blobIndex ? { blobIndex: setup.blobIndex } : {}),
    ...(prepared ? { prepared } : {}),
  });
  return {
    input,
    policy: effective,
    relations: analysed.graph.relations,
    analysed,
    findings: analysed.findings,
    report: reportRepository(input, analysed),
    explainExtra: (digest) => explainExtra(analysed, digest),
  };
}

/**
 * Registry-level results built one repository at a time (audits stream repositories and keep only
 * this): storage totals, findings, and references to repositories that were not loaded.
 */
export interface ReportAccumulator {
  add(r: AnalysedInput): void;
  finish(): { findings: Finding[]; storage: RegistryStorageTotals };
}

/**
 * `known`: repositories that exist even if not analysed here (other shards): not reported as missing.
 * `keepFindings: false`: the caller keeps the repositories' findings itself (the JSON audit spills them
 * to disk); `finish` then returns only the registry-level ones.
 */
export function createReportAccumulator(setup: AnalysisSetup, known: Iterable<string> = [], keepFindings = true): ReportAccumulator {
  const storage = createRegistryStorageAccumulator(setup.blobIndex);
  const loaded = new Set<string>(known);
  const findings: Finding[] = [];
  return {
    add(r) {
      storage.add(r.analysed.graph, r.analysed.context.fates, r.analysed.context.blobTimings);
      loaded.add(r.input.repositoryName);
      if (keepFindings) findings.push(...r.findings);
    },
    finish() {
      const elsewhere = missingRepositoryFindings(setup.declaredUses.filter((u) => !loaded.has(u.reference.repositoryName)), setup.registry);
      return { findings: [...findings, ...elsewhere].sort(compareFindings), storage: storage.totals(setup.now, setup.days) };
    },
  };
}

export function reportHead(setup: AnalysisContext): Pick<Report, 'tool' | 'now' | 'days'> {
  return { tool: { name: TOOL_NAME, version: VERSION }, now: iso(setup.now), days: setup.days };
}

/** The report of several analysed repositories, all in memory (dry-run, interactive). */
export function assembleReport(repositories: readonly AnalysedInput[], setup: AnalysisSetup): Report {
  const accumulator = createReportAccumulator(setup);
  repositories.forEach((r) => accumulator.add(r));
  const { findings, storage } = accumulator.finish();
  return { ...reportHead(setup), repositories: repositories.map((r) => r.report), findings, storage: storage as unknown as Record<string, unknown>, ...(setup.inUse ? { inUse: setup.inUse } : {}) };
}

export function originText(kind: string, o: UseOrigin): string {
  return `${kind} ${o.file}${o.line !== undefined ? `:${o.line}` : ''}${o.path ? ` (${o.path})` : ''}`;
}

export function reportRepository(input: RepositoryInput, analysed: AnalysedRepository): ReportRepository {
  const { previewResults, summary } = previewOf(analysed.horizon.first.decisions);
  const notes = [...input.notes];
  const relations = analysed.graph.relations;
  if (relations.indexesWithoutManifest.length > 0) {
    notes.push(`${relations.indexesWithoutManifest.length} image indexes have no manifest in the input, so their children are not known to be protected: supply batch-get-image output`);
  }
  if (!input.state.manifestsLoaded && input.state.images.length > 0) notes.push('no manifests (batch-get-image) were supplied: layers, referrers and bytes freed are unknown');
  const inUse = new Map<string, string[]>();
  for (const image of analysed.images) {
    if (image.uses.length > 0) inUse.set(image.imageDigest, image.uses.map((u) => originText(u.use.kind, u.use.origin)));
  }
  return {
    repositoryName: input.repositoryName,
    ...(input.registryId !== undefined ? { registryId: input.registryId } : {}),
    ...(input.region !== undefined ? { region: input.region } : {}),
    policyStatus: input.policyStatus,
    complete: input.complete,
    ...(input.incompleteReason !== undefined ? { incompleteReason: input.incompleteReason } : {}),
    imageCount: input.state.images.length,
    previewResults,
    summary,
    images: reportImages(analysed.horizon, inUse),
    timeline: timelineOf(analysed.horizon),
    storage: analysed.storage as unknown as Record<string, unknown>,
    notes,
  };
}

function explainExtra(analysed: AnalysedRepository, digest: string): string[] {
  const lines: string[] = [];
  const image = analysed.images.find((i) => i.imageDigest === digest);
  for (const u of image?.uses ?? []) lines.push(`in use: ${originText(u.use.kind, u.use.origin)} as ${u.use.reference.raw}`);
  const impact = analysed.storage.images.find((i) => i.imageDigest === digest);
  const split = impact ? analysed.blobSplitOf(digest) : undefined;
  const graph = analysed.graph;
  if (impact && split) {
    lines.push(`layers when it goes (${impact.action} ${impact.date.slice(0, 10)}): ${split.exclusive.length} exclusive, ${formatBytes(split.exclusiveBytes)} freed; ${split.shared.length} shared, ${formatBytes(split.sharedBytes)} retained`);
    for (const s of split.shared.slice(0, 5)) {
      const here = s.heldBy.map((h) => `${short(h.imageDigest)}${h.inUse ? ' [in use]' : ''}`).join(', ') + (s.heldByCount > s.heldBy.length ? ` and ${s.heldByCount - s.heldBy.length} more` : '');
      // Blob mounting: the holders may all be in other repositories.
      const elsewhere = s.heldElsewhere ? `${s.heldElsewhere} image${s.heldElsewhere === 1 ? '' : 's'} in other repositories` : '';
      lines.push(`  shared ${short(s.digest)} (${formatBytes(s.size)}) held by ${[here, elsewhere].filter((t) => t !== '').join('; ')}`);
    }
  } else if (graph.manifests.has(digest)) {
    const blobs = blobsForPull(graph, digest);
    const shared = blobs.filter((b) => holdersOf(graph, b.digest).some((h) => h !== digest));
    lines.push(`layers: ${blobs.length} blobs, ${formatBytes(blobs.reduce((a, b) => a + b.size, 0))}; ${shared.length} shared with other images of ${analysed.repositoryName}`);
  } else if (!graph.manifestsLoaded) {
    lines.push('layers: unknown (no batch-get-image output)');
  }
  return lines;
}
