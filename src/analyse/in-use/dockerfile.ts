import type { UseOrigin } from '../../model/in-use.js';
import type { UseCollector } from './common.js';
import { splitLines } from './list.js';

// Dockerfiles: `FROM` images (build-time uses) and `COPY --from=<image>`. Follows BuildKit's parsing:
// parser directives (`# escape=`), line continuations, comment lines inside continuations, heredocs,
// `AS <stage>` names (a later `FROM <stage>` is not an image), and ARGs declared before the first
// FROM as the only variables FROM may use (`$VAR`, `${VAR}`, `${VAR:-default}` and friends).

/** `Dockerfile`, `*.Dockerfile`, `Dockerfile.*` (and Podman's `Containerfile` spellings). */
export function isDockerfileName(baseName: string): boolean {
  return /^(?:docker|container)file(?:\..+)?$/i.test(baseName) || /\.(?:docker|container)file$/i.test(baseName);
}

/** Content detection: the first instruction is FROM, or ARG (allowed before FROM). */
export function looksLikeDockerfile(text: string): boolean {
  const first = splitLines(text).find((l) => l.trim() !== '' && !/^\s*#/.test(l));
  return first !== undefined && /^\s*(?:FROM|ARG)\s+\S/i.test(first);
}

interface Segment {
  /** Offset of this physical piece in the logical instruction text. */
  offset: number;
  line: number;
  /** 0-based column where the piece starts in its physical line. */
  column: number;
}

interface Instruction {
  text: string;
  segments: Segment[];
}

interface Token {
  text: string;
  offset: number;
}

/** Splits into logical instructions, keeping where each character came from; also returns the escape character. */
function instructions(text: string): { escape: string; list: Instruction[] } {
  const lines = splitLines(text);
  let escape = '\\';
  // Parser directives: `# key=value` lines at the very top, before any other line.
  for (const line of lines) {
    const m = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(\S+)\s*$/.exec(line);
    if (!m) break;
    if (m[1]!.toLowerCase() === 'escape' && (m[2] === '`' || m[2] === '\\')) escape = m[2];
  }

  const result: Instruction[] = [];
  let current: Instruction | undefined;
  let heredocs: Array<{ word: string; stripTabs: boolean }> = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (heredocs.length > 0) {
      const h = heredocs[0]!;
      if ((h.stripTabs ? line.replace(/^\t+/, '') : line) === h.word) heredocs.shift();
      continue;
    }
    // Comment and blank lines are dropped, also inside a continuation.
    if (/^\s*#/.test(line) || (current !== undefined && line.trim() === '')) continue;
    if (current === undefined && line.trim() === '') continue;
    const trimmedEnd = line.replace(/\s+$/, '');
    const continues = trimmedEnd.endsWith(escape);
    const piece = continues ? trimmedEnd.slice(0, -1) : line;
    const startColumn = current === undefined ? line.length - line.trimStart().length : 0;
    const body = current === undefined ? piece.trimStart() : piece;
    current ??= { text: '', segments: [] };
    current.segments.push({ offset: current.text.length, line: i + 1, column: startColumn });
    current.text += body;
    if (!continues) {
      result.push(current);
      for (const m of current.text.matchAll(/<<(-?)(["']?)([A-Za-z_][\w-]*)\2/g)) {
        if (/^\s*(?:RUN|COPY|ADD)\s/i.test(current.text)) heredocs.push({ word: m[3]!, stripTabs: m[1] === '-' });
      }
      current = undefined;
    }
  }
  if (current) result.push(current);
  return { escape, list: result };
}

function positionOf(ins: Instruction, offset: number): { line: number; column: number } {
  let seg = ins.segments[0]!;
  for (const s of ins.segments) if (s.offset <= offset) seg = s;
  return { line: seg.line, column: seg.column + (offset - seg.offset) + 1 };
}

function tokens(text: string): Token[] {
  return [...text.matchAll(/\S+/g)].map((m) => ({ text: m[0], offset: m.index }));
}

type Expansion = { ok: true; value: string } | { ok: false; missing: string; tooLong?: true };

/**
 * No image reference is longer than this (a 255-character name, a 128-character tag and a digest fit):
 * expansion stops beyond it, so ARGs that double each other cannot take gigabytes.
 */
export const MAX_EXPANDED_LENGTH = 1024;
const TOO_LONG: Expansion = { ok: false, missing: '', tooLong: true };

/**
 * Shell-style expansion as BuildKit does it for FROM: `$V`, `${V}`, `${V:-w}` / `${V-w}` (default when
 * unset, or also when empty with `:`), `${V:+w}` / `${V+w}` (alternative when set). An ARG without a
 * default counts as unset.
 */
export function expandArgs(word: string, vars: ReadonlyMap<string, string | undefined>, escape = '\\'): Expansion {
  if (word.length > 4 * MAX_EXPANDED_LENGTH) return TOO_LONG;
  let out = '';
  let i = 0;
  while (i < word.length) {
    if (out.length > MAX_EXPANDED_LENGTH) return TOO_LONG;
    const c = word[i]!;
    if (c === escape && word[i + 1] === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const simple = /^[A-Za-z_][A-Za-z0-9_]*/.exec(word.slice(i + 1));
    if (simple) {
      const v = vars.get(simple[0]);
      if (v === undefined) return { ok: false, missing: simple[0] };
      out += v;
      i += 1 + simple[0].length;
      continue;
    }
    if (word[i + 1] !== '{') {
      out += c;
      i++;
      continue;
    }
    // Find the matching brace (defaults may nest `${A:-${B}}`).
    let depth = 0;
    let end = -1;
    for (let j = i + 1; j < word.length; j++) {
      if (word[j] === '{') depth++;
      else if (word[j] === '}' && --depth === 0) {
        end = j;
        break;
      }
    }
    const inner = end === -1 ? undefined : /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([\s\S]*))?$/.exec(word.slice(i + 2, end));
    if (!inner) return { ok: false, missing: word.slice(i) };
    const [, name, op, alt] = inner as unknown as [string, string, string | undefined, string | undefined];
    const v = vars.get(name);
    const set = v !== undefined && (op?.startsWith(':') ? v !== '' : true);
    let piece: Expansion;
    if (op === undefined) piece = v === undefined ? { ok: false, missing: name } : { ok: true, value: v };
    else if (op.endsWith('-')) piece = set ? { ok: true, value: v! } : expandArgs(alt ?? '', vars, escape);
    else piece = set ? expandArgs(alt ?? '', vars, escape) : { ok: true, value: '' };
    if (!piece.ok) return piece;
    out += piece.value;
    i = end + 1;
  }
  return out.length > MAX_EXPANDED_LENGTH ? TOO_LONG : { ok: true, value: out };
}

/** ARG NAME[=value] ... (values may be quoted). */
function parseArgDeclarations(args: string): Array<{ name: string; value?: string }> {
  const decls: Array<{ name: string; value?: string }> = [];
  for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)(?:=("([^"]*)"|'([^']*)'|\S*))?/g)) {
    const value = m[2] === undefined ? undefined : (m[3] ?? m[4] ?? m[2]);
    decls.push(value === undefined ? { name: m[1]! } : { name: m[1]!, value });
  }
  return decls;
}

export function collectDockerfile(file: string, text: string, out: UseCollector): void {
  const globals = new Map<string, string | undefined>();
  const buildArgs = out.context.buildArgs ?? new Map<string, string>();
  const stageNames = new Set<string>();
  let stage = -1;
  let sawFrom = false;
  const { escape, list } = instructions(text);

  const record = (ins: Instruction, token: Token, value: string, what: string, isImage: (v: string) => boolean) => {
    const pos = positionOf(ins, token.offset);
    const expanded = expandArgs(value, globals, escape);
    const origin: UseOrigin = { format: 'dockerfile', file, ...pos, path: `stage ${stage}: ${what}` };
    if (!expanded.ok) {
      const why = expanded.tooLong
        ? `it expands to more than ${MAX_EXPANDED_LENGTH} characters, longer than any image reference`
        : `ARG ${expanded.missing} has no value before the first FROM (give --build-arg ${expanded.missing}=VALUE, or a default)`;
      out.unresolved(origin, value, why, undefined, 'in-use/unresolved-arg');
      return;
    }
    if (!isImage(expanded.value)) return;
    out.add(expanded.value, 'build', origin);
  };

  for (const ins of list) {
    const toks = tokens(ins.text);
    const keyword = toks[0]?.text.toUpperCase();
    if (keyword === 'ARG' && !sawFrom) {
      for (const d of parseArgDeclarations(ins.text.slice(toks[0]!.text.length))) {
        // --build-arg wins over the default, as with `docker build`.
        const given = buildArgs.get(d.name);
        if (given !== undefined) {
          globals.set(d.name, given.length > MAX_EXPANDED_LENGTH ? undefined : given);
          continue;
        }
        // A default may use earlier ARGs; one that cannot be expanded leaves the ARG unset.
        const v = d.value === undefined ? undefined : expandArgs(d.value, globals, escape);
        if (v && !v.ok && v.tooLong) {
          out.problem({ file, ...positionOf(ins, toks[0]!.offset) }, 'in-use/arg-too-long', `ARG ${d.name} expands to more than ${MAX_EXPANDED_LENGTH} characters, longer than any image reference: it is left without a value`);
        }
        globals.set(d.name, v?.ok ? v.value : undefined);
      }
    } else if (keyword === 'FROM') {
      sawFrom = true;
      stage++;
      const rest = toks.slice(1).filter((t) => !t.text.startsWith('--'));
      const image = rest[0];
      if (!image) continue;
      record(ins, image, image.text, 'FROM', (v) => v.toLowerCase() !== 'scratch' && !stageNames.has(v.toLowerCase()));
      if (rest[1]?.text.toUpperCase() === 'AS' && rest[2]) stageNames.add(rest[2].text.toLowerCase());
    } else if (keyword === 'COPY') {
      for (const t of toks.slice(1)) {
        if (!t.text.startsWith('--')) break;
        const m = /^--from=(.+)$/i.exec(t.text);
        if (!m) continue;
        const fromToken = { text: m[1]!, offset: t.offset + '--from='.length };
        // A stage name or index is not an image.
        record(ins, fromToken, m[1]!, 'COPY --from', (v) => !/^\d+$/.test(v) && !stageNames.has(v.toLowerCase()));
      }
    }
  }
  if (!sawFrom) {
    out.problem({ file }, 'in-use/dockerfile-without-from', 'Dockerfile has no FROM instruction', { expected: 'at least one FROM' });
  }
}
