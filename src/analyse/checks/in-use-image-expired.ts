import { compareNewestFirst } from '../../model/image.js';
import { short } from '../../simulate/evaluate.js';
import { cmp } from '../graph.js';
import { firstPullEvent, imageLabel, pullBlobsAt, pullEventEvidence, useFinding, usesOfKinds, whatFails, type ImageUses } from './common.js';
import { docsLink, type FindingDraft, type RepositoryCheck, type RepositoryCheckContext } from './types.js';

const id = 'in-use-image-expired';

export const inUseImageExpired: RepositoryCheck = {
  scope: 'repository',
  meta: {
    id,
    defaultSeverity: 'error',
    description: 'An image that a workload runs would be deleted, or a manifest its pull needs (an index child) would be.',
    help:
      'The policy deletes an image that a running or declared workload references, so the next pull (scale-out, node ' +
      'replacement, rollback) fails. For a multi-architecture index, deleting one child manifest breaks pulls on that ' +
      'platform even though the index remains. Protect the image with a higher-priority rule that selects its tags, ' +
      'keep more images in the count rule, or tag digest-pinned images so an untagged rule no longer selects them.',
    docs: docsLink(id),
  },
  run(context) {
    const out: FindingDraft[] = [];
    let pins: PinIndex | undefined;
    for (const entry of usesOfKinds(context, ['runtime'])) {
      const event = firstPullEvent(context, entry.imageDigest, ['deleted'], entry.viaIndex);
      if (!event) continue;
      const blobs = pullBlobsAt(context, entry.imageDigest, event.day);
      const evidence: Record<string, unknown> = {
        ...pullEventEvidence(entry, event),
        missingBlobs: blobs.exclusive.map((b) => ({ digest: b.digest, size: b.size })),
        missingBytes: blobs.exclusiveBytes,
        retainedBlobs: blobs.shared,
        retainedBytes: blobs.sharedBytes,
      };
      if (!context.graph.manifests.has(entry.imageDigest)) evidence.blobsUnknown = 'the manifest was not supplied (batch-get-image), so its layers are unknown';
      const pin = digestPinEvidence(context, entry, () => (pins ??= pinIndex(context)));
      if (pin) evidence.digestPin = pin;
      out.push(useFinding(context, entry, event, `in-use image ${imageLabel(context, entry.imageDigest, entry.uses)} ${whatFails(event, 'deleted')} on ${event.date} by rule ${event.rulePriority}${movedTagNote(pin)}`, evidence));
    }
    return out;
  },
};

/**
 * Why a digest-pinned image may have become deletable. describe-images keeps no tag history, so a
 * moved tag cannot be proven; what can be said: the image is untagged (only untagged or `any` rules
 * select it), and which tags other uses of this repository follow (the likely former tags).
 */
function movedTagNote(pin: Record<string, unknown> | undefined): string {
  if (typeof pin?.referrerOf === 'string') return ` (pinned by digest; a referrer of ${short(pin.referrerOf)}, removed with it)`;
  const moved = (pin?.likelyMovedTags as Array<{ tag: string }> | undefined) ?? [];
  if (moved.length === 0) return pin ? ' (pinned by digest; the image is untagged)' : '';
  return ` (pinned by digest; untagged since its tag ${moved.map((t) => `"${t.tag}"`).join(' or ')} likely moved to a newer image)`;
}

/** Tags that conventionally move from image to image, unlike release or commit tags. */
const MUTABLE_TAG = /^(latest|main|master|stable|prod|production|staging|dev|develop|edge|nightly|canary|current|release|live)$/;

/**
 * What every digest-pinned image's evidence asks of the repository, built once per run: with a
 * cluster's pod list (thousands of pinned references) a scan of every image and every use per
 * pinned image grew with pins times images.
 */
interface PinIndex {
  /** Images holding a mutable tag, in the graph's order, with those tags. */
  mutableHolders: Array<{ imageDigest: string; tags: string[] }>;
  /** Per tag followed by a use: the image of the last such use, and of the last use on another image. */
  tagUses: Map<string, { last: string; lastOther?: string }>;
}

function pinIndex(context: RepositoryCheckContext): PinIndex {
  const mutableHolders: PinIndex['mutableHolders'] = [];
  for (const i of context.graph.images.values()) {
    const tags = i.imageTags.filter((t) => MUTABLE_TAG.test(t));
    if (tags.length > 0) mutableHolders.push({ imageDigest: i.imageDigest, tags });
  }
  const tagUses: PinIndex['tagUses'] = new Map();
  for (const u of context.uses) {
    const r = u.resolved;
    if (r.status !== 'resolved' || r.by !== 'tag') continue;
    const tag = u.use.reference.tag ?? 'latest';
    const seen = tagUses.get(tag);
    if (seen === undefined) tagUses.set(tag, { last: r.imageDigest });
    else if (seen.last !== r.imageDigest) tagUses.set(tag, { last: r.imageDigest, lastOther: seen.last });
  }
  return { mutableHolders, tagUses };
}

function digestPinEvidence(context: RepositoryCheckContext, entry: ImageUses, index: () => PinIndex): Record<string, unknown> | undefined {
  const pinned = entry.uses.some((u) => u.resolved.status === 'resolved' && u.resolved.by === 'digest');
  const tags = context.graph.images.get(entry.imageDigest)?.imageTags ?? [];
  if (!pinned || tags.length > 0) return undefined;
  // An OCI referrer was never selected by a rule, tagged or not: it goes when its subject goes.
  const subject = context.graph.relations.subjectOf.get(entry.imageDigest);
  if (subject !== undefined) {
    return {
      imageTagged: false,
      referrerOf: subject,
      explanation:
        `The image is an OCI referrer of ${subject} (an SBOM, signature or attestation): rules never select referrers; ` +
        'it is removed or archived when its subject is. Protect the subject, not the referrer.',
    };
  }
  const { mutableHolders, tagUses } = index();
  // Per tag, the image of the last use following it that is not this image.
  const tagsUsedElsewhere = new Map<string, string>();
  for (const [tag, seen] of tagUses) {
    const other = seen.last !== entry.imageDigest ? seen.last : seen.lastOther;
    if (other !== undefined) tagsUsedElsewhere.set(tag, other);
  }
  const self = context.graph.images.get(entry.imageDigest);
  const newer = (d: string) => {
    const other = context.graph.images.get(d);
    return self !== undefined && other !== undefined && compareNewestFirst(other, self) < 0;
  };
  // Mutable tags (latest, main, stable, ...) now on a newer image are the usual way a pinned image loses its tag.
  const likelyMovedTags = mutableHolders
    .filter((h) => newer(h.imageDigest))
    .flatMap((h) => h.tags.map((tag) => ({ tag, nowOn: h.imageDigest })))
    .sort((a, b) => cmp(a.tag, b.tag));
  return {
    imageTagged: false,
    explanation:
      'The image is pinned by digest and has no tag, so only rules selecting untagged images (or any) protect or remove it. ' +
      'describe-images keeps no tag history: whether a tag was moved from this image to a newer one cannot be known from the snapshot' +
      (likelyMovedTags.length > 0 ? `; the mutable tag${likelyMovedTags.length > 1 ? 's' : ''} ${likelyMovedTags.map((t) => `"${t.tag}"`).join(', ')} now on a newer image ${likelyMovedTags.length > 1 ? 'are the likely causes' : 'is the likely cause'}: when the tag moved on, this image became untagged.` : '.'),
    likelyMovedTags,
    tagsUsedElsewhere: [...tagsUsedElsewhere]
      // A tag another workload follows, now on a newer image, is the likely former tag of this one.
      .map(([tag, imageDigest]) => ({ tag, imageDigest, onNewerImage: newer(imageDigest) }))
      .sort((a, b) => cmp(a.tag, b.tag)),
  };
}
