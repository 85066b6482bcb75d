import type { FormatContext, Formatter } from './formatter.js';
import { formatGithub } from './github.js';
import { formatHtml } from './html.js';
import { formatJson } from './json.js';
import { formatMarkdown } from './markdown.js';
import type { Report } from './model.js';
import { formatSarif } from './sarif.js';
import { formatTable } from './table.js';

// Every report format, by name.
export const REPORT_FORMATS = {
  table: formatTable,
  json: formatJson,
  sarif: formatSarif,
  markdown: formatMarkdown,
  github: formatGithub,
  html: formatHtml,
} satisfies Record<string, Formatter>;

export type ReportFormat = keyof typeof REPORT_FORMATS;

export function renderReport(report: Report, format: ReportFormat, context: FormatContext): string {
  return REPORT_FORMATS[format](report, context);
}
