import { LIKELY_REASONS, type VerifyOutcome, type VerifyReport, type VerifyRepositoryReport } from '../verify/verify.js';
import { palette, type Palette } from './colour.js';
import { mdCode, mdText } from './markdown.js';
import { displayTags, short } from './model.js';
import { drawTable } from './table.js';

// verify's report as text: a table for the terminal, Markdown for a pull request or a job summary.
// Tags, names and messages come from the records read: control characters never reach the terminal.

export const VERIFY_FORMATS = ['table', 'json', 'markdown'] as const;
export type VerifyFormat = (typeof VERIFY_FORMATS)[number];

const OUTCOME_TEXT: Record<VerifyOutcome['outcome'], string> = {
  'done-not-predicted': 'done, not predicted',
  'predicted-not-done': 'predicted, not done',
  'pushed-after-snapshot': 'pushed after T0',
  agreed: 'agreed',
};

/** Text from an input made safe for a terminal or a CI log: control characters shown as \\xNN. */
export function plain(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function verifyJson(report: VerifyReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

function headline(r: VerifyReport): string {
  const s = r.summary;
  return `${s.agreed} agreed, ${s.predictedNotDone} predicted but not done, ${s.doneNotPredicted} done but not predicted` +
    (s.doneExplained > 0 ? ` (${s.doneExplained} more explained by later pushes)` : '') + `, ${s.pushedAfterSnapshot} on images pushed after T0`;
}

function verdictLine(r: VerifyReport): string {
  if (!r.complete) return 'INCOMPLETE: the events or the snapshot are incomplete; the comparison cannot be trusted as a whole (exit 3)';
  if (r.summary.doneNotPredicted > 0) return 'DIFFERENCE: ECR did something the simulation did not predict (exit 1)';
  return 'OK: every action ECR recorded was predicted (exit 0)';
}

function outcomeDetail(o: VerifyOutcome): string {
  const parts: string[] = [];
  if (o.likelyReason) parts.push(`likely: ${LIKELY_REASONS[o.likelyReason]}`);
  if (o.note) parts.push(o.note);
  return parts.join('; ');
}

function inputLines(r: VerifyReport): string[] {
  const i = r.inputs;
  const lines = [`Snapshot ${i.snapshot} taken ${r.snapshotAt}; window to ${r.until} (${r.days} days)`];
  lines.push(`Events: ${i.records} records read from ${i.events.length} ${i.live ? 'lookup pages' : 'files'}${i.live ? ` (CloudTrail LookupEvents in ${i.live.regions.join(', ')}, ${i.live.calls} calls)` : ''}, ${i.ignoredRecords} of other kinds ignored`);
  for (const s of i.skipped) lines.push(`  skipped ${s.path}: ${s.reason}`);
  return lines;
}

export function verifyTable(r: VerifyReport, colour: boolean): string {
  const p = palette(colour);
  const out: string[] = [p.bold('ecr-lifeguard verify'), ...inputLines(r).map(plain), headline(r)];
  out.push(r.complete ? (r.summary.doneNotPredicted > 0 ? p.red(verdictLine(r)) : p.green(verdictLine(r))) : p.red(verdictLine(r)));
  for (const n of r.incomplete) out.push(p.red(`  incomplete: ${plain(n.source)}: ${plain(n.message)}`));
  for (const n of r.notes) out.push(p.yellow(`  note: ${plain(n.source)}: ${plain(n.message)}`));
  for (const repo of r.repositories) out.push('', ...repositoryTable(repo, p));
  if (r.otherRepositories.length > 0) {
    out.push('', p.bold(`Events about repositories not in the snapshot (not compared):`));
    for (const o of r.otherRepositories) out.push(`  ${plain(o.repositoryName)}${o.region ? ` (${plain(o.region)})` : ''}: ${o.executions} events, ${o.actions} image actions`);
  }
  return `${out.join('\n')}\n`;
}

function repositoryTable(repo: VerifyRepositoryReport, p: Palette): string[] {
  const lines = [p.bold(`Repository ${plain(repo.repositoryName)}`) + ` — ${repo.executions} policy executions recorded, ${repo.outcomes.length} actions compared`];
  if (!repo.complete) lines.push(p.red(`  INCOMPLETE: ${plain(repo.incompleteReason ?? 'not read completely')}`));
  for (const n of repo.notes) lines.push(p.yellow(`  note: ${plain(n)}`));
  if (repo.outcomes.length === 0) return [...lines, '  (no action predicted or recorded in the window)'];
  const rows = repo.outcomes.map((o) => [
    o.outcome === 'done-not-predicted' && !o.explained ? p.red(OUTCOME_TEXT[o.outcome]) : OUTCOME_TEXT[o.outcome],
    short(o.imageDigest),
    plain(displayTags(o.imageTags)),
    o.action,
    o.predicted ? `${o.predicted.date.slice(0, 10)} (r${o.predicted.rulePriority})` : '',
    o.done ? `${o.done.date.slice(0, 16).replace('T', ' ')} (r${o.done.rulePriority})` : '',
    plain(outcomeDetail(o)),
  ]);
  lines.push(drawTable(['Outcome', 'Image', 'Tags', 'Action', 'Predicted', 'Done', 'Why'].map((h) => p.bold(h)), [21, 21, 20, 12, 17, 23, 44], rows));
  for (const o of repo.outcomes) {
    if (o.outcome !== 'done-not-predicted' || !o.trace) continue;
    lines.push(`  ${short(o.imageDigest)} at T0: ${o.stateAtSnapshot ? plain(`tags ${displayTags(o.stateAtSnapshot.imageTags)}, pushed ${o.stateAtSnapshot.imagePushedAt}, ${o.stateAtSnapshot.imageStatus}${o.stateAtSnapshot.lastRecordedPullTime ? `, last pulled ${o.stateAtSnapshot.lastRecordedPullTime}` : ''}`) : 'not in the snapshot'}`);
    if (o.evaluatedRule) lines.push(`    ECR's rule ${o.evaluatedRule.rulePriority}: ${plain(ruleText(o.evaluatedRule))}`);
    for (const t of o.trace) lines.push(`    ${plain(t)}`);
  }
  return lines;
}

export function ruleText(rule: NonNullable<VerifyOutcome['evaluatedRule']>): string {
  const s = rule.selection;
  const lists = [s.tagPrefixList?.length ? `prefixes ${s.tagPrefixList.join(', ')}` : '', s.tagPatternList?.length ? `patterns ${s.tagPatternList.join(', ')}` : ''].filter(Boolean).join(', ');
  return `${rule.action.type} ${s.tagStatus}${lists ? ` (${lists})` : ''}${s.storageClass === 'archive' ? ' archived' : ''}, ${s.countType} ${s.countNumber}${rule.description ? ` — ${rule.description}` : ''}`;
}

/** Markdown text from an input: control characters shown, then Markdown syntax escaped. */
const md = (s: string): string => mdText(plain(s));

export function verifyMarkdown(r: VerifyReport): string {
  const out: string[] = ['## ecr-lifeguard verify', '', ...inputLines(r).map((l) => `${md(l)}  `), '', `**${md(verdictLine(r))}**`, '', md(headline(r))];
  if (r.incomplete.length > 0) out.push('', ...r.incomplete.map((n) => `- incomplete: ${mdCode(plain(n.source))}: ${md(n.message)}`));
  if (r.notes.length > 0) out.push('', ...r.notes.map((n) => `- note: ${mdCode(plain(n.source))}: ${md(n.message)}`));
  for (const repo of r.repositories) {
    out.push('', `### ${md(repo.repositoryName)}`, '', `${repo.executions} policy executions recorded, ${repo.outcomes.length} actions compared.`);
    if (!repo.complete) out.push('', `**Incomplete:** ${md(repo.incompleteReason ?? 'not read completely')}`);
    for (const n of repo.notes) out.push('', `- ${md(n)}`);
    if (repo.outcomes.length === 0) continue;
    out.push('', '| Outcome | Image | Tags | Action | Predicted | Done | Why |', '|---|---|---|---|---|---|---|');
    for (const o of repo.outcomes) {
      out.push(`| ${OUTCOME_TEXT[o.outcome]} | ${mdCode(short(o.imageDigest))} | ${md(displayTags(o.imageTags))} | ${o.action} | ${o.predicted ? `${o.predicted.date.slice(0, 10)} (rule ${o.predicted.rulePriority})` : ''} | ${o.done ? `${o.done.date.slice(0, 16).replace('T', ' ')} (rule ${o.done.rulePriority})` : ''} | ${md(outcomeDetail(o))} |`);
    }
    for (const o of repo.outcomes) {
      if (o.outcome !== 'done-not-predicted' || !o.trace) continue;
      out.push('', `<details><summary>${md(short(o.imageDigest))}: why the simulation kept it</summary>`, '');
      if (o.evaluatedRule) out.push(`- ECR's rule ${o.evaluatedRule.rulePriority}: ${md(ruleText(o.evaluatedRule))}`);
      for (const t of o.trace) out.push(`- ${md(t)}`);
      out.push('', '</details>');
    }
  }
  if (r.otherRepositories.length > 0) {
    out.push('', '### Repositories not in the snapshot (not compared)', '');
    for (const o of r.otherRepositories) out.push(`- ${md(o.repositoryName)}${o.region ? ` (${md(o.region)})` : ''}: ${o.executions} events, ${o.actions} image actions`);
  }
  return `${out.join('\n')}\n`;
}
