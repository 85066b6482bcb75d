import { ChunkedWriter, type Formatter } from './formatter.js';
import type { Finding } from '../model/finding.js';
import type { Report, ReportRepository } from './model.js';

// The JSON report: the document itself, keys in the order built, two-space indent.
export const formatJson: Formatter = (report) => JSON.stringify(report, null, 2) + '\n';

/**
 * Objects down to this depth (the report, a repository, its storage) and arrays one level deeper (a
 * repository's images, its storage's images) are written member by member; deeper values whole.
 */
const STREAM_OBJECT_DEPTH = 3;
/** Array members written whole are stringified this many at a time. */
const BATCH = 100;

const isPlainContainer = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;

/** Whether a value at this depth is walked member by member rather than stringified whole. */
function isStreamed(value: unknown, depth: number): boolean {
  return Array.isArray(value) ? depth <= STREAM_OBJECT_DEPTH + 1 : depth <= STREAM_OBJECT_DEPTH && isPlainContainer(value);
}

/**
 * `JSON.stringify(value, null, 2)` as it appears `depth` levels down in an enclosing document: every
 * line after the first indented by `depth` levels. Wrapping the value in `depth` arrays lets the native
 * serializer indent it; the wrappers' brackets are then cut off (cheaper than re-indenting with a regex).
 */
export function stringifyAt(value: unknown, depth: number): string {
  if (depth === 0) return JSON.stringify(value, null, 2);
  let wrapped = value;
  for (let k = 0; k < depth; k++) wrapped = [wrapped];
  const text = JSON.stringify(wrapped, null, 2);
  // Level k (1..depth) opens with "[\n" and 2k spaces, and closes with "\n", 2(k-1) spaces and "]".
  const open = 2 * depth + depth * (depth + 1);
  const close = 2 * depth + depth * (depth - 1);
  return text.slice(open, text.length - close);
}

/**
 * Writes the same bytes as `JSON.stringify(value, null, 2)` (indented by `depth` levels after its first
 * line), without building one string for the whole value: the top levels are walked, and each member
 * below them is stringified on its own. A 100,000-image report stays far below V8's string limit.
 */
function writeJson(value: unknown, depth: number, out: ChunkedWriter): void {
  const pad = '  '.repeat(depth);
  if (!isStreamed(value, depth)) {
    out.push(stringifyAt(value, depth));
    return;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return out.push('[]');
    out.push('[');
    for (let i = 0; i < value.length; ) {
      if (isStreamed(value[i], depth + 1)) {
        out.push(`${i === 0 ? '' : ','}\n${pad}  `);
        writeJson(value[i], depth + 1, out);
        i++;
        continue;
      }
      // A run of members written whole: stringified together (one call per member costs more), then
      // the brackets dropped; members without a JSON form become null, as they should.
      let end = i + 1;
      while (end < value.length && end - i < BATCH && !isStreamed(value[end], depth + 1)) end++;
      const text = stringifyAt(value.slice(i, end), depth);
      out.push(`${i === 0 ? '' : ','}${text.slice(1, text.length - pad.length - 2)}`);
      i = end;
    }
    out.push(`\n${pad}]`);
    return;
  }
  let first = true;
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
    out.push(`${first ? '{' : ','}\n${pad}  ${JSON.stringify(key)}: `);
    first = false;
    writeJson(item, depth + 1, out);
  }
  out.push(first ? '{}' : `\n${pad}}`);
}

/** The JSON report as chunks passed to `write`: the same bytes as formatJson, for reports of any size. */
export function writeJsonReport(report: Report, write: (chunk: string) => void): void {
  const out = new ChunkedWriter(write);
  writeJson(report, 0, out);
  out.push('\n');
  out.flush();
}

/**
 * Writes the same bytes as formatJson, one repository at a time, so a registry-wide audit never
 * holds every repository's images in memory. Call begin, repository (any number), then end.
 */
export class JsonReportWriter {
  private count = 0;
  private readonly out: ChunkedWriter;

  constructor(write: (chunk: string) => void) {
    this.out = new ChunkedWriter(write);
  }

  begin(head: Pick<Report, 'tool' | 'now' | 'days'>): void {
    const h = JSON.stringify(head, null, 2);
    // Re-open the object after its last property to append `repositories`.
    this.out.push(`${h.slice(0, h.lastIndexOf('\n}'))},\n  "repositories": [`);
  }

  repository(repository: ReportRepository): void {
    this.out.push(`${this.count++ === 0 ? '' : ','}\n    `);
    writeJson(repository, 2, this.out);
    this.out.flush();
  }

  /** `findings` may be any iterable (an audit streams them back from disk): written as the array would be. */
  end(rest: Omit<Report, 'tool' | 'now' | 'days' | 'repositories' | 'findings'> & { findings: Iterable<Finding> }): void {
    this.out.push(this.count === 0 ? ']' : '\n  ]');
    for (const [key, value] of Object.entries(rest)) {
      if (value === undefined) continue;
      this.out.push(`,\n  ${JSON.stringify(key)}: `);
      if (key === 'findings' && !Array.isArray(value)) this.items(value as Iterable<Finding>);
      else writeJson(value, 1, this.out);
    }
    this.out.push('\n}\n');
    this.out.flush();
  }

  /** Top-level array members one by one, exactly as writeJson frames an array at depth 1. */
  private items(items: Iterable<Finding>): void {
    let first = true;
    for (const item of items) {
      this.out.push(`${first ? '[' : ','}\n    `);
      first = false;
      writeJson(item, 2, this.out);
    }
    this.out.push(first ? '[]' : '\n  ]');
  }
}
