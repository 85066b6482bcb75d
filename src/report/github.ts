import type { Finding } from '../model/finding.js';
import type { FormatContext, Formatter } from './formatter.js';
import type { Report } from './model.js';
import { printable } from './printable.js';
import { primaryPosition, relativeFile, sortedFindings } from './sarif.js';
import { countSeverities, diffTextLines, formatCount, originLabel, plural, reportTotals } from './storage-text.js';
import { coverageSentence, policiesFound } from './coverage.js';

// GitHub Actions workflow commands: one annotation per finding, on the file and line it is about
// (a policy value, or the first place the image is used). Escaping follows @actions/core's
// command.ts: data escapes % CR LF; property values additionally : and ,. What the runner would not
// decode (other control characters, `##[`, which starts a command anywhere in a line) is made
// printable as in every other format.

export function escapeData(s: string): string {
  return printable(s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A'));
}

export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

type Command = 'error' | 'warning' | 'notice';

export function workflowCommand(command: Command, properties: Array<[string, string | number | undefined]>, message: string): string {
  const props = properties.filter((p): p is [string, string | number] => p[1] !== undefined).map(([k, v]) => `${k}=${escapeProperty(String(v))}`);
  return `::${command}${props.length ? ` ${props.join(',')}` : ''}::${escapeData(message)}`;
}

function annotation(f: Finding, cwd: string): string {
  const command: Command = f.severity === 'error' ? 'error' : f.severity === 'warning' ? 'warning' : 'notice';
  const pos = primaryPosition(f);
  const lines = [f.message];
  // The annotation sits on the first use; the others are listed so none is lost.
  const others = f.location ? (f.origins ?? []) : (f.origins ?? []).slice(1);
  for (const o of others) lines.push(`also used at ${originLabel({ ...o, file: relativeFile(o.file, cwd).path })}`);
  return workflowCommand(
    command,
    [
      ['file', pos ? relativeFile(pos.file, cwd).path : undefined],
      ['line', pos?.line],
      ['col', pos?.column],
      ['endLine', pos?.endLine],
      ['endColumn', pos?.endColumn],
      ['title', f.id],
    ],
    lines.join('\n'),
  );
}

export const formatGithub: Formatter = (report: Report, context: FormatContext) => {
  const cwd = context.cwd ?? process.cwd();
  const out = sortedFindings(report.findings).map((f) => annotation(f, cwd));
  // Incomplete data is a failure of the run, not a finding: still annotated so nobody trusts a partial result.
  for (const r of reportTotals(report).incompleteRepositories) {
    out.push(workflowCommand('error', [['title', r.unreadable ? 'repository-unreadable' : 'repository-incomplete']],
      `${r.repositoryName}${r.registryId ? ` (${r.registryId}${r.region ? ` ${r.region}` : ''})` : ''} could not be read completely: ${r.reason}; its results are incomplete`));
  }
  if (report.coverage) {
    // An empty run is a warning annotation: a green check over nothing read is how policies go unchecked.
    out.push(workflowCommand(policiesFound(report.coverage) === 0 ? 'warning' : 'notice', [['title', 'coverage']], coverageSentence(report.coverage)));
  }
  // The policy change (lint --base, or a plan's prior state) is one notice: it is about the change, not a line.
  if (report.diff) out.push(workflowCommand('notice', [['title', 'policy-change']], diffTextLines(report.diff).join('\n')));
  const c = countSeverities(report.findings);
  out.push(`ecr-lifeguard ${context.command}: ${plural(c.error, 'error')}, ${plural(c.warning, 'warning')}, ${formatCount(c.info)} info`);
  return out.join('\n') + '\n';
};
