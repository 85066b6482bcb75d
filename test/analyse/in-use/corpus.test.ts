import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInUse, type ReadContext } from '../../../src/analyse/in-use/index.js';

// The in-use corpus: one folder per shape met in public repositories (each expected.json names them),
// written for this project, with the references a careful reader finds in it. Every folder is read as
// a user passes it to --in-use.

const CORPUS = join(import.meta.dirname, '../../fixtures/in-use/corpus');

interface Expected {
  notes: string;
  registry?: ReadContext['registry'];
  /** ECR references: file (relative to the folder), line, reference. */
  uses: Array<[string, number, string]>;
  unresolvable?: Array<[string, number]>;
  otherRegistries?: number;
  replaced?: number;
  skipped?: string[];
  warnings?: Array<[string, number, string]>;
  noWarnings?: boolean;
  secrets?: string[];
}

const cases = readdirSync(CORPUS, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

async function read(name: string) {
  const dir = join(CORPUS, name);
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected;
  const r = await loadInUse([dir], expected.registry ? { registry: expected.registry } : {});
  const rel = (f: string) => relative(dir, f).split('\\').join('/');
  return { dir, expected, r, rel };
}

describe('in-use corpus', () => {
  it('has a folder per shape, each naming the public files that showed it', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
    for (const name of cases) {
      const expected = JSON.parse(readFileSync(join(CORPUS, name, 'expected.json'), 'utf8')) as Expected;
      expect(expected.notes.length, name).toBeGreaterThan(40);
    }
  });

  it.each(cases)('%s: every reference found is one a careful reader finds, none invented, nothing aborts', async (name) => {
    const { expected, r, rel } = await read(name);
    expect(r.fatal).toEqual([]);
    const found = r.uses.map((u) => [rel(u.origin.file), u.origin.line, u.reference.raw]);
    for (const f of found) expect(expected.uses, `${name}: invented ${JSON.stringify(f)}`).toContainEqual(f);
    expect(r.unresolvable.map((u) => [rel(u.origin.file), u.origin.line]).sort()).toEqual((expected.unresolvable ?? []).sort());
    expect(r.otherRegistryCount).toBe(expected.otherRegistries ?? 0);
    if (expected.replaced !== undefined) expect(r.coverage.replaced).toBe(expected.replaced);
    const skipped = r.coverage.skipped.flatMap((s) => s.examples.map(rel));
    for (const s of expected.skipped ?? []) expect(skipped).toContain(s);
    if (expected.noWarnings) expect(r.problems).toEqual([]);
    for (const [file, line, code] of expected.warnings ?? []) {
      expect(r.problems.map((p) => [rel(p.location.file), p.location.line, p.code])).toContainEqual([file, line, code]);
    }
    // Nothing from a file that is no source reaches a message or the coverage.
    const said = JSON.stringify([r.problems, r.coverage]);
    for (const secret of expected.secrets ?? []) expect(said).not.toContain(secret);
  });

  it('finds at least 95% of the references at the right line, over the whole corpus', async () => {
    let wanted = 0;
    let right = 0;
    for (const name of cases) {
      const { expected, r, rel } = await read(name);
      const found = new Set(r.uses.map((u) => JSON.stringify([rel(u.origin.file), u.origin.line, u.reference.raw])));
      const unresolvable = new Set(r.unresolvable.map((u) => JSON.stringify([rel(u.origin.file), u.origin.line])));
      for (const u of expected.uses) {
        wanted++;
        if (found.has(JSON.stringify(u))) right++;
      }
      for (const u of expected.unresolvable ?? []) {
        wanted++;
        if (unresolvable.has(JSON.stringify(u))) right++;
      }
    }
    expect(wanted).toBeGreaterThanOrEqual(60);
    expect(right / wanted).toBeGreaterThanOrEqual(0.95);
  });

  it('each expected line holds what it names (the expectations are checked against the files)', () => {
    for (const name of cases) {
      const expected = JSON.parse(readFileSync(join(CORPUS, name, 'expected.json'), 'utf8')) as Expected;
      for (const [file, line, raw] of expected.uses) {
        const text = readFileSync(join(CORPUS, name, file), 'utf8').split('\n')[line - 1] ?? '';
        // The repository path is written on that line (kustomize and Helm compose the rest from nearby fields).
        const repository = raw.replace(/^[^/]*\.[^/]*\//, '').replace(/[:@].*$/, '').split('/').pop()!;
        expect(text, `${name}/${file}:${line}`).toMatch(new RegExp(`${repository.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}|name|tag|image|Image`));
      }
    }
  });
});
