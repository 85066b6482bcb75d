#!/usr/bin/env node
import { runCli } from './run.js';
import { copyingToStdout, processIO } from './io.js';
import { EXIT } from './exit.js';
import { reasonOf } from './output.js';
import { removeTemporaries } from './temporary.js';
import { printableLines } from '../report/printable.js';

// The AWS SDK warns on every run under Node 20 that future SDK releases will need Node 22; the CLI's
// stderr is for the user's findings and errors, so use the SDK's own switch to silence that notice.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// The reader went away (`ecr-lifeguard ... | head`): stop quietly, as Unix tools do, not with a stack
// trace. A report being copied out stops by itself, and the command then ends with its own exit code.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') {
      if (stream === process.stdout && copyingToStdout()) return;
      process.exit(process.exitCode ?? 0);
    }
    // Standard output could not take the report (a full disk, `> /dev/full`): an error of the run, said
    // as `--output` says it, not a stack trace with exit 1 (which would read as "findings").
    if (stream === process.stdout) process.stderr.write(`ecr-lifeguard: standard output: cannot write the report: ${reasonOf(error)}\n`);
    process.exit(EXIT.usage);
  });
}

// However the process ends (an early exit above included), no temporary file outlives it.
process.on('exit', removeTemporaries);

/** What a progress line starts with: back to the start of the line, and clear it. */
const PROGRESS_PREFIX = '\r\u001b[2K';

/** How long an interrupted command waits for snapshot files under way (each takes milliseconds). */
const WRITES_GRACE_MS = 2000;
let interrupted = false;

// Interrupted (Ctrl-C, a CI job cancelled, the terminal closed): snapshot files being written get a
// moment to finish or clean up after themselves, then what the command left in temporary files is
// removed, and the process exits as the shell expects of one killed by that signal.
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
  process.on(signal, () => {
    interrupted = true;
    // Imported here, not at start-up: only snapshot and live audits write through it (and it loads node:crypto).
    void import('../aws/atomic-write.js').then(({ stopWrites }) => stopWrites(WRITES_GRACE_MS)).finally(() => {
      removeTemporaries();
      process.exit(code);
    });
  });
}

// Once interrupted, the command is only winding down (writes it tries now are refused): its messages
// about that are noise, so standard error stays quiet until the exit.
// Every message to standard error passes here: whatever values from inputs a message quotes, no control
// character reaches the terminal and no line can be a GitHub Actions command (see printable.ts). The
// progress line's own carriage return and line clear are the one escape the CLI writes on purpose.
const io = processIO();
const { stderr } = io;
io.stderr = (text) => {
  if (!interrupted) stderr(printableLines(text, PROGRESS_PREFIX));
};

runCli(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (interrupted) return; // see above
    process.stderr.write(printableLines(`ecr-lifeguard: ${error instanceof Error ? error.message : String(error)}\n`));
    process.exitCode = 2;
  },
);
