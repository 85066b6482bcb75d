import { ASSUMPTIONS } from '../simulate/assumptions.js';
import type { ImageExplanation } from '../simulate/explain.js';
import { palette } from './colour.js';
import { displayTags, iso } from './model.js';
import { printable } from './printable.js';

// The --explain decision trace as text.

export function formatExplanation(repository: string, e: ImageExplanation, colour: boolean, extra: string[] = []): string {
  const p = palette(colour);
  // Names, tags, rule descriptions and in-use origins come from inputs: escaped before they meet the terminal.
  const repositoryName = printable(repository);
  const img = e.decision.image;
  const lines = [
    p.bold(`Image ${img.imageDigest} in ${repositoryName}`),
    `  tags: ${printable(displayTags(img.imageTags, 20))}`,
    `  pushed: ${iso(img.imagePushedAt)}${img.lastActivatedAt !== undefined ? `, restored ${iso(img.lastActivatedAt)}` : ''}`,
    `  status: ${img.imageStatus}${img.lastArchivedAt !== undefined ? ` (archived ${iso(img.lastArchivedAt)})` : ''}`,
    `  last pulled: ${img.lastRecordedPullTime !== undefined ? iso(img.lastRecordedPullTime) : 'never recorded'}`,
    '',
  ];
  if (e.steps.length === 0) {
    lines.push(`  No rule evaluates it: ${printable(e.decision.reason)}.`);
  } else {
    lines.push('  Rules in priority order:');
    for (const s of e.steps) {
      const mark = s.outcome === 'acts' ? p.red('→') : s.identified ? p.yellow('•') : p.dim('·');
      lines.push(`   ${mark} ${printable(s.text)}${s.description ? p.dim(` — "${printable(s.description)}"`) : ''}`);
    }
  }
  lines.push('', p.bold(`  Verdict: ${printable(e.verdictText)}`));
  lines.push(...extra.map((l) => `  ${printable(l)}`));
  if (e.assumptions.length > 0) {
    lines.push('', '  This verdict depends on documented assumptions (see README, "Semantics and assumptions"):');
    for (const a of e.assumptions) lines.push(`   - ${a}: ${ASSUMPTIONS[a]}`);
  }
  return lines.join('\n') + '\n';
}
