import { findNodeAtLocation, getNodeValue } from 'jsonc-parser';
import { joinPointer } from '../../model/location.js';
import type { UseKind, UseSourceFormat } from '../../model/in-use.js';
import { definedOnly, describeSyntaxError, positionalTree } from '../../load/json-document.js';
import { readYamlDocuments, unlessTooDeep, yamlLibrary, yamlSyntaxProblem, YAML_TOO_DEEP } from '../../load/yaml-library.js';
import { excerpt, formatObjectPath, lineLocator, type UseCollector } from './common.js';

// JSON and YAML documents seen the same way by the structured formats (Kubernetes, ECS, Lambda):
// a plain value plus a way to find the line and column of any path inside it.

export type PathSegment = string | number;

export interface StructuredDocument {
  file: string;
  value: unknown;
  /** Line and column (1-based) of the value at `path`, when the syntax tree has it. */
  locate(path: readonly PathSegment[]): { line: number; column: number } | undefined;
  /** Where the document starts (YAML multi-document files: for problems about a whole document). */
  start: { line: number; column: number };
  /** The scalar at `path` as written (YAML reads `tag: 1.10` as the number 1.1; the source keeps `1.10`). */
  source?(path: readonly PathSegment[]): string | undefined;
}

export function pointerOf(path: readonly PathSegment[]): string {
  return joinPointer('', ...path);
}

/** Parses a JSON file; syntax errors become problems (and no document). Comments are tolerated. */
export function parseJsonDocument(file: string, text: string, out: UseCollector, jsonc = false): StructuredDocument | undefined {
  const locate = lineLocator(text);
  // JSON with comments (devcontainer.json) also allows trailing commas.
  const { tree: root, errors, failure } = positionalTree(text, { allowTrailingComma: jsonc, disallowComments: false });
  if (failure || errors.length > 0 || !root) {
    // Only the first error: the ones after it are usually its echoes.
    const first = errors[0];
    const p = failure ?? (first ? describeSyntaxError(text, root, first) : undefined);
    if (p) out.problem({ file, ...locate(p.offset) }, p.code, p.message, definedOnly({ found: p.found, expected: p.expected }));
    else out.problem({ file, line: 1, column: 1 }, 'json/syntax', 'invalid JSON: empty document');
    return undefined;
  }
  return {
    file,
    value: getNodeValue(root) as unknown,
    locate: (path) => {
      const node = findNodeAtLocation(root, [...path]);
      return node ? locate(node.offset) : undefined;
    },
    start: locate(root.offset),
  };
}

/** Parses a (multi-document) YAML file; empty documents (Helm's `# Source:` only) are skipped. */
export function parseYamlDocuments(file: string, text: string, out: UseCollector): StructuredDocument[] {
  const { isNode, isScalar, LineCounter } = yamlLibrary();
  const lineCounter = new LineCounter();
  // `<<` merge keys: Kubernetes' own YAML parser accepts them, so a container written with one is a container.
  // Duplicate keys are read as Kubernetes reads them (the last wins), with a warning at the second key.
  const read = unlessTooDeep(() => readYamlDocuments(text, { lineCounter, merge: true, uniqueKeys: false, customTags: cloudFormationTags() }));
  if (read === undefined) {
    // Where the parser ran out of stack is not known: the problem names the file's start.
    out.problem({ file, line: 1, column: 1 }, YAML_TOO_DEEP.code, YAML_TOO_DEEP.message);
    return [];
  }
  // The line counter has seen the text up to where reading stopped, so any offset before that.
  const pos = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  if ('tooDeep' in read) {
    const { offset, code, message, expected } = read.tooDeep;
    out.problem({ file, ...pos(offset) }, code, message, { expected });
    return [];
  }
  const docs = read.documents;
  const result: StructuredDocument[] = [];
  let failed = false;
  for (const doc of docs) {
    // The first error of each document: later ones are usually its echoes.
    for (const e of doc.errors.slice(0, 1)) {
      failed = true;
      const p = yamlSyntaxProblem(e);
      out.problem({ file, ...pos(e.pos[0]) }, p.code, p.message);
    }
    if (doc.contents === null || doc.errors.length > 0) continue;
    warnDuplicateKeys(doc, file, pos, out);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (e) {
      // Alias bombs and similar: the parser's message is enough for the user.
      failed = true;
      const p = yamlSyntaxProblem(e as Error);
      out.problem({ file, ...pos(doc.contents.range?.[0] ?? 0) }, p.code, p.message);
      continue;
    }
    // Comment-only documents (a Helm template that rendered nothing) are empty, not unrecognised.
    if (value === null || value === undefined) continue;
    result.push({
      file,
      value,
      locate: (path) => {
        const node = doc.getIn(path, true);
        return isNode(node) && node.range ? pos(node.range[0]) : undefined;
      },
      start: pos(doc.contents.range?.[0] ?? 0),
      source: (path) => {
        const node = doc.getIn(path, true);
        return isScalar(node) && typeof node.source === 'string' ? node.source : undefined;
      },
    });
  }
  // A file with a syntax error is reported, not half-read: its uses could be wrong.
  return failed ? [] : result;
}

/** CloudFormation's short forms (`!Sub`, `!Ref`, ...) read as their long forms (`{"Fn::Sub": ...}`). */
const SHORT_FORMS = ['Sub', 'Ref', 'Join', 'GetAtt', 'If', 'Select', 'FindInMap', 'ImportValue', 'Base64', 'Split', 'Equals', 'Not', 'And', 'Or', 'Condition', 'GetAZs', 'Cidr', 'Transform', 'Length', 'ToJsonString'];
type Tags = import('yaml').Tags;
let tags: Tags | undefined;

function cloudFormationTags(): Tags {
  if (tags) return tags;
  const { YAMLMap, YAMLSeq } = yamlLibrary();
  return (tags = SHORT_FORMS.flatMap((name) => {
    const long = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
    // The collection keeps its items; only its plain value is wrapped.
    // The library's typings say toJSON gives an array (a map): a wrapped value is neither, hence the casts.
    class Seq extends YAMLSeq {
      override toJSON(key?: unknown, ctx?: Parameters<InstanceType<typeof YAMLSeq>['toJSON']>[1]): unknown[] {
        return { [long]: super.toJSON(key, ctx) } as unknown as unknown[];
      }
    }
    class Map extends YAMLMap {
      override toJSON(key?: unknown, ctx?: Parameters<InstanceType<typeof YAMLMap>['toJSON']>[1]): never {
        return { [long]: super.toJSON(key, ctx) } as never;
      }
    }
    return [
      { tag: `!${name}`, resolve: (s: string) => ({ [long]: s }) },
      { tag: `!${name}`, collection: 'seq' as const, nodeClass: Seq },
      { tag: `!${name}`, collection: 'map' as const, nodeClass: Map },
    ] as Tags;
  }));
}

/** Each key written twice in one mapping: a warning at the second (the last value wins). */
function warnDuplicateKeys(doc: import('yaml').Document.Parsed, file: string, pos: (offset: number) => { line: number; column: number }, out: UseCollector): void {
  const { visit, isScalar } = yamlLibrary();
  let reported = 0;
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key = isScalar(pair.key) ? pair.key.value : undefined;
        if (key === undefined || key === null || typeof key === 'object') continue;
        // Bounded: a generated file with thousands of duplicates gets the first few.
        if (seen.has(key) && reported++ < 20) {
          const at = isScalar(pair.key) && pair.key.range ? pos(pair.key.range[0]) : {};
          out.problem({ file, ...at }, 'yaml/duplicate-key', 'duplicate key: the last value wins, as Kubernetes applies it', { found: excerpt(String(key)) });
        }
        seen.add(key);
      }
    },
  });
}

/**
 * Records the reference at `path` in a structured document: origin line from the syntax tree, path
 * `label` + `a.b[0].c`. Absent values are skipped (callers decide what is optional); non-strings are problems.
 */
export function addReferenceAt(
  doc: StructuredDocument,
  out: UseCollector,
  format: Exclude<UseSourceFormat, 'recent-pull'>,
  value: unknown,
  path: PathSegment[],
  label = '',
  normalise: (raw: string) => string | undefined = (raw) => raw,
  kind: UseKind = 'runtime',
): void {
  if (value === undefined || value === null) return;
  const pos = doc.locate(path);
  const pointer = pointerOf(path);
  if (typeof value !== 'string') {
    out.problem({ file: doc.file, pointer, ...pos }, 'in-use/invalid-reference', 'image is not a string', {
      found: Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : excerpt(String(value)),
      expected: 'an image reference string',
    });
    return;
  }
  const raw = normalise(value);
  if (raw === undefined) return;
  out.add(raw, kind, { format, file: doc.file, ...pos, path: label + formatObjectPath(path) }, pointer);
}
