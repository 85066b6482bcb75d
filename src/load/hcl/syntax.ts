import type { MappedText } from '../sources/positions.js';

// The HCL2 syntax tree this project works on: a plain, positioned copy of tree-sitter's concrete
// tree (which lives in wasm memory and is freed once converted). Offsets are UTF-16 code units
// into the file's text, as everywhere else (LineIndex turns them into line/column).

export interface Span {
  start: number;
  end: number;
}

export type TemplatePart =
  | { kind: 'literal'; text: MappedText }
  | { kind: 'interpolation'; expr: HclExpr; start: number; end: number }
  /** `%{ if }` / `%{ for }`: not evaluated statically. */
  | { kind: 'directive'; start: number; end: number };

export interface HclObjectElem extends Span {
  key: HclExpr;
  value: HclExpr;
}

export type TraversalStep = { kind: 'attr'; name: string; start: number; end: number } | { kind: 'index'; key: HclExpr; start: number; end: number };

export type HclExpr =
  | ({ type: 'literal'; value: number | boolean | null } & Span)
  /** A quoted string or heredoc; a string without interpolation is a template of one literal. */
  | ({ type: 'template'; parts: TemplatePart[]; heredoc: boolean } & Span)
  | ({ type: 'tuple'; items: HclExpr[] } & Span)
  | ({ type: 'object'; elems: HclObjectElem[] } & Span)
  /** `local.a.b[0]`: a root name (`local`, `var`, `path`, `aws_ecr_repository`...) and its steps. */
  | ({ type: 'traversal'; root: string; steps: TraversalStep[] } & Span)
  | ({ type: 'call'; name: string; args: HclExpr[]; expandFinal: boolean } & Span)
  /** Any other construct (conditional, operator, for, splat...): `what` says which, for messages. */
  | ({ type: 'unsupported'; what: string } & Span);

export interface HclAttribute extends Span {
  name: string;
  value: HclExpr;
}

export interface HclBlock extends Span {
  type: string;
  labels: string[];
  body: HclBody;
}

export interface HclBody {
  attributes: HclAttribute[];
  blocks: HclBlock[];
}

export interface HclSyntaxProblem {
  /** Offset of the first syntax error. */
  offset: number;
  code: 'hcl/syntax' | 'hcl/too-large' | 'hcl/too-deep';
  message: string;
}

export interface HclFile {
  file: string;
  text: string;
  body: HclBody;
  /** At most one: the first syntax error (the ones after it usually echo it). */
  problems: HclSyntaxProblem[];
}

export function attribute(body: HclBody | undefined, name: string): HclAttribute | undefined {
  return body?.attributes.find((a) => a.name === name);
}

export function blocksOf(body: HclBody | undefined, type: string): HclBlock[] {
  return body?.blocks.filter((b) => b.type === type) ?? [];
}
