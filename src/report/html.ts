import type { CheckMeta } from '../analyse/checks/types.js';
import { cmp } from '../analyse/graph.js';
import type { Finding } from '../model/finding.js';
import type { UseOrigin } from '../model/in-use.js';
import { joinedParts, type FormatContext, type Formatter, type PartsFormatter } from './formatter.js';
import { CONTENT_SECURITY_POLICY, SCRIPT, STYLE } from './html/assets.js';
import { actionsChart, dayDate } from './html/chart.js';
import { attrs, esc, safeHref } from './html/escape.js';
import { displayTags, short, type Report, type ReportImage, type ReportRepository, imageCountOf } from './model.js';
import { printableDeep } from './printable.js';
import { breaksHeading, MAX_BREAK_LINES, whatBreaks, whenText, workloadCount, type BreakLine } from './breaks.js';
import { checkMetas, sortedFindings } from './sarif.js';
import {
  actionsByDay, compareFateChanges, cumulativeBytesByDay, fateText, formatBytes, formatCount, inUseLines, originLabel, plural, readStorage, repositoriesByRisk,
  sortedRuleChanges, reportTotals, storageLines, type RepositoryRisk, type SeverityCounts,
} from './storage-text.js';

// One self-contained HTML file: summary, chart, repositories by risk with a drill-down per repository
// (images, timeline, findings), every finding with its origins. No external resource of any kind.

const h = esc;

function table(head: Array<string | [string, 'num']>, rows: string[][], id?: string): string {
  const th = head.map((c) => (Array.isArray(c) ? `<th class="num">${h(c[0])}</th>` : `<th>${h(c)}</th>`)).join('');
  return `<table${attrs({ id })}><thead><tr>${th}</tr></thead><tbody>${rows.map((r) => `<tr>${r.join('')}</tr>`).join('')}</tbody></table>`;
}

const td = (html: string, cls?: string) => `<td${attrs({ class: cls })}>${html}</td>`;
const num = (n: number | string) => td(h(typeof n === 'number' ? formatCount(n) : n), 'num');
const code = (s: string, title?: string) => `<code${attrs({ title })}>${h(s)}</code>`;
const sev = (s: Finding['severity']) => `<span class="sev ${s}">${h(s)}</span>`;
const badge = (v: string, label = v) => `<span class="verdict-badge ${h(v)}">${h(label)}</span>`;

function checkLink(id: string, metas: Map<string, CheckMeta>): string {
  const meta = metas.get(id);
  const href = meta && safeHref(meta.docs);
  return href ? `<a${attrs({ href, title: meta.description })}>${code(id)}</a>` : code(id);
}

function originsList(origins: readonly UseOrigin[] | undefined): string {
  if (!origins?.length) return '';
  return `<ul class="origins">${origins.map((o) => `<li>${code(originLabel(o))} <span class="muted">${h(o.format)}</span></li>`).join('')}</ul>`;
}

function whereCell(f: Finding, withRepository: boolean): string {
  const parts: string[] = [];
  if (f.location) {
    const l = f.location;
    parts.push(code(`${l.file}${l.line !== undefined ? `:${l.line}${l.column !== undefined ? `:${l.column}` : ''}` : ''}`, [l.pointer, l.innerPointer].filter(Boolean).join(' -> ') || undefined));
  }
  if (withRepository && f.repositoryName !== undefined) parts.push(code(f.repositoryName));
  if (f.image) parts.push(`${code(short(f.image.imageDigest), f.image.imageDigest)} ${h(displayTags(f.image.imageTags))}`);
  return parts.join('<br>');
}

function findingsTable(findings: readonly Finding[], metas: Map<string, CheckMeta>, withRepository: boolean, id?: string): string {
  const rows = sortedFindings(findings).map((f) => [
    td(sev(f.severity)),
    td(checkLink(f.id, metas)),
    td(whereCell(f, withRepository)),
    td(h(f.message)),
    td(originsList(f.origins)),
    td(f.date ? h(f.date.slice(0, 10)) : '', 'mono'),
  ]);
  return table(['Severity', 'Check', 'Where', 'Message', 'Used at', 'When'], rows, id);
}

function breaksBlock(report: Report, lines: readonly BreakLine[]): string {
  const items = lines.slice(0, MAX_BREAK_LINES).map((b) =>
    `<li><strong>${h(b.workload)}</strong> loses ${code(b.loses)} <span class="muted">(${h(b.how)})</span> ` +
    `<time${attrs({ datetime: b.date, title: b.date })}>${h(whenText(b.day, b.date))}</time>${b.rulePriority !== undefined ? `, by rule ${h(String(b.rulePriority))}` : ''}</li>`);
  if (lines.length > MAX_BREAK_LINES) items.push(`<li class="muted">${h(`... and ${formatCount(lines.length - MAX_BREAK_LINES)} more (see the findings)`)}</li>`);
  return `<section id="breaks"${attrs({ class: lines.length ? 'alert' : undefined })}><h2>${h(breaksHeading(report, lines))}</h2>${items.length ? `<ul>${items.join('')}</ul>` : ''}</section>`;
}

function verdictLine(c: SeverityCounts, scope: string, incomplete = 0): string {
  const cls = c.error ? 'error' : c.warning || incomplete ? 'warning' : c.info ? 'info' : 'ok';
  // Results over incomplete data are never presented as clean.
  const caveat = incomplete > 0 ? ` Incomplete: ${plural(incomplete, 'repository', 'repositories')} could not be read completely, so these results are not complete.` : '';
  const text = (c.error + c.warning + c.info === 0
    ? `No findings in ${incomplete > 0 ? 'what could be read of ' : ''}${scope}.`
    : `${plural(c.error, 'error')}, ${plural(c.warning, 'warning')}, ${formatCount(c.info)} info in ${scope}.`) + caveat;
  return `<p id="verdict" class="verdict ${cls}">${h(text)}</p>`;
}

function card(metric: string, label: string, value: string): string {
  return `<div class="card"${attrs({ 'data-metric': metric })}><dt>${h(label)}</dt><dd>${h(value)}</dd></div>`;
}

function policyLabel(repo: ReportRepository): string {
  return !repo.complete ? 'incomplete' : repo.policyStatus === 'present' ? 'policy' : repo.policyStatus === 'none' ? 'no policy' : 'policy unknown';
}

function imageVerdict(img: ReportImage): string {
  return badge(img.action, img.imageStatus === 'ARCHIVED' && img.action === 'KEEP' ? 'KEEP (archived)' : img.action);
}

function ruleText(img: ReportImage): string {
  if (img.appliedRulePriority !== undefined) return `acts ${img.appliedRulePriority}`;
  if (img.protectingRulePriority !== undefined) return `kept ${img.protectingRulePriority}`;
  return '–';
}

function repositorySection(r: RepositoryRisk, anchor: string, report: Report, metas: Map<string, CheckMeta>): string {
  const repo = r.repository;
  const out: string[] = [];
  const where = [repo.registryId, repo.region].filter(Boolean).join(' ');
  out.push(`<details${attrs({ class: `repo${repo.complete ? '' : ' incomplete'}`, id: anchor, 'data-name': repo.repositoryName })}>`);
  out.push(`<summary>${h(repo.repositoryName)}${where ? ` <span class="muted">${h(where)}</span>` : ''} — ${h(policyLabel(repo))}, ` +
    `${h(plural(imageCountOf(repo), 'image'))}, ${h(plural(r.severities.error, 'error'))}, ${h(plural(r.severities.warning, 'warning'))}</summary>`);
  if (!repo.complete) out.push(`<p class="alert">${h(`Incomplete: ${repo.incompleteReason ?? 'could not be read completely'}. The verdicts below are not complete.`)}</p>`);
  for (const note of repo.notes) out.push(`<p class="muted">${h(`Note: ${note}`)}</p>`);

  out.push(`<h3>Images (${h(formatCount(imageCountOf(repo)))})</h3>`);
  const imageRows = repo.images.map((img) => [
    td(code(short(img.imageDigest), img.imageDigest)),
    td(h(img.imageTags.length ? [...img.imageTags].sort().join(', ') : '<untagged>')),
    td(h(img.imagePushedAt.slice(0, 10)), 'mono'),
    td(h(img.imageStatus)),
    td(imageVerdict(img)),
    td(h(ruleText(img))),
    td(img.fate ? `${badge(img.fate.action)} ${h(img.fate.date.slice(0, 10))} <span class="muted">${h(`day ${img.fate.day}, rule ${img.fate.appliedRulePriority}`)}</span>` : ''),
    td(img.inUse?.length ? `<ul class="origins">${img.inUse.map((u) => `<li>${code(u)}</li>`).join('')}</ul>` : ''),
    td(h(img.reason)),
  ]);
  out.push(repo.images.length
    ? table(['Image', 'Tags', 'Pushed', 'Status', 'Now', 'Rule', report.days > 0 ? `Within ${report.days} days` : 'Fate', 'In use', 'Why'], imageRows)
    : '<p class="muted">No images.</p>');

  if (repo.timeline.length) {
    out.push(`<h3>Timeline (${h(formatCount(repo.timeline.length))} actions)</h3>`);
    const storage = readStorage(repo.storage);
    out.push(actionsChart({
      id: `${anchor}-chart`, title: `Actions in ${repo.repositoryName} over the horizon`, now: report.now, days: report.days,
      actions: actionsByDay([repo], report.days), ...(storage ? { bytesFreed: cumulativeBytesByDay(storage, report.days).map((d) => d.bytesFreed) } : {}),
      width: 640, height: 200,
    }));
    out.push(table(['Date', ['Day', 'num'], 'Image', 'Tags', 'Action', ['Rule', 'num'], 'Cause'], repo.timeline.map((t) => [
      td(h(t.date.slice(0, 10)), 'mono'), num(t.day), td(code(short(t.imageDigest), t.imageDigest)), td(h(displayTags(t.imageTags))),
      td(badge(t.action)), num(t.appliedRulePriority), td(h(t.cause)),
    ])));
  }
  if (r.findings.length) out.push(`<h3>Findings (${h(formatCount(r.findings.length))})</h3>`, findingsTable(r.findings, metas, false));
  if (repo.storage) {
    const lines = storageLines(repo.storage);
    if (lines.length) out.push('<h3>Storage</h3>', `<ul>${lines.map((l) => `<li>${h(l)}</li>`).join('')}</ul>`);
  }
  out.push('</details>');
  return out.join('\n');
}

function diffSection(report: Report, metas: Map<string, CheckMeta>): string {
  const diff = report.diff!;
  const out = [`<section id="diff"><h2>${h(`Policy change against ${diff.base}`)}</h2>`];
  out.push(diff.ruleChanges.length
    ? table(['Change', ['Rule', 'num'], 'Summary'], sortedRuleChanges(diff).map((c) => [td(h(c.change)), num(c.rulePriority), td(h(c.summary))]))
    : '<p>No rule changes.</p>');
  const changes = [...diff.fateChanges].sort(compareFateChanges);
  out.push(`<h3>Images that change fate (${h(formatCount(changes.length))})</h3>`);
  out.push(changes.length
    ? table(['Repository', 'Image', 'Tags', 'In use', 'Before', 'After'], changes.map((c) => [
      td(code(c.repositoryName)), td(code(short(c.imageDigest), c.imageDigest)), td(h(displayTags(c.imageTags))),
      td(c.inUse ? '<strong>in use</strong>' : ''), td(h(fateText(c.before))), td(`<strong>${h(fateText(c.after))}</strong>`),
    ]))
    : '<p>No image changes fate.</p>');
  if (diff.introducedFindings.length) out.push(`<h3>Findings introduced (${h(formatCount(diff.introducedFindings.length))})</h3>`, findingsTable(diff.introducedFindings, metas, true));
  if (diff.fixedFindings.length) out.push(`<h3>Findings fixed (${h(formatCount(diff.fixedFindings.length))})</h3>`, findingsTable(diff.fixedFindings, metas, true));
  out.push('</section>');
  return out.join('\n');
}

function policiesSection(report: Report): string {
  const policies = [...(report.policies ?? [])].sort((a, b) => cmp(a.file, b.file) || (a.location.line ?? 0) - (b.location.line ?? 0) || cmp(a.name, b.name));
  return `<section id="policies"><h2>Policies checked (${h(formatCount(policies.length))})</h2>` + table(['Policy', 'File', 'Format', 'Repository', ['Rules', 'num'], 'Valid'], policies.map((p) => [
    td(h(p.name)), td(code(`${p.file}${p.location.line !== undefined ? `:${p.location.line}` : ''}`)), td(h(p.format)),
    td(p.repositoryName !== undefined ? code(p.repositoryName) : ''), num(p.ruleCount), td(h(p.valid ? 'yes' : `no${p.unresolvedReason ? `: ${p.unresolvedReason}` : ''}`)),
  ])) + '</section>';
}

export const formatHtml: Formatter = (report, context) => htmlParts(report, context).join('');

export const htmlParts: PartsFormatter = (input: Report, context: FormatContext) => {
  // HTML escaping stops markup, not terminal escapes: a report printed or grepped in a terminal stays inert.
  const report = printableDeep(input);
  const metas = new Map(checkMetas(context).map((m) => [m.id, m]));
  const totals = reportTotals(report);
  const risks = repositoriesByRisk(report);
  const anchors = new Map(risks.map((r, i) => [r.repository, `repo-${i + 1}`]));
  const day0 = dayDate(report.now, 0);
  const title = `ecr-lifeguard ${context.command} report — ${day0}`;
  const within = report.days > 0 ? ` within ${report.days} days` : '';
  const body: string[] = [];

  body.push(`<header><h1>${h(`ecr-lifeguard ${context.command}`)}</h1><p class="meta">${h(`at ${report.now}${report.days > 0 ? `, horizon ${report.days} days` : ''} · ${report.tool.name} ${report.tool.version}`)}</p></header>`);
  body.push('<main>');
  const scope = context.command === 'lint' ? plural(report.policies?.length ?? 0, 'policy', 'policies') : plural(totals.repositories, 'repository', 'repositories');
  body.push(verdictLine(totals.severities, scope, totals.incompleteRepositories.length));
  for (const line of inUseLines(report)) body.push(`<p class="meta">${h(line)}</p>`);
  const breaks = whatBreaks(report);
  // What a person reads first: what breaks, when (above the fold), then the counts, then the details.
  if (report.repositories.length || context.command !== 'lint') body.push(breaksBlock(report, breaks));

  if (totals.incompleteRepositories.length) {
    body.push(`<section id="incomplete" class="alert"><h2>${h(`${plural(totals.incompleteRepositories.length, 'repository', 'repositories')} could not be read completely: their results are incomplete`)}</h2><ul>`);
    for (const r of totals.incompleteRepositories) {
      const where = [r.registryId, r.region].filter(Boolean).join(' ');
      body.push(`<li>${code(r.repositoryName)}${where ? ` <span class="muted">${h(where)}</span>` : ''}${r.unreadable ? ' (not read)' : ''}: ${h(r.reason)}</li>`);
    }
    body.push('</ul></section>');
  }

  if (report.repositories.length || context.command !== 'lint') {
    const s = totals.storage;
    body.push('<section id="summary"><h2>Summary</h2><dl class="cards">');
    body.push(card('repositories', 'Repositories', formatCount(totals.repositories)));
    body.push(card('images', 'Images', formatCount(totals.images)));
    body.push(card('actions-now', 'Actions now', formatCount(totals.actionsNow)));
    if (report.days > 0) body.push(card('actions-horizon', `Actions${within}`, formatCount(totals.actionsOverHorizon)));
    body.push(card('workloads-affected', 'Workloads affected', formatCount(workloadCount(breaks))));
    body.push(card('bytes-now', 'Bytes freed now', s?.now?.bytesFreed !== undefined ? formatBytes(s.now.bytesFreed) : 'n/a'));
    if (report.days > 0) body.push(card('bytes-horizon', `Bytes freed${within}`, s?.horizon?.bytesFreed !== undefined ? formatBytes(s.horizon.bytesFreed) : 'n/a'));
    if (s?.horizon?.bytesMovedToArchive) body.push(card('bytes-archived', `Bytes moved to archive${within}`, formatBytes(s.horizon.bytesMovedToArchive)));
    body.push(card('findings', 'Findings (errors / warnings / info)', `${formatCount(totals.severities.error)} / ${formatCount(totals.severities.warning)} / ${formatCount(totals.severities.info)}`));
    body.push('</dl>');
    if (s?.incomplete) body.push('<p class="muted">Bytes freed are a lower bound: some images have no manifest in the input.</p>');
    if (!s) body.push('<p class="muted">Bytes freed are not known: no manifests were supplied (batch-get-image). The chart counts actions instead.</p>');
    body.push('</section>');

    body.push(`<section id="chart"><h2>${h(`Actions and ${s ? 'bytes freed' : 'cumulative actions'} over the horizon`)}</h2>`);
    body.push(actionsChart({
      id: 'chart-actions', title: `Actions per day${s ? ' and cumulative bytes freed' : ''}, ${report.days > 0 ? `day 0 to day ${report.days}` : 'now'}`,
      now: report.now, days: report.days, actions: actionsByDay(report.repositories, report.days),
      ...(s ? { bytesFreed: cumulativeBytesByDay(s, report.days).map((d) => d.bytesFreed) } : {}),
    }));
    body.push('</section>');
  }

  // Lint readers come for the findings; audit readers for the repositories first.
  const findingsSection = `<section id="findings"><h2>${h(`Findings (${formatCount(report.findings.length)})`)}</h2>` +
    (report.findings.length ? findingsTable(report.findings, metas, true, 'findings-table') : '<p>No findings.</p>') + '</section>';
  if (context.command === 'lint') body.push(findingsSection);
  if (context.command === 'lint' && report.policies) body.push(policiesSection(report));
  if (report.diff) body.push(diffSection(report, metas));

  if (risks.length) {
    body.push('<section id="repositories"><h2>Repositories by risk</h2>');
    body.push('<div class="toolbar"><input type="search" id="repo-filter" placeholder="Filter repositories" aria-label="Filter repositories"></div>');
    const rows = risks.map((r) => {
      const repo = r.repository;
      const anchor = anchors.get(repo)!;
      return `<tr${attrs({ 'data-repo': anchor, 'data-name': repo.repositoryName })}>` + [
        td(`<a${attrs({ href: `#${anchor}` })}>${h(repo.repositoryName)}</a>`),
        td(h(policyLabel(repo))),
        num(imageCountOf(repo)), num(r.severities.error), num(r.severities.warning), num(r.actionsNow),
        ...(report.days > 0 ? [num(r.actionsOverHorizon)] : []),
        num(workloadCount(whatBreaks({ now: report.now, findings: r.findings }))), num(r.bytesFreed !== undefined ? formatBytes(r.bytesFreed) : 'n/a'),
      ].join('') + '</tr>';
    });
    const head: Array<string | [string, 'num']> = ['Repository', 'Status', ['Images', 'num'], ['Errors', 'num'], ['Warnings', 'num'], ['Actions now', 'num'],
      ...(report.days > 0 ? [[`Actions${within}`, 'num'] as [string, 'num']] : []), ['Workloads affected', 'num'], ['Bytes freed', 'num']];
    body.push(`<table id="repo-table"><thead><tr>${head.map((c) => (Array.isArray(c) ? `<th class="num">${h(c[0])}</th>` : `<th>${h(c)}</th>`)).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`);
    body.push('</section>');

    body.push('<section id="drilldown"><h2>Repository details</h2>');
    body.push('<div class="toolbar"><button type="button" id="expand-all">Expand all</button><button type="button" id="collapse-all">Collapse all</button></div>');
    for (const r of risks) body.push(repositorySection(r, anchors.get(r.repository)!, report, metas));
    body.push('</section>');
  }

  if (context.command !== 'lint') body.push(findingsSection);

  if (report.storage) {
    const lines = storageLines(report.storage);
    if (lines.length) body.push(`<section id="storage"><h2>Storage (registry)</h2><ul>${lines.map((l) => `<li>${h(l)}</li>`).join('')}</ul></section>`);
  }
  body.push('</main>');
  body.push(`<footer>${h(`Generated by ${report.tool.name} ${report.tool.version}. This file is self-contained: it loads nothing from the network.`)}</footer>`);

  const page = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${h(CONTENT_SECURITY_POLICY)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    // An empty data: icon keeps the browser from requesting /favicon.ico.
    '<link rel="icon" href="data:,">',
    `<title>${h(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    ...body,
    `<script>${SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ];
  return joinedParts(page, '\n');
};
