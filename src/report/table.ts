import Table from 'cli-table3';
import { SEVERITY_RANK, type Finding } from '../model/finding.js';
import { formatLocation } from '../model/location.js';
import { palette, type Palette } from './colour.js';
import { joinedParts, type FormatContext } from './formatter.js';
import { displayTags, imageCountOf, short, type Report, type ReportImage, type ReportRepository } from './model.js';
import { printableDeep } from './printable.js';
import { actionCountsNow, diffTextLines, formatBytes, formatCount, inUseLines, plural, reportTotals, storageSentence } from './storage-text.js';
import { coverageSentence, notableSkips, policiesFound } from './coverage.js';
import { breaksHeading, breakText, MAX_BREAK_LINES, whatBreaks } from './breaks.js';

// The human report: per repository, every image with its verdict and why; then findings and storage.

/** `imagesOnly`: the repositories' tables only (the interactive `show`; findings and what breaks are commands of their own). */
export function formatTable(report: Report, context: FormatContext, options: { imagesOnly?: boolean } = {}): string {
  return tableParts(report, context, options).join('');
}

export function tableParts(input: Report, context: FormatContext, options: { imagesOnly?: boolean } = {}): string[] {
  // Every value from the inputs escaped before it meets the terminal (see printable.ts).
  const report = printableDeep(input);
  const p = palette(context.colour);
  const out: string[] = [];
  out.push(p.bold(`ecr-lifeguard ${context.command} at ${report.now}${report.days > 0 ? `, horizon ${report.days} days` : ''}`));
  out.push(...inUseLines(report));
  // What a person reads first: what breaks, when; then the counts; then the details.
  if (!options.imagesOnly && (context.command !== 'lint' || report.repositories.length > 0)) out.push('', ...breaksSection(report, p), totalsLine(report));
  for (const repo of report.repositories) out.push('', ...repositorySection(repo, report.days, p, context.width));
  if (report.unreadableRepositories?.length) {
    out.push('', p.red(p.bold(`${report.unreadableRepositories.length} repositories could not be read completely (results are incomplete):`)));
    for (const u of report.unreadableRepositories) out.push(`  ${u.repositoryName}: ${u.reason}`);
  }
  if (!options.imagesOnly) out.push('', ...findingsSection(report.findings, p));
  if (report.diff && !options.imagesOnly) {
    const [heading, ...rest] = diffTextLines(report.diff);
    out.push('', p.bold(heading!), ...rest);
  }
  if (report.coverage) out.push('', ...coverageSection(report.coverage, p));
  const registryStorage = storageSentence(report.storage, report.days);
  if (registryStorage && report.repositories.length > 1) out.push('', p.bold(`Registry: ${registryStorage.replace(/^Storage: /, '')}`));
  const fitted = context.width === undefined ? out : out.map((item) => fitLines(item, context.width!));
  return [...joinedParts(fitted, '\n'), '\n'];
}

// eslint-disable-next-line no-control-regex
const SGR = /\u001b\[[0-9;]*m/g;
const visibleLength = (s: string): number => [...s.replace(SGR, '')].length;

/** Each line of `text` within `width` columns (table drawings already are): wrapped at spaces with a hanging indent. */
function fitLines(text: string, width: number): string {
  return text.split('\n').map((line) => (/^[┌│├└]/.test(line) ? line : wrapLine(line, width).join('\n'))).join('\n');
}

/**
 * A line wrapped at spaces to `width` columns; continuation lines indented under the text (findings under
 * their message). A word longer than a line is cut between characters, never inside one.
 */
export function wrapLine(line: string, width: number): string[] {
  if (visibleLength(line) <= width) return [line];
  const lead = /^ */.exec(line)![0].length;
  const indent = ' '.repeat(Math.min(width >> 1, /^ {2}(error|warning|info)/.test(line.replace(SGR, '')) ? 10 : lead + 2));
  const out: string[] = [];
  let current = ' '.repeat(lead);
  let length = lead;
  let empty = true;
  const push = () => {
    out.push(current);
    current = indent;
    length = indent.length;
    empty = true;
  };
  for (let word of line.slice(lead).split(' ')) {
    while (true) {
      const wl = visibleLength(word);
      if (length + (empty ? 0 : 1) + wl <= width) {
        current += (empty ? '' : ' ') + word;
        length += (empty ? 0 : 1) + wl;
        empty = false;
        break;
      }
      if (!empty) {
        push();
        continue;
      }
      // Longer than a whole line: cut by characters when it holds no colour escape, else let it overflow.
      if (word.includes('\u001b')) {
        current += word;
        length += wl;
        empty = false;
        break;
      }
      const chars = [...word];
      const room = Math.max(1, width - length);
      current += chars.slice(0, room).join('');
      word = chars.slice(room).join('');
      push();
      if (word === '') break;
    }
  }
  if (!empty) out.push(current);
  return out;
}

/** The image table's columns for a width: the fixed layout without one; narrower, 12-character digests and no empty horizon column. */
function imageLayout(days: number, images: readonly ReportImage[], width: number | undefined): { head: string[]; widths: number[]; horizon: boolean; digest: (d: string) => string; pushed: boolean } {
  if (width === undefined) {
    const head = ['Image', 'Tags', 'Pushed', 'Verdict', 'Rule', 'Why'];
    if (days > 0) head.splice(5, 0, `Within ${days}d`);
    return { head, widths: days > 0 ? [22, 26, 12, 12, 8, 20, 48] : [22, 30, 12, 12, 8, 56], horizon: days > 0, digest: short, pushed: true };
  }
  const narrow = width < 120;
  const horizon = days > 0 && images.some((i) => i.fate !== undefined && i.fate.day > 0);
  const digest = narrow ? (d: string) => d.replace(/^sha256:/, '').slice(0, 12) : short;
  const cols: Array<[string, number]> = [['Image', narrow ? 14 : 22], ['Tags', narrow ? 16 : 26], ['Pushed', 12], ['Verdict', 12], ['Rule', 8]];
  if (horizon) cols.push([`Within ${days}d`, narrow ? 14 : 20]);
  const why = (c: Array<[string, number]>) => width - c.reduce((a, [, w]) => a + w, 0) - (c.length + 2);
  let pushed = true;
  if (why(cols) < 24) {
    cols.splice(2, 1);
    pushed = false;
  }
  if (why(cols) < 16) {
    // Still too narrow: tags and the horizon column wrap within fewer columns.
    for (const c of cols) if (c[0] === 'Tags' || c[0].startsWith('Within')) c[1] = 12;
  }
  cols.push(['Why', Math.max(8, why(cols))]);
  return { head: cols.map(([h]) => h), widths: cols.map(([, w]) => w), horizon, digest, pushed };
}

function breaksSection(report: Report, p: Palette): string[] {
  const lines = whatBreaks(report);
  const heading = breaksHeading(report, lines);
  const out = [p.bold(lines.length > 0 ? p.red(heading) : heading)];
  for (const b of lines.slice(0, MAX_BREAK_LINES)) out.push(`  ${breakText(b)}`);
  if (lines.length > MAX_BREAK_LINES) out.push(`  ... and ${formatCount(lines.length - MAX_BREAK_LINES)} more (see the findings below)`);
  return out;
}

/** The counts of the whole report, in one line. */
function totalsLine(report: Report): string {
  const t = reportTotals(report);
  const within = report.days > 0 ? `, ${plural(t.actionsOverHorizon - t.actionsNow, 'more action')} within ${plural(report.days, 'day')}` : '';
  const freed = t.storage ? `; frees ${formatBytes(t.storage.now?.bytesFreed ?? 0)} now${report.days > 0 ? `, ${formatBytes(t.storage.horizon?.bytesFreed ?? 0)} within ${plural(report.days, 'day')}` : ''}${t.storage.incomplete ? ' (at least)' : ''}` : '';
  return `Totals: ${plural(t.repositories, 'repository', 'repositories')}, ${plural(t.images, 'image')}; ${plural(t.actionsNow, 'action')} now${within}${freed}`;
}

function repositorySection(repo: ReportRepository, days: number, p: Palette, width?: number): string[] {
  // Counted over the whole repository (the timeline's day 0), whatever the listing holds.
  const counts = actionCountsNow(repo);
  const lines: string[] = [];
  const policy = repo.policyStatus === 'present' ? '' : repo.policyStatus === 'none' ? ' (no lifecycle policy)' : ' (lifecycle policy unknown)';
  lines.push(p.bold(`Repository ${repo.repositoryName}${policy}`) + ` — ${plural(imageCountOf(repo), 'image')}: ` +
    `${p.red(`${counts.EXPIRE} EXPIRE`)}, ${p.yellow(`${counts.TRANSITION} TRANSITION`)}, ${p.green(`${imageCountOf(repo) - counts.EXPIRE - counts.TRANSITION} KEEP`)} now` +
    (days > 0 ? `; ${repo.timeline.filter((t) => t.day > 0).length} more actions within ${days} days` : ''));
  if (!repo.complete) lines.push(p.red(`  INCOMPLETE: ${repo.incompleteReason ?? 'could not be read completely'}; verdicts below are not complete`));
  for (const note of repo.notes) lines.push(p.yellow(`  note: ${note}`));
  // A repository whose images are all left out of the listing has said so in its note.
  if (repo.images.length === 0) return imageCountOf(repo) === 0 ? [...lines, '  (no images)'] : lines;
  const layout = imageLayout(days, repo.images, width);
  const rows: string[][] = [];
  for (const img of repo.images) {
    const row = [
      layout.digest(img.imageDigest),
      displayTags(img.imageTags),
      ...(layout.pushed ? [img.imagePushedAt.slice(0, 10)] : []),
      verdictCell(img, p),
      ruleCell(img),
      img.reason + (img.inUse?.length ? ` [in use: ${img.inUse.length}]` : ''),
    ];
    if (layout.horizon) row.splice(row.length - 1, 0, img.fate && img.fate.day > 0 ? `${img.fate.action} ${img.fate.date.slice(0, 10)} (r${img.fate.appliedRulePriority})` : '');
    rows.push(row);
  }
  lines.push(drawTable(layout.head.map((h) => p.bold(h)), layout.widths, rows));
  const storage = storageSentence(repo.storage, days);
  if (storage) lines.push(`  ${storage}`);
  return lines;
}

/**
 * cli-table3 checks every cell against every other for row and column spans, so one table of n rows
 * costs O(n²): 10,000 images took 14 s, and 100,000 were stopped after eight minutes. With fixed column widths a row's
 * layout depends on that row alone, so the rows are drawn ROWS_PER_CHUNK at a time and the pieces
 * joined where their borders meet: the same text as one table (tested), in time linear in the rows.
 */
export const ROWS_PER_CHUNK = 250;

export function drawTable(head: readonly string[], colWidths: readonly number[], rows: readonly string[][], rowsPerChunk = ROWS_PER_CHUNK): string {
  // Chunks equal one table only when every column's width is given (cli-table3 would size the others from their content).
  if (head.length !== colWidths.length || rows.some((r) => r.length !== colWidths.length)) throw new Error('drawTable: every row and the head need one cell per column width');
  const options = { style: { head: [], border: [] }, wordWrap: true, colWidths: [...colWidths] };
  const draw = (chunk: readonly string[][], withHead: boolean): string[] => {
    const table = new Table({ ...options, head: withHead ? [...head] : [] });
    for (const row of chunk) table.push([...row]);
    return table.toString().split('\n');
  };
  if (rows.length <= rowsPerChunk) return draw(rows, true).join('\n');
  // Between two chunks, the bottom border of one and the top border of the next give way to the line
  // that separates rows.
  const between = `├${colWidths.map((w) => '─'.repeat(w)).join('┼')}┤`;
  const lines: string[] = [];
  for (let start = 0; start < rows.length; start += rowsPerChunk) {
    const chunk = draw(rows.slice(start, start + rowsPerChunk), start === 0);
    const last = start + rowsPerChunk >= rows.length;
    if (start > 0) lines.push(between);
    lines.push(...chunk.slice(start === 0 ? 0 : 1, last ? chunk.length : -1));
  }
  return lines.join('\n');
}

function verdictCell(img: ReportImage, p: Palette): string {
  const label = img.imageStatus === 'ARCHIVED' && img.action === 'KEEP' ? 'KEEP (archived)' : img.action;
  return img.action === 'EXPIRE' ? p.red(label) : img.action === 'TRANSITION' ? p.yellow(label) : p.green(label);
}

function ruleCell(img: ReportImage): string {
  if (img.appliedRulePriority !== undefined) return `acts ${img.appliedRulePriority}`;
  if (img.protectingRulePriority !== undefined) return `kept ${img.protectingRulePriority}`;
  return '-';
}

export function findingsSection(input: readonly Finding[], p: Palette): string[] {
  const findings = printableDeep(input);
  if (findings.length === 0) return [p.green('No findings.')];
  const bySeverity = { error: 0, warning: 0, info: 0 };
  for (const f of findings) bySeverity[f.severity]++;
  const lines = [p.bold(`Findings: ${bySeverity.error} errors, ${bySeverity.warning} warnings, ${bySeverity.info} info`)];
  for (const f of findings) {
    const sev = f.severity === 'error' ? p.red('error  ') : f.severity === 'warning' ? p.yellow('warning') : p.cyan('info   ');
    const where = f.location ? formatLocation(f.location) : [f.repositoryName, f.image ? `${short(f.image.imageDigest)} (${displayTags(f.image.imageTags)})` : undefined].filter(Boolean).join(' ');
    lines.push(`  ${sev} ${p.dim(f.id)} ${where ? `${where}: ` : ''}${f.message}${f.date ? p.dim(` [${f.date.slice(0, 10)}]`) : ''}`);
    for (const o of f.origins ?? []) lines.push(p.dim(`           used at ${o.file}${o.line !== undefined ? `:${o.line}` : ''}${o.path ? ` (${o.path})` : ''}`));
  }
  return lines;
}

function coverageSection(c: NonNullable<Report['coverage']>, p: Palette): string[] {
  const lines = [policiesFound(c) === 0 ? p.yellow(coverageSentence(c)) : coverageSentence(c)];
  const { lines: skips, more } = notableSkips(c);
  for (const s of skips) lines.push(p.dim(`  skipped ${s}`));
  if (more > 0) lines.push(p.dim(`  and ${more} more skipped (see the JSON report's coverage)`));
  return lines;
}

export function severityAtLeast(f: Finding, min: Finding['severity']): boolean {
  return SEVERITY_RANK[f.severity] >= SEVERITY_RANK[min];
}

export { formatBytes };
