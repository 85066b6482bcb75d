import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// Runs the built CLI as a user would: a separate node process, exit code and both streams captured.
// `npm test` builds first; running vitest alone needs `npm run build` before.

export const ROOT = join(import.meta.dirname, '..', '..');
/** The package's command (its `bin`: the bundled command line), relative to ROOT. */
export const BIN = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin['ecr-lifeguard']!;
export const CLI = join(ROOT, BIN);
export const NOW = '2026-11-22T00:00:00Z';
export const FIXTURES = 'test/fixtures/e2e';
/** The quick start's inputs, relative to ROOT (the CLI runs with ROOT as its working directory). */
export const SAMPLES = ['--snapshot', 'samples/registry', '--in-use', 'samples/in-use'] as const;

export function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first (npm test does it)`);
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Text for standard input (a pipe, so not a terminal); standard input is closed either way. */
  input?: string;
  /** Variables to set (a value of undefined removes the variable). */
  env?: Record<string, string | undefined>;
}

/** The environment of every run: no colour, pager or SDK-notice switches inherited from the test runner. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['NO_COLOR', 'FORCE_COLOR', 'PAGER', 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED']) delete env[k];
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliRun> {
  return runCommand(process.execPath, [CLI, ...args], options);
}

export function runCommand(command: string, args: readonly string[], options: RunOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: cleanEnv(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    // The CLI may quit before reading all of its input: that is not a test failure.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

/** Asserts a usage or input error as the issue wants it: exit 2, a message, no stack trace, nothing on stdout. */
export function expectCleanFailure(r: CliRun): void {
  const detail = `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
  if (r.code !== 2) throw new Error(`expected exit code 2; ${detail}`);
  if (r.stdout !== '') throw new Error(`expected nothing on stdout; ${detail}`);
  if (!/^ecr-lifeguard: /.test(r.stderr)) throw new Error(`expected a message on stderr; ${detail}`);
  if (/^\s+at /m.test(r.stderr) || /unexpected error/.test(r.stderr)) throw new Error(`expected no stack trace; ${detail}`);
}

/** Asserts that each pattern occurs, in this order. */
export function expectInOrder(text: string, patterns: ReadonlyArray<string | RegExp>): void {
  let from = 0;
  for (const p of patterns) {
    const rest = text.slice(from);
    const m = typeof p === 'string' ? { index: rest.indexOf(p), length: p.length } : (() => {
      const r = p.exec(rest);
      return r ? { index: r.index, length: r[0].length } : { index: -1, length: 0 };
    })();
    if (m.index < 0) throw new Error(`expected ${String(p)} after offset ${from} in:\n${text}`);
    from += m.index + m.length;
  }
}

/** The text from the first occurrence of `start` up to (not including) the next occurrence of `end`. */
export function between(text: string, start: string, end?: string): string {
  const i = text.indexOf(start);
  if (i < 0) throw new Error(`"${start}" not found in:\n${text}`);
  if (end === undefined) return text.slice(i);
  const j = text.indexOf(end, i + start.length);
  if (j < 0) throw new Error(`"${end}" not found after "${start}" in:\n${text}`);
  return text.slice(i, j);
}
