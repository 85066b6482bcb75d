import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

// Readers must never see half a file: write a temp file in the same directory (same
// filesystem, so rename is atomic), then rename it over the target.
//
// Synchronously: a signal handler (Ctrl-C) runs between tasks of the event loop, never inside this
// function, so an interrupted snapshot leaves no temporary file. With asynchronous writes, an open still
// queued in libuv's thread pool could create its file after the handler had cleaned up (an interrupted
// snapshot of 12,000 images left up to 101 empty .tmp files in the manifest cache). The files are
// snapshot JSON and cached manifests: a 100,000-image describe-images.json (about 50 MB) takes tens of
// milliseconds, while the snapshot waits on the network.

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    // A clean one-line message for the CLI; the system error stays available as `cause`.
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new Error(`cannot write ${path}: ${code}`, { cause: err });
  }
}

/** Pretty-printed with 2 spaces and a final newline, as every snapshot file. */
export function stringifyJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, stringifyJson(value));
}
