import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { RepositorySpill } from '../../src/cli/repository-spill.js';
import { UsageError } from '../../src/model/errors.js';
import type { ReportRepository } from '../../src/report/model.js';

// merge keeps the shards' repositories as JSON text, in memory while small, then in a temporary file
// read back by offset, in the merged report's order: what comes back must be exactly what went in.

const repository = (repositoryName: string, reasons: string[]): ReportRepository =>
  ({
    repositoryName, policyStatus: 'present', complete: true, imageCount: reasons.length, previewResults: [], summary: {}, timeline: [], storage: {}, notes: [],
    images: reasons.map((reason, k) => ({ imageDigest: `sha256:${String(k).padStart(64, '0')}`, imageTags: [`v${k}`, 'é-ü-✓'], imagePushedAt: '2026-05-31T00:00:00.000Z', imageStatus: 'ACTIVE', action: 'KEEP', cause: 'protected', reason })),
  }) as unknown as ReportRepository;

const savedTmpdir = process.env.TMPDIR;
afterEach(() => {
  if (savedTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmpdir;
});

describe('RepositorySpill', () => {
  it('gives back each repository exactly, in any order and as often as asked, whether held in memory, moved to a file part-way, or in a file from the start', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.string({ unit: 'binary', maxLength: 40 }), { maxLength: 6 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.constantFrom(0, 300, 1 << 30),
        (reasonLists, picks, heldInMemory) => {
          const spill = new RepositorySpill(heldInMemory);
          try {
            const stored = reasonLists.map((reasons, i) => repository(`team/app-${i}`, reasons));
            const handles = stored.map((r) => spill.add(r));
            expect(handles).toEqual(stored.map((_, i) => i));
            for (const pick of [...picks, ...handles.keys()].reverse()) {
              const k = pick % stored.length;
              expect(spill.get(handles[k]!)).toEqual(stored[k]);
            }
            if (heldInMemory === 0) expect(spill.dir).toBeDefined();
            if (heldInMemory === 1 << 30) expect(spill.dir).toBeUndefined();
          } finally {
            spill.remove();
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('holds a large repository (over 1 MiB as one line) in its file and leaves nothing behind once removed', () => {
    const spill = new RepositorySpill(0);
    const big = repository('big', Array.from({ length: 20_000 }, (_, k) => `rule ${k % 50} keeps it: rank ${k} of 20000 it selects`));
    const small = repository('small', ['x']);
    const a = spill.add(big);
    const b = spill.add(small);
    expect(spill.get(b)).toEqual(small);
    expect(spill.get(a)).toEqual(big);
    expect(existsSync(spill.dir!)).toBe(true);
    expect(spill.dir!.startsWith(tmpdir())).toBe(true);
    spill.remove();
    expect(existsSync(spill.dir!)).toBe(false);
    spill.remove(); // twice is harmless
  });

  it('needs no temporary folder while small; once it does and there is none, says so and what to do', () => {
    process.env.TMPDIR = '/nonexistent/ecr-lifeguard-test';
    const small = new RepositorySpill();
    small.add(repository('a', ['x']));
    expect(small.get(0)).toEqual(repository('a', ['x']));
    small.remove();
    const large = new RepositorySpill(10);
    expect(() => large.add(repository('a', ['a reason longer than ten characters']))).toThrow(UsageError);
    expect(() => new RepositorySpill(10).add(repository('a', ['a reason longer than ten characters']))).toThrow(/merge: the repositories to combine need a temporary file in \/nonexistent\/ecr-lifeguard-test: .*; set TMPDIR to a writable folder/);
    large.remove();
  });
});
