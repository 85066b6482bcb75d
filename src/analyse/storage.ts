import type { BlobRef, ImageStatus } from '../model/image.js';
import { DAY_MS } from '../simulate/evaluate.js';
import { expiredDay, inactiveDay, isoDate, type FateAction, type ImageFate } from './fate.js';
import { cmp, manifestBlobs, type BlobScope, type ContentGraph, type RegistryBlobIndex } from './graph.js';

// Storage is counted per blob, never by summing imageSizeInBytes: a blob is freed when no remaining
// manifest in its scope references it, and moved to archive when every remaining reference is archived.
// Per blob we compute two days from the image fates (max over the images that hold it), so every
// figure for every day is one pass over the blobs.

/** How many holders a shared blob names; the rest are counted (a base layer may be shared by thousands). */
export const MAX_HOLDERS_LISTED = 10;

export interface StorageFigures {
  bytesFreed: number;
  blobsFreed: number;
  /** Blobs that were referenced from standard storage at the start and are now referenced only by archived images. */
  bytesMovedToArchive: number;
  blobsMovedToArchive: number;
}

export interface StorageOnDay extends StorageFigures {
  day: number;
  date: string;
}

export interface BlobHolder {
  imageDigest: string;
  imageTags: string[];
  /** The holder has a runtime or build use. */
  inUse: boolean;
}

export interface SharedBlob extends BlobRef {
  /** Images of this repository that still hold it (up to MAX_HOLDERS_LISTED, in-use ones first). */
  heldBy: BlobHolder[];
  /** Total number of images of this repository that still hold it. */
  heldByCount: number;
  /** Registry-wide blob scope: references from other repositories' manifests. */
  heldElsewhere?: number;
}

export interface BlobSplit {
  /** Gone (freed, or moved to archive for a transition): no remaining holder. */
  exclusive: BlobRef[];
  exclusiveBytes: number;
  /** Retained because other images hold them. */
  shared: SharedBlob[];
  sharedBytes: number;
}

/**
 * What one image the policy acts on does to storage, kept proportional to the image: its exclusive
 * blobs by digest, and its shared blobs by digest into the repository's `sharedBlobs` table (a base
 * layer shared by thousands of images is described once there, not once per image).
 */
export interface ImageStorageImpact {
  imageDigest: string;
  imageTags: string[];
  /** EXPIRE when the image is deleted within the horizon (even if archived first), else TRANSITION. */
  action: FateAction['action'];
  day: number;
  date: string;
  rulePriority: number;
  /** False when the image's manifest was not supplied: its blobs are unknown and not listed. */
  manifestKnown: boolean;
  /** Blobs gone with it (freed, or moved to archive for a transition): no remaining holder. Sorted. */
  exclusive: string[];
  exclusiveBytes: number;
  /** Blobs other images still hold on that day: digests of `sharedBlobs` entries. Sorted. */
  shared: string[];
  sharedBytes: number;
}

/** A holder in the shared-blob table, with what the policy does to it over the horizon. */
export interface TableBlobHolder extends BlobHolder {
  imageStatus: ImageStatus;
  /** Day the policy archives it (absent: not archived within the horizon). */
  archivedDay?: number;
  /** Day the policy deletes it (absent: it survives the horizon). */
  expiredDay?: number;
}

/** A blob some acted-on image shares with other images, described once per repository. */
export interface SharedBlobEntry extends BlobRef {
  /** Images of this repository whose manifest references it at the start. */
  heldByCount: number;
  /**
   * Up to MAX_HOLDERS_LISTED of them: in-use ones first, then those that hold it longest (latest
   * deletion, then latest archive), then by digest. Which of them still hold it on the day an image
   * goes follows from their days (see `holdsAfter`).
   */
  heldBy: TableBlobHolder[];
  /** Registry-wide blob scope: references from other repositories' manifests. */
  heldElsewhere?: number;
}

/**
 * Whether a table holder still holds a blob after `day`: for a deletion, until the holder is deleted;
 * for an archive (`mode` archived), while the holder is in standard storage.
 */
export function holdsAfter(holder: TableBlobHolder, day: number, mode: 'deleted' | 'archived'): boolean {
  if (mode === 'deleted') return holder.expiredDay === undefined || holder.expiredDay > day;
  if (holder.imageStatus === 'ARCHIVED') return false;
  const leaves = Math.min(holder.archivedDay ?? Infinity, holder.expiredDay ?? Infinity);
  return leaves > day;
}

/** A repository's storage effects: the totals, plus what each acted-on image frees and shares. */
export interface StorageSummary extends RegistryStorageTotals {
  /** Every image the policy acts on within the horizon, by day then digest. */
  images: ImageStorageImpact[];
  /** The blobs those images share with others, once each, by digest. */
  sharedBlobs: SharedBlobEntry[];
}

/** One blob: when the last reference goes, and when the last standard-storage reference goes. */
export interface BlobTiming {
  size: number;
  holders: number;
  activeHolders: number;
  /** Last holder deleted (Infinity: some holder survives, here or in another repository). */
  goneDay: number;
  /** Last holder archived or deleted (-Infinity: no holder was in standard storage at the start). */
  inactiveDay: number;
}

export interface StorageContext {
  graph: ContentGraph;
  fates: Map<string, ImageFate>;
  /** Images with a runtime or build use (holders are marked). */
  inUse: ReadonlySet<string>;
  /** Registry-wide blob scope (blob mounting on): references from all repositories. */
  blobIndex?: RegistryBlobIndex;
}

/**
 * The timings of every blob of a repository, by blob id (see BlobTable), ignoring other repositories
 * (the registry accumulator combines them): the fields of BlobTiming as columns.
 */
export interface BlobTimings {
  holders: Int32Array;
  activeHolders: Int32Array;
  goneDay: Float64Array;
  inactiveDay: Float64Array;
}

/** Each image's deletion day and day out of standard storage, by image id. */
interface HolderDays {
  expired: Float64Array;
  inactive: Float64Array;
}

// Keyed by graph, then fates: the days are indexed by the graph's image ids.
const holderDayCache = new WeakMap<ContentGraph, WeakMap<Map<string, ImageFate>, HolderDays>>();

/** The holders' days, once per graph and set of fates (blobs share holders). */
function holderDaysOf(graph: ContentGraph, fates: Map<string, ImageFate>): HolderDays {
  let byFates = holderDayCache.get(graph);
  if (!byFates) holderDayCache.set(graph, (byFates = new WeakMap()));
  let days = byFates.get(fates);
  if (!days) {
    const n = graph.imageDigests.length;
    days = { expired: new Float64Array(n), inactive: new Float64Array(n) };
    for (let i = 0; i < n; i++) {
      const digest = graph.imageDigests[i]!;
      const fate = fates.get(digest);
      days.expired[i] = expiredDay(fate);
      days.inactive[i] = inactiveDay(fate, graph.images.get(digest));
    }
    byFates.set(fates, days);
  }
  return days;
}

export function localBlobTimings(graph: ContentGraph, fates: Map<string, ImageFate>): BlobTimings {
  const { expired, inactive } = holderDaysOf(graph, fates);
  const { start, holders: list } = graph.blobs;
  const n = graph.blobs.refs.length;
  const t: BlobTimings = { holders: new Int32Array(n), activeHolders: new Int32Array(n), goneDay: new Float64Array(n), inactiveDay: new Float64Array(n) };
  for (let b = 0; b < n; b++) {
    let goneDay = -Infinity;
    let lastInactive = -Infinity;
    let activeHolders = 0;
    for (let k = start[b]!; k < start[b + 1]!; k++) {
      const h = list[k]!;
      if (expired[h]! > goneDay) goneDay = expired[h]!;
      if (inactive[h]! > -Infinity) activeHolders++;
      if (inactive[h]! > lastInactive) lastInactive = inactive[h]!;
    }
    t.holders[b] = start[b + 1]! - start[b]!;
    t.activeHolders[b] = activeHolders;
    t.goneDay[b] = goneDay;
    t.inactiveDay[b] = lastInactive;
  }
  return t;
}

/** One blob's row of the timings. */
export function timingOf(graph: ContentGraph, timings: BlobTimings, id: number): BlobTiming {
  return { size: graph.blobs.refs[id]!.size, holders: timings.holders[id]!, activeHolders: timings.activeHolders[id]!, goneDay: timings.goneDay[id]!, inactiveDay: timings.inactiveDay[id]! };
}

/** Applies other repositories' references (blob mounting): a blob they hold is never freed here. */
function withExternalReferences(t: BlobTiming, digest: string, index: RegistryBlobIndex | undefined): BlobTiming & { external: number } {
  if (!index) return { ...t, external: 0 };
  const external = Math.max(0, (index.refs.get(digest) ?? 0) - t.holders);
  const externalActive = Math.max(0, (index.activeRefs.get(digest) ?? 0) - t.activeHolders);
  return {
    ...t,
    external,
    goneDay: external > 0 ? Infinity : t.goneDay,
    inactiveDay: externalActive > 0 ? Infinity : t.inactiveDay,
  };
}

export interface TimedBlob {
  size: number;
  goneDay: number;
  inactiveDay: number;
  /** Referenced from standard storage at the start (only such blobs can move to archive). */
  wasActive: boolean;
}

/** Changes of the figures by day: each blob adds its size once when freed, and while moved to archive. */
export type StorageDeltas = Map<number, StorageFigures>;

function bump(deltas: StorageDeltas, day: number, key: 'freed' | 'moved', size: number, sign: number): void {
  let f = deltas.get(day);
  if (!f) deltas.set(day, (f = zeroFigures()));
  if (key === 'freed') {
    f.bytesFreed += sign * size;
    f.blobsFreed += sign;
  } else {
    f.bytesMovedToArchive += sign * size;
    f.blobsMovedToArchive += sign;
  }
}

export function addBlobDeltas(deltas: StorageDeltas, t: TimedBlob): void {
  if (Number.isFinite(t.goneDay)) bump(deltas, t.goneDay, 'freed', t.size, 1);
  // Moved when the last standard-storage reference goes while an archived one remains (until freed).
  if (t.wasActive && Number.isFinite(t.inactiveDay) && t.inactiveDay < t.goneDay) {
    bump(deltas, t.inactiveDay, 'moved', t.size, 1);
    if (Number.isFinite(t.goneDay)) bump(deltas, t.goneDay, 'moved', t.size, -1);
  }
}

/** Cumulative figures on each of the given days (sorted ascending). */
export function cumulativeFigures(deltas: StorageDeltas, days: readonly number[]): StorageFigures[] {
  const keys = [...deltas.keys()].sort((a, b) => a - b);
  const out: StorageFigures[] = [];
  let f = zeroFigures();
  let k = 0;
  for (const day of days) {
    while (k < keys.length && keys[k]! <= day) f = addFigures(f, deltas.get(keys[k++]!)!);
    out.push(f);
  }
  return out;
}

function addActionDays(set: Set<number>, fates: Map<string, ImageFate>): void {
  for (const f of fates.values()) {
    if (f.archived) set.add(f.archived.day);
    if (f.expired) set.add(f.expired.day);
  }
}

/** Figures now (day 0), at the horizon's end and on each action day, from cumulative deltas. */
function summarise(deltas: StorageDeltas, actionDaySet: Set<number>, now: number, days: number): Pick<StorageSummary, 'now' | 'horizon' | 'byDay'> {
  const actionDays = [...actionDaySet].sort((a, b) => a - b);
  const all = [...new Set([0, ...actionDays, days])].sort((a, b) => a - b);
  const figures = cumulativeFigures(deltas, all);
  const at = (d: number) => figures[all.indexOf(d)]!;
  return { now: at(0), horizon: at(days), byDay: actionDays.map((d) => ({ day: d, date: isoDate(now + d * DAY_MS), ...at(d) })) };
}

/**
 * Holders of one blob, prepared once per blob and mode so that each removed image costs
 * O(log n + listed) rather than a scan of every holder (a base layer may have 100,000 holders).
 * Groups: in-use holders, then the others; each ordered by the day the holder goes (latest
 * first), then digest, so the holders still there after any day are a prefix of each group.
 */
interface HolderIndex {
  groups: Array<Array<{ digest: string; day: number }>>;
  /** The holders' days, ascending, to count those still there after a day. */
  days: number[];
}

const holderIndexes = new WeakMap<StorageContext, Map<string, HolderIndex>>();

function holderIndex(context: StorageContext, blobDigest: string, mode: 'deleted' | 'archived'): HolderIndex {
  let cache = holderIndexes.get(context);
  if (!cache) holderIndexes.set(context, (cache = new Map()));
  const key = `${mode} ${blobDigest}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const { graph, fates, inUse } = context;
  const days = holderDaysOf(graph, fates);
  const byDay = mode === 'deleted' ? days.expired : days.inactive;
  const id = graph.blobs.idOf.get(blobDigest);
  const all: Array<{ digest: string; day: number }> = [];
  if (id !== undefined) {
    for (let k = graph.blobs.start[id]!; k < graph.blobs.start[id + 1]!; k++) {
      const h = graph.blobs.holders[k]!;
      all.push({ digest: graph.imageDigests[h]!, day: byDay[h]! });
    }
  }
  const order = (a: { digest: string; day: number }, b: { digest: string; day: number }) => (b.day > a.day ? 1 : b.day < a.day ? -1 : cmp(a.digest, b.digest));
  const index: HolderIndex = {
    groups: [all.filter((h) => inUse.has(h.digest)).sort(order), all.filter((h) => !inUse.has(h.digest)).sort(order)],
    days: all.map((h) => h.day).sort((a, b) => a - b),
  };
  cache.set(key, index);
  return index;
}

/** How many of the ascending `days` are <= day. */
function countAtOrBefore(days: readonly number[], day: number): number {
  let lo = 0;
  let hi = days.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (days[mid]! <= day) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Splits blobs at `day` into those with no remaining holder and those others still hold. */
export function splitBlobsAt(
  context: StorageContext,
  timings: BlobTimings,
  blobs: readonly BlobRef[],
  day: number,
  mode: 'deleted' | 'archived',
): BlobSplit {
  const { graph, inUse, blobIndex } = context;
  const split: BlobSplit = { exclusive: [], exclusiveBytes: 0, shared: [], sharedBytes: 0 };
  for (const blob of blobs) {
    const id = graph.blobs.idOf.get(blob.digest);
    if (id === undefined) continue;
    const t = withExternalReferences(timingOf(graph, timings, id), blob.digest, blobIndex);
    const goneBy = mode === 'deleted' ? t.goneDay : t.inactiveDay;
    if (goneBy <= day) {
      split.exclusive.push(blob);
      split.exclusiveBytes += blob.size;
      continue;
    }
    // Still held after `day`: by images not yet deleted (or, for archive, still in standard storage).
    const index = holderIndex(context, blob.digest, mode);
    const heldByCount = index.days.length - countAtOrBefore(index.days, day);
    const heldBy: BlobHolder[] = [];
    for (const group of index.groups) {
      for (const h of group) {
        if (h.day <= day || heldBy.length >= MAX_HOLDERS_LISTED) break;
        heldBy.push({ imageDigest: h.digest, imageTags: graph.images.get(h.digest)?.imageTags ?? [], inUse: inUse.has(h.digest) });
      }
    }
    const shared: SharedBlob = { ...blob, heldBy, heldByCount };
    if (blobIndex) shared.heldElsewhere = t.external;
    split.shared.push(shared);
    split.sharedBytes += blob.size;
  }
  return split;
}

export function computeStorage(
  context: StorageContext,
  days: number,
  now: number,
  timings: BlobTimings = localBlobTimings(context.graph, context.fates),
): StorageSummary {
  const { graph, fates, blobIndex } = context;
  const deltas: StorageDeltas = new Map();
  addTimingDeltas(deltas, graph, timings, blobIndex);
  const actionDays = new Set<number>();
  addActionDays(actionDays, fates);

  const images: ImageStorageImpact[] = [];
  const sharedDigests = new Set<string>();
  for (const fate of fates.values()) {
    const a = fate.expired ?? fate.archived;
    if (!a) continue;
    const mode = a.action === 'EXPIRE' ? 'deleted' : 'archived';
    const impact: ImageStorageImpact = {
      imageDigest: fate.imageDigest, imageTags: fate.imageTags, action: a.action, day: a.day, date: a.date, rulePriority: a.rulePriority,
      manifestKnown: graph.manifests.has(fate.imageDigest), exclusive: [], exclusiveBytes: 0, shared: [], sharedBytes: 0,
    };
    for (const blob of [...manifestBlobs(graph.manifests.get(fate.imageDigest))].sort(byDigest)) {
      const id = graph.blobs.idOf.get(blob.digest);
      if (id === undefined) continue;
      if (goneBy(graph, timings, id, blobIndex, mode) <= a.day) {
        impact.exclusive.push(blob.digest);
        impact.exclusiveBytes += blob.size;
      } else {
        impact.shared.push(blob.digest);
        impact.sharedBytes += blob.size;
        sharedDigests.add(blob.digest);
      }
    }
    images.push(impact);
  }
  images.sort((x, y) => x.day - y.day || cmp(x.imageDigest, y.imageDigest));
  const sharedBlobs = [...sharedDigests].sort(cmp).map((digest) => sharedBlobEntry(context, timings, digest));

  return {
    blobScope: blobIndex ? 'registry' : 'repository',
    ...summarise(deltas, actionDays, now, days),
    incomplete: graph.imagesWithoutManifest.length > 0,
    imagesWithoutManifest: graph.imagesWithoutManifest.length,
    images,
    sharedBlobs,
  };
}

/** The day a blob is gone (deleted) or out of standard storage (archived), in its blob scope. */
function goneBy(graph: ContentGraph, timings: BlobTimings, id: number, blobIndex: RegistryBlobIndex | undefined, mode: 'deleted' | 'archived'): number {
  if (!blobIndex) return mode === 'deleted' ? timings.goneDay[id]! : timings.inactiveDay[id]!;
  const t = withExternalReferences(timingOf(graph, timings, id), graph.blobs.refs[id]!.digest, blobIndex);
  return mode === 'deleted' ? t.goneDay : t.inactiveDay;
}

/** Adds every blob of a repository to the deltas, in its blob scope (other repositories' references applied). */
function addTimingDeltas(deltas: StorageDeltas, graph: ContentGraph, timings: BlobTimings, blobIndex: RegistryBlobIndex | undefined): void {
  for (let b = 0; b < graph.blobs.refs.length; b++) {
    const { size, digest } = graph.blobs.refs[b]!;
    if (!blobIndex) {
      addBlobDeltas(deltas, { size, goneDay: timings.goneDay[b]!, inactiveDay: timings.inactiveDay[b]!, wasActive: timings.activeHolders[b]! > 0 });
      continue;
    }
    const t = timingOf(graph, timings, b);
    const s = withExternalReferences(t, digest, blobIndex);
    addBlobDeltas(deltas, { size, goneDay: s.goneDay, inactiveDay: s.inactiveDay, wasActive: t.activeHolders > 0 || (blobIndex.activeRefs.get(digest) ?? 0) > t.activeHolders });
  }
}

const byDigest = (a: BlobRef, b: BlobRef): number => cmp(a.digest, b.digest);

/** One row of the shared-blob table: the blob, its holder count, and the holders worth naming. */
function sharedBlobEntry(context: StorageContext, timings: BlobTimings, digest: string): SharedBlobEntry {
  const { graph, fates, inUse, blobIndex } = context;
  const id = graph.blobs.idOf.get(digest)!;
  const days = holderDaysOf(graph, fates);
  // The first MAX_HOLDERS_LISTED in order, by insertion into a short list: a base layer may have 100,000 holders.
  const top: Array<{ digest: string; inUse: boolean; expired: number; inactive: number }> = [];
  const before = (a: (typeof top)[number], b: (typeof top)[number]) =>
    Number(b.inUse) - Number(a.inUse) || b.expired - a.expired || b.inactive - a.inactive || cmp(a.digest, b.digest);
  for (let p = graph.blobs.start[id]!; p < graph.blobs.start[id + 1]!; p++) {
    const i = graph.blobs.holders[p]!;
    const d = graph.imageDigests[i]!;
    const h = { digest: d, inUse: inUse.has(d), expired: days.expired[i]!, inactive: days.inactive[i]! };
    if (top.length === MAX_HOLDERS_LISTED && before(h, top[top.length - 1]!) >= 0) continue;
    let k = top.length === MAX_HOLDERS_LISTED ? top.length - 1 : top.length;
    while (k > 0 && before(h, top[k - 1]!) < 0) {
      top[k] = top[k - 1]!;
      k--;
    }
    top[k] = h;
  }
  const heldBy = top.map((h): TableBlobHolder => {
    const image = graph.images.get(h.digest);
    const fate = fates.get(h.digest);
    const holder: TableBlobHolder = { imageDigest: h.digest, imageTags: image?.imageTags ?? [], inUse: h.inUse, imageStatus: image?.imageStatus ?? 'ACTIVE' };
    if (fate?.archived) holder.archivedDay = fate.archived.day;
    if (fate?.expired) holder.expiredDay = fate.expired.day;
    return holder;
  });
  const entry: SharedBlobEntry = { ...graph.blobs.refs[id]!, heldByCount: timings.holders[id]!, heldBy };
  if (blobIndex) entry.heldElsewhere = withExternalReferences(timingOf(graph, timings, id), digest, blobIndex).external;
  return entry;
}

export function addFigures(a: StorageFigures, b: StorageFigures): StorageFigures {
  return {
    bytesFreed: a.bytesFreed + b.bytesFreed,
    blobsFreed: a.blobsFreed + b.blobsFreed,
    bytesMovedToArchive: a.bytesMovedToArchive + b.bytesMovedToArchive,
    blobsMovedToArchive: a.blobsMovedToArchive + b.blobsMovedToArchive,
  };
}

export function zeroFigures(): StorageFigures {
  return { bytesFreed: 0, blobsFreed: 0, bytesMovedToArchive: 0, blobsMovedToArchive: 0 };
}

export interface RegistryStorageTotals {
  blobScope: BlobScope;
  /** After the run at `now` (day 0). */
  now: StorageFigures;
  /** After the last day of the horizon. */
  horizon: StorageFigures;
  /** Cumulative figures on each day the policy acts, in day order. */
  byDay: StorageOnDay[];
  /** True when some images have no manifest: their blobs are not counted, so the figures are a lower bound. */
  incomplete: boolean;
  imagesWithoutManifest: number;
}

export interface RegistryStorageAccumulator {
  /** Adds one analysed repository (call once per repository); pass its blob timings when already computed. */
  add(graph: ContentGraph, fates: Map<string, ImageFate>, timings?: BlobTimings): void;
  totals(now: number, days: number): RegistryStorageTotals;
}

/**
 * Registry totals, repository by repository. Per-repository scope: blobs of different repositories are
 * distinct, so their changes simply add up. Registry scope (blob mounting): a blob is freed on the
 * last day any repository drops it, and only if every reference in the index goes; the accumulator
 * keeps four numbers per blob some repository drops, not per-image lists.
 */
export function createRegistryStorageAccumulator(blobIndex?: RegistryBlobIndex): RegistryStorageAccumulator {
  const deltas: StorageDeltas = new Map();
  const actionDays = new Set<number>();
  const dropped = new Map<string, { goneRefs: number; goneDay: number; inactiveRefs: number; inactiveDay: number }>();
  let imagesWithoutManifest = 0;
  return {
    add(graph, fates, timings = localBlobTimings(graph, fates)) {
      addActionDays(actionDays, fates);
      if (!blobIndex) imagesWithoutManifest += graph.imagesWithoutManifest.length;
      if (!blobIndex) {
        addTimingDeltas(deltas, graph, timings, undefined);
        return;
      }
      for (let b = 0; b < graph.blobs.refs.length; b++) {
        const digest = graph.blobs.refs[b]!.digest;
        const t = timingOf(graph, timings, b);
        const goneHere = Number.isFinite(t.goneDay);
        const inactiveHere = Number.isFinite(t.inactiveDay);
        if (!goneHere && !inactiveHere) continue;
        const d = dropped.get(digest) ?? { goneRefs: 0, goneDay: -Infinity, inactiveRefs: 0, inactiveDay: -Infinity };
        if (goneHere) {
          d.goneRefs += t.holders;
          d.goneDay = Math.max(d.goneDay, t.goneDay);
        }
        if (inactiveHere) {
          d.inactiveRefs += t.activeHolders;
          d.inactiveDay = Math.max(d.inactiveDay, t.inactiveDay);
        }
        dropped.set(digest, d);
      }
    },
    totals(now, days) {
      if (blobIndex) {
        imagesWithoutManifest = blobIndex.imagesWithoutManifest;
        for (const [digest, d] of dropped) {
          const refs = blobIndex.refs.get(digest) ?? 0;
          const activeRefs = blobIndex.activeRefs.get(digest) ?? 0;
          addBlobDeltas(deltas, {
            size: blobIndex.sizes.get(digest) ?? 0,
            goneDay: d.goneRefs >= refs ? d.goneDay : Infinity,
            inactiveDay: d.inactiveRefs >= activeRefs ? d.inactiveDay : Infinity,
            wasActive: activeRefs > 0,
          });
        }
        dropped.clear();
      }
      return {
        blobScope: blobIndex ? 'registry' : 'repository',
        ...summarise(deltas, actionDays, now, days),
        incomplete: imagesWithoutManifest > 0,
        imagesWithoutManifest,
      };
    },
  };
}

/**
 * Totals of several registries (or of shards of one registry with per-repository blob scope): blobs
 * of different registries are distinct, so figures add up; by-day figures are cumulative, so each
 * day sums every registry's latest figure on or before it.
 */
export function sumStorageTotals(list: readonly RegistryStorageTotals[]): RegistryStorageTotals {
  const days = [...new Set(list.flatMap((t) => t.byDay.map((d) => d.day)))].sort((a, b) => a - b);
  const byDay: StorageOnDay[] = days.map((day) => {
    let figures = zeroFigures();
    let date = '';
    for (const t of list) {
      const latest = [...t.byDay].reverse().find((d) => d.day <= day);
      if (latest) figures = addFigures(figures, latest);
      const own = t.byDay.find((d) => d.day === day);
      if (own) date = own.date;
    }
    return { day, date, ...figures };
  });
  return {
    blobScope: list.some((t) => t.blobScope === 'registry') ? 'registry' : 'repository',
    now: list.reduce((a, t) => addFigures(a, t.now), zeroFigures()),
    horizon: list.reduce((a, t) => addFigures(a, t.horizon), zeroFigures()),
    byDay,
    incomplete: list.some((t) => t.incomplete),
    imagesWithoutManifest: list.reduce((a, t) => a + t.imagesWithoutManifest, 0),
  };
}
