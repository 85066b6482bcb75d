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
  /** The report is whole: publish it (resolves once it is all written). */
  close(): Promise<void>;
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
    return { write: (c) => attempt(() => void writeSync(fd, c)), close: async () => end(), abort: end };
  }
  const temp = join(dirname(target), `.${process.pid}-${Math.random().toString(36).slice(2)}.ecr-lifeguard.tmp`);
  let fd: number | undefined = attempt(() => openSync(holdTemporary(temp), 'w'));
  let published = false;
  return {
    write: (c) => attempt(() => void writeSync(fd!, c)),
    close: async () => {
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

const SPOOL_CHUNK = 1 << 20;

/**
 * The spooled report to standard output. As bytes when the IO takes them (no decoding and encoding
 * again, and each chunk waits for the pipe to drain); otherwise decoded, a character split between two
 * chunks kept whole.
 */
async function copySpool(fd: number, io: CliIO): Promise<void> {
  const decoder = io.stdoutBytes ? undefined : new StringDecoder('utf8');
  for (let position = 0; ; ) {
    // A fresh buffer each time: a pipe may still hold the previous one when the next read starts.
    const buffer = Buffer.allocUnsafe(SPOOL_CHUNK);
    const n = readSync(fd, buffer, 0, buffer.length, position);
    if (n === 0) break;
    position += n;
    if (decoder) io.stdout(decoder.write(buffer.subarray(0, n)));
    else if (!(await io.stdoutBytes!(buffer.subarray(0, n)))) return; // the reader went away
  }
  const tail = decoder?.end();
  if (tail) io.stdout(tail);
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
    close: async () => {
      done = true;
      if (!spool) {
        io.stdout(pieces.join(''));
        pieces = [];
        return;
      }
      try {
        await copySpool(spool.fd, io);
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

/** A whole report (a string, or parts written in order, small ones gathered into larger writes). */
export async function writeOutput(path: string | undefined, io: CliIO, parts: string | readonly string[]): Promise<void> {
  const out = openOutput(path, io);
  try {
    writeParts(out, typeof parts === 'string' ? [parts] : parts);
    await out.close();
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
