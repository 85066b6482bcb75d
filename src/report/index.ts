import type { FormatContext, Formatter } from './formatter.js';
import { formatJson } from './json.js';
import type { Report } from './model.js';
import { formatTable } from './table.js';

// Every report format, by name.
export const REPORT_FORMATS = {
  table: formatTable,
  json: formatJson,
} satisfies Record<string, Formatter>;

export type ReportFormat = keyof typeof REPORT_FORMATS;

export function renderReport(report: Report, format: ReportFormat, context: FormatContext): string {
  return REPORT_FORMATS[format](report, context);
}
