import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FormatContext } from '../../src/report/formatter.js';
import type { Report } from '../../src/report/model.js';

// Fixture reports (test/fixtures/report) and the context every formatter test renders with.

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'report');

export type FixtureName = 'audit' | 'lint' | 'hostile';

/** A fresh copy each call, so a test may mutate it. */
export function fixture(name: FixtureName): Report {
  return JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Report;
}

/** A fixed working directory: output must not depend on where the tests run. */
export const CWD = '/work/repo';

export function context(command: FormatContext['command'], extra: Partial<FormatContext> = {}): FormatContext {
  return { colour: false, command, cwd: CWD, ...extra };
}

/** Same findings, another order: formatters must sort. */
export function shuffled(report: Report): Report {
  return { ...report, findings: [...report.findings].reverse(), repositories: [...report.repositories].reverse() };
}
