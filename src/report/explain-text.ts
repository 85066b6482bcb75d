import { ASSUMPTIONS } from '../simulate/assumptions.js';
import type { ImageExplanation } from '../simulate/explain.js';
import { palette } from './colour.js';
import { displayTags, iso } from './model.js';

// The --explain decision trace as text.

export function formatExplanation(repositoryName: string, e: ImageExplanation, colour: boolean, extra: string[] = []): string {
  const p = palette(colour);
  const img = e.decision.image;
  const lines = [
    p.bold(`Image ${img.imageDigest} in ${repositoryName}`),
    `  tags: ${displayTags(img.imageTags, 20)}`,
    `  pushed: ${iso(img.imagePushedAt)}${img.lastActivatedAt !== undefined ? `, restored ${iso(img.lastActivatedAt)}` : ''}`,
    `  status: ${img.imageStatus}${img.lastArchivedAt !== undefined ? ` (archived ${iso(img.lastArchivedAt)})` : ''}`,
    `  last pulled: ${img.lastRecordedPullTime !== undefined ? iso(img.lastRecordedPullTime) : 'never recorded'}`,
    '',
  ];
  if (e.steps.length === 0) {
    lines.push(`  No rule evaluates it: ${e.decision.reason}.`);
  } else {
    lines.push('  Rules in priority order:');
    for (const s of e.steps) {
      const mark = s.outcome === 'acts' ? p.red('→') : s.identified ? p.yellow('•') : p.dim('·');
      lines.push(`   ${mark} ${s.text}${s.description ? p.dim(` — "${s.description}"`) : ''}`);
    }
  }
  lines.push('', p.bold(`  Verdict: ${e.verdictText}`));
  lines.push(...extra.map((l) => `  ${l}`));
  if (e.assumptions.length > 0) {
    lines.push('', '  This verdict depends on documented assumptions (see README, "Semantics and assumptions"):');
    for (const a of e.assumptions) lines.push(`   - ${a}: ${ASSUMPTIONS[a]}`);
  }
  return lines.join('\n') + '\n';
}
