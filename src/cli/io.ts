// The CLI's edges: output streams and environment, passed in so commands stay testable.

export interface CliIO {
  stdout(text: string): void;
  /**
   * Bytes to standard output, for a report copied back from a file. Resolves once more may be written
   * (true), or when the reader has gone away (false: stop writing). A pipe takes writes asynchronously,
   * and without waiting for it to drain a large report would queue in memory whole. Optional: without
   * it, the bytes are decoded and go to `stdout`.
   */
  stdoutBytes?(bytes: Uint8Array): Promise<boolean>;
  stderr(text: string): void;
  /** Whether stdout is a terminal (table by default, colour). */
  stdoutIsTTY: boolean;
  /** The terminal's width in columns, when stdout is a terminal. */
  columns?: number;
  /** Whether stderr is a terminal (progress lines). */
  stderrIsTTY: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Current time, for when --now is not given. */
  clock(): number;
}

export function processIO(): CliIO {
  return {
    stdout: (t) => process.stdout.write(t),
    stdoutBytes: (bytes) => writeWhenReady(process.stdout, bytes),
    stderr: (t) => process.stderr.write(t),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    ...(process.stdout.isTTY && process.stdout.columns ? { columns: process.stdout.columns } : {}),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    env: process.env,
    cwd: process.cwd(),
    clock: () => Date.now(),
  };
}

let copying = false;

/**
 * Whether a report is being copied to standard output, waiting for the reader. If the reader goes
 * away meanwhile (EPIPE), the copy stops by itself and the command still ends as it should: its exit
 * code, its temporary files removed (main.ts).
 */
export function copyingToStdout(): boolean {
  return copying;
}

async function writeWhenReady(stream: NodeJS.WriteStream, bytes: Uint8Array): Promise<boolean> {
  if (stream.destroyed) return false;
  if (stream.write(bytes)) return true;
  copying = true;
  try {
    return await new Promise<boolean>((resolve) => {
      const settle = (ok: boolean) => () => {
        stream.off('drain', drained);
        stream.off('error', gone);
        stream.off('close', gone);
        resolve(ok);
      };
      const drained = settle(true);
      const gone = settle(false);
      stream.once('drain', drained);
      stream.once('error', gone);
      stream.once('close', gone);
    });
  } finally {
    copying = false;
  }
}

/** Colour only on a terminal, and never when NO_COLOR is set to a non-empty value. */
export function useColour(io: CliIO): boolean {
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  if (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== '0') return true;
  return io.stdoutIsTTY;
}

/**
 * The width the table fits: the terminal's columns, else COLUMNS when set (a pipe into a pager, a test).
 * Undefined otherwise: the table keeps its fixed layout, byte-identical whatever the machine.
 */
export function terminalWidth(io: CliIO): number | undefined {
  const fromEnv = Number(io.env.COLUMNS);
  const width = io.stdoutIsTTY && io.columns ? io.columns : Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : undefined;
  return width === undefined ? undefined : Math.max(40, width);
}

/** The report's width for a FormatContext: only for standard output (a file keeps the fixed layout). */
export function widthOf(output: string | undefined, io: CliIO): { width?: number } {
  const width = output === undefined ? terminalWidth(io) : undefined;
  return width === undefined ? {} : { width };
}
