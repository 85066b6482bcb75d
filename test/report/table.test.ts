import fc from 'fast-check';
import Table from 'cli-table3';
import { describe, expect, it } from 'vitest';
import { drawTable, ROWS_PER_CHUNK } from '../../src/report/table.js';
import { palette } from '../../src/report/colour.js';

// The verdict table is drawn in chunks (cli-table3's layout is quadratic in the rows): the text must
// be exactly what one cli-table3 table of all the rows gives.

const p = palette(true);
const word = fc.oneof(
  fc.constantFrom('KEEP', 'EXPIRE', 'sha256:0123456789ab', 'v1.2.3', 'feature-checkout-123', 'rule 5 keeps it:', 'rank 1 of 701', '[in use: 2]', '-', ''),
  fc.constantFrom('a-very-long-tag-name-that-does-not-fit-in-any-column-of-this-table', 'averyveryverylongwordwithoutanybreaks'),
  fc.constantFrom('EXPIRE', 'TRANSITION', 'KEEP', 'reason').map((w) => p.red(w)),
  fc.constantFrom('TRANSITION', 'KEEP (archived)').map((w) => p.yellow(w)),
);
const cell = fc.array(word, { maxLength: 14 }).map((words) => words.join(' '));

function oneTable(head: string[], colWidths: number[], rows: string[][]): string {
  const table = new Table({ head, style: { head: [], border: [] }, wordWrap: true, colWidths });
  for (const row of rows) table.push(row);
  return table.toString();
}

describe('drawTable', () => {
  it('gives the text of one cli-table3 table, whatever the chunk size (random cells: colours, long words, wrapping)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 4, max: 40 }), { minLength: 1, maxLength: 7 }).chain((widths) =>
          fc.tuple(fc.constant(widths), fc.array(fc.array(cell, { minLength: widths.length, maxLength: widths.length }), { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 5 })),
        ),
        ([widths, rows, chunk]) => {
          const head = widths.map((_, k) => p.bold(`Column ${k}`));
          expect(drawTable(head, widths, rows, chunk)).toBe(oneTable(head, widths, rows));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('draws the report\'s shape in chunks of ROWS_PER_CHUNK exactly as one table', () => {
    const widths = [22, 30, 12, 12, 8, 56];
    const rows = Array.from({ length: ROWS_PER_CHUNK * 2 + 3 }, (_, i) => [
      `sha256:${String(i).padStart(12, '0')}`, i % 5 ? `v1.${i}, tag-${i}` : '', '2026-05-31', i % 3 ? p.green('KEEP') : p.red('EXPIRE'), `kept ${i % 50}`,
      `rule ${i % 50} keeps it: rank ${i} of 701 it selects, within the newest 400${i % 7 ? '' : ' [in use: 1] with a longer reason that wraps'}`,
    ]);
    const head = ['Image', 'Tags', 'Pushed', 'Verdict', 'Rule', 'Why'];
    expect(drawTable(head, widths, rows)).toBe(oneTable(head, widths, rows));
  });
});
