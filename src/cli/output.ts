import { closeSync, openSync, readSync, renameSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { UsageError } from '../model/errors.js';
import { ChunkedWriter } from '../report/formatter.js';
import type { CliIO } from './io.js';
import { holdTemporary, releaseTemporary, removeTemporary } from './temporary.js';

// Where a report goes: standard output, or --output FILE. A regular file is written atomically (a
// temporary file beside it, renamed once the report is whole), so a failed run never leaves a partial
// report that looks complete. Anything else (/dev/null, /dev/stdout, a FIFO) is written directly:
// renaming over it would replace the device with a file. Writes are synchronous so a large report
// streams out instead of queueing in memory. Standard output gets the same promise: the report is
// held back (in memory, or in a private temporary file once large) and printed only when whole, so a
// run that fails part-way prints no partial report.

export interface Output {
  write(chunk: string): void;
  /** The report is whole: publish it. */
  close(): void;
  /** Drops an unfinished report (no-op after close). */
  abort(): void;
}

/** Standard output holds this much of a report in memory before spooling it to a temporary file. */
const HELD_IN_MEMORY = 8 * 1024 * 1024;

export function openOutput(path: string | undefined, io: CliIO): Output {
  if (path === undefined) return heldBackStdout(io);
  if (path === '') throw new UsageError('--output needs a file name');
  const target = resolve(io.cwd, path);
  // File system errors name the user's path and say what went wrong, never the temporary file's name.
  const attempt = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      throw outputError(path, e);
    }
  };
  const existing = statOrUndefined(target);
  if (existing?.isDirectory()) throw new UsageError(`--output ${path}: it is a directory; give a file name`);
  if (existing && !existing.isFile()) {
    const fd = attempt(() => openSync(target, 'w'));
    let open = true;
    const end = () => {
      if (open) closeSync(fd);
      open = false;
    };
    return { write: (c) => attempt(() => void writeSync(fd, c)), close: end, abort: end };
  }
  const temp = join(dirname(target), `.${process.pid}-${Math.random().toString(36).slice(2)}.ecr-lifeguard.tmp`);
  let fd: number | undefined = attempt(() => openSync(holdTemporary(temp), 'w'));
  let published = false;
  return {
    write: (c) => attempt(() => void writeSync(fd!, c)),
    close: () => {
      const open = fd!;
      fd = undefined;
      attempt(() => {
        closeSync(open);
        renameSync(temp, target);
      });
      releaseTemporary(temp);
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
      removeTemporary(temp);
    },
  };
}

function heldBackStdout(io: CliIO): Output {
  let pieces: string[] = [];
  let held = 0;
  let spool: { fd: number; path: string } | undefined;
  let done = false;
  const removeSpool = (): void => {
    if (!spool) return;
    try {
      closeSync(spool.fd);
    } catch {
      // closed already
    }
    removeTemporary(spool.path);
    spool = undefined;
  };
  const spooling = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      throw new UsageError(`standard output: cannot hold the report back in a temporary file in ${tmpdir()}: ${reasonOf(e)}; set TMPDIR or give --output FILE`);
    }
  };
  return {
    write: (c) => {
      if (spool) return spooling(() => void writeSync(spool!.fd, c));
      pieces.push(c);
      held += c.length;
      if (held < HELD_IN_MEMORY) return;
      const path = join(tmpdir(), `.ecr-lifeguard-${process.pid}-${Math.random().toString(36).slice(2)}.out`);
      spool = { fd: spooling(() => openSync(holdTemporary(path), 'wx+', 0o600)), path };
      for (const p of pieces) spooling(() => writeSync(spool!.fd, p));
      pieces = [];
    },
    close: () => {
      done = true;
      if (!spool) {
        io.stdout(pieces.join(''));
        pieces = [];
        return;
      }
      try {
        // Read back in chunks; the decoder keeps a character split between two chunks whole.
        const buffer = Buffer.allocUnsafe(1 << 20);
        const decoder = new StringDecoder('utf8');
        let position = 0;
        for (let n = readSync(spool.fd, buffer, 0, buffer.length, position); n > 0; n = readSync(spool.fd, buffer, 0, buffer.length, position)) {
          position += n;
          io.stdout(decoder.write(buffer.subarray(0, n)));
        }
        const tail = decoder.end();
        if (tail) io.stdout(tail);
      } finally {
        removeSpool();
      }
    },
    abort: () => {
      if (done) return;
      done = true;
      pieces = [];
      removeSpool();
    },
  };
}

/** Writes a whole report to --output (atomically) or standard output. */
/** A whole report (a string, or parts written in order, small ones gathered into larger writes). */
export function writeOutput(path: string | undefined, io: CliIO, parts: string | readonly string[]): void {
  const out = openOutput(path, io);
  try {
    writeParts(out, typeof parts === 'string' ? [parts] : parts);
    out.close();
  } finally {
    out.abort();
  }
}

/** Parts written to `out` in order, small ones gathered into writes of about 64K characters. */
export function writeParts(out: Output, parts: Iterable<string>): void {
  const chunks = new ChunkedWriter(out.write);
  for (const part of parts) chunks.push(part);
  chunks.flush();
}

const WHY: Record<string, string> = {
  ENOENT: 'its folder does not exist',
  ENOTDIR: 'a part of the path is not a folder',
  EACCES: 'permission denied',
  EPERM: 'not permitted',
  EISDIR: 'it is a directory',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
};

/** A file system error in words. */
export function reasonOf(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  return WHY[code] ?? (code || (e as Error).message);
}

function outputError(path: string, e: unknown): UsageError {
  return new UsageError(`--output ${path}: cannot write the report: ${reasonOf(e)}`);
}

function statOrUndefined(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
