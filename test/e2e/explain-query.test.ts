import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExplainQuery } from '../../src/simulate/explain.js';
import { assertBuilt, NOW, runCli } from './support.js';

// --explain repository:tag / repository@digest, and a tag held by several repositories asked about.

describe('parseExplainQuery', () => {
  it('reads repository:tag, repository@digest, and bare tags and digests', () => {
    expect(parseExplainQuery('shop/api:latest')).toEqual({ repositoryName: 'shop/api', tagOrDigest: 'latest' });
    expect(parseExplainQuery('shop/api@sha256:d056bdd48598')).toEqual({ repositoryName: 'shop/api', tagOrDigest: 'sha256:d056bdd48598' });
    expect(parseExplainQuery('sha256:d056bdd48598')).toEqual({ tagOrDigest: 'sha256:d056bdd48598' });
    expect(parseExplainQuery('latest')).toEqual({ tagOrDigest: 'latest' });
  });
});

describe('dry-run --explain with a repository (built CLI)', () => {
  let snapshot: string;
  beforeAll(() => {
    assertBuilt();
    // The samples, with shop/api copied as shop/api-copy: every tag of shop/api is then in two repositories.
    snapshot = mkdtempSync(join(tmpdir(), 'explain-query-'));
    cpSync('samples/registry', snapshot, { recursive: true });
    const copy = join(snapshot, 'shop', 'api-copy');
    cpSync(join(snapshot, 'shop', 'api'), copy, { recursive: true });
    for (const f of readdirSync(copy)) writeFileSync(join(copy, f), readFileSync(join(copy, f), 'utf8').replaceAll('"shop/api"', '"shop/api-copy"'));
  });
  afterAll(() => rmSync(snapshot, { recursive: true, force: true }));

  it('asks which repository when the tag is in several, listing them', async () => {
    const run = await runCli(['dry-run', '--snapshot', snapshot, '--now', NOW, '--explain', 'latest']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('--explain: "latest" is in 2 repositories: shop/api, shop/api-copy; give one, e.g. --explain shop/api:latest');
  });

  it('explains the one image of repository:tag and repository@digest', async () => {
    const byTag = await runCli(['dry-run', '--snapshot', snapshot, '--now', NOW, '--explain', 'shop/api-copy:latest']);
    expect(byTag.code).toBe(0);
    expect(byTag.stdout).toMatch(/^Image sha256:d056bdd4[0-9a-f]+ in shop\/api-copy\n/);
    expect(byTag.stdout).not.toContain('in shop/api\n');
    const byDigest = await runCli(['dry-run', '--snapshot', snapshot, '--now', NOW, '--explain', 'shop/api@sha256:d056bdd48598']);
    expect(byDigest.code).toBe(0);
    expect(byDigest.stdout).toMatch(/^Image sha256:d056bdd4[0-9a-f]+ in shop\/api\n/);
    const none = await runCli(['dry-run', '--snapshot', snapshot, '--now', NOW, '--explain', 'shop/web:release-1.8']);
    expect(none.code).toBe(2);
  });
});
