// The CLI's edges: output streams and environment, passed in so commands stay testable.

export interface CliIO {
  stdout(text: string): void;
  /**
   * Bytes to standard output, for a report copied back from a file. Resolves once more may be written:
   * a pipe takes writes asynchronously, and without waiting for it to drain a large report would queue
   * in memory whole. Optional: without it, the bytes are decoded and go to `stdout`.
   */
  stdoutBytes?(bytes: Uint8Array): Promise<void>;
  stderr(text: string): void;
  /** Whether stdout is a terminal (table by default, colour). */
  stdoutIsTTY: boolean;
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
    stdoutBytes: (bytes) => new Promise<void>((resolve) => (process.stdout.write(bytes) ? resolve() : process.stdout.once('drain', resolve))),
    stderr: (t) => process.stderr.write(t),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    env: process.env,
    cwd: process.cwd(),
    clock: () => Date.now(),
  };
}

/** Colour only on a terminal, and never when NO_COLOR is set to a non-empty value. */
export function useColour(io: CliIO): boolean {
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  if (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== '0') return true;
  return io.stdoutIsTTY;
}
