import { parseInUseText, type InUseParseResult } from '../analyse/in-use/index.js';
import { InputError, UsageError, type InputProblem } from '../model/errors.js';
import { isStrictlyAscending, sortedTags, type ImageRecord, type ManifestInfo, type RegistryInfo, type RepositoryState } from '../model/image.js';
import type { InUseCoverage, InUseReference } from '../model/in-use.js';
import type { LifecyclePolicy } from '../model/policy.js';
import { checkTimesAgainstNow, parseDescribeImages } from '../load/images.js';
import { parseJsonDocument, type JsonDocument } from '../load/json-document.js';
import { parseBatchGetImage, type BatchGetImageResult } from '../load/manifests.js';
import { parsePolicyText, validatePolicyObject } from '../load/policy.js';
import { extractPolicySources, sourceCoverage } from '../load/sources/index.js';
import { parseTimestamp } from '../load/time.js';
import { emptyConfig, ignoreMatches, parseConfigText, type LintConfig } from '../lint/config.js';
import { diffPlanChanges } from '../lint/diff.js';
import { sourceProblemFindings } from '../lint/lint.js';
import { buildLintReport, lintAll } from '../lint/run.js';
import { renderReport, REPORT_FORMATS, type ReportFormat } from '../report/index.js';
import { listedReport, previewOf, reportImages, timelineOf, type PreviewResult, type PreviewSummary, type Report, type ReportImage, type ReportTimelineEntry } from '../report/model.js';
import { explainImage, findImage, type ImageExplanation } from '../simulate/explain.js';
import { simulateHorizon } from '../simulate/horizon.js';
import { buildRelations } from '../simulate/relations.js';
import { analyseRepositoryInput, assembleReport, setupAnalysis } from './analysis.js';
import { checkHorizon, MAX_DAYS } from './limits.js';
import type { RepositoryInput } from '../load/inputs.js';

// The library's functions over plain data: no file system, no network, no process state. Each takes
// what a caller may hold in memory (from its own SDK calls, or from the loaders in loaders.ts) and
// returns the same documents the command line prints. Bad input throws the CLI's typed errors
// (InputError with located problems, UsageError), never a partial result.

/** A time: epoch milliseconds, a Date, or an ISO-8601 date-time with a zone. */
export type TimeInput = number | Date | string;

export interface TimeOptions {
  /** When the policy runs (ECR evaluates about once a day). */
  now: TimeInput;
  /** Also run it once a day for this many days (0 to 3650; default 0). */
  days?: number;
}

/** One repository as the library takes it: its images, manifests when read, and its policy. */
export interface RepositoryData {
  repositoryName: string;
  registryId?: string;
  region?: string;
  /** describe-images, normalised (see imagesFromDescribeImages): times are epoch milliseconds. */
  images: readonly ImageRecord[];
  /**
   * batch-get-image manifests (see manifestsFromBatchGetImage). Absent: not read, so index children,
   * referrers and layers are unknown, and the report says so.
   */
  manifests?: ReadonlyMap<string, ManifestInfo> | readonly ManifestInfo[];
  /** The lifecycle policy: validated by parsePolicy, or its JSON text. Absent: the repository has none. */
  policy?: LifecyclePolicy | string;
  /** Whether the repository has a policy; default 'present' with a policy, else 'none'. */
  policyStatus?: 'present' | 'none' | 'unknown';
  /** False when the data could not be read completely (the report then says so; the CLI exits 3). */
  complete?: boolean;
  incompleteReason?: string;
  notes?: readonly string[];
}

export interface PolicyValidation {
  /** Present only when there are no problems. */
  policy?: LifecyclePolicy;
  /** Why ECR would reject the policy (PutLifecyclePolicy's checks), located. */
  problems: InputProblem[];
  /** Accepted by ECR but ambiguous or surprising (e.g. a duplicate key), located. */
  warnings: InputProblem[];
}

/**
 * Validates a lifecycle policy as ECR's PutLifecyclePolicy does, offline: its JSON text (problems then
 * carry line and column) or an object already parsed (problems carry JSON pointers).
 */
export function parsePolicy(input: unknown, options: { file?: string } = {}): PolicyValidation {
  const file = options.file ?? '(policy)';
  if (typeof input === 'string') {
    const { policy, problems, warnings } = parsePolicyText(input, { file });
    return { ...(policy ? { policy } : {}), problems, warnings };
  }
  return validatePolicyObject(input, { file });
}

export interface SimulateInput extends TimeOptions {
  policy: LifecyclePolicy | string;
  images: readonly ImageRecord[];
  manifests?: RepositoryData['manifests'];
}

export interface Simulation {
  /** What ECR's lifecycle policy preview would list now. */
  previewResults: PreviewResult[];
  summary: PreviewSummary;
  /** Every image: its verdict now and why, and its first action over the horizon (`fate`). */
  images: ReportImage[];
  /** Every action from now to the end of the horizon, day by day. */
  timeline: ReportTimelineEntry[];
}

/** What the policy does to the images now and over `days` days, and why. */
export function simulate(input: SimulateInput): Simulation {
  const { now, days } = timesOf(input);
  const policy = policyOf(input.policy, '(policy)');
  const state = stateOf({ repositoryName: '(repository)', images: input.images, ...(input.manifests ? { manifests: input.manifests } : {}) }, '', now);
  const horizon = simulateHorizon(policy, state.images, buildRelations(state), now, days);
  return { ...previewOf(horizon.first.decisions), images: reportImages(horizon), timeline: timelineOf(horizon) };
}

/** The decision trace of the images a tag or digest (or its first 12 hex characters) names. */
export function explain(input: Omit<SimulateInput, 'days'>, tagOrDigest: string): ImageExplanation[] {
  const { now } = timesOf({ now: input.now });
  const policy = policyOf(input.policy, '(policy)');
  const state = stateOf({ repositoryName: '(repository)', images: input.images, ...(input.manifests ? { manifests: input.manifests } : {}) }, '', now);
  const relations = buildRelations(state);
  return findImage(state.images, tagOrDigest).map((image) => explainImage(policy, state.images, relations, now, image.imageDigest)!);
}

/** References to images in use: parseInUse's or loadInUse's result, or references alone. */
export type InUseInput = readonly InUseReference[] | (Pick<InUseParseResult, 'uses' | 'otherRegistryCount'> & Partial<Pick<InUseParseResult, 'problems'>>);

export interface AnalyseInput extends TimeOptions {
  repositories: readonly RepositoryData[];
  /** The registry analysed (account, region, blob mounting), for in-use references that name it. */
  registry?: RegistryInfo;
  /**
   * What is in use. Absent: no in-use source (the in-use checks have nothing to check). With the
   * problems of parseInUse or loadInUse, any but an unresolved Dockerfile ARG is an InputError, as in the CLI.
   */
  inUse?: InUseInput;
  /** Images pulled within this many days count as probably in use (default 30; 0: off). */
  recentPullDays?: number;
  /** Layers are shared across the registry (overrides registry.blobMounting). */
  blobMounting?: boolean;
  /** List every image in `images` (as --all); default: the images that matter (README, "What a report lists"). */
  all?: boolean;
}

/**
 * The dry-run and audit analysis: each repository's policy simulated, joined with what is in use and
 * with the manifests (index children, referrers, layers), as the report document (findings, storage).
 */
export function analyse(input: AnalyseInput): Report {
  const { now, days } = timesOf(input);
  if (!Array.isArray(input.repositories)) throw new UsageError('analyse: repositories must be an array');
  const repositories = input.repositories.map((r, i) => repositoryInputOf(r, `/repositories/${i}`, now));
  const names = new Set<string>();
  for (const r of repositories) {
    if (names.has(r.repositoryName)) throw new UsageError(`analyse: repository "${r.repositoryName}" is given twice`);
    names.add(r.repositoryName);
  }
  // Stricter than the CLI, which prints a located warning and goes on (the report counts the file in
  // filesWithProblems): a library call has no warning channel, so a source that could not be read whole
  // stops the analysis (an unresolved Dockerfile ARG aside) rather than let what it names count as unused.
  const unread = (input.inUse as Partial<InUseParseResult> | undefined)?.problems?.filter((p) => p.code !== 'in-use/unresolved-arg') ?? [];
  if (unread.length > 0) throw new InputError(unread);
  // What loadInUse read (files, references per source kind, skips) is the report's coverage, as in the CLI.
  const coverage = (input.inUse as { coverage?: InUseCoverage } | undefined)?.coverage;
  const inUse = input.inUse === undefined ? undefined : Array.isArray(input.inUse)
    ? { uses: [...input.inUse], notEcr: 0 }
    : { uses: [...(input.inUse as InUseParseResult).uses], notEcr: (input.inUse as InUseParseResult).otherRegistryCount ?? 0, ...(coverage ? { coverage } : {}) };
  const setup = setupAnalysis({ registry: input.registry ?? {}, repositories }, inUse, {
    now, days,
    ...(input.recentPullDays !== undefined ? { recentPullDays: input.recentPullDays } : {}),
    ...(input.blobMounting !== undefined ? { blobMounting: input.blobMounting } : {}),
  });
  const analysed = repositories.map((r) => analyseRepositoryInput(r, r.policy?.policy, setup));
  return listedReport(assembleReport(analysed, setup), { all: input.all === true });
}

/** Reads one in-use source already in memory (a list, Kubernetes YAML or JSON, ECS, Lambda, a Dockerfile); `file` names it and picks the format by its name. */
export function parseInUse(text: string, options: { file: string }): InUseParseResult {
  return parseInUseText(options.file, text);
}

export interface LintOptions {
  /** The file's name: picks the format (policy JSON, get-lifecycle-policy, Terraform plan, CloudFormation, CDK) and is the findings' location. Default `policy.json`. */
  file?: string;
  /** A configuration (parseLintConfig or loadLintConfig), or the text of `.ecr-lifeguard.json`. */
  config?: LintConfig | string;
  /** The report's time (default: the Unix epoch, so that the same text gives the same report). */
  now?: TimeInput;
  /** Directory that ignore entries' `file` globs are relative to (default `.`). */
  cwd?: string;
}

export interface LintResult {
  /** The lint report: findings (ECR's rejections, policy checks), the policies found. */
  report: Report;
  /** Accepted by ECR but worth a look (e.g. duplicate keys), located. */
  warnings: InputProblem[];
}

/**
 * Lint of one file's content, as `ecr-lifeguard lint FILE` (policy checks only; state checks need a
 * snapshot: see the CLI). A file that holds no lifecycle policy, or is not valid JSON or YAML, is an
 * InputError.
 */
export function lint(text: string, options: LintOptions = {}): LintResult {
  const file = options.file ?? 'policy.json';
  const config = typeof options.config === 'string' ? parseLintConfig(options.config) : options.config ?? emptyConfig();
  const now = options.now === undefined ? 0 : timeOf(options.now, 'now');
  const extracted = extractPolicySources(file, text);
  const { findings: otherFindings, inputProblems } = sourceProblemFindings(extracted.problems, config);
  if (inputProblems.length > 0) throw new InputError(inputProblems);
  const policies = lintAll(extracted.sources, config);
  const cwd = options.cwd ?? '.';
  // A Terraform plan holds the policy before and after: its change, as the CLI shows it.
  const diff = extracted.planChanges
    ? diffPlanChanges(extracted.planChanges, policies, (s) => lintAll([s], config)[0]!, (f) => !config.ignore.some((e) => ignoreMatches(e, f, cwd)))
    : undefined;
  const report = buildLintReport({ policies, config, cwd, now, days: 0, otherFindings, ...(diff ? { diff } : {}), coverage: sourceCoverage(1, extracted.sources) });
  return { report, warnings: policies.flatMap((p) => p.linted.warnings) };
}

/** `.ecr-lifeguard.json`'s text, validated (InputError with located problems). */
export function parseLintConfig(text: string, file = '.ecr-lifeguard.json'): LintConfig {
  return parseConfigText(text, file);
}

export interface RenderOptions {
  /** ANSI colours (table format); default false. */
  colour?: boolean;
  /** Directory that file paths are made relative to (SARIF, GitHub annotations); default the process's. */
  cwd?: string;
  /** The command whose report it is (headings differ slightly); default lint for a lint report, else dry-run. */
  command?: 'dry-run' | 'audit' | 'lint';
}

export const FORMATS = Object.keys(REPORT_FORMATS) as ReportFormat[];

/** A report (from analyse, lint, or a JSON report read back) in one of FORMATS: the CLI's exact text. */
export async function render(report: Report, format: ReportFormat, options: RenderOptions = {}): Promise<string> {
  if (!FORMATS.includes(format)) throw new UsageError(`format must be one of ${FORMATS.join(', ')}; found "${String(format)}"`);
  const command = options.command ?? (report.policies !== undefined ? 'lint' : 'dry-run');
  return renderReport(report, format, { colour: options.colour ?? false, command, ...(options.cwd !== undefined ? { cwd: options.cwd } : {}) });
}

// --- plain data -> the engine's inputs, checked -----------------------------------------------------

export function timeOf(value: TimeInput, what: string): number {
  let ms: number;
  if (typeof value === 'number') ms = value;
  else if (value instanceof Date) ms = value.getTime();
  else if (typeof value === 'string') {
    const t = parseTimestamp(value);
    if ('error' in t) throw new UsageError(`${what} is not a valid time: "${value}" (${t.error}); expected ${t.expected}`);
    ms = t.ms;
  } else throw new UsageError(`${what} must be epoch milliseconds, a Date or an ISO-8601 date-time; found ${typeof value}`);
  if (!Number.isFinite(ms)) throw new UsageError(`${what} is not a valid time`);
  return ms;
}

function timesOf(o: TimeOptions): { now: number; days: number } {
  const now = timeOf(o?.now, 'now');
  const days = o.days ?? 0;
  if (!Number.isInteger(days) || days < 0 || days > MAX_DAYS) throw new UsageError(`days must be a whole number from 0 to ${MAX_DAYS}; found ${String(days)}`);
  checkHorizon(now, days, 'now');
  return { now, days };
}

function policyOf(policy: LifecyclePolicy | string, file: string): LifecyclePolicy {
  const r = parsePolicy(policy, { file });
  if (!r.policy) throw new InputError(r.problems);
  return r.policy;
}

const STATUSES = new Set(['ACTIVE', 'ARCHIVED', 'ACTIVATING']);
const TIMES = ['imagePushedAt', 'lastRecordedPullTime', 'lastArchivedAt', 'lastActivatedAt'] as const;

/**
 * Images and manifests as the engine takes them: each record checked (a caller's data is not typed
 * at run time), sorted by digest with sorted tags, and subjects filled in from the manifests, as the
 * loaders do. The caller's objects are never modified.
 */
function stateOf(r: Pick<RepositoryData, 'repositoryName' | 'registryId' | 'images' | 'manifests'>, at: string, now: number): RepositoryState {
  const problems: InputProblem[] = [];
  const problem = (pointer: string, message: string, expected: string): void => void problems.push({ location: { file: '(input)', pointer }, code: 'input/invalid-image', message, expected });
  if (!Array.isArray(r.images)) throw new InputError([{ location: { file: '(input)', pointer: `${at}/images` }, code: 'input/invalid-images', message: 'images must be an array', expected: 'an array of image records' }]);
  const manifests = r.manifests === undefined ? undefined : r.manifests instanceof Map ? new Map(r.manifests) : new Map((r.manifests as readonly ManifestInfo[]).map((m) => [m.digest, m]));
  const images: ImageRecord[] = r.images.map((image, i) => {
    const p = `${at}/images/${i}`;
    if (typeof image !== 'object' || image === null) {
      problem(p, 'not an image record', 'an object with imageDigest, imageTags, imagePushedAt, imageStatus');
      return image;
    }
    if (typeof image.imageDigest !== 'string' || !/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(image.imageDigest)) problem(`${p}/imageDigest`, 'imageDigest is not a digest', 'sha256:<hex>');
    if (!Array.isArray(image.imageTags) || (image.imageTags as unknown[]).some((t) => typeof t !== 'string')) problem(`${p}/imageTags`, 'imageTags is not a list of tags', 'an array of strings ([] when untagged)');
    if (!STATUSES.has(image.imageStatus)) problem(`${p}/imageStatus`, 'imageStatus is not an ECR image status', 'ACTIVE, ARCHIVED or ACTIVATING');
    for (const field of TIMES) {
      const t = image[field];
      if (field === 'imagePushedAt' ? !Number.isFinite(t) : t !== undefined && !Number.isFinite(t)) problem(`${p}/${field}`, `${field} is not a time`, 'epoch milliseconds');
    }
    if (problems.length > 0) return image;
    // Located at the record: the loaders' files have positions, a caller's array has its index.
    for (const late of checkTimesAgainstNow([image], now, '(input)')) problems.push({ ...late, location: { file: '(input)', pointer: p } });
    if (problems.length > 0) return image;
    const subject = image.subjectManifestDigest ?? manifests?.get(image.imageDigest)?.subject;
    const tags = sortedTags(image.imageTags);
    return tags === image.imageTags && subject === image.subjectManifestDigest ? image : { ...image, imageTags: tags, ...(subject !== undefined ? { subjectManifestDigest: subject } : {}) };
  });
  if (problems.length > 0) throw new InputError(problems.slice(0, 100));
  if (!isStrictlyAscending(images.map((i) => i.imageDigest))) {
    images.sort((a, b) => (a.imageDigest < b.imageDigest ? -1 : a.imageDigest > b.imageDigest ? 1 : 0));
    const twice = images.find((image, i) => i > 0 && images[i - 1]!.imageDigest === image.imageDigest);
    if (twice) throw new InputError([{ location: { file: '(input)', pointer: `${at}/images` }, code: 'input/duplicate-image', message: `image ${twice.imageDigest} is listed twice`, expected: 'each digest once' }]);
  }
  return {
    repositoryName: r.repositoryName,
    ...(r.registryId !== undefined ? { registryId: r.registryId } : {}),
    images,
    manifests: manifests ?? new Map(),
    manifestsLoaded: manifests !== undefined,
  };
}

function repositoryInputOf(r: RepositoryData, at: string, now: number): RepositoryInput {
  if (typeof r !== 'object' || r === null || typeof r.repositoryName !== 'string' || r.repositoryName === '') {
    throw new InputError([{ location: { file: '(input)', pointer: at }, code: 'input/invalid-repository', message: 'not a repository', expected: 'an object with repositoryName and images' }]);
  }
  const state = stateOf(r, at, now);
  const policy = r.policy === undefined ? undefined : policyOf(r.policy, `(policy of ${r.repositoryName})`);
  const complete = r.complete ?? true;
  return {
    repositoryName: r.repositoryName,
    ...(r.registryId !== undefined ? { registryId: r.registryId } : {}),
    ...(r.region !== undefined ? { region: r.region } : {}),
    state,
    ...(policy ? { policy: { policy, file: `(policy of ${r.repositoryName})`, text: '', wrapped: false, warnings: [], locate: (pointer: string) => ({ file: `(policy of ${r.repositoryName})`, pointer }) } } : {}),
    policyStatus: r.policyStatus ?? (policy ? 'present' : 'none'),
    complete,
    ...(!complete ? { incompleteReason: r.incompleteReason ?? 'could not be read completely' } : {}),
    notes: [...(r.notes ?? [])],
  };
}

/**
 * `aws ecr describe-images` output (its JSON text, or the object: the AWS CLI's JSON or the SDK's
 * DescribeImages response, whose Dates become ISO-8601 times; several pages may be concatenated into
 * one `imageDetails`) as image records, sorted by digest. InputError with every problem, located.
 */
export function imagesFromDescribeImages(output: unknown, options: { file?: string } = {}): ImageRecord[] {
  return parseDescribeImages(documentOf(output, options.file ?? '(describe-images)'));
}

/**
 * `aws ecr batch-get-image` output (text or object, as for imagesFromDescribeImages) as manifests
 * by digest, and the failures ECR returned. InputError with every problem, located.
 */
export function manifestsFromBatchGetImage(output: unknown, options: { file?: string } = {}): BatchGetImageResult {
  return parseBatchGetImage(documentOf(output, options.file ?? '(batch-get-image)'));
}

function documentOf(output: unknown, file: string): JsonDocument {
  const text = typeof output === 'string' ? output : JSON.stringify(output, null, 1);
  if (text === undefined) throw new UsageError(`${file}: not JSON data`);
  return parseJsonDocument(text, file);
}
