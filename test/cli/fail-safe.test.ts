import { existsSync } from 'node:fs';
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sampleRegistry } from '../support/fake-ecr/harness.js';
import { FakeEcrServer, type FaultKind } from '../support/fake-ecr/server.js';
import { awsEnv, markdownSummary, NOW, removeDirs, requireBuiltCli, runCli, tempDir, type JsonReport } from './support.js';

// Fail safe: what could not be read completely is reported as incomplete, never as whole, and the
// command exits 3. Faults are persistent, so they outlast every retry.

beforeAll(() => requireBuiltCli());

const started: FakeEcrServer[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(started.map((f) => f.close()));
  await removeDirs(...dirs);
});

async function setUp(): Promise<{ fake: FakeEcrServer; home: string; env: Record<string, string>; endpoint: string[] }> {
  const fake = await FakeEcrServer.start(sampleRegistry());
  started.push(fake);
  const home = await tempDir();
  dirs.push(home);
  return { fake, home, env: awsEnv(home, { AWS_ENDPOINT_URL_STS: fake.url }), endpoint: ['--endpoint-url', fake.url, '--cache-dir', join(home, 'manifests')] };
}

const faults: Array<{ kind: FaultKind; error: string }> = [
  { kind: 'throttle', error: 'ThrottlingException' },
  { kind: 'access-denied', error: 'AccessDeniedException' },
  { kind: 'server-error', error: 'ServerException' },
];

// Concurrent: a persistent throttle costs the SDK's whole adaptive backoff (seconds) per run.
describe.concurrent('a repository that cannot be read', () => {
  it.each(faults)('$kind: snapshot and audit --live exit 3; the snapshot marks it incomplete; audit --snapshot exits 3 and lists it as unreadable', async ({ kind, error }) => {
    const { fake, home, env, endpoint } = await setUp();
    fake.addFault({ operation: 'DescribeImages', kind, repositoryName: 'web' });
    const out = join(home, 'snapshot');
    const [snap, live] = await Promise.all([
      runCli(['snapshot', '--out', out, ...endpoint], env),
      runCli(['audit', '--live', ...endpoint, '--format', 'json', '--now', NOW], env),
    ]);

    expect(snap.code).toBe(3);
    expect(snap.stdout).toContain(`INCOMPLETE web: DescribeImages failed`);
    expect(snap.stdout).toContain(error);
    expect(snap.stderr).toMatch(/could not be read completely.*\(exit 3\)/);
    const web = JSON.parse(await readFile(join(out, 'web', 'repository.json'), 'utf8'));
    expect(web).toMatchObject({ repositoryName: 'web', complete: false });
    expect(web.incompleteReason).toContain(error);
    // No data file that could pass for a whole listing.
    expect((await readdir(join(out, 'web'))).sort()).toEqual(['repository.json']);
    expect(JSON.parse(await readFile(join(out, 'team', 'api', 'repository.json'), 'utf8')).complete).toBe(true);

    const json = await runCli(['audit', '--snapshot', out, '--format', 'json', '--now', NOW], env);
    expect(json.code).toBe(3);
    expect(json.stderr).toMatch(/could not be read completely.*\(exit 3\)/);
    const report = JSON.parse(json.stdout) as JsonReport;
    expect(report.unreadableRepositories).toEqual([expect.objectContaining({ repositoryName: 'web', reason: expect.stringContaining(error) })]);
    expect(report.repositories.find((r) => r.repositoryName === 'web')?.complete).not.toBe(true);
    expect(report.repositories.find((r) => r.repositoryName === 'team/api')?.complete).toBe(true);

    expect(live.code).toBe(3);
    expect(live.stderr).toMatch(/could not be read completely.*\(exit 3\)/);
    const liveReport = JSON.parse(live.stdout) as JsonReport;
    expect(liveReport.unreadableRepositories).toEqual([expect.objectContaining({ repositoryName: 'web', reason: expect.stringContaining(error) })]);
  });

  it('a failing DescribeRepositories: snapshot exits 3, names the failure and writes nothing', async () => {
    const { fake, home, env, endpoint } = await setUp();
    fake.addFault({ operation: 'DescribeRepositories', kind: 'access-denied' });
    const out = join(home, 'snapshot');
    const snap = await runCli(['snapshot', '--out', out, ...endpoint], env);
    expect(snap.code).toBe(3);
    expect(snap.stdout).toMatch(/INCOMPLETE: DescribeRepositories failed.*AccessDeniedException/);
    // Which repositories exist is unknown: nothing is written that could pass for a (small) registry.
    expect(existsSync(join(out, 'registry.json'))).toBe(false);
  });

  // Was a bug: a snapshot whose listing failed left nothing saying so, so auditing the directory (for
  // example one still holding an earlier, complete snapshot) reported it clean with exit 0.
  it('a failing DescribeRepositories over an earlier snapshot: audit --snapshot and dry-run exit 3 and name the registry', async () => {
    const { fake, home, env, endpoint } = await setUp();
    const out = join(home, 'snapshot');
    expect((await runCli(['snapshot', '--out', out, ...endpoint], env)).code).toBe(0);
    fake.addFault({ operation: 'DescribeRepositories', kind: 'access-denied' });
    expect((await runCli(['snapshot', '--out', out, ...endpoint], env)).code).toBe(3);
    const [audit, dryRun] = await Promise.all([
      runCli(['audit', '--snapshot', out, '--now', NOW, '--format', 'json', '--fail-on', 'never'], env),
      runCli(['dry-run', '--snapshot', out, '--now', NOW, '--format', 'json', '--fail-on', 'never'], env),
    ]);
    for (const r of [audit, dryRun]) {
      expect(r.code).toBe(3);
      expect((JSON.parse(r.stdout) as JsonReport).unreadableRepositories).toEqual([
        { repositoryName: '*', region: 'us-east-1', reason: expect.stringMatching(/^repository listing failed: DescribeRepositories failed .*AccessDeniedException/) },
      ]);
    }
  });

  it('audit --live --shard with blob mounting on says the layer index is partial and exits 3 (bytes freed could be overstated)', async () => {
    const { env, endpoint } = await setUp();
    const r = await runCli(['audit', '--live', ...endpoint, '--shard', '1/2', '--now', NOW, '--format', 'json', '--fail-on', 'never'], env);
    expect(r.code).toBe(3);
    expect((JSON.parse(r.stdout) as JsonReport).unreadableRepositories).toEqual([
      { repositoryName: '*', registryId: '111111111111', region: 'us-east-1', reason: expect.stringMatching(/^blob mounting is on and audit --live --shard read only this shard's repositories/) },
    ]);
  });

  it('audit --live of a shard or selection holding no repository is an empty report, not an input error', async () => {
    const { env, endpoint } = await setUp();
    const r = await runCli(['audit', '--live', ...endpoint, '--repository-prefix', 'no-such-prefix', '--now', NOW, '--format', 'json', '--fail-on', 'never'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as JsonReport).repositories).toEqual([]);
  });

  // Was a bug (src/cli/commands/audit.ts, runAudit: the private snapshot of a failed listing is empty, and
  // openSnapshot throws "no repository found in the snapshot directory" about the temporary
  // directory): exit 2 with a misleading input error instead of exit 3 and a report naming the failure.
  it('a failing DescribeRepositories: audit --live exits 3 with the listing under unreadableRepositories', async () => {
    const { fake, env, endpoint } = await setUp();
    fake.addFault({ operation: 'DescribeRepositories', kind: 'access-denied' });
    const live = await runCli(['audit', '--live', ...endpoint, '--format', 'json', '--now', NOW], env);
    expect(live.stderr).not.toContain('ecr-lifeguard-live-');
    expect(live.code).toBe(3);
    const report = JSON.parse(live.stdout) as JsonReport;
    expect(report.repositories).toEqual([]);
    expect(report.unreadableRepositories).toEqual([
      expect.objectContaining({ repositoryName: '*', region: 'us-east-1', reason: expect.stringMatching(/DescribeRepositories failed.*AccessDeniedException/) }),
    ]);
  });

  // Was a bug (client.ts sets maxAttempts itself, so the SDK's AWS_MAX_ATTEMPTS is ignored): every
  // failing call is tried 5 times, with the adaptive backoff, whatever the environment says.
  it('the SDK standard setting AWS_MAX_ATTEMPTS bounds the attempts', async () => {
    const { fake, home, env, endpoint } = await setUp();
    fake.addFault({ operation: 'DescribeImages', kind: 'server-error', repositoryName: 'web' });
    const r = await runCli(['snapshot', '--out', join(home, 'snapshot'), ...endpoint], { ...env, AWS_MAX_ATTEMPTS: '2' });
    expect(r.code).toBe(3);
    expect(fake.callCount('DescribeImages', 'web')).toBe(2);
    expect(r.stdout).toContain('DescribeImages failed after 2 attempts');
  });
});

describe('snapshot usage errors', () => {
  it('--out naming a file, and a malformed --endpoint-url, are usage errors (exit 2), not internal or incomplete-data errors', async () => {
    const home = await tempDir();
    dirs.push(home);
    const file = join(home, 'a-file');
    await writeFile(file, 'x');
    const env = awsEnv(home);
    const [outFile, badUrl, badLive] = await Promise.all([
      runCli(['snapshot', '--out', file, '--endpoint-url', 'http://127.0.0.1:9', '--region', 'us-east-1'], env),
      runCli(['snapshot', '--out', join(home, 'out'), '--endpoint-url', 'not-a-url', '--region', 'us-east-1'], env),
      runCli(['audit', '--live', '--endpoint-url', 'ftp://example', '--region', 'us-east-1', '--now', NOW], env),
    ]);
    expect(outFile.code).toBe(2);
    expect(outFile.stderr).toContain(`--out ${file} is a file; give a directory`);
    for (const r of [badUrl, badLive]) {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--endpoint-url must be an http:// or https:// URL');
      expect(r.stderr).not.toMatch(/unexpected error|\n\s+at /);
    }
  });
});

describe('reports are written atomically', () => {
  let home: string;
  let snapshot: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    const s = await setUp();
    home = s.home;
    env = s.env;
    snapshot = join(home, 'snapshot');
    const r = await runCli(['snapshot', '--out', snapshot, ...s.endpoint], env);
    expect(r.code).toBe(0);
  });
  afterEach(async () => {
    await removeDirs(join(home, 'reports'), join(home, 'broken'));
  });

  it('an input error part-way through the audit leaves no report file, and an existing one untouched', async () => {
    // team/api is read (and streamed out) before web, whose listing is corrupt.
    const broken = join(home, 'broken');
    await cp(snapshot, broken, { recursive: true });
    await writeFile(join(broken, 'web', 'describe-images.json'), '{"imageDetails": [');
    const reports = join(home, 'reports');
    await cp(join(snapshot, 'team'), join(reports, 'unrelated'), { recursive: true }); // makes the directory
    const fresh = join(reports, 'audit.json');
    const existing = join(reports, 'previous.json');
    await writeFile(existing, 'previous report\n');

    const [a, b] = await Promise.all([
      runCli(['audit', '--snapshot', broken, '--format', 'json', '--now', NOW, '--output', fresh], env),
      runCli(['audit', '--snapshot', broken, '--format', 'html', '--now', NOW, '--output', existing], env),
    ]);
    for (const r of [a, b]) {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('describe-images.json');
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(r.stdout).toBe('');
    }
    expect(existsSync(fresh)).toBe(false);
    expect(await readFile(existing, 'utf8')).toBe('previous report\n');
    expect((await readdir(reports)).sort()).toEqual(['previous.json', 'unrelated']);
  });

  it('control: the same audit of the intact snapshot writes the file', async () => {
    const reports = join(home, 'reports');
    await cp(join(snapshot, 'team'), join(reports, 'unrelated'), { recursive: true });
    const fresh = join(reports, 'audit.json');
    const r = await runCli(['audit', '--snapshot', snapshot, '--format', 'json', '--now', NOW, '--output', fresh], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect((JSON.parse(await readFile(fresh, 'utf8')) as JsonReport).repositories.map((x) => x.repositoryName)).toEqual(['empty', 'team/api', 'web']);
    expect((await readdir(reports)).sort()).toEqual(['audit.json', 'unrelated']);
  });
});

describe('incomplete repositories in the table and Markdown reports', () => {
  let markdown: string;
  let table: string;
  beforeAll(async () => {
    const { fake, home, env, endpoint } = await setUp();
    fake.addFault({ operation: 'DescribeImages', kind: 'access-denied', repositoryName: 'web' });
    const out = join(home, 'snapshot');
    expect((await runCli(['snapshot', '--out', out, ...endpoint], env)).code).toBe(3);
    const [t, m] = await Promise.all([
      runCli(['audit', '--snapshot', out, '--format', 'table', '--now', NOW], env),
      runCli(['audit', '--snapshot', out, '--format', 'markdown', '--now', NOW], env),
    ]);
    expect(t.code).toBe(3);
    expect(m.code).toBe(3);
    table = t.stdout;
    markdown = m.stdout;
  });

  it('the table says the repository could not be read completely, and why', () => {
    expect(table).toMatch(/could not be read completely/);
    expect(table).toMatch(/web: .*DescribeImages failed.*AccessDeniedException/);
    // Nothing of it was read: it is not shown as a repository with no images.
    expect(table).not.toMatch(/Repository web\b/);
  });

  it('the Markdown report warns, with the reason', () => {
    expect(markdown).toContain('> [!WARNING]');
    expect(markdown).toMatch(/> - `web`.*DescribeImages failed.*AccessDeniedException/);
  });

  it('the warning marks it as not read, and the per-repository table does not show it as an empty repository', () => {
    expect(markdown).toMatch(/^> - `web`.* \(not read\): /m);
    expect(markdown).not.toMatch(/^\| `web` \|/m);
  });

  // Was a bug: audit put an unreadable repository in both `repositories` and `unreadableRepositories`.
  it('an incomplete repository counts once in the summary and is listed once', () => {
    expect(markdownSummary(markdown).Repositories).toBe('3');
    expect(markdown.match(/^> - `web`/gm)).toHaveLength(1);
  });

  // Was a bug (src/report/markdown.ts, auditMarkdown's verdict line): with a repository unread the report
  // still opens with "✅ **No findings** in N repositories", presenting incomplete results as complete.
  it('the verdict does not claim a clean result while repositories are incomplete', () => {
    const verdict = markdown.split('\n')[2]!;
    expect(verdict).not.toContain('✅');
  });
});
