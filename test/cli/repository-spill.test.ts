import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RepositorySpill } from '../../src/cli/repository-spill.js';
import type { ReportRepository } from '../../src/report/model.js';

// merge keeps the shards' repositories in a temporary file and reads each back by offset, in the
// merged report's order: what comes back must be exactly what went in.

const repository = (repositoryName: string, reasons: string[]): ReportRepository =>
  ({
    repositoryName, policyStatus: 'present', complete: true, imageCount: reasons.length, previewResults: [], summary: {}, timeline: [], storage: {}, notes: [],
    images: reasons.map((reason, k) => ({ imageDigest: `sha256:${String(k).padStart(64, '0')}`, imageTags: [`v${k}`, 'é-ü-✓'], imagePushedAt: '2026-05-31T00:00:00.000Z', imageStatus: 'ACTIVE', action: 'KEEP', cause: 'protected', reason })),
  }) as unknown as ReportRepository;

describe('RepositorySpill', () => {
  it('gives back each repository exactly, in any order and as often as asked (non-ASCII text included)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.string({ unit: 'binary', maxLength: 40 }), { maxLength: 6 }), { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 20 }), (reasonLists, picks) => {
        const spill = new RepositorySpill();
        try {
          const stored = reasonLists.map((reasons, i) => repository(`team/app-${i}`, reasons));
          const handles = stored.map((r) => spill.add(r));
          for (const pick of [...picks, ...handles.keys()].reverse()) {
            const k = pick % stored.length;
            expect(spill.get(handles[k]!)).toEqual(stored[k]);
          }
        } finally {
          spill.remove();
        }
      }),
      { numRuns: 100 },
    );
  });

  it('holds a large repository (over 1 MiB as one line) and leaves nothing behind once removed', () => {
    const spill = new RepositorySpill();
    const big = repository('big', Array.from({ length: 20_000 }, (_, k) => `rule ${k % 50} keeps it: rank ${k} of 20000 it selects`));
    const small = repository('small', ['x']);
    const a = spill.add(big);
    const b = spill.add(small);
    expect(spill.get(b)).toEqual(small);
    expect(spill.get(a)).toEqual(big);
    expect(existsSync(spill.dir)).toBe(true);
    expect(spill.dir.startsWith(tmpdir())).toBe(true);
    spill.remove();
    expect(existsSync(spill.dir)).toBe(false);
    spill.remove(); // twice is harmless
  });
});
