import type { CheckMeta } from '../analyse/checks/types.js';
import type { Report } from './model.js';

// Formatters are pure: (report, context) => string. The CLI picks one by name and writes the result.
// The audit's human formats also come as parts (PartsFormatter): a registry-wide report may be longer
// than the longest string V8 can hold.

export interface FormatContext {
  colour: boolean;
  /** The command that produced the report (headings differ slightly). */
  command: 'dry-run' | 'audit' | 'lint';
  /** Every check that could have run (SARIF rules, docs links); default: the check registry. */
  checks?: CheckMeta[];
  /** Directory file paths are made relative to (SARIF, GitHub annotations); default: the process's. */
  cwd?: string;
  /** Columns the table must fit (a terminal's width); none: the table's fixed layout. */
  width?: number;
}

export type Formatter = (report: Report, context: FormatContext) => string;

/**
 * The same text as a Formatter, in pieces written one after the other: a report of many repositories
 * can be longer than V8's longest string (about 512 MiB), while each piece is one section or line (the
 * largest that grows with the repositories is HTML's table of them, a row of about 300 characters each).
 */
export type PartsFormatter = (report: Report, context: FormatContext) => string[];

/** Pieces whose concatenation is `items.join(separator)`. */
export function joinedParts(items: readonly string[], separator: string): string[] {
  return items.map((item, k) => (k < items.length - 1 ? item + separator : item));
}

/**
 * Chunks handed to `write` are about this long (characters). Small enough that the pieces of a chunk
 * die in V8's young generation instead of being promoted: with 1 MiB chunks, an audit's peak RSS was
 * 25 MiB higher (10 x 10,000 images), with the same bytes written.
 */
const CHUNK = 1 << 16;

/** Gathers small pieces into chunks of about `size` characters, one `write` each; call flush at the end. */
export class ChunkedWriter {
  private pieces: string[] = [];
  private length = 0;

  constructor(
    private readonly write: (chunk: string) => void,
    private readonly size = CHUNK,
  ) {}

  push(piece: string): void {
    this.pieces.push(piece);
    this.length += piece.length;
    if (this.length >= this.size) this.flush();
  }

  flush(): void {
    if (this.pieces.length === 0) return;
    this.write(this.pieces.join(''));
    this.pieces = [];
    this.length = 0;
  }
}
