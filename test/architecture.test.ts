import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// Data flows one way. Each stage may import only the stages listed for it (and itself). From the
// bottom: model; the engine (simulate, load, analyse, report, lint); core, which joins them into what
// a command or a library caller runs; then the two entries on top, the CLI and the library (index).
// Nothing below the CLI imports it, and the library entry does not load the CLI or the AWS adapter.
const SRC = join(import.meta.dirname, '..', 'src');
const ALLOWED: Record<string, string[]> = {
  model: [],
  simulate: ['model'],
  load: ['model', 'version'],
  analyse: ['model', 'simulate', 'load'],
  report: ['model', 'simulate', 'analyse', 'verify', 'version'],
  lint: ['model', 'simulate', 'load', 'analyse', 'report', 'version'],
  aws: ['model'],
  verify: ['model', 'simulate', 'load'],
  bench: ['model', 'simulate', 'load', 'analyse', 'report'],
  core: ['model', 'simulate', 'load', 'analyse', 'report', 'lint', 'version'],
  cli: ['model', 'simulate', 'load', 'analyse', 'report', 'lint', 'aws', 'core', 'verify', 'version'],
  index: ['model', 'simulate', 'load', 'analyse', 'report', 'lint', 'core', 'version'],
  version: [],
};

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

const stageOf = (file: string) => relative(SRC, file).split(/[\\/]/)[0]!.replace(/\.[jt]s$/, '');

describe('architecture: one folder per stage, data flows one way', () => {
  const all = files(SRC);
  it('the CLI sits above the core: no stage the CLI may import may import the CLI', () => {
    const below = Object.entries(ALLOWED).filter(([stage]) => stage !== 'cli' && ALLOWED.cli!.includes(stage));
    expect(below.map(([stage]) => stage)).toContain('core');
    expect(below.filter(([, allowed]) => allowed.includes('cli'))).toEqual([]);
    expect(ALLOWED.index).not.toContain('cli');
  });

  it('every top-level entry of src/ is a known stage', () => {
    expect([...new Set(all.map(stageOf))].filter((s) => !(s in ALLOWED))).toEqual([]);
  });

  it.each(all.map((f) => [relative(SRC, f), f]))('%s imports only lower stages', (_name, file) => {
    const stage = stageOf(file);
    const imports = [...readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
    const bad = imports
      .map((spec) => stageOf(resolve(dirname(file), spec)))
      .filter((target) => target !== stage && !ALLOWED[stage]!.includes(target));
    expect(bad, `${relative(SRC, file)} imports ${bad.join(', ')}`).toEqual([]);
  });
});
