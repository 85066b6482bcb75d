import jsonc from 'jsonc-parser';
import { InputError, type InputProblem } from '../model/errors.js';
import type { SourceLocation } from '../model/location.js';
import { readRegularFile, readRegularFileSync, skipProblem, type ReadFile } from './files.js';
import { sortProblems } from './problems.js';
import { didYouMean } from './hints.js';

// Strict JSON with positions: every loader reports problems at the line and column of the value.

export type JsonNode = jsonc.Node;

export interface LineColumn {
  line: number;
  column: number;
}

export interface JsonDocument {
  file: string;
  text: string;
  value: unknown;
  /** 1-based line/column of the value at that RFC 6901 pointer; undefined when absent. */
  locate(pointer: string): LineColumn | undefined;
  /** The jsonc-parser node tree (offsets into `text`), for loaders that look inside strings. */
  tree?: JsonNode;
}

/** Offset (0-based, UTF-16 units) -> 1-based line/column; builds the line index once per text. */
export function makeOffsetLocator(text: string): (offset: number) => LineColumn {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // \r\n counts as one break; a lone \r is a break too (as editors show it).
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
  }
  return (offset) => {
    const o = Math.max(0, Math.min(offset, text.length));
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: o - starts[lo]! + 1 };
  };
}

/** One-off conversion; use makeOffsetLocator for many offsets in the same text. */
export function offsetToLineColumn(text: string, offset: number): LineColumn {
  return makeOffsetLocator(text)(offset);
}

/** RFC 6901 pointer -> tokens. `''` is the whole document. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The node a pointer designates in a jsonc-parser tree. */
export function findNodeAtPointer(root: JsonNode | undefined, pointer: string): JsonNode | undefined {
  let node = root;
  for (const token of parsePointer(pointer)) {
    if (!node) return undefined;
    if (node.type === 'object') {
      // Last occurrence wins, as in JSON.parse (duplicates are rejected anyway).
      const prop = node.children?.filter((p) => p.children?.[0]?.value === token).pop();
      node = prop?.children?.[1];
    } else if (node.type === 'array') {
      if (!/^(0|[1-9]\d*)$/.test(token)) return undefined;
      node = node.children?.[Number(token)];
    } else {
      return undefined;
    }
  }
  return node;
}

/** A syntax problem before it is located: offsets are in the parsed text. */
export interface RawJsonProblem {
  offset: number;
  code: string;
  message: string;
  found?: string;
  expected?: string;
}

export interface ParsedJson {
  tree?: JsonNode;
  value?: unknown;
  /** At most one syntax problem (later ones are usually consequences of the first), plus duplicate keys. */
  problems: RawJsonProblem[];
}

const SYNTAX_MESSAGES: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'expected a property name in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: "expected ':'",
  CommaExpected: "expected ',' or the end of the object/array",
  CloseBraceExpected: "expected '}'",
  CloseBracketExpected: "expected ']'",
  EndOfFileExpected: 'unexpected content after the JSON value',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'incomplete number',
  InvalidUnicode: 'invalid \\u escape',
  InvalidEscapeCharacter: 'invalid escape sequence',
  InvalidCharacter: 'control character not allowed in a string (escape it)',
};

function snippet(text: string, offset: number): string {
  const s = text.slice(offset, offset + 20).split(/\r?\n/)[0] ?? '';
  return s === '' ? 'end of input' : JSON.stringify(s);
}

/**
 * Above this size, documents are machine output (describe-images, batch-get-image): they are parsed
 * with JSON.parse alone and the positional tree is built only if a problem needs locating. Below it,
 * the tree is built up front to reject duplicate keys too.
 */
export const DUPLICATE_KEY_CHECK_LIMIT = 1024 * 1024;

/** Strict JSON parse (no comments, no trailing commas; no duplicate keys in documents up to 1 MiB). */
export function parseJsonText(text: string): ParsedJson {
  if (text.trim() === '') return { problems: [{ offset: 0, code: 'json/empty', message: 'the file is empty', expected: 'a JSON document' }] };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return describeInvalid(text, e as Error);
  }
  if (text.length > DUPLICATE_KEY_CHECK_LIMIT) {
    // No tree until a problem needs locating; the nesting limit (see positionalTree) holds all the same.
    const deep = excessiveNesting(text);
    return deep ? { problems: [deep] } : { value, problems: [] };
  }
  const { tree, failure } = buildTree(text);
  if (failure) return { problems: [failure] };
  return { tree, value, problems: duplicateKeys(tree) };
}

function buildTree(text: string): PositionalTree {
  return positionalTree(text, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
}

export interface PositionalTree {
  tree: JsonNode | undefined;
  errors: jsonc.ParseError[];
  /** Too deep to read: over MAX_NESTING_DEPTH (located), or malformed text the parser ran out of stack on. */
  failure?: RawJsonProblem;
}

/**
 * jsonc-parser's tree, which every reader of JSON with positions goes through. The parser and the walks
 * over its tree recurse per level, so nesting beyond MAX_NESTING_DEPTH is refused before it runs (the
 * same answer on every machine). In malformed text its error recovery can still nest deeper than any
 * scan sees (stray closing brackets are skipped, for one), so running out of stack is caught too.
 */
export function positionalTree(text: string, options: jsonc.ParseOptions): PositionalTree {
  const deep = excessiveNesting(text);
  if (deep) return { tree: undefined, errors: [], failure: deep };
  const errors: jsonc.ParseError[] = [];
  try {
    return { tree: jsonc.parseTree(text, errors, options), errors };
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    return { tree: undefined, errors: [], failure: { offset: 0, code: 'json/syntax', message: 'invalid JSON, nested too deeply to say where it breaks', expected: 'valid JSON' } };
  }
}

/** JSON.parse failed: let the positional parser say where and why. */
function describeInvalid(text: string, e: Error): ParsedJson {
  const { tree, errors, failure } = buildTree(text);
  if (failure) return { problems: [failure] };
  const first = errors[0];
  if (first) return { tree, problems: [describeSyntaxError(text, tree, first)] };
  return { tree, problems: [{ offset: 0, code: 'json/syntax', message: `invalid JSON: ${e.message}` }] };
}

/**
 * How deep JSON read into a syntax tree may nest (RFC 8259 lets a parser set such a limit). The tree
 * builders recurse, so without a fixed limit "too deep" would depend on the stack size of the
 * machine; real inputs (Kubernetes, ECS, Terraform plans, CloudFormation) nest a few dozen levels.
 */
export const MAX_NESTING_DEPTH = 512;

/**
 * Where JSON text (comments allowed) first nests deeper than MAX_NESTING_DEPTH, as a syntax problem,
 * or undefined. Strings and comments are skipped; malformed text is left to the parser.
 */
export function excessiveNesting(text: string): RawJsonProblem | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: to its closing quote, escapes skipped; a line break ends it too, as it does for the parser.
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22 || d === 0x0a || d === 0x0d) break;
      }
    } else if (c === 0x2f && text.charCodeAt(i + 1) === 0x2f) {
      // A line comment ends at CR or LF.
      while (i + 1 < text.length && text.charCodeAt(i + 1) !== 0x0a && text.charCodeAt(i + 1) !== 0x0d) i++;
    } else if (c === 0x2f && text.charCodeAt(i + 1) === 0x2a) {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_NESTING_DEPTH) {
        return { offset: i, code: 'json/too-deep', message: `the JSON nests more than ${MAX_NESTING_DEPTH} levels deep`, expected: `at most ${MAX_NESTING_DEPTH} levels of nesting (ecr-lifeguard's limit)` };
      }
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return undefined;
}

/** A jsonc-parser error in words: truncation, trailing content, trailing commas and comments get their own messages. */
export function describeSyntaxError(text: string, tree: JsonNode | undefined, err: jsonc.ParseError): RawJsonProblem {
  const name = jsonc.printParseErrorCode(err.error);
  // An unterminated string is reported at its start: it is truncation when it runs to the end.
  const end = name === 'UnexpectedEndOfString' ? err.offset + err.length : err.offset;
  const atEnd = text.slice(end).trim() === '';
  if (atEnd && name !== 'InvalidCommentToken') {
    return { offset: err.offset, code: 'json/truncated', message: `the JSON ends early (truncated file?): ${SYNTAX_MESSAGES[name] ?? name}`, found: 'end of input' };
  }
  if (tree && err.offset >= tree.offset + tree.length && (name === 'EndOfFileExpected' || name === 'InvalidSymbol')) {
    return { offset: err.offset, code: 'json/trailing-content', message: 'unexpected content after the JSON value', found: snippet(text, err.offset), expected: 'end of file' };
  }
  if ((name === 'PropertyNameExpected' || name === 'ValueExpected') && /^\s*[}\]]/.test(text.slice(err.offset)) && /,\s*$/.test(text.slice(0, err.offset))) {
    return { offset: text.lastIndexOf(',', err.offset), code: 'json/syntax', message: 'trailing comma is not allowed in JSON', found: "','" };
  }
  if (name === 'InvalidCommentToken' || name === 'UnexpectedEndOfComment') {
    return { offset: err.offset, code: 'json/syntax', message: 'comments are not allowed in JSON', found: snippet(text, err.offset) };
  }
  return { offset: err.offset, code: 'json/syntax', message: `invalid JSON: ${SYNTAX_MESSAGES[name] ?? name}`, found: snippet(text, err.offset) };
}

// Duplicate keys make a document ambiguous (which value counts?), so they are rejected.
function duplicateKeys(root: JsonNode | undefined): RawJsonProblem[] {
  const out: RawJsonProblem[] = [];
  const walk = (node: JsonNode): void => {
    if (node.type === 'object') {
      const seen = new Set<string>();
      for (const prop of node.children ?? []) {
        const key = prop.children?.[0];
        if (key && seen.has(key.value)) {
          out.push({ offset: key.offset, code: 'json/duplicate-key', message: `duplicate property '${key.value}': which of its values counts is ambiguous`, expected: 'each property once per object' });
        }
        if (key) seen.add(key.value);
      }
    }
    for (const child of node.children ?? []) walk(child);
  };
  if (root) walk(root);
  return out;
}

/** Start (and end) of the value at a pointer, converted through `toLineColumn`. */
export function locateInTree(
  tree: JsonNode | undefined,
  pointer: string,
  toLineColumn: (offset: number) => LineColumn,
  /** Where a span ends when its text may come from several places (CloudFormation Join, Sub). */
  spanEnd?: (start: number, end: number) => LineColumn,
): Pick<SourceLocation, 'line' | 'column' | 'endLine' | 'endColumn'> | undefined {
  const node = findNodeAtPointer(tree, pointer);
  if (!node) return undefined;
  const start = toLineColumn(node.offset);
  const end = spanEnd ? spanEnd(node.offset, node.offset + node.length) : toLineColumn(node.offset + node.length);
  return { line: start.line, column: start.column, endLine: end.line, endColumn: end.column };
}

export function parseJsonDocument(text: string, file: string): JsonDocument {
  const parsed = parseJsonText(text);
  let locator: ((offset: number) => LineColumn) | undefined;
  const toLineColumn = (offset: number) => (locator ??= makeOffsetLocator(text))(offset);
  if (parsed.problems.length > 0) {
    throw new InputError(
      parsed.problems.map((p): InputProblem => ({ location: { file, ...toLineColumn(p.offset) }, code: p.code, message: p.message, found: p.found, expected: p.expected })),
    );
  }
  let tree = parsed.tree;
  const treeOf = (): JsonNode | undefined => (tree ??= buildTree(text).tree);
  return {
    file,
    text,
    value: parsed.value,
    get tree() {
      return treeOf();
    },
    locate(pointer) {
      const node = findNodeAtPointer(treeOf(), pointer);
      return node ? toLineColumn(node.offset) : undefined;
    },
  };
}

/** A located problem in a JsonDocument; falls back to the nearest located ancestor. */
export function problemAt(doc: JsonDocument, pointer: string, code: string, message: string, extra: { found?: string; expected?: string } = {}): InputProblem {
  return { location: locationIn(doc, pointer), code, message, ...definedOnly(extra) };
}

/** Problems that carry only a pointer (found while streaming) located in `doc`, then thrown; nothing when there are none. */
export function throwLocated(doc: JsonDocument, problems: readonly InputProblem[]): void {
  if (problems.length > 0) throw new InputError(sortProblems(problems.map((p) => ({ ...p, location: locationIn(doc, p.location.pointer ?? '') }))));
}

export function locationIn(doc: JsonDocument, pointer: string): SourceLocation {
  let p = pointer;
  let lc = doc.locate(p);
  while (!lc && p !== '') {
    p = p.slice(0, p.lastIndexOf('/'));
    lc = doc.locate(p);
  }
  return { file: doc.file, pointer, ...(lc ?? {}) };
}

export function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export async function readJsonDocument(path: string): Promise<JsonDocument> {
  return parseJsonDocument(await readTextFile(path), path);
}

/**
 * Reads a UTF-8 text file; a missing file, a directory, a FIFO, a device or a permission error is an
 * InputError (files.ts: nothing but a regular file is ever opened).
 */
export async function readTextFile(path: string, expected = 'a JSON file'): Promise<string> {
  return decodeText(await readRegularFile(path), expected);
}

/** readTextFile, synchronously: for positions asked for after a file was streamed (error paths only). */
export function readTextFileSync(path: string, expected = 'a JSON file'): string {
  return decodeText(readRegularFileSync(path), expected);
}

function decodeText(read: ReadFile, expected: string): string {
  if (!read.ok) throw new InputError([skipProblem(read, expected)]);
  try {
    return withoutByteOrderMark(read.bytes.toString('utf8'));
  } catch (e) {
    // Longer than V8's longest string (about 512 MiB).
    throw new InputError([fileUnreadable(read.path, e)]);
  }
}

// A UTF-8 byte-order mark (PowerShell redirection writes one) is not part of the JSON.
const withoutByteOrderMark = (text: string): string => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);

/** A file system error reading `file`, in words. */
export function fileUnreadable(file: string, e: unknown): InputProblem {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EISDIR') return unreadable(file, 'it is a directory', 'a JSON file');
  const why = code === 'ENOENT' ? `no such file${didYouMean(file)}` : code === 'EACCES' ? 'permission denied' : (e as Error).message;
  return unreadable(file, `cannot read the file: ${why}`, undefined);
}

function unreadable(file: string, message: string, expected: string | undefined): InputProblem {
  return { location: { file }, code: 'file/unreadable', message, ...(expected ? { expected } : {}) };
}

/**
 * Maps an offset in the decoded content of a JSON string literal to the offset of the character
 * (or escape sequence) that produced it in the outer text. `literalOffset` is the offset of the
 * opening quote, `raw` the outer text.
 */
export function stringContentOffsetMap(raw: string, literalOffset: number): (decodedOffset: number) => number {
  const map: number[] = [];
  let i = literalOffset + 1;
  while (i < raw.length && raw[i] !== '"') {
    if (raw[i] === '\\') {
      const esc = raw[i + 1];
      map.push(i); // every escape decodes to one UTF-16 unit (\uD83D\uDE00 is two escapes)
      i += esc === 'u' ? 6 : 2;
    } else {
      map.push(i);
      i += 1;
    }
  }
  const end = i; // the closing quote
  return (decoded) => (decoded < 0 ? literalOffset : decoded < map.length ? map[decoded]! : end);
}
