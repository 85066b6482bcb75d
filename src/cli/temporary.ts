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

/** The path is gone (or published): nothing to remove on interruption. */
export function releaseTemporary(path: string): void {
  held.delete(path);
}

export function removeTemporaries(): void {
  for (const path of held) rmSync(path, { recursive: true, force: true });
  held.clear();
}
