import { createRequire } from 'node:module';
import type { Node as TsNode, Parser as TsParser } from 'web-tree-sitter';
import type { MappedText } from '../sources/positions.js';
import type { HclAttribute, HclBlock, HclBody, HclExpr, HclFile, HclObjectElem, HclSyntaxProblem, TemplatePart, TraversalStep } from './syntax.js';

// HCL2 (Terraform, OpenTofu) parsed by tree-sitter's Terraform grammar, run as WebAssembly
// (web-tree-sitter): a real grammar with positions, no native build, nothing downloaded. The
// grammar is loaded once, on the first `.tf` file met, so commands that never read one do not pay
// for it. The wasm file is resolved from the installed package, not relative to this module, so
// the same code works compiled (dist/) and bundled (dist/bin/).

/** Larger `.tf` files are refused (hcl/too-large): real modules are a few kilobytes. */
export const HCL_MAX_BYTES = 1024 * 1024;
/** Deeper expression nesting is refused (hcl/too-deep) before the conversion could exhaust the stack. */
export const HCL_MAX_DEPTH = 200;

let parserPromise: Promise<HclParser> | undefined;

/** A loaded parser: `parse` and `parseTemplate` are synchronous once `loadHcl` has resolved. */
export interface HclParser {
  parse(file: string, text: string): HclFile;
  parseTemplate(source: MappedText): { parts: TemplatePart[] } | { problem: HclSyntaxProblem };
}

/** The Terraform grammar's parser, loaded on the first call (about 25 ms), shared afterwards. */
export function loadHcl(): Promise<HclParser> {
  parserPromise ??= (async () => {
    const { Parser, Language } = await import('web-tree-sitter');
    await Parser.init();
    const require = createRequire(import.meta.url);
    const language = await Language.load(require.resolve('@tree-sitter-grammars/tree-sitter-hcl/tree-sitter-terraform.wasm'));
    const parser = new Parser();
    parser.setLanguage(language);
    return { parse: (file, text) => parseHcl(parser, file, text), parseTemplate: (source) => parseTemplate(parser, source) };
  })();
  return parserPromise;
}

class TooDeep extends Error {
  constructor(readonly offset: number) {
    super('too deep');
  }
}

const HEREDOC_ESCAPES = (raw: string): Array<[string, number]> => {
  // In heredocs and template files only `$${` and `%%{` are escapes (for `${` and `%{`).
  const out: Array<[string, number]> = [];
  for (let i = 0; i < raw.length; i++) {
    out.push([raw[i]!, i]);
    if ((raw[i] === '$' || raw[i] === '%') && raw[i + 1] === raw[i] && raw[i + 2] === '{') i++;
  }
  return out;
};

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

/** Quoted strings: backslash escapes (`\n`, `\"`, `\uNNNN`, `\UNNNNNNNN`) and `$${` / `%%{`. */
function quotedEscapes(raw: string): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\\') {
      const e = raw[i + 1] ?? '';
      const hex = e === 'u' ? 4 : e === 'U' ? 8 : 0;
      if (hex > 0 && /^[0-9A-Fa-f]+$/.test(raw.slice(i + 2, i + 2 + hex)) && raw.length >= i + 2 + hex) {
        const cp = parseInt(raw.slice(i + 2, i + 2 + hex), 16);
        const s = cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
        for (const ch of s) out.push([ch, i]);
        i += 1 + hex;
      } else {
        out.push([SIMPLE_ESCAPES[e] ?? e, i]);
        i += 1;
      }
    } else {
      out.push([c, i]);
      if ((c === '$' || c === '%') && raw[i + 1] === c && raw[i + 2] === '{') i++;
    }
  }
  return out;
}

class Converter {
  constructor(
    private readonly src: string,
    /** Maps an offset in `src` to the file's offset (identity for a file; through a MappedText for an embedded template). */
    private readonly at: (offset: number) => number,
  ) {}

  private span(n: TsNode): { start: number; end: number } {
    return { start: this.at(n.startIndex), end: this.at(n.endIndex) };
  }

  body(n: TsNode, depth: number): HclBody {
    const attributes: HclAttribute[] = [];
    const blocks: HclBlock[] = [];
    for (const c of n.namedChildren) {
      if (!c) continue;
      if (c.type === 'attribute') {
        const name = c.namedChildren.find((x) => x?.type === 'identifier');
        const value = c.namedChildren.find((x) => x?.type === 'expression');
        if (name && value) attributes.push({ name: name.text, value: this.expr(value, depth + 1), ...this.span(c) });
      } else if (c.type === 'block') {
        const parts = c.namedChildren.filter((x): x is TsNode => x !== null);
        const type = parts.find((x) => x.type === 'identifier')?.text ?? '';
        const labels = parts.filter((x, i) => i > 0 && (x.type === 'string_lit' || x.type === 'identifier')).map((x) => (x.type === 'string_lit' ? this.stringLit(x) : x.text));
        const inner = parts.find((x) => x.type === 'body');
        blocks.push({ type, labels, body: inner ? this.body(inner, depth + 1) : { attributes: [], blocks: [] }, ...this.span(c) });
      }
    }
    return { attributes, blocks };
  }

  private stringLit(n: TsNode): string {
    const lit = n.namedChildren.find((x) => x?.type === 'template_literal');
    return lit ? quotedEscapes(lit.text).map(([c]) => c).join('') : '';
  }

  expr(n: TsNode, depth: number): HclExpr {
    if (depth > HCL_MAX_DEPTH) throw new TooDeep(this.at(n.startIndex));
    const span = this.span(n);
    const kids = n.namedChildren.filter((x): x is TsNode => x !== null && x.type !== 'comment');
    switch (n.type) {
      case 'expression': {
        // `( expr )`, or a primary followed by attribute/index steps.
        const first = kids[0];
        if (first === undefined) return { type: 'unsupported', what: 'an empty expression', ...span };
        const steps = kids.slice(1);
        if (steps.length === 0) return this.expr(first, depth + 1);
        if (first.type === 'variable_expr' && steps.every((s) => s.type === 'get_attr' || s.type === 'index')) {
          return { type: 'traversal', root: first.text, steps: steps.map((s) => this.step(s, depth + 1)), ...span };
        }
        return { type: 'unsupported', what: steps.some((s) => s.type === 'splat') ? 'a splat expression' : 'an attribute or index of a computed value', ...span };
      }
      case 'variable_expr':
        return { type: 'traversal', root: n.text, steps: [], ...span };
      case 'literal_value':
        return this.expr(kids[0]!, depth + 1);
      case 'numeric_lit':
        return { type: 'literal', value: Number(n.text), ...span };
      case 'bool_lit':
        return { type: 'literal', value: n.text === 'true', ...span };
      case 'null_lit':
        return { type: 'literal', value: null, ...span };
      case 'string_lit':
      case 'quoted_template':
        return { type: 'template', parts: this.templateParts(n, false, depth), heredoc: false, ...span };
      case 'template_expr':
        return this.expr(kids[0]!, depth + 1);
      case 'heredoc_template':
        return { type: 'template', parts: this.templateParts(n, true, depth), heredoc: true, ...span };
      case 'collection_value':
        return this.expr(kids[0]!, depth + 1);
      case 'tuple':
        return { type: 'tuple', items: kids.filter((k) => k.type === 'expression').map((k) => this.expr(k, depth + 1)), ...span };
      case 'object': {
        const elems: HclObjectElem[] = [];
        for (const e of kids) {
          if (e.type !== 'object_elem') continue;
          const key = e.childForFieldName('key');
          const val = e.childForFieldName('val');
          if (key && val) elems.push({ key: this.expr(key, depth + 1), value: this.expr(val, depth + 1), ...this.span(e) });
        }
        return { type: 'object', elems, ...span };
      }
      case 'function_call': {
        const name = kids.find((k) => k.type === 'identifier')?.text ?? '';
        const args = kids.find((k) => k.type === 'function_arguments');
        const list = (args?.namedChildren ?? []).filter((x): x is TsNode => x?.type === 'expression');
        const expandFinal = (args?.namedChildren ?? []).some((x) => x?.type === 'ellipsis');
        return { type: 'call', name, args: list.map((a) => this.expr(a, depth + 1)), expandFinal, ...span };
      }
      case 'conditional':
        return { type: 'unsupported', what: 'a conditional expression', ...span };
      case 'operation':
        return { type: 'unsupported', what: 'an operator expression', ...span };
      case 'for_expr':
        return { type: 'unsupported', what: 'a for expression', ...span };
      default:
        return { type: 'unsupported', what: `a ${n.type.replace(/_/g, ' ')}`, ...span };
    }
  }

  private step(s: TsNode, depth: number): TraversalStep {
    const span = this.span(s);
    if (s.type === 'get_attr') return { kind: 'attr', name: s.namedChildren.find((x) => x?.type === 'identifier')?.text ?? '', ...span };
    const inner = s.namedChildren[0];
    if (inner?.type === 'legacy_index') {
      const key = inner.text.replace(/^\./, '');
      return { kind: 'index', key: { type: 'literal', value: Number(key), ...span }, ...span };
    }
    const e = inner?.namedChildren.find((x) => x?.type === 'expression');
    return { kind: 'index', key: e ? this.expr(e, depth + 1) : { type: 'unsupported', what: 'an index', ...span }, ...span };
  }

  /**
   * The parts of a quoted string or heredoc. Literal text is taken from the source between the
   * interpolations (tree-sitter leaves whitespace between heredoc pieces outside any node), then
   * unescaped, keeping each character's file offset.
   */
  private templateParts(n: TsNode, heredoc: boolean, depth: number): TemplatePart[] {
    const kids = n.children.filter((x): x is TsNode => x !== null);
    let from: number;
    let to: number;
    let indentStrip = 0;
    if (heredoc) {
      const ids = kids.filter((k) => k.type === 'heredoc_identifier');
      const startTok = kids.find((k) => k.type === 'heredoc_start');
      const nl = this.src.indexOf('\n', (ids[0] ?? n).endIndex);
      from = nl < 0 ? n.endIndex : nl + 1;
      // The body ends before the line holding the closing identifier.
      const closing = ids.length > 1 ? ids[ids.length - 1]! : undefined;
      to = closing ? this.src.lastIndexOf('\n', closing.startIndex - 1) + 1 : n.endIndex;
      if (to < from) to = from;
      if (startTok?.text === '<<-') indentStrip = minimumIndent(this.src.slice(from, to));
    } else {
      const open = kids.find((k) => k.type === 'quoted_template_start');
      const close = kids.find((k) => k.type === 'quoted_template_end');
      from = open ? open.endIndex : n.startIndex;
      to = close ? close.startIndex : n.endIndex;
    }
    const parts: TemplatePart[] = [];
    let at = from;
    const literal = (a: number, b: number): void => {
      if (b <= a) return;
      const raw = this.src.slice(a, b);
      let pairs = heredoc ? HEREDOC_ESCAPES(raw) : quotedEscapes(raw);
      if (indentStrip > 0) pairs = stripIndent(raw, pairs, indentStrip, a === from);
      const offsets = pairs.map(([, i]) => this.at(a + i));
      offsets.push(this.at(b));
      parts.push({ kind: 'literal', text: { text: pairs.map(([c]) => c).join(''), offsets } });
    };
    for (const k of kids) {
      if (k.type !== 'template_interpolation' && k.type !== 'template_directive') continue;
      literal(at, k.startIndex);
      if (k.type === 'template_interpolation') {
        const e = k.namedChildren.find((x) => x?.type === 'expression');
        const expr: HclExpr = e ? this.expr(e, depth + 1) : { type: 'unsupported', what: 'an empty interpolation', ...this.span(k) };
        parts.push({ kind: 'interpolation', expr, ...this.span(k) });
      } else {
        parts.push({ kind: 'directive', ...this.span(k) });
      }
      at = k.endIndex;
    }
    literal(at, to);
    return parts;
  }
}

/** `<<-` removes the smallest indentation of the body's non-blank lines from every line. */
function minimumIndent(body: string): number {
  let min = Infinity;
  for (const line of body.split('\n')) {
    if (line.trim() === '') continue;
    min = Math.min(min, /^[ \t]*/.exec(line)![0].length);
  }
  return min === Infinity ? 0 : min;
}

/** Drops up to `n` leading spaces of each line from (char, offset) pairs of a literal starting at a line start or not. */
function stripIndent(raw: string, pairs: Array<[string, number]>, n: number, atLineStart: boolean): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  let lineStart = atLineStart;
  let dropped = 0;
  for (const p of pairs) {
    if (lineStart && dropped < n && (raw[p[1]] === ' ' || raw[p[1]] === '\t')) {
      dropped++;
      continue;
    }
    lineStart = false;
    out.push(p);
    if (p[0] === '\n') {
      lineStart = true;
      dropped = 0;
    }
  }
  return out;
}

function firstError(root: TsNode): TsNode | undefined {
  // Iterative: deeply nested broken input must not exhaust the stack.
  const stack: TsNode[] = [root];
  let best: TsNode | undefined;
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (!n.hasError && !n.isMissing) continue;
    if (n.isError || n.isMissing) {
      if (best === undefined || n.startIndex < best.startIndex) best = n;
      continue;
    }
    for (const c of n.children) if (c) stack.push(c);
  }
  return best;
}

function describeError(n: TsNode, src: string): string {
  if (n.isMissing) return `expected ${JSON.stringify(n.type)} here`;
  const found = src.slice(n.startIndex, n.startIndex + 1);
  return found === '' ? 'unexpected end of file' : 'not valid HCL here';
}

function emptyBody(): HclBody {
  return { attributes: [], blocks: [] };
}

/** Parses a `.tf` file (Terraform or OpenTofu HCL2). Syntax errors are problems, never exceptions. */
function parseHcl(parser: TsParser, file: string, text: string): HclFile {
  if (text.length > HCL_MAX_BYTES) {
    return { file, text, body: emptyBody(), problems: [{ offset: 0, code: 'hcl/too-large', message: `larger than ${HCL_MAX_BYTES} characters, not read` }] };
  }
  const tree = parser.parse(text);
  if (tree === null) return { file, text, body: emptyBody(), problems: [{ offset: 0, code: 'hcl/syntax', message: 'could not be parsed' }] };
  try {
    const root = tree.rootNode;
    const problems: HclSyntaxProblem[] = [];
    const err = root.hasError ? firstError(root) : undefined;
    if (err) problems.push({ offset: err.startIndex, code: 'hcl/syntax', message: `HCL syntax error: ${describeError(err, text)}` });
    const body = root.namedChildren.find((c) => c?.type === 'body');
    const converter = new Converter(text, (o) => o);
    try {
      return { file, text, body: body && problems.length === 0 ? converter.body(body, 0) : emptyBody(), problems };
    } catch (e) {
      if (e instanceof TooDeep) return { file, text, body: emptyBody(), problems: [{ offset: e.offset, code: 'hcl/too-deep', message: `expressions nested more than ${HCL_MAX_DEPTH} levels deep` }] };
      throw e;
    }
  } finally {
    tree.delete();
  }
}

/**
 * Parses a template (a `templatefile()` file, or a `.tf.json` string) whose decoded text is
 * `source`: literal text with `${...}` interpolations, escapes as in heredocs. Positions map back
 * through `source.offsets`; a syntax error is a located problem.
 */
function parseTemplate(parser: TsParser, source: MappedText): { parts: TemplatePart[] } | { problem: HclSyntaxProblem } {
  const body = source.text;
  let marker = 'EOT';
  while (body.includes(marker)) marker += '_';
  const prefix = `t = <<${marker}\n`;
  const wrapped = `${prefix}${body}\n${marker}\n`;
  const tree = parser.parse(wrapped);
  if (tree === null) return { problem: { offset: source.offsets[0] ?? 0, code: 'hcl/syntax', message: 'could not be parsed' } };
  const at = (o: number): number => source.offsets[Math.min(Math.max(o - prefix.length, 0), body.length)]!;
  try {
    const err = tree.rootNode.hasError ? firstError(tree.rootNode) : undefined;
    if (err) return { problem: { offset: at(err.startIndex), code: 'hcl/syntax', message: `template syntax error: ${describeError(err, wrapped)}` } };
    const parsed = new Converter(wrapped, at).body(tree.rootNode.namedChildren.find((c) => c?.type === 'body')!, 0);
    const value = parsed.attributes[0]?.value;
    if (value?.type !== 'template') return { parts: [] };
    // The wrapper's last line break is not the template's.
    const last = value.parts[value.parts.length - 1];
    if (last?.kind === 'literal' && last.text.text.endsWith('\n')) {
      last.text = { text: last.text.text.slice(0, -1), offsets: last.text.offsets.slice(0, -1) };
    }
    return { parts: value.parts };
  } catch (e) {
    if (e instanceof TooDeep) return { problem: { offset: e.offset, code: 'hcl/too-deep', message: `expressions nested more than ${HCL_MAX_DEPTH} levels deep` } };
    throw e;
  } finally {
    tree.delete();
  }
}
