import { closeSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { CliIO } from './io.js';

// Where a report goes: standard output, or --output FILE. A regular file is written atomically (a
// temporary file beside it, renamed once the report is whole), so a failed run never leaves a partial
// report that looks complete. Anything else (/dev/null, /dev/stdout, a FIFO) is written directly:
// renaming over it would replace the device with a file. Writes are synchronous so a large report
// streams out instead of queueing in memory.

export interface Output {
  write(chunk: string): void;
  /** The report is whole: publish it. */
  close(): void;
  /** Drops an unfinished report (no-op after close). */
  abort(): void;
}

export function openOutput(path: string | undefined, io: CliIO): Output {
  if (path === undefined) return { write: (c) => io.stdout(c), close: () => {}, abort: () => {} };
  const target = resolve(io.cwd, path);
  const existing = statOrUndefined(target);
  if (existing && !existing.isFile()) {
    const fd = openSync(target, 'w');
    let open = true;
    const end = () => {
      if (open) closeSync(fd);
      open = false;
    };
    return { write: (c) => void writeSync(fd, c), close: end, abort: end };
  }
  const temp = join(dirname(target), `.${process.pid}-${Math.random().toString(36).slice(2)}.ecr-lifeguard.tmp`);
  let fd: number | undefined = openSync(temp, 'w');
  let published = false;
  return {
    write: (c) => void writeSync(fd!, c),
    close: () => {
      const open = fd!;
      fd = undefined;
      closeSync(open);
      renameSync(temp, target);
      published = true;
    },
    // Whatever failed (a write, the close, the rename), the temporary file does not outlive the run.
    abort: () => {
      if (published) return;
      published = true;
      if (fd !== undefined) {
        const open = fd;
        fd = undefined;
        try {
          closeSync(open);
        } catch {
          // already unusable; removing the file is what matters
        }
      }
      rmSync(temp, { force: true });
    },
  };
}

/** Writes a whole report to --output (atomically) or standard output. */
export function writeOutput(path: string | undefined, io: CliIO, chunks: string | readonly string[]): void {
  const out = openOutput(path, io);
  try {
    for (const c of typeof chunks === 'string' ? [chunks] : chunks) out.write(c);
    out.close();
  } finally {
    out.abort();
  }
}

function statOrUndefined(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
