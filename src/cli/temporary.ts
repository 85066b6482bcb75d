import { rmSync } from 'node:fs';

// The temporary files and folders a command creates (findings and repositories spilled to disk, a report
// held back before it is published, a live audit's snapshot): each is removed when the command ends, and
// these removes them when it is interrupted instead (Ctrl-C, SIGTERM), so an interrupted registry audit
// does not leave gigabytes behind.

const held = new Set<string>();

/** Returns `path`. */
export function holdTemporary(path: string): string {
  held.add(path);
  return path;
}

/** The path was published (renamed into place): nothing to remove on interruption. */
export function releaseTemporary(path: string): void {
  held.delete(path);
}

/** Removes a temporary file or folder (if still there) when the command is done with it. */
export function removeTemporary(path: string): void {
  rmSync(path, { recursive: true, force: true });
  held.delete(path);
}

export function removeTemporaries(): void {
  for (const path of held) removeTemporary(path);
}
