import { digestMatches, digestMismatchReason } from '../model/digest.js';
import { InputError, type InputProblem } from '../model/errors.js';
import { isStrictlyAscending, MANIFEST_MAY_FAIL_STATUSES, type BlobRef, type ImageRecord, type IndexChild, type ManifestInfo } from '../model/image.js';
import type { SourceLocation } from '../model/location.js';
import { offsetToLineColumn, parseJsonText, throwLocated, type JsonDocument } from './json-document.js';
import { readJsonArrayDocument } from './json-stream.js';
import { assertInputKind } from './kinds.js';
import { entriesWithProblems } from './problems.js';
import { entrySchemaProblems, renderValue, schemaProblems } from './schemas.js';

// Image manifests (Docker v2 / v1, OCI image, index and artifact) -> the content graph facts the
// engine needs: layers and config with sizes, index children, subject.

export const MEDIA_TYPES = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociArtifact: 'application/vnd.oci.artifact.manifest.v1+json',
  ociImageConfig: 'application/vnd.oci.image.config.v1+json',
} as const;

const INDEX_TYPES = new Set<string>([MEDIA_TYPES.dockerList, MEDIA_TYPES.ociIndex]);
const IMAGE_TYPES = new Set<string>([MEDIA_TYPES.dockerManifest, MEDIA_TYPES.ociManifest, MEDIA_TYPES.ociArtifact]);
// OCI descriptor digest grammar: algorithm ":" encoded.
const DESCRIPTOR_DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * One shared copy of each blob descriptor and media type across the manifests of a file: a base layer
 * named by 100,000 manifests is then one object in memory, not 100,000, and a digest seen before needs
 * no second grammar check (only descriptors whose digest passed it are kept).
 */
export interface ManifestInterner {
  strings: Map<string, string>;
  /** By digest: the first valid descriptor of each blob (digest, size and media type). */
  refs: Map<string, BlobRef>;
  /**
   * The image digests of the repository's listing, each as the listing's own string: a manifest's
   * digest, an index child or a subject then shares it instead of holding a second copy (a third of
   * a loaded repository's digest strings were such copies).
   */
  imageDigests: Map<string, string>;
}

export function createManifestInterner(imageDigests: Iterable<string> = []): ManifestInterner {
  const shared = new Map<string, string>();
  for (const d of imageDigests) shared.set(d, d);
  return { strings: new Map(), refs: new Map(), imageDigests: shared };
}

/** The listing's copy of an image digest, when it has one. */
function sharedDigest(interned: ManifestInterner | undefined, digest: string): string {
  return interned?.imageDigests.get(digest) ?? digest;
}

function internString(interned: ManifestInterner | undefined, v: string): string {
  if (!interned) return v;
  const known = interned.strings.get(v);
  if (known !== undefined) return known;
  interned.strings.set(v, v);
  return v;
}

/** Collects what is wrong with one manifest's descriptors (checked without allocating per call). */
interface DescriptorCheck {
  issues: string[];
  interned: ManifestInterner | undefined;
}

/** `index` >= 0: the descriptor is `path[index]` (the path is only built for a problem). */
function descriptorOf(check: DescriptorCheck, v: unknown, listPath: string, index = -1): BlobRef | undefined {
  const where = (): string => (index < 0 ? listPath : `${listPath}[${index}]`);
  if (!isObj(v)) {
    check.issues.push(`${where()} is not a descriptor object`);
    return undefined;
  }
  let d = v.digest;
  const shared = typeof d === 'string' ? check.interned?.refs.get(d) : undefined;
  let valid = true;
  if (shared) d = shared.digest;
  else if (typeof d !== 'string' || !DESCRIPTOR_DIGEST.test(d)) {
    check.issues.push(`${where()}.digest is ${d === undefined ? 'missing' : `malformed (${renderValue(d)})`}`);
    valid = false;
  }
  const size = v.size;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) {
    check.issues.push(`${where()}.size is ${size === undefined ? 'missing' : `not a non-negative integer (${renderValue(size)})`}`);
    valid = false;
  }
  if (typeof d !== 'string') return undefined;
  const refSize = typeof size === 'number' && size >= 0 ? size : 0;
  const mediaType = typeof v.mediaType === 'string' ? v.mediaType : undefined;
  if (shared && shared.size === refSize && shared.mediaType === mediaType) return shared;
  const digest = shared ? d : sharedDigest(check.interned, d);
  const ref: BlobRef = mediaType !== undefined ? { digest, size: refSize, mediaType: internString(check.interned, mediaType) } : { digest, size: refSize };
  if (!shared && valid) check.interned?.refs.set(digest, ref);
  return ref;
}

function descriptorsOf(check: DescriptorCheck, v: unknown, path: string): BlobRef[] {
  if (!Array.isArray(v)) {
    check.issues.push(`${path} is not a list`);
    return [];
  }
  const out: BlobRef[] = [];
  for (let i = 0; i < v.length; i++) {
    const ref = descriptorOf(check, v[i], path, i);
    if (ref) out.push(ref);
  }
  return out;
}

function manifestError(digest: string, where: SourceLocation | (() => SourceLocation) | undefined, problem: Omit<InputProblem, 'location'>): InputError {
  const location = typeof where === 'function' ? where() : where ?? { file: `manifest ${digest}` };
  return new InputError([{ location, ...problem }]);
}

/**
 * Parses one manifest. Docker schema 1 manifests are tolerated: their layers (fsLayers) carry
 * no sizes, so they are returned with size 0 (bytes freed are then under-counted).
 * Throws InputError located at `where` (default: a pseudo-file naming the digest); a function is
 * called only when there is a problem, since locating in a large file is costly.
 * `interned` (optional, shared across the manifests of a file) deduplicates blob digests.
 */
export function parseManifest(
  manifestJson: string,
  mediaType: string | undefined,
  digest: string,
  where?: SourceLocation | (() => SourceLocation),
  interned?: ManifestInterner,
): ManifestInfo {
  const fail = (message: string, found?: string, expected?: string): never => {
    throw manifestError(digest, where, { code: 'manifests/bad-manifest', message: `manifest ${digest}: ${message}`, ...(found !== undefined ? { found } : {}), ...(expected !== undefined ? { expected } : {}) });
  };
  let m: unknown;
  try {
    // Plain JSON.parse: duplicate keys do not matter here, and the positional parser (10x slower)
    // is only needed to say where a broken manifest breaks.
    m = JSON.parse(manifestJson);
  } catch {
    const parsed = parseJsonText(manifestJson);
    const syntax = parsed.problems.find((p) => p.code !== 'json/duplicate-key');
    const lc = offsetToLineColumn(manifestJson, syntax?.offset ?? 0);
    throw manifestError(digest, where, { code: 'manifests/not-json', message: `manifest ${digest} is not valid JSON: ${(syntax?.message ?? '').replace(/^invalid JSON: /, '')} (manifest line ${lc.line}, column ${lc.column})`, expected: 'an image manifest or index as a JSON string' });
  }
  if (!isObj(m)) return fail('not a JSON object', renderValue(m), 'an image manifest or index object');

  const check: DescriptorCheck = { issues: [], interned };
  const { issues } = check;

  if (m.schemaVersion === 1) {
    // Docker schema 1: fsLayers lists blobs (newest first, with repeats of the empty layer) without sizes.
    const fs = Array.isArray(m.fsLayers) ? m.fsLayers : fail('schema 1 manifest without fsLayers', undefined, 'fsLayers: [{"blobSum": ...}]');
    const seen = new Set<string>();
    const layers: BlobRef[] = [];
    fs.forEach((l: unknown, i: number) => {
      const sum = isObj(l) ? l.blobSum : undefined;
      if (typeof sum !== 'string' || !DESCRIPTOR_DIGEST.test(sum)) issues.push(`fsLayers[${i}].blobSum is ${sum === undefined ? 'missing' : 'malformed'}`);
      else if (!seen.has(sum)) {
        seen.add(sum);
        layers.push({ digest: sum, size: 0 });
      }
    });
    if (issues.length > 0) fail(issues.join('; '));
    return { digest, mediaType: mediaType ?? MEDIA_TYPES.dockerSchema1, kind: 'image', layers, children: [] };
  }

  const type = internString(interned, typeof m.mediaType === 'string' ? m.mediaType : mediaType ?? (Array.isArray(m.manifests) ? MEDIA_TYPES.ociIndex : MEDIA_TYPES.ociManifest));
  const subject = m.subject === undefined ? undefined : descriptorOf(check, m.subject, 'subject')?.digest;
  // Built property by property (in this order) rather than by spreads: 100,000 manifests per file.
  const info = (kind: ManifestInfo['kind'], config: BlobRef | undefined, layers: BlobRef[], children: IndexChild[], artifactType: string | undefined): ManifestInfo => {
    const out = { digest, mediaType: type } as ManifestInfo;
    if (subject !== undefined) out.subject = subject;
    out.kind = kind;
    if (config) out.config = config;
    out.layers = layers;
    out.children = children;
    if (artifactType !== undefined) out.artifactType = artifactType;
    return out;
  };

  if (INDEX_TYPES.has(type) || (!IMAGE_TYPES.has(type) && Array.isArray(m.manifests))) {
    if (!Array.isArray(m.manifests)) fail(`an index (${type}) without a manifests list`, undefined, 'manifests: [...]');
    const children: IndexChild[] = [];
    (m.manifests as unknown[]).forEach((c, i) => {
      const d = descriptorOf(check, c, 'manifests', i);
      if (!d) return;
      const p = isObj(c) && isObj(c.platform) ? c.platform : undefined;
      const platform = p
        ? Object.fromEntries((['os', 'architecture', 'variant'] as const).filter((k) => typeof p[k] === 'string').map((k) => [k, p[k] as string]))
        : undefined;
      children.push({ digest: d.digest, size: d.size, ...(d.mediaType ? { mediaType: d.mediaType } : {}), ...(platform ? { platform } : {}) });
    });
    if (issues.length > 0) fail(issues.join('; '));
    return info('index', undefined, [], children, typeof m.artifactType === 'string' ? m.artifactType : undefined);
  }

  if (!IMAGE_TYPES.has(type) && !Array.isArray(m.layers) && !Array.isArray(m.blobs)) {
    fail(`unrecognised manifest media type ${JSON.stringify(type)} with neither layers nor manifests`, type, 'a Docker or OCI image manifest or index');
  }
  // The draft OCI artifact manifest lists `blobs` and has no config.
  const isDraftArtifact = type === MEDIA_TYPES.ociArtifact || (!('layers' in m) && Array.isArray(m.blobs));
  const layers = isDraftArtifact ? (m.blobs === undefined ? [] : descriptorsOf(check, m.blobs, 'blobs')) : descriptorsOf(check, m.layers, 'layers');
  const config = isDraftArtifact || m.config === undefined ? undefined : descriptorOf(check, m.config, 'config');
  if (!isDraftArtifact && m.config === undefined) issues.push('config is missing');
  if (issues.length > 0) fail(issues.join('; '));
  // OCI: without artifactType, a non-image config media type names the artifact.
  const artifactType =
    typeof m.artifactType === 'string'
      ? m.artifactType
      : type === MEDIA_TYPES.ociManifest && config?.mediaType !== undefined && config.mediaType !== MEDIA_TYPES.ociImageConfig
        ? config.mediaType
        : undefined;
  return info('image', config, layers, [], artifactType);
}

export interface ManifestFailure {
  imageDigest?: string;
  imageTag?: string;
  failureCode: string;
  failureReason?: string;
}

export interface BatchGetImageResult {
  /** Keyed by manifest digest, in digest order. Only manifests whose bytes hash to their digest. */
  manifests: Map<string, ManifestInfo>;
  failures: ManifestFailure[];
  /**
   * Digests whose imageManifest does not hash to them (sorted): left out of `manifests`, never
   * trusted, and the repository is incomplete (see manifestIncompleteReason).
   */
  digestMismatches: string[];
}

/**
 * `aws ecr batch-get-image` output in a file, read entry by entry (large files are streamed).
 * `imageDigests`: the listing's digests, whose strings the manifests then share.
 */
export async function readBatchGetImageFile(path: string, expectedBy: string, imageDigests: Iterable<string> = []): Promise<BatchGetImageResult> {
  const reader = new BatchGetImageReader(path, imageDigests);
  const { doc, streamed } = await readJsonArrayDocument(path, 'images', (image, i) => reader.add(image, i));
  assertInputKind(doc, ['batch-get-image'], expectedBy);
  // A digest listed twice needs its first manifest text again: a second pass, for those entries only.
  const needed = new Set(reader.firstIndicesOfDuplicates());
  const firstTexts = new Map<number, unknown>();
  if (needed.size > 0) {
    const collect = (image: unknown, i: number): void => void (needed.has(i) && firstTexts.set(i, (image as Obj).imageManifest));
    if (streamed) await readJsonArrayDocument(path, 'images', collect);
    else ((doc.value as { images: unknown[] }).images ?? []).forEach(collect);
  }
  return reader.finish(doc, (i) => firstTexts.get(i));
}

/** `aws ecr batch-get-image` output (several calls' outputs may be merged). Throws InputError with every problem. */
export function parseBatchGetImage(doc: JsonDocument): BatchGetImageResult {
  const reader = new BatchGetImageReader(doc.file);
  const images = (doc.value as Obj | null)?.images;
  const entries = Array.isArray(images) ? images : [];
  entries.forEach((image, i) => reader.add(image, i));
  return reader.finish(doc, (i) => (entries[i] as Obj).imageManifest);
}

/**
 * The checks of batch-get-image output, one entry at a time (a streamed file is never whole in memory):
 * each manifest is parsed as it comes. Problems carry pointers until `finish` locates them.
 */
class BatchGetImageReader {
  private readonly problems: InputProblem[] = [];
  private readonly found = new Map<string, { manifest: ManifestInfo; index: number }>();
  /** Later entries of a digest already seen: compared with the first at the end. */
  private readonly duplicates: Array<{ index: number; firstIndex: number; digest: string; text: string }> = [];
  private readonly interned: ManifestInterner;
  private readonly mismatches = new Set<string>();
  /** Index of the first entry of each digest. */
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly file: string,
    imageDigests: Iterable<string> = [],
  ) {
    this.interned = createManifestInterner(imageDigests);
  }

  add(entry: unknown, i: number): void {
    // The schema per entry (the array has no constraint of its own beyond its items). Entries with
    // schema problems are skipped; the others are still parsed so every problem is reported.
    const schema = entrySchemaProblems('batch-get-image', 'images', entry, i, this.file, 'manifests');
    if (schema.length > 0) {
      this.problems.push(...schema);
      return;
    }
    const image = entry as Obj;
    const digest = sharedDigest(this.interned, (image.imageId as { imageDigest: string }).imageDigest);
    const text = image.imageManifest as string;
    const firstIndex = this.seen.get(digest);
    if (firstIndex !== undefined) {
      // The same manifest asked for by two tags comes back twice: fine when identical.
      this.duplicates.push({ index: i, firstIndex, digest, text });
      return;
    }
    this.seen.set(digest, i);
    try {
      const mediaType = typeof image.imageManifestMediaType === 'string' ? image.imageManifestMediaType : undefined;
      const manifest = parseManifest(text, mediaType, digest, { file: this.file, pointer: `/images/${i}/imageManifest` }, this.interned);
      // The digest is the hash of the manifest's exact bytes: text that does not hash to it (tampered,
      // truncated, filed under another image) is not this image's manifest, whatever it says.
      if (digestMatches(digest, text)) this.found.set(digest, { manifest, index: i });
      else this.mismatches.add(digest);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      this.problems.push(...e.problems);
    }
  }

  firstIndicesOfDuplicates(): number[] {
    return this.duplicates.map((d) => d.firstIndex);
  }

  /** Checks the rest of the document (`doc.value`: failures), then locates every problem. `firstText(i)`: entry i's imageManifest. */
  finish(doc: JsonDocument, firstText: (index: number) => unknown): BatchGetImageResult {
    const { problems } = this;
    for (const d of this.duplicates) {
      if (firstText(d.firstIndex) !== d.text) {
        problems.push({ location: { file: doc.file, pointer: `/images/${d.index}/imageManifest` }, code: 'manifests/conflicting-duplicate', message: `manifest ${d.digest} appears twice with different content (also images[${d.firstIndex}])` });
      }
    }
    const root = doc.value as { images: Obj[]; failures?: Obj[] };
    const rest = isObj(root) && Array.isArray(root.images) ? { ...root, images: [] } : root;
    const restProblems = schemaProblems('batch-get-image', rest, (p) => ({ file: doc.file, pointer: p }), { codePrefix: 'manifests' });
    problems.push(...restProblems);
    throwLocated(doc, problems);
    const skipFailures = entriesWithProblems(restProblems, '/failures');
    const digests = [...this.found.keys()];
    if (!isStrictlyAscending(digests)) digests.sort();
    const manifests = new Map<string, ManifestInfo>();
    for (const d of digests) manifests.set(d, this.found.get(d)!.manifest);
    const failures: ManifestFailure[] = (root.failures ?? []).filter((_, i) => !skipFailures.has(i)).map((f) => {
      const id = isObj(f.imageId) ? f.imageId : {};
      return {
        ...(typeof id.imageDigest === 'string' ? { imageDigest: id.imageDigest } : {}),
        ...(typeof id.imageTag === 'string' ? { imageTag: id.imageTag } : {}),
        failureCode: f.failureCode as string,
        ...(typeof f.failureReason === 'string' ? { failureReason: f.failureReason } : {}),
      };
    });
    failures.sort((a, b) => key(a).localeCompare(key(b)));
    // A digest with both a matching and a mismatching entry: the matching one is its manifest, but the file was altered.
    return { manifests, failures, digestMismatches: [...this.mismatches].sort() };
  }
}

/**
 * Why BatchGetImage failures leave a repository incomplete, or undefined when they do not: a failure
 * naming (by digest, else by tag) an image of the listing whose manifest must be known (see
 * MANIFEST_MAY_FAIL_STATUSES). A failure naming no listed image concerns nothing the analysis uses.
 */
export function blockingManifestFailures(images: readonly ImageRecord[], failures: readonly ManifestFailure[]): string | undefined {
  if (failures.length === 0) return undefined;
  const byDigest = new Map(images.map((i) => [i.imageDigest, i]));
  const byTag = new Map(images.flatMap((i) => i.imageTags.map((t) => [t, i] as const)));
  const blocking = failures.filter((f) => {
    const image = (f.imageDigest !== undefined ? byDigest.get(f.imageDigest) : undefined) ?? (f.imageTag !== undefined ? byTag.get(f.imageTag) : undefined);
    return image !== undefined && !MANIFEST_MAY_FAIL_STATUSES.has(image.imageStatus);
  });
  if (blocking.length === 0) return undefined;
  const codes = [...new Set(blocking.map((f) => f.failureCode))].sort().join(', ');
  return `BatchGetImage failed for ${blocking.length} image(s) that are not archived (${codes}): their layers, index children and referrers are unknown`;
}

/**
 * Why the manifests leave a repository incomplete, or undefined: BatchGetImage failures that matter
 * (blockingManifestFailures) and manifests that do not match their digest (always: they were altered).
 */
export function manifestIncompleteReason(images: readonly ImageRecord[], batch: Pick<BatchGetImageResult, 'failures' | 'digestMismatches'> | undefined): string | undefined {
  if (batch === undefined) return undefined;
  const reasons = [blockingManifestFailures(images, batch.failures), digestMismatchReason(batch.digestMismatches)].filter((r): r is string => r !== undefined);
  return reasons.length > 0 ? reasons.join('; ') : undefined;
}

const key = (f: ManifestFailure): string => `${f.imageDigest ?? ''}\u0000${f.imageTag ?? ''}\u0000${f.failureCode}`;
