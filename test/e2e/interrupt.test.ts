import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, cleanEnv, CLI, NOW, ROOT } from './support.js';

// An interrupted command (Ctrl-C, a cancelled CI job) removes the temporary files it made: an audit of
// a registry spills its findings to disk and holds its report back beside --output until it is whole.
// A test hook (hold-file.mjs: every file-system call on one repository's describe-images.json waits)
// holds the audit still at a known point, with both temporaries made, until the signal comes. (A FIFO
// did that before: it is now refused without being opened.)

let work: string;
beforeAll(() => {
  assertBuilt();
  work = mkdtempSync(join(tmpdir(), 'ecr-lifeguard-interrupt-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function interruptedAudit(signal: 'SIGINT' | 'SIGTERM' | 'SIGHUP'): Promise<{ code: number | null; temporaries: string[]; beside: string[]; stderr: string }> {
  const dir = mkdtempSync(join(work, `${signal}-`));
  const snapshot = join(dir, 'snapshot');
  cpSync(join(ROOT, 'samples', 'registry'), snapshot, { recursive: true });
  const held = join(snapshot, 'shop', 'web', 'describe-images.json');
  const privateTmp = join(dir, 'tmp');
  const out = join(dir, 'out');
  mkdirSync(privateTmp);
  mkdirSync(out);
  const child = spawn(process.execPath, [CLI, 'audit', '--snapshot', snapshot, '--now', NOW, '--format', 'json', '--output', join(out, 'report.json')], {
    cwd: ROOT, env: cleanEnv({ TMPDIR: privateTmp, ECR_LIFEGUARD_TEST_HOLD: held, NODE_OPTIONS: `--import ${pathToFileURL(join(import.meta.dirname, 'hold-file.mjs')).href}` }), stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  // Wait until both temporaries exist: the findings spill and the report held back beside --output.
  for (let tries = 0; tries < 400; tries++) {
    if (readdirSync(privateTmp).some((n) => n.startsWith('ecr-lifeguard-findings-')) && readdirSync(out).some((n) => n.endsWith('.ecr-lifeguard.tmp'))) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  const before = [...readdirSync(privateTmp), ...readdirSync(out)];
  child.kill(signal);
  const code = await exited;
  expect(before.length).toBe(2); // both were there when the signal came
  return { code, temporaries: readdirSync(privateTmp), beside: readdirSync(out), stderr };
  // (`beside` empty also means no report.json was published)
}

describe('an interrupted audit', () => {
  it.each([['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const)('%s: exits %i and leaves no temporary file, in TMPDIR or beside --output', async (signal, expected) => {
    const r = await interruptedAudit(signal);
    expect(r.code).toBe(expected);
    expect(r.temporaries).toEqual([]);
    expect(r.beside).toEqual([]);
    expect(r.stderr).toBe('');
  });
});
