import { cmp } from '../analyse/graph.js';
import type { Finding } from '../model/finding.js';
import { formatLocation } from '../model/location.js';
import type { UseOrigin } from '../model/in-use.js';
import { imageCountOf, type FateChange, type Report, type ReportDiff, type ReportRepository } from './model.js';

// Storage figures, report totals and the small text helpers the table, Markdown, HTML, SARIF and
// GitHub formatters share.
// `storage` objects are whatever the analysis puts there (src/analyse/storage.ts: StorageSummary,
// RegistryStorageTotals); they are read defensively so a formatter never throws on a new shape.

export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** Integer with thin grouping, independent of the locale (output must be byte-identical everywhere). */
export function formatCount(n: number): string {
  if (!Number.isInteger(n)) return String(n);
  const s = String(Math.abs(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return n < 0 ? `-${s}` : s;
}

/** `1 error`, `2 errors`; `many` for irregular plurals. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${formatCount(n)} ${n === 1 ? word : many}`;
}

function labelOf(key: string): string {
  return key.replace(/([A-Z])/g, ' $1').toLowerCase();
}

function valueText(key: string, value: unknown): string {
  return typeof value === 'number' && /bytes/i.test(key) ? `${formatBytes(value)} (${value} bytes)` : String(value);
}

/**
 * Renders the storage object as "label: value" lines, bytes humanised. Nested figure objects (such as
 * `now` and `horizon` of a StorageSummary) are flattened one level with their key as prefix; lists
 * (per-day figures, per-image impacts) are left to formatters that can show them.
 */
export function storageLines(storage: Record<string, unknown>): string[] {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(storage)) {
    if (value === undefined || value === null || Array.isArray(value)) continue;
    if (typeof value === 'object') {
      for (const [inner, v] of Object.entries(value as Record<string, unknown>)) {
        if (v === undefined || v === null || typeof v === 'object') continue;
        lines.push(`${labelOf(key)} ${labelOf(inner)}: ${valueText(inner, v)}`);
      }
      continue;
    }
    lines.push(`${labelOf(key)}: ${valueText(key, value)}`);
  }
  return lines;
}

export interface StorageFiguresView {
  bytesFreed?: number;
  bytesMovedToArchive?: number;
}

export interface StorageDayView {
  day: number;
  date?: string;
  /** Cumulative from day 0 up to and including this day. */
  bytesFreed: number;
  bytesMovedToArchive: number;
}

export interface StorageView {
  /** After the run at `now`. */
  now?: StorageFiguresView;
  /** After the last day of the horizon. */
  horizon?: StorageFiguresView;
  /** Cumulative figures on the days the policy acts, by day. */
  byDay: StorageDayView[];
  /** Figures are a lower bound (some manifests missing). */
  incomplete: boolean;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function figuresOf(v: unknown): StorageFiguresView | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const f: StorageFiguresView = {};
  const freed = num(o.bytesFreed);
  const moved = num(o.bytesMovedToArchive);
  if (freed !== undefined) f.bytesFreed = freed;
  if (moved !== undefined) f.bytesMovedToArchive = moved;
  return freed === undefined && moved === undefined ? undefined : f;
}

/**
 * The figures a report can chart, from a StorageSummary-shaped object (`now`, `horizon`, `byDay`) or a
 * flat one (`bytesFreed` at the top: taken as the horizon figure). Undefined when nothing is readable.
 */
export function readStorage(storage: Record<string, unknown> | undefined): StorageView | undefined {
  if (!storage) return undefined;
  const view: StorageView = { byDay: [], incomplete: storage.incomplete === true };
  const now = figuresOf(storage.now);
  const horizon = figuresOf(storage.horizon) ?? figuresOf(storage);
  if (now) view.now = now;
  if (horizon) view.horizon = horizon;
  if (Array.isArray(storage.byDay)) {
    for (const d of storage.byDay as unknown[]) {
      const o = (typeof d === 'object' && d !== null ? d : {}) as Record<string, unknown>;
      const day = num(o.day);
      if (day === undefined) continue;
      const entry: StorageDayView = { day, bytesFreed: num(o.bytesFreed) ?? 0, bytesMovedToArchive: num(o.bytesMovedToArchive) ?? 0 };
      if (typeof o.date === 'string') entry.date = o.date;
      view.byDay.push(entry);
    }
    view.byDay.sort((a, b) => a.day - b.day);
  }
  return view.now || view.horizon || view.byDay.length > 0 ? view : undefined;
}

/** Cumulative bytes freed (and moved to archive) on each day 0..days: a step function of `byDay`. */
export function cumulativeBytesByDay(view: StorageView, days: number): StorageDayView[] {
  const out: StorageDayView[] = [];
  let k = 0;
  let current = { bytesFreed: 0, bytesMovedToArchive: 0 };
  for (let day = 0; day <= days; day++) {
    while (k < view.byDay.length && view.byDay[k]!.day <= day) current = view.byDay[k++]!;
    out.push({ day, bytesFreed: current.bytesFreed, bytesMovedToArchive: current.bytesMovedToArchive });
  }
  return out;
}

/**
 * Registry-wide storage: `Report.storage` when it is readable (it accounts for blobs shared across
 * repositories), else the sum of the repositories' figures (blobs of different repositories are distinct
 * without blob mounting). Undefined when no repository has figures.
 */
export function registryStorage(report: Report): StorageView | undefined {
  const own = readStorage(report.storage);
  if (own) return own;
  const views = report.repositories.map((r) => readStorage(r.storage)).filter((v): v is StorageView => v !== undefined);
  if (views.length === 0) return undefined;
  const add = (a: StorageFiguresView | undefined, b: StorageFiguresView | undefined): StorageFiguresView | undefined => {
    if (!a) return b && { ...b };
    if (!b) return a;
    return { bytesFreed: (a.bytesFreed ?? 0) + (b.bytesFreed ?? 0), bytesMovedToArchive: (a.bytesMovedToArchive ?? 0) + (b.bytesMovedToArchive ?? 0) };
  };
  const total: StorageView = { byDay: [], incomplete: views.some((v) => v.incomplete) };
  for (const v of views) {
    const now = add(total.now, v.now);
    const horizon = add(total.horizon, v.horizon);
    if (now) total.now = now;
    if (horizon) total.horizon = horizon;
  }
  // Sum the step functions on every day any repository changes (one cursor per repository).
  const daySet = [...new Set(views.flatMap((v) => v.byDay.map((d) => d.day)))].sort((a, b) => a - b);
  const cursors = views.map(() => -1);
  for (const day of daySet) {
    const entry: StorageDayView = { day, bytesFreed: 0, bytesMovedToArchive: 0 };
    views.forEach((v, i) => {
      while (cursors[i]! + 1 < v.byDay.length && v.byDay[cursors[i]! + 1]!.day <= day) cursors[i]!++;
      const last = v.byDay[cursors[i]!];
      if (!last) return;
      entry.bytesFreed += last.bytesFreed;
      entry.bytesMovedToArchive += last.bytesMovedToArchive;
      if (last.date !== undefined && last.day === day) entry.date = last.date;
    });
    total.byDay.push(entry);
  }
  return total;
}

/** Bytes a storage view frees: at the horizon's end when known, else now. */
export function bytesFreedOf(view: StorageView | undefined): number | undefined {
  return view?.horizon?.bytesFreed ?? view?.now?.bytesFreed;
}

// Report totals and risk ordering.

export interface SeverityCounts {
  error: number;
  warning: number;
  info: number;
}

export function countSeverities(findings: readonly Finding[]): SeverityCounts {
  const c: SeverityCounts = { error: 0, warning: 0, info: 0 };
  for (const f of findings) c[f.severity]++;
  return c;
}

/**
 * In-use references the policy breaks: the origins of findings about an image that something uses and
 * that an action reaches at a date. Recorded pulls are evidence of use, not references, so not counted.
 */
export function brokenReferences(findings: readonly Finding[]): number {
  let n = 0;
  for (const f of findings) {
    if (!f.image || f.date === undefined) continue;
    n += (f.origins ?? []).filter((o) => o.format !== 'recent-pull').length;
  }
  return n;
}

/**
 * Actions at `now`, by kind, for the whole repository: from the timeline's day 0 (the horizon always
 * runs day 0, and the timeline is never trimmed), not from `images`, which lists only what matters.
 */
export function actionCountsNow(repo: Pick<ReportRepository, 'timeline'>): { EXPIRE: number; TRANSITION: number } {
  const c = { EXPIRE: 0, TRANSITION: 0 };
  for (const t of repo.timeline) {
    if (t.day === 0) c[t.action]++;
  }
  return c;
}

export function actionsNow(repo: Pick<ReportRepository, 'timeline'>): number {
  const c = actionCountsNow(repo);
  return c.EXPIRE + c.TRANSITION;
}

/** Actions from day 0 to the horizon's end (the timeline includes day 0). */
export function actionsOverHorizon(repo: Pick<ReportRepository, 'timeline'>): number {
  return repo.timeline.length;
}

export interface RepositoryRisk {
  repository: ReportRepository;
  findings: Finding[];
  severities: SeverityCounts;
  actionsNow: number;
  actionsOverHorizon: number;
  brokenReferences: number;
  bytesFreed?: number;
}

/** Findings of a repository, matched by name (findings carry no registry id). */
export function findingsOf(report: Report, repositoryName: string): Finding[] {
  return report.findings.filter((f) => f.repositoryName === repositoryName);
}

/**
 * Repositories, riskiest first: incomplete ones (their verdicts cannot be trusted), then errors,
 * warnings, bytes freed and actions, then name, registry and region for a total order.
 */
export function repositoriesByRisk(report: Report): RepositoryRisk[] {
  const byName = new Map<string, Finding[]>();
  for (const f of report.findings) {
    if (f.repositoryName === undefined) continue;
    const list = byName.get(f.repositoryName) ?? [];
    list.push(f);
    byName.set(f.repositoryName, list);
  }
  const risks = report.repositories.map((repository): RepositoryRisk => {
    const findings = byName.get(repository.repositoryName) ?? [];
    const r: RepositoryRisk = {
      repository,
      findings,
      severities: countSeverities(findings),
      actionsNow: actionsNow(repository),
      actionsOverHorizon: actionsOverHorizon(repository),
      brokenReferences: brokenReferences(findings),
    };
    const bytes = bytesFreedOf(readStorage(repository.storage));
    if (bytes !== undefined) r.bytesFreed = bytes;
    return r;
  });
  const key = (r: RepositoryRisk) => `${r.repository.repositoryName}\u0000${r.repository.registryId ?? ''}\u0000${r.repository.region ?? ''}`;
  return risks.sort(
    (a, b) =>
      Number(a.repository.complete) - Number(b.repository.complete) ||
      b.severities.error - a.severities.error ||
      b.severities.warning - a.severities.warning ||
      (b.bytesFreed ?? 0) - (a.bytesFreed ?? 0) ||
      b.actionsOverHorizon - a.actionsOverHorizon ||
      cmp(key(a), key(b)),
  );
}

export interface ReportTotals {
  repositories: number;
  images: number;
  actionsNow: number;
  actionsOverHorizon: number;
  brokenReferences: number;
  severities: SeverityCounts;
  storage?: StorageView;
  /** Repositories read only in part, and repositories not read at all. */
  incompleteRepositories: Array<{ repositoryName: string; registryId?: string; region?: string; reason: string; unreadable: boolean }>;
}

export function reportTotals(report: Report): ReportTotals {
  const totals: ReportTotals = {
    // A registry whose listing failed is listed as '*': it is not one repository.
    repositories: report.repositories.length + (report.unreadableRepositories ?? []).filter((u) => u.repositoryName !== '*').length,
    images: 0,
    actionsNow: 0,
    actionsOverHorizon: 0,
    brokenReferences: brokenReferences(report.findings),
    severities: countSeverities(report.findings),
    incompleteRepositories: [],
  };
  for (const r of report.repositories) {
    totals.images += imageCountOf(r);
    totals.actionsNow += actionsNow(r);
    totals.actionsOverHorizon += actionsOverHorizon(r);
    if (!r.complete) {
      totals.incompleteRepositories.push({
        repositoryName: r.repositoryName,
        ...(r.registryId !== undefined ? { registryId: r.registryId } : {}),
        ...(r.region !== undefined ? { region: r.region } : {}),
        reason: r.incompleteReason ?? 'could not be read completely',
        unreadable: false,
      });
    }
  }
  for (const u of report.unreadableRepositories ?? []) totals.incompleteRepositories.push({ ...u, unreadable: true });
  totals.incompleteRepositories.sort((a, b) => cmp(a.repositoryName, b.repositoryName) || Number(a.unreadable) - Number(b.unreadable));
  const storage = registryStorage(report);
  if (storage) totals.storage = storage;
  return totals;
}

export interface DayActions {
  day: number;
  EXPIRE: number;
  TRANSITION: number;
}

/** Actions by day (0..days) and kind, from the repositories' timelines (whole, day 0 included). */
export function actionsByDay(repositories: readonly ReportRepository[], days: number): DayActions[] {
  const out: DayActions[] = Array.from({ length: Math.max(0, days) + 1 }, (_, day) => ({ day, EXPIRE: 0, TRANSITION: 0 }));
  for (const r of repositories) {
    for (const t of r.timeline) {
      const slot = out[t.day];
      if (slot) slot[t.action]++;
    }
  }
  return out;
}

// Text shared by several formats.

/** `file:line:column (path)`, as much as the origin knows. */
export function originLabel(o: UseOrigin): string {
  return `${o.file}${o.line !== undefined ? `:${o.line}${o.column !== undefined ? `:${o.column}` : ''}` : ''}${o.path ? ` (${o.path})` : ''}`;
}

/** One side of a fate change: `KEEP`, or `EXPIRE 2026-12-02 (rule 1)`. */
export function fateText(f: FateChange['before']): string {
  if (f.action === 'KEEP') return 'KEEP';
  return `${f.action}${f.date ? ` ${f.date.slice(0, 10)}` : ''}${f.appliedRulePriority !== undefined ? ` (rule ${f.appliedRulePriority})` : ''}`;
}

/** Fate changes a reviewer must see first: in-use images, then by repository and digest. */
export function compareFateChanges(a: FateChange, b: FateChange): number {
  return Number(b.inUse) - Number(a.inUse) || cmp(a.repositoryName, b.repositoryName) || cmp(a.imageDigest, b.imageDigest);
}

export function sortedRuleChanges(diff: ReportDiff): ReportDiff['ruleChanges'] {
  return [...diff.ruleChanges].sort((a, b) => a.rulePriority - b.rulePriority || cmp(a.change, b.change) || cmp(a.summary, b.summary));
}

/** The policy change as plain lines (table and GitHub annotations): the same content as Markdown's and HTML's diff section. */
export function diffTextLines(diff: ReportDiff): string[] {
  const out = [`Policy change against ${diff.base}:`];
  if (diff.ruleChanges.length === 0) out.push('  No rule changes.');
  for (const r of sortedRuleChanges(diff)) out.push(`  ${r.change} rule ${r.rulePriority}: ${r.summary}`);
  if (diff.fateChanges.length === 0) out.push('  No image changes fate.');
  else out.push(`  ${plural(diff.fateChanges.length, 'image')} change fate:`);
  for (const c of [...diff.fateChanges].sort(compareFateChanges)) {
    out.push(`    ${c.repositoryName} ${c.imageDigest.slice(0, 19)}${c.imageTags.length ? ` (${c.imageTags.join(', ')})` : ''}: ${fateText(c.before)} -> ${fateText(c.after)}${c.inUse ? ', in use' : ''}`);
  }
  for (const [title, findings] of [['Findings introduced', diff.introducedFindings], ['Findings fixed', diff.fixedFindings]] as const) {
    if (findings.length === 0) continue;
    out.push(`  ${title} (${formatCount(findings.length)}):`);
    for (const f of findings) out.push(`    ${f.severity} ${f.id}${f.location ? ` ${formatLocation(f.location)}` : ''}: ${f.message}`);
  }
  return out;
}

/** One sentence for the table: bytes freed now and over the horizon, bytes moved to archive, and whether it is a lower bound. */
export function storageSentence(storage: Record<string, unknown> | undefined, days: number): string | undefined {
  const view = readStorage(storage);
  if (!view) return undefined;
  const parts = [`frees ${formatBytes(view.now?.bytesFreed ?? 0)} now`];
  if (days > 0) parts.push(`${formatBytes(view.horizon?.bytesFreed ?? 0)} within ${days} days`);
  const archived = view.horizon?.bytesMovedToArchive ?? view.now?.bytesMovedToArchive ?? 0;
  if (archived > 0) parts.push(`moves ${formatBytes(archived)} to archive`);
  return `Storage: ${parts.join(', ')} (each layer counted once; shared layers are not freed)${view.incomplete ? '; a lower bound: some manifests are missing' : ''}`;
}

/**
 * What the report says of what is in use (every human format prints these lines): "In use: 12 references
 * from --in-use (3 files: kubernetes 9, list 3); 2 name other registries and are not checked; ...", then the
 * files skipped per reason. Without --in-use: that only recent pulls count as in use.
 */
export function inUseLines(report: Pick<Report, 'inUse'>): string[] {
  const u = report.inUse;
  if (!u) return [];
  if (u.none) return ['In use: no --in-use source was given: only images ECR recorded a recent pull of count as in use'];
  const n = u.otherRegistries;
  const parts = [`In use: ${plural(u.references, 'reference')} from --in-use${coverageOf(u)}`];
  if (n > 0) parts.push(`${formatCount(n)} ${n === 1 ? 'names another registry and is' : 'name other registries and are'} not checked`);
  if (u.unresolvable) parts.push(`${formatCount(u.unresolvable)} ${u.unresolvable === 1 ? 'use cannot be resolved' : 'uses cannot be resolved'} (placeholders, build args, deploy-time values: see the warnings)`);
  if (u.replaced) parts.push(`${plural(u.replaced, 'image')} replaced by kustomize overrides`);
  if (u.filesWithProblems) parts.push(`${plural(u.filesWithProblems, 'file')} read with warnings`);
  const lines = [parts.join('; ')];
  if (u.skipped?.length) {
    const total = u.skipped.reduce((a, s) => a + s.count, 0);
    lines.push(`Skipped: ${plural(total, 'file')}: ${u.skipped.map((s) => `${formatCount(s.count)} ${s.reason} (${s.examples.join(', ')}${s.count > s.examples.length ? ', ...' : ''})`).join('; ')}`);
  }
  return lines;
}

/** " (3 files: kubernetes 9, list 3)": files read and references per source kind. */
function coverageOf(u: NonNullable<Report['inUse']>): string {
  if (u.filesRead === undefined) return '';
  const kinds = Object.entries(u.bySource ?? {}).map(([k, c]) => `${k} ${formatCount(c ?? 0)}`);
  return ` (${plural(u.filesRead, 'file')}${kinds.length ? `: ${kinds.join(', ')}` : ''})`;
}
