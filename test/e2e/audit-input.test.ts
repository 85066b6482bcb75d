import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, expectCleanFailure, NOW, ROOT, runCli } from './support.js';

// audit checks its input as dry-run does: times after --now are input errors, every repository's
// problems are named in one run, and each repository's policy warnings are shown.

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
  it('a --now before the images were pushed is an input error naming every repository, as in dry-run', async () => {
    const args = ['--snapshot', 'samples/registry', '--now', '2025-01-01T00:00:00Z', '--format', 'json'];
    const [audit, dryRun] = await Promise.all([runCli(['audit', ...args]), runCli(['dry-run', ...args])]);
    expectCleanFailure(audit);
    expectCleanFailure(dryRun);
    const files = (stderr: string) => [...new Set(stderr.match(/samples\/registry\/[a-z/-]+\/describe-images\.json/g))].sort();
    expect(files(audit.stderr)).toEqual(files(dryRun.stderr));
    expect(files(audit.stderr).length).toBeGreaterThan(1);
    expect(audit.stderr).toContain('is after the simulation time 2025-01-01T00:00:00.000Z');
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
});
