import { describe, expect, it } from 'vitest';
import { inChunks, joinedParts } from '../../src/report/formatter.js';
import { renderReport, renderReportParts, type ReportFormat } from '../../src/report/index.js';
import type { Report } from '../../src/report/model.js';
import { context, fixture } from './support.js';

// The audit writes its human formats in parts: a registry-wide report can be longer than the longest
// string V8 holds. The parts must give exactly the text of the format, and no part may grow with the
// number of repositories.

/** The audit fixture with its repositories repeated `times` times under new names. */
function manyRepositories(times: number): Report {
  const report = fixture('audit');
  const repositories = Array.from({ length: times }, (_, k) => report.repositories.map((r) => ({ ...r, repositoryName: `${r.repositoryName}-${k}` }))).flat();
  return { ...report, repositories };
}

describe('renderReportParts', () => {
  for (const format of ['table', 'markdown', 'html', 'json'] as ReportFormat[]) {
    it(`${format}: the parts joined are the format's text`, async () => {
      for (const report of [fixture('audit'), manyRepositories(3)]) {
        for (const colour of [false, true]) {
          const ctx = { ...context('audit'), colour };
          expect((await renderReportParts(report, format, ctx)).join('')).toBe(await renderReport(report, format, ctx));
        }
      }
    });
  }

  for (const format of ['table', 'markdown', 'html'] as ReportFormat[]) {
    it(`${format}: no part grows with the number of repositories`, async () => {
      const longest = async (times: number) => Math.max(...(await renderReportParts(manyRepositories(times), format, context('audit'))).map((p) => p.length));
      const total = (await renderReport(manyRepositories(40), format, context('audit'))).length;
      const [at10, at40] = [await longest(10), await longest(40)];
      // The repository table and the findings grow, but slower than the whole (each part is one section).
      expect(at40).toBeLessThan(total / 4);
      expect(at40 / at10).toBeLessThan(4);
    });
  }
});

describe('joinedParts and inChunks', () => {
  it('joinedParts concatenates to join(separator); inChunks keeps the text and gathers small pieces', () => {
    for (const items of [[], [''], ['a'], ['a', 'b', ''], ['x'.repeat(10), '', 'yy']]) {
      expect(joinedParts(items, '\n').join('')).toBe(items.join('\n'));
    }
    const pieces = Array.from({ length: 1000 }, (_, k) => `line ${k}\n`);
    const chunks = [...inChunks(pieces, 100)];
    expect(chunks.join('')).toBe(pieces.join(''));
    expect(chunks.length).toBeLessThan(pieces.length / 10);
    expect([...inChunks(['x'.repeat(500), 'y'], 100)]).toEqual(['x'.repeat(500), 'y']);
    expect([...inChunks([])]).toEqual([]);
  });
});
