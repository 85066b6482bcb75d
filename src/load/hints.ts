import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

// Hints for common mistakes with paths: a mistyped name, a snapshot's parent given as the snapshot.

/** `; did you mean X?` for a path that does not exist when a sibling's name is a typo away; else ''. */
export function didYouMean(path: string): string {
  const near = nearestSibling(path);
  return near === undefined ? '' : `; did you mean ${near}?`;
}

/** The existing entry of the path's folder whose name is nearest to the missing name (at most a third of it away). */
export function nearestSibling(path: string): string | undefined {
  const trimmed = path.replace(/[\\/]+$/, '');
  const dir = dirname(trimmed);
  const name = basename(trimmed);
  if (name === '' || name === '.' || name === '..') return undefined;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return undefined;
  }
  const limit = Math.max(1, Math.floor(name.length / 3));
  let best: { entry: string; distance: number } | undefined;
  for (const entry of entries.sort()) {
    const distance = editDistance(name.toLowerCase(), entry.toLowerCase(), limit);
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { entry, distance };
  }
  return best === undefined ? undefined : dir === '.' && !trimmed.startsWith('.') ? best.entry : join(dir, best.entry);
}

/** Levenshtein distance, stopping early past `limit` (names are short: the folder listing bounds the work). */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      rowMin = Math.min(rowMin, current[j]!);
    }
    if (rowMin > limit) return limit + 1;
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The sub-folders of `dir` that are snapshots themselves (they hold registry.json or
 * snapshot-status.json), when `dir` is not one: a `--snapshot` given the folder above a snapshot.
 */
export function snapshotsBelow(dir: string, markers: readonly string[]): string[] {
  const isFile = (p: string) => statSync(p, { throwIfNoEntry: false })?.isFile() === true;
  if (markers.some((m) => isFile(join(dir, m)))) return [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.isDirectory() && markers.some((m) => isFile(join(dir, e.name, m))))
    .map((e) => join(dir, e.name))
    .sort();
}
