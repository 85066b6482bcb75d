import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/io.js';
import { openOutput } from '../../src/cli/output.js';

// --output FILE is replaced whole or not at all, and its temporary file never outlives the run,
// whichever step fails.

const scratch: string[] = [];
/** A scratch folder, removed after the file's tests. */
function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

function io(cwd: string, printed: string[] = []): CliIO {
  return { stdout: (t) => void printed.push(t), stderr: () => {}, stdoutIsTTY: false, stderrIsTTY: false, env: {}, cwd, clock: () => 0 };
}

describe('openOutput to a regular file', () => {
  it('publishes on close, and abort after close changes nothing', async () => {
    const dir = scratchDir('open-output-');
    const out = openOutput('report.json', io(dir));
    out.write('{"a":');
    out.write('1}\n');
    await out.close();
    out.abort();
    expect(readFileSync(join(dir, 'report.json'), 'utf8')).toBe('{"a":1}\n');
    expect(readdirSync(dir)).toEqual(['report.json']);
  });

  it('abort before close leaves the previous file untouched and no temporary file', () => {
    const dir = scratchDir('open-output-');
    writeFileSync(join(dir, 'report.json'), 'previous');
    const out = openOutput('report.json', io(dir));
    out.write('half a rep');
    out.abort();
    expect(readFileSync(join(dir, 'report.json'), 'utf8')).toBe('previous');
    expect(readdirSync(dir)).toEqual(['report.json']);
  });

  it('a failed rename (the target became a directory) leaves no temporary file once aborted', async () => {
    const dir = scratchDir('open-output-');
    const out = openOutput('report.json', io(dir));
    out.write('{}\n');
    mkdirSync(join(dir, 'report.json'));
    writeFileSync(join(dir, 'report.json', 'inside'), 'x');
    await expect(out.close()).rejects.toThrow(/--output report.json: cannot write the report/);
    out.abort();
    expect(readdirSync(dir)).toEqual(['report.json']);
  });
});

describe('openOutput to standard output', () => {
  const tmp = process.env.TMPDIR;
  afterEach(() => {
    if (tmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = tmp;
  });
  /** A private TMPDIR, to see that no spool file is left behind. */
  function privateTmp(): string {
    const dir = scratchDir('open-output-stdout-');
    process.env.TMPDIR = dir;
    return dir;
  }

  it('prints nothing until the report is whole, and nothing at all when aborted', async () => {
    const printed: string[] = [];
    const out = openOutput(undefined, io('/', printed));
    out.write('{"a":');
    expect(printed).toEqual([]);
    out.abort();
    expect(printed).toEqual([]);
    const again = openOutput(undefined, io('/', printed));
    again.write('{"a":');
    again.write('1}\n');
    await again.close();
    again.abort();
    expect(printed.join('')).toBe('{"a":1}\n');
  });

  it('a report larger than what is held in memory is spooled and printed whole, characters split across chunks intact', async () => {
    const spoolDir = privateTmp();
    const printed: string[] = [];
    const out = openOutput(undefined, io('/', printed));
    // 3-byte and 4-byte UTF-8 characters at odd offsets, so some straddle the 1 MiB read chunks.
    const piece = `€${'x'.repeat(4093)}😀\n`;
    for (let k = 0; k < 2600; k++) out.write(piece);
    expect(printed).toEqual([]);
    expect(readdirSync(spoolDir)).toHaveLength(1);
    await out.close();
    expect(printed.join('')).toBe(piece.repeat(2600));
    expect(readdirSync(spoolDir)).toEqual([]);
  });

  it('a spooled report goes out as bytes when the IO takes them, each chunk only once the previous one drained', async () => {
    const spoolDir = privateTmp();
    const chunks: Uint8Array[] = [];
    let pending: (() => void) | undefined;
    let overlapped = false;
    const byteIO: CliIO = {
      ...io('/', []),
      stdout: () => {
        throw new Error('text went to stdout');
      },
      // A slow pipe: each write is taken only when the test lets it drain.
      stdoutBytes: (bytes) => {
        if (pending) overlapped = true;
        chunks.push(bytes);
        return new Promise<boolean>((resolve) => {
          pending = () => {
            pending = undefined;
            resolve(true);
          };
        });
      },
    };
    const out = openOutput(undefined, byteIO);
    const piece = `€${'x'.repeat(4093)}😀\n`;
    for (let k = 0; k < 2600; k++) out.write(piece);
    const closed = out.close();
    let settled = false;
    void closed.then(() => (settled = true));
    for (let drains = 0; !settled; drains++) {
      await new Promise((r) => setImmediate(r));
      expect(drains).toBeLessThan(100);
      pending?.();
    }
    expect(overlapped).toBe(false);
    expect(chunks.length).toBeGreaterThan(1);
    // The chunks are distinct buffers, so one still queued in a pipe is never overwritten by the next read.
    expect(new Set(chunks.map((c) => c.buffer)).size).toBe(chunks.length);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(piece.repeat(2600));
    expect(readdirSync(spoolDir)).toEqual([]);
  });

  it('stops copying when the reader goes away, and still removes the spool file', async () => {
    const spoolDir = privateTmp();
    let calls = 0;
    const out = openOutput(undefined, {
      ...io('/', []),
      stdoutBytes: async () => ++calls < 2, // the second chunk finds the reader gone
    });
    for (let k = 0; k < 2600; k++) out.write(`${'x'.repeat(4095)}\n`); // 10 MiB: 10 chunks
    await out.close();
    expect(calls).toBe(2);
    expect(readdirSync(spoolDir)).toEqual([]);
  });

  it('an aborted large report leaves no spool file', () => {
    const spoolDir = privateTmp();
    const printed: string[] = [];
    const out = openOutput(undefined, io('/', printed));
    for (let k = 0; k < 3000; k++) out.write('y'.repeat(4096));
    out.abort();
    expect(printed).toEqual([]);
    expect(readdirSync(spoolDir)).toEqual([]);
  });

  it('a temporary folder that cannot be written is a clear error, not a crash', () => {
    process.env.TMPDIR = join(privateTmp(), 'missing');
    const out = openOutput(undefined, io('/', []));
    expect(() => {
      for (let k = 0; k < 3000; k++) out.write('z'.repeat(4096));
    }).toThrow(/standard output: cannot hold the report back in a temporary file in .*missing: its folder does not exist; set TMPDIR or give --output FILE/);
    out.abort();
  });
});
