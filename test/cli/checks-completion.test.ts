import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allChecks, repositoryChecks } from '../../src/analyse/checks/index.js';
import { checkCatalogue } from '../../src/cli/commands/checks.js';
import { assertBuilt, CLI, runCli, runCommand } from '../e2e/support.js';

// `ecr-lifeguard checks` (the catalogue, from the registries) and `ecr-lifeguard completion`, through the built CLI.

const README = readFileSync('README.md', 'utf8');

describe('the check catalogue', () => {
  it('lists every registered check once, with its README section and its tests', () => {
    const listed = checkCatalogue().map((c) => c.id);
    expect(listed).toEqual(allChecks.map((c) => c.meta.id));
    expect(new Set(listed).size).toBe(listed.length);
    for (const entry of checkCatalogue()) {
      expect(README, entry.id).toContain(`<a id="check-${entry.id}"></a>`);
      expect(entry.docs.endsWith(`#check-${entry.id}`), entry.id).toBe(true);
      // Every check runs on its fixtures in test/lint/rules.test.ts; a repository check has its own unit tests too.
      expect(existsSync(`test/fixtures/lint/rules/${entry.id}/fires.json`), entry.id).toBe(true);
      if (repositoryChecks.some((c) => c.meta.id === entry.id)) expect(existsSync(`test/analyse/checks/${entry.id}.test.ts`), entry.id).toBe(true);
    }
  });
});

describe('ecr-lifeguard checks (built CLI)', () => {
  beforeAll(assertBuilt);

  it('prints a table of every check by default', async () => {
    const run = await runCli(['checks']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^CHECK +SEVERITY +RUNS ON +DESCRIPTION/);
    for (const c of allChecks) {
      const row = lines.find((l) => l.startsWith(`${c.meta.id} `));
      expect(row, c.meta.id).toBeDefined();
      expect(row).toContain(c.meta.defaultSeverity);
      expect(row).toContain(c.meta.description);
      expect(run.stdout).toContain(c.meta.docs);
    }
    expect(run.stdout).toContain(`${allChecks.length} checks.`);
  });

  it('prints JSON with --format json', async () => {
    const run = await runCli(['checks', '--format', 'json']);
    expect(run.code).toBe(0);
    const { checks } = JSON.parse(run.stdout) as { checks: Array<{ id: string; severity: string; scope: string; docs: string }> };
    expect(checks.map((c) => c.id)).toEqual(allChecks.map((c) => c.meta.id));
    expect(checks.find((c) => c.id === 'dead-rule')).toMatchObject({ severity: allChecks.find((c) => c.meta.id === 'dead-rule')!.meta.defaultSeverity, scope: 'lint-state' });
    expect(checks.find((c) => c.id === 'in-use-image-expired')!.scope).toBe('repository');
    expect(checks.find((c) => c.id === 'shadowed-rule')!.scope).toBe('policy');
  });

  it('rejects an unknown format', async () => {
    const run = await runCli(['checks', '--format', 'xml']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
  });
});

describe('ecr-lifeguard completion (built CLI)', () => {
  let bin: string;
  beforeAll(() => {
    assertBuilt();
    // The script calls `ecr-lifeguard` by name at each Tab: put the built CLI on PATH under that name.
    bin = mkdtempSync(join(tmpdir(), 'ecr-lifeguard-completion-'));
    writeFileSync(join(bin, 'ecr-lifeguard'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
    chmodSync(join(bin, 'ecr-lifeguard'), 0o755);
  });
  afterAll(() => rmSync(bin, { recursive: true, force: true }));

  /** What bash offers for the words typed so far (the last one being completed), using the printed script. */
  async function complete(script: string, words: string[]): Promise<string[]> {
    const file = join(bin, 'completion.bash');
    writeFileSync(file, script);
    const quoted = words.map((w) => `'${w}'`).join(' ');
    const program = `source '${file}'; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _ecr-lifeguard_yargs_completions; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const run = await runCommand('bash', ['-c', program], { env: { PATH: `${bin}:${process.env.PATH ?? ''}` } });
    expect(run.stderr).toBe('');
    return run.stdout.split('\n').filter((l) => l !== '');
  }

  it('prints the same bash script on every run, and completes a command and an option', async () => {
    const first = await runCli(['completion'], { env: { SHELL: '/bin/bash' } });
    const second = await runCli(['completion', 'bash'], { env: { SHELL: '/usr/bin/zsh' } });
    expect(first.code).toBe(0);
    expect(first.stderr).toBe('');
    expect(second.stdout).toBe(first.stdout);
    expect(first.stdout).toContain('complete -o bashdefault -o default -F _ecr-lifeguard_yargs_completions ecr-lifeguard');
    expect(await complete(first.stdout, ['ecr-lifeguard', 'dry-r'])).toEqual(['dry-run']);
    expect(await complete(first.stdout, ['ecr-lifeguard', 'ch'])).toEqual(['checks']);
    expect(await complete(first.stdout, ['ecr-lifeguard', 'dry-run', '--exp'])).toEqual(['--explain']);
    expect(await complete(first.stdout, ['ecr-lifeguard', 'audit', '--sh'])).toEqual(['--shard']);
  });

  it('prints the zsh script for "completion zsh", and refuses another shell', async () => {
    const zsh = await runCli(['completion', 'zsh'], { env: { SHELL: '/bin/bash' } });
    expect(zsh.code).toBe(0);
    expect(zsh.stdout.startsWith('#compdef ecr-lifeguard\n')).toBe(true);
    expect(zsh.stdout).toContain('compdef _ecr-lifeguard_yargs_completions ecr-lifeguard');
    const fish = await runCli(['completion', 'fish']);
    expect(fish.code).toBe(2);
    expect(fish.stderr).toContain('completion: the shell must be one of bash, zsh; found "fish"');
  });
});
