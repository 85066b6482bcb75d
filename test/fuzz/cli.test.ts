import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, cleanEnv, CLI, NOW, ROOT } from '../e2e/support.js';
import { mutatedInput, RAW_CONTROL, seedsUnder, type Seed } from './mutate.js';

// A few dozen mutated inputs through the built command line, as a user runs it, with a heap of 512 MB
// and 60 s each: the exit code is 0, 1, 2 or 3, nothing looks like a stack trace, and no control
// character from the input reaches standard error raw, nor standard output in the human formats.
// (JSON output escapes control characters itself: it is checked for being JSON.)

let work: string;
beforeAll(() => {
  assertBuilt();
  work = mkdtempSync(join(tmpdir(), 'ecr-lifeguard-fuzz-cli-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const BUDGET_MS = 60_000;

function run(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: cleanEnv({ NODE_OPTIONS: '--max-old-space-size=512' }), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), BUDGET_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

type Format = 'json' | 'table' | 'markdown';

function expectWellBehaved(r: Run, format: Format, what: string): void {
  const detail = `${what}\nexit ${r.code} ${r.signal ?? ''}\nstderr: ${JSON.stringify(r.stderr.slice(0, 2000))}`;
  expect([0, 1, 2, 3], detail).toContain(r.code);
  expect(r.stderr, detail).not.toMatch(/^\s+at .*:\d+:\d+\)?$/m);
  expect(r.stderr, detail).not.toMatch(/unexpected error|FATAL ERROR|RangeError|TypeError/);
  expect(RAW_CONTROL.test(r.stderr), detail).toBe(false);
  if (r.code === 2) return; // an input error: the message is on stderr, nothing else is promised
  if (format === 'json') expect(() => JSON.parse(r.stdout), detail).not.toThrow();
  else expect(RAW_CONTROL.test(r.stdout), `${detail}\nstdout has a raw control character`).toBe(false);
}

/** `count` mutated inputs of these seeds, the same ones every run (fast-check's seed is fixed). */
function samples(seeds: Seed[], count: number, seed: number): Array<{ seed: Seed; text: string }> {
  return fc.sample(mutatedInput(seeds), { numRuns: count, seed });
}

let n = 0;
const dirFor = (label: string): string => {
  const dir = join(work, `${label}-${n++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};

const RUNS = Number(process.env.FUZZ_CLI_RUNS ?? 6);

describe('fuzz: the built command line on mutated inputs', () => {
  it('terminal escapes in a describe-images tag, an in-use reference and a policy description are never printed raw', async () => {
    const escapes = '\u001b]52;c;aGk=\u0007\u001b[2J\r';
    const snapshot = dirFor('escapes');
    cpSync(join(ROOT, 'samples', 'registry'), snapshot, { recursive: true });
    const imagesFile = join(snapshot, 'shop', 'api', 'describe-images.json');
    const images = JSON.parse(readFileSync(imagesFile, 'utf8')) as { imageDetails: Array<{ imageTags?: string[] }> };
    images.imageDetails[0]!.imageTags = [`v1${escapes}`];
    writeFileSync(imagesFile, JSON.stringify(images));
    expectWellBehaved(await run(['dry-run', '--snapshot', snapshot, '--now', NOW, '--format', 'table']), 'table', 'a tag with escapes');
    const inUse = dirFor('escapes-in-use');
    writeFileSync(join(inUse, 'images.txt'), `nginx:1\n${escapes}\n`);
    expectWellBehaved(await run(['dry-run', '--snapshot', 'samples/registry', '--in-use', inUse, '--now', NOW, '--format', 'table']), 'table', 'an in-use reference with escapes');
    const policy = join(dirFor('escapes-policy'), 'policy.json');
    writeFileSync(policy, JSON.stringify({ rules: [{ rulePriority: 1, description: `evil ${escapes}`, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } }] }));
    for (const format of ['table', 'json'] as const) expectWellBehaved(await run(['lint', policy, '--format', format]), format, 'a policy description with escapes');
  });

  it('lint of a tree holding a mutated policy source', async () => {
    for (const [i, { seed, text }] of samples(seedsUnder('test/fixtures/sources', 'samples/lint'), RUNS, 1).entries()) {
      const dir = dirFor('lint');
      writeFileSync(join(dir, seed.name), text);
      const format: Format = i % 2 === 0 ? 'json' : 'table';
      expectWellBehaved(await run(['lint', dir, '--format', format]), format, `lint of ${seed.path} mutated`);
    }
  });

  it('dry-run with a mutated --policy', async () => {
    const seeds = seedsUnder('test/fixtures/load/policies', 'samples/lint/state', 'test/fixtures/sources/policies');
    for (const [i, { seed, text }] of samples(seeds, RUNS, 2).entries()) {
      const file = join(dirFor('policy'), 'policy.json');
      writeFileSync(file, text);
      const format: Format = i % 2 === 0 ? 'json' : 'table';
      const args = ['dry-run', '--policy', file, '--images', 'samples/registry/shop/api/describe-images.json', '--manifests', 'samples/registry/shop/api/batch-get-image.json', '--now', NOW, '--format', format];
      expectWellBehaved(await run(args), format, `--policy ${seed.path} mutated`);
    }
  });

  it('dry-run and audit of a snapshot holding a mutated file', async () => {
    const seeds = seedsUnder('samples/registry/shop/api');
    for (const [i, { seed, text }] of samples(seeds, RUNS, 3).entries()) {
      const snapshot = dirFor('snapshot');
      cpSync(join(ROOT, 'samples', 'registry'), snapshot, { recursive: true });
      writeFileSync(join(snapshot, 'shop', 'api', seed.name), text);
      const [command, format]: [string, Format] = i % 3 === 0 ? ['dry-run', 'json'] : i % 3 === 1 ? ['dry-run', 'table'] : ['audit', 'markdown'];
      expectWellBehaved(await run([command, '--snapshot', snapshot, '--now', NOW, '--format', format]), format, `${command} with ${seed.path} mutated`);
    }
  });

  it('dry-run with a mutated --in-use file', async () => {
    for (const [i, { seed, text }] of samples(seedsUnder('test/fixtures/in-use', 'samples/in-use'), RUNS, 4).entries()) {
      const dir = dirFor('in-use');
      writeFileSync(join(dir, seed.name), text);
      const format: Format = i % 2 === 0 ? 'json' : 'table';
      expectWellBehaved(await run(['dry-run', '--snapshot', 'samples/registry', '--in-use', dir, '--now', NOW, '--format', format]), format, `--in-use ${seed.path} mutated`);
    }
  });
});
