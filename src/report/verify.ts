import { createHash } from 'node:crypto';
import { LIKELY_REASONS, type VerifyOutcome, type VerifyReport, type VerifyRepositoryReport } from '../verify/verify.js';
import { VERSION } from '../version.js';
import { palette, type Palette } from './colour.js';
import { workflowCommand } from './github.js';
import { CONTENT_SECURITY_POLICY, STYLE } from './html/assets.js';
import { attrs, esc } from './html/escape.js';
import { FINGERPRINT_KEY, INFORMATION_URI, SARIF_SCHEMA_URI } from './sarif.js';
import { mdCode, mdText } from './markdown.js';
import { displayTags, short } from './model.js';
import { drawTable } from './table.js';

// verify's report as text: a table for the terminal, Markdown for a pull request or a job summary.
// Tags, names and messages come from the records read: control characters never reach the terminal.
// HTML, GitHub annotations and SARIF reuse the other commands' escaping and assets.

export const VERIFY_FORMATS = ['table', 'json', 'markdown', 'html', 'github', 'sarif'] as const;
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

/** Render verify's report in any of its formats. */
export function renderVerify(r: VerifyReport, format: VerifyFormat, colour: boolean): string {
  switch (format) {
    case 'json': return verifyJson(r);
    case 'markdown': return verifyMarkdown(r);
    case 'html': return verifyHtml(r);
    case 'github': return verifyGithub(r);
    case 'sarif': return verifySarif(r);
    case 'table': return verifyTable(r, colour);
  }
}

const place = (repo: VerifyRepositoryReport): string => `${repo.repositoryName}${repo.registryId || repo.region ? ` (${[repo.registryId, repo.region].filter(Boolean).join(' ')})` : ''}`;

/** One self-contained page: the verdict, what was read, each repository's outcomes and our traces. */
export function verifyHtml(r: VerifyReport): string {
  const h = (s: string): string => esc(plain(s));
  const cell = (s: string, cls?: string): string => `<td${attrs({ class: cls })}>${s}</td>`;
  const verdictClass = !r.complete || r.summary.doneNotPredicted > 0 ? 'error' : '';
  const body: string[] = [
    `<header><h1>ecr-lifeguard verify</h1><p class="meta">${h(`T0 ${r.snapshotAt}, window to ${r.until} (${r.days} days) · ecr-lifeguard ${VERSION}`)}</p></header>`,
    '<main>',
    `<p${attrs({ class: `verdict ${verdictClass}`.trim() })} id="verdict">${h(verdictLine(r))}</p>`,
    `<p id="headline">${h(headline(r))}</p>`,
    `<section id="inputs"><h2>Inputs</h2><ul>${inputLines(r).map((l) => `<li>${h(l.trim())}</li>`).join('')}</ul></section>`,
  ];
  if (r.incomplete.length > 0) body.push(`<section id="incomplete" class="alert"><h2>Incomplete</h2><ul>${r.incomplete.map((n) => `<li><code>${h(n.source)}</code>: ${h(n.message)}</li>`).join('')}</ul></section>`);
  if (r.notes.length > 0) body.push(`<section id="notes"><h2>Notes</h2><ul>${r.notes.map((n) => `<li><code>${h(n.source)}</code>: ${h(n.message)}</li>`).join('')}</ul></section>`);
  body.push('<section id="repositories"><h2>Repositories</h2>');
  for (const [i, repo] of r.repositories.entries()) {
    const differences = repo.outcomes.filter((o) => o.outcome === 'done-not-predicted' && !o.explained).length;
    body.push(`<details${attrs({ class: repo.complete ? 'repo' : 'repo incomplete', id: `repo-${i + 1}`, open: differences > 0 || !repo.complete })}><summary>${h(place(repo))}: ${h(`${repo.executions} policy executions recorded, ${repo.outcomes.length} actions compared${differences > 0 ? `, ${differences} not predicted` : ''}`)}</summary>`);
    if (!repo.complete) body.push(`<p class="alert">${h(`Incomplete: ${repo.incompleteReason ?? 'not read completely'}`)}</p>`);
    if (repo.notes.length > 0) body.push(`<ul>${repo.notes.map((n) => `<li>${h(n)}</li>`).join('')}</ul>`);
    if (repo.outcomes.length === 0) body.push('<p class="muted">No action predicted or recorded in the window.</p>');
    else {
      body.push('<table><thead><tr><th>Outcome</th><th>Image</th><th>Tags</th><th>Action</th><th>Predicted</th><th>Done</th><th>Why</th></tr></thead><tbody>');
      for (const o of repo.outcomes) {
        body.push(`<tr${attrs({ 'data-outcome': o.outcome })}>${[
          cell(o.outcome === 'done-not-predicted' && !o.explained ? `<strong>${h(OUTCOME_TEXT[o.outcome])}</strong>` : h(OUTCOME_TEXT[o.outcome])),
          cell(`<code${attrs({ title: o.imageDigest })}>${h(short(o.imageDigest))}</code>`, 'mono'),
          cell(h(displayTags(o.imageTags))),
          cell(h(o.action)),
          cell(o.predicted ? h(`${o.predicted.date.slice(0, 10)} (rule ${o.predicted.rulePriority})`) : ''),
          cell(o.done ? h(`${o.done.date.slice(0, 16).replace('T', ' ')} (rule ${o.done.rulePriority})`) : ''),
          cell(h(outcomeDetail(o))),
        ].join('')}</tr>`);
      }
      body.push('</tbody></table>');
    }
    for (const o of repo.outcomes) {
      if (o.outcome !== 'done-not-predicted' || !o.trace) continue;
      body.push(`<h3>${h(`${short(o.imageDigest)}: why the simulation kept it`)}</h3><ul class="trace">`);
      if (o.stateAtSnapshot) body.push(`<li>${h(`at T0: tags ${displayTags(o.stateAtSnapshot.imageTags)}, pushed ${o.stateAtSnapshot.imagePushedAt}, ${o.stateAtSnapshot.imageStatus}${o.stateAtSnapshot.lastRecordedPullTime ? `, last pulled ${o.stateAtSnapshot.lastRecordedPullTime}` : ''}`)}</li>`);
      if (o.evaluatedRule) body.push(`<li>${h(`ECR's rule ${o.evaluatedRule.rulePriority}: ${ruleText(o.evaluatedRule)}`)}</li>`);
      for (const t of o.trace) body.push(`<li>${h(t)}</li>`);
      body.push('</ul>');
    }
    body.push('</details>');
  }
  body.push('</section>');
  if (r.otherRepositories.length > 0) {
    body.push(`<section id="other-repositories"><h2>Repositories not in the snapshot (not compared)</h2><ul>${r.otherRepositories.map((o) => `<li>${h(`${o.repositoryName}${o.region ? ` (${o.region})` : ''}: ${o.executions} events, ${o.actions} image actions`)}</li>`).join('')}</ul></section>`);
  }
  body.push('</main>', `<footer>${h(`Generated by ecr-lifeguard ${VERSION}. This file is self-contained: it loads nothing from the network.`)}</footer>`);
  return [
    '<!doctype html>', '<html lang="en">', '<head>', '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${esc(CONTENT_SECURITY_POLICY)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">', '<meta name="referrer" content="no-referrer">', '<link rel="icon" href="data:,">',
    `<title>${h(`ecr-lifeguard verify — ${r.snapshotAt.slice(0, 10)} to ${r.until.slice(0, 10)}`)}</title>`, `<style>${STYLE}</style>`, '</head>', '<body>', ...body, '</body>', '</html>', '',
  ].join('\n');
}

/** GitHub Actions annotations: an error per action not predicted and per reason the data is incomplete. */
export function verifyGithub(r: VerifyReport): string {
  const out: string[] = [];
  for (const n of r.incomplete) out.push(workflowCommand('error', [['title', 'verify-incomplete']], plain(`${n.source}: ${n.message}`)));
  for (const repo of r.repositories) {
    for (const o of repo.outcomes) {
      if (o.outcome === 'done-not-predicted' && !o.explained) {
        out.push(workflowCommand('error', [['title', 'verify-done-not-predicted']], plain(`${place(repo)}: ECR ${o.action === 'EXPIRE' ? 'expired' : 'archived'} ${o.imageDigest} ${displayTags(o.imageTags)} on ${o.done?.date ?? '?'} (rule ${o.done?.rulePriority ?? '?'}), not predicted${o.note ? `; ${o.note}` : ''}`)));
      } else if (o.outcome === 'predicted-not-done') {
        out.push(workflowCommand('notice', [['title', 'verify-predicted-not-done']], plain(`${place(repo)}: ${o.imageDigest} ${displayTags(o.imageTags)} predicted ${o.action} on ${o.predicted?.date.slice(0, 10) ?? '?'}, not done${o.likelyReason ? `; likely: ${LIKELY_REASONS[o.likelyReason]}` : ''}`)));
      }
    }
  }
  out.push(plain(`ecr-lifeguard verify: ${headline(r)}. ${verdictLine(r)}`));
  return `${out.join('\n')}\n`;
}

const SARIF_RULES = [
  { id: 'verify-done-not-predicted', level: 'error', text: 'ECR took a lifecycle action the simulation of the snapshot did not predict' },
  { id: 'verify-incomplete', level: 'error', text: 'The events or the snapshot are incomplete: the comparison cannot be trusted as a whole' },
  { id: 'verify-predicted-not-done', level: 'note', text: 'The simulation predicted an action ECR did not record in the window' },
] as const;

/** SARIF 2.1.0: a result per action not predicted, per action predicted and not done (note), per reason the data is incomplete; located by repository (logical location). */
export function verifySarif(r: VerifyReport): string {
  const index = new Map<string, number>(SARIF_RULES.map((x, i) => [x.id, i]));
  const results: Array<Record<string, unknown>> = [];
  const result = (ruleId: (typeof SARIF_RULES)[number]['id'], text: string, key: string, repo?: VerifyRepositoryReport, properties?: Record<string, unknown>): void => {
    results.push({
      ruleId, ruleIndex: index.get(ruleId)!, level: SARIF_RULES[index.get(ruleId)!]!.level, message: { text: plain(text) },
      ...(repo ? { locations: [{ logicalLocations: [{ name: repo.repositoryName, fullyQualifiedName: [repo.registryId, repo.region, repo.repositoryName].filter(Boolean).join('/'), kind: 'module' }] }] } : {}),
      partialFingerprints: { [FINGERPRINT_KEY]: createHash('sha256').update(`${ruleId}\n${key}`).digest('hex') },
      ...(properties ? { properties } : {}),
    });
  };
  for (const n of r.incomplete) result('verify-incomplete', `${n.source}: ${n.message}`, `${n.source}\n${n.message}`);
  for (const repo of r.repositories) {
    for (const o of repo.outcomes) {
      const props = { repositoryName: repo.repositoryName, imageDigest: o.imageDigest, imageTags: o.imageTags, action: o.action, ...(o.done ? { done: o.done } : {}), ...(o.predicted ? { predicted: o.predicted } : {}) };
      const key = `${repo.registryId ?? ''}/${repo.region ?? ''}/${repo.repositoryName}\n${o.imageDigest}\n${o.action}`;
      if (o.outcome === 'done-not-predicted' && !o.explained) {
        result('verify-done-not-predicted', `ECR ${o.action === 'EXPIRE' ? 'expired' : 'archived'} ${o.imageDigest} ${displayTags(o.imageTags)} of ${place(repo)} on ${o.done?.date ?? '?'} (rule ${o.done?.rulePriority ?? '?'}); the simulation did not predict it`, key, repo, props);
      } else if (o.outcome === 'predicted-not-done') {
        result('verify-predicted-not-done', `${o.imageDigest} ${displayTags(o.imageTags)} of ${place(repo)}: ${o.action} predicted on ${o.predicted?.date.slice(0, 10) ?? '?'}, not done${o.likelyReason ? `; likely: ${LIKELY_REASONS[o.likelyReason]}` : ''}`, key, repo, props);
      }
    }
  }
  const sarif = {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [{
      tool: { driver: {
        name: 'ecr-lifeguard', version: VERSION, semanticVersion: VERSION, informationUri: INFORMATION_URI,
        rules: SARIF_RULES.map((x) => ({ id: x.id, shortDescription: { text: x.text }, helpUri: INFORMATION_URI, defaultConfiguration: { level: x.level } })),
      } },
      results,
      properties: { command: 'verify', snapshotAt: r.snapshotAt, until: r.until, days: r.days, complete: r.complete, summary: r.summary },
    }],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
