import { compareFindings, type Finding } from '../model/finding.js';
import type { ImageStatus, RegistryInfo, RepositoryState } from '../model/image.js';
import type { InUseReference } from '../model/in-use.js';
import type { LifecyclePolicy } from '../model/policy.js';
import { simulateHorizon, type HorizonResult } from '../simulate/horizon.js';
import { prepareImageOrder, type ImageOrder } from '../simulate/prepared.js';
import { repositoryChecks } from './checks/index.js';
import { toFinding, type RepositoryCheckContext, type ResolvedUse } from './checks/types.js';
import { unresolvedInUseReference, unresolvedReferenceDrafts } from './checks/unresolved-in-use-reference.js';
import { computeFates, type FateAction } from './fate.js';
import {
  addToRegistryBlobIndex, blobsForManifests, buildContentGraph, cmp, createRegistryBlobIndex, manifestsForPull, type BlobScope, type ContentGraph, type RegistryBlobIndex,
} from './graph.js';
import { createResolver, DEFAULT_TAG } from './references.js';
import {
  computeStorage, createRegistryStorageAccumulator, localBlobTimings, splitBlobsAt, type BlobSplit, type RegistryStorageTotals, type StorageSummary,
} from './storage.js';

// The analysis of a repository, pure: simulate the horizon, resolve the uses, build the content graph,
// count storage, run every repository check. The registry variant runs repositories one at a time.

export interface AnalyseRepositoryInput {
  repositoryName: string;
  registryId?: string;
  region?: string;
  state: RepositoryState;
  /** No policy: nothing is acted on (the findings then only report unresolved references). */
  policy?: LifecyclePolicy;
  now: number;
  days: number;
  /** In-use references; only those naming this repository are considered. */
  uses: readonly InUseReference[];
  /** Registry-wide blob references (blob mounting on). */
  blobIndex?: RegistryBlobIndex;
  /** prepareRepository's result for this `state` (used only if it is this state's): saves its work. */
  prepared?: PreparedRepository;
}

/**
 * What the analysis derives from a repository's state alone, whatever the policy: the content graph
 * and the engine's image order (with the tag matches found so far). Prepared once, it serves every
 * policy tried on the repository: on 100,000 images that is most of an analysis's time.
 */
export interface PreparedRepository {
  state: RepositoryState;
  graph: ContentGraph;
  order: ImageOrder;
}

export function prepareRepository(state: RepositoryState): PreparedRepository {
  const graph = buildContentGraph(state);
  return { state, graph, order: prepareImageOrder(state.images, graph.relations) };
}

export interface AnalysedImage {
  imageDigest: string;
  imageTags: string[];
  imageStatus: ImageStatus;
  /** First action over the horizon (undefined: kept throughout). */
  first?: FateAction;
  archived?: FateAction;
  expired?: FateAction;
  /** Uses resolved to this image (sorted). */
  uses: ResolvedUse[];
}

export interface AnalysedRepository {
  repositoryName: string;
  registryId?: string;
  region?: string;
  state: RepositoryState;
  horizon: HorizonResult;
  /** Every image of the initial state, by digest. */
  images: AnalysedImage[];
  /** Uses naming this repository, resolved or not (other registries dropped), sorted. */
  uses: ResolvedUse[];
  graph: ContentGraph;
  storage: StorageSummary;
  findings: Finding[];
  /**
   * The blobs of an image the policy acts on, split on the day it goes, with the holders still there
   * that day (exact, for --explain); undefined for an image the policy leaves alone.
   */
  blobSplitOf(imageDigest: string): BlobSplit | undefined;
  /** What the repository checks saw; further checks (lint's state checks) run on the same context. */
  context: RepositoryCheckContext;
}

const NO_POLICY: LifecyclePolicy = { rules: [] };

export function analyseRepository(input: AnalyseRepositoryInput): AnalysedRepository {
  const { repositoryName, state, now, days } = input;
  const registryId = input.registryId ?? state.registryId;
  const prepared = input.prepared?.state === state ? input.prepared : undefined;
  const graph = prepared?.graph ?? buildContentGraph(state);
  const horizon = simulateHorizon(input.policy ?? NO_POLICY, state.images, graph.relations, now, days, prepared?.order);
  const fates = computeFates(state.images, horizon);

  const named = input.uses.filter((u) => u.reference.repositoryName === repositoryName);
  const tagsNamed = new Set(named.map((u) => u.reference.tag ?? DEFAULT_TAG));
  const resolve = createResolver({
    ...(registryId !== undefined ? { registryId } : {}),
    ...(input.region !== undefined ? { region: input.region } : {}),
    repositories: new Map([[repositoryName, { images: state.images, manifests: state.manifests, tagsNamed, imagesByDigest: graph.images, parentsOf: graph.parentsOf }]]),
  });
  const uses: ResolvedUse[] = named
    .map((use) => ({ use, resolved: resolve(use.reference) }))
    .filter((u) => u.resolved.status !== 'other-registry')
    .sort(compareResolvedUses);

  const usesByImage = new Map<string, ResolvedUse[]>();
  const inUse = new Set<string>();
  for (const u of uses) {
    if (u.resolved.status !== 'resolved') continue;
    const digest = u.resolved.imageDigest;
    const list = usesByImage.get(digest);
    if (list) list.push(u);
    else usesByImage.set(digest, [u]);
    if (u.use.kind === 'recent-pull') continue;
    for (const d of manifestsForPull(graph, digest)) inUse.add(d);
    if (u.resolved.viaIndex !== undefined) inUse.add(u.resolved.viaIndex);
  }

  const blobTimings = localBlobTimings(graph, fates);
  const storageContext = { graph, fates, inUse, ...(input.blobIndex ? { blobIndex: input.blobIndex } : {}) };
  const storage = computeStorage(storageContext, days, now, blobTimings);

  const context: RepositoryCheckContext = {
    repositoryName, state, now, days, horizon, fates, graph, storage, blobTimings, uses, usesByImage, inUse,
    ...(registryId !== undefined ? { registryId } : {}),
    ...(input.region !== undefined ? { region: input.region } : {}),
    ...(input.blobIndex ? { blobIndex: input.blobIndex } : {}),
  };
  const findings: Finding[] = [];
  for (const check of repositoryChecks) {
    for (const draft of check.run(context)) findings.push(toFinding(check.meta, draft));
  }
  findings.sort(compareFindings);

  // By digest: the graph's order already (digests are unique in a repository's listing).
  const images: AnalysedImage[] = graph.imageDigests.map((digest) => {
    const image = graph.images.get(digest)!;
    const fate = fates.get(digest)!;
    const a: AnalysedImage = { imageDigest: image.imageDigest, imageTags: image.imageTags, imageStatus: image.imageStatus, uses: usesByImage.get(digest) ?? [] };
    if (fate.first) a.first = fate.first;
    if (fate.archived) a.archived = fate.archived;
    if (fate.expired) a.expired = fate.expired;
    return a;
  });

  const blobSplitOf = (digest: string): BlobSplit | undefined => {
    const fate = fates.get(digest);
    const a = fate?.expired ?? fate?.archived;
    if (!a) return undefined;
    return splitBlobsAt(storageContext, blobTimings, blobsForManifests(graph, [digest]), a.day, a.action === 'EXPIRE' ? 'deleted' : 'archived');
  };

  return {
    repositoryName, state, horizon, images, uses, graph, storage, findings, context, blobSplitOf,
    ...(registryId !== undefined ? { registryId } : {}),
    ...(input.region !== undefined ? { region: input.region } : {}),
  };
}

/**
 * Findings for uses naming repositories the snapshot does not contain (other registries dropped):
 * one per reference, saying the repository is missing. Callers pass only such uses.
 */
export function missingRepositoryFindings(uses: readonly InUseReference[], registry: RegistryInfo = {}): Finding[] {
  const resolve = createResolver({
    ...(registry.registryId !== undefined ? { registryId: registry.registryId } : {}),
    ...(registry.region !== undefined ? { region: registry.region } : {}),
    repositories: new Map(),
  });
  const missing: ResolvedUse[] = [];
  for (const use of uses) {
    const resolved = resolve(use.reference);
    if (resolved.status === 'unresolved') missing.push({ use, resolved });
  }
  return unresolvedReferenceDrafts(missing.sort(compareResolvedUses), false).map((d) => toFinding(unresolvedInUseReference.meta, d)).sort(compareFindings);
}

/** Uses in a stable order: origin (file, line, column, path), then reference. */
export function compareResolvedUses(a: ResolvedUse, b: ResolvedUse): number {
  const x = a.use.origin;
  const y = b.use.origin;
  return (
    cmp(x.file, y.file) || (x.line ?? 0) - (y.line ?? 0) || (x.column ?? 0) - (y.column ?? 0) || cmp(x.path ?? '', y.path ?? '') ||
    cmp(a.use.reference.raw, b.use.reference.raw) || cmp(a.use.kind, b.use.kind)
  );
}

export interface AnalyseRegistryInput {
  /**
   * The repositories, analysed one at a time. With blob mounting and no `blobIndex`, a function is
   * called twice (one pass builds the index); a plain iterable is then read into memory once.
   */
  repositories: Iterable<RepositoryState> | (() => Iterable<RepositoryState>);
  registry?: RegistryInfo;
  /** The policy of each repository (undefined: none). */
  policyFor: (repositoryName: string) => LifecyclePolicy | undefined;
  now: number;
  days: number;
  uses: readonly InUseReference[];
  /** Prebuilt registry-wide blob index (blob mounting on). */
  blobIndex?: RegistryBlobIndex;
  /** Called after each repository; with `keepRepositories: false` the results are not kept. */
  onRepository?: (repository: AnalysedRepository) => void;
  keepRepositories?: boolean;
}

export interface AnalysedRegistry {
  registryId?: string;
  region?: string;
  blobScope: BlobScope;
  repositoryCount: number;
  repositories: AnalysedRepository[];
  /** Every repository's findings plus unresolved references to repositories not in the snapshot, sorted. */
  findings: Finding[];
  storage: RegistryStorageTotals;
}

export function analyseRegistry(input: AnalyseRegistryInput): AnalysedRegistry {
  const { registry = {}, now, days } = input;
  const source = input.repositories;
  let blobIndex = input.blobIndex;
  let pass: () => Iterable<RepositoryState> = typeof source === 'function' ? source : () => source;
  if (registry.blobMounting && !blobIndex) {
    if (typeof source !== 'function') {
      const all = [...source];
      pass = () => all;
    }
    blobIndex = createRegistryBlobIndex();
    for (const state of pass()) addToRegistryBlobIndex(blobIndex, state);
  }

  const usesByRepository = new Map<string, InUseReference[]>();
  for (const u of input.uses) {
    const list = usesByRepository.get(u.reference.repositoryName);
    if (list) list.push(u);
    else usesByRepository.set(u.reference.repositoryName, [u]);
  }

  const accumulator = createRegistryStorageAccumulator(blobIndex);
  const repositories: AnalysedRepository[] = [];
  const findings: Finding[] = [];
  const seen = new Set<string>();
  let repositoryCount = 0;
  for (const state of pass()) {
    repositoryCount++;
    seen.add(state.repositoryName);
    const policy = input.policyFor(state.repositoryName);
    const analysed = analyseRepository({
      repositoryName: state.repositoryName, state, now, days, uses: usesByRepository.get(state.repositoryName) ?? [],
      ...(policy ? { policy } : {}),
      ...(registry.registryId !== undefined ? { registryId: registry.registryId } : {}),
      ...(registry.region !== undefined ? { region: registry.region } : {}),
      ...(blobIndex ? { blobIndex } : {}),
    });
    accumulator.add(analysed.graph, analysed.context.fates, analysed.context.blobTimings);
    findings.push(...analysed.findings);
    input.onRepository?.(analysed);
    if (input.keepRepositories !== false) repositories.push(analysed);
  }

  const unseen = [...usesByRepository].filter(([name]) => !seen.has(name)).flatMap(([, uses]) => uses);
  findings.push(...missingRepositoryFindings(unseen, registry));
  findings.sort(compareFindings);

  return {
    ...(registry.registryId !== undefined ? { registryId: registry.registryId } : {}),
    ...(registry.region !== undefined ? { region: registry.region } : {}),
    blobScope: blobIndex ? 'registry' : 'repository',
    repositoryCount,
    repositories: repositories.sort((a, b) => cmp(a.repositoryName, b.repositoryName)),
    findings,
    storage: accumulator.totals(now, days),
  };
}
