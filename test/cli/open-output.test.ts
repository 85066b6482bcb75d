import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/io.js';
import { openOutput } from '../../src/cli/output.js';

// --output FILE is replaced whole or not at all, and its temporary file never outlives the run,
// whichever step fails.

function io(cwd: string): CliIO {
  return { stdout: () => {}, stderr: () => {}, stdoutIsTTY: false, stderrIsTTY: false, env: {}, cwd, clock: () => 0 };
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
