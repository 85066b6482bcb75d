import { formatBytes, formatCount, type DayActions } from '../storage-text.js';
import { attrs, esc } from './escape.js';

// An inline SVG chart: actions per day as stacked bars (expired, archived) and, on a second axis, the
// cumulative bytes freed (or, without storage figures, the cumulative number of actions) as a step line.
// Plain arithmetic, fixed decimals: the same input gives the same bytes.

const DAY_MS = 24 * 60 * 60 * 1000;

export interface ChartInput {
  id: string;
  /** Accessible name of the chart. */
  title: string;
  now: string;
  days: number;
  /** One entry per day 0..days. */
  actions: DayActions[];
  /** Cumulative bytes freed on each day 0..days, when storage figures exist. */
  bytesFreed?: number[];
  width?: number;
  height?: number;
}

const n1 = (v: number) => {
  const s = v.toFixed(1);
  return s.endsWith('.0') ? s.slice(0, -2) : s;
};

/** The date of day `day` after `now`, YYYY-MM-DD; `day N` when `now` is not a date. */
export function dayDate(now: string, day: number): string {
  const t = Date.parse(now);
  return Number.isNaN(t) ? `day ${day}` : new Date(t + day * DAY_MS).toISOString().slice(0, 10);
}

/** A round upper bound for an axis: 1, 2 or 5 times a power of ten (or of 1024 for bytes). */
export function niceCeil(v: number, base: 10 | 1024 = 10): number {
  if (v <= 0) return 1;
  if (base === 1024) {
    let unit = 1;
    while (v / unit >= 1024) unit *= 1024;
    return niceCeil(v / unit) * unit;
  }
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

export function actionsChart(input: ChartInput): string {
  const width = input.width ?? 760;
  const height = input.height ?? 260;
  const left = 48;
  const right = width - 80;
  const top = 28;
  const bottom = height - 36;
  const days = Math.max(0, input.days);
  const band = (right - left) / (days + 1);
  const barWidth = Math.max(1, band * 0.7);
  const totals = input.actions.map((a) => a.EXPIRE + a.TRANSITION);
  const maxCount = niceCeil(Math.max(0, ...totals));
  const yCount = (v: number) => bottom - (v / maxCount) * (bottom - top);

  // Second series: bytes freed, else cumulative actions.
  let cumulative = 0;
  const line = input.bytesFreed ?? totals.map((t) => (cumulative += t));
  const bytes = input.bytesFreed !== undefined;
  const maxLine = bytes ? niceCeil(Math.max(0, ...line), 1024) : niceCeil(Math.max(0, ...line));
  const yLine = (v: number) => bottom - (v / maxLine) * (bottom - top);
  const lineLabel = bytes ? 'bytes freed (cumulative)' : 'actions (cumulative)';
  const lineValue = (v: number) => (bytes ? formatBytes(v) : formatCount(v));

  const parts: string[] = [];
  parts.push(
    `<svg${attrs({ id: input.id, class: 'chart', xmlns: 'http://www.w3.org/2000/svg', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': input.title })}>`,
    `<title>${esc(input.title)}</title>`,
  );
  // Grid and axes.
  for (const f of [0, 0.5, 1]) {
    const y = n1(bottom - f * (bottom - top));
    parts.push(`<line class="grid" x1="${left}" x2="${n1(right)}" y1="${y}" y2="${y}"/>`);
    parts.push(`<text class="axis axis-left" x="${left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${esc(formatCount(Math.round(f * maxCount)))}</text>`);
    parts.push(`<text class="axis axis-right" x="${n1(right + 6)}" y="${y}" dominant-baseline="middle">${esc(lineValue(f * maxLine))}</text>`);
  }
  const xTicks = [...new Set([0, Math.floor(days / 2), days])];
  for (const d of xTicks) {
    const x = n1(left + band * (d + 0.5));
    parts.push(`<text class="axis axis-x" x="${x}" y="${bottom + 16}" text-anchor="middle">${esc(dayDate(input.now, d))}</text>`);
  }
  parts.push(`<text class="axis axis-x" x="${n1((left + right) / 2)}" y="${bottom + 30}" text-anchor="middle">${esc(days > 0 ? `day 0 to day ${days}` : 'now')}</text>`);

  // Bars.
  for (const a of input.actions) {
    if (a.EXPIRE + a.TRANSITION === 0) continue;
    const x = n1(left + band * a.day + (band - barWidth) / 2);
    const label = `${dayDate(input.now, a.day)} (day ${a.day}): ${formatCount(a.EXPIRE)} expired, ${formatCount(a.TRANSITION)} archived`;
    parts.push(`<g class="bar"${attrs({ 'data-day': a.day, 'data-expire': a.EXPIRE, 'data-transition': a.TRANSITION })}><title>${esc(label)}</title>`);
    if (a.EXPIRE > 0) parts.push(`<rect class="expire" x="${x}" y="${n1(yCount(a.EXPIRE))}" width="${n1(barWidth)}" height="${n1(bottom - yCount(a.EXPIRE))}"/>`);
    if (a.TRANSITION > 0) {
      const y = yCount(a.EXPIRE + a.TRANSITION);
      parts.push(`<rect class="transition" x="${x}" y="${n1(y)}" width="${n1(barWidth)}" height="${n1(yCount(a.EXPIRE) - y)}"/>`);
    }
    parts.push('</g>');
  }

  // Step line of the cumulative series.
  const points: string[] = [];
  line.forEach((v, day) => {
    const y = n1(yLine(v));
    points.push(`${n1(left + band * day)},${y}`, `${n1(left + band * (day + 1))},${y}`);
  });
  parts.push(`<polyline class="line${bytes ? ' bytes' : ''}" points="${points.join(' ')}"><title>${esc(`${lineLabel}: ${lineValue(line[line.length - 1] ?? 0)} by ${dayDate(input.now, days)}`)}</title></polyline>`);

  // Legend.
  const legend: Array<[string, string]> = [['expire', 'expired'], ['transition', 'archived'], [bytes ? 'line bytes' : 'line', lineLabel]];
  let lx = left;
  for (const [cls, text] of legend) {
    parts.push(cls.startsWith('line')
      ? `<line class="${cls}" x1="${n1(lx)}" x2="${n1(lx + 14)}" y1="10" y2="10"/>`
      : `<rect class="${cls}" x="${n1(lx)}" y="4" width="12" height="12"/>`);
    parts.push(`<text class="legend" x="${n1(lx + 18)}" y="10" dominant-baseline="middle">${esc(text)}</text>`);
    lx += 30 + text.length * 6.5;
  }
  parts.push('</svg>');
  return parts.join('');
}
