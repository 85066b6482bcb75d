import { dirname } from 'node:path';
import type { MappedText } from '../sources/positions.js';
import type { HclParser } from './parser.js';
import { blocksOf, attribute, type HclExpr, type HclFile, type Span, type TemplatePart, type TraversalStep } from './syntax.js';

// Static evaluation of HCL expressions to plain values that keep their positions: what a module
// alone determines (literals, templates, heredocs, jsonencode of literals, locals, variable
// defaults, file() and templatefile() beside the module). Anything else is an `unknown` value
// that names what is unknown and where. Pure: files are read through the host.

export interface Located {
  file: string;
  start: number;
  end: number;
}

export type HclValue =
  /** `text.offsets` are offsets in `file` (the `.tf` file, or the file read by file()/templatefile()). */
  | { kind: 'string'; text: MappedText; file: string; at: Located }
  | { kind: 'number'; value: number; at: Located }
  | { kind: 'bool'; value: boolean; at: Located }
  | { kind: 'null'; at: Located }
  | { kind: 'tuple'; items: HclValue[]; at: Located }
  | { kind: 'object'; entries: Array<{ key: string; value: HclValue; at: Located }>; at: Located }
  /** `what` names the unknown (`var.policy has no default`); `tooLarge` when a budget stopped the expansion. */
  | { kind: 'unknown'; what: string; at: Located; tooLarge?: boolean };

export interface HclBudget {
  /** Longest string any expression may produce (templates, jsonencode, files). */
  maxChars: number;
  /** Expressions evaluated per evaluator, locals included once each. */
  maxSteps: number;
}

// 256 KiB is over eight times the longest policy ECR accepts (30,720 characters).
export const DEFAULT_HCL_BUDGET: HclBudget = { maxChars: 256 * 1024, maxSteps: 200_000 };

/** What the evaluator asks of its caller: files and the references it cannot resolve itself. */
export interface HclHost {
  /** Reads `path` (relative paths are relative to the module directory). */
  readFile(path: string, moduleDir: string): { file: string; text: string } | { error: string };
  /** Resolves a reference the evaluator does not know (`aws_ecr_repository.x.name`); undefined: unknown. */
  reference?(root: string, steps: TraversalStep[], at: Located): HclValue | undefined;
}

/** One module: the `.tf` files of one directory, whose locals and variables they share. */
export interface HclModule {
  dir: string;
  files: HclFile[];
}

interface Env {
  file: string;
  /** templatefile() variables: a template sees only these. */
  vars?: Map<string, HclValue>;
}

class Budget extends Error {
  constructor(readonly what: string) {
    super(what);
  }
}

const WHY_UNKNOWN: Record<string, string> = {
  data: 'is read from the provider at plan time',
  module: "is another module's output",
  each: 'differs per instance (for_each)',
  count: 'differs per instance (count)',
  self: 'is known only in a provisioner',
  terraform: 'depends on the workspace',
};

function loc(file: string, s: Span): Located {
  return { file, start: s.start, end: s.end };
}

function traversalText(root: string, steps: TraversalStep[]): string {
  return root + steps.map((s) => (s.kind === 'attr' ? `.${s.name}` : '[...]')).join('');
}

/** A string's text with every character at one place (collapsed), for text whose origin is elsewhere. */
function collapsedText(text: string, offset: number, end = offset): MappedText {
  const offsets = new Array<number>(text.length + 1).fill(offset);
  offsets[text.length] = end;
  return { text, offsets };
}

/** Accumulates mapped text belonging to one file; pieces from another file map to `fallback`. */
class TextBuilder {
  private readonly pieces: string[] = [];
  /** Per piece: the offsets array to copy from, or one offset for every character. */
  private readonly chunks: Array<number[] | number> = [];
  private readonly breaks: number[] = [];
  private size = 0;
  private end = 0;
  constructor(
    readonly file: string,
    private readonly maxChars: number,
  ) {}

  private grow(n: number): void {
    if (this.size + n > this.maxChars) throw new Budget(`expanding it exceeds the budget of ${this.maxChars} characters`);
  }

  append(text: MappedText, file: string, fallback: number): void {
    const n = text.text.length;
    if (n === 0) return;
    this.grow(n);
    const same = file === this.file;
    const first = same ? text.offsets[0]! : fallback;
    // A piece that does not continue where the text so far ends starts a new place (see MappedText.breaks).
    if (this.size > 0 && first !== this.end) this.breaks.push(this.size);
    if (same) {
      for (const b of text.breaks ?? []) this.breaks.push(this.size + b);
      this.chunks.push(text.offsets);
      this.end = text.offsets[n]!;
    } else {
      this.chunks.push(fallback);
      this.end = fallback;
    }
    this.pieces.push(text.text);
    this.size += n;
  }

  /** Plain characters all placed at `offset`. */
  put(text: string, offset: number): void {
    if (text.length === 0) return;
    this.grow(text.length);
    if (this.size > 0 && offset !== this.end) this.breaks.push(this.size);
    this.chunks.push(offset);
    this.pieces.push(text);
    this.size += text.length;
    this.end = offset;
  }

  finish(endOffset?: number): MappedText {
    const offsets = new Array<number>(this.size + 1).fill(0);
    let k = 0;
    for (let p = 0; p < this.pieces.length; p++) {
      const n = this.pieces[p]!.length;
      const c = this.chunks[p]!;
      if (typeof c === 'number') offsets.fill(c, k, k + n);
      else for (let i = 0; i < n; i++) offsets[k + i] = c[i]!;
      k += n;
    }
    offsets[this.size] = endOffset ?? this.end;
    const out: MappedText = { text: this.pieces.join(''), offsets };
    if (this.breaks.length > 0) out.breaks = this.breaks;
    return out;
  }
}

// Go's encoding/json, which Terraform's jsonencode uses: HTML-safe, U+2028/2029 escaped.
function jsonEscapeChar(c: string): string {
  switch (c) {
    case '"':
      return '\\"';
    case '\\':
      return '\\\\';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    default: {
      const code = c.charCodeAt(0);
      if (code < 0x20 || c === '<' || c === '>' || c === '&' || code === 0x2028 || code === 0x2029) return `\\u${code.toString(16).padStart(4, '0')}`;
      return c;
    }
  }
}

function numberText(n: number): string {
  return Number.isInteger(n) && Math.abs(n) < 1e21 ? n.toFixed(0) : String(n);
}

/** Go's string order (byte-wise for the ASCII keys policies use). */
function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class HclEvaluator {
  private steps = 0;
  private readonly locals = new Map<string, { expr: HclExpr; file: string }>();
  private readonly variables = new Map<string, { default?: HclExpr; file: string; at: Span }>();
  private readonly localValues = new Map<string, HclValue>();
  private readonly evaluating = new Set<string>();
  private readonly budget: HclBudget;

  constructor(
    readonly module: HclModule,
    private readonly parser: HclParser,
    private readonly host: HclHost,
    budget: Partial<HclBudget> = {},
  ) {
    this.budget = { ...DEFAULT_HCL_BUDGET, ...budget };
    for (const f of module.files) {
      for (const b of blocksOf(f.body, 'locals')) for (const a of b.body.attributes) this.locals.set(a.name, { expr: a.value, file: f.file });
      for (const b of blocksOf(f.body, 'variable')) {
        const name = b.labels[0];
        if (name === undefined) continue;
        const def = attribute(b.body, 'default');
        this.variables.set(name, { file: f.file, at: b, ...(def ? { default: def.value } : {}) });
      }
    }
  }

  /** The value of `expr`, written in `file` of this module. Never throws for any input. */
  evaluate(expr: HclExpr, file: string): HclValue {
    try {
      return this.eval(expr, { file });
    } catch (e) {
      if (e instanceof Budget) return { kind: 'unknown', what: e.what, at: loc(file, expr), tooLarge: true };
      if (e instanceof RangeError) return { kind: 'unknown', what: 'expressions nested too deeply to evaluate', at: loc(file, expr), tooLarge: true };
      throw e;
    }
  }

  /** A variable's declaration (for callers that report where a default lives). */
  variable(name: string): { default?: HclExpr; file: string; at: Span } | undefined {
    return this.variables.get(name);
  }

  private tick(): void {
    if (++this.steps > this.budget.maxSteps) throw new Budget(`evaluating it exceeds the budget of ${this.budget.maxSteps} steps`);
  }

  private eval(expr: HclExpr, env: Env): HclValue {
    this.tick();
    const at = loc(env.file, expr);
    switch (expr.type) {
      case 'literal':
        if (expr.value === null) return { kind: 'null', at };
        return typeof expr.value === 'boolean' ? { kind: 'bool', value: expr.value, at } : { kind: 'number', value: expr.value, at };
      case 'template':
        return this.template(expr.parts, env, at);
      case 'tuple': {
        const items: HclValue[] = [];
        for (const i of expr.items) items.push(this.eval(i, env));
        return { kind: 'tuple', items, at };
      }
      case 'object': {
        const entries: Array<{ key: string; value: HclValue; at: Located }> = [];
        for (const e of expr.elems) {
          // A bare identifier key is its name (`rules = ...`); anything else is an expression.
          const key = e.key.type === 'traversal' && e.key.steps.length === 0 ? { kind: 'string' as const, text: collapsedText(e.key.root, e.key.start) } : this.eval(e.key, env);
          if (key.kind === 'unknown') return key;
          if (key.kind !== 'string') return { kind: 'unknown', what: 'an object key that is not a string', at: loc(env.file, e.key) };
          const value = this.eval(e.value, env);
          const i = entries.findIndex((x) => x.key === key.text.text);
          if (i >= 0) entries.splice(i, 1);
          entries.push({ key: key.text.text, value, at: loc(env.file, e) });
        }
        return { kind: 'object', entries, at };
      }
      case 'traversal':
        return this.traversal(expr.root, expr.steps, env, at);
      case 'call':
        return this.call(expr, env, at);
      case 'unsupported':
        return { kind: 'unknown', what: `${expr.what} is not evaluated statically`, at };
    }
  }

  private template(parts: TemplatePart[], env: Env, at: Located): HclValue {
    // A template that is one interpolation is that value, whatever its type (HCL's rule).
    if (parts.length === 1 && parts[0]!.kind === 'interpolation') return this.eval(parts[0]!.expr, env);
    const out = new TextBuilder(env.file, this.budget.maxChars);
    for (const p of parts) {
      if (p.kind === 'literal') {
        out.append(p.text, env.file, at.start);
        continue;
      }
      if (p.kind === 'directive') return { kind: 'unknown', what: 'a template directive (%{ if } or %{ for }) is not evaluated statically', at: loc(env.file, p) };
      const v = this.eval(p.expr, env);
      const s = this.stringOf(v, loc(env.file, p));
      if (s.kind !== 'string') return s;
      // Text from elsewhere (another file, a file() result) maps to its interpolation here.
      out.append(s.text, s.file, p.start);
    }
    return { kind: 'string', text: out.finish(at.end), file: env.file, at };
  }

  /** A value converted to a string as HCL does in templates and string arguments. */
  private stringOf(v: HclValue, at: Located): HclValue {
    switch (v.kind) {
      case 'string':
      case 'unknown':
        return v;
      case 'number':
        return { kind: 'string', text: collapsedText(numberText(v.value), v.at.start, v.at.end), file: v.at.file, at: v.at };
      case 'bool':
        return { kind: 'string', text: collapsedText(String(v.value), v.at.start, v.at.end), file: v.at.file, at: v.at };
      case 'null':
        return { kind: 'unknown', what: 'a null value where a string is needed', at };
      default:
        return { kind: 'unknown', what: `a ${v.kind === 'tuple' ? 'list' : 'object'} where a string is needed`, at };
    }
  }

  private traversal(root: string, steps: TraversalStep[], env: Env, at: Located): HclValue {
    const name = traversalText(root, steps);
    if (env.vars !== undefined) {
      const v = env.vars.get(root);
      if (v === undefined) return { kind: 'unknown', what: `${root} is not one of the template's variables`, at };
      return this.steps_(v, steps, env, at, name);
    }
    const first = steps[0];
    const attr = first?.kind === 'attr' ? first.name : undefined;
    if (root === 'local' && attr !== undefined) return this.steps_(this.local(attr, at), steps.slice(1), env, at, name);
    if (root === 'var' && attr !== undefined) return this.steps_(this.variableValue(attr, at), steps.slice(1), env, at, name);
    if (root === 'path' && (attr === 'module' || attr === 'root' || attr === 'cwd')) {
      // Paths are resolved against the module directory, where file() looks.
      return this.steps_({ kind: 'string', text: collapsedText('.', at.start, at.end), file: env.file, at }, steps.slice(1), env, at, name);
    }
    const viaHost = this.host.reference?.(root, steps, at);
    if (viaHost !== undefined) return viaHost;
    // A bare name is no reference Terraform resolves (it wants local.x, var.x, type.name.attr...).
    if (steps.length === 0) return { kind: 'unknown', what: `${root} is not a reference Terraform can resolve (a bare name)`, at };
    const why = WHY_UNKNOWN[root] ?? (root.includes('_') ? 'is known only after apply' : 'is not known statically');
    return { kind: 'unknown', what: `${name} ${why}`, at };
  }

  /** Applies attribute and index steps to a known value. */
  private steps_(value: HclValue, steps: TraversalStep[], env: Env, at: Located, name: string): HclValue {
    let v = value;
    for (const s of steps) {
      if (v.kind === 'unknown') return v;
      if (s.kind === 'attr') {
        if (v.kind !== 'object') return { kind: 'unknown', what: `${name}: .${s.name} of a value that is not an object`, at };
        const e = v.entries.find((x) => x.key === s.name);
        if (e === undefined) return { kind: 'unknown', what: `${name}: no attribute ${s.name}`, at };
        v = e.value;
      } else {
        const k = this.eval(s.key, env);
        if (k.kind === 'unknown') return k;
        if (v.kind === 'tuple' && k.kind === 'number' && v.items[k.value] !== undefined) v = v.items[k.value]!;
        else if (v.kind === 'object' && k.kind === 'string' && v.entries.some((x) => x.key === k.text.text)) v = v.entries.find((x) => x.key === k.text.text)!.value;
        else return { kind: 'unknown', what: `${name}: an index that is not in the value`, at };
      }
    }
    return v;
  }

  private local(name: string, at: Located): HclValue {
    const cached = this.localValues.get(name);
    if (cached !== undefined) return cached;
    const def = this.locals.get(name);
    if (def === undefined) return { kind: 'unknown', what: `local.${name} is not defined in this module`, at };
    if (this.evaluating.has(name)) return { kind: 'unknown', what: `local.${name} refers to itself`, at };
    this.evaluating.add(name);
    try {
      const v = this.eval(def.expr, { file: def.file });
      this.localValues.set(name, v);
      return v;
    } finally {
      this.evaluating.delete(name);
    }
  }

  private variableValue(name: string, at: Located): HclValue {
    const v = this.variables.get(name);
    if (v === undefined) return { kind: 'unknown', what: `var.${name} is not declared in this module`, at };
    if (v.default === undefined) return { kind: 'unknown', what: `var.${name} has no default: its value is given where the module is used`, at };
    const key = `var.${name}`;
    const cached = this.localValues.get(key);
    if (cached !== undefined) return cached;
    const value = this.eval(v.default, { file: v.file });
    this.localValues.set(key, value);
    return value;
  }

  private call(expr: Extract<HclExpr, { type: 'call' }>, env: Env, at: Located): HclValue {
    const args = (): HclValue[] => expr.args.map((a) => this.eval(a, env));
    if (expr.expandFinal) return { kind: 'unknown', what: `${expr.name}(...) with an expanded argument is not evaluated statically`, at };
    switch (expr.name) {
      case 'jsonencode': {
        const [v] = args();
        if (v === undefined) return { kind: 'unknown', what: 'jsonencode() needs an argument', at };
        return this.jsonencode(v, env, at);
      }
      case 'file':
      case 'templatefile':
        return this.fileCall(expr.name, args(), env, at);
      case 'trimspace':
      case 'chomp':
      case 'tostring': {
        const [a] = args();
        const v = a === undefined ? undefined : this.stringOf(a, at);
        if (v === undefined) return { kind: 'unknown', what: `${expr.name}() needs an argument`, at };
        if (v.kind !== 'string') return v;
        const t = v.text.text;
        const from = expr.name === 'trimspace' ? t.length - t.trimStart().length : 0;
        const to = expr.name === 'trimspace' ? t.trimEnd().length : expr.name === 'chomp' ? t.replace(/(\r\n|\n|\r)+$/, '').length : t.length;
        return { ...v, text: { text: t.slice(from, Math.max(from, to)), offsets: v.text.offsets.slice(from, Math.max(from, to) + 1) } };
      }
      default:
        return { kind: 'unknown', what: `the function ${expr.name}() is not evaluated statically`, at };
    }
  }

  private fileCall(name: 'file' | 'templatefile', args: HclValue[], env: Env, at: Located): HclValue {
    const path = args[0] === undefined ? undefined : this.stringOf(args[0], at);
    if (path === undefined) return { kind: 'unknown', what: `${name}() needs a path`, at };
    if (path.kind !== 'string') return path.kind === 'unknown' ? { ...path, what: `the path of ${name}(): ${path.what}` } : path;
    const read = this.host.readFile(path.text.text, this.module.dir);
    if ('error' in read) return { kind: 'unknown', what: `${name}("${path.text.text}"): ${read.error}`, at };
    if (read.text.length > this.budget.maxChars) throw new Budget(`${name}("${path.text.text}") is longer than ${this.budget.maxChars} characters`);
    const identity: MappedText = { text: read.text, offsets: Array.from({ length: read.text.length + 1 }, (_, i) => i) };
    const fileAt: Located = { file: read.file, start: 0, end: read.text.length };
    if (name === 'file') return { kind: 'string', text: identity, file: read.file, at: fileAt };
    const varsArg = args[1];
    const vars = new Map<string, HclValue>();
    if (varsArg !== undefined) {
      if (varsArg.kind === 'unknown') return { ...varsArg, what: `the variables of templatefile(): ${varsArg.what}` };
      if (varsArg.kind !== 'object') return { kind: 'unknown', what: 'templatefile() variables that are not an object', at };
      for (const e of varsArg.entries) vars.set(e.key, e.value);
    }
    const parsed = this.parser.parseTemplate(identity);
    if ('problem' in parsed) return { kind: 'unknown', what: `templatefile("${path.text.text}"): ${parsed.problem.message}`, at: { file: read.file, start: parsed.problem.offset, end: parsed.problem.offset } };
    return this.template(parsed.parts, { file: read.file, vars }, fileAt);
  }

  /** jsonencode(): Terraform's JSON (keys sorted, Go's escapes), each character placed where it came from. */
  private jsonencode(v: HclValue, env: Env, at: Located): HclValue {
    const out = new TextBuilder(env.file, this.budget.maxChars);
    const unknown = this.encode(v, out, env.file, at.start, v.at.start);
    if (unknown) return unknown;
    return { kind: 'string', text: out.finish(at.end), file: env.file, at };
  }

  /** Writes `v` as JSON; `anchor` is where a scalar is reported (its object attribute, as the users read it). */
  private encode(v: HclValue, out: TextBuilder, file: string, fallback: number, anchor: number): Extract<HclValue, { kind: 'unknown' }> | undefined {
    this.tick();
    const here = v.at.file === file ? anchor : fallback;
    switch (v.kind) {
      case 'unknown':
        return v;
      case 'null':
        out.put('null', here);
        return undefined;
      case 'bool':
        out.put(String(v.value), here);
        return undefined;
      case 'number':
        out.put(numberText(v.value), here);
        return undefined;
      case 'string': {
        out.put('"', here);
        const same = v.file === file;
        for (let i = 0; i < v.text.text.length; i++) {
          // The first character sits at the anchor too, so a value's start is its attribute.
          const o = same && i > 0 ? v.text.offsets[i]! : here;
          out.put(jsonEscapeChar(v.text.text[i]!), o);
        }
        out.put('"', same ? v.text.offsets[v.text.text.length]! : here);
        return undefined;
      }
      case 'tuple': {
        out.put('[', v.at.file === file ? v.at.start : fallback);
        for (const [i, item] of v.items.entries()) {
          if (i > 0) out.put(',', item.at.file === file ? item.at.start : fallback);
          const u = this.encode(item, out, file, fallback, item.at.file === file ? item.at.start : fallback);
          if (u) return u;
        }
        out.put(']', v.at.file === file ? Math.max(v.at.end - 1, v.at.start) : fallback);
        return undefined;
      }
      case 'object': {
        out.put('{', v.at.file === file ? v.at.start : fallback);
        const entries = [...v.entries].sort((a, b) => compareKeys(a.key, b.key));
        for (const [i, e] of entries.entries()) {
          const eAt = e.at.file === file ? e.at.start : fallback;
          if (i > 0) out.put(',', eAt);
          out.put(`"${[...e.key].map(jsonEscapeChar).join('')}":`, eAt);
          const u = this.encode(e.value, out, file, fallback, eAt);
          if (u) return u;
        }
        out.put('}', v.at.file === file ? Math.max(v.at.end - 1, v.at.start) : fallback);
        return undefined;
      }
    }
  }
}

/** Groups parsed files by directory: each directory is one module. */
export function modulesOf(files: HclFile[]): HclModule[] {
  const byDir = new Map<string, HclFile[]>();
  for (const f of files) {
    const d = dirname(f.file);
    byDir.set(d, [...(byDir.get(d) ?? []), f]);
  }
  return [...byDir].sort(([a], [b]) => compareKeys(a, b)).map(([dir, list]) => ({ dir, files: list }));
}
