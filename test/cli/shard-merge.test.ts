import { readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeEcrServer } from '../support/fake-ecr/server.js';
import { awsEnv, FIXTURES, NOW, realisticRegistry, removeDirs, requireBuiltCli, runCli, tempDir, type CliResult, type JsonReport } from './support.js';

// `audit --shard K/N` over a snapshot, then `merge` of the shards' JSON reports.

const REPOSITORIES = ['empty', 'legacy', 'team/api', 'team/worker', 'tools/ci', 'web'];

let fake: FakeEcrServer;
let home: string;
let snapshot: string;
let env: Record<string, string>;
let whole: CliResult;
const shards: CliResult[] = [];
const shardFiles: string[] = [];
const analysis = ['--now', NOW, '--days', '30', '--in-use', join(FIXTURES, 'in-use.txt')];

beforeAll(async () => {
  requireBuiltCli();
  fake = await FakeEcrServer.start(realisticRegistry({ bigRepository: false }));
  home = await tempDir();
  env = awsEnv(home, { AWS_ENDPOINT_URL_STS: fake.url });
  snapshot = join(home, 'snapshot');
  const snap = await runCli(['snapshot', '--out', snapshot, '--endpoint-url', fake.url, '--cache-dir', join(home, 'manifests')], env);
  expect(snap.code).toBe(0);
  for (const k of [1, 2, 3]) shardFiles.push(join(home, `shard-${k}.json`));
  const runs = await Promise.all([
    runCli(['audit', '--snapshot', snapshot, '--format', 'json', ...analysis], env),
    ...[1, 2, 3].map((k) => runCli(['audit', '--snapshot', snapshot, ...analysis, '--shard', `${k}/3`, '--output', shardFiles[k - 1]!], env)),
  ]);
  whole = runs[0]!;
  shards.push(...runs.slice(1));
});
afterAll(async () => {
  await fake?.close();
  await removeDirs(home);
});

async function shardReports(): Promise<JsonReport[]> {
  return Promise.all(shardFiles.map(async (f) => JSON.parse(await readFile(f, 'utf8')) as JsonReport));
}

describe('audit --shard', () => {
  it('the three shards partition the repositories: disjoint, complete, none empty', async () => {
    for (const s of shards) expect(s.stderr).toBe('');
    const names = (await shardReports()).map((r) => r.repositories.map((x) => x.repositoryName));
    for (const n of names) expect(n.length).toBeGreaterThan(0);
    expect(names.flat().sort()).toEqual(REPOSITORIES);
    expect(new Set(names.flat()).size).toBe(REPOSITORIES.length);
    expect((JSON.parse(whole.stdout) as JsonReport).repositories.map((r) => r.repositoryName)).toEqual(REPOSITORIES);
  });

  it('a bad shard spec is a usage error (exit 2) for audit and snapshot', async () => {
    const runs = await Promise.all(
      ['0/3', '4/3', 'x'].flatMap((spec) => [
        runCli(['audit', '--snapshot', snapshot, '--format', 'json', '--now', NOW, `--shard=${spec}`], env),
        runCli(['snapshot', '--out', join(home, 'unused'), '--endpoint-url', fake.url, `--shard=${spec}`], env),
      ]),
    );
    for (const r of runs) {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--shard must be K/N');
      expect(r.stdout).toBe('');
    }
  });
});

describe('merge', () => {
  it('the merge of the three shards equals the unsharded audit, JSON and exit code', async () => {
    const merged = await runCli(['merge', ...shardFiles, '--format', 'json'], env);
    expect(merged.stderr).toBe('');
    // The same report, plus the shards it was merged from.
    const { shards: covered, ...report } = JSON.parse(merged.stdout) as JsonReport & { shards: unknown };
    expect(report).toEqual(JSON.parse(whole.stdout));
    expect(covered).toEqual([1, 2, 3].map((index) => ({ index, count: 3 })));
    expect(merged.code).toBe(whole.code);
    expect(whole.code).toBe(1);
  });

  describe('renders', () => {
    let md: CliResult;
    let html: CliResult;
    let mdWhole: CliResult;
    let htmlWhole: CliResult;
    beforeAll(async () => {
      [md, html, mdWhole, htmlWhole] = await Promise.all([
        runCli(['merge', ...shardFiles, '--format', 'markdown'], env),
        runCli(['merge', ...shardFiles, '--format', 'html'], env),
        runCli(['audit', '--snapshot', snapshot, ...analysis, '--format', 'markdown'], env),
        runCli(['audit', '--snapshot', snapshot, ...analysis, '--format', 'html'], env),
      ]);
    });

    it('the merged report as Markdown and HTML', () => {
      expect(md.stderr).toBe('');
      expect(md.code).toBe(1);
      expect(md.stdout).toMatch(/^## ecr-lifeguard audit at 2026-11-22T00:00:00.000Z, horizon 30 days\n/);
      for (const name of REPOSITORIES) expect(md.stdout).toContain(`| \`${name}\` |`);
      expect(html.stderr).toBe('');
      expect(html.code).toBe(1);
      expect(html.stdout.startsWith('<!doctype html>')).toBe(true);
      for (const name of REPOSITORIES) expect(html.stdout).toContain(`data-name="${name}"`);
    });

    // Was a bug (merge rendered the full reports, where audit lists images by the listing rule,
    // listedRepository, at most MAX_LISTED_IMAGES per repository, with a note): the merged Markdown
    // lacked the "not listed" notes, and the merged HTML listed every image of every repository.
    it('Markdown and HTML exactly as the unsharded audit renders them', () => {
      expect(md.stdout).toBe(mdWhole.stdout);
      expect(html.stdout).toBe(htmlWhole.stdout);
    });
  });

  it('each shard report names its shard', async () => {
    expect((await shardReports()).map((r) => (r as JsonReport & { shards: unknown }).shards)).toEqual([1, 2, 3].map((index) => [{ index, count: 3 }]));
  });

  it('a merge missing a shard says which, lists it as unreadable and exits 3; merged again with it, it is whole', async () => {
    const partial = join(home, 'partial.json');
    const r = await runCli(['merge', shardFiles[0]!, shardFiles[2]!, '--format', 'json', '--output', partial], env);
    expect(r.code).toBe(3);
    const report = JSON.parse(await readFile(partial, 'utf8')) as JsonReport & { shards: unknown };
    expect(report.shards).toEqual([{ index: 1, count: 3 }, { index: 3, count: 3 }]);
    expect(report.unreadableRepositories).toEqual([{ repositoryName: '*', shard: 2, reason: 'shard 2/3 is not among the merged reports: its repositories are missing' }]);
    // A merged report merges on: with the missing shard, the result equals the merge of all three.
    const [again, all] = await Promise.all([
      runCli(['merge', partial, shardFiles[1]!, '--format', 'json'], env),
      runCli(['merge', ...shardFiles, '--format', 'json'], env),
    ]);
    expect(again.code).toBe(all.code);
    expect(JSON.parse(again.stdout)).toEqual(JSON.parse(all.stdout));
  });

  it('shards of different splits, or a sharded and an unsharded report, do not merge (exit 2)', async () => {
    const other = join(home, 'two-way.json');
    expect((await runCli(['audit', '--snapshot', snapshot, ...analysis, '--shard', '2/2', '--output', other], env)).code).not.toBe(2);
    const wholeFile = join(home, 'whole-for-mix.json');
    await writeFile(wholeFile, whole.stdout);
    const [splits, mixed] = await Promise.all([
      runCli(['merge', shardFiles[0]!, other, '--format', 'json'], env),
      runCli(['merge', shardFiles[0]!, wholeFile, '--format', 'json'], env),
    ]);
    expect(splits.code).toBe(2);
    expect(splits.stderr).toContain('merge shards of one --shard K/N split');
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('this report is not from a sharded audit');
  });

  it('merges small reports without a temporary folder (TMPDIR unusable)', async () => {
    const out = join(home, 'merged-no-tmp.json');
    const r = await runCli(['merge', ...shardFiles, '--format', 'json', '--output', out], { ...env, TMPDIR: join(home, 'no-such-folder') });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(whole.code);
    const { shards: _, ...report } = JSON.parse(await readFile(out, 'utf8')) as JsonReport & { shards: unknown };
    expect(report).toEqual(JSON.parse(whole.stdout));
  });

  it('a report longer than V8 can hold as one string is refused before it is read (exit 2, says to use more shards)', async () => {
    // Sparse: 600 MB of size, no data written.
    const huge = join(home, 'huge.json');
    await writeFile(huge, '');
    await truncate(huge, 600 * 1024 * 1024);
    const r = await runCli(['merge', huge, shardFiles[1]!, '--format', 'json'], env);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${huge}: the report is larger than the longest text one report can be read in: split the audit into more shards (audit --shard K/N)`);
    expect(r.stderr).toContain('found 600.0 MiB');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('reports evaluated at different times do not merge (exit 2, says why)', async () => {
    const other = join(home, 'other-now.json');
    const r1 = await runCli(['audit', '--snapshot', snapshot, '--now', '2026-11-23T00:00:00Z', '--days', '30', '--in-use', join(FIXTURES, 'in-use.txt'), '--shard', '1/3', '--output', other], env);
    expect(r1.code).not.toBe(2);
    const r = await runCli(['merge', other, shardFiles[1]!, shardFiles[2]!, '--format', 'json'], env);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('run every shard with the same --now and --days');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('overlapping reports do not merge (exit 2, names the repository)', async () => {
    const wholeFile = join(home, 'whole.json');
    await writeFile(wholeFile, whole.stdout);
    const [twice, withWhole] = await Promise.all([
      runCli(['merge', shardFiles[0]!, shardFiles[0]!, '--format', 'json'], env),
      runCli(['merge', wholeFile, shardFiles[1]!, '--format', 'json'], env),
    ]);
    for (const r of [twice, withWhole]) {
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('the shards overlap');
    }
    const inShard2 = (await shardReports())[1]!.repositories[0]!.repositoryName;
    expect(withWhole.stderr).toContain(`repository ${inShard2} is also in`);
  });
});
