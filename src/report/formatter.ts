import type { CheckMeta } from '../analyse/checks/types.js';
import type { Report } from './model.js';

// Formatters are pure: (report, context) => string. The CLI picks one by name and writes the result.

export interface FormatContext {
  colour: boolean;
  /** The command that produced the report (headings differ slightly). */
  command: 'dry-run' | 'audit' | 'lint';
  /** Every check that could have run (SARIF rules, docs links); default: the check registry. */
  checks?: CheckMeta[];
  /** Directory file paths are made relative to (SARIF, GitHub annotations); default: the process's. */
  cwd?: string;
}

export type Formatter = (report: Report, context: FormatContext) => string;
