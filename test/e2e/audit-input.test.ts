import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, expectCleanFailure, NOW, ROOT, runCli } from './support.js';

// audit checks its input as dry-run does: implausible times (after --now, a pull before the push) are
// warnings, every repository's problems are named in one run, and each repository's policy warnings are shown.

let dir: string;
beforeAll(async () => {
  assertBuilt();
  dir = await mkdtemp(join(tmpdir(), 'audit-input-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function samplesCopy(name: string): Promise<string> {
  const copy = join(dir, name);
  await cp(join(ROOT, 'samples', 'registry'), copy, { recursive: true });
  return copy;
}

describe('audit input checks', () => {
  it('a --now before the images were pushed: warnings, the first three located then a count, the same in dry-run; a note per repository', async () => {
    const args = ['--snapshot', 'samples/registry', '--now', '2025-01-01T00:00:00Z', '--format', 'json', '--fail-on', 'never'];
    const [audit, dryRun] = await Promise.all([runCli(['audit', ...args]), runCli(['dry-run', ...args])]);
    for (const r of [audit, dryRun]) {
      expect(r.code).toBe(0);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(4); // 51 timestamps after --now in the samples: 3 shown, then the count
      expect(lines.slice(0, 3).every((l) => /^warning: samples\/registry\/[a-z/-]+\/describe-images\.json:\d+:\d+ .*is after the simulation time 2025-01-01T00:00:00\.000Z: impossible, taken as is/.test(l))).toBe(true);
      expect(lines[3]).toMatch(/^warning: samples\/registry\/[a-z/-]+\/describe-images\.json: and 48 more like this here and in \d+ other files \(images\/time-after-now\)$/);
      const report = JSON.parse(r.stdout) as { repositories: Array<{ notes: string[] }> };
      expect(report.repositories.flatMap((repo) => repo.notes).filter((n) => n.includes('after the simulation time (--now)')).length).toBeGreaterThan(1);
    }
    expect(audit.stderr).toBe(dryRun.stderr);
  });

  it('a pull recorded before the push is a located warning, and the pull time is taken as the push time', async () => {
    const snapshot = await samplesCopy('pull-before-push');
    const file = join(snapshot, 'shop', 'web', 'describe-images.json');
    const images = JSON.parse(await readFile(file, 'utf8')) as { imageDetails: Array<Record<string, unknown>> };
    const image = images.imageDetails.find((d) => d.lastRecordedPullTime !== undefined)!;
    image.lastRecordedPullTime = '2015-06-01T00:00:00Z';
    await writeFile(file, JSON.stringify(images, null, 2));
    const args = ['--snapshot', snapshot, '--now', NOW, '--format', 'json', '--fail-on', 'never'];
    const [audit, dryRun] = await Promise.all([runCli(['audit', ...args]), runCli(['dry-run', ...args])]);
    for (const r of [audit, dryRun]) {
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(new RegExp(`^warning: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+ \\(at /imageDetails/\\d+/lastRecordedPullTime\\): lastRecordedPullTime of sha256:[0-9a-f]{12}\\.\\.\\. is before its imagePushedAt .*: impossible; taken as imagePushedAt \\(found 2015-06-01T00:00:00\\.000Z\\)`));
      const report = JSON.parse(r.stdout) as { repositories: Array<{ repositoryName: string; notes: string[] }> };
      expect(report.repositories.find((repo) => repo.repositoryName === 'shop/web')!.notes).toContain('1 timestamp lastRecordedPullTime before imagePushedAt: taken as imagePushedAt');
    }
  });

  it('two broken repositories are both named in one run, and no report is written', async () => {
    const snapshot = await samplesCopy('two-broken');
    await writeFile(join(snapshot, 'shop', 'api', 'describe-images.json'), '{"imageDetails": [');
    await writeFile(join(snapshot, 'tools', 'ci-runner', 'get-lifecycle-policy.json'), '{"lifecyclePolicyText": "{\\"rules\\": []}"}');
    const output = join(dir, 'two-broken.json');
    const r = await runCli(['audit', '--snapshot', snapshot, '--now', NOW, '--format', 'json', '--output', output]);
    expectCleanFailure(r);
    expect(r.stderr).toContain(join('shop', 'api', 'describe-images.json'));
    expect(r.stderr).toContain(join('tools', 'ci-runner', 'get-lifecycle-policy.json'));
    await expect(readFile(output)).rejects.toThrow();
  });

  it("shows a repository's policy warnings, naming the file", async () => {
    const snapshot = await samplesCopy('warning');
    const file = join(snapshot, 'shop', 'web', 'get-lifecycle-policy.json');
    const policy = JSON.parse(await readFile(file, 'utf8')) as { lifecyclePolicyText: string };
    await writeFile(file, JSON.stringify({ ...policy, lifecyclePolicyText: policy.lifecyclePolicyText.replace('"countNumber":180', '"countNumber":30') }));
    const [audit, dryRun] = await Promise.all([
      runCli(['audit', '--snapshot', snapshot, '--now', NOW, '--format', 'json', '--fail-on', 'never']),
      runCli(['dry-run', '--snapshot', snapshot, '--now', NOW, '--format', 'json', '--fail-on', 'never']),
    ]);
    expect(audit.code).toBe(0);
    expect(audit.stderr).toMatch(/^warning: .*shop\/web\/get-lifecycle-policy\.json.*below the 90-day archive minimum/m);
    expect(audit.stderr).toBe(dryRun.stderr);
  });

  it('counts the in-use references and those naming other registries (Docker Hub, other accounts or regions), in every format', async () => {
    const list = join(dir, 'other-registries.txt');
    await writeFile(list, [
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/api:release-1.8',
      '999999999999.dkr.ecr.eu-west-1.amazonaws.com/shop/api:release-1.8',
      '123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/api:release-1.8',
      'docker.io/library/redis:7.2',
      'nginx',
    ].join('\n'));
    const args = ['--snapshot', 'samples/registry', '--in-use', list, '--now', NOW, '--fail-on', 'never'];
    const [dryRun, audit, table, markdown] = await Promise.all([
      runCli(['dry-run', ...args, '--format', 'json']),
      runCli(['audit', ...args, '--format', 'json']),
      runCli(['dry-run', ...args, '--format', 'table']),
      runCli(['audit', ...args, '--format', 'markdown']),
    ]);
    const expected = { references: 5, otherRegistries: 4, filesRead: 1, bySource: { list: 5 }, unresolvable: 0, replaced: 0, skipped: [], filesWithProblems: 0 };
    expect(JSON.parse(dryRun.stdout).inUse).toEqual(expected);
    expect(JSON.parse(audit.stdout).inUse).toEqual(expected);
    expect(table.stdout.split('\n')[1]).toBe('In use: 5 references from --in-use (1 file: list 5); 4 name other registries and are not checked');
    expect(markdown.stdout).toContain('In use: 5 references from --in-use (1 file: list 5); 4 name other registries and are not checked');
    // Without --in-use the report says so: only recent pulls count as in use.
    const none = await runCli(['dry-run', '--snapshot', 'samples/registry', '--now', NOW, '--format', 'json', '--fail-on', 'never']);
    expect(JSON.parse(none.stdout).inUse).toEqual({ references: 0, otherRegistries: 0, none: true, filesRead: 0, bySource: {}, unresolvable: 0, replaced: 0, skipped: [], filesWithProblems: 0 });
    // ... in every human format too, in the report itself.
    const noneTable = await runCli(['dry-run', '--snapshot', 'samples/registry', '--now', NOW, '--format', 'table', '--fail-on', 'never']);
    expect(noneTable.stdout.split('\n')[1]).toBe('In use: no --in-use source was given: only images ECR recorded a recent pull of count as in use');
    for (const format of ['markdown', 'html']) {
      const r = await runCli(['audit', '--snapshot', 'samples/registry', '--now', NOW, '--format', format, '--fail-on', 'never']);
      expect(r.stdout).toContain('In use: no --in-use source was given: only images ECR recorded a recent pull of count as in use');
    }
  });
});
