// Where something is in an input file: every error and finding that comes from a file says this.

export interface SourceLocation {
  file: string;
  /** RFC 6901 JSON pointer inside the document (inside `lifecyclePolicyText` when wrapped: see `innerPointer`). */
  pointer?: string;
  /** When the value sits inside an embedded JSON string (lifecyclePolicyText, a Terraform `policy`), the pointer within that string. */
  innerPointer?: string;
  /** 1-based line and column in the file. */
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
}

export function formatLocation(loc: SourceLocation): string {
  let s = loc.file;
  if (loc.line !== undefined) s += `:${loc.line}${loc.column !== undefined ? `:${loc.column}` : ''}`;
  const ptr = [loc.pointer, loc.innerPointer].filter((p) => p !== undefined && p !== '').join(' -> ');
  if (ptr) s += ` (at ${ptr})`;
  return s;
}

export function escapePointerToken(token: string | number): string {
  return String(token).replace(/~/g, '~0').replace(/\//g, '~1');
}

export function joinPointer(base: string, ...tokens: Array<string | number>): string {
  return base + tokens.map((t) => '/' + escapePointerToken(t)).join('');
}
