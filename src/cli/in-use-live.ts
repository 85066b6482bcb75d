import { stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { loadDeclaredUseSources } from '../analyse/in-use/index.js';
import { readJsonDocument } from '../load/json-document.js';
import { throwIfProblems } from '../load/problems.js';
import { validateAgainstSchema } from '../load/schemas.js';
import { InputError, UsageError, type InputProblem } from '../model/errors.js';
import type { InUseCoverage, InUseReference } from '../model/in-use.js';
import type { InUseStatusFile, LiveSource } from '../aws/in-use/types.js';
import { IN_USE_DIR, IN_USE_OWN_FOLDERS, IN_USE_STATUS_FILE, LIVE_SOURCES } from '../aws/in-use/types.js';
import type { CliIO } from './io.js';
import { asList } from './options.js';

// `--in-use-live` and `--in-use-kube` for `snapshot` and `audit --live`: discover what runs, write it
// beside the snapshot (in-use-status.json and in-use/), and read it back as `audit --snapshot` does.
// The AWS and Kubernetes clients are imported only when these options are given.

export interface LiveInUseArgs {
  inUseLive?: string | string[];
  inUseKube?: string | string[];
  rollbackDepth?: number;
  kubeconfig?: string;
  region?: string | string[];
  profile?: string;
  roleArn?: string | string[];
  concurrency?: number;
}

/** `ecs,lambda`, repeated or comma-separated, or `all`; empty when the option is absent. */
export function parseLiveSources(value: unknown): LiveSource[] {
  const words = asList(value).flatMap((v) => v.split(',')).map((w) => w.trim()).filter((w) => w !== '');
  if (value !== undefined && words.length === 0) throw new UsageError(`--in-use-live needs sources: ${LIVE_SOURCES.join(',')} or all`);
  const out = new Set<LiveSource>();
  for (const w of words) {
    if (w === 'all') LIVE_SOURCES.forEach((s) => out.add(s));
    else if ((LIVE_SOURCES as readonly string[]).includes(w)) out.add(w as LiveSource);
    else throw new UsageError(`--in-use-live: unknown source "${w}"; give ${LIVE_SOURCES.join(', ')} or all (comma-separated)`);
  }
  return LIVE_SOURCES.filter((s) => out.has(s));
}

export function parseRollbackDepth(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 100) throw new UsageError(`--rollback-depth must be a whole number from 0 to 100; found "${String(value)}"`);
  return n;
}

/** Usage errors of the in-use options (sources, depth, kubeconfig and contexts), before any AWS call. */
export async function checkLiveInUseArgs(args: LiveInUseArgs, io: CliIO): Promise<void> {
  parseLiveSources(args.inUseLive);
  parseRollbackDepth(args.rollbackDepth);
  if (args.inUseKube !== undefined) {
    const { kubeContexts } = await import('../aws/in-use/kube.js');
    kubeContexts(kubeOptions(args), io.env);
  }
}

function kubeOptions(args: LiveInUseArgs): { contexts: string[]; kubeconfig?: string } {
  return { contexts: asList(args.inUseKube).filter((c) => c !== ''), ...(args.kubeconfig !== undefined ? { kubeconfig: args.kubeconfig } : {}) };
}

export function wantsLiveInUse(args: LiveInUseArgs): boolean {
  return args.inUseLive !== undefined || args.inUseKube !== undefined;
}

/**
 * Discovers what runs (the selected AWS sources, then each Kubernetes context) and writes it under
 * `out`. Returns the lines naming what could not be read (empty when complete).
 */
export async function discoverInUseInto(out: string, args: LiveInUseArgs, io: CliIO): Promise<InUseStatusFile> {
  const sources = parseLiveSources(args.inUseLive);
  const rollbackDepth = parseRollbackDepth(args.rollbackDepth);
  const discoveredAt = new Date(io.clock()).toISOString();
  const files: Array<{ path: string; text: string }> = [];
  const statuses: InUseStatusFile['sources'] = [];
  if (sources.length > 0) {
    const { discoverLiveInUse } = await import('../aws/in-use/index.js');
    const regions = asList(args.region);
    const roleArns = asList(args.roleArn);
    const found = await discoverLiveInUse({
      sources,
      ...(rollbackDepth !== undefined ? { rollbackDepth } : {}),
      ...(regions.length ? { regions } : {}),
      ...(roleArns.length ? { roleArns } : {}),
      ...(args.profile !== undefined ? { profile: args.profile } : {}),
      ...(args.concurrency !== undefined ? { concurrency: args.concurrency } : {}),
    });
    files.push(...found.files);
    statuses.push(...found.sources);
  }
  if (args.inUseKube !== undefined) {
    const { discoverKube } = await import('../aws/in-use/kube.js');
    const found = await discoverKube(kubeOptions(args), io.env);
    files.push(...found.files);
    statuses.push(...found.sources);
  }
  const { writeInUseFolder } = await import('../aws/in-use/folder.js');
  return writeInUseFolder(out, { files, sources: statuses }, { discoveredAt, ...(rollbackDepth !== undefined ? { rollbackDepth } : {}) });
}

/** What `snapshot` and `audit` print when discovery missed something. */
export function missingSummary(status: InUseStatusFile): string[] {
  return status.sources.flatMap((s) => s.missing);
}

export interface SnapshotInUse {
  status: InUseStatusFile;
  uses: InUseReference[];
  notEcr: number;
  /** What was read of the in-use folder, as for --in-use. */
  coverage: InUseCoverage;
  /** One line per part of a source that could not be read (the audit reports them and exits 3). */
  missing: string[];
}

/**
 * Reads the in-use folder of a snapshot; undefined when it has none (no in-use-status.json). With
 * `shownAs`, origins name the files under that label instead of `dir` (a live audit's snapshot is a
 * temporary folder, gone when the report is read): `live:in-use/_aws/...`.
 */
export async function readSnapshotInUse(dir: string, warn: (problem: InputProblem) => void, shownAs?: string): Promise<SnapshotInUse | undefined> {
  const statusPath = join(dir, IN_USE_STATUS_FILE);
  if (!(await stat(statusPath).catch(() => undefined))) return undefined;
  const doc = await readJsonDocument(statusPath);
  throwIfProblems(validateAgainstSchema('in-use-status', doc, '', { codePrefix: 'in-use' }));
  const status = doc.value as InUseStatusFile;
  status.files.forEach((f, i) => {
    // Only the discovery's own folders: a status file never makes the audit read elsewhere.
    if (!IN_USE_OWN_FOLDERS.some((own) => f.startsWith(`${own}/`)) || f.split('/').some((s) => s === '..' || s === '.')) {
      throw new InputError([{ location: { file: statusPath, pointer: `/files/${i}` }, code: 'in-use/bad-status', message: 'an in-use file outside the in-use folder', expected: 'a path under _aws/ or _kube/' }]);
    }
  });
  const missing = status.sources.flatMap((s) => s.missing.map((m) => (s.scope.includes(' role ') ? `${m} (${s.scope})` : m)));
  const { uses, notEcr, coverage } = await loadDeclaredUseSources(status.files.map((f) => join(dir, IN_USE_DIR, ...f.split('/'))), warn);
  if (shownAs !== undefined) {
    const prefix = join(dir, IN_USE_DIR) + sep;
    for (const u of uses) if (u.origin.file.startsWith(prefix)) u.origin.file = `${shownAs}${IN_USE_DIR}/${u.origin.file.slice(prefix.length).split(sep).join('/')}`;
  }
  return { status, uses, notEcr, coverage, missing };
}

/** The report's entries for what discovery could not read (audit and dry-run of a snapshot alike). */
export function discoveryUnreadable(found: SnapshotInUse): Array<{ repositoryName: string; reason: string }> {
  return found.missing.map((m) => ({ repositoryName: '*', reason: `in-use discovery incomplete: ${m}` }));
}

/** The stderr line when discovery missed something (the run then exits 3). */
export function discoveryIncompleteNotice(found: SnapshotInUse): string {
  const n = found.missing.length;
  return `ecr-lifeguard: in-use discovery could not read ${n} ${n === 1 ? 'part' : 'parts'} of what runs; the report names them, and images they use may be missing from the in-use checks (exit 3)\n`;
}
