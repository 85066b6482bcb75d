import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

// Readers must never see half a file: write a temp file in the same directory (same
// filesystem, so rename is atomic), then rename it over the target.

// Temporary files being written: an interrupted command removes them (removeUnfinishedWrites) so a
// snapshot directory keeps no half-written hidden files.
const unfinished = new Set<string>();

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  unfinished.add(tmp);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(tmp, data);
    await rename(tmp, path);
    unfinished.delete(tmp);
  } catch (err) {
    await rm(tmp, { force: true });
    unfinished.delete(tmp);
    // A clean one-line message for the CLI; the system error stays available as `cause`.
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new Error(`cannot write ${path}: ${code}`, { cause: err });
  }
}

/** Removes the temporary files of writes under way (the command is interrupted). Synchronous: it runs in a signal handler before exit. */
export function removeUnfinishedWrites(): void {
  for (const tmp of unfinished) rmSync(tmp, { force: true });
  unfinished.clear();
}

/** Pretty-printed with 2 spaces and a final newline, as every snapshot file. */
export function stringifyJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, stringifyJson(value));
}
