import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffRules } from '../../src/lint/diff.js';
import type { LifecycleRule } from '../../src/model/policy.js';
import { lint } from './support.js';

const DIR = 'test/fixtures/lint/diff';
const STATE = { images: `${DIR}/images.json`, inUse: [`${DIR}/in-use.txt`], now: '2026-04-30T00:00:00Z', days: 30 };

describe('lint --base FILE', () => {
  it('without state: rule changes and lint findings introduced and fixed', async () => {
    const r = await lint({ paths: [`${DIR}/next.json`], base: `${DIR}/base.json`, now: '2026-04-30T00:00:00Z' });
    expect(r.code).toBe(0);
    const diff = r.report().diff!;
    expect(diff.base).toBe(`${DIR}/base.json`);
    expect(diff.ruleChanges).toEqual([
      { change: 'removed', rulePriority: 2, summary: 'expire tagged tagPrefixList ["prod","staging"], more than 20 images' },
      { change: 'changed', rulePriority: 2, summary: 'rulePriority 1 -> 2; countNumber 50 -> 2' },
      { change: 'changed', rulePriority: 3, summary: 'countNumber 14 -> 7' },
      { change: 'added', rulePriority: 5, summary: 'expire tagged tagPatternList ["*"], more than 10 images' },
    ]);
    expect(diff.fateChanges).toEqual([]);
    expect(diff.introducedFindings.map((f) => `${f.id} r${f.rulePriority}`)).toEqual(['selects-signatures r5']);
    expect(diff.fixedFindings.map((f) => `${f.id} r${f.rulePriority} ${f.location?.file}:${f.location?.line}`)).toEqual([
      `tag-list-entries-anded r2 ${DIR}/base.json:11`,
    ]);
  });

  it('with state: images that change fate (in use or not), and the safety findings the change introduces', async () => {
    const r = await lint({ paths: [`${DIR}/next.json`], base: `${DIR}/base.json`, ...STATE });
    expect(r.code).toBe(1); // in-use-image-expired is an error
    const diff = r.report().diff!;
    expect(diff.fateChanges).toEqual([
      {
        repositoryName: 'shop/api', imageDigest: `sha256:${'1'.repeat(64)}`, imageTags: ['release-1'], inUse: true,
        before: { action: 'KEEP' }, after: { action: 'EXPIRE', date: '2026-04-30T00:00:00.000Z', appliedRulePriority: 2 },
      },
      {
        repositoryName: 'shop/api', imageDigest: `sha256:${'2'.repeat(64)}`, imageTags: ['release-2'], inUse: false,
        before: { action: 'KEEP' }, after: { action: 'EXPIRE', date: '2026-04-30T00:00:00.000Z', appliedRulePriority: 2 },
      },
    ]);
    expect(diff.introducedFindings.map((f) => f.id)).toContain('in-use-image-expired');
    const expired = diff.introducedFindings.find((f) => f.id === 'in-use-image-expired')!;
    expect(expired.image?.imageTags).toEqual(['release-1']);
    expect(expired.location?.line).toBe(3); // the rule responsible, in next.json
    // The prod/staging rule identified nothing (dead) and the release rule never acted: both fixed.
    expect(diff.fixedFindings.map((f) => `${f.id} r${f.rulePriority}`)).toEqual(['dead-rule r2', 'tag-list-entries-anded r2', 'rule-never-acts r1']);
  });

  it('an unchanged policy changes nothing', async () => {
    const r = await lint({ paths: [`${DIR}/next.json`], base: `${DIR}/next.json`, ...STATE });
    const diff = r.report().diff!;
    expect(diff).toEqual({ base: `${DIR}/next.json`, ruleChanges: [], fateChanges: [], introducedFindings: [], fixedFindings: [] });
  });

  it('a base that is neither a file nor a revision is a usage error', async () => {
    const r = await lint({ paths: [`${DIR}/next.json`], base: 'no-such-file-or-revision' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--base "no-such-file-or-revision" is neither a file nor a git revision/);
  });
});

describe('lint --base REV', () => {
  function gitRepo(): string {
    const dir = mkdtempSync(join(tmpdir(), 'lint-diff-git-'));
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
    git('init', '-q');
    git('config', 'user.email', 'test@example.com');
    git('config', 'user.name', 'test');
    git('config', 'commit.gpgsign', 'false');
    cpSync(`${DIR}/base.json`, join(dir, 'infra', 'policy.json'), { recursive: true });
    git('add', '.');
    git('commit', '-q', '-m', 'base');
    cpSync(`${DIR}/next.json`, join(dir, 'infra', 'policy.json'));
    writeFileSync(join(dir, 'infra', 'new.json'), JSON.stringify({ rules: [{ rulePriority: 1, description: 'a policy added in this change', selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 3 }, action: { type: 'expire' } }] }));
    return dir;
  }

  it('compares every linted file with the same file at the revision; files new since then are all added', async () => {
    const dir = gitRepo();
    const r = await lint({ paths: ['infra'], base: 'HEAD', now: '2026-04-30T00:00:00Z' }, dir);
    expect(r.stderr).toBe('');
    const diff = r.report().diff!;
    expect(diff.base).toBe('HEAD');
    expect(diff.ruleChanges.map((c) => `${c.change} ${c.summary.split(':')[0]}`)).toEqual([
      'added new.json', 'removed policy.json', 'changed policy.json', 'changed policy.json', 'added policy.json',
    ]);
    expect(diff.fixedFindings.map((f) => [f.id, f.location?.file.endsWith('HEAD:infra/policy.json')])).toEqual([['tag-list-entries-anded', true]]);
    expect(diff.introducedFindings.map((f) => f.id).sort()).toEqual(['selects-signatures']);
  });

  it('a file at the root of the git repository pairs with its earlier version too', async () => {
    const dir = gitRepo();
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
    cpSync(`${DIR}/base.json`, join(dir, 'root.json'));
    git('add', 'root.json');
    git('commit', '-q', '-m', 'root policy');
    cpSync(`${DIR}/next.json`, join(dir, 'root.json'));
    const [atRoot, inFolder] = await Promise.all([
      lint({ paths: ['root.json'], base: 'HEAD', now: '2026-04-30T00:00:00Z' }, dir),
      lint({ paths: ['infra/policy.json'], base: 'HEAD~1', now: '2026-04-30T00:00:00Z' }, dir),
    ]);
    expect(atRoot.stderr).toBe('');
    // The same change as the same files in a folder: rules changed in place, not all removed and added.
    const summary = (r: typeof atRoot) => r.report().diff!.ruleChanges.map((c) => `${c.change} ${c.rulePriority}`);
    expect(summary(atRoot)).toEqual(summary(inFolder));
    expect(summary(atRoot)).toContain('changed 2');
  });

  it('an unknown revision is a usage error', async () => {
    const dir = gitRepo();
    const r = await lint({ paths: ['infra'], base: 'no-such-branch' }, dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/neither a file nor a git revision/);
  });
});

describe('diffRules', () => {
  const rule = (rulePriority: number, countNumber: number, prefix = 'a'): LifecycleRule => ({
    rulePriority, selection: { tagStatus: 'tagged', tagPrefixList: [prefix], countType: 'imageCountMoreThan', countNumber }, action: { type: 'expire' },
  });
  it('recognises rules moved to another priority', () => {
    expect(diffRules({ rules: [rule(1, 5), rule(2, 9, 'b')] }, { rules: [rule(3, 5), rule(2, 9, 'b')] })).toEqual([
      { change: 'changed', rulePriority: 3, summary: 'rulePriority 1 -> 3 (expire tagged tagPrefixList ["a"], more than 5 images)' },
    ]);
  });
  it('a new policy adds every rule; a removed one removes them', () => {
    expect(diffRules(undefined, { rules: [rule(1, 5)] }).map((c) => c.change)).toEqual(['added']);
    expect(diffRules({ rules: [rule(1, 5)] }, undefined).map((c) => c.change)).toEqual(['removed']);
  });
});
