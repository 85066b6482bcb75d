import { flatString } from './flat-string.js';

// One ISO-8601 formatter for every layer. Reports of 100,000 images format some 300,000 times: the
// date part comes from a small per-day cache and the time of day is assembled by hand, giving exactly
// what Date.prototype.toISOString gives.

const DAY_MS = 86_400_000;
const dateParts = new Map<number, string>();
const MAX_CACHED_DAYS = 100_000;

const two = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
const three = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/** `new Date(ms).toISOString()`, faster; throws RangeError for an invalid time, as toISOString does. */
export function isoTime(time: number): string {
  // What a Date does with its time value: beyond ±8.64e15 ms it is invalid, and fractions are truncated.
  if (!(Math.abs(time) <= 8.64e15)) throw new RangeError('Invalid time value');
  const ms = Math.trunc(time);
  // Timelines format the same time for many images in a row: one string for all of them.
  if (ms === last.ms) return last.text;
  last.text = format(ms);
  last.ms = ms;
  return last.text;
}

const last = { ms: NaN, text: '' };

function format(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  let date = dateParts.get(day);
  if (date === undefined) {
    date = new Date(ms).toISOString().slice(0, -13); // "YYYY-MM-DDT" (or "+YYYYYY-MM-DDT")
    if (dateParts.size < MAX_CACHED_DAYS) dateParts.set(day, date);
  }
  let rest = ms - day * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  return flatString(`${date}${two(hours)}:${two(minutes)}:${two(seconds)}.${three(rest - seconds * 1000)}Z`);
}
