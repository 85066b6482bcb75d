import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatJson, JsonReportWriter, stringifyAt, writeJsonReport } from '../../src/report/json.js';
import type { Report, ReportRepository } from '../../src/report/model.js';
import { context, fixture, type FixtureName } from './support.js';

// The streamed JSON (dry-run and audit write reports of any size in chunks) must be byte for byte
// what formatJson prints.

const chunksOf = (fn: (write: (chunk: string) => void) => void): string[] => {
  const chunks: string[] = [];
  fn((c) => chunks.push(c));
  return chunks;
};

function streamedByRepository(report: Report): string {
  return chunksOf((write) => {
    const w = new JsonReportWriter(write);
    const { tool, now, days, repositories, ...rest } = report;
    w.begin({ tool, now, days });
    repositories.forEach((r) => w.repository(r));
    w.end(rest);
  }).join('');
}

/** A report with what JSON.stringify treats specially: undefined members, empty lists and objects, nesting. */
function awkward(): Report {
  const repository = {
    repositoryName: 'team/api', policyStatus: 'present', complete: true, incompleteReason: undefined,
    previewResults: [], summary: { expiringImageTotalCount: 0 }, timeline: [], notes: ['a "quoted"\nline'],
    images: [{ imageDigest: 'sha256:aa', imageTags: [], nested: { deeper: { list: [1, { x: undefined, y: [] }] } } }],
    storage: { now: {}, images: [{ shared: [], exclusive: ['sha256:bb'] }], sharedBlobs: [], byDay: [undefined, null] },
  } as unknown as ReportRepository;
  return { tool: { name: 't', version: '1' }, now: '2026-01-01T00:00:00.000Z', days: 0, repositories: [repository, { ...repository, images: [] }], findings: [], storage: undefined };
}

describe('streamed JSON report', () => {
  const reports: Array<[string, () => Report]> = [
    ...(['audit', 'lint', 'hostile'] as FixtureName[]).map((n): [string, () => Report] => [n, () => fixture(n)]),
    ['awkward values', awkward],
    ['no repositories', () => ({ ...awkward(), repositories: [] })],
  ];
  for (const [name, make] of reports) {
    it(`writes the bytes formatJson prints: ${name}`, () => {
      const report = make();
      const expected = formatJson(report, context('audit'));
      expect(chunksOf((write) => writeJsonReport(report, write)).join('')).toBe(expected);
      expect(streamedByRepository(report)).toBe(expected);
    });
  }

  it('hands a large report over in chunks, none of them the whole report', () => {
    const base = awkward();
    const images = Array.from({ length: 20_000 }, (_, k) => ({ imageDigest: `sha256:${k}`, imageTags: [`v${k}`], reason: 'x'.repeat(60) }));
    const report = { ...base, repositories: [{ ...base.repositories[0]!, images } as unknown as ReportRepository] };
    const chunks = chunksOf((write) => writeJsonReport(report, write));
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join('')).toBe(formatJson(report, context('dry-run')));
  });

  it('stringifyAt equals JSON.stringify re-indented to its depth, for any JSON value and depth', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 0, max: 6 }), (value, depth) => {
        const expected = JSON.stringify(value, null, 2).replace(/\n/g, `\n${'  '.repeat(depth)}`);
        expect(stringifyAt(value, depth)).toBe(expected);
      }),
    );
  });
});
