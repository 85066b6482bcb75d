import type { Report } from './model.js';

// Formatters are pure: (report, context) => string. The CLI picks one by name and writes the result.

export interface FormatContext {
  colour: boolean;
  /** The command that produced the report (headings differ slightly). */
  command: 'dry-run' | 'audit' | 'lint';
}

export type Formatter = (report: Report, context: FormatContext) => string;
