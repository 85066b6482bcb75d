import { lstat, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../../aws/atomic-write.js';

// `save <file>` in an interactive session: the policy is written to a temporary file beside the target and
// renamed over it, so the file is never half written; a symbolic link at the target is refused, not
// followed (a link planted in a shared folder would otherwise redirect the write), and so is anything
// that is not a regular file.

/** Writes `text` to `path` atomically. Throws an Error whose message is the reason alone (the session names the file). */
export async function savePolicyFile(path: string, text: string): Promise<void> {
  const existing = await lstat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw new Error(err.code ?? err.message);
  });
  if (existing?.isSymbolicLink()) throw new Error('it is a symbolic link, which save does not follow: give the path of the file itself, or remove the link');
  if (existing !== undefined && !existing.isFile()) throw new Error('it is not a regular file');
  const folder = await stat(dirname(path)).catch(() => undefined);
  if (!folder?.isDirectory()) throw new Error(`ENOENT (no folder ${dirname(path)})`);
  try {
    await writeFileAtomic(path, text);
  } catch (err) {
    const cause = (err as Error).cause as NodeJS.ErrnoException | undefined;
    throw new Error(cause?.code ?? (err as Error).message);
  }
}
