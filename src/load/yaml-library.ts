import { createRequire } from 'node:module';
import { MAX_NESTING_DEPTH } from './json-document.js';

// The YAML library (8 MiB of memory, and start-up time) is loaded on first use: linting a JSON policy
// file, or auditing with JSON and text in-use files only, never needs it.
let library: typeof import('yaml') | undefined;

export function yamlLibrary(): typeof import('yaml') {
  return (library ??= createRequire(import.meta.url)('yaml') as typeof import('yaml'));
}

/** The problem of a YAML file nested deeper than the (recursive) YAML reader can follow. */
export const YAML_TOO_DEEP = { code: 'yaml/too-deep', message: 'invalid YAML: it nests too deeply to read' } as const;

/** The problem of a YAML file whose aliases would produce more than MAX_ALIAS_NODES nodes. */
export const YAML_ALIAS_BUDGET = { code: 'yaml/alias-budget' } as const;

/**
 * Nodes a file's aliases may produce in all. An alias stands for a copy of its anchor's node, and
 * anchors may hold aliases: about 350 bytes (seven levels of anchors, each holding ten aliases of the
 * one before) stand for ten million nodes, which every reader that walks the tree would build (4 GB,
 * then V8 aborts). Real files (GitLab CI templates, compose extension fields, Helm values) produce a
 * few hundred through aliases; a hundred thousand is a few tens of megabytes at most.
 */
export const MAX_ALIAS_NODES = 100_000;

/**
 * A YAML text refused before any reader walks it: nested more than MAX_NESTING_DEPTH deep (the JSON
 * limit, `yaml/too-deep`) or aliasing more than MAX_ALIAS_NODES nodes (`yaml/alias-budget`, at the
 * alias that passes the budget). Where, and the problem's words.
 */
export interface YamlTooDeep {
  offset: number;
  code: typeof YAML_TOO_DEEP.code | typeof YAML_ALIAS_BUDGET.code;
  message: string;
  expected: string;
}

type YamlOptions = import('yaml').ParseOptions & import('yaml').DocumentOptions & import('yaml').SchemaOptions;
type YamlDocument = import('yaml').Document.Parsed;

/**
 * `parseAllDocuments(text, options)` with `prettyErrors: false`, or the problem of a text nesting more
 * than MAX_NESTING_DEPTH collections deep. The library composes documents recursively, and running out
 * of stack there is not always an error to catch: when it happens while V8 compiles a regular
 * expression, V8 aborts the whole process ("FATAL ERROR: RegExpCompiler Allocation failed"). So the
 * text is parsed once into the library's concrete syntax tree (its parser compiles no regular
 * expression), depth is measured on that tree with an explicit stack, and only then are the same
 * tokens composed into documents, as parseAllDocuments does.
 */
export function readYamlDocuments(text: string, options: YamlOptions & { lineCounter?: import('yaml').LineCounter } = {}): { documents: YamlDocument[] } | { tooDeep: YamlTooDeep } {
  const { Composer, Lexer, Parser } = yamlLibrary();
  const { lineCounter, ...composeOptions } = options;
  type Token = import('yaml').CST.Token;
  const tokens: Token[] = [];
  const parser = new Parser(lineCounter?.addNewLine);
  try {
    lineCounter?.addNewLine(0); // as Parser.parse does on its first call
    for (const lexeme of new Lexer().lex(text)) {
      for (const token of parser.next(lexeme)) tokens.push(token);
      // The parser's stack is the document, then each open collection, then at most one scalar. Past the
      // limit, stop here: closing thousands of block sequences at once, the parser recurses.
      if (parser.stack.length > MAX_NESTING_DEPTH + 2) return { tooDeep: tooDeepAt(parser.stack[MAX_NESTING_DEPTH + 1]!.offset) };
    }
    for (const token of parser.end()) tokens.push(token);
  } catch (e) {
    // Not expected (see above); a plain RangeError, as the parser compiles no regular expression.
    if (e instanceof RangeError && e.message.includes(STACK_OVERFLOW)) return { tooDeep: tooDeepAt(0) };
    throw e;
  }
  const deep = deepestBeyondLimit(tokens);
  if (deep !== undefined) return { tooDeep: tooDeepAt(deep) };
  const documents = Array.from(new Composer({ ...composeOptions, prettyErrors: false }).compose(tokens)) as YamlDocument[];
  const aliased = aliasBudgetPassed(documents);
  if (aliased !== undefined) return { tooDeep: aliased };
  return { documents };
}

/**
 * Counts the nodes the documents' aliases stand for (each alias: the size of its anchor's node with
 * the aliases inside it expanded, sizes memoised per anchor, so counting costs one pass however large
 * the expansion), and returns the problem at the alias whose count passes MAX_ALIAS_NODES.
 */
function aliasBudgetPassed(documents: readonly YamlDocument[]): YamlTooDeep | undefined {
  const { isAlias, isCollection, isPair } = yamlLibrary();
  type YamlNode = { anchor?: string; range?: [number, number, number]; items?: unknown[] };
  let produced = 0;
  for (const doc of documents) {
    // An alias names the closest anchor before it; an anchor counts once its node is complete (an alias
    // inside its own anchor is circular, which the library reports).
    const anchors = new Map<string, number>();
    let passedAt: number | undefined;
    // Depth is at most MAX_NESTING_DEPTH here (checked before composing), and aliases are not entered.
    const size = (node: unknown): number => {
      if (node === null || node === undefined || passedAt !== undefined) return 1;
      if (isAlias(node)) {
        const n = anchors.get(node.source) ?? 1;
        produced += n;
        if (produced > MAX_ALIAS_NODES) passedAt = node.range?.[0] ?? 0;
        return n;
      }
      let n = 1;
      if (isCollection(node)) for (const item of node.items as unknown[]) n += isPair(item) ? size(item.key) + size(item.value) : size(item);
      const anchor = (node as YamlNode).anchor;
      if (anchor !== undefined) anchors.set(anchor, n);
      return n;
    };
    size(doc.contents);
    if (passedAt !== undefined) {
      return {
        offset: passedAt,
        code: YAML_ALIAS_BUDGET.code,
        message: `the YAML's aliases stand for more than ${MAX_ALIAS_NODES.toLocaleString('en-US')} nodes (an alias bomb?)`,
        expected: `aliases that expand to at most ${MAX_ALIAS_NODES.toLocaleString('en-US')} nodes in all (ecr-lifeguard's limit)`,
      };
    }
  }
  return undefined;
}

function tooDeepAt(offset: number): YamlTooDeep {
  return { offset, code: YAML_TOO_DEEP.code, message: `the YAML nests more than ${MAX_NESTING_DEPTH} levels deep`, expected: `at most ${MAX_NESTING_DEPTH} levels of nesting (ecr-lifeguard's limit)` };
}

/** The first offset of a collection nested more than MAX_NESTING_DEPTH deep in these syntax trees, or undefined. */
function deepestBeyondLimit(tokens: readonly import('yaml').CST.Token[]): number | undefined {
  type Source = { type: string; source?: string };
  type Node = { type?: string; offset?: number; value?: Node; start?: Source | Source[]; items?: Array<{ start: Source[]; key?: Node | null; sep?: Source[]; value?: Node | null }> };
  // depth: the collections around the token.
  const pending: Array<{ token: Node; depth: number }> = tokens.map((token) => ({ token: token as Node, depth: 0 }));
  let first: number | undefined;
  const beyond = (offset = 0): void => {
    if (first === undefined || offset < first) first = offset;
  };
  while (pending.length > 0) {
    const { token, depth } = pending.pop()!;
    if (token.type === 'document' && token.value) pending.push({ token: token.value, depth });
    if (!token.items) continue; // a scalar, alias or comment: no level of its own
    if (depth + 1 > MAX_NESTING_DEPTH) {
      beyond(token.offset);
      continue;
    }
    const flowSequence = token.type === 'flow-collection' && !Array.isArray(token.start) && token.start?.source === '[';
    for (const item of token.items) {
      // `[a: b]`: a pair in a flow sequence is a mapping of its own, one level more.
      const pair = flowSequence && (item.sep !== undefined || item.start.some((t) => t.type === 'explicit-key-ind' || t.type === 'map-value-ind'));
      const inner = depth + (pair ? 2 : 1);
      if (inner > MAX_NESTING_DEPTH) {
        beyond(item.key?.offset ?? token.offset);
        continue;
      }
      if (item.key) pending.push({ token: item.key, depth: inner });
      if (item.value) pending.push({ token: item.value, depth: inner });
    }
  }
  return first;
}

/** V8's message when the stack runs out: thrown as a RangeError, or reported by the parser as an error of its own. */
const STACK_OVERFLOW = 'Maximum call stack size exceeded';

/**
 * A YAML parser error in words. The parser recurses per nesting level and, in some shapes, reports
 * running out of stack as an error of its own; that is the input nesting too deeply, not a crash.
 */
export function yamlSyntaxProblem(error: { message: string }): { code: string; message: string } {
  if (error.message.includes(STACK_OVERFLOW)) return YAML_TOO_DEEP;
  return { code: 'yaml/syntax', message: `invalid YAML: ${error.message.split('\n')[0]}` };
}

/**
 * `read()`, or undefined when it ran out of stack: in other shapes the parser (and the walks over
 * what it returns) throw instead. The caller reports YAML_TOO_DEEP.
 */
export function unlessTooDeep<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (e) {
    if (e instanceof RangeError && e.message.includes(STACK_OVERFLOW)) return undefined;
    throw e;
  }
}
