// Positions: from a character of an embedded policy text back to the line/column of the file
// it was written in, through JSON string escapes, YAML quoting and block scalars, and texts
// concatenated by CloudFormation intrinsics.

export interface LineColumn {
  line: number;
  column: number;
}

/** Offsets -> 1-based line/column. Columns count UTF-16 code units, as editors and SARIF do. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      // \r\n is one line break; a lone \r is one too (YAML and editors agree).
      if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) this.starts.push(i + 1);
    }
  }

  position(offset: number): LineColumn {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo]! + 1 };
  }
}

/** A decoded text with, for each of its characters and for its end, the file offset it came from. */
export interface MappedText {
  text: string;
  /** `offsets.length === text.length + 1`; the last entry is where the text ends in the file. */
  offsets: number[];
  /**
   * Text indices where a piece from elsewhere in the file begins (CloudFormation Join and Sub),
   * ascending: a span across one is not one place in the file.
   */
  breaks?: number[];
}

/** Where a span [start, end) of mapped text ends in the file: its end, or where the piece holding `start` ends. */
export function spanEndOffset(text: MappedText, start: number, end: number): number {
  // A break inside the span, or right at its end (the next character is elsewhere): the piece holding
  // `start` ends just after its last character.
  const cut = text.breaks?.find((b) => b > start && b <= end);
  return cut === undefined ? text.offsets[end]! : text.offsets[cut - 1]! + 1;
}

export function identityText(text: string): MappedText {
  return { text, offsets: Array.from({ length: text.length + 1 }, (_, i) => i) };
}

/** Accumulates pieces of mapped text (CloudFormation Fn::Join, Fn::Sub). */
export class MappedTextBuilder {
  private readonly chars: string[] = [];
  private readonly offsets: number[] = [];
  private readonly breaks: number[] = [];
  private end: number;

  constructor(start: number) {
    this.end = start;
  }

  /** Appends `piece.text[from, to)`. */
  append(piece: MappedText, from = 0, to = piece.text.length): void {
    if (from >= to) return;
    const at = this.chars.length;
    // A piece that does not continue where the text so far ends in the file starts a new place.
    if (at > 0 && piece.offsets[from] !== this.end) this.breaks.push(at);
    for (const b of piece.breaks ?? []) if (b > from && b < to) this.breaks.push(at + b - from);
    for (let i = from; i < to; i++) {
      this.chars.push(piece.text[i]!);
      this.offsets.push(piece.offsets[i]!);
    }
    this.end = piece.offsets[to]!;
  }

  finish(): MappedText {
    return { text: this.chars.join(''), offsets: [...this.offsets, this.end], ...(this.breaks.length > 0 ? { breaks: [...this.breaks] } : {}) };
  }
}

/**
 * One piece of raw scalar source. `required` pieces must produce `text` in the decoded value
 * (ordinary characters and escapes); optional ones are raw whitespace that YAML folding may
 * keep, turn into another whitespace character, or drop.
 */
export interface SourceUnit {
  text: string;
  start: number;
  end: number;
  required: boolean;
}

const isWhitespace = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';

/**
 * Aligns a decoded value with the units of its source. Every non-whitespace character maps to
 * exactly the source character (or escape) that produced it; whitespace created by folding maps
 * to the line break it replaces. Undefined when the units cannot produce the value (the caller
 * then falls back to the start of the scalar rather than guessing).
 */
export function alignUnits(value: string, units: SourceUnit[], fallbackEnd: number): MappedText | undefined {
  const offsets: number[] = [];
  let j = 0;
  let pending = ''; // rest of a multi-character unit (e.g. a surrogate pair from \U0001F600)
  let pendingStart = 0;
  let lastEnd = units.length > 0 ? units[0]!.start : fallbackEnd;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (pending !== '') {
      if (pending[0] !== c) return undefined;
      offsets.push(pendingStart);
      pending = pending.slice(1);
      continue;
    }
    let k = j;
    // Skip raw whitespace that folding dropped or changed, never a required unit.
    while (k < units.length && !units[k]!.required && units[k]!.text !== c) k++;
    const u = units[k];
    if (u !== undefined && u.text.length > 0 && u.text[0] === c) {
      offsets.push(u.start);
      pending = u.text.slice(1);
      pendingStart = u.start;
      lastEnd = u.end;
      j = k + 1;
    } else if (isWhitespace(c)) {
      // Whitespace made by folding a line break: point at that break, consume nothing.
      offsets.push(j < units.length ? units[j]!.start : lastEnd);
    } else {
      return undefined;
    }
  }
  if (pending !== '') return undefined;
  for (let k = j; k < units.length; k++) if (units[k]!.required && units[k]!.text !== '') return undefined;
  offsets.push(lastEnd);
  return { text: value, offsets };
}

const SIMPLE_JSON_ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** Units of a JSON string literal whose quotes are at `start` and `end - 1`. */
export function jsonStringUnits(src: string, start: number, end: number): SourceUnit[] {
  const units: SourceUnit[] = [];
  let i = start + 1;
  const stop = end - 1;
  while (i < stop) {
    if (src[i] === '\\') {
      const e = src[i + 1] ?? '';
      if (e === 'u') {
        units.push({ text: String.fromCharCode(parseInt(src.slice(i + 2, i + 6), 16)), start: i, end: i + 6, required: true });
        i += 6;
      } else {
        units.push({ text: SIMPLE_JSON_ESCAPES[e] ?? e, start: i, end: i + 2, required: true });
        i += 2;
      }
    } else {
      units.push({ text: src[i]!, start: i, end: i + 1, required: true });
      i += 1;
    }
  }
  return units;
}

// YAML double-quoted escapes (YAML 1.2 §5.7) other than \x, \u, \U and escaped line breaks.
const YAML_ESCAPES: Record<string, string> = {
  '0': '\0', a: '\x07', b: '\b', t: '\t', '\t': '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b',
  ' ': ' ', '"': '"', '/': '/', '\\': '\\', N: '\u0085', _: '\u00a0', L: '\u2028', P: '\u2029',
};
const YAML_HEX_ESCAPES: Record<string, number> = { x: 2, u: 4, U: 8 };

/** Raw characters as units: non-whitespace required, whitespace optional (YAML folds it). */
function rawUnits(src: string, start: number, end: number, units: SourceUnit[]): void {
  for (let i = start; i < end; i++) {
    // A CRLF line break is one unit starting at the CR, so the decoded "\n" maps where the line ends.
    if (src[i] === '\r' && src[i + 1] === '\n' && i + 1 < end) {
      units.push({ text: '\n', start: i, end: i + 2, required: false });
      i++;
      continue;
    }
    units.push({ text: src[i]!, start: i, end: i + 1, required: !isWhitespace(src[i]!) });
  }
}

export type YamlScalarStyle = 'PLAIN' | 'QUOTE_SINGLE' | 'QUOTE_DOUBLE' | 'BLOCK_LITERAL' | 'BLOCK_FOLDED';

/** Units of a flow scalar (plain, single- or double-quoted) spanning `[start, end)`. */
export function yamlFlowScalarUnits(src: string, style: YamlScalarStyle, start: number, end: number): SourceUnit[] {
  const units: SourceUnit[] = [];
  if (style === 'PLAIN') {
    rawUnits(src, start, end, units);
    return units;
  }
  let i = start + 1;
  const stop = end - 1;
  while (i < stop) {
    const c = src[i]!;
    if (style === 'QUOTE_SINGLE' && c === "'" && src[i + 1] === "'") {
      units.push({ text: "'", start: i, end: i + 2, required: true });
      i += 2;
    } else if (style === 'QUOTE_DOUBLE' && c === '\\') {
      const e = src[i + 1] ?? '';
      const hex = YAML_HEX_ESCAPES[e];
      if (hex !== undefined) {
        const code = parseInt(src.slice(i + 2, i + 2 + hex), 16);
        units.push({ text: String.fromCodePoint(code), start: i, end: i + 2 + hex, required: true });
        i += 2 + hex;
      } else if (e === '\n' || e === '\r') {
        // Escaped line break: joins the lines with nothing in between.
        const len = e === '\r' && src[i + 2] === '\n' ? 3 : 2;
        units.push({ text: '', start: i, end: i + len, required: false });
        i += len;
      } else {
        units.push({ text: YAML_ESCAPES[e] ?? e, start: i, end: i + 2, required: true });
        i += 2;
      }
    } else {
      rawUnits(src, i, i + 1, units);
      i += 1;
    }
  }
  return units;
}

/**
 * Units of a block scalar body (the lines after the `|` or `>` header), without the
 * indentation every content line carries: `indent` spaces, or when unknown the indentation of
 * the first non-empty line.
 */
export function yamlBlockScalarUnits(src: string, bodyStart: number, bodyEnd: number, indent: number | undefined): SourceUnit[] {
  const units: SourceUnit[] = [];
  let n = indent;
  let i = bodyStart;
  while (i < bodyEnd) {
    let lineEnd = src.indexOf('\n', i);
    if (lineEnd < 0 || lineEnd > bodyEnd) lineEnd = bodyEnd;
    let spaces = 0;
    while (i + spaces < lineEnd && src[i + spaces] === ' ') spaces++;
    const blank = src.slice(i + spaces, lineEnd).trim() === '';
    if (n === undefined && !blank) n = spaces;
    const skip = Math.min(spaces, n ?? spaces);
    rawUnits(src, i + skip, Math.min(lineEnd + 1, bodyEnd), units);
    i = lineEnd + 1;
  }
  return units;
}
