// Text from the inputs (file and folder names, Kubernetes names, rule descriptions, tags, reasons a
// server gave) on its way to a terminal or a CI log. Shown raw, it could write to the clipboard
// (OSC 52), plant links (OSC 8), clear the screen, reorder text (bidirectional overrides), start a line
// of its own, or talk to the GitHub Actions runner: `::error::` at the start of a line forges an
// annotation, and `##[` anywhere in a line starts a command (`##[stop-commands]` turns the later
// annotations off). One helper makes every such character or prefix visible and inert.

/** C0 and C1 controls, DEL, line and paragraph separators, bidirectional embeddings, overrides and isolates. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const ANY = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]|##\[|^\s*::/;

function escapeChar(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Runner commands: `##[` anywhere, `::` where a line would start (after blanks). */
function inertCommands(s: string): string {
  return s.replace(/##\[/g, '##\\x5b').replace(/^(\s*):/, '$1\\x3a');
}

/**
 * One value from an input, safe on one line of a terminal or CI log: every control character escaped
 * (`\n`, `\x1b`, `\u202e`), runner command prefixes made inert. Text without any is returned as is, so
 * ordinary output is byte-identical.
 */
export function printable(s: string): string {
  if (!ANY.test(s)) return s;
  return inertCommands(s.replace(UNSAFE, escapeChar));
}

/**
 * A message of several lines that the CLI itself wrote (standard error), holding values from inputs:
 * the line breaks stay, every other control character is escaped, and no line can be a runner command.
 * `keep` is a prefix the CLI writes on purpose (the progress line's carriage return and line clear).
 */
export function printableLines(text: string, keep = ''): string {
  if (!ANY.test(text) && !/\n\s*::/.test(text)) return text;
  const own = keep !== '' && text.startsWith(keep) ? keep : '';
  return own + text.slice(own.length).split('\n').map((line) => inertCommands(line.replace(UNSAFE, escapeChar))).join('\n');
}

/** A copy of a value with every string in it made printable (the report before a human format renders it). */
export function printableDeep<T>(value: T): T {
  if (typeof value === 'string') return printable(value) as T;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let k = 0; k < value.length; k++) {
      const v = printableDeep(value[k]);
      if (v !== value[k]) (copy ??= value.slice())[k] = v;
    }
    return (copy ?? value) as T;
  }
  if (value !== null && typeof value === 'object') {
    let copy: Record<string, unknown> | undefined;
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      const p = printableDeep(v);
      if (p !== v) (copy ??= { ...(value as Record<string, unknown>) })[key] = p;
    }
    return (copy ?? value) as T;
  }
  return value;
}
