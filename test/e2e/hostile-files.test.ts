import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, expectCleanFailure, NOW, ROOT, runCli } from './support.js';

// A FIFO or a device in place of a snapshot file used to hang the command forever (open() waits for a
// writer; /dev/zero never ends). Nothing but a regular file is opened: the command ends at once with
// the file located and exit 2, as for any other file it cannot read.

let work: string;
beforeAll(() => {
  assertBuilt();
  work = mkdtempSync(join(tmpdir(), 'ecr-lifeguard-hostile-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function snapshotWith(name: string, file: string, make: (path: string) => void): string {
  const snapshot = join(work, name);
  cpSync(join(ROOT, 'samples', 'registry'), snapshot, { recursive: true });
  const path = join(snapshot, 'shop', 'web', file);
  rmSync(path);
  make(path);
  return snapshot;
}

const fifo = (path: string): void => expect(spawnSync('mkfifo', [path]).status).toBe(0);

describe('a snapshot holding a file that is not a regular file', () => {
  it.each([
    ['describe-images.json', 'FIFO', fifo, 'a FIFO (named pipe), not a regular file: never opened'],
    ['batch-get-image.json', 'FIFO', fifo, 'a FIFO (named pipe), not a regular file: never opened'],
    ['get-lifecycle-policy.json', 'FIFO', fifo, 'a FIFO (named pipe), not a regular file: never opened'],
    ['describe-images.json', 'link to /dev/zero', (p: string) => symlinkSync('/dev/zero', p), 'a device, not a regular file: never opened'],
  ] as const)('%s as a %s: dry-run and audit end with the file located, exit 2', async (file, what, make, message) => {
    const snapshot = snapshotWith(`${file}-${what.replace(/\W/g, '')}`, file, make);
    for (const command of ['dry-run', 'audit']) {
      const r = await runCli([command, '--snapshot', snapshot, '--now', NOW, '--format', 'json']);
      expectCleanFailure(r);
      expect(r.stderr).toContain(`${join(snapshot, 'shop', 'web', file)}: ${message}; expected a JSON file`);
    }
  });
});
