import { UsageError } from '../model/errors.js';
import { isoTime } from '../model/time.js';
import { DAY_MS } from '../simulate/measures.js';

// Limits every command and the library apply to the simulation time and the horizon.

/** The longest horizon: ten years of daily runs. */
export const MAX_DAYS = 3650;

/** The first and last instants ISO-8601 (and the report schema's date-time) write with four year digits. */
export const EARLIEST_TIME = -62_167_219_200_000; // 0000-01-01T00:00:00.000Z
export const LATEST_TIME = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z

/**
 * The simulation time and the end of the horizon must be dates a report can carry: years 0 to 9999
 * (beyond, ISO-8601 needs six-digit years, which the report's readers, merge included, refuse).
 */
export function checkHorizon(now: number, days: number, what = '--now'): void {
  if (now >= EARLIEST_TIME && now + days * DAY_MS <= LATEST_TIME) return;
  const shown = Number.isFinite(now) && Math.abs(now) <= 8.64e15 ? isoTime(now) : 'that time';
  throw new UsageError(`${what} ${shown} with a ${days}-day horizon goes beyond the years 0000 to 9999 a report can carry: give another time or a shorter horizon`);
}
