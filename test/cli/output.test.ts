import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBytes, formatCount } from '../../src/report/storage-text.js';
import { FakeEcrServer } from '../support/fake-ecr/server.js';
import {
  allText, awsEnv, CLI, FIXTURES, markdownSummary, NOW, realisticRegistry, removeDirs, requireBuiltCli, runCli, SECRETS, summaryOf, tempDir,
  type CliResult, type JsonReport,
} from './support.js';

// What the commands print and write: silence on a non-terminal stderr, format defaults, summaries
// that agree across formats, a self-contained HTML file, and never a credential.

let fake: FakeEcrServer;
let home: string;
let snapshot: string;
let reports: string;
let env: Record<string, string>;
let endpoint: string[];
/** Every run's output, for the credential check at the end. */
const printed: CliResult[] = [];
const IMAGES = realisticRegistry({ bigRepository: false }).repositories.reduce((n, r) => n + r.images.length, 0);
const analysis = ['--now', NOW, '--days', '30', '--in-use', join(FIXTURES, 'in-use.txt')];

async function run(args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
  const r = await runCli(args, { ...env, ...extraEnv });
  printed.push(r);
  return r;
}

beforeAll(async () => {
  requireBuiltCli();
  fake = await FakeEcrServer.start(realisticRegistry({ bigRepository: false }));
  home = await tempDir();
  // A private TMPDIR: audit --live's temporary snapshot must be gone afterwards.
  env = awsEnv(home, { TMPDIR: join(home, 'tmp'), AWS_ENDPOINT_URL_STS: fake.url });
  await mkdir(join(home, 'tmp'));
  snapshot = join(home, 'snapshot');
  reports = join(home, 'reports');
  await mkdir(reports);
  endpoint = ['--endpoint-url', fake.url, '--cache-dir', join(home, 'manifests')];
});
afterAll(async () => {
  await fake?.close();
  await removeDirs(home);
});

describe('snapshot output', () => {
  it('stderr not a terminal: nothing on stderr, the summary on stdout', async () => {
    const r = await run(['snapshot', '--out', snapshot, ...endpoint]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(new RegExp(`^Snapshot written to \\S+ at \\S+: 6 repositories, ${IMAGES} images, \\d+ API calls, 0 retries\\.\\n {2}registry 111111111111 us-east-1, blob mounting on\\n$`));
  });

  it('--json prints the run report: complete, calls per operation', async () => {
    const r = await run(['snapshot', '--out', join(home, 'snapshot-json'), ...endpoint, '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ complete: true, totals: { repositories: 6, incomplete: 0, images: IMAGES, retries: 0 } });
    expect(report.repositories.map((x: { repositoryName: string }) => x.repositoryName)).toEqual(['empty', 'legacy', 'team/api', 'team/worker', 'tools/ci', 'web']);
    // The manifests are cached from the first snapshot: policy and listing only.
    for (const repo of report.repositories) expect(repo.apiCalls, repo.repositoryName).toEqual({ GetLifecyclePolicy: 1, DescribeImages: 1 });
  });

  it.skipIf(!existsSync('/usr/bin/script'))('stderr a terminal: progress lines (repositories, images, API calls, retries)', async () => {
    // util-linux `script` gives the command a pseudo-terminal; stdout and stderr arrive together.
    const command = [process.execPath, CLI, 'snapshot', '--out', join(home, 'snapshot-tty'), ...endpoint].map((a) => `'${a}'`).join(' ');
    const { spawn } = await import('node:child_process');
    const output = await new Promise<string>((done, fail) => {
      const child = spawn('/usr/bin/script', ['-qec', command, '/dev/null'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (text += c));
      child.on('error', fail);
      child.on('close', (code) => (code === 0 ? done(text) : fail(new Error(`exit ${code}: ${text}`))));
    });
    expect(output).toMatch(new RegExp(`repositories 6/6, images ${IMAGES}, API calls \\d+, retries 0`));
    expect(output).toContain('Snapshot written to');
  });
});

describe('audit formats', () => {
  let json: string;
  beforeAll(async () => {
    const r = await run(['audit', '--snapshot', snapshot, ...analysis, '--format', 'json']);
    expect(r.code).toBe(1);
    json = r.stdout;
  });

  it('defaults to JSON when stdout is not a terminal, on stdout and with --output', async () => {
    const file = join(reports, 'default.json');
    const [stdout, output] = await Promise.all([
      run(['audit', '--snapshot', snapshot, ...analysis]),
      run(['audit', '--snapshot', snapshot, ...analysis, '--output', file]),
    ]);
    expect(stdout.code).toBe(1);
    expect(stdout.stdout).toBe(json);
    expect(output.code).toBe(1);
    expect(output.stdout).toBe('');
    expect(await readFile(file, 'utf8')).toBe(json);
    const merged = await run(['merge', file]);
    expect(JSON.parse(merged.stdout)).toEqual(JSON.parse(json));
  });

  it('the Markdown summary shows the JSON report’s numbers', async () => {
    const r = await run(['audit', '--snapshot', snapshot, ...analysis, '--format', 'markdown']);
    expect(r.code).toBe(1);
    const s = summaryOf(JSON.parse(json) as JsonReport);
    expect(s.actionsNow).toBeGreaterThan(0);
    expect(s.workloadsAffected).toBeGreaterThan(0);
    expect(markdownSummary(r.stdout)).toEqual({
      Repositories: formatCount(s.repositories),
      Images: formatCount(s.images),
      'Actions now': formatCount(s.actionsNow),
      'Actions within 30 days': formatCount(s.actionsHorizon),
      'Workloads affected': formatCount(s.workloadsAffected),
      'Bytes freed now': formatBytes(s.bytesFreedNow!),
      'Bytes freed within 30 days': formatBytes(s.bytesFreedHorizon!),
    });
  });

  it('the HTML report is one self-contained file: nothing loaded from the network', async () => {
    const file = join(reports, 'audit.html');
    const r = await run(['audit', '--snapshot', snapshot, ...analysis, '--format', 'html', '--output', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect((await readdir(reports)).filter((f) => f.endsWith('.html'))).toEqual(['audit.html']);
    const html = await readFile(file, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<(?:link|script|img|iframe|source|video|audio|object|embed)\b[^>]*\b(?:src|href|data)\s*=\s*["']?(?:https?:)?\/\//i);
    expect(html).not.toMatch(/<link\b[^>]*\brel\s*=\s*["']?stylesheet/i);
    expect(html).not.toMatch(/@import|url\(\s*["']?(?:https?:)?\/\//i);
  });
});

const CHROMIUM = '/usr/bin/chromium';
describe.skipIf(!existsSync(CHROMIUM))('the HTML report in headless Chromium', () => {
  it('shows the JSON report’s numbers and requests nothing but itself', async () => {
    const file = join(reports, 'browser.html');
    const [h, j] = await Promise.all([
      run(['audit', '--snapshot', snapshot, ...analysis, '--format', 'html', '--output', file]),
      run(['audit', '--snapshot', snapshot, ...analysis, '--format', 'json']),
    ]);
    expect(h.code).toBe(1);
    const s = summaryOf(JSON.parse(j.stdout) as JsonReport);
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    try {
      const url = pathToFileURL(file).href;
      const context = await browser.newContext();
      await context.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()));
      const page = await context.newPage();
      const requests: string[] = [];
      const errors: string[] = [];
      page.on('request', (q) => requests.push(q.url()));
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(url, { waitUntil: 'load' });
      const metric = async (m: string) => (await page.locator(`[data-metric="${m}"] dd`).textContent())?.trim();
      expect(await metric('repositories')).toBe(formatCount(s.repositories));
      expect(await metric('images')).toBe(formatCount(s.images));
      expect(await metric('actions-now')).toBe(formatCount(s.actionsNow));
      expect(await metric('actions-horizon')).toBe(formatCount(s.actionsHorizon));
      expect(await metric('workloads-affected')).toBe(formatCount(s.workloadsAffected));
      expect(await metric('bytes-now')).toBe(formatBytes(s.bytesFreedNow!));
      expect(await metric('bytes-horizon')).toBe(formatBytes(s.bytesFreedHorizon!));
      expect((await page.locator('details.repo').evaluateAll((els) => els.map((e) => e.getAttribute('data-name')))).sort()).toEqual(
        ['empty', 'legacy', 'team/api', 'team/worker', 'tools/ci', 'web'],
      );
      expect(errors).toEqual([]);
      expect(requests).toEqual([url]);
    } finally {
      await browser.close();
    }
  });
});

describe('credentials never appear', () => {
  it('in any output, report, snapshot or cache file, also on error paths (the last test of this file)', async () => {
    // Error paths print AWS error messages; --debug prints stack traces.
    await run(['audit', '--live', ...endpoint, '--format', 'table', '--now', NOW]);
    const wrongRegion = await run(['snapshot', '--out', join(home, 'snapshot-wrong-region'), ...endpoint, '--region', 'eu-west-3', '--debug']);
    expect(wrongRegion.code).toBe(3);
    expect(wrongRegion.stdout).toContain('UnrecognizedClientException');
    fake.addFault({ operation: 'BatchGetImage', kind: 'access-denied', repositoryName: 'web' });
    const denied = await run(['snapshot', '--out', join(home, 'snapshot-denied'), '--endpoint-url', fake.url, '--cache-dir', join(home, 'empty-cache'), '--debug']);
    fake.clearFaults();
    expect(denied.code).toBe(3);
    expect(denied.stdout).toContain('AccessDeniedException');
    await run(['audit', '--snapshot', join(home, 'snapshot-denied'), '--format', 'markdown', '--output', join(reports, 'denied.md'), '--now', NOW]);

    expect(printed.length).toBeGreaterThan(10);
    const everything = [...printed.flatMap((r) => [r.stdout, r.stderr]), await allText(home)].join('\n');
    expect(everything).toContain('AccessDeniedException'); // control: the error paths are in the text
    for (const secret of SECRETS) expect(everything).not.toContain(secret);
    expect(everything).not.toMatch(/Signature=|X-Amz-Security-Token|Credential=AKIA|authorization:/i);
    // audit --live cleaned up its private snapshot.
    expect(await readdir(join(home, 'tmp'))).toEqual([]);
  });
});
