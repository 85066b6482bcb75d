import type { UseCollector } from './common.js';

// Plain lists: one reference per line; `#` starts a comment (a reference never contains `#`),
// blank lines are ignored.

export function collectList(file: string, text: string, out: UseCollector): void {
  splitLines(text).forEach((line, i) => {
    const content = line.replace(/#.*$/, '');
    const trimmed = content.trim();
    if (trimmed === '') return;
    const column = content.length - content.trimStart().length + 1;
    out.add(trimmed, 'runtime', { format: 'list', file, line: i + 1, column });
  });
}

/** Lines without their terminators (LF or CRLF); a leading BOM is dropped. */
export function splitLines(text: string): string[] {
  return text.replace(/^\uFEFF/, '').split(/\r?\n/);
}

/** Content detection: every significant line is one whitespace-free token. */
export function looksLikeList(text: string): boolean {
  return splitLines(text).every((line) => !/\S\s+\S/.test(line.replace(/#.*$/, '').trim()));
}
