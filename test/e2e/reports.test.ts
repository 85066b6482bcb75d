import { spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, CLI, NOW, ROOT, runCli, type CliRun } from './support.js';

// Reports true at a glance (issue 18): what a person reads in the table, Markdown and HTML agrees with
// the whole repository, whatever the listing holds.

let dir: string;
beforeAll(async () => {
  assertBuilt();
  dir = await mkdtemp(join(tmpdir(), 'reports-e2e-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const hex = (n: number) => n.toString(16).padStart(64, '0');

/**
 * A snapshot of one repository of `count` images (one a day, tagged build-N) under "keep the newest
 * `keep`": count - keep images expire now. Returns the snapshot folder.
 */
export async function countSnapshot(root: string, name: string, count: number, keep: number, description = `Keep ${keep} images`): Promise<string> {
  const snapshot = join(root, name);
  const repo = join(snapshot, 'team', 'app');
  await mkdir(repo, { recursive: true });
  await writeFile(join(snapshot, 'registry.json'), JSON.stringify({ registryId: '123456789012', region: 'eu-west-1', blobMounting: false }));
  const start = Date.parse('2024-01-01T00:00:00Z');
  const imageDetails = Array.from({ length: count }, (_, k) => ({
    registryId: '123456789012', repositoryName: 'team/app', imageDigest: `sha256:${hex(k + 1)}`, imageTags: [`build-${k + 1}`],
    imageSizeInBytes: 1000, imagePushedAt: new Date(start + k * 3_600_000).toISOString(), imageStatus: 'ACTIVE',
    imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
  }));
  await writeFile(join(repo, 'describe-images.json'), JSON.stringify({ imageDetails }));
  const policy = { rules: [{ rulePriority: 1, description, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: keep }, action: { type: 'expire' } }] };
  await writeFile(join(repo, 'get-lifecycle-policy.json'), JSON.stringify({ registryId: '123456789012', repositoryName: 'team/app', lifecyclePolicyText: JSON.stringify(policy) }));
  await writeFile(join(repo, 'repository.json'), JSON.stringify({ repositoryName: 'team/app', registryId: '123456789012', lifecyclePolicyStatus: 'present', complete: true, snapshotAt: '2026-11-21T00:00:00Z' }));
  return snapshot;
}

describe('counts come from the whole repository', () => {
  it('audit of 500 images, 400 expiring: table, Markdown and HTML say 400, as dry-run and the JSON do', async () => {
    const snapshot = await countSnapshot(dir, 'five-hundred', 500, 100);
    const args = ['--snapshot', snapshot, '--now', NOW];
    const [json, table, markdown, html, dryRun] = await Promise.all([
      runCli(['audit', ...args, '--format', 'json']),
      runCli(['audit', ...args, '--format', 'table']),
      runCli(['audit', ...args, '--format', 'markdown']),
      runCli(['audit', ...args, '--format', 'html']),
      runCli(['dry-run', ...args, '--format', 'json']),
    ]);
    for (const r of [json, table, markdown, html, dryRun]) expect(r.stderr).toBe('');
    const report = JSON.parse(json.stdout) as { repositories: Array<{ summary: { expiringImageTotalCount: number } }> };
    expect(report.repositories[0]!.summary.expiringImageTotalCount).toBe(400);
    expect((JSON.parse(dryRun.stdout) as typeof report).repositories[0]!.summary.expiringImageTotalCount).toBe(400);
    expect(table.stdout).toMatch(/500 images: 400 EXPIRE, 0 TRANSITION, 100 KEEP now/);
    // Markdown's summary row: repositories, images, actions now.
    expect(markdown.stdout).toMatch(/\| 1 \| 500 \| 400 \|/);
    expect(html.stdout).toMatch(/data-metric="actions-now"><dt>Actions now<\/dt><dd>400<\/dd>/);
  });

  it('the listing: JSON holds the 400 images that matter, the table at most 200 of them; --all every image', async () => {
    const snapshot = await countSnapshot(dir, 'listing', 500, 100);
    const args = ['--snapshot', snapshot, '--now', NOW];
    const [json, jsonAll, table, tableAll] = await Promise.all([
      runCli(['audit', ...args, '--format', 'json']),
      runCli(['audit', ...args, '--format', 'json', '--all']),
      runCli(['audit', ...args, '--format', 'table']),
      runCli(['dry-run', ...args, '--format', 'table', '--all']),
    ]);
    type Repo = { imageCount: number; images: Array<{ action: string }>; notes: string[]; timeline: unknown[] };
    const listed = (JSON.parse(json.stdout) as { repositories: Repo[] }).repositories[0]!;
    const whole = (JSON.parse(jsonAll.stdout) as { repositories: Repo[] }).repositories[0]!;
    expect(listed.images).toHaveLength(400);
    expect(listed.images.every((i) => i.action === 'EXPIRE')).toBe(true);
    expect(listed.imageCount).toBe(500);
    expect(listed.timeline).toEqual(whole.timeline);
    expect(listed.notes).toContain('... and 100 more images not listed (kept, not in use, no finding); --all lists every image');
    expect(whole.images).toHaveLength(500);
    const rows = (text: string) => text.split('\n').filter((l) => /^│ sha256:/.test(l)).length;
    expect(rows(table.stdout)).toBe(200);
    expect(table.stdout).toContain('note: ... and 300 more images not listed (100 kept, not in use, no finding; 200 more beyond the first 200); --all lists every image');
    expect(rows(tableAll.stdout)).toBe(500);
  });
});

/** Everything a run printed is inert: no control character but line breaks, no GitHub Actions command. */
function expectInert(r: CliRun): void {
  for (const [stream, text] of [['stdout', r.stdout], ['stderr', r.stderr]] as const) {
    const detail = `${stream} of a run that exited ${r.code}:\n${text}`;
    expect(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(text), detail).toBe(false);
    expect(text.split('\n').filter((line) => /^\s*::/.test(line)), detail).toEqual([]);
    expect(text.includes('##['), detail).toBe(false);
  }
}

describe('nothing from an input reaches a terminal or CI log raw', () => {
  const OSC52 = '\u001b]52;c;ZXZpbA==\u0007';
  const OSC8 = '\u001b]8;;https://evil.example\u0007';
  const CLEAR = '\u001b[2J\u001b[H';
  let snapshot: string;
  let inUse: string;
  beforeAll(async () => {
    // A rule description with a clipboard write and a stop-commands token; a repository read in part with a
    // reason that clears the screen and forges annotations; a folder and a file name with escapes and a line
    // break that starts "::error::"; a Kubernetes name with a link.
    snapshot = await countSnapshot(dir, 'hostile', 10, 5, `Keep 5${OSC52} ##[stop-commands]tok`);
    const repo = join(snapshot, 'team', 'app');
    await writeFile(join(repo, 'repository.json'), JSON.stringify({
      repositoryName: 'team/app', registryId: '123456789012', lifecyclePolicyStatus: 'present', complete: false,
      incompleteReason: `throttled${CLEAR}\n::error file=x::forged\n##[stop-commands]tok`, snapshotAt: '2026-11-21T00:00:00Z',
    }));
    inUse = join(dir, `in-use${CLEAR}`);
    await mkdir(inUse, { recursive: true });
    await writeFile(join(inUse, 'list\n::error::forged.txt'), '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app:build-1\n');
    await writeFile(join(inUse, 'deployment.yaml'), [
      'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', `  name: "web${OSC8.replace(/\u001b/g, '\\e').replace(/\u0007/g, '\\a')}"`, '  namespace: shop',
      'spec:', '  template:', '    spec:', '      containers:', '        - name: web', '          image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app:build-2', '',
    ].join('\n'));
  });

  it('dry-run and audit in every human format, --explain, and the exit-3 message', async () => {
    const args = ['--snapshot', snapshot, '--in-use', inUse, '--now', NOW];
    const runs = await Promise.all([
      runCli(['dry-run', ...args, '--format', 'table']),
      runCli(['dry-run', ...args, '--explain', 'build-2']),
      runCli(['audit', ...args, '--format', 'table']),
      runCli(['audit', ...args, '--format', 'markdown']),
      runCli(['audit', ...args, '--format', 'html']),
    ]);
    for (const r of runs) expectInert(r);
    const [table, explain, audit] = runs;
    expect(table!.code).toBe(3);
    // Each hostile value is still there, visible: escaped, not dropped.
    expect(table!.stdout).toContain('throttled\\x1b[2J\\x1b[H\\n::error file=x::forged\\n##\\x5bstop-commands]tok');
    expect(table!.stdout).toContain('list\\n::error::forged.txt');
    expect(explain!.stdout).toContain('Keep 5\\x1b]52;c;ZXZpbA==\\x07 ##\\x5bstop-commands]tok');
    expect(audit!.stderr).toContain('(exit 3)');
  });

  it('exit-2 messages: a file name with a line break and a command prefix stays on its line', async () => {
    const r = await runCli(['dry-run', '--policy', `missing\n::error::forged${OSC52}.json`, '--images', `x\n##[stop-commands]tok`, '--now', NOW]);
    expect(r.code).toBe(2);
    expectInert(r);
    expect(r.stderr).toContain('missing\\n::error::forged\\x1b]52;c;ZXZpbA==\\x07.json');
  });
});

describe('what breaks, when comes first', () => {
  it('the table opens with each affected workload, what it loses, when and the rule; then the counts; then the details', async () => {
    const r = await runCli(['dry-run', '--snapshot', 'samples/registry', '--in-use', 'samples/in-use', '--now', NOW, '--days', '30', '--format', 'table', '--fail-on', 'never']);
    expect(r.code).toBe(0);
    const head = r.stdout.slice(0, r.stdout.indexOf('\nRepository '));
    expect(head).toContain('What breaks, when: 10 workloads affected\n');
    expect(head).toContain('  Deployment shop/shop-api-canary loses shop/api:release-1.2 (deleted) today, by rule 1\n');
    expect(head).toContain('  CronJob shop/shop-api-reindex loses shop/api@sha256:f9b4ff39a655 (deleted) today, by rule 3\n');
    expect(head).toContain('  Dockerfile samples/in-use/build/Dockerfile:4 loses base image platform/base:python-3.11 (deleted) today, by rule 1\n');
    expect(head).toContain('  ECS task samples/in-use/ecs/web-task-definition.json loses children linux/arm64, linux/amd64 of shop/web:v2.3.0 (deleted) in 1 day, 2026-11-23, by rule 3\n');
    expect(head).toMatch(/\nTotals: 5 repositories, 36 images; 15 actions now, 2 more actions within 30 days; frees [\d.]+ MiB now, [\d.]+ MiB within 30 days\n/);
    expect(head.indexOf('What breaks')).toBeLessThan(head.indexOf('Totals:'));
  });

  it('without --in-use, it says that nothing was checked rather than that nothing breaks', async () => {
    const r = await runCli(['dry-run', '--snapshot', 'samples/registry', '--now', NOW, '--format', 'table', '--fail-on', 'never']);
    expect(r.stdout).toContain('What breaks, when: not checked (no --in-use given: nothing is known to be in use)\n');
  });
});

describe('the table fits the terminal', () => {
  const hasTmux = spawnSync('tmux', ['-V'], { encoding: 'utf8' }).status === 0;

  /** The table printed on a pseudo-terminal of `width` columns (tmux); lines the terminal wrapped are joined back (-J). */
  async function onTerminal(width: number): Promise<string> {
    const socket = `ecr-lifeguard-reports-${process.pid}-${width}`;
    const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', env: { ...process.env, TERM: 'xterm-256color' } });
    const command = `env -u COLUMNS -u NO_COLOR -u FORCE_COLOR node ${CLI} dry-run --snapshot samples/registry --in-use samples/in-use --now ${NOW} --days 30 --format table --fail-on never; echo "[exited $?]"; sleep 60`;
    expect(tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'e2e', '-x', String(width), '-y', '50', '-c', ROOT, command).status).toBe(0);
    try {
      for (let waited = 0; ; waited += 100) {
        const screen = tmux('capture-pane', '-p', '-J', '-S', '-10000', '-t', 'e2e').stdout;
        if (screen.includes('[exited ')) return screen;
        if (waited > 20_000) throw new Error(`the table did not finish:\n${screen}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      tmux('kill-server');
    }
  }

  it.runIf(hasTmux)('at 80 and 200 columns no line is wider than the terminal, and the table uses the room it has', async () => {
    const [narrow, wide] = [await onTerminal(80), await onTerminal(200)];
    // eslint-disable-next-line no-control-regex
    const plain = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');
    for (const [width, screen] of [[80, narrow], [200, wide]] as const) {
      const lines = plain(screen).split('\n');
      expect(lines.filter((l) => [...l].length > width), `${width} columns:\n${screen}`).toEqual([]);
      expect(screen).toContain('[exited 0]');
      expect(screen).toContain('What breaks, when: 10 workloads affected');
    }
    // 80 columns: 12-character digests, no Pushed column; findings wrapped under their message.
    expect(plain(narrow)).toMatch(/│ Image {8}│ Tags/);
    expect(plain(narrow)).toMatch(/│ [0-9a-f]{12} │/);
    expect(plain(narrow)).toMatch(/\n {2}error {3}in-use-image-expired .*\n {10}\S/);
    // 200 columns: the full digest prefix and the Pushed column, the table as wide as the terminal.
    expect(plain(wide)).toMatch(/│ sha256:[0-9a-f]{12} {2}│/);
    expect(plain(wide)).toContain('│ Pushed ');
    expect(Math.max(...plain(wide).split('\n').filter((l) => l.startsWith('┌')).map((l) => [...l].length))).toBe(200);
  });
});
