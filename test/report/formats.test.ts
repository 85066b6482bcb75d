import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyseInputs } from '../../src/core/analysis.js';
import { loadInputs } from '../../src/load/inputs.js';
import { REPORT_FORMATS, renderReport, type ReportFormat } from '../../src/report/index.js';
import type { Report } from '../../src/report/model.js';
import { context, fixture, type FixtureName } from './support.js';

// Every registered format renders every fixture, and the engine's own sample report, the same way twice.

const formats = Object.keys(REPORT_FORMATS) as ReportFormat[];
const commands = { audit: 'audit', lint: 'lint', hostile: 'audit' } as const;

describe('report formats', () => {
  it('registers sarif, markdown, github and html next to table and json', () => {
    expect(formats).toEqual(['table', 'json', 'sarif', 'markdown', 'github', 'html']);
  });

  const cases = formats.flatMap((f) => (['audit', 'lint', 'hostile'] as FixtureName[]).map((n) => [f, n] as const));
  it.each(cases)('%s renders the %s fixture deterministically and does not change the report', async (format, name) => {
    const report = fixture(name);
    const before = JSON.stringify(report);
    const once = await renderReport(report, format, context(commands[name]));
    expect(once.length).toBeGreaterThan(0);
    expect(once.endsWith('\n')).toBe(true);
    expect(await renderReport(fixture(name), format, context(commands[name]))).toBe(once);
    expect(JSON.stringify(report)).toBe(before);
  });

  it('renders the report the engine builds for the sample registry in every format', async () => {
    const root = join(import.meta.dirname, '..', '..');
    const now = Date.parse('2026-11-22T00:00:00Z');
    const inputs = await loadInputs({ snapshot: join(root, 'samples', 'registry') }, now);
    const build = async (): Promise<Report> => (await analyseInputs(inputs, { now, days: 30, inUse: [join(root, 'samples', 'in-use')] })).report;
    const [a, b] = [await build(), await build()];
    for (const format of formats) {
      const out = await renderReport(a, format, context('dry-run'));
      expect(await renderReport(b, format, context('dry-run')), format).toBe(out);
      if (['table', 'markdown', 'html'].includes(format)) for (const r of a.repositories) expect(out, `${format} names ${r.repositoryName}`).toContain(r.repositoryName);
    }
  });
});
