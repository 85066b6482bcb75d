import { formatLocation, type SourceLocation } from './location.js';

// Input problems are data: collected, located, and reported together (exit code 2).

export interface InputProblem {
  location: SourceLocation;
  /** Stable code, e.g. `policy/unknown-property`, `json/syntax`. */
  code: string;
  message: string;
  /** What was found, rendered briefly. */
  found?: string;
  /** What ECR (or the format) accepts. */
  expected?: string;
}

export function formatProblem(p: InputProblem): string {
  let s = `${formatLocation(p.location)}: ${p.message}`;
  if (p.found !== undefined) s += ` (found ${p.found})`;
  if (p.expected !== undefined) s += `; expected ${p.expected}`;
  return s;
}

/** Thrown by loaders; the CLI prints every problem and exits 2. */
export class InputError extends Error {
  /** What kind of error, for callers of the library; the exit code the CLI gives it. */
  readonly code = 'input' as const;
  readonly exitCode = 2 as const;
  readonly problems: InputProblem[];
  constructor(problems: InputProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'InputError';
    this.problems = problems;
  }
}

/** Usage errors (bad flags, conflicting options): exit 2. */
export class UsageError extends Error {
  readonly code = 'usage' as const;
  readonly exitCode = 2 as const;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Data could not be read completely (AWS failures): exit 3. */
export class IncompleteDataError extends Error {
  readonly code = 'incomplete' as const;
  readonly exitCode = 3 as const;
  constructor(message: string) {
    super(message);
    this.name = 'IncompleteDataError';
  }
}
