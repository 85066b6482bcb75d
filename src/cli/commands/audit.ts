import { mkdtemp, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { addToRegistryBlobIndex, createRegistryBlobIndex } from '../../analyse/graph.js';
import { repositoryKey, shardOf } from '../../aws/shard.js';
import { sumStorageTotals, type RegistryStorageTotals } from '../../analyse/storage.js';
import { InputError, UsageError, type InputProblem } from '../../model/errors.js';
import { compareFindings, SEVERITY_RANK, type Finding } from '../../model/finding.js';
import { loadPolicyFile } from '../../load/policy.js';
import { openSnapshot, readSnapshotStatus, SNAPSHOT_FILES } from '../../load/snapshot.js';
import { implausibleTimes } from '../../load/images.js';
import { ProblemTally } from '../../load/problems.js';
import { renderReportParts, type ReportFormat } from '../../report/index.js';
import { JsonReportWriter } from '../../report/json.js';
import { findingDigests, listedRepository, MAX_LISTED_IMAGES, unreadableRegistryEntry, type Report, type ReportRepository } from '../../report/model.js';
import { addDeclaredUses, loadDeclaredUseSources, recentPullDaysOf } from '../../analyse/in-use/index.js';
import { analyseRepositoryInput, createReportAccumulator, inUseContext, inUseSummary, reportHead, warnHostless, type AnalysisOptions, type AnalysisSetup } from '../../core/analysis.js';
import type { RegistryInfo } from '../../model/image.js';
import { EXIT, problemLine } from '../exit.js';
import { toRepositoryInput } from '../../load/inputs.js';
import { useColour, widthOf, type CliIO } from '../io.js';
import { collectGarbage, preferSmallHeap } from '../collect-garbage.js';
import { FindingSpill } from '../finding-spill.js';
import { holdTemporary, removeTemporary } from '../temporary.js';
import { openOutput, writeParts, type Output } from '../output.js';
import { checkHorizon, parseChoice, parseDays, parseFailOn, parseNow, parseShard } from '../options.js';
import { liveOptions, progressPrinter, type LiveSelectionArgs } from './snapshot.js';
import { checkLiveInUseArgs, discoverInUseInto, discoveryIncompleteNotice, discoveryUnreadable, readSnapshotInUse, wantsLiveInUse, type LiveInUseArgs } from '../in-use-live.js';

// `ecr-lifeguard audit`: every repository of one or many registries, its own policy (or --policy),
// joined with what is in use. Repositories are read and analysed one at a time: memory stays at about
// one repository, plus a compact layer index when blob mounting shares layers across the registry.

export interface AuditArgs extends AnalysisOptions, LiveSelectionArgs, LiveInUseArgs {
  snapshot?: string;
  live?: boolean;
  policy?: string;
  now?: string;
  days?: number;
  format?: string;
  output?: string;
  failOn?: string;
  shard?: string;
  all?: boolean;
}

/** A full collection between repositories pays off once a repository has left this much garbage. */
const COLLECT_AFTER_GROWTH = 16 * 1024 * 1024;

export const AUDIT_FORMATS = ['table', 'json', 'markdown', 'html'] as const;

export async function runAudit(args: AuditArgs, io: CliIO): Promise<number> {
  if ((args.snapshot === undefined) === !args.live) throw new UsageError('audit: give either --snapshot DIR or --live (with the selection flags)');
  const now = parseNow(args.now, io.clock);
  const days = parseDays(args.days);
  checkHorizon(now, days);
  const format = parseChoice<ReportFormat>('--format', args.format, AUDIT_FORMATS, io.stdoutIsTTY && args.output === undefined ? 'table' : 'json');
  const failOn = parseFailOn(args.failOn);
  const shard = parseShard(args.shard);
  if (wantsLiveInUse(args) && !args.live) throw new UsageError('audit: --in-use-live and --in-use-kube read what runs now, so they need --live; for a snapshot, give them to snapshot, and audit --snapshot reads what it found');
  await checkLiveInUseArgs(args, io);
  const warn = (p: InputProblem) => io.stderr(problemLine('warning: ', p));
  // Until the repositories are counted, an audit is taken to cover many (in-use files load first).
  preferSmallHeap(true);
  const override = args.policy !== undefined ? await loadPolicyFile(args.policy) : undefined;
  override?.warnings.forEach(warn);
  // The registries are known only as repositories stream in: CloudFormation's pseudo parameters stay unresolvable here.
  const declared = await loadDeclaredUseSources(args.inUse, warn, inUseContext(args, undefined));
  const declaredUses = declared.uses;
  const registriesSeen: RegistryInfo[] = [];
  const recentPullDays = recentPullDaysOf(args.recentPullDays);

  let dir = args.snapshot;
  let temporary: string | undefined;
  let out: Output | undefined;
  let spill: FindingSpill | undefined;
  const unreadable: NonNullable<Report['unreadableRepositories']> = [];
  try {
    if (args.live) {
      // The live audit reads AWS into a private temporary snapshot and audits that: one code path,
      // so a live audit equals snapshot-then-audit, and memory stays bounded.
      temporary = holdTemporary(await mkdtemp(join(tmpdir(), 'ecr-lifeguard-live-')));
      const { takeSnapshot } = await import('../../aws/snapshot.js');
      // The AWS read sets a live audit's peak, not the audit after it, and keeps V8's defaults: with
      // the young generation limited, 8 x 2,500 images peaked at 187 to 207 MiB, against 164 to 201 (noisy runs).
      preferSmallHeap(false);
      await takeSnapshot({ ...liveOptions(args, io), out: temporary, ...(shard ? { shard } : {}), progress: progressPrinter(io) });
      if (wantsLiveInUse(args)) await discoverInUseInto(temporary, args, io);
      dir = temporary;
    }
    // What runs, as snapshot --in-use-live/--in-use-kube found it (a live audit's own discovery too).
    const snapshotInUse = await readSnapshotInUse(dir!, warn, temporary !== undefined ? 'live:' : undefined);
    if (snapshotInUse) {
      addDeclaredUses(declared, snapshotInUse);
      unreadable.push(...discoveryUnreadable(snapshotInUse));
    }
    // Registries the snapshot could not list, from its status file (the live one's too).
    for (const r of await readSnapshotStatus(dir!)) unreadable.push(unreadableRegistryEntry(r, r.reason));
    const roots = await snapshotRoots(dir!);
    out = openOutput(args.output, io);
    const json = format === 'json' ? new JsonReportWriter(out.write) : undefined;
    const head = reportHead({ now, days });
    json?.begin(head);
    const listed: ReportRepository[] = [];
    // The JSON audit spills findings to disk as it goes (memory stays about one repository); other formats keep them.
    spill = json ? new FindingSpill() : undefined;
    const findings: Finding[] = [];
    const totals: RegistryStorageTotals[] = [];
    let incomplete = false;

    // Input problems of every repository are gathered, so one run names them all; once there is one,
    // the remaining repositories are only loaded and checked, not analysed.
    const problems: InputProblem[] = [];
    const late = new ProblemTally();
    for (const root of roots) {
      // A live read whose listing failed, or whose selection or shard holds no repository, wrote no
      // repository folder: that is in unreadableRepositories, or simply nothing to audit; not an input error.
      if (temporary && !(await hasSubdirectory(root))) continue;
      const snapshot = await openSnapshot(root);
      const registry = { ...snapshot.registry, ...(args.blobMounting !== undefined ? { blobMounting: args.blobMounting } : {}) };
      registriesSeen.push(registry);
      const mine = shard ? snapshot.folders.filter((f) => shardMatches(registry.registryId, registry.region, f, shard)) : snapshot.folders;
      // References without a registry host that name one of this registry's repositories: said, as in dry-run.
      const known = registry.registryId !== undefined && registry.region !== undefined ? { registryId: registry.registryId, region: registry.region } : undefined;
      warnHostless(declared, mine.map((f) => f.split(sep).join('/')), known, warn);
      const setup: AnalysisSetup = { now, days, registry, declaredUses, recentPullDays };
      if (registry.blobMounting && temporary && shard) {
        // The live read of one shard holds only that shard's repositories, so the registry-wide layer
        // index is partial and layers other shards' repositories hold would count as freed.
        unreadable.push(unreadableRegistryEntry(registry,
          'blob mounting is on and audit --live --shard read only this shard\'s repositories: the layer index misses the others, so bytes freed may be overstated; snapshot the whole registry, then audit --snapshot --shard'));
      }
      if (registry.blobMounting) {
        // Layers are shared registry-wide: index every repository first (all of them, even with --shard).
        const index = createRegistryBlobIndex();
        for (const folder of snapshot.folders) {
          try {
            addToRegistryBlobIndex(index, (await snapshot.load(folder)).state);
          } catch (e) {
            if (!(e instanceof InputError)) throw e;
            problems.push(...e.problems);
          }
        }
        // This pass loaded every repository: its problems are all there is to say about loading.
        if (problems.length > 0) throw new InputError(problems);
        setup.blobIndex = index;
      }
      // Many repositories, one at a time: memory is what matters; one repository: speed (see preferSmallHeap).
      preferSmallHeap(roots.length > 1 || mine.length > 1);
      const accumulator = createReportAccumulator(setup, snapshot.folders.map((f) => f.split(/[\\/]/).join('/')), spill === undefined);
      // One repository at a time, in a function of its own: when it returns, nothing of that
      // repository is reachable, and a full collection then keeps the peak near one repository.
      const auditOne = async (folder: string): Promise<void> => {
        const repository = await snapshot.load(folder);
        // As in dry-run: implausible times are warnings (summarised at the end) and notes, and the policy's warnings are shown.
        const imagesFile = join(snapshot.dir, folder, SNAPSHOT_FILES.images);
        const implausible = implausibleTimes(repository.state.images, now, imagesFile);
        late.add(implausible.warnings);
        late.addMore(implausible.more, imagesFile);
        if (problems.length > 0) return;
        if (!override) repository.policy?.warnings.forEach(warn);
        const input = toRepositoryInput(repository, registry, override);
        input.notes.push(...implausible.notes);
        if (!input.complete) incomplete = true;
        if (!input.complete && input.state.images.length === 0) {
          // Nothing was read: listed once, as unreadable, never as a repository with no images.
          unreadable.push({ repositoryName: input.repositoryName, ...(input.registryId ? { registryId: input.registryId } : {}), ...(input.region ? { region: input.region } : {}), reason: input.incompleteReason ?? 'could not be read completely' });
          return;
        }
        // The parsed files are garbage by now; collect them before the analysis allocates its own.
        if (mine.length > 1) collectGarbage(COLLECT_AFTER_GROWTH);
        const analysed = analyseRepositoryInput(input, input.policy?.policy, setup);
        accumulator.add(analysed);
        spill?.add(analysed.findings);
        // The listing rule (images that matter; the human formats at most MAX_LISTED_IMAGES): --all lists every image.
        const shown = listedRepository(analysed.report, findingDigests(analysed.findings).get(input.repositoryName), { all: args.all === true, ...(json ? {} : { cap: MAX_LISTED_IMAGES }) });
        json?.repository(shown);
        if (!json) listed.push(shown);
      };
      for (const folder of mine) {
        try {
          await auditOne(folder);
        } catch (e) {
          if (!(e instanceof InputError)) throw e;
          problems.push(...e.problems);
        }
        if (mine.length > 1) collectGarbage(COLLECT_AFTER_GROWTH);
      }
      const result = accumulator.finish();
      findings.push(...result.findings);
      totals.push(result.storage);
    }
    if (problems.length > 0) throw new InputError(problems);
    late.summary().forEach(warn);
    const storage = sumStorageTotals(totals) as unknown as Record<string, unknown>;
    findings.sort(compareFindings);
    const shards = shard ? { shards: [{ index: shard.index + 1, count: shard.count }] } : {};
    const inUse = { inUse: inUseSummary(declared, registriesSeen) };
    // Reading the findings back allocates as fast as loading a repository: collected as it goes.
    if (json) json.end({ findings: spill ? spill.sorted(findings, () => collectGarbage(COLLECT_AFTER_GROWTH)) : findings, storage, ...inUse, ...shards, unreadableRepositories: unreadable });
    else {
      // In parts: the report of a whole registry may be longer than one string can be.
      writeParts(out, await renderReportParts({ ...head, repositories: listed, findings, storage, ...inUse, ...shards, unreadableRepositories: unreadable }, format, { colour: args.output === undefined && useColour(io), command: 'audit', ...widthOf(args.output, io) }));
    }
    await out.close();
    if (snapshotInUse && snapshotInUse.missing.length > 0) {
      io.stderr(discoveryIncompleteNotice(snapshotInUse));
      if (!incomplete && unreadable.length === snapshotInUse.missing.length) return EXIT.incomplete;
    }
    if (incomplete || unreadable.length > 0) {
      io.stderr('ecr-lifeguard: some repositories could not be read completely; the report says which, and its results are incomplete (exit 3)\n');
      return EXIT.incomplete;
    }
    const worst = findings.reduce((w, f) => Math.max(w, SEVERITY_RANK[f.severity]), spill?.worstRank ?? 0);
    return failOn !== 'never' && worst >= SEVERITY_RANK[failOn] ? EXIT.findings : EXIT.ok;
  } finally {
    spill?.remove();
    out?.abort();
    if (temporary) removeTemporary(temporary);
  }
}

function shardMatches(registryId: string | undefined, region: string | undefined, folder: string, shard: { index: number; count: number }): boolean {
  // Same key as the live snapshot's sharding, so a snapshot shard and a live shard agree.
  return shardOf(repositoryKey(registryId ?? '', region ?? '', folder.split(/[\\/]/).join('/')), shard.count) === shard.index;
}

async function hasSubdirectory(dir: string): Promise<boolean> {
  return (await readdir(dir, { withFileTypes: true }).catch(() => [])).some((e) => e.isDirectory());
}

/** One snapshot root, or several (`OUT/<registryId>/<region>/`, as a multi-account snapshot writes them). */
export async function snapshotRoots(dir: string): Promise<string[]> {
  const has = async (p: string) => (await stat(p).catch(() => undefined)) !== undefined;
  if (await has(join(dir, 'registry.json'))) return [dir];
  const roots: string[] = [];
  for (const account of (await readdir(dir, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
    for (const region of (await readdir(join(dir, account), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
      if (/^\d{12}$/.test(account) && (await has(join(dir, account, region, 'registry.json')))) roots.push(join(dir, account, region));
    }
  }
  return roots.length > 0 ? roots : [dir];
}

