import { coverageSentence, notableSkips } from './coverage.js';
import type { CheckMeta } from '../analyse/checks/types.js';
import { cmp } from '../analyse/graph.js';
import type { Finding } from '../model/finding.js';
import type { FateChange, Report, ReportDiff, ReportPolicy } from './model.js';
import { displayTags, short, imageCountOf } from './model.js';
import { joinedParts, type FormatContext, type Formatter, type PartsFormatter } from './formatter.js';
import { safeHref } from './html/escape.js';
import { printableDeep } from './printable.js';
import { breaksHeading, MAX_BREAK_LINES, whatBreaks, whenText, workloadCount } from './breaks.js';
import { checkMetas, sortedFindings } from './sarif.js';
import {
  compareFateChanges, countSeverities, fateText, formatBytes, formatCount, inUseLines, plural, repositoriesByRisk, reportTotals, sortedRuleChanges,
  type SeverityCounts,
} from './storage-text.js';

// GitHub-flavoured Markdown for a pull-request comment or $GITHUB_STEP_SUMMARY: the verdict first,
// tables next, long sections collapsed. Every value from the input is escaped: it may hold `|`,
// backticks or HTML.

/** Tables longer than this are collapsed in <details>. */
export const COLLAPSE_ROWS = 10;
/** Rows shown per table (a PR comment holds at most 65,536 characters). */
export const MAX_ROWS = 200;

/** Text in Markdown, including table cells: inline syntax, HTML and pipes escaped, newlines flattened. */
export function mdText(s: string): string {
  return s
    .replace(/[\\`*_[\]|~<>]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/\r?\n|\r/g, ' ');
}

/** A code span that survives any content: a fence longer than any backtick run inside; pipes escaped for tables. */
export function mdCode(s: string): string {
  const flat = s.replace(/\r?\n|\r/g, ' ');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat.replace(/\|/g, '\\|')}${pad}${fence}`;
}

function table(head: string[], rows: string[][], align?: Array<'l' | 'r'>): string[] {
  const sep = head.map((_, i) => (align?.[i] === 'r' ? '---:' : '---'));
  const shown = rows.slice(0, MAX_ROWS);
  const out = [`| ${head.join(' | ')} |`, `| ${sep.join(' | ')} |`, ...shown.map((r) => `| ${r.join(' | ')} |`)];
  if (rows.length > shown.length) out.push('', `_… and ${formatCount(rows.length - shown.length)} more rows; see the JSON report for all of them._`);
  return out;
}

/** A section collapsed when long; the summary line says what is inside. */
function collapsible(summary: string, body: string[], rows: number): string[] {
  if (rows <= COLLAPSE_ROWS) return body;
  return ['<details>', `<summary>${summary}</summary>`, '', ...body, '', '</details>'];
}

const SEVERITY_ICON = { error: '🔴 error', warning: '🟠 warning', info: '🔵 info' } as const;

function verdict(c: SeverityCounts, scope: string, incomplete = 0): string {
  const icon = c.error > 0 ? '❌' : c.warning > 0 || incomplete > 0 ? '⚠️' : c.info > 0 ? 'ℹ️' : '✅';
  // Results over incomplete data are never presented as clean.
  const caveat = incomplete > 0 ? ` **Incomplete:** ${plural(incomplete, 'repository', 'repositories')} could not be read completely, so these results are not complete.` : '';
  if (c.error + c.warning + c.info === 0) return `${icon} **No findings** in ${incomplete > 0 ? 'what could be read of ' : ''}${scope}.${caveat}`;
  return `${icon} **${plural(c.error, 'error')}, ${plural(c.warning, 'warning')}, ${formatCount(c.info)} info** in ${scope}.${caveat}`;
}

function checkCell(id: string, metas: Map<string, CheckMeta>): string {
  const docs = safeHref(metas.get(id)?.docs ?? '');
  return docs ? `[${mdCode(id)}](${docs.replace(/[()\s]/g, encodeURIComponent)})` : mdCode(id);
}

function imageText(repositoryName: string | undefined, image: { imageDigest: string; imageTags: string[] }): string {
  return `${mdCode(`${repositoryName ? `${repositoryName}@` : ''}${short(image.imageDigest)}`)} ${mdText(displayTags(image.imageTags))}`;
}

function locationCell(f: Finding, withRepository: boolean): string {
  const parts: string[] = [];
  if (f.location) {
    parts.push(mdCode(`${f.location.file}${f.location.line !== undefined ? `:${f.location.line}${f.location.column !== undefined ? `:${f.location.column}` : ''}` : ''}`));
  }
  if (f.image) parts.push(imageText(withRepository ? f.repositoryName : undefined, f.image));
  else if (withRepository && f.repositoryName !== undefined && !f.location) parts.push(mdCode(f.repositoryName));
  const origins = f.origins ?? [];
  if (origins.length) {
    const first = origins[0]!;
    parts.push(`used at ${mdCode(`${first.file}${first.line !== undefined ? `:${first.line}` : ''}`)}${origins.length > 1 ? ` +${origins.length - 1}` : ''}`);
  }
  return parts.join('<br>') || '–';
}

function findingsTable(findings: readonly Finding[], metas: Map<string, CheckMeta>, withRepository: boolean): string[] {
  return table(
    ['Severity', 'Check', 'Location', 'Message'],
    sortedFindings(findings).map((f) => [SEVERITY_ICON[f.severity], checkCell(f.id, metas), locationCell(f, withRepository), mdText(f.message)]),
  );
}

function metaMap(context: FormatContext): Map<string, CheckMeta> {
  return new Map(checkMetas(context).map((m) => [m.id, m]));
}

function bytes(n: number | undefined): string {
  return n === undefined ? 'n/a' : formatBytes(n);
}

// --- lint ---------------------------------------------------------------------------------------

function lintMarkdown(report: Report, context: FormatContext): string[] {
  const metas = metaMap(context);
  const policies = report.policies ?? [];
  const c = countSeverities(report.findings);
  const invalid = policies.filter((p) => !p.valid).length;
  const scope = `${plural(policies.length, 'policy', 'policies')}${invalid ? ` (${formatCount(invalid)} invalid)` : ''}`;
  const out = ['## ecr-lifeguard lint', '', verdict(c, scope)];
  if (report.findings.length) {
    out.push('', `### Findings (${formatCount(report.findings.length)})`, '');
    out.push(...collapsible(`${formatCount(report.findings.length)} findings`, findingsTable(report.findings, metas, true), report.findings.length));
  }
  if (report.diff) out.push('', ...diffMarkdown(report.diff, metas));
  if (policies.length) {
    out.push('', `### Policies checked (${formatCount(policies.length)})`, '');
    out.push(...collapsible(`${formatCount(policies.length)} policies`, policiesTable(policies), policies.length));
  }
  if (report.repositories.length) out.push('', ...auditBody(report, metas, false));
  if (report.coverage) {
    out.push('', `### Coverage`, '', mdText(coverageSentence(report.coverage)));
    const { lines, more } = notableSkips(report.coverage);
    if (lines.length) out.push('', ...lines.map((l) => `- ${mdText(l)}`), ...(more > 0 ? [`- and ${more} more`] : []));
  }
  return out;
}

function policiesTable(policies: readonly ReportPolicy[]): string[] {
  const sorted = [...policies].sort((a, b) => cmp(a.file, b.file) || (a.location.line ?? 0) - (b.location.line ?? 0) || cmp(a.name, b.name));
  return table(
    ['Policy', 'File', 'Format', 'Repository', 'Rules', 'Valid'],
    sorted.map((p) => [
      mdText(p.name),
      mdCode(`${p.file}${p.location.line !== undefined ? `:${p.location.line}` : ''}`),
      mdText(p.format),
      p.repositoryName !== undefined ? mdCode(p.repositoryName) : '–',
      formatCount(p.ruleCount),
      p.valid ? '✅' : `❌${p.unresolvedReason ? ` ${mdText(p.unresolvedReason)}` : ''}`,
    ]),
    ['l', 'l', 'l', 'l', 'r', 'l'],
  );
}

function fateTable(changes: readonly FateChange[]): string[] {
  return table(
    ['Repository', 'Image', 'Tags', 'In use', 'Before', 'After'],
    [...changes].sort(compareFateChanges).map((c) => [
      mdCode(c.repositoryName), mdCode(short(c.imageDigest)), mdText(displayTags(c.imageTags)),
      c.inUse ? '⚠️ **in use**' : '', fateText(c.before), `**${fateText(c.after)}**`,
    ]),
  );
}

export function diffMarkdown(diff: ReportDiff, metas: Map<string, CheckMeta>): string[] {
  const out = [`### Policy change against ${mdCode(diff.base)}`, ''];
  if (diff.ruleChanges.length) {
    const rows = sortedRuleChanges(diff).map((r) => [mdText(r.change), String(r.rulePriority), mdText(r.summary)]);
    out.push('**Rule changes**', '', ...table(['Change', 'Rule', 'Summary'], rows, ['l', 'r', 'l']), '');
  } else out.push('No rule changes.', '');

  const acted = diff.fateChanges.filter((c) => c.before.action === 'KEEP' && c.after.action !== 'KEEP');
  const kept = diff.fateChanges.filter((c) => c.before.action !== 'KEEP' && c.after.action === 'KEEP');
  const other = diff.fateChanges.filter((c) => !acted.includes(c) && !kept.includes(c));
  if (diff.fateChanges.length === 0) out.push('No image changes fate.', '');
  const groups: Array<[string, FateChange[]]> = [
    ['Kept → expired or archived', acted],
    ['Expired or archived → kept', kept],
    ['Action or date changed', other],
  ];
  for (const [title, changes] of groups) {
    if (changes.length === 0) continue;
    const inUse = changes.filter((c) => c.inUse).length;
    const heading = `${title}: ${plural(changes.length, 'image')}${inUse ? `, ${formatCount(inUse)} in use` : ''}`;
    out.push(`**${heading}**`, '', ...collapsible(heading, fateTable(changes), changes.length), '');
  }
  for (const [title, findings] of [['Findings introduced', diff.introducedFindings], ['Findings fixed', diff.fixedFindings]] as const) {
    if (findings.length === 0) continue;
    const heading = `${title} (${formatCount(findings.length)})`;
    out.push(`**${heading}**`, '', ...collapsible(heading, findingsTable(findings, metas, true), findings.length), '');
  }
  while (out[out.length - 1] === '') out.pop();
  return out;
}

// --- audit and dry-run --------------------------------------------------------------------------

function auditMarkdown(report: Report, context: FormatContext): string[] {
  const metas = metaMap(context);
  const totals = reportTotals(report);
  const heading = `## ecr-lifeguard ${context.command} at ${report.now}${report.days > 0 ? `, horizon ${report.days} days` : ''}`;
  const inUse = inUseLines(report);
  return [heading, '', verdict(totals.severities, plural(totals.repositories, 'repository', 'repositories'), totals.incompleteRepositories.length), '', ...inUse.flatMap((l) => [mdText(l), '']), ...breaksMarkdown(report), ...auditBody(report, metas, true)];
}

/** What a person reads first: what breaks, when. */
function breaksMarkdown(report: Report): string[] {
  const lines = whatBreaks(report);
  const out = [`### ${mdText(breaksHeading(report, lines))}`, ''];
  for (const b of lines.slice(0, MAX_BREAK_LINES)) {
    out.push(`- **${mdText(b.workload)}** loses ${mdCode(b.loses)} (${mdText(b.how)}) **${mdText(whenText(b.day, b.date))}**${b.rulePriority !== undefined ? `, by rule ${b.rulePriority}` : ''}`);
  }
  if (lines.length > MAX_BREAK_LINES) out.push(`- _… and ${formatCount(lines.length - MAX_BREAK_LINES)} more; see the findings._`);
  if (lines.length > 0) out.push('');
  return out;
}

function auditBody(report: Report, metas: Map<string, CheckMeta>, withFindings: boolean): string[] {
  const totals = reportTotals(report);
  const out: string[] = [];
  if (totals.incompleteRepositories.length) {
    out.push('> [!WARNING]', `> **${plural(totals.incompleteRepositories.length, 'repository', 'repositories')} could not be read completely; their results are incomplete.**`);
    for (const r of totals.incompleteRepositories) {
      out.push(`> - ${mdCode(r.repositoryName)}${r.registryId ? ` (${mdText(r.registryId)}${r.region ? ` ${mdText(r.region)}` : ''})` : ''}${r.unreadable ? ' (not read)' : ''}: ${mdText(r.reason)}`);
    }
    out.push('');
  }
  const within = report.days > 0 ? ` within ${report.days} days` : '';
  const head = ['Repositories', 'Images', 'Actions now', ...(report.days > 0 ? [`Actions${within}`] : []), 'Workloads affected', 'Bytes freed now', ...(report.days > 0 ? [`Bytes freed${within}`] : [])];
  const row = [
    formatCount(totals.repositories), formatCount(totals.images), formatCount(totals.actionsNow),
    ...(report.days > 0 ? [formatCount(totals.actionsOverHorizon)] : []),
    formatCount(workloadCount(whatBreaks(report))),
    bytes(totals.storage?.now?.bytesFreed),
    ...(report.days > 0 ? [bytes(totals.storage?.horizon?.bytesFreed)] : []),
  ];
  out.push('### Summary', '', ...table(head, [row], head.map(() => 'r')));
  if (totals.storage?.incomplete) out.push('', '_Bytes freed are a lower bound: some images have no manifest in the input._');
  if (!totals.storage) out.push('', '_Bytes freed are not known: no manifests were supplied (batch-get-image)._');

  const risks = repositoriesByRisk(report);
  if (risks.length) {
    const rows = risks.map((r) => {
      const repo = r.repository;
      const status = !repo.complete ? '⚠️ incomplete' : repo.policyStatus === 'present' ? 'policy' : repo.policyStatus === 'none' ? 'no policy' : 'policy unknown';
      return [
        mdCode(repo.repositoryName), status, formatCount(imageCountOf(repo)), formatCount(r.severities.error), formatCount(r.severities.warning),
        formatCount(r.actionsNow), ...(report.days > 0 ? [formatCount(r.actionsOverHorizon)] : []), bytes(r.bytesFreed),
      ];
    });
    const repoHead = ['Repository', 'Status', 'Images', 'Errors', 'Warnings', 'Actions now', ...(report.days > 0 ? [`Actions${within}`] : []), 'Bytes freed'];
    out.push('', '### Repositories by risk', '');
    out.push(...collapsible(`${formatCount(risks.length)} repositories`, table(repoHead, rows, repoHead.map((_, i) => (i < 2 ? 'l' : 'r'))), risks.length));
  }

  if (withFindings) {
    out.push('', `### Findings (${formatCount(report.findings.length)})`, '');
    if (report.findings.length === 0) out.push('No findings.');
    // Riskiest repository first; then repositories the report has no entry for (e.g. unresolved references).
    const order = new Set(risks.map((r) => r.repository.repositoryName));
    const others = report.findings.map((f) => f.repositoryName).filter((n): n is string => n !== undefined && !order.has(n));
    for (const name of [...order, ...[...new Set(others)].sort(cmp)]) {
      const list = report.findings.filter((f) => f.repositoryName === name);
      if (list.length === 0) continue;
      const c = countSeverities(list);
      const heading = `${plural(c.error, 'error')}, ${plural(c.warning, 'warning')}, ${formatCount(c.info)} info`;
      out.push(`#### ${mdCode(name)}: ${heading}`, '', ...collapsible(heading, findingsTable(list, metas, false), list.length), '');
    }
    const general = report.findings.filter((f) => f.repositoryName === undefined);
    if (general.length) out.push('#### Not about one repository', '', ...collapsible(plural(general.length, 'finding'), findingsTable(general, metas, false), general.length), '');
    while (out[out.length - 1] === '') out.pop();
  }
  const notes = report.repositories.flatMap((r) => r.notes.map((n) => `- ${mdCode(r.repositoryName)}: ${mdText(n)}`)).sort();
  if (notes.length) out.push('', ...collapsible(`Notes about the data (${formatCount(notes.length)})`, ['**Notes about the data**', '', ...notes], notes.length));
  return out;
}

export const markdownParts: PartsFormatter = (input: Report, context: FormatContext) => {
  // Control characters escaped: a comment or step summary is also read in logs and terminals.
  const report = printableDeep(input);
  const lines = context.command === 'lint' ? lintMarkdown(report, context) : auditMarkdown(report, context);
  return [...joinedParts(lines, '\n'), '\n'];
};

export const formatMarkdown: Formatter = (report, context) => markdownParts(report, context).join('');
