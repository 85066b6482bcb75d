import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Whole-process measurements: wall time from spawn to exit, and peak RSS. Peak RSS comes from
// GNU time (`/usr/bin/time -f %M`, the kernel's ru_maxrss of the child) when installed, else
// from polling /proc/<pid>/status VmHWM (the kernel's high-water mark) every few milliseconds.
// Children are spawned asynchronously so an in-process server (the fake ECR) keeps answering.

export interface ProcessRun {
  code: number | null;
  wallMs: number;
  /** Kibibytes; undefined when neither method is available. */
  peakRssKb?: number;
  /** User + system CPU time of the child (GNU time only): much less sensitive to a busy machine than wall time. */
  cpuMs?: number;
  stdout: string;
  stderr: string;
}

export const GNU_TIME = '/usr/bin/time';
export const RSS_METHOD = existsSync(GNU_TIME) ? 'GNU time -f %M (ru_maxrss)' : existsSync('/proc/self/status') ? '/proc/<pid>/status VmHWM, polled every 5 ms' : 'unavailable';

const OUTPUT_LIMIT = 1 << 20;

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to the child's standard input, which is then closed (default: no standard input). */
  input?: string;
}

export async function runProcess(command: string, args: readonly string[], options: RunOptions = {}): Promise<ProcessRun> {
  const useTime = existsSync(GNU_TIME);
  const scratch = useTime ? await mkdtemp(join(tmpdir(), 'ecr-lifeguard-bench-time-')) : undefined;
  const timeFile = scratch !== undefined ? join(scratch, 'rss') : undefined;
  const [file, argv] = timeFile !== undefined ? [GNU_TIME, ['-f', '%M %U %S', '-o', timeFile, command, ...args]] : [command, [...args]];
  const started = performance.now();
  const spawnOptions = { cwd: options.cwd, env: options.env ?? process.env };
  const child = options.input !== undefined ? spawn(file, argv, { ...spawnOptions, stdio: ['pipe', 'pipe', 'pipe'] }) : spawn(file, argv, { ...spawnOptions, stdio: ['ignore', 'pipe', 'pipe'] });
  if (options.input !== undefined) {
    // A child that exits without reading all of it closes the pipe: not the harness's failure.
    child.stdin!.on('error', () => {});
    child.stdin!.end(options.input);
  }
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    if (stdout.length < OUTPUT_LIMIT) stdout += d.toString('utf8');
  });
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < OUTPUT_LIMIT) stderr += d.toString('utf8');
  });
  let polledKb: number | undefined;
  const poll = timeFile === undefined && child.pid !== undefined ? setInterval(() => void readVmHwm(child.pid!).then((kb) => (polledKb = Math.max(polledKb ?? 0, kb ?? 0))), 5) : undefined;
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c) => resolve(c));
  });
  const wallMs = performance.now() - started;
  if (poll) clearInterval(poll);
  let peakRssKb = polledKb;
  let cpuMs: number | undefined;
  if (timeFile !== undefined) {
    const text = await readFile(timeFile, 'utf8').catch(() => '');
    // GNU time prints "Command exited with non-zero status N" before the figures on failures.
    const m = /^(\d+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)$/.exec(text.trim().split('\n').pop() ?? '');
    if (m) {
      peakRssKb = Number(m[1]);
      cpuMs = (Number(m[2]) + Number(m[3])) * 1000;
    }
    await rm(scratch!, { recursive: true, force: true });
  }
  return { code, wallMs, ...(peakRssKb !== undefined ? { peakRssKb } : {}), ...(cpuMs !== undefined ? { cpuMs } : {}), stdout, stderr };
}

async function readVmHwm(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const m = /VmHWM:\s+(\d+)\s+kB/.exec(status);
  return m ? Number(m[1]) : undefined;
}

/** Above this, one run is enough: repeating would cost minutes and the noise is relatively small. */
export const REPEAT_BUDGET_MS = 30_000;

/** Runs up to `times` times (once when a run exceeds REPEAT_BUDGET_MS) and keeps the fastest (least disturbed) run. */
export async function bestOf(times: number, run: () => Promise<ProcessRun>): Promise<BestRun> {
  const runs: ProcessRun[] = [];
  for (let i = 0; i < times; i++) {
    runs.push(await run());
    if (runs[0]!.wallMs > REPEAT_BUDGET_MS) break;
  }
  const fastest = runs.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
  return { ...fastest, allWallMs: runs.map((r) => r.wallMs) };
}

export type BestRun = ProcessRun & { allWallMs: number[] };

/**
 * Measurements and their yardsticks run in turn (a, b, c, a, b, c...), so all see the same load
 * from whatever else the machine is doing; the fastest run of each is kept. Stops repeating
 * once any run exceeds REPEAT_BUDGET_MS.
 */
export async function interleavedBestOf(times: number, runners: ReadonlyArray<() => Promise<ProcessRun>>): Promise<BestRun[]> {
  const runs: ProcessRun[][] = runners.map(() => []);
  for (let i = 0; i < times; i++) {
    for (const [k, run] of runners.entries()) runs[k]!.push(await run());
    if (runs.some((r) => r[0]!.wallMs > REPEAT_BUDGET_MS)) break;
  }
  return runs.map((list) => ({ ...list.reduce((x, y) => (y.wallMs < x.wallMs ? y : x)), allWallMs: list.map((r) => r.wallMs) }));
}

export function formatMs(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u += 1;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}
