import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { stopWrites, writeFileAtomic } from '../../src/aws/atomic-write.js';

// An interrupted command (main.ts's signal handler) calls stopWrites before removing its temporary
// files and exiting: writes under way finish or clean up after themselves, and no new one starts. In a
// file of its own: after stopWrites, this module refuses every write.

const dir = mkdtempSync(join(tmpdir(), 'interrupted-writes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('writes under way finish before the command exits, no temporary file is left, and no new write starts', async () => {
  const cache = join(dir, 'cache', 'sha256');
  const size = 64 * 1024 * 1024;
  const writing = writeFileAtomic(join(cache, 'big.json'), new Uint8Array(size).fill(120));
  // Large enough to be under way when the signal comes: its temporary file exists, the target not yet.
  let names: string[] = [];
  for (let polls = 0; !names.some((n) => n.endsWith('.tmp')); polls++) {
    expect(polls).toBeLessThan(100_000);
    await new Promise((r) => setImmediate(r));
    try {
      names = readdirSync(cache);
    } catch {
      names = []; // the folder is not made yet
    }
  }
  expect(names).not.toContain('big.json');
  await stopWrites(30_000);
  expect(readdirSync(cache)).toEqual(['big.json']);
  expect(statSync(join(cache, 'big.json')).size).toBe(size);
  await writing;
  await expect(writeFileAtomic(join(cache, 'later.json'), '{}')).rejects.toThrow(/cannot write .*later\.json: the command was interrupted/);
  expect(readdirSync(cache)).toEqual(['big.json']);
});
