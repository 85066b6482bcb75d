import type { Finding } from '../model/finding.js';
import type { InUseCoverage } from '../model/in-use.js';
import type { SourceLocation } from '../model/location.js';
import { sortedTags, type ImageRecord } from '../model/image.js';
import { short, type ImageDecision, type Verdict } from '../simulate/evaluate.js';
import type { HorizonResult, TimelineEntry } from '../simulate/horizon.js';
import { isoTime } from '../model/time.js';
import { formatCount } from './storage-text.js';

// The report document every command emits as JSON (schemas/report.schema.json) and every
// other format renders. Built once from analysis results; formatters never recompute anything.

export const TOOL_NAME = 'ecr-lifeguard';

export interface PreviewResult {
  imageDigest: string;
  imageTags: string[];
  imagePushedAt: string;
  action: { type: 'EXPIRE' | 'TRANSITION'; targetStorageClass?: 'ARCHIVE' };
  appliedRulePriority: number;
  storageClass: 'STANDARD' | 'ARCHIVE';
}

export interface PreviewSummary {
  expiringImageTotalCount: number;
  transitioningImageTotalCounts?: Array<{ targetStorageClass: 'ARCHIVE'; imageTotalCount: number }>;
}

export interface ReportImage {
  imageDigest: string;
  imageTags: string[];
  imagePushedAt: string;
  imageStatus: ImageRecord['imageStatus'];
  action: Verdict;
  appliedRulePriority?: number;
  protectingRulePriority?: number;
  cause: ImageDecision['cause'];
  reason: string;
  relatedDigests?: string[];
  /** First action over the horizon (with --days), when there is one. */
  fate?: { action: Exclude<Verdict, 'KEEP'>; date: string; day: number; appliedRulePriority: number };
  /** In-use origins, rendered `file:line` or `file#path`. */
  inUse?: string[];
}

export interface ReportTimelineEntry {
  date: string;
  day: number;
  imageDigest: string;
  imageTags: string[];
  action: Exclude<Verdict, 'KEEP'>;
  appliedRulePriority: number;
  cause: TimelineEntry['cause'];
}

export interface ReportRepository {
  repositoryName: string;
  registryId?: string;
  region?: string;
  policyStatus: 'present' | 'none' | 'unknown';
  complete: boolean;
  incompleteReason?: string;
  /** Images in the repository (audit's table, Markdown and HTML list only those that matter). */
  imageCount?: number;
  previewResults: PreviewResult[];
  summary: PreviewSummary;
  images: ReportImage[];
  timeline: ReportTimelineEntry[];
  /** Storage effects (bytes freed, archived), when manifests allow computing them. */
  storage?: Record<string, unknown>;
  /** Notes about the data, e.g. index manifests missing. */
  notes: string[];
}

/** Lint: a policy found in a file. */
export interface ReportPolicy {
  file: string;
  /** What the policy is called in its file (Terraform address, CloudFormation logical id, file name). */
  name: string;
  format: string;
  repositoryName?: string;
  ruleCount: number;
  /** False when ECR would reject it, or it could not be resolved statically. */
  valid: boolean;
  unresolvedReason?: string;
  location: SourceLocation;
}

/** Lint: what was read. Every format states it, so an empty or partial run is never mistaken for a clean one. */
export interface ReportCoverage {
  filesExamined: number;
  /** Policies found per source format (terraform, cloudformation, policy-json...). */
  policies: Record<string, number>;
  /** Files met but not read as policy sources, and why. */
  skipped: Array<{ file: string; reason: string; detail: string }>;
}

export interface FateChange {
  repositoryName: string;
  imageDigest: string;
  imageTags: string[];
  inUse: boolean;
  before: { action: Verdict; date?: string; appliedRulePriority?: number };
  after: { action: Verdict; date?: string; appliedRulePriority?: number };
}

/** Lint --base: what a policy change does, against the same state. */
export interface ReportDiff {
  base: string;
  ruleChanges: Array<{ change: 'added' | 'removed' | 'changed'; rulePriority: number; summary: string }>;
  fateChanges: FateChange[];
  introducedFindings: Finding[];
  fixedFindings: Finding[];
}

export interface Report {
  tool: { name: string; version: string };
  now: string;
  days: number;
  repositories: ReportRepository[];
  findings: Finding[];
  /** Lint: every policy checked. */
  policies?: ReportPolicy[];
  /** Lint: files examined, policies per source format, files skipped and why. */
  coverage?: ReportCoverage;
  diff?: ReportDiff;
  /** Lint: findings dropped by `ignore` entries of the config file, counted per check id. */
  ignored?: Record<string, number>;
  storage?: Record<string, unknown>;
  /**
   * What is in use, as read: how many references, how many name other registries (not checked), and
   * the coverage (files read, references per source kind, unresolvable uses, files skipped). Without
   * --in-use, `none` says so (dry-run and audit).
   */
  inUse?: { references: number; otherRegistries: number } & Partial<InUseCoverage>;
  /** Audit --shard K/N: the shards covered (index 1-based); merge reports the missing ones. */
  shards?: Array<{ index: number; count: number }>;
  /** Repositories that could not be read (audit); never silently dropped. */
  unreadableRepositories?: Array<{ repositoryName: string; registryId?: string; region?: string; shard?: number; reason: string }>;
}

/** The report's entry for a whole registry that could not be read (its repositories are unknown). */
export function unreadableRegistryEntry(r: { registryId?: string; region?: string }, reason: string): NonNullable<Report['unreadableRepositories']>[number] {
  return { repositoryName: '*', ...(r.registryId ? { registryId: r.registryId } : {}), ...(r.region ? { region: r.region } : {}), reason };
}

export function iso(ms: number): string {
  return isoTime(ms);
}

/** AWS's preview lists only the images rules act on directly; referrers that follow their subject are in `images`. */
export function previewOf(decisions: readonly ImageDecision[]): { previewResults: PreviewResult[]; summary: PreviewSummary } {
  const previewResults: PreviewResult[] = [];
  let expiring = 0;
  let transitioning = 0;
  for (const d of decisions) {
    if (d.action === 'KEEP' || d.cause !== 'rule') continue;
    previewResults.push({
      imageDigest: d.image.imageDigest,
      imageTags: sortedTags(d.image.imageTags),
      imagePushedAt: iso(d.image.imagePushedAt),
      action: d.action === 'EXPIRE' ? { type: 'EXPIRE' } : { type: 'TRANSITION', targetStorageClass: 'ARCHIVE' },
      appliedRulePriority: d.appliedRulePriority!,
      storageClass: d.image.imageStatus === 'ARCHIVED' ? 'ARCHIVE' : 'STANDARD',
    });
    if (d.action === 'EXPIRE') expiring++;
    else transitioning++;
  }
  const summary: PreviewSummary = { expiringImageTotalCount: expiring };
  if (transitioning > 0) summary.transitioningImageTotalCounts = [{ targetStorageClass: 'ARCHIVE', imageTotalCount: transitioning }];
  return { previewResults, summary };
}

export function timelineOf(horizon: HorizonResult): ReportTimelineEntry[] {
  return horizon.timeline.map((t) => ({
    date: iso(t.at), day: t.day, imageDigest: t.imageDigest, imageTags: sortedTags(t.imageTags),
    action: t.action, appliedRulePriority: t.appliedRulePriority, cause: t.cause,
  }));
}

/** First action of each image over the horizon. */
export function fatesOf(horizon: HorizonResult): Map<string, ReportImage['fate']> {
  const fates = new Map<string, ReportImage['fate']>();
  for (const t of horizon.timeline) {
    if (!fates.has(t.imageDigest)) fates.set(t.imageDigest, { action: t.action, date: iso(t.at), day: t.day, appliedRulePriority: t.appliedRulePriority });
  }
  return fates;
}

export function reportImages(horizon: HorizonResult, inUse?: Map<string, string[]>): ReportImage[] {
  const fates = fatesOf(horizon);
  return horizon.first.decisions.map((d) => {
    const img: ReportImage = {
      imageDigest: d.image.imageDigest,
      imageTags: sortedTags(d.image.imageTags),
      imagePushedAt: iso(d.image.imagePushedAt),
      imageStatus: d.image.imageStatus,
      action: d.action,
      cause: d.cause,
      reason: d.reason,
    };
    if (d.appliedRulePriority !== undefined) img.appliedRulePriority = d.appliedRulePriority;
    if (d.protectingRulePriority !== undefined) img.protectingRulePriority = d.protectingRulePriority;
    if (d.relatedDigests?.length) img.relatedDigests = d.relatedDigests;
    const fate = fates.get(d.image.imageDigest);
    if (fate) img.fate = fate;
    const uses = inUse?.get(d.image.imageDigest);
    if (uses?.length) img.inUse = uses;
    return img;
  });
}

export function imageCountOf(repo: Pick<ReportRepository, 'imageCount' | 'images'>): number {
  return repo.imageCount ?? repo.images.length;
}

export function displayTags(tags: readonly string[], max = 3): string {
  if (tags.length === 0) return '<untagged>';
  const sorted = [...tags].sort();
  return sorted.length <= max ? sorted.join(', ') : `${sorted.slice(0, max).join(', ')} +${sorted.length - max}`;
}

export { short };

/** Images the human formats (table, Markdown, HTML) list per repository by default; --all lists every one. */
export const MAX_LISTED_IMAGES = 200;

export interface ListingOptions {
  /** --all: every image, no cap. */
  all?: boolean;
  /** Images listed at most (human formats); none: every image that matters (JSON). */
  cap?: number;
}

/** Digests with a finding, per repository name (findings carry no registry id). */
export function findingDigests(findings: Iterable<Finding>): Map<string, Set<string>> {
  const byRepository = new Map<string, Set<string>>();
  for (const f of findings) {
    if (!f.image || f.repositoryName === undefined) continue;
    let set = byRepository.get(f.repositoryName);
    if (!set) byRepository.set(f.repositoryName, (set = new Set()));
    set.add(f.image.imageDigest);
  }
  return byRepository;
}

/** A report whose repositories list what `listedRepository` lists. */
export function listedReport(report: Report, options: ListingOptions = {}): Report {
  if (options.all) return report;
  const flagged = findingDigests(report.findings);
  return { ...report, repositories: report.repositories.map((r) => listedRepository(r, flagged.get(r.repositoryName), options)) };
}

/**
 * The listing rule of every report (README, "What a report lists"): the images that matter, those with
 * an action now or within the horizon, those in use, and those with a finding; `cap` at most, those in use
 * or with a finding first, in the report's order. Everything else of the repository (imageCount,
 * previewResults, summary, timeline, storage, whose per-image figures are only for images acted on)
 * stays whole. A note says how many images are not listed and how to list them.
 */
export function listedRepository(repo: ReportRepository, withFinding: ReadonlySet<string> | undefined, options: ListingOptions = {}): ReportRepository {
  if (options.all) return repo;
  const flagged = (i: ReportImage) => (i.inUse?.length ?? 0) > 0 || (withFinding?.has(i.imageDigest) ?? false);
  const matters = repo.images.filter((i) => i.action !== 'KEEP' || i.fate !== undefined || flagged(i));
  let shown = matters;
  if (options.cap !== undefined && matters.length > options.cap) {
    // Images in use or with a finding are never the ones left out for the cap, while they fit in it.
    const first = new Set(matters.filter(flagged).slice(0, options.cap));
    for (const i of matters) {
      if (first.size >= options.cap) break;
      first.add(i);
    }
    shown = matters.filter((i) => first.has(i));
  }
  if (shown.length === repo.images.length) return repo;
  const count = imageCountOf(repo);
  const hidden = count - shown.length;
  const beyond = matters.length - shown.length;
  const why = beyond > 0
    ? `${formatCount(hidden - beyond)} kept, not in use, no finding; ${formatCount(beyond)} more beyond the first ${formatCount(shown.length)}`
    : 'kept, not in use, no finding';
  return { ...repo, imageCount: count, images: shown, notes: [...repo.notes, `... and ${formatCount(hidden)} more ${hidden === 1 ? 'image' : 'images'} not listed (${why}); --all lists every image`] };
}
