import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/io.js';
import { openOutput } from '../../src/cli/output.js';

// --output FILE is replaced whole or not at all, and its temporary file never outlives the run,
// whichever step fails.

function io(cwd: string, printed: string[] = []): CliIO {
  return { stdout: (t) => void printed.push(t), stderr: () => {}, stdoutIsTTY: false, stderrIsTTY: false, env: {}, cwd, clock: () => 0 };
}

describe('openOutput to a regular file', () => {
  it('publishes on close, and abort after close changes nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'open-output-'));
    const out = openOutput('report.json', io(dir));
    out.write('{"a":');
    out.write('1}\n');
    out.close();
    out.abort();
    expect(readFileSync(join(dir, 'report.json'), 'utf8')).toBe('{"a":1}\n');
    expect(readdirSync(dir)).toEqual(['report.json']);
  });

  it('abort before close leaves the previous file untouched and no temporary file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'open-output-'));
    writeFileSync(join(dir, 'report.json'), 'previous');
    const out = openOutput('report.json', io(dir));
    out.write('half a rep');
    out.abort();
    expect(readFileSync(join(dir, 'report.json'), 'utf8')).toBe('previous');
    expect(readdirSync(dir)).toEqual(['report.json']);
  });

  it('a failed rename (the target became a directory) leaves no temporary file once aborted', () => {
    const dir = mkdtempSync(join(tmpdir(), 'open-output-'));
    const out = openOutput('report.json', io(dir));
    out.write('{}\n');
    mkdirSync(join(dir, 'report.json'));
    writeFileSync(join(dir, 'report.json', 'inside'), 'x');
    expect(() => out.close()).toThrow();
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
    const dir = mkdtempSync(join(tmpdir(), 'open-output-stdout-'));
    process.env.TMPDIR = dir;
    return dir;
  }

  it('prints nothing until the report is whole, and nothing at all when aborted', () => {
    const printed: string[] = [];
    const out = openOutput(undefined, io('/', printed));
    out.write('{"a":');
    expect(printed).toEqual([]);
    out.abort();
    expect(printed).toEqual([]);
    const again = openOutput(undefined, io('/', printed));
    again.write('{"a":');
    again.write('1}\n');
    again.close();
    again.abort();
    expect(printed.join('')).toBe('{"a":1}\n');
  });

  it('a report larger than what is held in memory is spooled and printed whole, characters split across chunks intact', () => {
    const spoolDir = privateTmp();
    const printed: string[] = [];
    const out = openOutput(undefined, io('/', printed));
    // 3-byte and 4-byte UTF-8 characters at odd offsets, so some straddle the 1 MiB read chunks.
    const piece = `€${'x'.repeat(4093)}😀\n`;
    for (let k = 0; k < 2600; k++) out.write(piece);
    expect(printed).toEqual([]);
    expect(readdirSync(spoolDir)).toHaveLength(1);
    out.close();
    expect(printed.join('')).toBe(piece.repeat(2600));
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
