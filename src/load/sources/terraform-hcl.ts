import type { InputProblem } from '../../model/errors.js';
import { attribute, blocksOf, HclEvaluator, type HclBlock, type HclExpr, type HclFile, type HclHost, type HclParser, type HclValue, type Located, type TemplatePart, type TraversalStep } from '../hcl/index.js';
import { LineIndex, spanEndOffset, type MappedText } from './positions.js';
import { parseJsonFile, type TreeNode } from './tree.js';
import type { PolicySource, PolicySourcesResult } from './types.js';

// Terraform and OpenTofu configuration read directly (no plan, no credentials): lifecycle policies
// of aws_ecr_lifecycle_policy, aws_ecr_repository_creation_template and module inputs shaped like a
// policy, evaluated statically by the HCL layer. What cannot be known is an unresolved source at
// the expression that holds the unknown.

/** Resources that carry a policy: the attribute, and where the repository (or prefix) is. */
const POLICY_RESOURCES: Record<string, { policy: string; repository?: string; prefix?: string }> = {
  aws_ecr_lifecycle_policy: { policy: 'policy', repository: 'repository' },
  aws_ecr_repository_creation_template: { policy: 'lifecycle_policy', prefix: 'prefix' },
};

/** Module inputs named like a lifecycle policy: reported even when their value is unknown. */
const POLICY_INPUT_NAME = /lifecycle_polic(y|ies)(_(json|text|document))?$/i;
const REPOSITORY_INPUT_NAME = /^(repository_name|name|repository)$/;

export interface TerraformFileText {
  file: string;
  text: string;
}

function isRule(v: unknown): boolean {
  return v !== null && typeof v === 'object' && ['rulePriority', 'selection', 'action'].some((k) => k in (v as object));
}

/** A lifecycle policy by its shape: `{"rules": [...]}` with rule-shaped entries. */
function policyShaped(text: string): boolean {
  if (!/"rules"/.test(text)) return false;
  try {
    const v = JSON.parse(text) as { rules?: unknown };
    return Array.isArray(v?.rules) && (v.rules.length === 0 || v.rules.some(isRule));
  } catch {
    return false;
  }
}

function objectHasRules(v: HclValue): boolean {
  if (v.kind !== 'object') return false;
  const rules = v.entries.find((e) => e.key === 'rules')?.value;
  return rules?.kind === 'tuple' && rules.items.some((r) => r.kind === 'object' && r.entries.some((e) => ['rulePriority', 'selection', 'action'].includes(e.key)));
}

function address(block: HclBlock): string {
  return `${block.labels[0] ?? '?'}.${block.labels[1] ?? '?'}`;
}

// ---------------------------------------------------------------- .tf.json

/** `.tf.json`: the JSON syntax of the same configuration; strings are templates (`"${local.p}"`). */
export function hclFileFromJson(hcl: HclParser, file: string, text: string): HclFile {
  const parsed = parseJsonFile(file, text);
  if (parsed.problems.length > 0 || parsed.roots[0]?.kind !== 'map') {
    const p = parsed.problems[0];
    return { file, text, body: { attributes: [], blocks: [] }, problems: [{ offset: p ? offsetOf(text, p.location.line, p.location.column) : 0, code: 'hcl/syntax', message: p?.message ?? 'a .tf.json file is a JSON object' }] };
  }
  const expr = (n: TreeNode): HclExpr => {
    const span = { start: n.start, end: n.end };
    if (n.kind === 'map') return { type: 'object', elems: n.entries.map(([k, v]) => ({ key: { type: 'template', parts: [{ kind: 'literal', text: { text: k, offsets: new Array<number>(k.length + 1).fill(v.start) } }], heredoc: false, ...span }, value: expr(v), start: v.start, end: v.end })), ...span };
    if (n.kind === 'seq') return { type: 'tuple', items: n.items.map(expr), ...span };
    if (typeof n.value === 'string') {
      const mapped = n.mapped!();
      if (!mapped.text.includes('${') && !mapped.text.includes('%{')) return { type: 'template', parts: [{ kind: 'literal', text: mapped }], heredoc: false, ...span };
      const t = hcl.parseTemplate(mapped);
      const parts: TemplatePart[] = 'parts' in t ? t.parts : [{ kind: 'directive', ...span }];
      return { type: 'template', parts, heredoc: false, ...span };
    }
    return { type: 'literal', value: (n.value ?? null) as number | boolean | null, ...span };
  };
  const blocks: HclBlock[] = [];
  const body = (n: TreeNode): HclFile['body'] => ({ attributes: n.entries.map(([k, v]) => ({ name: k, value: expr(v), start: v.start, end: v.end })), blocks: [] });
  for (const [type, v] of parsed.roots[0].entries) {
    if (type === 'locals') {
      for (const m of v.kind === 'seq' ? v.items : [v]) if (m.kind === 'map') blocks.push({ type, labels: [], body: body(m), start: m.start, end: m.end });
    } else if (type === 'variable' || type === 'module') {
      for (const [name, b] of v.entries) blocks.push({ type, labels: [name], body: body(b), start: b.start, end: b.end });
    } else if (type === 'resource' || type === 'data') {
      for (const [rtype, byName] of v.entries) for (const [name, b] of byName.entries) blocks.push({ type, labels: [rtype, name], body: body(b), start: b.start, end: b.end });
    }
  }
  return { file, text, body: { attributes: [], blocks }, problems: [] };
}

function offsetOf(text: string, line = 1, column = 1): number {
  let at = 0;
  for (let l = 1; l < line; l++) at = text.indexOf('\n', at) + 1;
  return at + column - 1;
}

// ---------------------------------------------------------------- module reader

/**
 * The policies in one module directory. `files` are all its `.tf`/`.tf.json` files (their locals
 * and variables are shared); sources are reported only from `report` (all when undefined).
 */
export function terraformModuleSources(
  hcl: HclParser,
  dir: string,
  files: TerraformFileText[],
  readFile: HclHost['readFile'],
  report?: ReadonlySet<string>,
): PolicySourcesResult {
  const texts = new Map<string, string>();
  const problems: InputProblem[] = [];
  const parsed: HclFile[] = [];
  for (const f of files) {
    texts.set(f.file, f.text);
    const h = f.file.endsWith('.json') ? hclFileFromJson(hcl, f.file, f.text) : hcl.parse(f.file, f.text);
    if (h.problems.length > 0) {
      const p = h.problems[0]!;
      if (report === undefined || report.has(f.file)) problems.push({ location: { file: f.file, ...new LineIndex(f.text).position(p.offset) }, code: p.code, message: p.message });
      continue;
    }
    parsed.push(h);
  }
  const host: HclHost = {
    readFile: (path, moduleDir) => {
      const r = readFile(path, moduleDir);
      if ('text' in r) texts.set(r.file, r.text);
      return r;
    },
    reference: (root, steps) => repositoryReference(root, steps),
  };
  const evaluator = new HclEvaluator({ dir, files: parsed }, hcl, host);
  const resources = parsed.flatMap((f) => blocksOf(f.body, 'resource').map((b) => ({ b, file: f.file })));
  // `aws_ecr_repository.x.name` (or `.id`, the same for this resource) when its name is a literal.
  function repositoryReference(root: string, steps: TraversalStep[]): HclValue | undefined {
    if (root !== 'aws_ecr_repository' || steps.length !== 2 || steps[0]!.kind !== 'attr' || steps[1]!.kind !== 'attr') return undefined;
    if (steps[1].name !== 'name' && steps[1].name !== 'id') return undefined;
    const label = steps[0].name;
    const r = resources.find(({ b }) => b.labels[0] === 'aws_ecr_repository' && b.labels[1] === label);
    const name = r && !attribute(r.b.body, 'for_each') && !attribute(r.b.body, 'count') ? attribute(r.b.body, 'name') : undefined;
    return name ? evaluator.evaluate(name.value, r!.file) : undefined;
  }

  const sources: PolicySource[] = [];
  const place = (name: string, holder: Located, v: HclValue, repositoryName?: string, repositoryPrefix?: string): void => {
    const base = { format: 'terraform' as const, name, ...(repositoryName !== undefined ? { repositoryName } : {}), ...(repositoryPrefix !== undefined ? { repositoryPrefix } : {}) };
    if (v.kind === 'string') {
      sources.push(placed(v.file, texts.get(v.file) ?? '', v.at, v.text, base));
      return;
    }
    if (v.kind === 'unknown' && v.tooLarge) {
      const t = texts.get(v.at.file) ?? '';
      problems.push({
        location: { file: v.at.file, ...new LineIndex(t).position(v.at.start) },
        code: 'source/policy-too-long',
        message: `${name}: the policy text cannot be built: ${v.what}, and ECR accepts at most 30,720 characters`,
      });
      return;
    }
    const reason = v.kind === 'unknown' ? v.what : `the value is ${v.kind === 'tuple' ? 'a list' : v.kind === 'object' ? 'an object' : `a ${v.kind}`}, not the policy JSON text`;
    const at = v.kind === 'unknown' ? v.at : holder;
    sources.push({ ...placed(at.file, texts.get(at.file) ?? '', at, undefined, base), unresolvedReason: reason });
  };
  const known = (v: HclValue | undefined): string | undefined => (v?.kind === 'string' ? v.text.text : undefined);

  for (const f of parsed) {
    if (report !== undefined && !report.has(f.file)) continue;
    for (const block of blocksOf(f.body, 'resource')) {
      const kind = POLICY_RESOURCES[block.labels[0] ?? ''];
      if (kind === undefined) continue;
      const attr = attribute(block.body, kind.policy);
      if (attr === undefined) continue;
      const v = evaluator.evaluate(attr.value, f.file);
      const repo = kind.repository ? attribute(block.body, kind.repository) : undefined;
      const prefix = kind.prefix ? attribute(block.body, kind.prefix) : undefined;
      place(address(block), { file: f.file, ...attr }, v, repo ? known(evaluator.evaluate(repo.value, f.file)) : undefined, prefix ? known(evaluator.evaluate(prefix.value, f.file)) : undefined);
    }
    for (const block of blocksOf(f.body, 'module')) {
      const repoAttr = block.body.attributes.find((a) => REPOSITORY_INPUT_NAME.test(a.name));
      for (const a of block.body.attributes) {
        if (a.name === 'source' || a.name === 'version') continue;
        const named = POLICY_INPUT_NAME.test(a.name);
        const v = evaluator.evaluate(a.value, f.file);
        let value: HclValue | undefined;
        if (v.kind === 'string' && (named || policyShaped(v.text.text))) value = v;
        else if (objectHasRules(v)) value = evaluator.evaluate({ type: 'call', name: 'jsonencode', args: [a.value], expandFinal: false, start: a.value.start, end: a.value.end }, f.file);
        else if (named && v.kind !== 'null' && !(v.kind === 'bool')) value = v;
        if (value === undefined) continue;
        const repositoryName = repoAttr ? known(evaluator.evaluate(repoAttr.value, f.file)) : undefined;
        place(`module.${block.labels[0] ?? '?'}.${a.name}`, { file: f.file, ...a }, value, repositoryName);
      }
    }
  }
  return { sources, problems };
}

function placed(file: string, fileText: string, at: Located, text: MappedText | undefined, base: Pick<PolicySource, 'format' | 'name' | 'repositoryName' | 'repositoryPrefix'>): PolicySource {
  const lines = new LineIndex(fileText);
  const start = lines.position(at.start);
  const end = lines.position(at.end);
  const clamp = (o: number): number => Math.min(Math.max(Math.trunc(o), 0), text?.text.length ?? 0);
  const source: PolicySource = {
    file,
    ...base,
    location: { file, line: start.line, column: start.column, endLine: end.line, endColumn: end.column },
    pointerPrefix: '',
    mapOffset: (o) => (text === undefined ? { ...start } : lines.position(text.offsets[clamp(o)]!)),
    mapSpanEnd: (a, b) => (text === undefined ? { ...end } : lines.position(spanEndOffset(text, clamp(a), clamp(b)))),
  };
  if (text !== undefined) source.policyText = text.text;
  return source;
}
