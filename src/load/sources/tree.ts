import type { Node as JsonNode } from 'jsonc-parser';
import type { Alias, Document, Node as YamlNode, Tags } from 'yaml';
import { readYamlDocuments, unlessTooDeep, yamlLibrary, yamlSyntaxProblem, YAML_TOO_DEEP } from '../yaml-library.js';
import type { InputProblem } from '../../model/errors.js';
import { joinPointer } from '../../model/location.js';
import { definedOnly, describeSyntaxError, positionalTree } from '../json-document.js';
import {
  alignUnits,
  jsonStringUnits,
  LineIndex,
  yamlBlockScalarUnits,
  yamlFlowScalarUnits,
  type MappedText,
  type SourceUnit,
  type YamlScalarStyle,
} from './positions.js';

// One read-only tree over JSON (jsonc-parser) and YAML (eemeli/yaml) documents, with file
// offsets and JSON pointers, so every format is recognised and walked by one piece of code.

export interface TreeNode {
  kind: 'map' | 'seq' | 'scalar';
  /** Scalar value (string, number, boolean, null); undefined for collections. */
  value: unknown;
  /** Map entries in file order. */
  entries: Array<[string, TreeNode]>;
  items: TreeNode[];
  /** File offsets of the value (a YAML tag excluded). */
  start: number;
  end: number;
  /** JSON pointer in the file; for YAML the equivalent path. */
  pointer: string;
  /** For a YAML short-form intrinsic turned into its long form (`!Sub x` -> `{"Fn::Sub": x}`): the spelling in the file. */
  shortForm?: string;
  /** A string's decoded text with the file offset of each character. */
  mapped?: () => MappedText;
}

export interface ParsedFile {
  roots: TreeNode[];
  lines: LineIndex;
  problems: InputProblem[];
}

export function child(node: TreeNode | undefined, key: string): TreeNode | undefined {
  if (node?.kind !== 'map') return undefined;
  for (const [k, v] of node.entries) if (k === key) return v;
  return undefined;
}

export function stringOf(node: TreeNode | undefined): string | undefined {
  return node?.kind === 'scalar' && typeof node.value === 'string' ? node.value : undefined;
}

/** Every offset of a string that could not be aligned maps to the value's start: never a wrong place. */
function collapsed(text: string, start: number): MappedText {
  return { text, offsets: new Array<number>(text.length + 1).fill(start) };
}

function lazyMapped(text: string, start: number, end: number, units: () => SourceUnit[]): () => MappedText {
  let cached: MappedText | undefined;
  return () => (cached ??= alignUnits(text, units(), end) ?? collapsed(text, start));
}

function scalarNode(value: unknown, start: number, end: number, pointer: string): TreeNode {
  return { kind: 'scalar', value, entries: [], items: [], start, end, pointer };
}

function problemAt(file: string, lines: LineIndex, offset: number, code: string, message: string): InputProblem {
  return { location: { file, ...lines.position(offset) }, code, message };
}

// ---------------------------------------------------------------- JSON

function fromJson(src: string, node: JsonNode, pointer: string): TreeNode {
  const start = node.offset;
  const end = node.offset + node.length;
  switch (node.type) {
    case 'object': {
      const entries: Array<[string, TreeNode]> = [];
      for (const prop of node.children ?? []) {
        const [k, v] = prop.children ?? [];
        if (k === undefined || v === undefined) continue;
        const key = String(k.value);
        entries.push([key, fromJson(src, v, joinPointer(pointer, key))]);
      }
      return { kind: 'map', value: undefined, entries, items: [], start, end, pointer };
    }
    case 'array':
      return {
        kind: 'seq',
        value: undefined,
        entries: [],
        items: (node.children ?? []).map((c, i) => fromJson(src, c, joinPointer(pointer, i))),
        start,
        end,
        pointer,
      };
    case 'string': {
      const n = scalarNode(node.value, start, end, pointer);
      n.mapped = lazyMapped(String(node.value), start, end - 1, () => jsonStringUnits(src, start, end));
      return n;
    }
    default:
      return scalarNode(node.value, start, end, pointer);
  }
}

export function parseJsonFile(file: string, text: string): ParsedFile {
  const lines = new LineIndex(text);
  const { tree: root, errors, failure } = positionalTree(text, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  // The first error only, in words: the ones after it are usually its echoes.
  const problems = (failure ? [failure] : errors.slice(0, 1).map((e) => describeSyntaxError(text, root, e))).map((p) => ({
    ...problemAt(file, lines, p.offset, p.code, p.message),
    ...definedOnly({ found: p.found, expected: p.expected }),
  }));
  return { roots: root && problems.length === 0 ? [fromJson(text, root, '')] : [], lines, problems };
}

// ---------------------------------------------------------------- YAML

/** CloudFormation short-form intrinsics and the long form each stands for. */
const SHORT_FORMS = [
  'Sub', 'Ref', 'Join', 'GetAtt', 'If', 'Select', 'FindInMap', 'ImportValue', 'Base64', 'Split', 'Equals',
  'Not', 'And', 'Or', 'Condition', 'GetAZs', 'Cidr', 'Transform', 'Length', 'ToJsonString',
];

function longForm(name: string): string {
  return name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
}

const yaml = yamlLibrary;

// Each tag on a scalar, a sequence and a mapping: CloudFormation accepts all three shapes for
// some intrinsics (`!GetAtt A.b` and `!GetAtt [A, b]`), and the tree keeps the node either way.
let cfnTags: Tags | undefined;
const CFN_TAGS = (): Tags =>
  (cfnTags ??= SHORT_FORMS.flatMap((name) => [
    { tag: `!${name}`, resolve: (s: string) => s },
    { tag: `!${name}`, collection: 'seq' as const, nodeClass: yaml().YAMLSeq },
    { tag: `!${name}`, collection: 'map' as const, nodeClass: yaml().YAMLMap },
  ]));

interface BlockScalarToken {
  type: 'block-scalar';
  indent: number;
  props: Array<{ type: string; offset: number; source: string }>;
  source: string;
}

function yamlScalarUnits(src: string, node: YamlNode & { type?: string; srcToken?: unknown }, start: number, end: number): SourceUnit[] {
  const style = (node.type ?? 'PLAIN') as YamlScalarStyle;
  if (style !== 'BLOCK_LITERAL' && style !== 'BLOCK_FOLDED') return yamlFlowScalarUnits(src, style, start, end);
  const tok = node.srcToken as BlockScalarToken | undefined;
  const header = tok?.props.find((p) => p.type === 'block-scalar-header');
  const last = tok?.props[tok.props.length - 1];
  const bodyStart = last ? last.offset + last.source.length : src.indexOf('\n', start) + 1;
  const explicit = header ? /[1-9]/.exec(header.source) : null;
  // An explicit indentation indicator is relative to the parent node's indentation.
  const indent = explicit && tok ? Math.max(tok.indent, 0) + Number(explicit[0]) : undefined;
  return yamlBlockScalarUnits(src, bodyStart, end, indent);
}

/**
 * Nodes a document may produce through aliases: an alias bomb (anchors each referencing the previous
 * ten times) of a few hundred bytes would otherwise expand to billions of nodes.
 */
export const YAML_MAX_ALIAS_NODES = 10_000;

class AliasBudget extends Error {
  constructor(readonly offset: number) {
    super('alias budget');
  }
}

interface Walk {
  active: Set<unknown>;
  /** Nodes produced so far inside alias expansions. */
  viaAliases: number;
  inAlias: number;
}

function fromYaml(src: string, doc: Document, node: unknown, pointer: string, walk: Walk): TreeNode {
  const { isAlias, isMap, isScalar, isSeq } = yaml();
  const active = walk.active;
  if (walk.inAlias > 0 && ++walk.viaAliases > YAML_MAX_ALIAS_NODES) throw new AliasBudget((node as { range?: [number] } | null)?.range?.[0] ?? 0);
  if (isAlias(node)) {
    const target = (node as Alias).resolve(doc);
    if (target === undefined || active.has(target)) {
      const [s, e] = (node as Alias).range ?? [0, 0];
      return scalarNode(null, s, e, pointer);
    }
    active.add(target);
    walk.inAlias++;
    try {
      return fromYaml(src, doc, target, pointer, walk);
    } catch (e) {
      // Located at the outermost alias that led there.
      if (e instanceof AliasBudget && walk.inAlias === 1) throw new AliasBudget((node as Alias).range?.[0] ?? e.offset);
      throw e;
    } finally {
      walk.inAlias--;
      active.delete(target);
    }
  }
  // A pair without a value (`{{ a }}`: a mapping as the key of a mapping) has a null node.
  const n = (node ?? {}) as YamlNode & { tag?: string; range?: [number, number, number] };
  const [start, end] = n.range ?? [0, 0];
  let tree: TreeNode;
  if (isMap(n)) {
    const entries: Array<[string, TreeNode]> = [];
    for (const pair of n.items) {
      const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
      entries.push([key, fromYaml(src, doc, pair.value, joinPointer(pointer, key), walk)]);
    }
    tree = { kind: 'map', value: undefined, entries, items: [], start, end, pointer };
  } else if (isSeq(n)) {
    const items = n.items.map((it, i) => fromYaml(src, doc, it, joinPointer(pointer, i), walk));
    tree = { kind: 'seq', value: undefined, entries: [], items, start, end, pointer };
  } else if (isScalar(n)) {
    tree = scalarNode(n.value, start, end, pointer);
    if (typeof n.value === 'string') {
      const text = n.value;
      tree.mapped = lazyMapped(text, start, end, () => yamlScalarUnits(src, n, start, end));
    }
  } else {
    // An empty value (`Key:`) has no node at all.
    tree = scalarNode(null, start, end, pointer);
  }
  const name = n.tag?.startsWith('!') ? n.tag.slice(1) : undefined;
  if (name !== undefined && SHORT_FORMS.includes(name)) {
    return { kind: 'map', value: undefined, entries: [[longForm(name), tree]], items: [], start, end, pointer, shortForm: `!${name}` };
  }
  return tree;
}

export function parseYamlFile(file: string, text: string): ParsedFile {
  const lines = new LineIndex(text);
  const parsed = unlessTooDeep(() => {
    const read = readYamlDocuments(text, { customTags: CFN_TAGS(), keepSourceTokens: true, uniqueKeys: true });
    if ('tooDeep' in read) {
      const { offset, code, message, expected } = read.tooDeep;
      return { roots: [], problems: [{ ...problemAt(file, lines, offset, code, message), expected }] };
    }
    const list = read.documents;
    const problems: InputProblem[] = [];
    for (const doc of list) {
      for (const e of doc.errors) {
        const p = yamlSyntaxProblem(e);
        problems.push(problemAt(file, lines, e.pos[0], p.code, p.message));
      }
    }
    // Out of stack, the parser may report many errors from where it gave up: the first says it all.
    const tooDeep = problems.find((p) => p.code === YAML_TOO_DEEP.code);
    if (problems.length > 0) return { roots: [], problems: tooDeep ? [tooDeep] : problems };
    const walk: Walk = { active: new Set(), viaAliases: 0, inAlias: 0 };
    try {
      return { roots: list.map((doc) => fromYaml(text, doc, doc.contents, '', walk)), problems: [] };
    } catch (e) {
      if (!(e instanceof AliasBudget)) throw e;
      return { roots: [], problems: [problemAt(file, lines, e.offset, 'yaml/alias-budget', `aliases expand to more than ${YAML_MAX_ALIAS_NODES} nodes (an alias bomb?): not read`)] };
    }
  });
  // Where the reader ran out of stack is not known: the problem names the file's start.
  return { lines, ...(parsed ?? { roots: [], problems: [problemAt(file, lines, 0, YAML_TOO_DEEP.code, YAML_TOO_DEEP.message)] }) };
}
