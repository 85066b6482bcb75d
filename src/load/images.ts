import type { InputProblem } from '../model/errors.js';
import { sortedTags, type ImageRecord, type ImageStatus } from '../model/image.js';
import type { SourceLocation } from '../model/location.js';
import { definedOnly, locationIn, parseJsonDocument, throwLocated, type JsonDocument } from './json-document.js';
import { readJsonArrayDocument } from './json-stream.js';
import { assertInputKind } from './kinds.js';
import { sortProblems } from './problems.js';
import { entrySchemaProblems, schemaProblems } from './schemas.js';
import { formatTimestamp, parseTimestamp } from './time.js';

// `aws ecr describe-images` output -> ImageRecord[], with every inconsistency located.

/** ECR launched in December 2015: an earlier time is a unit or format mistake. */
export const EARLIEST_YEAR = 2015;
export const MAX_TAGS_PER_IMAGE = 1000;
const EARLIEST_MS = Date.UTC(EARLIEST_YEAR, 0, 1);

const TIME_FIELDS = ['imagePushedAt', 'lastRecordedPullTime', 'lastArchivedAt', 'lastActivatedAt'] as const;
type TimeField = (typeof TIME_FIELDS)[number];

// Where each record came from, so later checks (times against --now) can point at the file. Only
// what finds the positions again is kept (the text, or the file for a streamed one), not the parsed
// document (many times larger): positions are worked out when asked for.
interface Source {
  document(): JsonDocument;
}
const origins = new WeakMap<ImageRecord, { source: Source; index: number }>();

/** A time recorded before imagePushedAt, taken as imagePushedAt: the field and what the file said. */
interface Clamped {
  field: 'lastRecordedPullTime' | 'lastArchivedAt';
  recorded: number;
}
const clampedTimes = new WeakMap<ImageRecord, Clamped[]>();

/** The location of an image's entry in the describe-images file it was loaded from. */
export function imageOrigin(image: ImageRecord, field?: string): SourceLocation | undefined {
  const o = origins.get(image);
  if (!o) return undefined;
  const pointer = `/imageDetails/${o.index}`;
  return locationIn(o.source.document(), field ? `${pointer}/${field}` : pointer);
}

function sourceOf(doc: JsonDocument, streamed: boolean): Source {
  if (streamed) return { document: () => doc }; // holds the rest of the document only; reads the file for positions
  const { file, text } = doc;
  let parsed: JsonDocument | undefined;
  return { document: () => (parsed ??= parseJsonDocument(text, file)) };
}

export function shortDigest(digest: string): string {
  return digest.length > 19 ? `${digest.slice(0, 19)}...` : digest;
}

type Obj = Record<string, unknown>;

/** `aws ecr describe-images` output in a file, read entry by entry (large files are streamed). Sorted by imageDigest. */
export async function readDescribeImagesFile(path: string, expectedBy: string): Promise<ImageRecord[]> {
  const reader = new DescribeImagesReader(path);
  const { doc, streamed } = await readJsonArrayDocument(path, 'imageDetails', (d, i) => reader.add(d, i));
  assertInputKind(doc, ['describe-images'], expectedBy);
  return reader.finish(doc, sourceOf(doc, streamed));
}

/** Images sorted by imageDigest. Throws InputError with every problem found. */
export function parseDescribeImages(doc: JsonDocument): ImageRecord[] {
  const reader = new DescribeImagesReader(doc.file);
  const details = (doc.value as Obj | null)?.imageDetails;
  if (Array.isArray(details)) details.forEach((d, i) => reader.add(d, i));
  return reader.finish(doc, sourceOf(doc, false));
}

/**
 * The checks of describe-images output, one entry at a time (a streamed file is never whole in
 * memory). Problems carry pointers until `finish` locates them in the document.
 */
class DescribeImagesReader {
  private readonly problems: InputProblem[] = [];
  private readonly images: ImageRecord[] = [];
  private readonly indices: number[] = [];
  private readonly firstByDigest = new Map<string, number>();
  private readonly digestAt = new Map<number, string>();
  private readonly ownerOfTag = new Map<string, number>();
  private repositoryName: { value: string; index: number } | undefined;
  private registryId: { value: string; index: number } | undefined;
  // Values every image repeats (media types, registry, repository): one string each, not one per image.
  private readonly strings = new Map<string, string>();

  constructor(private readonly file: string) {}

  private intern(v: string): string {
    const known = this.strings.get(v);
    if (known !== undefined) return known;
    this.strings.set(v, v);
    return v;
  }

  add(d: unknown, i: number): void {
    const { problems } = this;
    // The schema per entry (the array has no constraint of its own beyond its items): entries with
    // schema problems are skipped (their shape is unreliable); the others are still checked so that
    // every problem is reported in one go.
    const schema = entrySchemaProblems('describe-images', 'imageDetails', d, i, this.file, 'images');
    if (schema.length > 0) {
      problems.push(...schema);
      return;
    }
    const entry = d as Obj;
    const report = (field: string, code: string, message: string, found?: string, expected?: string): void => {
      problems.push({ location: { file: this.file, pointer: field ? `/imageDetails/${i}/${field}` : `/imageDetails/${i}` }, code, message, ...definedOnly({ found, expected }) });
    };
    const digest = entry.imageDigest as string;
    this.digestAt.set(i, digest);
    const first = this.firstByDigest.get(digest);
    if (first !== undefined) report('imageDigest', 'images/duplicate-digest', `image ${shortDigest(digest)} is listed twice (also imageDetails[${first}])`, digest, 'each imageDigest once');
    else this.firstByDigest.set(digest, i);

    const sameAsFirst = (field: 'repositoryName' | 'registryId', seen: { value: string; index: number } | undefined): { value: string; index: number } | undefined => {
      const v = entry[field];
      if (typeof v !== 'string') return seen;
      if (!seen) return { value: v, index: i };
      if (seen.value !== v) {
        report(field, field === 'repositoryName' ? 'images/mixed-repositories' : 'images/mixed-registries', `describe-images output covers one repository; imageDetails[${seen.index}] has ${field} ${JSON.stringify(seen.value)}`, JSON.stringify(v), JSON.stringify(seen.value));
      }
      return seen;
    };
    this.repositoryName = sameAsFirst('repositoryName', this.repositoryName);
    this.registryId = sameAsFirst('registryId', this.registryId);

    const times: Partial<Record<TimeField, number>> = {};
    for (const field of TIME_FIELDS) {
      if (entry[field] === undefined) continue;
      const t = parseTimestamp(entry[field]);
      if ('error' in t) report(field, 'images/bad-timestamp', `unparseable ${field}: ${t.error}`, JSON.stringify(entry[field]), t.expected);
      else if (t.ms < EARLIEST_MS) report(field, 'images/timestamp-too-early', `${field} ${formatTimestamp(t.ms)} is before ${EARLIEST_YEAR} (ECR did not exist): wrong unit or format?`, JSON.stringify(entry[field]), `a time in ${EARLIEST_YEAR} or later`);
      else times[field] = t.ms;
    }
    const pushed = times.imagePushedAt;
    // A pull or an archive recorded before the push cannot have happened, but the image is still
    // interpretable: the time is taken as the push (the later, safer reading: the image looks used or
    // archived more recently, so no rule acts on it sooner), and a warning says so (implausibleTimes).
    let clamped: Clamped[] | undefined;
    for (const field of ['lastRecordedPullTime', 'lastArchivedAt'] as const) {
      const t = times[field];
      if (pushed !== undefined && t !== undefined && t < pushed) {
        (clamped ??= []).push({ field, recorded: t });
        times[field] = pushed;
      }
    }
    const imageStatus = (entry.imageStatus as ImageStatus | undefined) ?? 'ACTIVE';
    if (imageStatus === 'ARCHIVED' && entry.lastArchivedAt === undefined) {
      report('imageStatus', 'images/archived-without-time', 'an ARCHIVED image must have lastArchivedAt (needed for sinceImageTransitioned and the 90-day minimum)', 'no lastArchivedAt', 'lastArchivedAt');
    }

    const tags = (entry.imageTags as string[] | undefined) ?? [];
    if (tags.length > MAX_TAGS_PER_IMAGE) report('imageTags', 'images/too-many-tags', `an image has at most ${MAX_TAGS_PER_IMAGE} tags in ECR`, `${tags.length} tags`, `at most ${MAX_TAGS_PER_IMAGE}`);
    tags.forEach((tag, k) => {
      const bad = tagProblem(tag);
      if (bad) {
        report(`imageTags/${k}`, bad.code, bad.message, quoteTag(tag), bad.expected);
        return;
      }
      const owner = this.ownerOfTag.get(tag);
      if (owner === undefined) this.ownerOfTag.set(tag, i);
      else if (owner === i) report(`imageTags/${k}`, 'images/duplicate-tag', `tag ${JSON.stringify(tag)} is listed twice on this image`, JSON.stringify(tag), 'each tag once');
      else report(`imageTags/${k}`, 'images/duplicate-tag', `tag ${JSON.stringify(tag)} is also on imageDetails[${owner}] (${shortDigest(this.digestAt.get(owner)!)}); a tag names one image in a repository`, JSON.stringify(tag), 'each tag on one image');
    });

    if (pushed === undefined) return;
    const record: ImageRecord = {
      imageDigest: digest,
      imageTags: sortedUnique(tags),
      imagePushedAt: pushed,
      imageStatus,
    };
    if (typeof entry.imageSizeInBytes === 'number') record.imageSizeInBytes = entry.imageSizeInBytes;
    if (times.lastRecordedPullTime !== undefined) record.lastRecordedPullTime = times.lastRecordedPullTime;
    if (typeof entry.imageManifestMediaType === 'string') record.imageManifestMediaType = this.intern(entry.imageManifestMediaType);
    if (typeof entry.artifactMediaType === 'string') record.artifactMediaType = this.intern(entry.artifactMediaType);
    if (typeof entry.subjectManifestDigest === 'string') record.subjectManifestDigest = entry.subjectManifestDigest;
    if (times.lastArchivedAt !== undefined) record.lastArchivedAt = times.lastArchivedAt;
    if (times.lastActivatedAt !== undefined) record.lastActivatedAt = times.lastActivatedAt;
    if (typeof entry.registryId === 'string') record.registryId = this.intern(entry.registryId);
    if (typeof entry.repositoryName === 'string') record.repositoryName = this.intern(entry.repositoryName);
    if (clamped) clampedTimes.set(record, clamped);
    this.images.push(record);
    this.indices.push(i);
  }

  /** Checks the rest of the document (`doc.value`; its imageDetails are the entries added), then locates every problem. */
  finish(doc: JsonDocument, source: Source): ImageRecord[] {
    const { problems } = this;
    const root = doc.value as Obj;
    const isObject = root !== null && typeof root === 'object' && !Array.isArray(root);
    const rest = isObject && Array.isArray(root.imageDetails) ? { ...root, imageDetails: [] } : root;
    problems.push(...schemaProblems('describe-images', rest, (p) => ({ file: doc.file, pointer: p }), { codePrefix: 'images' }));
    for (const key of ['nextToken', 'NextToken']) {
      if (isObject && key in root) {
        problems.push({
          location: { file: doc.file, pointer: `/${key}` },
          code: 'images/paginated',
          message: `this is one page of describe-images output (${key} is present); ecr-lifeguard needs every image of the repository`,
          expected: 'all pages: run `aws ecr describe-images --repository-name NAME --filter imageStatus=ANY` without --max-items/--no-paginate (the CLI then follows nextToken itself), or merge the imageDetails of every page',
        });
      }
    }
    throwLocated(doc, problems);
    this.images.forEach((record, k) => origins.set(record, { source, index: this.indices[k]! }));
    return this.images.sort((a, b) => (a.imageDigest < b.imageDigest ? -1 : a.imageDigest > b.imageDigest ? 1 : 0));
  }
}

// ECR's API reference gives an imageTag 1 to 300 characters (ImageIdentifier); its characters are
// the registry API's (the OCI distribution spec's tag grammar, which ECR implements, without its
// 128-character cap): a letter, digit or underscore, then letters, digits, underscores, periods and
// hyphens. A tag outside these never came from ECR, and one far longer than 300 characters is also
// what makes a pattern expensive to match.
export const MAX_TAG_LENGTH = 300;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

function tagProblem(tag: string): { code: string; message: string; expected: string } | undefined {
  if (tag.length > MAX_TAG_LENGTH) {
    return { code: 'images/tag-too-long', message: `a tag of ${tag.length.toLocaleString('en-US')} characters: ECR's tags have at most ${MAX_TAG_LENGTH}`, expected: `at most ${MAX_TAG_LENGTH} characters` };
  }
  if (!TAG.test(tag)) {
    return { code: 'images/bad-tag', message: 'not a tag ECR can hold', expected: 'letters, digits, _ . - (not . or - first)' };
  }
  return undefined;
}

/** A tag for a message: quoted, every character outside printable ASCII escaped (\\uXXXX), cut short. */
function quoteTag(tag: string): string {
  const shown = tag.length > 64 ? `${tag.slice(0, 64)}...` : tag;
  return JSON.stringify(shown).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The tags sorted, each once (AWS lists them in no order; most images have one or two). */
function sortedUnique(tags: string[]): string[] {
  const sorted = sortedTags(tags);
  return sorted === tags ? tags.slice() : [...new Set(sorted)];
}

/** Implausible times of one repository: the first few of each kind located, how many more, a note per kind. */
export interface ImplausibleTimes {
  /** The first `shown` of each code in file order, located; sorted. */
  warnings: InputProblem[];
  /** Per code, how many more there are than `warnings` shows. */
  more: Map<string, number>;
  notes: string[];
}

/**
 * Timestamps that cannot be right but leave the images interpretable. A pull or archive recorded
 * before the push was taken as the push when the file was read. A time after `now` (a --now before
 * the data, or a clock mistake) is taken as is: the image is younger than any age a rule counts (no
 * sinceImagePushed/-Pulled/-Transitioned rule selects it until then), and imageCountMoreThan ranks it
 * by its push time as ECR would. Only the first `shown` of each kind are located: a wrong --now on a
 * repository of 100,000 images finds some 200,000, and locating each would parse the file's positions.
 */
export function implausibleTimes(images: readonly ImageRecord[], now: number, file: string, shown = 3): ImplausibleTimes {
  type Hit = { image: ImageRecord; field: TimeField; code: string; recorded: number; order: number };
  const byCode = new Map<string, Hit[]>();
  const counts = new Map<string, number>();
  const hit = (h: Omit<Hit, 'order'>): void => {
    counts.set(h.code, (counts.get(h.code) ?? 0) + 1);
    const o = origins.get(h.image);
    const order = (o?.index ?? 0) * TIME_FIELDS.length + TIME_FIELDS.indexOf(h.field);
    const list = byCode.get(h.code) ?? [];
    byCode.set(h.code, list);
    // Keep the `shown` earliest in file order (a short insertion: `shown` is small).
    if (list.length === shown && order >= list[shown - 1]!.order) return;
    list.push({ ...h, order });
    list.sort((a, b) => a.order - b.order);
    if (list.length > shown) list.pop();
  };
  for (const image of images) {
    for (const { field, recorded } of clampedTimes.get(image) ?? []) {
      hit({ image, field, recorded, code: field === 'lastRecordedPullTime' ? 'images/pull-before-push' : 'images/archived-before-push' });
    }
    for (const field of TIME_FIELDS) {
      const t = image[field];
      if (t !== undefined && t > now) hit({ image, field, recorded: t, code: 'images/time-after-now' });
    }
  }
  const warnings: InputProblem[] = [];
  for (const list of byCode.values()) {
    for (const h of list) {
      const location = imageOrigin(h.image, h.field) ?? { file };
      warnings.push(
        h.code === 'images/time-after-now'
          ? afterNow(h.image, h.field, h.recorded, now, location)
          : {
              location,
              code: h.code,
              message: `${h.field} of ${shortDigest(h.image.imageDigest)} is before its imagePushedAt ${formatTimestamp(h.image.imagePushedAt)}: impossible; taken as imagePushedAt`,
              found: formatTimestamp(h.recorded),
              expected: 'imagePushedAt or later',
            },
      );
    }
  }
  const more = new Map([...counts].filter(([, n]) => n > shown).map(([code, n]) => [code, n - shown]));
  const notes = [...counts].map(([code, n]) => `${n} ${n === 1 ? 'timestamp' : 'timestamps'} ${IMPLAUSIBLE_NOTES[code]}`);
  return { warnings: sortProblems(warnings), more, notes };
}

function afterNow(image: ImageRecord, field: TimeField, t: number, now: number, location: SourceLocation): InputProblem {
  return {
    location,
    code: 'images/time-after-now',
    message: `${field} of ${shortDigest(image.imageDigest)} is after the simulation time ${formatTimestamp(now)}: impossible, taken as is (is --now before the snapshot?)`,
    found: formatTimestamp(t),
    expected: `${formatTimestamp(now)} or earlier`,
  };
}

const IMPLAUSIBLE_NOTES: Record<string, string> = {
  'images/pull-before-push': 'lastRecordedPullTime before imagePushedAt: taken as imagePushedAt',
  'images/archived-before-push': 'lastArchivedAt before imagePushedAt: taken as imagePushedAt',
  'images/time-after-now': 'after the simulation time (--now): taken as is, so no age-based rule selects those images yet',
};

/** Timestamps after the simulation time are impossible (a clock or --now mistake), each located. Sorted. */
export function checkTimesAgainstNow(images: readonly ImageRecord[], now: number, file: string): InputProblem[] {
  const problems: InputProblem[] = [];
  for (const image of images) {
    for (const field of TIME_FIELDS) {
      const t = image[field];
      if (t !== undefined && t > now) problems.push(afterNow(image, field, t, now, imageOrigin(image, field) ?? { file }));
    }
  }
  return sortProblems(problems);
}
