import type { FormatContext, Formatter } from './formatter.js';
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
