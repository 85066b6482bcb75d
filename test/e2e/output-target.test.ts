import { execFileSync, spawn } from 'node:child_process';
import { createReadStream, lstatSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertBuilt, CLI, NOW, ROOT } from './support.js';

// --output is atomic for regular files, but must never rename over a device or FIFO: with
// `--output /dev/null` as root, a rename replaced the device with a regular file. A FIFO stands in
// for /dev/null here so a regression cannot break the machine.

const commands: Array<[string, string[]]> = [
  ['dry-run', ['dry-run', '--snapshot', 'samples/registry', '--now', NOW, '--format', 'json', '--fail-on', 'never']],
  ['audit', ['audit', '--snapshot', 'samples/registry', '--now', NOW, '--format', 'json', '--fail-on', 'never']],
  ['lint', ['lint', 'samples/lint/state', '--format', 'json', '--fail-on', 'never']],
];

describe('--output to something that is not a regular file', () => {
  it.each(commands)('%s writes into a FIFO and leaves it a FIFO', async (_name, args) => {
    assertBuilt();
    const dir = mkdtempSync(join(tmpdir(), 'lifeguard-fifo-'));
    const fifo = join(dir, 'out');
    execFileSync('mkfifo', [fifo]);
    const received = new Promise<string>((resolve, reject) => {
      let text = '';
      createReadStream(fifo, 'utf8').on('data', (c) => (text += c)).on('end', () => resolve(text)).on('error', reject);
    });
    const code = await new Promise<number | null>((resolve) => {
      spawn('node', [CLI, ...args, '--output', fifo], { cwd: ROOT, stdio: 'ignore' }).on('close', resolve);
    });
    expect(code).toBe(0);
    // Checked before reading: had the CLI renamed a file over the FIFO, the reader would wait forever.
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(dir)).toEqual(['out']);
    expect(JSON.parse(await received)).toMatchObject({ tool: { name: 'ecr-lifeguard' } });
  });

  it('a regular file is replaced whole, with no temporary file left beside it', async () => {
    assertBuilt();
    const dir = mkdtempSync(join(tmpdir(), 'lifeguard-out-'));
    const file = join(dir, 'report.json');
    execFileSync('node', [CLI, ...commands[0]![1], '--output', file], { cwd: ROOT });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ tool: { name: 'ecr-lifeguard' } });
    expect(readdirSync(dir)).toEqual(['report.json']);
  });
});
