import type { ImageRecord, ImageStatus, ManifestInfo } from '../../src/model/image.js';
import type { LifecyclePolicy, LifecycleRule, RuleAction, RuleSelection } from '../../src/model/policy.js';
import { buildRelations, type ContentRelations } from '../../src/simulate/relations.js';

// Tiny builders for engine tests: times are given in days relative to NOW so tests read like
// the AWS examples ("Pushed: 10 days ago").

export const DAY = 24 * 60 * 60 * 1000;
export const NOW = Date.parse('2026-01-01T00:00:00.000Z');

/** `sha256:` + the hex of `name`, zero-padded: deterministic, and ordered like `name` (for tie-breaks). */
export function digest(name: string): string {
  const hex = Buffer.from(name, 'utf8').toString('hex');
  if (hex.length > 64) throw new Error(`digest name too long: ${name}`);
  return `sha256:${hex.padEnd(64, '0')}`;
}

export interface ImageSpec {
  /** Readable name; the digest is derived from it unless `digest` is given. */
  name?: string;
  digest?: string;
  tags?: string[];
  pushedDaysAgo?: number;
  /** Exact push time (ms); wins over pushedDaysAgo. */
  pushedAt?: number;
  pulledDaysAgo?: number;
  status?: ImageStatus;
  archivedDaysAgo?: number;
  activatedDaysAgo?: number;
  subject?: string;
  mediaType?: string;
  now?: number;
}

let counter = 0;

export function image(spec: ImageSpec = {}): ImageRecord {
  const now = spec.now ?? NOW;
  const ago = (days: number | undefined): number | undefined => (days === undefined ? undefined : now - days * DAY);
  const imageDigest = spec.digest ?? digest(spec.name ?? `img-${++counter}`);
  const record: ImageRecord = {
    imageDigest,
    imageTags: spec.tags ?? [],
    imagePushedAt: spec.pushedAt ?? ago(spec.pushedDaysAgo ?? 0)!,
    imageStatus: spec.status ?? (spec.archivedDaysAgo !== undefined ? 'ARCHIVED' : 'ACTIVE'),
  };
  const pulled = ago(spec.pulledDaysAgo);
  if (pulled !== undefined) record.lastRecordedPullTime = pulled;
  const archived = ago(spec.archivedDaysAgo);
  if (archived !== undefined) record.lastArchivedAt = archived;
  const activated = ago(spec.activatedDaysAgo);
  if (activated !== undefined) record.lastActivatedAt = activated;
  if (spec.subject !== undefined) record.subjectManifestDigest = spec.subject;
  if (spec.mediaType !== undefined) record.imageManifestMediaType = spec.mediaType;
  return record;
}

type SelectionSpec = Partial<RuleSelection> & Pick<RuleSelection, 'countType' | 'countNumber'>;

/** A rule; `action` defaults to expire, `tagStatus` to any, `countUnit` to days for the since* types. */
export function rule(rulePriority: number, selection: SelectionSpec, action: RuleAction | 'expire' | 'transition' = 'expire'): LifecycleRule {
  const sel: RuleSelection = { tagStatus: 'any', ...selection };
  if (sel.countType !== 'imageCountMoreThan' && sel.countUnit === undefined) sel.countUnit = 'days';
  const act: RuleAction = typeof action === 'string' ? (action === 'transition' ? { type: 'transition', targetStorageClass: 'archive' } : { type: 'expire' }) : action;
  return { rulePriority, selection: sel, action: act };
}

export function policy(...rules: LifecycleRule[]): LifecyclePolicy {
  return { rules };
}

export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

export function indexManifest(indexDigest: string, children: string[]): ManifestInfo {
  return { digest: indexDigest, mediaType: OCI_INDEX, kind: 'index', layers: [], children: children.map((d) => ({ digest: d })) };
}

export function relationsOf(images: readonly ImageRecord[], manifests: readonly ManifestInfo[] = []): ContentRelations {
  return buildRelations({ images: [...images], manifests: new Map(manifests.map((m) => [m.digest, m])) });
}
