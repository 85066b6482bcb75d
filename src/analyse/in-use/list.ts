import type { UseCollector } from './common.js';

// Plain lists: one reference per line; `#` starts a comment (a reference never contains `#`), blank
// lines are ignored. `docker pull`-style lines are accepted too: the command (`docker pull`,
// `podman pull`, `crane pull`...) and its options (`--platform=linux/amd64`, `--platform linux/amd64`,
// `-q`) are skipped, and the image is the first word left.

/** Options of `docker pull` that take a separate value (`--platform linux/arm64`). */
const OPTIONS_WITH_VALUE = new Set(['--platform']);
const PULL_COMMAND = /^(?:(?:sudo\s+)?(?:docker|podman|nerdctl|finch|ctr(?:\s+images?)?|crane)\s+(?:image\s+)?pull\s+)/;

/** The image word of a line and its column (0-based), or undefined for a blank line. */
function imageWord(content: string): { word: string; column: number } | undefined {
  const command = PULL_COMMAND.exec(content.trimStart());
  let rest = content;
  let offset = 0;
  if (command) {
    offset = content.length - content.trimStart().length + command[0].length;
    rest = content.slice(offset);
  }
  const words = [...rest.matchAll(/\S+/g)];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]![0];
    if (command && w.startsWith('-')) {
      if (OPTIONS_WITH_VALUE.has(w)) i++;
      continue;
    }
    return { word: w, column: offset + words[i]!.index };
  }
  return undefined;
}

export function collectList(file: string, text: string, out: UseCollector): void {
  splitLines(text).forEach((line, i) => {
    const content = line.replace(/#.*$/, '');
    const found = imageWord(content);
    if (!found) return;
    // A line of several words that is not a pull command: the whole line is what was written.
    const words = content.trim().split(/\s+/);
    const raw = PULL_COMMAND.test(content.trimStart()) || words.length === 1 ? found.word : content.trim();
    out.add(raw, 'runtime', { format: 'list', file, line: i + 1, column: found.column + 1 });
  });
}

/** Lines without their terminators (LF or CRLF); a leading BOM is dropped. */
export function splitLines(text: string): string[] {
  return text.replace(/^\uFEFF/, '').split(/\r?\n/);
}

/** Content detection: every significant line is one whitespace-free token, or a pull command. */
export function looksLikeList(text: string): boolean {
  return splitLines(text).every((line) => {
    const content = line.replace(/#.*$/, '').trim();
    return !/\S\s+\S/.test(content) || PULL_COMMAND.test(content);
  });
}
