import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dockerImage, listFiles, manyImages, sampleRegistry, TEST_CREDENTIALS } from '../support/fake-ecr/harness.js';

export { listFiles };
import type { FakeRegistrySeed } from '../support/fake-ecr/server.js';
import { CLI } from '../e2e/support.js';

// End-to-end helpers: the BUILT command line (the package's bin) run as a child process against
// the fake ECR server that the test process hosts. Children run asynchronously (never spawnSync)
// because the fake answers from this process's event loop.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export { CLI };
export const FIXTURES = join(ROOT, 'test', 'fixtures', 'cli');
export const NOW = '2026-11-22T00:00:00Z';

/** Fails with a clear message when the CLI has not been built (`npm test` builds first). */
export function requireBuiltCli(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" (or "npm test", which builds first) before the CLI end-to-end tests`);
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built CLI. The environment is built from scratch (never the developer's AWS
 * variables or ~/.aws): HOME and XDG_CACHE_HOME point into `home`, so no real profile,
 * credential file or cache is read, and instance metadata is off.
 */
export function runCli(args: string[], env: Record<string, string>, cwd = ROOT): Promise<CliResult> {
  requireBuiltCli();
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** Environment of a CI job with static (temporary) credentials; `extra` adds or overrides. */
/**
 * Give `{ AWS_ENDPOINT_URL_STS: fake.url }` in `extra` for runs that may fetch manifests: the tool asks
 * STS who it is before its first BatchGetImage (pull-time update exclusions), and the fake answers.
 */
export function awsEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XDG_CACHE_HOME: join(home, 'cache'),
    AWS_CONFIG_FILE: join(home, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    AWS_SESSION_TOKEN: TEST_CREDENTIALS.sessionToken,
    AWS_REGION: 'us-east-1',
    // Honoured by the SDK only when the client does not set maxAttempts itself (see report).
    AWS_MAX_ATTEMPTS: '2',
    NO_COLOR: '1',
    ...extra,
  };
}

/** Secret values that must never appear anywhere the tool writes. */
export const SECRETS = [TEST_CREDENTIALS.secretAccessKey, TEST_CREDENTIALS.sessionToken];

export async function tempDir(prefix = 'ecr-lifeguard-cli-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeDirs(...dirs: (string | undefined)[]): Promise<void> {
  await Promise.all(dirs.filter((d): d is string => d !== undefined).map((d) => rm(d, { recursive: true, force: true })));
}

/** Concatenated text of every file under dir (for leak checks). */
export async function allText(dir: string): Promise<string> {
  const files = await listFiles(dir);
  return (await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')))).join('\n');
}

/** Repositories with more than a page of images (DescribeImages pages are 1000). */
export const BIG_REPOSITORY = 'batch/export';
export const BIG_REPOSITORY_IMAGES = 1_050;

/**
 * The sample registry of the adapter tests (team/api: an index with two children, a cosign
 * signature referring to it, an archived image; web: no policy; empty) plus repositories
 * enough for three non-empty shards, and (unless `bigRepository: false`) one with more than a
 * page of images.
 */
export function realisticRegistry(options: { bigRepository?: boolean } = {}): FakeRegistrySeed {
  const base = sampleRegistry();
  const keepTen = JSON.stringify({
    rules: [
      { rulePriority: 1, description: 'keep releases', selection: { tagStatus: 'tagged', tagPatternList: ['v*'], countType: 'imageCountMoreThan', countNumber: 10 }, action: { type: 'expire' } },
      { rulePriority: 2, selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 }, action: { type: 'expire' } },
    ],
  });
  return {
    ...base,
    repositories: [
      ...base.repositories,
      ...(options.bigRepository === false ? [] : [{ repositoryName: BIG_REPOSITORY, lifecyclePolicyText: keepTen, images: manyImages('export', BIG_REPOSITORY_IMAGES) }]),
      { repositoryName: 'team/worker', lifecyclePolicyText: keepTen, images: manyImages('worker', 30) },
      {
        repositoryName: 'tools/ci',
        lifecyclePolicyText: JSON.stringify({
          rules: [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 365 }, action: { type: 'transition', targetStorageClass: 'archive' } }],
        }),
        images: [
          dockerImage('ci-1', '2024-05-01T00:00:00Z', ['2024.05']),
          dockerImage('ci-2', '2026-10-01T00:00:00Z', ['2026.10', 'latest']),
          dockerImage('ci-old', '2023-01-01T00:00:00Z', ['2023.01'], { status: 'ARCHIVED', lastArchivedAt: '2024-01-01T00:00:00Z' }),
        ],
      },
      { repositoryName: 'legacy', images: manyImages('legacy', 5) },
    ],
  };
}

/** The parts of the JSON report the summaries are computed from. */
export interface JsonReport {
  now: string;
  days: number;
  repositories: Array<{
    repositoryName: string;
    registryId?: string;
    region?: string;
    complete: boolean;
    imageCount?: number;
    images: Array<{ action: string }>;
    timeline: unknown[];
  }>;
  findings: Array<{ id: string; severity: string; repositoryName?: string; image?: unknown; date?: string; origins?: Array<{ format?: string; file?: string; path?: string; line?: number }> }>;
  storage?: { now?: { bytesFreed?: number }; horizon?: { bytesFreed?: number } };
  unreadableRepositories?: Array<{ repositoryName: string; registryId?: string; region?: string; reason: string }>;
}

export interface SummaryNumbers {
  repositories: number;
  images: number;
  actionsNow: number;
  actionsHorizon: number;
  /** Distinct workloads an action breaks (recorded pulls are not workloads). */
  workloadsAffected: number;
  bytesFreedNow?: number;
  bytesFreedHorizon?: number;
}

/**
 * The summary a reader should see, computed here from the JSON report (not with the renderer's
 * helpers): a repository counts once even when it is both listed and unreadable.
 */
export function summaryOf(report: JsonReport): SummaryNumbers {
  const key = (r: { repositoryName: string; registryId?: string; region?: string }) => `${r.registryId ?? ''}/${r.region ?? ''}/${r.repositoryName}`;
  const names = new Set([...report.repositories.map(key), ...(report.unreadableRepositories ?? []).map(key)]);
  let images = 0;
  let actionsNow = 0;
  let actionsHorizon = 0;
  for (const r of report.repositories) {
    const now = r.images.filter((i) => i.action !== 'KEEP').length;
    images += r.imageCount ?? r.images.length;
    actionsNow += now;
    actionsHorizon += r.timeline.length > 0 ? r.timeline.length : now;
  }
  // A workload: a Kubernetes object (by the kind/namespace/name its path starts with, or its item in a
  // list), a Dockerfile or list line, or the whole file of an ECS task or a Lambda.
  const workloads = new Set<string>();
  for (const f of report.findings) {
    if (f.image === undefined || f.date === undefined) continue;
    for (const o of f.origins ?? []) {
      if (o.format === 'recent-pull') continue;
      const object = o.format === 'kubernetes' ? (/^[A-Za-z]+\/[^:]+/.exec(o.path ?? '')?.[0] ?? /^items\[\d+\]/.exec(o.path ?? '')?.[0] ?? '') : '';
      const line = o.format === 'dockerfile' || o.format === 'list' ? String(o.line ?? '') : '';
      workloads.add(`${o.format}\u0000${o.file}\u0000${object}\u0000${line}`);
    }
  }
  return {
    repositories: names.size,
    images,
    actionsNow,
    actionsHorizon,
    workloadsAffected: workloads.size,
    ...(report.storage?.now?.bytesFreed !== undefined ? { bytesFreedNow: report.storage.now.bytesFreed } : {}),
    ...(report.storage?.horizon?.bytesFreed !== undefined ? { bytesFreedHorizon: report.storage.horizon.bytesFreed } : {}),
  };
}

/** The cells of the Markdown report's `### Summary` table, by column heading. */
export function markdownSummary(markdown: string): Record<string, string> {
  const lines = markdown.split('\n');
  const at = lines.indexOf('### Summary');
  if (at < 0) throw new Error('no "### Summary" section in the Markdown report');
  const rows = lines.slice(at + 1).filter((l) => l.startsWith('|')).slice(0, 3);
  const cells = (row: string) => row.split('|').slice(1, -1).map((c) => c.trim());
  const head = cells(rows[0]!);
  const values = cells(rows[2]!);
  return Object.fromEntries(head.map((h, i) => [h, values[i]!]));
}
