import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, between, expectInOrder, NOW, runCli, SAMPLES, type CliRun } from './support.js';

// `ecr-lifeguard dry-run --interactive` end to end (issue 6), scripted through a standard input that is
// not a terminal: one command per line, the output of each in order, no prompts.

const session = (lines: readonly string[], extra: string[] = []): Promise<CliRun> =>
  runCli(['dry-run', '--interactive', ...SAMPLES, '--now', NOW, ...extra], { input: lines.join('\n') + '\n' });

const SECOND_UNTAGGED_RULE = JSON.stringify({
  rulePriority: 9,
  selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 3 },
  action: { type: 'expire' },
});

let tmp: string;
beforeAll(() => {
  assertBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'ecr-lifeguard-e2e-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('exploring: repositories, verdict tables, the clock, the timeline, explain, the policy', () => {
  let r: CliRun;
  beforeAll(async () => {
    r = await session([
      'repos', 'use shop/web', 'show expired', 'show in-use', 'at +30d', 'at +30d', 'days 60', 'timeline',
      'explain v2.3.0', 'at now', 'policy', 'quit', 'repos',
    ]);
  });

  it('exits 0 with nothing on stderr', () => {
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('repos lists every repository with its risk, riskiest first', () => {
    const table = between(r.stdout, '  repository', 'now on shop/web');
    const rows = table.trimEnd().split('\n').slice(1);
    // tools/ci-runner and platform/base carry the in-use errors of the Rollout, the Helm values and the kustomize overlay (issue 17's samples).
    expect(rows.map((l) => l.slice(2).split(/\s+/)[0])).toEqual(['shop/api', 'tools/ci-runner', 'platform/base', 'shop/web', 'legacy/batch']);
    expect(table).toMatch(/^ {2}shop\/api\s+16\s+8\s+0\s+0\s+3\s+1$/m);
    // The current repository is marked.
    expect(rows.filter((l) => l.startsWith('>'))).toHaveLength(1);
    // What breaks, when, across the repositories, before the table.
    expect(r.stdout).toContain('What breaks, when: 9 workloads affected\n  CronJob shop/shop-api-reindex loses shop/api@sha256:f9b4ff39a655 (deleted) today, by rule 3\n');
    expect(r.stdout.indexOf('What breaks, when')).toBeLessThan(r.stdout.indexOf('  repository'));
  });

  it('use switches, show filters the verdict table', () => {
    expect(r.stdout).toContain('now on shop/web: 9 images\n');
    const [expired, inUse] = between(r.stdout, 'now on shop/web', 'evaluating at').split('ecr-lifeguard dry-run at').slice(1);
    // The heading counts the whole repository, the rows are the filter's.
    expect(expired).toContain('Repository shop/web — 9 images: 1 EXPIRE, 1 TRANSITION, 7 KEEP now');
    expect(expired).toContain('showing 1 of 9 images (expired)');
    expect(inUse).toContain('Repository shop/web — 9 images: 1 EXPIRE, 1 TRANSITION, 7 KEEP now');
    expect(expired).not.toContain('No findings');
    expect(inUse).toContain('showing 4 of 9 images (in-use)');
    expect(expired).toMatch(/│ v1\.9\.0\s+│ 2025-12-01 │ EXPIRE/);
    expect(expired).not.toContain('v2.3.0');
    expect(inUse).toMatch(/│ v2\.3\.0\s+│ 2026-09-01 │ TRANSITION │ acts 1 │/);
    expect(inUse).toMatch(/│ v2\.4\.0\s+│ 2026-11-10 │ KEEP/);
    // v1.9.0 is the previous ECS revision's image: a rollback target, in use as such.
    expect(inUse).toMatch(/│ v1\.9\.0\s+│ 2025-12-01 │ EXPIRE/);
  });

  it('at moves the clock from the starting time (offsets do not add up), days sets the horizon, timeline dates each action', () => {
    expectInOrder(r.stdout, [
      'evaluating at 2026-12-22T00:00:00.000Z: ',
      'evaluating at 2026-12-22T00:00:00.000Z: ',
      'horizon: 60 days\n',
      /^ {2}2026-12-22 {2}day {3}0 {2}TRANSITION rule 1 {2}sha256:0246bad58ce1 {2}v2\.3\.0$/m,
      /^ {2}2026-12-23 {2}day {3}1 {2}EXPIRE {5}rule 3 {2}sha256:\w{12} {2}<untagged>$/m,
      /^ {2}2027-01-10 {2}day {2}19 {2}TRANSITION rule 1 {2}sha256:23322afb4da7 {2}v2\.4\.0$/m,
    ]);
    expect(r.stdout).not.toContain('2027-01-21');
  });

  it('explain traces one image at the session clock, with its in-use origins', () => {
    const trace = between(r.stdout, 'Image sha256:0246bad58ce1', 'evaluating at 2026-11-22');
    expectInOrder(trace, [
      'Rules in priority order:',
      'rule 1: identifies it (age 111.58 days since imagePushedAt, threshold more than 60 days): candidate, archives it',
      'rule 2: does not identify it',
      'rule 3: does not identify it',
      'Verdict: TRANSITION',
      'in use: runtime samples/in-use/ecs/web-task-definition.json:16',
    ]);
  });

  it('at now returns to the starting time; policy prints the policy; quit without edits leaves at once', () => {
    expect(r.stdout).toContain('evaluating at 2026-11-22T00:00:00.000Z: 1 expire, 1 archived by this run\n');
    const policy = JSON.parse(between(r.stdout, '{\n  "rules"')) as { rules: Array<{ rulePriority: number }> };
    expect(policy.rules.map((x) => x.rulePriority)).toEqual([1, 2, 3]);
    // Nothing after quit ran: the output ends with the policy.
    expect(r.stdout.endsWith('}\n')).toBe(true);
    expect(r.stdout.match(/ {2}repository {3}/g)).toHaveLength(1);
  });
});

describe('what-if editing: set, rejected edits, remove, move, undo, diff, save', () => {
  let r: CliRun;
  let saved: string;
  beforeAll(async () => {
    saved = join(tmp, 'edited-policy.json');
    r = await session([
      'use shop/api', 'set 1 count 90', 'set 1 count 0', `add ${SECOND_UNTAGGED_RULE}`, 'remove 4', 'move 2 5',
      'undo', 'diff', 'set 9 count 3', `save ${saved}`, 'policy', 'quit',
    ]);
  });

  it('exits 0 with nothing on stderr', () => {
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('set shows the images that change fate and the findings that disappear', () => {
    const set = between(r.stdout, 'rule 1: countNumber 5 -> 90', 'ECR would reject');
    expect(set).toContain('compared with the previous version: 5 images change fate, 0 findings appear, 1 disappear');
    expect(set).toMatch(/sha256:6f13bce35cb5 release-1\.2\s+EXPIRE now \(rule 1\) -> KEEP \[in use\]/);
    expect(set).toMatch(/sha256:398c8b64590b release-1\.0\s+EXPIRE now \(rule 1\) -> KEEP/);
    expect(set).toContain('  - error in-use-image-expired: in-use image shop/api:release-1.2 (sha256:6f13bce35cb5) would be deleted on 2026-11-22T00:00:00.000Z by rule 1');
  });

  it('rejects edits ECR would reject, with ECR\'s reason, and keeps the policy unchanged', () => {
    expectInOrder(r.stdout, [
      'ECR would reject this edit, not applied:\n',
      "(at /rules/0/selection/countNumber): ECR will reject this policy: 'countNumber' out of range: expected integer >= 1, found 0",
      'ECR would reject this edit, not applied:\n',
      'only one rule per storage class may select untagged images',
      'removed rule 4',
    ]);
  });

  it('remove, move and undo apply in turn; diff compares with the original policy', () => {
    expectInOrder(r.stdout, [
      'removed rule 4\ncompared with the previous version: 0 images change fate',
      'rule 2 is now rule 5\ncompared with the previous version: 2 images change fate, 1 findings appear, 1 disappear',
      /sha256:1e4d3c6eb7d2 \S+\.sig EXPIRE now \(rule 2\) -> EXPIRE now \(rule 5\)/,
      'undone\ncompared with before undo: 2 images change fate',
      'compared with the original policy: 5 images change fate, 0 findings appear, 1 disappear',
    ]);
    // A rule that does not exist: a message, not a usage line, and the session goes on.
    expect(r.stdout).toContain('\nno rule with rulePriority 9; rules: 1, 2, 3\n');
  });

  it('save writes valid policy JSON that the lint command accepts, equal to what policy prints', async () => {
    expect(r.stdout).toContain(`saved 3 rules to ${saved}\n`);
    const text = readFileSync(saved, 'utf8');
    const policy = JSON.parse(text) as { rules: Array<{ rulePriority: number; selection: { countNumber: number } }> };
    expect(policy.rules.map((x) => [x.rulePriority, x.selection.countNumber])).toEqual([[1, 90], [2, 3], [3, 7]]);
    expect(between(r.stdout, '{\n  "rules"')).toBe(text);
    const lint = await runCli(['lint', saved, '--format', 'json', '--now', NOW]);
    expect(lint.stderr).toBe('');
    expect(lint.code).toBe(0);
    expect((JSON.parse(lint.stdout) as { policies: unknown[] }).policies).toEqual([expect.objectContaining({ valid: true, ruleCount: 3, format: 'policy-json' })]);
  });

  it('after saving, quit leaves without a warning', () => {
    expect(r.stdout).not.toContain('unsaved');
  });
});

describe.concurrent('bad commands, quitting with unsaved edits, end of input', () => {
  it('bad commands get a short usage line and the session goes on', async () => {
    const r = await session([
      'frobnicate', 'show nothing', 'set 1', 'at tomorrow', 'at 2026-01-01', 'days -1', 'use', 'use shop', 'explain no-such-tag', 'add {not json', 'save x.json',
      'use shop/api', `save ${join(tmp, 'no-such-dir', 'x.json')}`, 'repos',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').slice(0, 13)).toEqual([
      'unknown command "frobnicate". Commands: help, repos, use, show, at, days, timeline, explain, findings, policy, set, add, remove, move, diff, undo, save, quit (help <command> for details)',
      'usage: show [all|expired|transitioned|kept|in-use]',
      'usage: set <rulePriority> count <N>',
      'usage: at <ISO date | +30d | -7d | now>',
      // Before the data's own timestamps the images did not exist yet: refused, as --now is.
      'cannot evaluate at 2026-01-01T00:00:00.000Z: the data has timestamps up to 2026-11-21T23:10:00.000Z; give that time or a later one',
      'usage: days <N>',
      'usage: use <repository>',
      'no repository "shop"; did you mean shop/api, shop/web?',
      'no image with tag or digest "no-such-tag" in legacy/batch',
      'usage: add <rule JSON>',
      'not saved: legacy/batch has no rules to save (add one first)',
      'now on shop/api: 16 images',
      expect.stringMatching(/^not saved: cannot write .*no-such-dir\/x\.json: ENOENT/),
    ]);
    // The session survived all of them.
    expect(r.stdout).toMatch(/^ {2}repository {3}/m);
  });

  it('a time or horizon past year 9999 is refused and the session goes on at its own time', async () => {
    const r = await session(['use shop/api', 'at +100000000d', 'days 30', 'at +2910000d', 'days 3650', 'timeline']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[1]).toBe('at that time with a 0-day horizon goes beyond the years 0000 to 9999 a report can carry: give another time or a shorter horizon');
    expect(lines[2]).toBe('horizon: 30 days');
    expect(lines[3]).toMatch(/^evaluating at 999\d-/);
    expect(lines[4]).toMatch(/^the time 999\d-.* with a 3650-day horizon goes beyond the years 0000 to 9999/);
    expect(r.stdout).not.toMatch(/Invalid time value/);
  });

  it('quit with unsaved edits warns once, then quits; another command in between re-arms the warning', async () => {
    const r = await session(['use shop/api', 'set 1 count 90', 'quit', 'policy', 'quit', 'quit', 'repos']);
    expect(r.code).toBe(0);
    const warning = 'You have unsaved policy edits (save <file> keeps them). Quit again to discard them.\n';
    expect(r.stdout.split(warning)).toHaveLength(3);
    expect(r.stdout.endsWith(warning)).toBe(true);
    expect(r.stdout).not.toMatch(/ {2}repository {3}/);
  });

  it('q twice quits as well (the warning is not re-armed by q itself)', async () => {
    const r = await session(['use shop/api', 'remove 4', 'q', 'q', 'repos']);
    expect(r.code).toBe(0);
    expect(r.stdout.match(/You have unsaved policy edits/g)).toHaveLength(1);
    expect(r.stdout).not.toMatch(/ {2}repository {3}/);
  });

  it('end of input with unsaved edits warns that they are discarded', async () => {
    const r = await session(['use shop/api', 'remove 4']);
    expect(r.code).toBe(0);
    expect(r.stdout.endsWith('warning: input ended with unsaved policy edits (they are discarded)\n')).toBe(true);
    const clean = await session(['use shop/api', 'remove 4', 'undo']);
    expect(clean.stdout).not.toContain('unsaved');
  });

  it('input errors before the session starts exit 2 as dry-run does', async () => {
    const r = await runCli(['dry-run', '--interactive', '--snapshot', 'samples/registry', '--images', 'x.json', '--now', NOW], { input: 'repos\n' });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/give either --snapshot DIR or --images FILE, not both/);
  });
});
