import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

// Readers must never see half a file: write a temp file in the same directory (same
// filesystem, so rename is atomic), then rename it over the target.

// Writes under way, so that an interrupted command can let them finish (or clean up after themselves)
// before it exits: an open still queued in libuv's thread pool creates its file whenever it runs, so
// removing temporary files from a signal handler is not enough (an interrupted snapshot of 12,000
// images left up to 101 empty .tmp files that way).
const underWay = new Set<Promise<void>>();
let stopped = false;

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  if (stopped) throw new Error(`cannot write ${path}: the command was interrupted`);
  const write = writeThenRename(path, data);
  underWay.add(write);
  try {
    await write;
  } finally {
    underWay.delete(write);
  }
}

async function writeThenRename(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    // A clean one-line message for the CLI; the system error stays available as `cause`.
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new Error(`cannot write ${path}: ${code}`, { cause: err });
  }
}

/**
 * The command is interrupted: no new write starts, and those under way get up to `waitMs` to finish
 * (each renames its file into place, or removes it on failure), so none leaves a temporary file.
 */
export async function stopWrites(waitMs: number): Promise<void> {
  stopped = true;
  if (underWay.size === 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.allSettled([...underWay]), new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))]);
  clearTimeout(timer);
}

/** Pretty-printed with 2 spaces and a final newline, as every snapshot file. */
export function stringifyJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, stringifyJson(value));
}
