import { formatProblem, IncompleteDataError, InputError, UsageError } from '../model/errors.js';
import { printable } from '../report/printable.js';
import type { CliIO } from './io.js';

// Exit codes everywhere: 0 clean, 1 findings at or above --fail-on, 2 usage or input error, 3 incomplete data.
export const EXIT = { ok: 0, findings: 1, usage: 2, incomplete: 3 } as const;

/** A located input problem as one line of standard error (values from the input escaped). */
export function problemLine(prefix: string, p: Parameters<typeof formatProblem>[0]): string {
  return `${prefix}${printable(formatProblem(p))}\n`;
}

/** Turns a thrown error into a message and an exit code; a stack only with --debug. */
export function reportError(error: unknown, io: CliIO, debug: boolean): number {
  if (error instanceof InputError) {
    const n = error.problems.length;
    io.stderr(`ecr-lifeguard: ${n === 1 ? 'the input has a problem' : `the input has ${n} problems`}:\n`);
    // One line per problem: a file name holding a line break cannot start a line of its own.
    io.stderr(error.problems.map((p) => `  ${printable(formatProblem(p))}`).join('\n') + '\n');
    if (debug) io.stderr(`${error.stack ?? ''}\n`);
    return EXIT.usage;
  }
  if (error instanceof UsageError) {
    io.stderr(`ecr-lifeguard: ${printable(error.message)}\nRun "ecr-lifeguard --help" for usage.\n`);
    return EXIT.usage;
  }
  if (error instanceof IncompleteDataError) {
    io.stderr(`ecr-lifeguard: incomplete data: ${error.message.split('\n').map(printable).join('\n')}\n`);
    return EXIT.incomplete;
  }
  const message = printable(error instanceof Error ? error.message : String(error));
  io.stderr(`ecr-lifeguard: unexpected error: ${message}\n${debug && error instanceof Error ? `${error.stack}\n` : 'Run again with --debug for details, and please report it.\n'}`);
  return EXIT.usage;
}
