import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { InputError } from '../model/errors.js';
import { emptyExtracted, extractEvents, type ExtractedEvents } from './cloudtrail-records.js';

// Reads CloudTrail records from files and folders for verify: lookup-events output, S3 log files
// (gzip or plain, a trail's folder tree), EventBridge and CloudWatch Logs exports, JSON or JSON Lines.
// A path that does not exist is an input error (exit 2); a file inside that cannot be used is a
// located note that makes the events incomplete, never a reason to drop the others.

export interface EventSource {
  path: string;
  records: number;
  policyExecutions: number;
}

export interface LoadedEvents {
  events: ExtractedEvents;
  sources: EventSource[];
  /** Files in the folders given that were not read (not JSON by name). */
  skipped: Array<{ path: string; reason: string }>;
}

/**
 * A CloudTrail log file is a few MB; a file beyond this (decompressed) is noted and not read: it stays
 * well under V8's longest string (about 512 MiB), which decoding it needs.
 */
export const MAX_EVENTS_FILE_BYTES = 256 * 1024 * 1024;
const READABLE = /\.(json|jsonl|ndjson)(\.gz)?$|\.gz$/i;

export async function loadEventFiles(paths: readonly string[]): Promise<LoadedEvents> {
  const out: LoadedEvents = { events: emptyExtracted(), sources: [], skipped: [] };
  const missing = [];
  const files: string[] = [];
  for (const path of paths) {
    const st = await stat(path).catch(() => undefined);
    if (!st) missing.push({ location: { file: path }, code: 'file/unreadable', message: 'no such file or directory', expected: 'CloudTrail events: lookup-events output, log files from S3 (a folder of them), or an EventBridge export' });
    else if (st.isDirectory()) await walk(path, files, out.skipped);
    else files.push(path);
  }
  if (missing.length > 0) throw new InputError(missing);
  for (const file of files) {
    const before = { records: out.events.records, executions: out.events.executions.length };
    readOne(file, await readFile(file).catch((e: NodeJS.ErrnoException) => e), out.events);
    out.sources.push({ path: file, records: out.events.records - before.records, policyExecutions: out.events.executions.length - before.executions });
  }
  return out;
}

async function walk(dir: string, files: string[], skipped: LoadedEvents['skipped']): Promise<void> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) await walk(path, files, skipped);
    else if (e.isFile() && READABLE.test(e.name)) files.push(path);
    else skipped.push({ path, reason: e.isFile() ? 'not a .json, .jsonl or .gz file' : 'not a regular file' });
  }
}

function readOne(file: string, data: Buffer | NodeJS.ErrnoException, into: ExtractedEvents): void {
  const problem = (message: string): void => {
    into.problems.push({ source: file, message });
  };
  if (!Buffer.isBuffer(data)) return problem(`cannot read the file: ${data.code ?? data.message}`);
  let bytes = data;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: MAX_EVENTS_FILE_BYTES });
    } catch (e) {
      return problem(`cannot decompress the gzip file: ${(e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? `larger than ${MAX_EVENTS_FILE_BYTES} bytes` : (e as Error).message}`);
    }
  }
  if (bytes.length > MAX_EVENTS_FILE_BYTES) return problem(`larger than ${MAX_EVENTS_FILE_BYTES} bytes`);
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  if (text.trim() === '') return problem('the file is empty');
  try {
    extractEvents(JSON.parse(text) as unknown, file, into);
    return;
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
  }
  // JSON Lines: one record, event or export per line.
  const lines = text.split('\n');
  const unreadable: number[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      unreadable.push(i + 1);
      return;
    }
    extractEvents(value, `${file}:${i + 1}`, into);
  });
  if (unreadable.length === lines.filter((l) => l.trim() !== '').length) return problem('not JSON, nor JSON Lines');
  if (unreadable.length > 0) problem(`line${unreadable.length > 1 ? 's' : ''} ${unreadable.slice(0, 10).join(', ')}${unreadable.length > 10 ? ', ...' : ''}: not valid JSON`);
}
