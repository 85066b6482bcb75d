import type { InputProblem } from '../../model/errors.js';
import type { InUseReference, UseKind, UseOrigin } from '../../model/in-use.js';
import type { SourceLocation } from '../../model/location.js';
import { parseImageReference } from '../references.js';

// Shared by every in-use source format: one collector that parses a raw reference, drops other
// registries (counted), and records invalid ones as located problems.

export interface InUseParseResult {
  uses: InUseReference[];
  problems: InputProblem[];
  otherRegistryCount: number;
}

export class UseCollector {
  readonly uses: InUseReference[] = [];
  readonly problems: InputProblem[] = [];
  otherRegistryCount = 0;

  /** Parses `raw` and keeps it as a use, counts it as another registry, or records a problem. */
  add(raw: string, kind: UseKind, origin: UseOrigin, pointer?: string): void {
    const reference = parseImageReference(raw);
    if (!reference) {
      this.problem(locationOf(origin, pointer), 'in-use/invalid-reference', 'not a valid image reference', {
        found: JSON.stringify(raw),
        expected: '[registry/]repository[:tag][@sha256:<64 hex>] with a lowercase repository',
      });
      return;
    }
    if (!reference.isEcr) {
      this.otherRegistryCount++;
      return;
    }
    this.uses.push({ reference, kind, origin });
  }

  problem(location: SourceLocation, code: string, message: string, extra: { found?: string; expected?: string } = {}): void {
    this.problems.push({ location, code, message, ...extra });
  }

  result(): InUseParseResult {
    return { uses: this.uses, problems: this.problems, otherRegistryCount: this.otherRegistryCount };
  }
}

export function locationOf(origin: UseOrigin, pointer?: string): SourceLocation {
  const loc: SourceLocation = { file: origin.file };
  if (pointer !== undefined) loc.pointer = pointer;
  if (origin.line !== undefined) loc.line = origin.line;
  if (origin.column !== undefined) loc.column = origin.column;
  return loc;
}

/** Offset -> 1-based line and column, by binary search over line starts. */
export function lineLocator(text: string): (offset: number) => { line: number; column: number } {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  };
}

/** `items[3].spec.containers[0].image` from path segments. */
export function formatObjectPath(segments: ReadonlyArray<string | number>): string {
  let s = '';
  for (const seg of segments) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) s += s === '' ? seg : `.${seg}`;
    else s += `[${JSON.stringify(seg)}]`;
  }
  return s;
}

export function compareUses(a: InUseReference, b: InUseReference): number {
  return (
    compareStrings(a.origin.file, b.origin.file) ||
    (a.origin.line ?? 0) - (b.origin.line ?? 0) ||
    compareStrings(a.origin.path ?? '', b.origin.path ?? '') ||
    (a.origin.column ?? 0) - (b.origin.column ?? 0) ||
    compareStrings(a.reference.raw, b.reference.raw)
  );
}

export function compareProblems(a: InputProblem, b: InputProblem): number {
  return (
    compareStrings(a.location.file, b.location.file) ||
    (a.location.line ?? 0) - (b.location.line ?? 0) ||
    (a.location.column ?? 0) - (b.location.column ?? 0) ||
    compareStrings(a.location.pointer ?? '', b.location.pointer ?? '') ||
    compareStrings(a.code, b.code)
  );
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function getPath(obj: unknown, path: readonly string[]): unknown {
  let cur = obj;
  for (const key of path) {
    if (!isRecord(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

/** Calls `fn` for each object entry of `list` (other entries and non-arrays are skipped). */
export function forEachEntry(list: unknown, fn: (entry: Record<string, unknown>, index: number) => void): void {
  if (!Array.isArray(list)) return;
  list.forEach((entry, i) => {
    if (isRecord(entry)) fn(entry, i);
  });
}
