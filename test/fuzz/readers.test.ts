import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseInUseText } from '../../src/analyse/in-use/index.js';
import { parseConfigText } from '../../src/lint/config.js';
import { parseDescribeImages } from '../../src/load/images.js';
import { parseJsonDocument } from '../../src/load/json-document.js';
import { KIND_LABELS, type InputKind } from '../../src/load/kinds.js';
import { parseBatchGetImage } from '../../src/load/manifests.js';
import { loadPolicyFile, parsePolicyText } from '../../src/load/policy.js';
import { loadSnapshot, SNAPSHOT_FILES } from '../../src/load/snapshot.js';
import { extractPolicySources } from '../../src/load/sources/index.js';
import { readYamlDocuments } from '../../src/load/yaml-library.js';
import { InputError } from '../../src/model/errors.js';
import { mutatedInput, ROOT, seedsUnder, type Seed } from './mutate.js';

// Every reader, fed mutated fixtures in process: it returns, or throws an InputError (a located
// problem, exit 2); any other exception is a crash (a stack trace for the user). Hangs and runaway
// memory fail through the test timeout and the heap bound below.

const work = mkdtempSync(join(tmpdir(), 'ecr-lifeguard-fuzz-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Reader {
  name: string;
  seeds: Seed[];
  read(seed: Seed, text: string): unknown;
  /** Input kinds (kinds.ts) this reader covers. */
  kinds?: InputKind[];
}

const json = (seed: Seed, text: string) => parseJsonDocument(text, seed.path);
let fileCount = 0;
/** The text as a file of the seed's name, in a folder of its own. */
function asFile(seed: Seed, text: string): string {
  const dir = join(work, `f${fileCount++}`);
  cpSync(join(ROOT, seed.path), join(dir, seed.name)); // the seed's own mode and name
  writeFileSync(join(dir, seed.name), text);
  return join(dir, seed.name);
}

const SNAPSHOT_SEEDS = seedsUnder('samples/registry/shop/web');

const READERS: Reader[] = [
  {
    name: 'lifecycle policy text',
    kinds: ['policy'],
    seeds: seedsUnder('test/fixtures/load/policies', 'test/fixtures/sources/policies', 'test/fixtures/conformance').filter((s) => s.name.endsWith('.json')),
    read: (seed, text) => parsePolicyText(text, { file: seed.path }),
  },
  {
    name: 'policy file (raw or get-lifecycle-policy)',
    kinds: ['policy', 'get-lifecycle-policy'],
    seeds: seedsUnder('test/fixtures/load/policies', 'samples/lint/state'),
    read: (seed, text) => loadPolicyFile(asFile(seed, text)),
  },
  {
    name: 'describe-images',
    kinds: ['describe-images'],
    seeds: SNAPSHOT_SEEDS.filter((s) => s.name === SNAPSHOT_FILES.images),
    read: (seed, text) => parseDescribeImages(json(seed, text)),
  },
  {
    name: 'batch-get-image',
    kinds: ['batch-get-image'],
    seeds: SNAPSHOT_SEEDS.filter((s) => s.name === SNAPSHOT_FILES.manifests),
    read: (seed, text) => parseBatchGetImage(json(seed, text)),
  },
  {
    name: 'snapshot folder (each file of a repository)',
    kinds: ['registry', 'describe-images', 'batch-get-image', 'get-lifecycle-policy'],
    seeds: [...SNAPSHOT_SEEDS, ...seedsUnder('samples/registry').filter((s) => s.name === SNAPSHOT_FILES.registry)],
    read: async (seed, text) => {
      const dir = join(work, `s${fileCount++}`);
      cpSync(join(ROOT, 'samples', 'registry', 'registry.json'), join(dir, 'registry.json'));
      cpSync(join(ROOT, 'samples', 'registry', 'shop', 'web'), join(dir, 'shop', 'web'), { recursive: true });
      writeFileSync(join(dir, seed.name === SNAPSHOT_FILES.registry ? '' : join('shop', 'web'), seed.name), text);
      return loadSnapshot(dir);
    },
  },
  {
    name: 'in-use sources (every format, by its fixtures)',
    seeds: seedsUnder('test/fixtures/in-use', 'samples/in-use'),
    read: (seed, text) => parseInUseText(seed.path, text),
  },
  {
    name: 'lint policy sources (every format, by its fixtures)',
    seeds: seedsUnder('test/fixtures/sources', 'samples/lint'),
    read: (seed, text) => extractPolicySources(seed.path, text),
  },
  {
    name: 'YAML reader',
    seeds: [...seedsUnder('test/fixtures/in-use', 'test/fixtures/sources', 'samples/lint')].filter((s) => /\.ya?ml$/.test(s.name)),
    read: (_seed, text) => readYamlDocuments(text),
  },
  {
    name: 'lint configuration',
    seeds: seedsUnder('test/fixtures/lint/config').filter((s) => s.name.endsWith('.json')),
    read: (seed, text) => parseConfigText(text, seed.path),
  },
];

const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
/** The heap after a reader's runs, with what it holds collected: a reader that keeps expansions alive fails here. */
const HEAP_LIMIT = 1024 * 1024 * 1024;

describe('fuzz: every reader returns or throws a located InputError', () => {
  it('covers every input kind', () => {
    const covered = new Set(READERS.flatMap((r) => r.kinds ?? []));
    expect(Object.keys(KIND_LABELS).filter((k) => !covered.has(k as InputKind))).toEqual([]);
  });

  for (const reader of READERS) {
    it(`${reader.name} (${reader.seeds.length} seeds)`, async () => {
      expect(reader.seeds.length).toBeGreaterThan(0);
      await fc.assert(
        fc.asyncProperty(mutatedInput(reader.seeds), async ({ seed, text }) => {
          try {
            await reader.read(seed, text);
          } catch (e) {
            if (e instanceof InputError) {
              for (const p of e.problems) expect(p.location.file).toBeTruthy();
              return;
            }
            throw e;
          }
        }),
        { numRuns: RUNS, seed: 15, endOnFailure: true },
      );
      expect(process.memoryUsage().heapUsed).toBeLessThan(HEAP_LIMIT);
    });
  }
});
