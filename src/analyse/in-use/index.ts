import { basename, extname, resolve } from 'node:path';
import { posix } from 'node:path';
import { InputError, UsageError, type InputProblem } from '../../model/errors.js';
import type { InUseCoverage, InUseReference, UseSourceFormat } from '../../model/in-use.js';
import { readRegularFile, walkTree, type Skipped } from '../../load/files.js';
import { compareProblems, compareStrings, compareUses, excerpt, keepEcr, UseCollector, type InUseParseResult, type KustomizeOverrides, type ReadContext } from './common.js';
import { parseJsonDocument, parseYamlDocuments } from './document.js';
import { collectDockerfile, isDockerfileName, looksLikeDockerfile } from './dockerfile.js';
import { taskDefinitionKey } from './ecs-runtime.js';
import { applyOverride, imageNameOf, inScope, standaloneOverride } from './kustomize.js';
import { collectList, looksLikeList } from './list.js';
import { markRollbackTargets } from './rollback.js';
import { STRUCTURED_READERS } from './readers.js';
import { collectTerraform, type TerraformText } from './terraform.js';

// In-use sources: every file is read on its own, its kind detected from its name and content by the
// readers registered in readers.ts (structured) and here (Dockerfiles, plain lists). A folder may hold
// anything: what is not a source is skipped and counted with the reason (never opened when its name
// says so, never quoted), a source that is broken gets located warnings, and the run goes on.

export type { InUseParseResult, ReadContext } from './common.js';
export { recentPullUses } from './recent-pull.js';
export { STRUCTURED_READERS } from './readers.js';

/** One file's outcome: read (uses, warnings), or skipped with the reason. */
export interface FileReading extends InUseParseResult {
  /** Set when the file is not an in-use source: why (no warning, nothing quoted). */
  skipped?: string;
}

const NOT_A_SOURCE = 'not an in-use source';

/** Parses one in-use file already in memory (pure). Uses and problems are sorted; other registries are counted. */
export function parseInUseText(file: string, raw: string, context: ReadContext = {}, rel = basename(file)): FileReading {
  const reading = readText(file, raw, context, rel);
  const joined = joinSources([reading]);
  return { ...keepEcr(joined), ...(reading.skipped !== undefined ? { skipped: reading.skipped } : {}) };
}

function readText(file: string, raw: string, context: ReadContext, rel: string): FileReading {
  const out = new UseCollector(context);
  const name = basename(file);
  const ext = extname(name).toLowerCase();
  // A byte order mark (Windows editors, PowerShell redirection) is not part of any format, nor a column.
  const text = raw.replace(/^\uFEFF/, '');
  const firstChar = /\S/.exec(text)?.[0];
  const skip = (reason: string): FileReading => ({ ...new UseCollector(context).result(), skipped: reason });

  if (text.includes('\u0000')) return skip('binary content');
  if (/\.tf$/i.test(name)) return skip('Terraform: read by loadInUse, module by module');
  const claimed = STRUCTURED_READERS.find((r) => r.claims?.(name, rel));
  if (isDockerfileName(name)) {
    collectDockerfile(file, text, out);
  } else if (claimed) {
    const docs = ext === '.json' || firstChar === '{' ? [parseJsonDocument(file, text, out, claimed.jsonc)].filter((d) => d !== undefined) : parseYamlDocuments(file, text, out);
    for (const doc of docs) claimed.read(doc, out);
  } else if (ext === '.json' || firstChar === '{' || firstChar === '[') {
    const doc = parseJsonDocument(file, text, out);
    if (doc && !readStructured([doc], out)) return ext === '.json' ? skip(`JSON of no known kind: ${NOT_A_SOURCE}`) : skip(NOT_A_SOURCE);
    if (!doc && ext !== '.json') return skip(NOT_A_SOURCE);
    // A broken JSON file may be anyone's (a secrets file): located, but nothing of it is quoted.
    if (!doc) for (const p of out.problems) if (p.found?.startsWith('"')) delete p.found;
  } else if (looksLikeDockerfile(text)) {
    collectDockerfile(file, text, out);
  } else if (ext === '.yaml' || ext === '.yml' || /^(?:---|apiVersion:|kind:)/m.test(text)) {
    const docs = parseYamlDocuments(file, text, out);
    if (out.problems.length === 0 && !readStructured(docs, out)) return skip(`YAML of no known kind: ${NOT_A_SOURCE}`);
  } else if (ext === '.txt' || ext === '.list' || looksLikeList(text)) {
    // A list is a list of references: a file none of whose lines is one (a version number, notes) is
    // not read, and nothing of it is quoted.
    const probe = new UseCollector(context);
    collectList(file, text, probe);
    if (!probe.uses.some((u) => u.reference.registryHost !== undefined || u.reference.tag !== undefined || u.reference.digest !== undefined)) {
      return skip(`text that is not a list of image references: ${NOT_A_SOURCE}`);
    }
    collectList(file, text, out);
  } else {
    return skip(NOT_A_SOURCE);
  }
  markRollbackTargets(name, out.uses);
  return out.result();
}

/** Each document by the first reader that recognises it; false when none recognised any. */
function readStructured(docs: ReturnType<typeof parseYamlDocuments>, out: UseCollector): boolean {
  let any = false;
  for (const doc of docs) {
    const reader = STRUCTURED_READERS.find((r) => r.recognises?.(doc.value));
    if (!reader) continue;
    reader.read(doc, out);
    any = true;
  }
  return any;
}

/**
 * Joins what files say about each other: kustomization overrides replace the images of their resources
 * (what runs is the override), and describe-services deployments whose task definitions were not read
 * are unresolvable uses. Other registries are still among the uses.
 */
function joinSources(readings: readonly InUseParseResult[]): InUseParseResult & { replaced: number } {
  const out = new UseCollector();
  let uses: InUseReference[] = readings.flatMap((r) => r.uses);
  const joined = {
    problems: readings.flatMap((r) => r.problems),
    unresolvable: readings.flatMap((r) => r.unresolvable),
    bySource: {} as Partial<Record<UseSourceFormat, number>>,
  };
  for (const r of readings) for (const [k, n] of Object.entries(r.bySource)) joined.bySource[k as UseSourceFormat] = (joined.bySource[k as UseSourceFormat] ?? 0) + n;
  const links = { taskDefinitionsRead: readings.flatMap((r) => r.links.taskDefinitionsRead), taskDefinitionsNeeded: readings.flatMap((r) => r.links.taskDefinitionsNeeded), kustomizations: readings.flatMap((r) => r.links.kustomizations) };

  // Kustomize: each override applies to the matching images of the files in its scope. An image is
  // replaced (no longer in use as written) when every overlay that renders it overrides it: the
  // kustomizations no other one includes (an overlay without the override still runs the base image).
  const replaced = new Set<InUseReference>();
  const scoped = links.kustomizations.filter((k) => k.scope.length > 0);
  const dirOf = (file: string) => posix.dirname(file.split('\\').join('/'));
  const leaves = scoped.filter((k) => !scoped.some((other) => other !== k && other.scope.slice(1).some((s) => inScope(dirOf(k.file), s))));
  const renders = (k: KustomizeOverrides, u: InUseReference) => u.origin.file !== k.file && k.scope.some((s) => inScope(u.origin.file, s));
  const overrides = (k: KustomizeOverrides, u: InUseReference) => k.images.some((o) => o.name === imageNameOf(u.reference.raw));
  for (const u of uses) {
    if (u.origin.format !== 'kubernetes') continue;
    const by = leaves.filter((k) => renders(k, u));
    if (by.length > 0 && by.every((k) => overrides(k, u))) replaced.add(u);
  }
  for (const k of links.kustomizations) {
    for (const o of k.images) {
      const matches = uses.filter((u) => u.origin.format === 'kubernetes' && renders(k, u) && imageNameOf(u.reference.raw) === o.name);
      const origin = (applied?: InUseReference) => ({ ...o.origin, path: `${o.origin.path ?? ''}${applied ? ` applied to ${applied.origin.file}${applied.origin.line !== undefined ? `:${applied.origin.line}` : ''}` : ''}` });
      for (const m of matches) out.add(applyOverride(o, m.reference.raw), m.kind, origin(m));
      if (matches.length > 0) continue;
      const alone = standaloneOverride(o);
      if (alone !== undefined) out.add(alone, 'runtime', origin());
      else out.unresolved(origin(), o.newName ?? o.name, 'the override names no tag or digest, and no resource read uses this image');
    }
  }
  uses = uses.filter((u) => !replaced.has(u));

  // ECS: a deployment's task definition is known only from its own describe-task-definition output.
  const read = new Set(links.taskDefinitionsRead.map(taskDefinitionKey));
  for (const need of links.taskDefinitionsNeeded) {
    if (!read.has(taskDefinitionKey(need.arn))) out.unresolved(need.origin, taskDefinitionKey(need.arn), 'the task definition of this deployment was not read: add its `aws ecs describe-task-definition` output');
  }
  const extra = out.result();
  for (const [k, n] of Object.entries(extra.bySource)) joined.bySource[k as UseSourceFormat] = (joined.bySource[k as UseSourceFormat] ?? 0) + n;
  return {
    uses: [...uses, ...extra.uses],
    problems: [...joined.problems, ...extra.problems],
    otherRegistryCount: 0,
    unresolvable: [...joined.unresolvable, ...extra.unresolvable],
    hostless: [],
    bySource: joined.bySource,
    links,
    replaced: replaced.size,
  };
}

/** Folders never read (and counted): version control, dependencies. Other hidden folders too, except these. */
const SKIPPED_DIRECTORIES = new Set(['.git', 'node_modules', '.terraform']);
const HIDDEN_SOURCES_DIRECTORIES = new Set(['.github', '.devcontainer', '.gitlab']);
/** Hidden files that are sources; every other dotfile (`.env`, `.npmrc`) is never opened. */
const HIDDEN_SOURCE_FILES = /^\.(?:gitlab-ci(?:[.-][\w.-]+)?\.ya?ml|devcontainer\.json)$/i;
/** Names that say a file is no source: never opened. */
const NOT_SOURCE_NAME = /\.(?:md|markdown|rst|adoc|png|jpe?g|gif|svg|ico|webp|pdf|zip|t?gz|tar|bz2|xz|7z|jar|war|class|so|dylib|dll|exe|bin|woff2?|ttf|otf|eot|mp[34]|mov|pem|key|crt|p12|pfx|sum|lock|tpl|pyc|o|a)$|^(?:LICEN[CS]E|COPYING|NOTICE|AUTHORS|CODEOWNERS|CHANGELOG|VERSION)(?:\.\w+)?$|^requirements[\w.-]*\.txt$|^(?:go\.mod|package(?:-lock)?\.json|tsconfig[\w.-]*\.json|composer\.json)$/i;
/** Files larger than this are not read (no source of these kinds is near it). */
export const MAX_IN_USE_FILE_BYTES = 32 * 1024 * 1024;
const EXAMPLES_PER_REASON = 3;

function skippedReason(s: Skipped): string {
  return s.detail;
}

export interface InUseLoad extends InUseParseResult {
  coverage: InUseCoverage;
  /** Named paths that do not exist or cannot be read: usage errors. */
  fatal: InputProblem[];
}

/**
 * Reads in-use sources (files or directories). Problems are returned, not thrown: a path named that
 * cannot be read is `fatal` (a usage error); everything about the files found is a warning.
 */
export async function loadInUse(paths: string[], context: ReadContext = {}): Promise<InUseLoad> {
  const fatal: InputProblem[] = [];
  const skips: Array<{ file: string; reason: string }> = [];
  const hiddenFolders: string[] = [];
  const walk = await walkTree(paths, {
    skipDirectory: (name, rel) => {
      const skip = SKIPPED_DIRECTORIES.has(name) || (name.startsWith('.') && !HIDDEN_SOURCES_DIRECTORIES.has(name));
      if (skip) hiddenFolders.push(rel);
      return skip;
    },
    maxBytes: MAX_IN_USE_FILE_BYTES,
  });
  for (const f of hiddenFolders.sort(compareStrings)) skips.push({ file: f, reason: 'a hidden, version control or dependency folder (not entered)' });
  const roots = new Set(paths.map((p) => resolve(p)));
  for (const s of walk.skipped) {
    if (roots.has(resolve(s.path)) && (s.reason === 'not-found' || s.reason === 'unreadable')) {
      fatal.push({ location: { file: s.path }, code: 'in-use/unreadable', message: `cannot read in-use source: ${s.reason === 'not-found' ? 'no such file or directory' : s.detail}` });
    } else {
      skips.push({ file: s.path, reason: skippedReason(s) });
    }
  }

  // Charts: templates are Helm's, not Kubernetes', until rendered.
  const charts = walk.files.filter((f) => /^Chart\.ya?ml$/.test(basename(f.path))).map((f) => posix.dirname(f.path.split('\\').join('/')));
  const inChart = (file: string) => charts.find((c) => file.split('\\').join('/').startsWith(`${c}/templates/`));
  const hinted = new Set<string>();
  const warnings: InputProblem[] = [];

  const readings: InUseParseResult[] = [];
  const terraform: TerraformText[] = [];
  let filesRead = 0;
  let filesWithProblems = 0;
  const seen = new Set<string>();
  for (const f of walk.files) {
    const key = resolve(f.path);
    if (seen.has(key)) continue;
    seen.add(key);
    const name = basename(f.path);
    const rel = f.relative === '' ? name : f.relative;
    if (name.startsWith('.') && !HIDDEN_SOURCE_FILES.test(name)) {
      skips.push({ file: f.path, reason: 'a hidden file that is no known in-use source (not opened)' });
      continue;
    }
    if (NOT_SOURCE_NAME.test(name)) {
      skips.push({ file: f.path, reason: `${NOT_A_SOURCE}, by its name (not opened)` });
      continue;
    }
    if (/^Chart\.(?:ya?ml|lock)$/.test(name)) {
      skips.push({ file: f.path, reason: 'Helm chart metadata' });
      continue;
    }
    const chart = inChart(f.path);
    if (chart !== undefined) {
      skips.push({ file: f.path, reason: 'an unrendered Helm template: pass `helm template` output instead' });
      if (!hinted.has(chart)) {
        hinted.add(chart);
        warnings.push({ location: { file: chart }, code: 'in-use/helm-chart', message: 'an unrendered Helm chart: its templates are not read (pass `helm template` output for them); its values files are read' });
      }
      continue;
    }
    const read = await readRegularFile(f.path, { maxBytes: MAX_IN_USE_FILE_BYTES, noFollow: !roots.has(key) });
    if (!read.ok) {
      skips.push({ file: f.path, reason: read.detail });
      continue;
    }
    if (/\.tf$/i.test(name)) {
      // Terraform is read module by module once every file is listed (siblings share locals and variables).
      terraform.push({ file: f.path, text: read.bytes.toString('utf8') });
      filesRead++;
      continue;
    }
    const reading = readText(f.path, read.bytes.toString('utf8'), context, rel);
    if (reading.skipped !== undefined) {
      skips.push({ file: f.path, reason: reading.skipped });
      continue;
    }
    filesRead++;
    if (reading.problems.some((p) => p.code !== 'in-use/unresolvable' && p.code !== 'in-use/unresolved-arg')) filesWithProblems++;
    readings.push(reading);
  }

  if (terraform.length > 0) {
    const tf = await collectTerraform(terraform, context);
    filesWithProblems += new Set(tf.problems.filter((p) => p.code !== 'in-use/unresolvable').map((p) => p.location.file)).size;
    readings.push(tf);
  }
  const joined = joinSources(readings);
  const result = keepEcr({ ...joined, problems: [...joined.problems, ...warnings] });
  const coverage: InUseCoverage = {
    filesRead,
    bySource: sortedCounts(joined.bySource),
    unresolvable: joined.unresolvable.length,
    replaced: joined.replaced,
    skipped: summariseSkips(skips),
    filesWithProblems,
  };
  return { ...result, coverage, fatal: fatal.sort(compareProblems) };
}

function sortedCounts(counts: Partial<Record<UseSourceFormat, number>>): Partial<Record<UseSourceFormat, number>> {
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => compareStrings(a, b)));
}

/** Skipped files per reason (most first, then by reason), with the first few named. */
function summariseSkips(skips: ReadonlyArray<{ file: string; reason: string }>): InUseCoverage['skipped'] {
  const by = new Map<string, string[]>();
  for (const s of skips) {
    const list = by.get(s.reason) ?? [];
    list.push(s.file);
    by.set(s.reason, list);
  }
  return [...by.entries()]
    .map(([reason, files]) => ({ reason, count: files.length, examples: files.sort(compareStrings).slice(0, EXAMPLES_PER_REASON) }))
    .sort((a, b) => b.count - a.count || compareStrings(a.reason, b.reason));
}

/** Images pulled within this many days count as probably in use unless --recent-pull-days says otherwise. */
export const DEFAULT_RECENT_PULL_DAYS = 30;

/** Loads --in-use sources: uses only (lint with state). Warnings go to `warn`; a path that cannot be read stops (exit 2). */
export async function loadDeclaredUses(paths: readonly string[] | undefined, warn: (problem: InputProblem) => void, context: ReadContext = {}): Promise<InUseReference[]> {
  return (await loadDeclaredUseSources(paths, warn, context)).uses;
}

export interface DeclaredUses {
  uses: InUseReference[];
  /** References to registries other than ECR (counted, not kept). */
  notEcr: number;
  /** What was read and skipped; `none` without --in-use. */
  coverage: InUseCoverage;
  hostless: InUseParseResult['hostless'];
}

/** The coverage of a run without --in-use. */
export const NO_IN_USE_SOURCE: InUseCoverage = { none: true, filesRead: 0, bySource: {}, unresolvable: 0, replaced: 0, skipped: [], filesWithProblems: 0 };

/** As loadDeclaredUses, with the number of references that name registries other than ECR, and the coverage. */
export async function loadDeclaredUseSources(paths: readonly string[] | undefined, warn: (problem: InputProblem) => void, context: ReadContext = {}): Promise<DeclaredUses> {
  if (!paths || paths.length === 0) return { uses: [], notEcr: 0, coverage: NO_IN_USE_SOURCE, hostless: [] };
  const loaded = await loadInUse([...paths], context);
  if (loaded.fatal.length > 0) throw new InputError(loaded.fatal);
  loaded.problems.forEach(warn);
  return { uses: loaded.uses, notEcr: loaded.otherRegistryCount, coverage: loaded.coverage, hostless: loaded.hostless };
}

/**
 * Adds uses read elsewhere (a snapshot's own in-use/ folder, written by live discovery) to those of
 * --in-use: the references and the coverage count both, so a report says what it read from either.
 */
export function addDeclaredUses(into: Pick<DeclaredUses, 'uses' | 'notEcr' | 'coverage'>, found: Pick<DeclaredUses, 'uses' | 'notEcr' | 'coverage'>): void {
  into.uses.push(...found.uses);
  into.notEcr += found.notEcr;
  const a = into.coverage;
  const b = found.coverage;
  if (b.none) return;
  const bySource = { ...a.bySource };
  for (const [k, n] of Object.entries(b.bySource)) bySource[k as UseSourceFormat] = (bySource[k as UseSourceFormat] ?? 0) + (n ?? 0);
  into.coverage = {
    filesRead: a.filesRead + b.filesRead,
    bySource,
    unresolvable: a.unresolvable + b.unresolvable,
    replaced: a.replaced + b.replaced,
    skipped: [...a.skipped, ...b.skipped],
    filesWithProblems: a.filesWithProblems + b.filesWithProblems,
  };
}

export function recentPullDaysOf(value: number | undefined): number {
  if (value === undefined) return DEFAULT_RECENT_PULL_DAYS;
  if (!Number.isInteger(value) || value < 0) throw new UsageError(`--recent-pull-days must be a whole number of days, 0 or more; found ${String(value)}`);
  return value;
}

/** `--build-arg NAME=VALUE` (repeatable) as a map; a malformed one is a usage error. */
export function parseBuildArgs(values: readonly string[] | undefined): Map<string, string> {
  const args = new Map<string, string>();
  for (const v of values ?? []) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=([\s\S]*)$/.exec(v);
    if (!m) throw new UsageError(`--build-arg must be NAME=VALUE; found ${excerpt(v)}`);
    args.set(m[1]!, m[2]!);
  }
  return args;
}

/** `--default-registry HOST`: a registry host (an ECR one to be useful), without scheme or path. */
export function parseDefaultRegistry(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const host = value.trim().replace(/\/+$/, '');
  if (!/^[a-zA-Z0-9.-]+(?::\d+)?$/.test(host) || !host.includes('.')) throw new UsageError(`--default-registry must be a registry host such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com; found ${excerpt(value)}`);
  return host;
}

export { compareUses };
