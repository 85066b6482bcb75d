import { basename } from 'node:path';
import type { InputProblem } from '../../model/errors.js';
import { cloudFormationDrafts, hasCdkMetadata, isCloudFormationTemplate } from './cloudformation.js';
import { identityText, spanEndOffset, type LineIndex, type MappedText } from './positions.js';
import { terraformDrafts, isTerraformJson } from './terraform.js';
import { child, parseJsonFile, parseYamlFile, stringOf, type ParsedFile, type TreeNode } from './tree.js';
import { quotedDocumentHint } from '../kinds.js';
import { notTextProblem, type DraftsResult, type PolicySource, type PolicySourcesResult, type SourceDraft } from './types.js';

// Recognises what a file is by its content and finds the lifecycle policies in it.

export const EXPECTED_SOURCES =
  'a lifecycle policy JSON ({"rules": [...]}), `aws ecr get-lifecycle-policy` output, `terraform show -json` of a plan or state, a CloudFormation template (JSON or YAML) or a CDK synth template';

/** Text that suggests a file was meant to hold a lifecycle policy: worth reporting when it cannot be parsed. */
export function looksEcrRelated(text: string): boolean {
  return /AWS::ECR::|lifecyclePolicyText|LifecyclePolicy|aws_ecr_lifecycle_policy|aws_ecr_repository|"rulePriority"|rulePriority\s*:/.test(text);
}

export type Recognition =
  | { kind: 'recognised'; result: PolicySourcesResult }
  /** Parsed fine, but is something else (package.json, a Kubernetes manifest...). */
  | { kind: 'other' }
  /** Could not be parsed. */
  | { kind: 'invalid'; problems: InputProblem[] };

function looksLikeJson(text: string): boolean {
  return /^\s*[{[]/.test(text);
}

function parseFile(file: string, text: string): ParsedFile {
  if (looksLikeJson(text)) {
    const json = parseJsonFile(file, text);
    if (json.problems.length === 0) return json;
    // JSON-looking YAML (flow style) is rare; prefer the JSON parser's errors for `.json` files.
    const yaml = /\.json$/i.test(file) ? undefined : parseYamlFile(file, text);
    return yaml && yaml.problems.length === 0 ? yaml : json;
  }
  return parseYamlFile(file, text);
}

/**
 * In a directory walk, `rules` alone is not enough (`.eslintrc.json` has an object of rules):
 * it must be a list, empty or holding something rule-shaped.
 */
function hasPolicyRules(root: TreeNode): boolean {
  const rules = child(root, 'rules');
  if (rules?.kind !== 'seq') return false;
  return rules.items.length === 0 || rules.items.some((r) => ['rulePriority', 'selection', 'action'].some((k) => child(r, k) !== undefined));
}

function isUnderCdkOut(file: string): boolean {
  return file.split(/[\\/]/).includes('cdk.out');
}

function draftsOf(file: string, text: string, root: TreeNode, explicit: boolean): DraftsResult | undefined {
  const name = basename(file);
  if (root.kind !== 'map') return undefined;
  const embedded = child(root, 'lifecyclePolicyText');
  if (embedded !== undefined) {
    const repositoryName = stringOf(child(root, 'repositoryName'));
    if (stringOf(embedded) === undefined) {
      return { drafts: [], problems: [notTextProblem(embedded, 'lifecyclePolicyText must be the policy JSON text')] };
    }
    return { drafts: [{ format: 'get-lifecycle-policy', name, at: embedded, text: embedded.mapped!(), repositoryName }], problems: [] };
  }
  // A plain policy is JSON text itself: the file is the policy (YAML cannot be one).
  if (looksLikeJson(text) && (explicit ? child(root, 'rules') !== undefined : hasPolicyRules(root))) {
    return { drafts: [{ format: 'policy-json', name, at: root, text: identityText(text) }], problems: [] };
  }
  if (isTerraformJson(root)) return terraformDrafts(root);
  if (isCloudFormationTemplate(root)) {
    return cloudFormationDrafts(root, isUnderCdkOut(file) || hasCdkMetadata(root) ? 'cdk' : 'cloudformation');
  }
  return undefined;
}

function place(file: string, lines: LineIndex, d: SourceDraft): PolicySource {
  const start = lines.position(d.at.start);
  const end = lines.position(d.at.end);
  const text = d.text;
  const source: PolicySource = {
    file,
    format: d.format,
    name: d.name,
    location: { file, pointer: d.at.pointer, line: start.line, column: start.column, endLine: end.line, endColumn: end.column },
    pointerPrefix: d.at.pointer,
    mapOffset: (offset) => {
      if (text === undefined) return { ...start };
      return lines.position(text.offsets[clampOffset(offset, text)]!);
    },
    mapSpanEnd: (from, to) => {
      if (text === undefined) return { ...end };
      return lines.position(spanEndOffset(text, clampOffset(from, text), clampOffset(to, text)));
    },
  };
  if (d.repositoryName !== undefined) source.repositoryName = d.repositoryName;
  if (d.repositoryPrefix !== undefined) source.repositoryPrefix = d.repositoryPrefix;
  if (text !== undefined) source.policyText = text.text;
  if (d.unresolvedReason !== undefined) source.unresolvedReason = d.unresolvedReason;
  if (d.resolvedFrom !== undefined) source.resolvedFrom = d.resolvedFrom;
  return source;
}

function clampOffset(offset: number, text: MappedText): number {
  return Math.min(Math.max(Math.trunc(offset), 0), text.text.length);
}

/** Sources in file order: by position, then name (two sources can share a Parameter default). */
export function compareSources(a: PolicySource, b: PolicySource): number {
  return (
    (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
    a.location.line! - b.location.line! ||
    a.location.column! - b.location.column! ||
    (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  );
}

/**
 * Pure: what `text` (the content of `file`) is, and the policies in it. `explicit`: the user
 * named this file, so anything with a top-level `rules` is taken as a policy to validate.
 */
export function recognise(file: string, rawText: string, explicit: boolean): Recognition {
  // Editors do not count a byte order mark as a column.
  const text = rawText.startsWith('\uFEFF') ? rawText.slice(1) : rawText;
  const parsed = parseFile(file, text);
  if (parsed.problems.length > 0) return { kind: 'invalid', problems: parsed.problems };
  const result: PolicySourcesResult = { sources: [], problems: [] };
  let recognised = false;
  for (const root of parsed.roots) {
    const drafts = draftsOf(file, text, root, explicit);
    if (drafts === undefined) continue;
    recognised = true;
    result.sources.push(...drafts.drafts.map((d) => place(file, parsed.lines, d)));
    for (const c of drafts.planChanges ?? []) {
      (result.planChanges ??= []).push({ file, name: c.name, actions: c.actions, ...(c.before ? { before: place(file, parsed.lines, c.before) } : {}) });
    }
    for (const p of drafts.problems) {
      const { at, ...rest } = p;
      result.problems.push({ ...rest, location: { file, pointer: at.pointer, ...parsed.lines.position(at.start) } });
    }
  }
  if (!recognised) return { kind: 'other' };
  result.sources.sort(compareSources);
  return { kind: 'recognised', result };
}

export function unrecognisedProblem(file: string): InputProblem {
  return {
    location: { file },
    code: 'source/unrecognised',
    message: 'not a lifecycle policy source',
    expected: EXPECTED_SOURCES,
  };
}

/** Helm, Go templates, Jinja: text that is rendered before it is YAML or JSON. */
export function looksTemplated(text: string): boolean {
  // `{{resolve:ssm:...}}` is a CloudFormation dynamic reference, not a template.
  return /\{\{(?!resolve:)[^\n]*?\}\}|\{%[^\n]*?%\}/.test(text);
}

/** A template is one problem, at its first `{{` or `{%`, whatever the parser made of it. */
export function templateProblem(file: string, text: string): InputProblem {
  const at = text.search(/\{\{(?!resolve:)|\{%/);
  const before = text.slice(0, Math.max(at, 0)).split(/\r\n|\r|\n/);
  return {
    location: { file, line: before.length, column: before[before.length - 1]!.length + 1 },
    code: 'source/template',
    message: 'a template (Helm, Go template or Jinja `{{ }}`), not a policy file: lint its rendered output',
  };
}

/** Pure: the lifecycle policies in one file given explicitly; anything unrecognised is a problem. */
export function extractPolicySources(file: string, text: string): PolicySourcesResult {
  // A template parses as YAML often enough (`{{ x }}` is a flow mapping) but is not what deploys.
  if (looksTemplated(text)) return { sources: [], problems: [templateProblem(file, text)] };
  const r = recognise(file, text, true);
  if (r.kind === 'recognised') return r.result;
  if (r.kind === 'invalid') return { sources: [], problems: r.problems };
  return { sources: [], problems: [quotedJsonProblem(file, text) ?? unrecognisedProblem(file)] };
}

/** A policy saved as one quoted JSON string (get-lifecycle-policy --query without --output text): say so and how to fix it. */
function quotedJsonProblem(file: string, text: string): InputProblem | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text);
  } catch {
    return undefined;
  }
  const hint = quotedDocumentHint(value);
  return hint === undefined ? undefined : { location: { file, line: 1, column: 1 }, code: 'input/quoted-json', message: hint };
}
