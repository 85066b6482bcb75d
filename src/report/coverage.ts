import type { ReportCoverage } from './model.js';

// Lint's coverage in words, one helper for every format: what was read, what was skipped and why,
// and an empty run said in the report itself, so "No findings" is never mistaken for "all checked".

const REASON_WORDS: Record<string, string> = {
  'not-a-policy-source': 'not a policy source',
  template: 'template',
  'not-parsed': 'cannot be parsed',
  'program-source': 'program source (lint the cdk synth output)',
  'too-large': 'too large',
  'not-regular': 'not a regular file',
  link: 'symbolic link not followed',
  unreadable: 'unreadable',
};

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function counted(entries: Array<[string, number]>): string {
  return entries.map(([k, n]) => `${k} ${n}`).join(', ');
}

/** `Coverage: 12 files examined; 3 policies (terraform 2, cloudformation 1); 9 files skipped (not a policy source 8, template 1).` */
export function coverageSentence(c: ReportCoverage): string {
  const policies = Object.entries(c.policies).sort(([a], [b]) => (a < b ? -1 : 1));
  const total = policies.reduce((s, [, n]) => s + n, 0);
  const reasons = new Map<string, number>();
  for (const s of c.skipped) reasons.set(REASON_WORDS[s.reason] ?? s.reason, (reasons.get(REASON_WORDS[s.reason] ?? s.reason) ?? 0) + 1);
  const parts = [
    `${plural(c.filesExamined, 'file')} examined`,
    total === 0 ? 'no lifecycle policy found' : `${plural(total, 'policy', 'policies')} (${counted(policies)})`,
    c.skipped.length === 0 ? 'no file skipped' : `${plural(c.skipped.length, 'file')} skipped (${counted([...reasons].sort(([a], [b]) => (a < b ? -1 : 1)))})`,
  ];
  return `Coverage: ${parts.join('; ')}.`;
}

/** Skipped files worth naming (everything but ordinary non-policy files), at most `limit`, then how many more. */
export function notableSkips(c: ReportCoverage, limit = 20): { lines: string[]; more: number } {
  const notable = c.skipped.filter((s) => s.reason !== 'not-a-policy-source');
  return { lines: notable.slice(0, limit).map((s) => visible(`${s.file}: ${s.detail}`)), more: Math.max(0, notable.length - limit) };
}

/** File names come from the input: control characters are shown escaped, never sent to a terminal. */
function visible(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function policiesFound(c: ReportCoverage): number {
  return Object.values(c.policies).reduce((s, n) => s + n, 0);
}
