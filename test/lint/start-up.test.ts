import { describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/run.js';

// `lint FILE...` without options skips yargs (start-up time, issue 7): it must behave exactly as the
// same command parsed by yargs. An option (here `--fail-on error`, the default) sends it through yargs.

const DIR = 'test/fixtures/lint/cli';

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), stdoutIsTTY: false, stderrIsTTY: false,
    env: {}, cwd: process.cwd(), clock: () => Date.parse('2026-05-01T00:00:00Z'),
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

describe('lint FILE... without options', () => {
  const cases: Array<[string, string[]]> = [
    ['a clean policy', [`${DIR}/clean.json`]],
    ['a policy ECR rejects, and a clean one', [`${DIR}/rejected.json`, `${DIR}/clean.json`]],
    ['a missing file', [`${DIR}/no-such-file.json`]],
  ];
  for (const [name, paths] of cases) {
    it(`gives what yargs' parse gives: ${name}`, async () => {
      const fast = await cli(['lint', ...paths]);
      const parsed = await cli(['lint', ...paths, '--fail-on', 'error']);
      expect(fast).toEqual(parsed);
      expect(fast.stdout + fast.stderr).not.toBe('');
    });
  }
});
