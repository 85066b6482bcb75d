import { join } from 'node:path';
import { formatProblem, UsageError } from '../../model/errors.js';
import { isoTime } from '../../model/time.js';
import { loadEventFiles } from '../../load/cloudtrail-events.js';
import { loadInputs, type LoadedInputs } from '../../load/inputs.js';
import { readJsonDocument } from '../../load/json-document.js';
import { readSnapshotStatus, SNAPSHOT_FILES } from '../../load/snapshot.js';
import { parseTimestamp } from '../../load/time.js';
import { renderVerify, VERIFY_FORMATS, type VerifyFormat } from '../../report/verify.js';
import { DAY_MS } from '../../simulate/measures.js';
import { emptyExtracted, extractEvents, type EventNote } from '../../load/cloudtrail-records.js';
import { hasDifference, verify, type VerifyInputs } from '../../verify/verify.js';
import { EXIT } from '../exit.js';
import { useColour, type CliIO } from '../io.js';
import { writeOutput } from '../output.js';
import { asList, checkHorizon, LATEST_TIME, parseChoice, parseNow } from '../options.js';
import type { ImageRecord, RegistryInfo } from '../../model/image.js';
import { snapshotRoots } from './audit.js';

// `ecr-lifeguard verify`: a snapshot taken at T0 against what ECR recorded doing afterwards (CloudTrail
// PolicyExecutionEvent records, from files or looked up live). Exit 1 when ECR did something we did
// not predict, 3 when the events or the snapshot are incomplete, 0 when everything agrees.

export interface VerifyArgs {
  snapshot?: string;
  events?: string[];
  live?: boolean;
  now?: string;
  until?: string;
  format?: string;
  output?: string;
  region?: string[];
  profile?: string;
  roleArn?: string[];
  endpointUrl?: string;
}

export async function runVerify(args: VerifyArgs, io: CliIO): Promise<number> {
  if (args.snapshot === undefined) throw new UsageError('verify: give --snapshot DIR (a snapshot taken before the window to verify)');
  const eventPaths = asList(args.events);
  if (eventPaths.length === 0 && !args.live) throw new UsageError('verify: give --events PATH (CloudTrail records: lookup-events output, log files, an EventBridge export) or --live');
  const format = parseChoice<VerifyFormat>('--format', args.format, VERIFY_FORMATS, io.stdoutIsTTY && args.output === undefined ? 'table' : 'json');
  let t0 = args.now !== undefined ? parseNow(args.now, io.clock) : await snapshotTime(args.snapshot);
  const until = args.until !== undefined ? parseNow(args.until, io.clock) : undefined;
  if (until !== undefined && until < t0) throw new UsageError(`--until ${isoTime(until)} is before the snapshot's time ${isoTime(t0)}`);
  const endpoint = args.endpointUrl;
  if (endpoint !== undefined && (!URL.canParse(endpoint) || !/^https?:$/.test(new URL(endpoint).protocol))) {
    throw new UsageError(`--endpoint-url must be an http:// or https:// URL such as https://cloudtrail.eu-west-1.amazonaws.com; found "${endpoint}"`);
  }

  // snapshotAt is when the snapshot began: a repository read minutes later may hold an image pushed in
  // between. T0 is then the latest time the snapshot holds (an explicit --now is checked as given).
  // A snapshot of several accounts or regions has a root per (registryId, region), as audit reads it.
  const roots = await snapshotRoots(args.snapshot);
  const inputs = await loadRoots(args.snapshot, roots, args.now !== undefined ? t0 : LATEST_TIME);
  for (const w of inputs.warnings) io.stderr(`warning: ${formatProblem(w)}\n`);
  const notes: EventNote[] = [];
  let latestInSnapshot = -Infinity; // a loop: a spread of every image's time overflows the stack at registry scale
  for (const r of inputs.repositories) for (const i of r.state.images) latestInSnapshot = Math.max(latestInSnapshot, latestTimeOf(i));
  if (args.now === undefined && latestInSnapshot > t0) {
    notes.push({ source: args.snapshot, message: `the snapshot holds times after its snapshotAt ${isoTime(t0)} (repositories read while it ran): T0 is the latest of them, ${isoTime(latestInSnapshot)}` });
    t0 = latestInSnapshot;
    if (until !== undefined && until < t0) throw new UsageError(`--until ${isoTime(until)} is before the snapshot's time ${isoTime(t0)}`);
  }
  const loaded = eventPaths.length > 0 ? await loadEventFiles(eventPaths) : { events: emptyExtracted(), sources: [], skipped: [] };
  const events = loaded.events;
  const incomplete: EventNote[] = inputs.unreadableRegistries.map((r) => ({ source: `registry ${r.registryId ?? ''} ${r.region}`.replace(/ +/g, ' '), message: `the snapshot could not list this registry: ${r.reason}` }));
  const readInputs: VerifyInputs = { snapshot: args.snapshot, events: loaded.sources, skipped: loaded.skipped, records: 0, ignoredRecords: 0 };

  let end = until;
  if (args.live) {
    end ??= io.clock();
    checkHorizon(t0, Math.ceil((end - t0) / DAY_MS), '--now');
    const { lookupPolicyExecutions } = await import('../../aws/cloudtrail.js');
    readInputs.live = { regions: [], calls: 0 };
    // Each root's events in its own account (the --role-arn naming that account) and region; events
    // are then routed to the repositories by the registryId and region they carry.
    for (const lookup of liveLookups(inputs.registries, asList(args.region), asList(args.roleArn))) {
      const before = events.records;
      const executionsBefore = events.executions.length;
      const live = await lookupPolicyExecutions({
        regions: lookup.regions,
        startTime: t0, endTime: end, now: io.clock(),
        ...(lookup.accountId !== undefined && inputs.registries.length > 1 ? { accountId: lookup.accountId } : {}),
        ...(lookup.roleArn !== undefined ? { roleArn: lookup.roleArn } : {}),
        ...(args.profile !== undefined ? { profile: args.profile } : {}),
        ...(endpoint !== undefined ? { endpointUrl: endpoint } : {}),
      }, (label, records) => extractEvents({ Events: records.map((r) => ({ CloudTrailEvent: r })) }, label, events, '', true), io.env);
      for (const n of live.incomplete) if (!incomplete.some((x) => x.source === n.source && x.message === n.message)) incomplete.push(n);
      readInputs.live.regions.push(...live.regions);
      readInputs.live.calls += live.calls;
      readInputs.events.push({ path: `cloudtrail LookupEvents (${lookup.accountId !== undefined && inputs.registries.length > 1 ? `${lookup.accountId} ` : ''}${live.regions.join(', ')})`, records: events.records - before, policyExecutions: events.executions.length - executionsBefore });
    }
  } else if (end === undefined) {
    // The window ends with the records read: nothing is known beyond them.
    end = Math.max(t0, events.latest ?? t0);
  } else if (events.latest === undefined || events.latest < end - DAY_MS) {
    incomplete.push({ source: 'events', message: `the records read end ${events.latest === undefined ? 'before they start (none has a time)' : `at ${isoTime(events.latest)}`}, more than a day before --until ${isoTime(end)}: actions after that are unknown (give events that reach --until, or an earlier --until)` });
  }
  checkHorizon(t0, Math.ceil((end - t0) / DAY_MS), '--now');
  readInputs.records = events.records;
  readInputs.ignoredRecords = events.ignored;

  const report = verify({
    snapshotAt: t0,
    until: end,
    events,
    incomplete,
    notes,
    inputs: readInputs,
    repositories: inputs.repositories.map((r) => ({
      repositoryName: r.repositoryName,
      ...(r.registryId !== undefined ? { registryId: r.registryId } : {}),
      ...(r.region !== undefined ? { region: r.region } : {}),
      state: r.state,
      ...(r.policy ? { policy: r.policy.policy } : {}),
      policyStatus: r.policyStatus,
      complete: r.complete,
      ...(r.incompleteReason !== undefined ? { incompleteReason: r.incompleteReason } : {}),
    })),
  });
  const text = renderVerify(report, format, format === 'table' && args.output === undefined && useColour(io));
  await writeOutput(args.output, io, text);
  if (!report.complete) return EXIT.incomplete;
  return hasDifference(report) ? EXIT.findings : EXIT.ok;
}

interface VerifyInputsLoaded extends LoadedInputs {
  /** One per snapshot root. */
  registries: RegistryInfo[];
}

/** Every root's repositories, each carrying its root's registryId and region (events are matched on them). */
async function loadRoots(dir: string, roots: string[], now: number): Promise<VerifyInputsLoaded> {
  const loaded: VerifyInputsLoaded = { registry: {}, registries: [], repositories: [], warnings: [], unreadableRegistries: [] };
  for (const root of roots) {
    const one = await loadInputs({ snapshot: root }, now);
    loaded.registry = roots.length === 1 ? one.registry : loaded.registry;
    loaded.registries.push(one.registry);
    loaded.repositories.push(...one.repositories);
    loaded.warnings.push(...one.warnings);
    loaded.unreadableRegistries.push(...one.unreadableRegistries);
  }
  // A snapshot of several roots writes its status (the registries it could not list) at the top.
  if (roots.length > 1 || roots[0] !== dir) loaded.unreadableRegistries.push(...await readSnapshotStatus(dir));
  return loaded;
}

interface LiveLookup {
  regions: Array<string | undefined>;
  accountId?: string;
  roleArn?: string;
}

/**
 * The lookups --live makes: one per snapshot root (its account and region); with one root, each
 * --region (default the root's). A --role-arn is used for the account its ARN names; with one root and
 * one role, that role.
 */
export function liveLookups(registries: RegistryInfo[], regions: string[], roleArns: string[]): LiveLookup[] {
  const accountOf = (arn: string): string | undefined => /^arn:[^:]+:iam::(\d{12}):/.exec(arn)?.[1];
  for (const arn of roleArns) if (accountOf(arn) === undefined) throw new UsageError(`--role-arn must be an IAM role ARN such as arn:aws:iam::123456789012:role/ecr-lifeguard; found "${arn}"`);
  const roleFor = (accountId: string | undefined): string | undefined =>
    roleArns.find((arn) => accountId !== undefined && accountOf(arn) === accountId) ?? (registries.length === 1 && roleArns.length === 1 ? roleArns[0] : undefined);
  if (registries.length <= 1) {
    const r = registries[0] ?? {};
    const roleArn = roleFor(r.registryId);
    return [{ regions: regions.length > 0 ? regions : [r.region], ...(r.registryId !== undefined ? { accountId: r.registryId } : {}), ...(roleArn !== undefined ? { roleArn } : {}) }];
  }
  if (regions.length > 0) throw new UsageError('verify --live: this snapshot has a root per account and region; each root is looked up in its own region, so --region cannot be given');
  const accounts = new Set(registries.map((r) => r.registryId));
  for (const arn of roleArns) if (!accounts.has(accountOf(arn))) throw new UsageError(`--role-arn ${arn}: the snapshot holds no registry of account ${accountOf(arn)!}`);
  return registries.map((r) => {
    const roleArn = roleFor(r.registryId);
    return { regions: [r.region], ...(r.registryId !== undefined ? { accountId: r.registryId } : {}), ...(roleArn !== undefined ? { roleArn } : {}) };
  });
}

function latestTimeOf(i: ImageRecord): number {
  return Math.max(i.imagePushedAt, i.lastRecordedPullTime ?? -Infinity, i.lastArchivedAt ?? -Infinity, i.lastActivatedAt ?? -Infinity);
}

/** T0: the time `snapshot` wrote into snapshot-status.json. */
async function snapshotTime(dir: string): Promise<number> {
  const path = join(dir, SNAPSHOT_FILES.status);
  await readSnapshotStatus(dir); // validates it when present
  const doc = await readJsonDocument(path).catch(() => undefined);
  const at = (doc?.value as { snapshotAt?: unknown } | undefined)?.snapshotAt;
  if (at === undefined) throw new UsageError(`verify: ${path} is missing, so the snapshot's time is unknown: give --now with the time the snapshot was taken`);
  const t = parseTimestamp(at);
  if ('error' in t) throw new UsageError(`verify: ${path}: snapshotAt is not a time (${t.error}); give --now with the time the snapshot was taken`);
  return t.ms;
}
