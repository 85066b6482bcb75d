import { describe, expect, it } from 'vitest';
import { ChunkedWriter, joinedParts } from '../../src/report/formatter.js';
import { renderReport, renderReportParts, type ReportFormat } from '../../src/report/index.js';
import type { Report } from '../../src/report/model.js';
import { context, fixture } from './support.js';

// The audit writes its human formats in parts: a registry-wide report can be longer than the longest
// string V8 holds. The parts must give exactly the text of the format (the formatters' own text is
// pinned by the format tests and the end-to-end tests), and no part may hold the whole report.

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

  it('no part holds the whole report: table and Markdown parts do not grow with the repositories, HTML\'s by one table row each', async () => {
    const perCopy = fixture('audit').repositories.length;
    for (const format of ['table', 'markdown', 'html'] as ReportFormat[]) {
      const longest = async (times: number) => Math.max(...(await renderReportParts(manyRepositories(times), format, context('audit'))).map((p) => p.length));
      const total = (await renderReport(manyRepositories(40), format, context('audit'))).length;
      const [at10, at40] = [await longest(10), await longest(40)];
      expect(at40, format).toBeLessThan(total / 4);
      // HTML's repositories-by-risk table is one part: a row (about 300 characters) per repository.
      if (format === 'html') expect((at40 - at10) / (30 * perCopy), format).toBeLessThan(1000);
      else expect(at40, format).toBe(at10);
    }
  });
});

/** What a ChunkedWriter of `size` writes for these pieces. */
function chunksOf(pieces: readonly string[], size?: number): string[] {
  const written: string[] = [];
  const writer = new ChunkedWriter((c) => written.push(c), size);
  for (const p of pieces) writer.push(p);
  writer.flush();
  return written;
}

describe('joinedParts and ChunkedWriter', () => {
  it('joinedParts concatenates to join(separator); ChunkedWriter keeps the text and gathers small pieces', () => {
    for (const items of [[], [''], ['a'], ['a', 'b', ''], ['x'.repeat(10), '', 'yy']]) {
      expect(joinedParts(items, '\n').join('')).toBe(items.join('\n'));
    }
    const pieces = Array.from({ length: 1000 }, (_, k) => `line ${k}\n`);
    const chunks = chunksOf(pieces, 100);
    expect(chunks.join('')).toBe(pieces.join(''));
    expect(chunks.length).toBeLessThan(pieces.length / 10);
    expect(chunksOf(['x'.repeat(500), 'y'], 100)).toEqual(['x'.repeat(500), 'y']);
    expect(chunksOf([])).toEqual([]);
  });
});
