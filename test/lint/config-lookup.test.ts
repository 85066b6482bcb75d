import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findConfigFile, loadConfig } from '../../src/lint/config.js';
import { assertBuilt, CLI, runCommand } from '../e2e/support.js';

// `.ecr-lifeguard.json` is found in the current directory or the nearest parent up to the repository
// root (the folder holding .git), never above it.

const POLICY = JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: 'tagged', tagPrefixList: ['release-'], countType: 'imageCountMoreThan', countNumber: 20 }, action: { type: 'expire' } }] });
const OFF = '{"rules": {"no-untagged-rule": "off"}}';

let scratch: string[] = [];
afterEach(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  scratch = [];
});

/** outer/ (above the repository) > repo/ (.git) > repo/infra/ > repo/infra/ecr/ */
function layout(gitAs: 'dir' | 'file' | 'none' = 'dir'): { outer: string; repo: string; infra: string; deep: string } {
  const outer = mkdtempSync(join(tmpdir(), 'config-lookup-'));
  scratch.push(outer);
  const repo = join(outer, 'repo');
  const infra = join(repo, 'infra');
  const deep = join(infra, 'ecr');
  mkdirSync(deep, { recursive: true });
  if (gitAs === 'dir') mkdirSync(join(repo, '.git'));
  if (gitAs === 'file') writeFileSync(join(repo, '.git'), 'gitdir: /elsewhere/.git/worktrees/repo\n');
  return { outer, repo, infra, deep };
}

describe('findConfigFile', () => {
  it('takes the current directory first, then the nearest parent', async () => {
    const { repo, infra, deep } = layout();
    writeFileSync(join(repo, '.ecr-lifeguard.json'), OFF);
    expect(await findConfigFile(deep)).toBe(join(repo, '.ecr-lifeguard.json'));
    writeFileSync(join(infra, '.ecr-lifeguard.json'), OFF);
    expect(await findConfigFile(deep)).toBe(join(infra, '.ecr-lifeguard.json'));
    writeFileSync(join(deep, '.ecr-lifeguard.json'), OFF);
    expect(await findConfigFile(deep)).toBe(join(deep, '.ecr-lifeguard.json'));
  });

  it('stops at the repository root (.git directory, or a worktree .git file)', async () => {
    for (const gitAs of ['dir', 'file'] as const) {
      const { outer, deep } = layout(gitAs);
      writeFileSync(join(outer, '.ecr-lifeguard.json'), OFF);
      expect(await findConfigFile(deep), gitAs).toBeUndefined();
    }
  });

  it('outside a repository looks at the current directory only', async () => {
    const { repo, deep } = layout('none');
    writeFileSync(join(repo, '.ecr-lifeguard.json'), OFF);
    expect(await findConfigFile(deep)).toBeUndefined();
    expect(await findConfigFile(repo)).toBe(join(repo, '.ecr-lifeguard.json'));
  });

  it('is what loadConfig reads', async () => {
    const { repo, deep } = layout();
    writeFileSync(join(repo, '.ecr-lifeguard.json'), OFF);
    expect((await loadConfig(undefined, deep)).rules.get('no-untagged-rule')).toEqual({ level: 'off', options: {} });
  });
});

describe('lint in a subfolder of a repository (built CLI)', () => {
  beforeAll(assertBuilt);

  it('applies the repository root config, and not one above the repository', async () => {
    const { outer, repo, deep } = layout();
    writeFileSync(join(deep, 'policy.json'), POLICY);
    const lint = async () => {
      // Run where the user is: in the subfolder (runCommand's cwd is the project, so cd first).
      const run = await runCommand('sh', ['-c', `cd "${deep}" && exec "${process.execPath}" "${CLI}" lint policy.json --format json --fail-on never`]);
      expect(run.stderr).toBe('');
      return (JSON.parse(run.stdout) as { findings: Array<{ id: string }> }).findings.map((f) => f.id);
    };
    writeFileSync(join(outer, '.ecr-lifeguard.json'), OFF);
    expect(await lint()).toContain('no-untagged-rule');
    writeFileSync(join(repo, '.ecr-lifeguard.json'), OFF);
    expect(await lint()).not.toContain('no-untagged-rule');
  });
});
