import type { UseKind, UseOrigin } from '../../model/in-use.js';
import { sortedTags } from '../../model/image.js';
import { short } from '../../simulate/evaluate.js';
import type { FateAction, ImageFate } from '../fate.js';
import { blobsForManifests, childEntry, cmp, manifestsForPull, platformName } from '../graph.js';
import { splitBlobsAt, type BlobSplit } from '../storage.js';
import type { FindingDraft, RepositoryCheckContext, ResolvedUse } from './types.js';

// Helpers the repository checks share: which uses point at which image, what a pull of that image
// needs and when it first fails, and how uses are rendered as origins and evidence.

export type PullFailure = 'deleted' | 'archived';

export interface NeededManifest {
  digest: string;
  /** `image` or `index`: what the reference names; `child`: a manifest an index lists. */
  role: 'image' | 'index' | 'child';
  platform?: string;
  /** The image whose fate decides this manifest's (itself, or the index holding a child that is no image of its own). */
  holder?: string;
}

export interface AffectedManifest {
  digest: string;
  role: NeededManifest['role'];
  platform?: string;
  imageTags: string[];
  action: FateAction['action'];
  date: string;
  rulePriority: number;
}

export interface PullEvent {
  failure: PullFailure;
  day: number;
  date: string;
  /** The rule responsible: the one acting on the referenced manifest, else on the first affected child. */
  rulePriority: number;
  /** Needed manifests deleted (or archived) on that day. */
  affected: AffectedManifest[];
  /** Whether the referenced manifest itself is affected (false: only a child of it). */
  rootAffected: boolean;
  /** When only children are affected first: the referenced manifest's own deletion (or archive) later in the horizon. */
  rootLater?: { date: string; day: number; rulePriority: number };
}

/** Uses of one image, grouped: the checks report one finding per image, listing every use. */
export interface ImageUses {
  imageDigest: string;
  /** The index holding this child when it is no image record of its own. */
  viaIndex?: string;
  uses: ResolvedUse[];
}

/** The uses of the given kinds, grouped by the image they resolve to, sorted by digest. */
export function usesOfKinds(context: RepositoryCheckContext, kinds: readonly UseKind[]): ImageUses[] {
  const out: ImageUses[] = [];
  for (const [imageDigest, uses] of context.usesByImage) {
    const selected = uses.filter((u) => kinds.includes(u.use.kind));
    if (selected.length === 0) continue;
    const r = selected[0]!.resolved;
    const entry: ImageUses = { imageDigest, uses: selected };
    if (r.status === 'resolved' && r.viaIndex !== undefined) entry.viaIndex = r.viaIndex;
    out.push(entry);
  }
  return out.sort((a, b) => cmp(a.imageDigest, b.imageDigest));
}

/** The manifests a pull of `digest` needs, each with the image whose fate decides it. */
export function pullNeeds(context: RepositoryCheckContext, digest: string, viaIndex?: string): NeededManifest[] {
  const { graph } = context;
  return manifestsForPull(graph, digest).map((d, i) => {
    const root = i === 0;
    const role: NeededManifest['role'] = root && !viaIndex ? (graph.manifests.get(d)?.kind === 'index' ? 'index' : 'image') : 'child';
    const n: NeededManifest = { digest: d, role };
    const platform = role === 'child' ? platformName(childEntry(graph, d)) : undefined;
    if (platform !== undefined) n.platform = platform;
    // A child without an image record of its own lives and goes with its index.
    const holder = graph.images.has(d) ? d : root ? viaIndex : graph.parentsOf.get(d)?.find((p) => graph.images.has(p));
    if (holder !== undefined) n.holder = holder;
    return n;
  });
}

function eventOf(fate: ImageFate | undefined, failure: PullFailure): FateAction | undefined {
  return failure === 'deleted' ? fate?.expired : fate?.archived;
}

/**
 * The first day a pull of `digest` fails in one of the given ways, or undefined when it never does
 * within the horizon. Manifests already missing at the start are not the policy's doing and are ignored.
 */
export function firstPullEvent(
  context: RepositoryCheckContext,
  digest: string,
  failures: readonly PullFailure[],
  viaIndex?: string,
): PullEvent | undefined {
  const needs = pullNeeds(context, digest, viaIndex);
  let best: { failure: PullFailure; day: number } | undefined;
  for (const n of needs) {
    const fate = n.holder === undefined ? undefined : context.fates.get(n.holder);
    for (const failure of failures) {
      const a = eventOf(fate, failure);
      if (a && (!best || a.day < best.day)) best = { failure, day: a.day };
    }
  }
  if (!best) return undefined;
  const affected: AffectedManifest[] = [];
  let rootAffected = false;
  for (const [i, n] of needs.entries()) {
    const fate = n.holder === undefined ? undefined : context.fates.get(n.holder);
    const a = eventOf(fate, best.failure);
    if (!a || a.day !== best.day) continue;
    if (i === 0) rootAffected = true;
    const m: AffectedManifest = {
      digest: n.digest, role: n.role, imageTags: context.graph.images.get(n.digest)?.imageTags ?? [],
      action: a.action, date: a.date, rulePriority: a.rulePriority,
    };
    if (n.platform !== undefined) m.platform = n.platform;
    affected.push(m);
  }
  const first = affected[0]!;
  const event: PullEvent = { failure: best.failure, day: best.day, date: first.date, rulePriority: first.rulePriority, affected, rootAffected };
  const root = needs[0]!;
  const rootAction = rootAffected || root.holder === undefined ? undefined : eventOf(context.fates.get(root.holder), best.failure);
  if (rootAction) event.rootLater = { date: rootAction.date, day: rootAction.day, rulePriority: rootAction.rulePriority };
  return event;
}

/** The blobs a pull needs, split at `day`: those no remaining image holds, and those other images keep. */
export function pullBlobsAt(context: RepositoryCheckContext, digest: string, day: number): BlobSplit {
  const blobs = blobsForManifests(context.graph, manifestsForPull(context.graph, digest));
  return splitBlobsAt(context, context.blobTimings, blobs, day, 'deleted');
}

/** Origins of the uses, deduplicated and sorted (file, line, column, path). */
export function originsOf(uses: readonly ResolvedUse[]): UseOrigin[] {
  const seen = new Map<string, UseOrigin>();
  for (const u of uses) {
    const o = u.use.origin;
    seen.set(JSON.stringify([o.file, o.line ?? 0, o.column ?? 0, o.path ?? '', o.format]), o);
  }
  return [...seen.values()].sort(
    (a, b) => cmp(a.file, b.file) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0) || cmp(a.path ?? '', b.path ?? '') || cmp(a.format, b.format),
  );
}

export interface ReferenceEvidence {
  reference: string;
  kind: UseKind;
  /** How it resolved: by tag (follows the tag) or by digest (pinned). */
  by?: 'tag' | 'digest';
  file: string;
  line?: number;
}

export function referencesEvidence(uses: readonly ResolvedUse[]): ReferenceEvidence[] {
  return uses
    .map((u) => {
      const e: ReferenceEvidence = { reference: u.use.reference.raw, kind: u.use.kind, file: u.use.origin.file };
      if (u.resolved.status === 'resolved') e.by = u.resolved.by;
      if (u.use.origin.line !== undefined) e.line = u.use.origin.line;
      return e;
    })
    .sort((a, b) => cmp(a.file, b.file) || (a.line ?? 0) - (b.line ?? 0) || cmp(a.reference, b.reference) || cmp(a.kind, b.kind));
}

/** `repo:tag (sha256:0123456789ab)` or `repo@sha256:0123456789ab`, using the first reference's tag when it has one. */
export function imageLabel(context: RepositoryCheckContext, digest: string, uses: readonly ResolvedUse[]): string {
  const tags = context.graph.images.get(digest)?.imageTags ?? [];
  const tag = uses.map((u) => u.use.reference.tag).find((t) => t !== undefined && tags.includes(t)) ?? [...tags].sort()[0];
  return tag !== undefined ? `${context.repositoryName}:${tag} (${short(digest)})` : `${context.repositoryName}@${short(digest)}`;
}

/** The finding's image: digest and tags at the start. */
/** The draft every in-use check emits: the image, its uses' origins, the rule and date that break it. */
export function useFinding(
  context: RepositoryCheckContext,
  entry: ImageUses,
  at: { rulePriority: number; date: string },
  message: string,
  evidence: Record<string, unknown>,
): FindingDraft {
  return {
    message,
    repositoryName: context.repositoryName,
    image: findingImage(context, entry.imageDigest),
    rulePriority: at.rulePriority,
    date: at.date,
    origins: originsOf(entry.uses),
    evidence,
  };
}

export function findingImage(context: RepositoryCheckContext, digest: string): { imageDigest: string; imageTags: string[] } {
  return { imageDigest: digest, imageTags: sortedTags(context.graph.images.get(digest)?.imageTags ?? []) };
}

/** "the linux/arm64 child manifest sha256:… of" phrases for manifests affected that are children. */
export function describeAffected(event: PullEvent): string {
  const children = event.affected.filter((m) => m.role === 'child');
  if (event.rootAffected || children.length === 0) return '';
  const names = children.map((c) => (c.platform ? `${c.platform} (${short(c.digest)})` : short(c.digest)));
  return `child manifest${names.length > 1 ? 's' : ''} ${names.join(', ')}`;
}

/** Evidence every pull-failure finding carries: the references, and the manifests affected that day. */
export function pullEventEvidence(entry: ImageUses, event: PullEvent): Record<string, unknown> {
  const evidence: Record<string, unknown> = {
    references: referencesEvidence(entry.uses),
    failure: event.failure,
    day: event.day,
    affectedManifests: event.affected,
    referencedManifestAffected: event.rootAffected,
  };
  if (event.rootLater) evidence.referencedManifestLater = event.rootLater;
  if (entry.viaIndex !== undefined) evidence.viaIndex = entry.viaIndex;
  return evidence;
}

/** What a pull of the image becomes, for messages: the image itself, or only some child manifests of it. */
export function whatFails(event: PullEvent, verb: string): string {
  const children = describeAffected(event);
  if (children === '') return `would be ${verb}`;
  const until = event.rootLater ? ` until ${event.rootLater.date} (then rule ${event.rootLater.rulePriority} ${verb === 'deleted' ? 'deletes' : 'archives'} it too)` : '';
  return `stays${until}, but its ${children} would be ${verb}`;
}
