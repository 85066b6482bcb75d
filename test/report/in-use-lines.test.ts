import { describe, expect, it } from 'vitest';
import { inUseLines } from '../../src/report/storage-text.js';
import { renderReport } from '../../src/report/index.js';
import type { Report } from '../../src/report/model.js';

const inUse: NonNullable<Report['inUse']> = {
  references: 14, otherRegistries: 2, filesRead: 4, bySource: { kubernetes: 9, 'helm-values': 3, list: 2 }, unresolvable: 3, replaced: 1, filesWithProblems: 1,
  skipped: [
    { reason: 'not an in-use source', count: 5, examples: ['a.sh', 'b.conf', 'c'] },
    { reason: 'a hidden file that is no known in-use source (not opened)', count: 1, examples: ['.env'] },
  ],
};

describe('in-use coverage in the human formats', () => {
  it('says what was read, per source kind, what could not be resolved, and what was skipped and why', () => {
    expect(inUseLines({ inUse })).toEqual([
      'In use: 14 references from --in-use (4 files: kubernetes 9, helm-values 3, list 2); 2 name other registries and are not checked; 3 uses cannot be resolved (placeholders, build args, deploy-time values: see the warnings); 1 image replaced by kustomize overrides; 1 file read with warnings',
      'Skipped: 6 files: 5 not an in-use source (a.sh, b.conf, c, ...); 1 a hidden file that is no known in-use source (not opened) (.env)',
    ]);
  });

  it('a run without --in-use says so; a report without the field (older merges) says nothing', () => {
    expect(inUseLines({ inUse: { references: 0, otherRegistries: 0, none: true } })).toEqual(['In use: no --in-use source was given: only images ECR recorded a recent pull of count as in use']);
    expect(inUseLines({})).toEqual([]);
  });

  it.each(['table', 'markdown', 'html'] as const)('%s prints both lines', async (format) => {
    const report: Report = { tool: { name: 'ecr-lifeguard', version: '0' }, now: '2026-11-22T00:00:00.000Z', days: 0, repositories: [], findings: [], inUse };
    const text = await renderReport(report, format, { colour: false, command: 'audit' });
    expect(text).toContain('In use: 14 references from --in-use (4 files: kubernetes 9, helm-values 3, list 2)');
    expect(text).toContain('Skipped: 6 files: 5 not an in-use source (a.sh, b.conf, c, ...)');
  });
});
