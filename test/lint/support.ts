import type { CliIO } from '../../src/cli/io.js';
import type { Report } from '../../src/report/model.js';
import { runLint, type LintArgs } from '../../src/cli/commands/lint.js';
import { reportError } from '../../src/cli/exit.js';

// Runs `lint` in-process with captured output, as the CLI would (errors become exit codes).

export interface LintRun {
  code: number;
  stdout: string;
  stderr: string;
  report(): Report;
}

export async function lint(args: LintArgs, cwd = process.cwd()): Promise<LintRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), stdoutIsTTY: false, stderrIsTTY: false,
    env: {}, cwd, clock: () => Date.parse('2026-05-01T00:00:00Z'),
  };
  let code: number;
  try {
    code = await runLint({ format: 'json', ...args }, io);
  } catch (e) {
    code = reportError(e, io, false);
  }
  return { code, stdout, stderr, report: () => JSON.parse(stdout) as Report };
}
