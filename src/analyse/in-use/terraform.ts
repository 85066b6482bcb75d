import { posix } from 'node:path';
import { parseTree, findNodeAtLocation, type Node as JsonNode } from 'jsonc-parser';
import type { UseOrigin } from '../../model/in-use.js';
import { attribute, blocksOf, HclEvaluator, type HclBlock, type HclFile, type HclParser, type HclValue, type Located } from '../../load/hcl/index.js';
import { LineIndex } from '../../load/sources/positions.js';
import { UseCollector, excerpt, type InUseParseResult, type ReadContext } from './common.js';

// Terraform `.tf` files, read with the HCL layer lint uses (src/load/hcl): the images of
// `aws_ecs_task_definition.container_definitions` (jsonencode of a list, a heredoc, or a JSON string)
// and `aws_lambda_function.image_uri`. Each directory is one module (its locals and variable defaults are
// shared); what the module alone does not determine (a variable without default, a data source, a
// resource attribute, file()) is an unresolvable use at the expression.

export interface TerraformText {
  file: string;
  text: string;
}

/** The uses of the `.tf` files given (all directories at once); one collector per run. */
export async function collectTerraform(files: readonly TerraformText[], context: ReadContext): Promise<InUseParseResult> {
  const out = new UseCollector(context);
  if (files.length === 0) return out.result();
  const { loadHcl } = await import('../../load/hcl/index.js');
  const hcl = await loadHcl();
  const byDir = new Map<string, TerraformText[]>();
  for (const f of files) {
    const dir = posix.dirname(f.file.split('\\').join('/'));
    byDir.set(dir, [...(byDir.get(dir) ?? []), f]);
  }
  for (const [dir, list] of [...byDir].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) readModule(hcl, dir, list, out);
  return out.result();
}

function readModule(hcl: HclParser, dir: string, files: TerraformText[], out: UseCollector): void {
  const texts = new Map(files.map((f) => [f.file, f.text]));
  const lines = new Map<string, LineIndex>();
  const pos = (file: string, offset: number) => {
    let index = lines.get(file);
    if (!index) lines.set(file, (index = new LineIndex(texts.get(file) ?? '')));
    return index.position(offset);
  };
  const parsed: HclFile[] = [];
  for (const f of files) {
    const h = hcl.parse(f.file, f.text);
    const problem = h.problems[0];
    if (problem) out.problem({ file: f.file, ...pos(f.file, problem.offset) }, problem.code, problem.message);
    else parsed.push(h);
  }
  // file() and templatefile() are not followed: --in-use reads what it is given, and says what it could not.
  const evaluator = new HclEvaluator({ dir, files: parsed }, hcl, { readFile: () => ({ error: 'files read by file() are not followed by --in-use' }) });
  const originAt = (at: Located, path: string): UseOrigin => ({ format: 'terraform', file: at.file, ...pos(at.file, at.start), path });

  const add = (v: HclValue, path: string) => {
    if (v.kind === 'string') out.add(v.text.text, 'runtime', originAt(v.at, path));
    else if (v.kind === 'unknown') out.unresolved(originAt(v.at, path), expressionText(texts, v.at), v.what);
    else if (v.kind !== 'null') out.problem({ file: v.at.file, ...pos(v.at.file, v.at.start) }, 'in-use/invalid-reference', 'image is not a string', { found: `a ${v.kind}` });
  };

  for (const f of parsed) {
    for (const block of blocksOf(f.body, 'resource')) {
      const address = `${block.labels[0] ?? '?'}.${block.labels[1] ?? '?'}`;
      if (block.labels[0] === 'aws_lambda_function') {
        const attr = attribute(block.body, 'image_uri');
        if (attr) add(evaluator.evaluate(attr.value, f.file), `${address}.image_uri`);
      } else if (block.labels[0] === 'aws_ecs_task_definition') {
        readContainerDefinitions(block, f, evaluator, address, add, out, originAt, pos);
      }
    }
  }
}

function readContainerDefinitions(
  block: HclBlock,
  f: HclFile,
  evaluator: HclEvaluator,
  address: string,
  add: (v: HclValue, path: string) => void,
  out: UseCollector,
  originAt: (at: Located, path: string) => UseOrigin,
  pos: (file: string, offset: number) => { line: number; column: number },
): void {
  const attr = attribute(block.body, 'container_definitions');
  if (!attr) return;
  const base = `${address}.container_definitions`;
  // jsonencode([...]): the list itself, each image located at its own expression.
  if (attr.value.type === 'call' && attr.value.name === 'jsonencode' && attr.value.args.length === 1) {
    const list = evaluator.evaluate(attr.value.args[0]!, f.file);
    if (list.kind === 'tuple') {
      list.items.forEach((c, i) => {
        if (c.kind !== 'object') return;
        const image = c.entries.find((e) => e.key === 'image');
        if (image) add(image.value, `${base}[${i}].image`);
      });
      return;
    }
    if (list.kind === 'unknown') add(list, base);
    return;
  }
  // A heredoc or JSON string: parsed, each image located through the string's offsets.
  const v = evaluator.evaluate(attr.value, f.file);
  if (v.kind !== 'string') {
    add(v, base);
    return;
  }
  const tree: JsonNode | undefined = parseTree(v.text.text);
  if (!tree || tree.type !== 'array') {
    out.problem({ file: v.at.file, ...pos(v.at.file, v.at.start) }, 'in-use/invalid-reference', 'container_definitions is not a JSON list of container definitions');
    return;
  }
  (tree.children ?? []).forEach((_, i) => {
    const node = findNodeAtLocation(tree, [i, 'image']);
    if (!node) return;
    const at = v.text.offsets[node.offset + (node.type === 'string' ? 1 : 0)] ?? v.at.start;
    const located: Located = { file: v.file, start: at, end: at };
    if (typeof node.value === 'string') out.add(node.value, 'runtime', originAt(located, `${base}[${i}].image`));
  });
}

/** The expression as written, for an unresolvable use's excerpt. */
function expressionText(texts: ReadonlyMap<string, string>, at: Located): string {
  return (texts.get(at.file) ?? '').slice(at.start, Math.min(at.end, at.start + 200)) || excerpt('');
}
