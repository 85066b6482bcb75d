import { stat } from 'node:fs/promises';
import { escapeControls } from '../../aws/names.js';
import type { LiveReadOptions, SnapshotProgress, SnapshotReport } from '../../aws/types.js';
import { UsageError } from '../../model/errors.js';
import { EXIT } from '../exit.js';
import type { CliIO } from '../io.js';
import { asList, parseShard } from '../options.js';
import { checkLiveInUseArgs, discoverInUseInto, missingSummary, wantsLiveInUse, type LiveInUseArgs } from '../in-use-live.js';

// `ecr-lifeguard snapshot --out DIR`: reads ECR (read-only) into the snapshot directory layout.

export interface LiveSelectionArgs {
  repository?: string | string[];
  repositoryPrefix?: string;
  region?: string | string[];
  profile?: string;
  roleArn?: string | string[];
  endpointUrl?: string;
  cacheDir?: string;
  concurrency?: number;
  /** False with --no-pull: no BatchGetImage call. */
  pull?: boolean;
}

export interface SnapshotArgs extends LiveSelectionArgs, LiveInUseArgs {
  out?: string;
  shard?: string;
  json?: boolean;
}

export function liveOptions(args: LiveSelectionArgs, io: CliIO): LiveReadOptions {
  const o: LiveReadOptions = {};
  const repositories = asList(args.repository);
  const regions = asList(args.region);
  const roleArns = asList(args.roleArn);
  if (repositories.length) o.repositories = repositories;
  if (args.repositoryPrefix !== undefined) o.repositoryPrefix = args.repositoryPrefix;
  if (regions.length) o.regions = regions;
  if (args.profile !== undefined) o.profile = args.profile;
  if (roleArns.length) o.roleArns = roleArns;
  const endpoint = args.endpointUrl ?? io.env.AWS_ENDPOINT_URL_ECR ?? io.env.AWS_ENDPOINT_URL;
  if (endpoint !== undefined && endpoint !== '') {
    // A malformed endpoint is a usage error, not a registry that could not be read.
    if (!URL.canParse(endpoint) || !/^https?:$/.test(new URL(endpoint).protocol)) {
      throw new UsageError(`--endpoint-url must be an http:// or https:// URL such as https://api.ecr.eu-west-1.amazonaws.com; found "${endpoint}"`);
    }
    o.endpointUrl = endpoint;
  }
  if (args.cacheDir !== undefined) o.cacheDir = args.cacheDir;
  if (args.pull === false) o.pull = false;
  // Said once, as it is found (before the first BatchGetImage of each registry), whatever the format.
  o.onWarning = (message) => io.stderr(`${io.stderrIsTTY ? '\r\u001b[2K' : ''}warning: ${message}\n`);
  if (args.concurrency !== undefined) {
    if (!Number.isInteger(args.concurrency) || args.concurrency < 1 || args.concurrency > 64) throw new UsageError(`--concurrency must be a whole number from 1 to 64; found ${args.concurrency}`);
    o.concurrency = args.concurrency;
  }
  return o;
}

/** Progress on stderr only when it is a terminal, redrawn at most a few times a second; silent otherwise. */
export function progressPrinter(io: CliIO): ((p: SnapshotProgress) => void) | undefined {
  if (!io.stderrIsTTY) return undefined;
  let last = 0;
  return (p) => {
    const t = io.clock();
    if (t - last < 200 && p.repositoriesDone < p.repositoriesTotal) return;
    last = t;
    io.stderr(`\r\u001b[2Krepositories ${p.repositoriesDone}/${p.repositoriesTotal}, images ${p.imagesRead}, API calls ${p.apiCalls}, retries ${p.retries}`);
  };
}

export async function runSnapshot(args: SnapshotArgs, io: CliIO): Promise<number> {
  if (args.out === undefined || args.out === '') throw new UsageError('snapshot: --out DIR is required');
  const existing = await stat(args.out).catch(() => undefined);
  if (existing && !existing.isDirectory()) throw new UsageError(`snapshot: --out ${args.out} is a file; give a directory (it is created when missing)`);
  const shard = parseShard(args.shard);
  const { takeSnapshot } = await import('../../aws/snapshot.js');
  const progress = progressPrinter(io);
  // Usage errors of the in-use options come before any AWS call.
  await checkLiveInUseArgs(args, io);
  const report = await takeSnapshot({ ...liveOptions(args, io), out: args.out, ...(shard ? { shard } : {}), ...(progress ? { progress } : {}) });
  if (progress) io.stderr('\n');
  let inUseMissing: string[] = [];
  if (wantsLiveInUse(args)) {
    const inUse = await discoverInUseInto(args.out, args, io);
    inUseMissing = missingSummary(inUse);
    if (!args.json) io.stdout(summary(report) + inUseLines(inUse, args.out));
    else io.stdout(JSON.stringify({ ...report, inUse }, null, 2) + '\n');
  } else {
    const { removeInUseFolder } = await import('../../aws/in-use/folder.js');
    await removeInUseFolder(args.out);
    io.stdout(args.json ? JSON.stringify(report, null, 2) + '\n' : summary(report));
  }
  if (inUseMissing.length > 0) {
    io.stderr(`ecr-lifeguard: in-use discovery could not read ${inUseMissing.length} ${inUseMissing.length === 1 ? 'part' : 'parts'} (named in in-use-status.json and above); an audit of this snapshot is incomplete (exit 3)\n`);
  }
  if (!report.complete) {
    const registries = report.registries.filter((g) => !g.complete).length;
    const parts = [
      ...(registries > 0 ? [`${registries} ${registries === 1 ? 'registry' : 'registries'} could not be listed (named in snapshot-status.json)`] : []),
      ...(report.totals.incomplete > 0 ? [`${report.totals.incomplete} ${report.totals.incomplete === 1 ? 'repository' : 'repositories'} could not be read completely (marked incomplete in repository.json)`] : []),
    ];
    io.stderr(`ecr-lifeguard: ${parts.join('; ')} (exit 3)\n`);
    return EXIT.incomplete;
  }
  return inUseMissing.length > 0 ? EXIT.incomplete : EXIT.ok;
}

function summary(r: SnapshotReport): string {
  const lines = [`Snapshot ${r.totals.repositories > 0 ? 'written' : 'status written'} to ${r.out} at ${r.snapshotAt}: ${r.totals.repositories} repositories, ${r.totals.images} images, ${r.totals.apiCalls} API calls, ${r.totals.retries} retries.`];
  // Names and reasons come from the server: no control character reaches the terminal.
  const e = escapeControls;
  for (const g of r.registries) {
    lines.push(`  registry ${g.registryId ?? '?'} ${g.region}${g.complete ? '' : ` INCOMPLETE: ${e(g.incompleteReason ?? '')}`}${g.blobMounting !== undefined ? `, blob mounting ${g.blobMounting ? 'on' : 'off'}` : ''}`);
    for (const w of g.warnings) lines.push(`    warning: ${e(w)}`);
  }
  for (const repo of r.repositories.filter((x) => !x.complete)) lines.push(`  INCOMPLETE ${e(repo.repositoryName)}: ${e(repo.incompleteReason ?? '')}`);
  return lines.join('\n') + '\n';
}

function inUseLines(status: import('../../aws/in-use/types.js').InUseStatusFile, out: string): string {
  const references = status.sources.reduce((a, s) => a + s.references, 0);
  const lines = [`In use: ${references} references from ${status.sources.length} ${status.sources.length === 1 ? 'source' : 'sources'} written to ${out}/in-use (${status.files.length} files)${status.complete ? '.' : ', INCOMPLETE:'}`];
  for (const s of status.sources) for (const m of s.missing) lines.push(`  missing: ${m}`);
  return lines.join('\n') + '\n';
}
