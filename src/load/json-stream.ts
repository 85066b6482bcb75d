import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { openRegularFile, skipProblem } from './files.js';
import { InputError } from '../model/errors.js';
import {
  DUPLICATE_KEY_CHECK_LIMIT,
  locationIn,
  MAX_NESTING_DEPTH,
  parseJsonDocument,
  readJsonDocument,
  readTextFileSync,
  type JsonDocument,
} from './json-document.js';

// describe-images and batch-get-image outputs are one big array under one top-level key, up to
// hundreds of megabytes for a 100,000-image repository. Holding the whole text and its parse at once
// costs several times the file's size; reading the array element by element keeps one element (and
// one read buffer) in memory, and is faster too (many small JSON.parse calls, little garbage).

const CHUNK_BYTES = 1 << 20;

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * Stands for the streamed array in the rest of the document. Random per process, so that no file can
 * hold it: a second `key` whose value were the marker would otherwise pass for the streamed array.
 */
const MARKER = `\u0000ecr-lifeguard:streamed-array:${randomBytes(16).toString('hex')}`;

/** The file is not in the shape the stream reads (or not JSON): the whole-document path takes over. */
class NotStreamable extends Error {}

export interface ArrayDocument {
  doc: JsonDocument;
  /** The array was streamed: `doc.value` holds the rest only, and `doc.text` reads the file again. */
  streamed: boolean;
}

/**
 * Reads a JSON document whose top-level object holds the array `key`, calling `visit` with each
 * element of that array in order, and returns the document with that array emptied: `value[key]` is
 * `[]`, everything else as `JSON.parse` gives it. Positions (`locate`, `text`) read the file again,
 * only when a problem needs them.
 *
 * Files up to DUPLICATE_KEY_CHECK_LIMIT are read whole (readJsonDocument: duplicate keys rejected),
 * and so are files of another shape (no such key, not an array): `visit` is then called for the
 * elements of `value[key]` when it is an array, which the returned document keeps.
 *
 * Exactness: each element is parsed by JSON.parse, and so is the rest of the document with a marker
 * string where the array was. Both parse only if the whole file is valid JSON (putting a valid array
 * back in place of a valid value keeps it valid), so a file JSON.parse rejects is handed to
 * readJsonDocument, which throws the located syntax error. A second `key` after the streamed one
 * (JSON.parse would let it win) is an InputError.
 */
export async function readJsonArrayDocument(
  path: string,
  key: string,
  visit: (element: unknown, index: number) => void,
  /** For tests: stream files above this many bytes (default DUPLICATE_KEY_CHECK_LIMIT), read this many at a time. */
  options: { streamAbove?: number; chunkBytes?: number } = {},
): Promise<ArrayDocument> {
  const { streamAbove = DUPLICATE_KEY_CHECK_LIMIT, chunkBytes = CHUNK_BYTES } = options;
  const size = await stat(path).then(
    (st) => (st.isFile() ? st.size : -1),
    () => -1,
  );
  let visited = 0;
  if (size > streamAbove) {
    const counted = (element: unknown, index: number): void => {
      visited++;
      visit(element, index);
    };
    const value = await streamArray(path, key, counted, chunkBytes).catch((e: unknown) => {
      if (e instanceof NotStreamable) return undefined;
      throw e;
    });
    if (value !== undefined) return { doc: lazyJsonDocument(path, value), streamed: true };
  }
  // Small, unreadable, not JSON (throws the located error), or another shape: the whole-document path.
  const doc = await readJsonDocument(path);
  if (visited > 0) {
    // Elements were streamed, then the file turned out unreadable, yet it parses now: it changed meanwhile.
    throw new InputError([{ location: { file: path }, code: 'file/changed', message: 'the file changed while it was being read', expected: 'a file no other process is writing' }]);
  }
  const v = doc.value as Record<string, unknown> | null;
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && Array.isArray(v[key])) (v[key] as unknown[]).forEach(visit);
  return { doc, streamed: false };
}

/** A document whose value is known and whose text is read only when a position is asked for. */
function lazyJsonDocument(file: string, value: unknown): JsonDocument {
  let full: JsonDocument | undefined;
  const load = (): JsonDocument => (full ??= parseJsonDocument(readTextFileSync(file), file));
  return {
    file,
    value,
    get text() {
      return load().text;
    },
    get tree() {
      return load().tree;
    },
    locate: (pointer) => load().locate(pointer),
  };
}

/**
 * The scan: string- and escape-aware bracket depth over the bytes. Depth 1 is the top-level object,
 * depth 2 the streamed array, where commas and the closing bracket delimit elements. Every byte that
 * is not part of an element goes to `rest`, with MARKER in place of the array.
 */
async function streamArray(path: string, key: string, visit: (element: unknown, index: number) => void, chunkBytes: number): Promise<unknown> {
  const keyBytes = Buffer.from(key, 'utf8');
  const opened = await openRegularFile(path);
  if (!opened.ok) throw new InputError([skipProblem(opened, 'a JSON file')]);
  const { handle } = opened;
  const rest: Buffer[] = [];
  let index = 0;
  // Two buffers: the next read is under way while this one is scanned (the scan never waits for the disk).
  const buffers = [0, 1].map(() => Buffer.allocUnsafe(Math.max(chunkBytes, 4))); // 4: room for the byte-order mark
  let reading = handle.read(buffers[0]!, 0, buffers[0]!.length, null);
  try {
    let first = true;
    let started = false;
    let depth = 0;
    let inString = false;
    let escaped = false;
    // The current string at depth 1 (a key or a value): does it spell `key` so far?
    let keyMatched = 0;
    let keyMismatch = false;
    let lastStringIsKey = false;
    // 0: before the array, 1: inside it, 2: after it.
    let phase = 0;
    // Inside the array: pieces of the current element (it may span reads), and whether it has begun.
    let pieces: Buffer[] = [];
    let elementStarted = false;
    let sawComma = false;
    for (let reads = 1; ; reads++) {
      const { bytesRead, buffer: buf } = await reading;
      if (bytesRead === 0) break;
      const next = buffers[reads % 2]!;
      reading = handle.read(next, 0, next.length, null);
      let i = 0;
      if (first) {
        first = false;
        if (bytesRead >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) i = 3; // UTF-8 byte-order mark
      }
      let restFrom = i; // start of the bytes of this read that belong to `rest`
      let elementFrom = elementStarted ? 0 : -1; // start of the current element's bytes in this read
      for (; i < bytesRead; i++) {
        const c = buf[i]!;
        if (inString) {
          if (depth !== 1) {
            // A string inside a value: jump to its closing quote (most bytes of these files are in strings).
            let from = i;
            if (escaped) {
              escaped = false;
              from = i + 1;
            }
            const q = closingQuote(buf, from, bytesRead);
            if (q >= 0) {
              inString = false;
              i = q;
            } else {
              escaped = q === PENDING_ESCAPE;
              i = bytesRead;
            }
            continue;
          }
          // A key or value of the top-level object: compared with `key` byte by byte (they are short).
          if (escaped) escaped = false;
          else if (c === BACKSLASH) {
            escaped = true;
            keyMismatch = true;
          } else if (c === QUOTE) {
            inString = false;
            lastStringIsKey = !keyMismatch && keyMatched === keyBytes.length;
          } else if (!keyMismatch) {
            if (keyMatched < keyBytes.length && c === keyBytes[keyMatched]) keyMatched++;
            else keyMismatch = true;
          }
          continue;
        }
        if (depth === 0 && !started) {
          // Only a top-level object is streamed (anything else is another kind of file, or not JSON).
          if (isSpace(c)) continue;
          if (c !== OPEN_BRACE) throw new NotStreamable();
          started = true;
        }
        if (phase === 1 && depth === 2) {
          // Directly inside the streamed array: delimiters and the starts of elements.
          if (c === COMMA || c === CLOSE_BRACKET) {
            if (elementStarted) {
              pieces.push(buf.subarray(elementFrom, i));
              visit(parseElement(pieces), index++);
            } else if (sawComma || c === COMMA) {
              throw new NotStreamable(); // `[,` or `,,` or `,]`
            }
            pieces = [];
            elementStarted = false;
            elementFrom = -1;
            if (c === COMMA) {
              sawComma = true;
              continue;
            }
            depth = 1;
            phase = 2;
            restFrom = i + 1;
            continue;
          }
          if (!elementStarted && !isSpace(c)) {
            elementStarted = true;
            elementFrom = i;
          }
        }
        if (c === QUOTE) {
          inString = true; // the next byte goes to the string branch above
          keyMatched = 0;
          keyMismatch = false;
          continue;
        } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
          if (c === OPEN_BRACKET && depth === 1 && phase === 0 && lastStringIsKey) {
            // The array to stream: what came before goes to `rest`, then the marker stands for it.
            rest.push(Buffer.from(buf.subarray(restFrom, i)), Buffer.from(JSON.stringify(MARKER)));
            phase = 1;
            depth = 2;
            continue;
          }
          // Too deep for the positional parser: the whole-document path says so, located.
          if (++depth > MAX_NESTING_DEPTH) throw new NotStreamable();
        } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
          depth--;
          if (depth < 0) throw new NotStreamable();
        }
        if (depth === 1) lastStringIsKey = lastStringIsKey && (isSpace(c) || c === 0x3a || c === QUOTE);
      }
      if (phase === 1) {
        // The element under way continues in the next read: keep a copy (the buffer is reused).
        if (elementStarted) pieces.push(Buffer.from(buf.subarray(elementFrom, bytesRead)));
      } else {
        rest.push(Buffer.from(buf.subarray(restFrom, bytesRead)));
      }
    }
    if (inString || depth !== 0 || phase !== 2) throw new NotStreamable();
  } finally {
    // A read may still be under way (the scan stopped early): it must finish before the file closes.
    await reading.catch(() => undefined);
    await handle.close();
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(rest).toString('utf8'));
  } catch {
    throw new NotStreamable();
  }
  const object = value as Record<string, unknown>;
  if (object[key] !== MARKER) {
    // A later duplicate of `key` replaced the streamed array (JSON.parse keeps the last).
    throw new InputError([
      {
        location: locationIn(lazyJsonDocument(path, undefined), `/${key}`),
        code: 'json/duplicate-key',
        message: `duplicate property '${key}': which of its values counts is ambiguous`,
        expected: 'each property once per object',
      },
    ]);
  }
  object[key] = [];
  return value;
}

const NO_QUOTE = -1;
const PENDING_ESCAPE = -2;

/**
 * The index of the quote closing a string whose content starts at `from` (no escape pending there), or
 * NO_QUOTE / PENDING_ESCAPE when the string runs past `end` (PENDING_ESCAPE: it ends in an unpaired
 * backslash, so the next byte is escaped). A quote is escaped when an odd run of backslashes precedes it.
 */
function closingQuote(buf: Buffer, from: number, end: number): number {
  let j = from;
  for (;;) {
    const q = buf.indexOf(QUOTE, j);
    const stop = q === -1 || q >= end ? end : q;
    let backslashes = 0;
    for (let b = stop - 1; b >= from && buf[b] === BACKSLASH; b--) backslashes++;
    if (stop === end) return backslashes % 2 === 1 ? PENDING_ESCAPE : NO_QUOTE;
    if (backslashes % 2 === 0) return q;
    j = q + 1;
  }
}

function parseElement(pieces: Buffer[]): unknown {
  const text = (pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces)).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new NotStreamable();
  }
}
