// Timestamps as the AWS CLI and SDKs print them: ISO-8601 with a zone, or epoch seconds.

import { isoTime } from '../model/time.js';

export type TimestampParse = { ms: number } | { error: string; expected: string };
const ISO = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?([Zz]|[+-]\d{2}(?::?\d{2})?)$/;
const EXPECTED = 'an ISO-8601 date-time with a time zone (2024-05-01T10:00:00+00:00) or epoch seconds';
/** Epoch seconds beyond this are almost certainly milliseconds (year 5138 in seconds). */
const MAX_EPOCH_SECONDS = 1e11;

// Worked out, not asked of a Date: describe-images of 100,000 images holds some 200,000 timestamps.
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeapYear = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

export function parseTimestamp(v: unknown): TimestampParse {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) return { error: 'not a valid epoch time', expected: EXPECTED };
    if (v >= MAX_EPOCH_SECONDS) return { error: 'this number looks like epoch milliseconds', expected: 'epoch seconds' };
    return { ms: Math.round(v * 1000) };
  }
  if (typeof v !== 'string') return { error: 'not a timestamp', expected: EXPECTED };
  const m = ISO.exec(v.trim());
  if (!m) {
    const hint = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(v.trim()) ? 'no time zone (ambiguous)' : 'unrecognised date-time';
    return { error: hint, expected: EXPECTED };
  }
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  const second = m[6] !== undefined ? Number(m[6]) : 0;
  const daysInMonth = month === 2 ? (isLeapYear(year) ? 29 : 28) : DAYS_IN_MONTH[month - 1] ?? 0;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) {
    return { error: 'impossible date or time', expected: EXPECTED };
  }
  const fraction = m[7] !== undefined ? Number(m[7]) : 0;
  let offsetMinutes = 0;
  const zone = m[8]!;
  if (zone !== 'Z' && zone !== 'z') {
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (oh > 23 || om > 59) return { error: 'impossible time zone offset', expected: EXPECTED };
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  // Date.UTC reads years 0 to 99 as 1900 to 1999; 400 Gregorian years later is the same calendar, exactly 146,097 days on.
  const early = year < 100;
  const utc =
    Date.UTC(early ? year + 400 : year, month - 1, day, hour, minute, second) - (early ? 146_097 * 86_400_000 : 0) + Math.round(fraction * 1000) - offsetMinutes * 60_000;
  return { ms: utc };
}

export function formatTimestamp(ms: number): string {
  return isoTime(ms);
}
