import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, NOW, runCli } from './support.js';

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
export async function countSnapshot(root: string, name: string, count: number, keep: number): Promise<string> {
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
  const policy = { rules: [{ rulePriority: 1, description: `Keep ${keep} images`, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: keep }, action: { type: 'expire' } }] };
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
});
