import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sampleInUseFiles, sampleRegistryFiles } from './support/sample-registry.js';

// samples/registry and samples/in-use are generated: this test keeps them identical to the generator.
const root = join(import.meta.dirname, '..', 'samples');
const update = process.env.UPDATE_SAMPLES === '1';

describe.each([
  ['registry', sampleRegistryFiles()],
  ['in-use', sampleInUseFiles()],
])('samples/%s', (folder, files) => {
  it.each([...files.keys()])('%s is up to date', (path) => {
    const file = join(root, folder, path);
    if (update) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, files.get(path)!);
    }
    expect(existsSync(file), `${file} missing: run UPDATE_SAMPLES=1 npx vitest run test/samples.test.ts`).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(files.get(path));
  });
});
