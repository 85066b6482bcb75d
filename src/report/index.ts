import type { FormatContext, Formatter, PartsFormatter } from './formatter.js';
import type { Report } from './model.js';

// Every report format, by name. Each formatter is loaded only when used: a pre-commit `lint` run
// that prints JSON should not pay for SARIF's rule catalogue or the HTML report's assets.
export const REPORT_FORMATS = {
  table: async () => (await import('./table.js')).formatTable,
  json: async () => (await import('./json.js')).formatJson,
  sarif: async () => (await import('./sarif.js')).formatSarif,
  markdown: async () => (await import('./markdown.js')).formatMarkdown,
  github: async () => (await import('./github.js')).formatGithub,
  html: async () => (await import('./html.js')).formatHtml,
} satisfies Record<string, () => Promise<Formatter>>;

export type ReportFormat = keyof typeof REPORT_FORMATS;

export async function renderReport(report: Report, format: ReportFormat, context: FormatContext): Promise<string> {
  return (await REPORT_FORMATS[format]())(report, context);
}

/** The formats an audit may render for a whole registry, as parts (see PartsFormatter). */
const PARTS_FORMATS: Partial<Record<ReportFormat, () => Promise<PartsFormatter>>> = {
  table: async () => (await import('./table.js')).tableParts,
  markdown: async () => (await import('./markdown.js')).markdownParts,
  html: async () => (await import('./html.js')).htmlParts,
};

/** The report as pieces to write in order: the same text as renderReport, and for table, markdown and html no piece holding the whole report (see PartsFormatter). */
export async function renderReportParts(report: Report, format: ReportFormat, context: FormatContext): Promise<string[]> {
  const parts = PARTS_FORMATS[format];
  return parts ? (await parts())(report, context) : [await renderReport(report, format, context)];
}
