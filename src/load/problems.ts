import { InputError, type InputProblem } from '../model/errors.js';
import type { SourceLocation } from '../model/location.js';

// Problems are reported sorted: by file, position, then pointer (array indices numerically).

function comparePointers(a: string, b: string): number {
  const ta = a.split('/');
  const tb = b.split('/');
  for (let i = 0; i < Math.min(ta.length, tb.length); i++) {
    const x = ta[i]!;
    const y = tb[i]!;
    if (x === y) continue;
    const nx = /^\d+$/.test(x) ? Number(x) : NaN;
    const ny = /^\d+$/.test(y) ? Number(y) : NaN;
    if (!Number.isNaN(nx) && !Number.isNaN(ny)) return nx - ny;
    return x < y ? -1 : 1;
  }
  return ta.length - tb.length;
}

function locationKey(l: SourceLocation): [string, number, number, string, string] {
  return [l.file, l.line ?? 0, l.column ?? 0, l.pointer ?? '', l.innerPointer ?? ''];
}

export function compareProblems(a: InputProblem, b: InputProblem): number {
  const [fa, la, ca, pa, ia] = locationKey(a.location);
  const [fb, lb, cb, pb, ib] = locationKey(b.location);
  return (
    (fa < fb ? -1 : fa > fb ? 1 : 0) ||
    la - lb ||
    ca - cb ||
    comparePointers(pa, pb) ||
    comparePointers(ia, ib) ||
    (a.code < b.code ? -1 : a.code > b.code ? 1 : 0) ||
    (a.message < b.message ? -1 : a.message > b.message ? 1 : 0)
  );
}

export function sortProblems(problems: InputProblem[]): InputProblem[] {
  return problems.sort(compareProblems);
}

/** Throws one InputError with every problem, sorted; does nothing when there are none. */
export function throwIfProblems(problems: InputProblem[]): void {
  if (problems.length > 0) throw new InputError(sortProblems([...problems]));
}

/** Runs a loader step, turning its InputError into collected problems. */
export async function collectProblems<T>(problems: InputProblem[], step: () => Promise<T> | T): Promise<T | undefined> {
  try {
    return await step();
  } catch (e) {
    if (e instanceof InputError) {
      problems.push(...e.problems);
      return undefined;
    }
    throw e;
  }
}

/** Indices of the array entries under `arrayPointer` that some problem points into (e.g. schema errors). */
export function entriesWithProblems(problems: readonly InputProblem[], arrayPointer: string): Set<number> {
  const out = new Set<number>();
  const prefix = `${arrayPointer}/`;
  for (const p of problems) {
    const ptr = p.location.pointer;
    if (ptr === undefined || !ptr.startsWith(prefix)) continue;
    const index = /^\d+/.exec(ptr.slice(prefix.length));
    if (index) out.add(Number(index[0]));
  }
  return out;
}

/**
 * Many problems of one kind (one per image of a large repository) as the first `shown` of each code,
 * located, then one line saying how many more there are. Holds no more than that, however many are added.
 */
export class ProblemTally {
  // files: those of the problems not shown (one per repository at most, in practice).
  private readonly byCode = new Map<string, { first: InputProblem[]; more: number; files: Set<string> }>();
  constructor(private readonly shown = 3) {}

  add(problems: Iterable<InputProblem>): void {
    for (const p of problems) {
      let entry = this.byCode.get(p.code);
      if (!entry) this.byCode.set(p.code, (entry = { first: [], more: 0, files: new Set() }));
      if (entry.first.length < this.shown) entry.first.push(p);
      else {
        entry.more++;
        entry.files.add(p.location.file);
      }
    }
  }

  /** Problems counted but not given (`more` per code), in `file`. */
  addMore(more: ReadonlyMap<string, number>, file: string): void {
    for (const [code, n] of more) {
      let entry = this.byCode.get(code);
      if (!entry) this.byCode.set(code, (entry = { first: [], more: 0, files: new Set() }));
      entry.more += n;
      entry.files.add(file);
    }
  }

  /** Per code, in the order codes were first met: its first problems, then `and N more like this`. */
  summary(): InputProblem[] {
    const out: InputProblem[] = [];
    for (const [code, { first, more, files }] of this.byCode) {
      out.push(...first);
      if (more > 0) {
        const [file] = files;
        const others = files.size > 1 ? ` here and in ${files.size - 1} other ${files.size === 2 ? 'file' : 'files'}` : '';
        out.push({ location: { file: file! }, code, message: `and ${more.toLocaleString('en-US')} more like this${others} (${code})` });
      }
    }
    return out;
  }
}
