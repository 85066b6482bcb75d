import { UsageError } from '../model/errors.js';
import { parseTimestamp } from '../load/time.js';
import type { FailOn } from '../model/finding.js';
import { isoTime } from '../model/time.js';
import { checkHorizon, EARLIEST_TIME, LATEST_TIME, MAX_DAYS } from '../core/limits.js';

// Parsing of the options every command shares, with usage errors (exit 2) that say what is expected.

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

export function parseNow(value: string | undefined, clock: () => number): number {
  if (value === undefined) return clock();
  if (!ISO_8601.test(value)) throw new UsageError(`--now must be an ISO-8601 date or time such as 2026-11-22 or 2026-11-22T09:30:00Z; found "${value}"`);
  // A date without a zone is read as UTC so output does not depend on the machine's time zone.
  const withZone = /T.*(Z|[+-]\d{2}:?\d{2})$/.test(value) ? value : value.includes('T') ? `${value}Z` : `${value}T00:00:00Z`;
  // The loaders' parser: it refuses impossible dates (2026-02-30) instead of rolling them over.
  const t = parseTimestamp(withZone);
  if ('error' in t) throw new UsageError(`--now is not a valid date: "${value}" (${t.error})`);
  return t.ms;
}

export function parseDays(value: unknown): number {
  if (value === undefined) return 0;
  // `--days` without a value arrives as "" (or true): Number("") is 0, which must not pass for a choice.
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : typeof value === 'number' ? value : Number.NaN;
  if (!Number.isInteger(n) || n < 0 || n > MAX_DAYS) throw new UsageError(`--days must be a whole number from 0 to ${MAX_DAYS}; found "${String(value)}"`);
  return n;
}

// The time range a report can carry is the core's (the library checks it too).
export { checkHorizon, EARLIEST_TIME, LATEST_TIME, MAX_DAYS };

export const FAIL_ON_CHOICES = ['error', 'warning', 'info', 'never'] as const;

export function parseFailOn(value: unknown): FailOn {
  const v = value === undefined ? 'error' : String(value);
  if (!(FAIL_ON_CHOICES as readonly string[]).includes(v)) throw new UsageError(`--fail-on must be one of ${FAIL_ON_CHOICES.join(', ')}; found "${v}"`);
  return v as FailOn;
}

export function parseChoice<T extends string>(flag: string, value: unknown, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  const v = String(value);
  if (!(choices as readonly string[]).includes(v)) throw new UsageError(`${flag} must be one of ${choices.join(', ')}; found "${v}"`);
  return v as T;
}

/** Repeatable flags arrive as a string or an array; normalise to an array. */
export function asList(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

export { isoTime };

export function isoDate(ms: number): string {
  return isoTime(ms).slice(0, 10);
}

/** `--shard K/N` (1-based K, as in `--shard 1/4`) -> the 0-based shard the adapter filters by. */
export function parseShard(value: unknown): { index: number; count: number } | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(String(value));
  const k = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!m || n < 1 || k < 1 || k > n) throw new UsageError(`--shard must be K/N with 1 <= K <= N, e.g. --shard 1/4; found "${String(value)}"`);
  return { index: k - 1, count: n };
}
