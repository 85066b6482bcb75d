import { constants } from 'node:buffer';
import { statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { detectInputKind, KIND_LABELS } from '../../load/kinds.js';
import { snapshotsBelow } from '../../load/hints.js';
import { sumStorageTotals, type RegistryStorageTotals } from '../../analyse/storage.js';
import { InputError, UsageError, type InputProblem } from '../../model/errors.js';
import { compareFindings, failsOn, type Finding } from '../../model/finding.js';
import { readJsonDocument } from '../../load/json-document.js';
import { validateAgainstSchema } from '../../load/schemas.js';
import { renderReportParts, type ReportFormat } from '../../report/index.js';
import { findingDigests, listedRepository, MAX_LISTED_IMAGES, type Report, type ReportRepository } from '../../report/model.js';
import { JsonReportWriter } from '../../report/json.js';
import { formatBytes } from '../../report/storage-text.js';
import { EXIT } from '../exit.js';
import { useColour, widthOf, type CliIO } from '../io.js';
import { openOutput, writeOutput, type Output } from '../output.js';
import { RepositorySpill } from '../repository-spill.js';
import { parseChoice, parseFailOn } from '../options.js';
import { AUDIT_FORMATS } from './audit.js';

// `ecr-lifeguard merge REPORT.json...`: combines the JSON reports of sharded audits into one.

export interface MergeArgs {
  reports?: string[];
  format?: string;
  output?: string;
  failOn?: string;
  all?: boolean;
}

export async function runMerge(args: MergeArgs, io: CliIO): Promise<number> {
  const files = args.reports ?? [];
  if (files.length === 0) throw new UsageError('merge: give the JSON reports to combine, e.g. ecr-lifeguard merge shard-*.json');
  const format = parseChoice<ReportFormat>('--format', args.format, AUDIT_FORMATS, io.stdoutIsTTY && args.output === undefined ? 'table' : 'json');
  const failOn = parseFailOn(args.failOn);
  // One report is in memory at a time: its repositories go to the spill as soon as it is validated.
  const spill = new RepositorySpill();
  let out: Output | undefined;
  try {
    const reports: Array<{ file: string; report: SpilledReport }> = [];
    const problems: InputProblem[] = [];
    for (const file of files) {
      try {
        const notReport = await notAReport(file);
        if (notReport) {
          problems.push(notReport);
          continue;
        }
        const tooLarge = await reportTooLarge(file);
        if (tooLarge) {
          problems.push(tooLarge);
          continue;
        }
        const doc = await readJsonDocument(file);
        const other = otherKind(file, doc.value);
        if (other) {
          problems.push(other);
          continue;
        }
        const found = validateAgainstSchema('report', doc, '', { codePrefix: 'report' });
        if (found.length > 0) problems.push(...found);
        else reports.push({ file, report: spillRepositories(doc.value as Report, spill) });
      } catch (e) {
        if (e instanceof InputError) problems.push(...e.problems);
        else throw e;
      }
    }
    if (problems.length > 0) throw new InputError(problems);
    const merged = mergeReports(reports);
    if (format === 'json') {
      // Written as it is serialised, one repository at a time, as audit writes it.
      out = openOutput(args.output, io);
      const json = new JsonReportWriter(out.write);
      const { tool, now, days, repositories, ...rest } = merged;
      json.begin({ tool, now, days });
      for (const r of repositories) json.repository(spill.get(r.spilled));
      json.end(rest);
      await out.close();
    } else {
      // As audit does: the other formats list the images that matter, at most MAX_LISTED_IMAGES each
      // unless --all (the JSON carries what the shards' reports hold).
      const flagged = findingDigests(merged.findings);
      const shown = { ...merged, repositories: merged.repositories.map((r) => {
        const repo = spill.get(r.spilled);
        return listedRepository(repo, flagged.get(repo.repositoryName), { all: args.all === true, cap: MAX_LISTED_IMAGES });
      }) };
      await writeOutput(args.output, io, await renderReportParts(shown, format, { colour: args.output === undefined && useColour(io), command: 'audit', ...widthOf(args.output, io) }));
    }
    if (merged.repositories.some((r) => !r.complete) || (merged.unreadableRepositories?.length ?? 0) > 0) return EXIT.incomplete;
    return failsOn(merged.findings, failOn) ? EXIT.findings : EXIT.ok;
  } finally {
    out?.abort();
    spill.remove();
  }
}

/** A folder given as a report: a snapshot (audit it first), or any other folder. */
async function notAReport(file: string): Promise<InputProblem | undefined> {
  const st = await stat(file).catch(() => undefined);
  if (st?.isDirectory()) {
    const isSnapshot = [...snapshotsBelow(file, SNAPSHOT_MARKERS), file].some((d) => SNAPSHOT_MARKERS.some((m) => statSync(join(d, m), { throwIfNoEntry: false })?.isFile()));
    return { location: { file }, code: 'report/not-a-report', message: isSnapshot ? 'this folder holds a snapshot, not a report; audit it first (ecr-lifeguard audit --snapshot DIR --format json --output REPORT.json) and merge the reports' : 'this is a folder, not a report', expected: 'JSON reports of audit --format json' };
  }
  return undefined;
}

/** A JSON document recognisably of another kind (describe-images output, a policy...), named. */
function otherKind(file: string, value: unknown): InputProblem | undefined {
  const kind = detectInputKind(value);
  if (kind === undefined) return undefined;
  return { location: { file }, code: 'report/not-a-report', message: `this looks like ${KIND_LABELS[kind]}, not a report; merge combines the JSON reports of audit (audit --format json)`, expected: 'JSON reports of audit --format json' };
}

const SNAPSHOT_MARKERS = ['registry.json', 'snapshot-status.json'];

/** A report is read whole (it is validated as one document): longer than V8's longest string, it cannot be. */
async function reportTooLarge(file: string): Promise<InputProblem | undefined> {
  const size = await stat(file).then((s) => s.size, () => 0);
  if (size <= constants.MAX_STRING_LENGTH) return undefined;
  return {
    location: { file }, code: 'merge/report-too-large',
    message: 'the report is larger than the longest text one report can be read in: split the audit into more shards (audit --shard K/N) and merge those',
    found: formatBytes(size), expected: `a report of at most ${formatBytes(constants.MAX_STRING_LENGTH)}`,
  };
}

/** What merging needs of a repository: its key and whether it is complete. */
type RepositoryKey = Pick<ReportRepository, 'repositoryName' | 'registryId' | 'region' | 'complete'>;

/** A report whose repositories wait in a RepositorySpill. */
type SpilledReport = Omit<Report, 'repositories'> & { repositories: Array<RepositoryKey & { spilled: number }> };

function spillRepositories(report: Report, spill: RepositorySpill): SpilledReport {
  return {
    ...report,
    repositories: report.repositories.map((r) => ({
      repositoryName: r.repositoryName,
      ...(r.registryId !== undefined ? { registryId: r.registryId } : {}),
      ...(r.region !== undefined ? { region: r.region } : {}),
      complete: r.complete,
      spilled: spill.add(r),
    })),
  };
}

/**
 * Pure: reports evaluated at the same time are combined; repositories must not overlap. Repositories
 * are whatever the reports hold (whole, or keys standing for them), sorted and passed through.
 */
export function mergeReports<R extends RepositoryKey>(reports: ReadonlyArray<{ file: string; report: Omit<Report, 'repositories'> & { repositories: R[] } }>): Omit<Report, 'repositories'> & { repositories: R[] } {
  const first = reports[0]!;
  const problems: InputProblem[] = [];
  const seen = new Map<string, string>();
  for (const { file, report } of reports) {
    if (report.now !== first.report.now || report.days !== first.report.days) {
      problems.push({ location: { file, pointer: '/now' }, code: 'merge/different-time', message: `evaluated at ${report.now} over ${report.days} days, but ${first.file} at ${first.report.now} over ${first.report.days} days: run every shard with the same --now and --days`, found: report.now, expected: first.report.now });
    }
    report.repositories.forEach((r, i) => {
      const key = `${r.registryId ?? ''}/${r.region ?? ''}/${r.repositoryName}`;
      const other = seen.get(key);
      if (other) problems.push({ location: { file, pointer: `/repositories/${i}` }, code: 'merge/duplicate-repository', message: `repository ${r.repositoryName} is also in ${other}: the shards overlap`, expected: 'each repository in one report' });
      else seen.set(key, file);
    });
  }
  const shards = shardCoverage(reports, problems);
  if (problems.length > 0) throw new InputError(problems);

  const repositories = reports.flatMap((r) => r.report.repositories).sort((a, b) => cmp(`${a.registryId ?? ''}/${a.region ?? ''}/${a.repositoryName}`, `${b.registryId ?? ''}/${b.region ?? ''}/${b.repositoryName}`));
  const present = new Set(repositories.map((r) => r.repositoryName));
  // A shard reports uses of repositories it does not hold as unresolved; another shard may hold them.
  const findings = dedupe(
    reports.flatMap((r) => r.report.findings).filter((f) => !(f.id === 'unresolved-in-use-reference' && f.evidence.repositoryInSnapshot === false && f.repositoryName !== undefined && present.has(f.repositoryName))),
  ).sort(compareFindings);
  const storages = reports.map((r) => r.report.storage).filter((s): s is Record<string, unknown> => s !== undefined) as unknown as RegistryStorageTotals[];
  // A shard that was not merged is a set of repositories nobody read: the merged report says so (exit 3).
  // Missing shards are worked out afresh: merging a partial merge with its missing shard makes it whole.
  const unreadable = [
    ...reports.flatMap((r) => r.report.unreadableRepositories ?? []).filter((u) => u.shard === undefined),
    ...(shards?.missing ?? []).map((index) => ({ repositoryName: '*', shard: index, reason: `shard ${index}/${shards!.count} is not among the merged reports: its repositories are missing` })),
  ];
  return {
    tool: first.report.tool,
    now: first.report.now,
    days: first.report.days,
    repositories,
    findings,
    ...(storages.length > 0 ? { storage: sumStorageTotals(storages) as unknown as Record<string, unknown> } : {}),
    // Every shard read the same --in-use files against the same registries.
    ...(first.report.inUse ? { inUse: first.report.inUse } : {}),
    ...(shards ? { shards: shards.present.map((index) => ({ index, count: shards.count })) } : {}),
    unreadableRepositories: unreadable,
  };
}

/**
 * Which shards of --shard K/N the reports cover. Reports of a sharded audit name their shard; either
 * all reports do or none, they agree on N, and no shard comes twice. Undefined: no shards involved.
 */
function shardCoverage(reports: ReadonlyArray<{ file: string; report: Pick<Report, 'shards'> }>, problems: InputProblem[]): { count: number; present: number[]; missing: number[] } | undefined {
  const sharded = reports.filter((r) => r.report.shards !== undefined);
  if (sharded.length === 0) return undefined;
  const first = sharded[0]!;
  const count = first.report.shards![0]!.count;
  const owner = new Map<number, string>();
  for (const { file, report } of reports) {
    if (!report.shards) {
      problems.push({ location: { file }, code: 'merge/mixed-shards', message: `this report is not from a sharded audit, but ${first.file} is: merge the reports of one sharded audit (--shard K/N)`, expected: 'a "shards" list in every report' });
      continue;
    }
    report.shards.forEach((s, i) => {
      if (s.index > s.count) problems.push({ location: { file, pointer: `/shards/${i}/index` }, code: 'merge/bad-shard', message: `shard ${s.index}/${s.count} does not exist`, found: `${s.index}/${s.count}`, expected: 'K/N with K <= N' });
      else if (s.count !== count) problems.push({ location: { file, pointer: `/shards/${i}/count` }, code: 'merge/different-shard-counts', message: `shard ${s.index}/${s.count}, but ${first.file} is one of ${count}: merge shards of one --shard K/N split`, found: String(s.count), expected: String(count) });
      else if (owner.has(s.index)) problems.push({ location: { file, pointer: `/shards/${i}` }, code: 'merge/duplicate-shard', message: `shard ${s.index}/${s.count} is also in ${owner.get(s.index)!}`, expected: 'each shard once' });
      else owner.set(s.index, file);
    });
  }
  const present = [...owner.keys()].sort((a, b) => a - b);
  const missing = Array.from({ length: count }, (_, k) => k + 1).filter((k) => !owner.has(k));
  return { count, present, missing };
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = JSON.stringify(f);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
