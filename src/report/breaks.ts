import { cmp } from '../analyse/graph.js';
import type { Finding } from '../model/finding.js';
import type { UseOrigin } from '../model/in-use.js';
import { short, type Report } from './model.js';
import { formatCount, plural } from './storage-text.js';

// "What breaks, when": the first thing every human format says. One line per affected workload (the
// origin's kind and name), what it loses, when as a person says it, and the rule responsible, from the
// findings about an in-use image that an action reaches at a date. Recorded pulls are evidence of use,
// not workloads: they stay in the findings.

const DAY_MS = 24 * 60 * 60 * 1000;

/** Lines shown at most; the rest are counted. */
export const MAX_BREAK_LINES = 20;

export interface BreakLine {
  /** `Deployment shop/shop-api-canary`, `ECS samples/in-use/ecs/web.json`, `Dockerfile build/Dockerfile`. */
  workload: string;
  /** `shop/api:release-1.2`, `child linux/arm64 of shop/web:v2.3.0`, `the signature of ...`, `base image ...`. */
  loses: string;
  /** `deleted`, `archived: pulls fail until it is restored`. */
  how: string;
  date: string;
  /** Days from the report's `now` (0: today). */
  day: number;
  rulePriority?: number;
}

/** The workload an origin stands for: a Kubernetes object by kind and name when the file says it, else the source and file. */
export function workloadOf(o: UseOrigin): string {
  const named = o.path !== undefined ? /^([A-Za-z]+)\/([^:]+):/.exec(o.path) : null;
  if (o.format === 'kubernetes' && named) return `${named[1]} ${named[2]}`;
  const head = o.path !== undefined ? /^items\[\d+\]/.exec(o.path)?.[0] : undefined;
  switch (o.format) {
    case 'kubernetes': return `Kubernetes ${o.file}${head ? ` ${head}` : ''}`;
    case 'ecs': return `ECS task ${o.file}`;
    case 'lambda': return `Lambda ${o.file}`;
    case 'dockerfile': return `Dockerfile ${o.file}${o.line !== undefined ? `:${o.line}` : ''}`;
    case 'list': return `list ${o.file}${o.line !== undefined ? `:${o.line}` : ''}`;
    default: return `${o.format} ${o.file}`;
  }
}

/** A reference as a person reads it: without the registry host, a digest shortened. */
function referenceText(raw: string): string {
  const slash = raw.indexOf('/');
  const host = slash > 0 ? raw.slice(0, slash) : '';
  const rest = host.includes('.') || host.includes(':') ? raw.slice(slash + 1) : raw;
  return rest.replace(/@(sha256:[0-9a-f]{64})$/, (_, d: string) => `@${short(d)}`);
}

function losesOf(f: Finding): string {
  const refs = Array.isArray(f.evidence.references) ? (f.evidence.references as Array<{ reference?: unknown }>) : [];
  const raw = typeof refs[0]?.reference === 'string' ? refs[0].reference : undefined;
  const image = raw !== undefined ? referenceText(raw) : `${f.repositoryName ?? ''}${f.image ? (f.image.imageTags.length ? `:${[...f.image.imageTags].sort()[0]}` : `@${short(f.image.imageDigest)}`) : ''}`;
  if (f.id === 'in-use-signature-removed') return `the signature of ${image}`;
  if (f.id === 'base-image-expired') return `base image ${image}`;
  const affected = Array.isArray(f.evidence.affectedManifests) ? (f.evidence.affectedManifests as Array<{ role?: unknown; platform?: unknown }>) : [];
  const children = affected.filter((a) => a.role === 'child').map((a) => (typeof a.platform === 'string' ? a.platform : 'a child'));
  if (children.length > 0 && affected.every((a) => a.role === 'child')) return `${children.length === 1 ? 'child' : 'children'} ${children.join(', ')} of ${image}`;
  return image;
}

function howOf(f: Finding): string {
  return f.evidence.failure === 'archived' || f.id === 'in-use-image-archived' ? 'archived: pulls fail until it is restored' : 'deleted';
}

/** When, as a person says it: `today`, `in 1 day, 2026-11-23`. */
export function whenText(day: number, date: string): string {
  return day <= 0 ? 'today' : `in ${plural(day, 'day')}, ${date.slice(0, 10)}`;
}

/** One line per workload and what it loses, soonest first. */
export function whatBreaks(report: Pick<Report, 'now' | 'findings'>): BreakLine[] {
  const now = Date.parse(report.now);
  const seen = new Set<string>();
  const lines: BreakLine[] = [];
  for (const f of report.findings) {
    if (!f.image || f.date === undefined) continue;
    for (const o of f.origins ?? []) {
      if (o.format === 'recent-pull') continue;
      const line: BreakLine = {
        workload: workloadOf(o), loses: losesOf(f), how: howOf(f), date: f.date,
        day: Math.max(0, Math.round((Date.parse(f.date) - now) / DAY_MS)),
        ...(f.rulePriority !== undefined ? { rulePriority: f.rulePriority } : {}),
      };
      const key = `${line.workload}\u0000${line.loses}\u0000${line.how}\u0000${line.date}`;
      if (seen.has(key)) continue;
      seen.add(key);
      lines.push(line);
    }
  }
  return lines.sort((a, b) => cmp(a.date, b.date) || cmp(a.workload, b.workload) || cmp(a.loses, b.loses));
}

/** `Deployment shop/api-canary loses shop/api:release-1.2 (deleted) today, by rule 1`. */
export function breakText(b: BreakLine): string {
  return `${b.workload} loses ${b.loses} (${b.how}) ${whenText(b.day, b.date)}${b.rulePriority !== undefined ? `, by rule ${b.rulePriority}` : ''}`;
}

/** Distinct workloads among the lines. */
export function workloadCount(lines: readonly BreakLine[]): number {
  return new Set(lines.map((l) => l.workload)).size;
}

/** The heading of the block: `What breaks, when: 3 workloads affected`, or why nothing is listed. */
export function breaksHeading(report: Pick<Report, 'inUse' | 'days'>, lines: readonly BreakLine[]): string {
  if (lines.length > 0) return `What breaks, when: ${plural(workloadCount(lines), 'workload')} affected`;
  if (!report.inUse || report.inUse.none) return 'What breaks, when: not checked (no --in-use given: nothing is known to be in use)';
  return `What breaks, when: nothing in use breaks${report.days > 0 ? ` within ${formatCount(report.days)} days` : ' now'}`;
}
