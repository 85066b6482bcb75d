import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatHtml } from '../../src/report/html.js';
import { actionsChart, niceCeil } from '../../src/report/html/chart.js';
import { esc } from '../../src/report/html/escape.js';
import { context, fixture, shuffled } from './support.js';

// Static checks on the markup, then the page itself in Debian's headless Chromium.

const audit = formatHtml(fixture('audit'), context('audit'));
const hostile = formatHtml(fixture('hostile'), context('audit', {
  checks: [{ id: 'in-use-image-expired', defaultSeverity: 'error', description: 'd', help: 'h', docs: 'javascript:alert(1)' }],
}));

describe('html report markup', () => {
  it('is one self-contained document: inline style and script, nothing fetched', () => {
    expect(audit.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
    expect(audit).toContain('<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;;');
    expect(audit.match(/<script\b[^>]*>/g)).toEqual(['<script>']);
    expect(audit).not.toMatch(/<link\b(?![^>]*rel="icon" href="data:,")/);
    expect(audit).not.toMatch(/\ssrc=/);
    expect(audit).not.toMatch(/url\(|@import|@font-face/);
    // Only links a reader clicks (check docs) and the SVG namespace name an http(s) URL.
    const urls = audit.match(/https?:\/\/[^"'\s<>)]+/g) ?? [];
    for (const u of urls) expect(u === 'http://www.w3.org/2000/svg' || u.startsWith('https://github.com/ecr-lifeguard/'), u).toBe(true);
  });

  it('escapes every value: tags, file names, messages and reasons stay text', () => {
    expect(esc(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(hostile).not.toMatch(/<img\b/);
    expect(hostile).not.toMatch(/<iframe\b/);
    expect(hostile).not.toContain('<script>alert');
    expect(hostile).not.toContain('</td></tr></table><script>');
    expect(hostile).toContain('evil/&lt;script&gt;alert(&quot;repo&quot;)&lt;/script&gt;');
    expect(hostile.match(/<script\b[^>]*>/g)).toEqual(['<script>']);
    expect(hostile).not.toContain('javascript:');
  });

  it('for lint: verdict over policies, findings first, then policies and the policy diff', () => {
    const lint = formatHtml(fixture('lint'), context('lint'));
    expect(lint).toContain('<p id="verdict" class="verdict error">2 errors, 2 warnings, 1 info in 3 policies.</p>');
    const at = (s: string) => lint.indexOf(s);
    expect(at('<section id="findings">')).toBeGreaterThan(0);
    expect(at('<section id="findings">')).toBeLessThan(at('<section id="policies">'));
    expect(at('<section id="policies">')).toBeLessThan(at('<section id="diff">'));
    expect(lint).toContain('<h3>Findings introduced (1)</h3>');
    expect(lint).toContain('<td><strong>in use</strong></td><td>KEEP</td><td><strong>EXPIRE 2026-12-02 (rule 1)</strong></td>');
  });

  it('is deterministic and independent of input order', () => {
    expect(formatHtml(fixture('audit'), context('audit'))).toBe(audit);
    expect(formatHtml(shuffled(fixture('audit')), context('audit'))).toBe(audit);
  });

  it('charts one bar per day with actions and a step line of the cumulative series', () => {
    const svg = actionsChart({ id: 'c', title: 't', now: '2026-11-22T00:00:00.000Z', days: 3,
      actions: [{ day: 0, EXPIRE: 2, TRANSITION: 0 }, { day: 1, EXPIRE: 0, TRANSITION: 0 }, { day: 2, EXPIRE: 1, TRANSITION: 1 }, { day: 3, EXPIRE: 0, TRANSITION: 0 }],
      bytesFreed: [1024, 1024, 3072, 3072] });
    expect(svg.match(/<g class="bar"/g)).toHaveLength(2);
    expect(svg).toContain('data-day="2" data-expire="1" data-transition="1"');
    expect(svg).toContain('2026-11-24 (day 2): 1 expired, 1 archived');
    expect(svg).toContain('bytes freed (cumulative): 3.0 KiB by 2026-11-25');
    expect(niceCeil(7)).toBe(10);
    expect(niceCeil(3)).toBe(5);
    expect(niceCeil(3 * 1024 * 1024, 1024)).toBe(5 * 1024 * 1024);
  });
});

// --- in the browser -------------------------------------------------------------------------------

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
if (!haveChromium) console.warn(`html report browser tests SKIPPED: ${CHROMIUM} not found (install Debian's chromium: apt-get install -y chromium)`);

describe.skipIf(!haveChromium)('html report in headless Chromium', () => {
  type Browser = import('playwright-core').Browser;
  type Page = import('playwright-core').Page;
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    dir = mkdtempSync(join(tmpdir(), 'ecr-lifeguard-html-'));
  });
  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Opens the page from a file with every request recorded and anything but the file itself blocked. */
  async function open(name: string, html: string): Promise<{ page: Page; url: string; requests: string[]; dialogs: string[]; errors: string[] }> {
    const file = join(dir, `${name}.html`);
    writeFileSync(file, html);
    const url = pathToFileURL(file).href;
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const requests: string[] = [];
    const dialogs: string[] = [];
    const errors: string[] = [];
    await ctx.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()));
    const page = await ctx.newPage();
    page.on('request', (r) => requests.push(r.url()));
    page.on('websocket', (w) => requests.push(w.url()));
    page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url, { waitUntil: 'load' });
    return { page, url, requests, dialogs, errors };
  }

  it('shows the summary, the chart, repositories by risk and a drill-down, without any request', async () => {
    const { page, url, requests, errors } = await open('audit', audit);
    expect(await page.title()).toBe('ecr-lifeguard audit report — 2026-11-22');
    const metric = (m: string) => page.locator(`[data-metric="${m}"] dd`).textContent();
    expect(await metric('repositories')).toBe('5');
    expect(await metric('images')).toBe('12');
    expect(await metric('actions-now')).toBe('2');
    expect(await metric('actions-horizon')).toBe('7');
    expect(await metric('workloads-affected')).toBe('4');
    // What breaks, when: first, with relative dates and the ISO date in a tooltip.
    expect(await page.locator('#breaks h2').textContent()).toBe('What breaks, when: 4 workloads affected');
    expect(await page.locator('#breaks time').first().getAttribute('title')).toBe('2026-11-26T00:00:00.000Z');
    expect(await page.locator('#breaks time').first().textContent()).toBe('in 4 days, 2026-11-26');
    expect(await metric('bytes-horizon')).toBe('443.0 MiB');
    expect(await page.locator('#verdict').textContent()).toBe('2 errors, 3 warnings, 0 info in 5 repositories. Incomplete: 2 repositories could not be read completely, so these results are not complete.');
    expect(await page.locator('#incomplete li').allTextContents()).toEqual([
      expect.stringContaining('payments/ledger'), expect.stringContaining('tools/ci-runner'),
    ]);

    // The chart: an inline SVG with one bar per day that has actions (days 0, 4, 6, 7, 10) and the bytes line.
    const chart = page.locator('svg#chart-actions');
    expect(await chart.count()).toBe(1);
    expect(await chart.locator('g.bar').count()).toBe(5);
    expect(await chart.locator('polyline.line.bytes').count()).toBe(1);
    expect(await chart.isVisible()).toBe(true);

    // Risk order, and the shop/api row.
    const names = await page.locator('#repo-table tbody tr td:first-child').allTextContents();
    expect(names).toEqual(['tools/ci-runner', 'shop/api', 'platform/base-images', 'legacy/batch-jobs']);
    const row = page.locator('#repo-table tr[data-name="shop/api"]');
    expect((await row.locator('td').allTextContents()).map((t) => t.trim())).toEqual(['shop/api', 'policy', '6', '1', '1', '2', '5', '2', '393.0 MiB']);

    // Drill-down: closed at first; a click on the row opens its images, timeline and findings.
    const details = page.locator('details.repo[data-name="shop/api"]');
    const images = details.locator('h3:has-text("Images") + table');
    expect(await details.getAttribute('open')).toBeNull();
    expect(await images.isVisible()).toBe(false);
    await row.locator('td').nth(2).click();
    await expect.poll(() => details.getAttribute('open')).not.toBeNull();
    expect(await images.isVisible()).toBe(true);
    expect(await images.locator('tbody tr').count()).toBe(6);
    const verdicts = await images.locator('tbody tr td:nth-child(5)').allTextContents();
    expect(verdicts.sort()).toEqual(['EXPIRE', 'EXPIRE', 'KEEP', 'KEEP', 'KEEP', 'KEEP']);
    expect(await details.locator('text=release-1.41.2').first().isVisible()).toBe(true);
    expect(await details.locator('svg.chart g.bar').count()).toBe(3);
    expect(await details.locator('h3:has-text("Findings") + table tbody tr').count()).toBe(2);
    expect(new URL(page.url()).hash).toBe(`#${await details.getAttribute('id')}`);

    // Findings with their origins.
    const finding = page.locator('#findings-table tbody tr', { hasText: 'in-use-image-expired' });
    expect(await finding.locator('ul.origins li').allTextContents()).toEqual([
      'deploy/k8s/api-canary.yaml:18:18 (spec.template.spec.containers[0].image) kubernetes',
      'ecs/api-task.json:12:22 (containerDefinitions[0].image) ecs',
    ]);

    // The filter hides other repositories.
    await page.locator('#repo-filter').fill('shop');
    expect(await page.locator('#repo-table tbody tr:visible td:first-child').allTextContents()).toEqual(['shop/api']);

    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);
    await page.context().close();
  });

  it('records requests a page makes (control for the assertions above)', async () => {
    const { page, url, requests } = await open('control', '<!doctype html><title>control</title><img src="http://127.0.0.1:9/pixel.png">');
    expect(requests).toEqual([url, 'http://127.0.0.1:9/pixel.png']);
    await page.context().close();
  });

  it('runs no script from hostile values and requests nothing', async () => {
    const { page, url, requests, dialogs, errors } = await open('hostile', hostile);
    expect(dialogs).toEqual([]);
    expect(await page.locator('img, iframe').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(1);
    const summary = page.locator('details.repo summary').first();
    expect(await summary.textContent()).toContain('evil/<script>alert("repo")</script>');
    await page.locator('#expand-all').click();
    expect(await page.locator('details.repo').first().locator('td', { hasText: 'because </td></tr></table>' }).count()).toBe(1);
    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);
    await page.context().close();
  });
});
