import type { InputProblem } from '../model/errors.js';
import type { ImageRecord, ImageStatus } from '../model/image.js';
import type { SourceLocation } from '../model/location.js';
import { locationIn, parseJsonDocument, problemAt, type JsonDocument } from './json-document.js';
import { entriesWithProblems, sortProblems, throwIfProblems } from './problems.js';
import { validateAgainstSchema } from './schemas.js';
import { formatTimestamp, parseTimestamp } from './time.js';

// `aws ecr describe-images` output -> ImageRecord[], with every inconsistency located.

/** ECR launched in December 2015: an earlier time is a unit or format mistake. */
export const EARLIEST_YEAR = 2015;
export const MAX_TAGS_PER_IMAGE = 1000;
const EARLIEST_MS = Date.UTC(EARLIEST_YEAR, 0, 1);

const TIME_FIELDS = ['imagePushedAt', 'lastRecordedPullTime', 'lastArchivedAt', 'lastActivatedAt'] as const;
type TimeField = (typeof TIME_FIELDS)[number];

// Where each record came from, so later checks (times against --now) can point at the file. Only the
// text is kept, not the parsed document (many times larger): positions are worked out when asked for.
interface Source {
  file: string;
  text: string;
  doc?: JsonDocument;
}
const origins = new WeakMap<ImageRecord, { source: Source; index: number }>();

/** The location of an image's entry in the describe-images file it was loaded from. */
export function imageOrigin(image: ImageRecord, field?: string): SourceLocation | undefined {
  const o = origins.get(image);
  if (!o) return undefined;
  const doc = (o.source.doc ??= parseJsonDocument(o.source.text, o.source.file));
  const pointer = `/imageDetails/${o.index}`;
  return locationIn(doc, field ? `${pointer}/${field}` : pointer);
}

export function shortDigest(digest: string): string {
  return digest.length > 19 ? `${digest.slice(0, 19)}...` : digest;
}

type Obj = Record<string, unknown>;

/** Images sorted by imageDigest. Throws InputError with every problem found. */
export function parseDescribeImages(doc: JsonDocument): ImageRecord[] {
  const problems = validateAgainstSchema('describe-images', doc, '', { codePrefix: 'images' });
  const root = doc.value as Obj;
  for (const key of ['nextToken', 'NextToken']) {
    if (root !== null && typeof root === 'object' && key in root) {
      problems.push(
        problemAt(doc, `/${key}`, 'images/paginated', `this is one page of describe-images output (${key} is present); ecr-lifeguard needs every image of the repository`, {
          expected: 'all pages: run `aws ecr describe-images --repository-name NAME --filter imageStatus=ANY` without --max-items/--no-paginate (the CLI then follows nextToken itself), or merge the imageDetails of every page',
        }),
      );
    }
  }
  // Entries with schema problems are skipped below (their shape is unreliable); the others are
  // still checked so that every problem is reported in one go.
  if (root === null || typeof root !== 'object' || !Array.isArray(root.imageDetails)) throwIfProblems(problems);
  const skip = entriesWithProblems(problems, '/imageDetails');
  const details = root.imageDetails as Obj[];
  const images: ImageRecord[] = [];
  const firstByDigest = new Map<string, number>();
  const ownerOfTag = new Map<string, number>();
  let repositoryName: { value: string; index: number } | undefined;
  let registryId: { value: string; index: number } | undefined;
  const source: Source = { file: doc.file, text: doc.text };
  // Values every image repeats (media types, registry, repository): one string each, not one per image.
  const strings = new Map<string, string>();
  const intern = (v: string): string => strings.get(v) ?? (strings.set(v, v), v);

  details.forEach((d, i) => {
    if (skip.has(i)) return;
    const report = (field: string, code: string, message: string, found?: string, expected?: string): void => {
      problems.push(problemAt(doc, field ? `/imageDetails/${i}/${field}` : `/imageDetails/${i}`, code, message, { found, expected }));
    };
    const digest = d.imageDigest as string;
    const first = firstByDigest.get(digest);
    if (first !== undefined) report('imageDigest', 'images/duplicate-digest', `image ${shortDigest(digest)} is listed twice (also imageDetails[${first}])`, digest, 'each imageDigest once');
    else firstByDigest.set(digest, i);

    const sameAsFirst = (field: 'repositoryName' | 'registryId', seen: { value: string; index: number } | undefined): { value: string; index: number } | undefined => {
      const v = d[field];
      if (typeof v !== 'string') return seen;
      if (!seen) return { value: v, index: i };
      if (seen.value !== v) {
        report(field, field === 'repositoryName' ? 'images/mixed-repositories' : 'images/mixed-registries', `describe-images output covers one repository; imageDetails[${seen.index}] has ${field} ${JSON.stringify(seen.value)}`, JSON.stringify(v), JSON.stringify(seen.value));
      }
      return seen;
    };
    repositoryName = sameAsFirst('repositoryName', repositoryName);
    registryId = sameAsFirst('registryId', registryId);

    const times: Partial<Record<TimeField, number>> = {};
    for (const field of TIME_FIELDS) {
      if (d[field] === undefined) continue;
      const t = parseTimestamp(d[field]);
      if ('error' in t) report(field, 'images/bad-timestamp', `unparseable ${field}: ${t.error}`, JSON.stringify(d[field]), t.expected);
      else if (t.ms < EARLIEST_MS) report(field, 'images/timestamp-too-early', `${field} ${formatTimestamp(t.ms)} is before ${EARLIEST_YEAR} (ECR did not exist): wrong unit or format?`, JSON.stringify(d[field]), `a time in ${EARLIEST_YEAR} or later`);
      else times[field] = t.ms;
    }
    const pushed = times.imagePushedAt;
    for (const field of ['lastRecordedPullTime', 'lastArchivedAt'] as const) {
      const t = times[field];
      if (pushed !== undefined && t !== undefined && t < pushed) {
        report(field, field === 'lastRecordedPullTime' ? 'images/pull-before-push' : 'images/archived-before-push', `${field} ${formatTimestamp(t)} is before imagePushedAt ${formatTimestamp(pushed)}: impossible`, formatTimestamp(t), `imagePushedAt or later`);
      }
    }
    const imageStatus = (d.imageStatus as ImageStatus | undefined) ?? 'ACTIVE';
    if (imageStatus === 'ARCHIVED' && d.lastArchivedAt === undefined) {
      report('imageStatus', 'images/archived-without-time', 'an ARCHIVED image must have lastArchivedAt (needed for sinceImageTransitioned and the 90-day minimum)', 'no lastArchivedAt', 'lastArchivedAt');
    }

    const tags = (d.imageTags as string[] | undefined) ?? [];
    if (tags.length > MAX_TAGS_PER_IMAGE) report('imageTags', 'images/too-many-tags', `an image has at most ${MAX_TAGS_PER_IMAGE} tags in ECR`, `${tags.length} tags`, `at most ${MAX_TAGS_PER_IMAGE}`);
    tags.forEach((tag, k) => {
      const owner = ownerOfTag.get(tag);
      if (owner === undefined) ownerOfTag.set(tag, i);
      else if (owner === i) report(`imageTags/${k}`, 'images/duplicate-tag', `tag ${JSON.stringify(tag)} is listed twice on this image`, JSON.stringify(tag), 'each tag once');
      else report(`imageTags/${k}`, 'images/duplicate-tag', `tag ${JSON.stringify(tag)} is also on imageDetails[${owner}] (${shortDigest(details[owner]!.imageDigest as string)}); a tag names one image in a repository`, JSON.stringify(tag), 'each tag on one image');
    });

    if (pushed === undefined) return;
    const record: ImageRecord = {
      imageDigest: digest,
      imageTags: sortedUnique(tags),
      imagePushedAt: pushed,
      imageStatus,
    };
    if (typeof d.imageSizeInBytes === 'number') record.imageSizeInBytes = d.imageSizeInBytes;
    if (times.lastRecordedPullTime !== undefined) record.lastRecordedPullTime = times.lastRecordedPullTime;
    if (typeof d.imageManifestMediaType === 'string') record.imageManifestMediaType = intern(d.imageManifestMediaType);
    if (typeof d.artifactMediaType === 'string') record.artifactMediaType = intern(d.artifactMediaType);
    if (typeof d.subjectManifestDigest === 'string') record.subjectManifestDigest = d.subjectManifestDigest;
    if (times.lastArchivedAt !== undefined) record.lastArchivedAt = times.lastArchivedAt;
    if (times.lastActivatedAt !== undefined) record.lastActivatedAt = times.lastActivatedAt;
    if (typeof d.registryId === 'string') record.registryId = intern(d.registryId);
    if (typeof d.repositoryName === 'string') record.repositoryName = intern(d.repositoryName);
    origins.set(record, { source, index: i });
    images.push(record);
  });
  throwIfProblems(problems);
  return images.sort((a, b) => (a.imageDigest < b.imageDigest ? -1 : a.imageDigest > b.imageDigest ? 1 : 0));
}

/** The tags sorted, each once (AWS lists them in no order; most images have one or two). */
function sortedUnique(tags: readonly string[]): string[] {
  let ordered = true;
  for (let k = 1; k < tags.length && ordered; k++) ordered = tags[k - 1]! < tags[k]!;
  return ordered ? tags.slice() : [...new Set(tags)].sort();
}

/** Timestamps after the simulation time are impossible (a clock or --now mistake). Sorted. */
export function checkTimesAgainstNow(images: readonly ImageRecord[], now: number, file: string): InputProblem[] {
  const problems: InputProblem[] = [];
  for (const image of images) {
    for (const field of TIME_FIELDS) {
      const t = image[field];
      if (t === undefined || t <= now) continue;
      problems.push({
        location: imageOrigin(image, field) ?? { file },
        code: 'images/time-after-now',
        message: `${field} of ${shortDigest(image.imageDigest)} is after the simulation time ${formatTimestamp(now)}: impossible (set --now to the time of the snapshot or later)`,
        found: formatTimestamp(t),
        expected: `${formatTimestamp(now)} or earlier`,
      });
    }
  }
  return sortProblems(problems);
}
