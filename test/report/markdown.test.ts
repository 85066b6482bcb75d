import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/model/finding.js';
import { COLLAPSE_ROWS, MAX_ROWS, formatMarkdown, mdCode, mdText } from '../../src/report/markdown.js';
import { context, fixture, shuffled } from './support.js';

/** Cells of a GFM table row: pipes not escaped with a backslash separate cells (also inside code spans). */
const cells = (row: string) => row.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
/** Markdown with code spans removed: what remains is rendered as inline Markdown/HTML. */
const outsideCode = (md: string) => md.replace(/(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, '');

function section(md: string, heading: string): string {
  const start = md.indexOf(heading);
  expect(start, `missing ${heading}`).toBeGreaterThanOrEqual(0);
  const next = md.indexOf('\n### ', start + heading.length);
  return md.slice(start, next < 0 ? undefined : next);
}

function tableRows(block: string): string[][] {
  return block.split('\n').filter((l) => l.startsWith('| ') && !/^\| (---|-{3}:)/.test(l)).map(cells);
}

describe('markdown escaping', () => {
  it('escapes pipes, backticks and HTML in text', () => {
    expect(mdText('a | b `c` <img> *x* [y](z) & \\')).toBe('a \\| b \\`c\\` \\<img\\> \\*x\\* \\[y\\](z) &amp; \\\\');
    expect(mdText('line\nbreak')).toBe('line break');
  });

  it('makes code spans that hold backticks and pipes', () => {
    expect(mdCode('plain')).toBe('`plain`');
    expect(mdCode('a`b')).toBe('``a`b``');
    expect(mdCode('`x`')).toBe('`` `x` ``');
    expect(mdCode('a|b')).toBe('`a\\|b`');
  });
});

describe('markdown lint report', () => {
  const md = formatMarkdown(fixture('lint'), context('lint'));

  it('starts with a one-line verdict', () => {
    expect(md.split('\n').slice(0, 3)).toEqual(['## ecr-lifeguard lint', '', '❌ **2 errors, 2 warnings, 1 info** in 3 policies (1 invalid).']);
  });

  it('lists findings in a table: severity, check (linked to its docs), location, message', () => {
    const rows = tableRows(section(md, '### Findings (5)'));
    expect(rows[0]).toEqual(['Severity', 'Check', 'Location', 'Message']);
    expect(rows).toHaveLength(6);
    const rejected = rows.find((r) => r[1]!.includes('ecr-rejects-policy'))!;
    expect(rejected).toEqual([
      '🔴 error',
      '[`ecr-rejects-policy`](https://github.com/ecr-lifeguard/ecr-lifeguard/blob/main/README.md#check-ecr-rejects-policy)',
      '`infra/cfn/registry.yaml:47:13`',
      'ECR will reject this policy: rule 2 has tagStatus "tagged" but neither tagPrefixList nor tagPatternList',
    ]);
    // Errors first.
    expect(rows.slice(1).map((r) => r[0])).toEqual(['🔴 error', '🔴 error', '🟠 warning', '🟠 warning', '🔵 info']);
  });

  it('shows the policy diff: rule changes, fate changes by direction with in-use marked, findings introduced and fixed', () => {
    const diff = section(md, '### Policy change against `origin/main:infra/terraform/plan.json`');
    expect(diff).toContain('| changed | 1 | tagPrefixList release: imageCountMoreThan 10 -\\> sinceImagePushed 30 days |');
    expect(diff).toContain('**Kept → expired or archived: 2 images, 1 in use**');
    expect(diff).toContain('**Expired or archived → kept: 1 image**');
    expect(diff).toContain('**Action or date changed: 1 image**');
    const kept = tableRows(diff.slice(diff.indexOf('**Kept → expired'), diff.indexOf('**Expired or archived')));
    // In-use first.
    expect(kept[1]).toEqual(['`shop/api`', '`sha256:2c3a4249d770`', 'release-1.41.2', '⚠️ **in use**', 'KEEP', '**EXPIRE 2026-12-02 (rule 1)**']);
    expect(kept[2]![3]).toBe('');
    expect(diff).toContain('**Findings introduced (1)**');
    expect(diff).toContain('**Findings fixed (1)**');
    expect(diff).toContain('nightly-2026-11-01');
  });

  it('collapses long tables and cuts very long ones', () => {
    const finding = (i: number): Finding => ({ id: 'shadowed-rule', severity: 'warning', message: `finding ${String(i).padStart(4, '0')}`, location: { file: 'p.json', line: i + 1 }, evidence: {} });
    const few = formatMarkdown({ ...fixture('lint'), diff: undefined, findings: Array.from({ length: COLLAPSE_ROWS }, (_, i) => finding(i)) }, context('lint'));
    expect(few).not.toContain('<details>');
    const many = formatMarkdown({ ...fixture('lint'), diff: undefined, findings: Array.from({ length: MAX_ROWS + 5 }, (_, i) => finding(i)) }, context('lint'));
    expect(many).toContain(`<details>\n<summary>${MAX_ROWS + 5} findings</summary>\n\n| Severity`);
    expect(many).toContain('_… and 5 more rows; see the JSON report for all of them._');
    expect(many).not.toContain(`finding ${String(MAX_ROWS).padStart(4, '0')}`);
  });
});

describe('markdown audit report', () => {
  const md = formatMarkdown(fixture('audit'), context('audit'));

  it('has a verdict and lists incomplete and unreadable repositories before anything else', () => {
    const lines = md.split('\n');
    expect(lines[0]).toBe('## ecr-lifeguard audit at 2026-11-22T00:00:00.000Z, horizon 30 days');
    expect(lines[2]).toBe('❌ **2 errors, 3 warnings, 0 info** in 5 repositories. **Incomplete:** 2 repositories could not be read completely, so these results are not complete.');
    expect(md.indexOf('> [!WARNING]')).toBeLessThan(md.indexOf('### Summary'));
    expect(md).toContain('> - `payments/ledger` (210987654321 us-east-1) (not read): AccessDeniedException');
    expect(md).toContain('> - `tools/ci-runner` (123456789012 eu-west-1): DescribeImages failed after 5 attempts');
  });

  it('starts with what breaks, when: one line per workload, what it loses, when as a person says it, the rule', () => {
    const block = section(md, '### What breaks, when: 4 workloads affected');
    expect(md.indexOf('### What breaks')).toBeLessThan(md.indexOf('### Summary'));
    expect(block.split('\n').filter((l) => l.startsWith('- '))).toEqual([
      expect.stringMatching(/^- \*\*Dockerfile services\/worker\/Dockerfile.*\*\* loses `base image .*` \(deleted\) \*\*in 4 days, 2026-11-26\*\*, by rule \d+$/),
      expect.stringMatching(/^- \*\*Lambda lambda\/thumbnailer\.json\*\* loses .* \(archived: pulls fail until it is restored\) \*\*in 6 days, 2026-11-28\*\*/),
      expect.stringMatching(/^- \*\*ECS task ecs\/api-task\.json\*\* loses .* \(deleted\) \*\*in 10 days, 2026-12-02\*\*/),
      expect.stringMatching(/^- \*\*Kubernetes deploy\/k8s\/api-canary\.yaml\*\* loses .* \*\*in 10 days, 2026-12-02\*\*/),
    ]);
  });

  it('summarises repositories, images, actions now and over the horizon, workloads affected and bytes freed', () => {
    const rows = tableRows(section(md, '### Summary'));
    expect(rows[0]).toEqual(['Repositories', 'Images', 'Actions now', 'Actions within 30 days', 'Workloads affected', 'Bytes freed now', 'Bytes freed within 30 days']);
    // 4 read + 1 unreadable; 12 images; 2 actions now; 7 over the horizon; 4 workloads (recorded pulls excluded); registry totals.
    expect(rows[1]).toEqual(['5', '12', '2', '7', '4', '175.0 MiB', '443.0 MiB']);
  });

  it('orders repositories by risk: incomplete first, then errors, warnings, bytes and actions', () => {
    const rows = tableRows(section(md, '### Repositories by risk'));
    expect(rows.slice(1).map((r) => r[0])).toEqual(['`tools/ci-runner`', '`shop/api`', '`platform/base-images`', '`legacy/batch-jobs`']);
    expect(rows[2]).toEqual(['`shop/api`', 'policy', '6', '1', '1', '2', '5', '393.0 MiB']);
  });

  it('groups findings by repository in risk order, then repositories not in the report', () => {
    const findings = section(md, '### Findings (5)');
    const headings = findings.split('\n').filter((l) => l.startsWith('#### '));
    expect(headings).toEqual([
      '#### `shop/api`: 1 error, 1 warning, 0 info',
      '#### `platform/base-images`: 1 error, 1 warning, 0 info',
      '#### `shop/web`: 0 errors, 1 warning, 0 info',
    ]);
  });

  it('without storage figures says bytes are unknown', () => {
    const report = fixture('audit');
    delete report.storage;
    for (const r of report.repositories) delete r.storage;
    const out = formatMarkdown(report, context('audit'));
    expect(tableRows(section(out, '### Summary'))[1]!.slice(5)).toEqual(['n/a', 'n/a']);
    expect(out).toContain('_Bytes freed are not known');
  });

  it('keeps hostile values inside their cells and never as raw HTML', () => {
    const out = formatMarkdown(fixture('hostile'), context('audit'));
    // Every row of every table has as many cells as its header.
    const tables = out.split(/\n(?!\| )/).map((block) => block.split('\n').filter((l) => l.startsWith('| '))).filter((t) => t.length > 0);
    expect(tables.length).toBeGreaterThanOrEqual(4);
    for (const t of tables) for (const row of t) expect(cells(row), row).toHaveLength(cells(t[0]!).length);
    const finding = out.split('\n').find((l) => l.startsWith('| 🔴 error'))!;
    expect(cells(finding)).toHaveLength(4);
    expect(outsideCode(out)).not.toMatch(/(?<!\\)<(img|script|iframe|b)\b/);
    expect(outsideCode(out)).not.toMatch(/(?<!\\)`/);
  });

  it('is deterministic and independent of input order', () => {
    expect(formatMarkdown(shuffled(fixture('audit')), context('audit'))).toBe(md);
    expect(formatMarkdown(shuffled(fixture('lint')), context('lint'))).toBe(formatMarkdown(fixture('lint'), context('lint')));
  });
});
