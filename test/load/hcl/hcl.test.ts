import { describe, expect, it } from 'vitest';
import { attribute, blocksOf, HclEvaluator, loadHcl, type HclHost, type HclValue } from '../../../src/load/hcl/index.js';
import { LineIndex } from '../../../src/load/sources/positions.js';

// The HCL layer: parsing with positions, and static evaluation of each construct lint reads.

const files: Record<string, string> = {};
const host: HclHost = {
  readFile: (path) => {
    const name = path.replace(/^\.\//, '');
    return files[name] !== undefined ? { file: name, text: files[name]! } : { error: 'no such file' };
  },
};

async function evalAttr(text: string, name = 'x', extra: Record<string, string> = {}): Promise<{ value: HclValue; text: string }> {
  Object.assign(files, extra);
  const hcl = await loadHcl();
  const file = hcl.parse('main.tf', text);
  expect(file.problems).toEqual([]);
  const locals = blocksOf(file.body, 'locals')[0]!;
  const ev = new HclEvaluator({ dir: '.', files: [file] }, hcl, host);
  return { value: ev.evaluate(attribute(locals.body, name)!.value, 'main.tf'), text };
}

function str(v: HclValue): string {
  if (v.kind !== 'string') throw new Error(`not a string: ${JSON.stringify(v.kind === 'unknown' ? v.what : v.kind)}`);
  return v.text.text;
}

/** line:column where character `i` of a string value sits in `source`. */
function posOf(v: HclValue, i: number, source: string): string {
  if (v.kind !== 'string') throw new Error('not a string');
  const p = new LineIndex(source).position(v.text.offsets[i]!);
  return `${p.line}:${p.column}`;
}

describe('HCL parsing', () => {
  it('reports the first syntax error with its offset', async () => {
    const hcl = await loadHcl();
    const f = hcl.parse('bad.tf', 'locals {\n  a = "x"\n  b = [1,\n}\n');
    expect(f.problems).toHaveLength(1);
    expect(f.problems[0]!.code).toBe('hcl/syntax');
    expect(new LineIndex(f.file).position(0).line).toBe(1);
  });

  it('refuses nesting deeper than the limit instead of exhausting the stack', async () => {
    const hcl = await loadHcl();
    const f = hcl.parse('deep.tf', `locals {\n  a = ${'['.repeat(5000)}${']'.repeat(5000)}\n}\n`);
    expect(f.problems.map((p) => p.code)).toEqual(['hcl/too-deep']);
  });

  it('keeps block types and labels', async () => {
    const hcl = await loadHcl();
    const f = hcl.parse('m.tf', 'resource "aws_ecr_lifecycle_policy" "api" {\n  repository = "api"\n}\n');
    expect(f.body.blocks.map((b) => [b.type, b.labels])).toEqual([['resource', ['aws_ecr_lifecycle_policy', 'api']]]);
  });
});

describe('HCL evaluation', () => {
  it('string literals with escapes, positions per character', async () => {
    const src = 'locals {\n  x = "a\\"b\\u00e9"\n}\n';
    const { value } = await evalAttr(src);
    expect(str(value)).toBe('a"bé');
    expect(posOf(value, 2, src)).toBe('2:11');
  });

  it('heredocs, <<EOF and <<-EOF (indentation removed)', async () => {
    const src = 'locals {\n  x = <<-EOF\n    {\n      "rules": []\n    }\n  EOF\n}\n';
    const { value } = await evalAttr(src);
    expect(str(value)).toBe('{\n  "rules": []\n}\n');
    expect(posOf(value, 4, src)).toBe('4:7');
    const plain = await evalAttr('locals {\n  x = <<EOF\n  a $${b}\nEOF\n}\n');
    expect(str(plain.value)).toBe('  a ${b}\n');
  });

  it('jsonencode of nested object and tuple literals, with = and :, keys sorted as Terraform does', async () => {
    const src = 'locals {\n  x = jsonencode({\n    rules = [{\n      rulePriority = 1\n      "selection": { tagStatus = "any", countType = "imageCountMoreThan", countNumber = 10 }\n    }]\n  })\n}\n';
    const { value } = await evalAttr(src);
    expect(str(value)).toBe('{"rules":[{"rulePriority":1,"selection":{"countNumber":10,"countType":"imageCountMoreThan","tagStatus":"any"}}]}');
    // countNumber's value points at its attribute, `countNumber = 10`.
    const i = str(value).indexOf('10,');
    expect(posOf(value, i, src)).toBe(`5:${src.split('\n')[4]!.indexOf('countNumber') + 1}`);
  });

  it('jsonencode escapes as Go does', async () => {
    const { value } = await evalAttr('locals {\n  x = jsonencode({ d = "<a & b>" })\n}\n');
    expect(str(value)).toBe('{"d":"\\u003ca \\u0026 b\\u003e"}');
  });

  it('local references, variable defaults and interpolation', async () => {
    const src = 'variable "keep" {\n  default = 5\n}\nlocals {\n  p = "v"\n  x = "${local.p}-${var.keep}"\n}\n';
    expect(str((await evalAttr(src)).value)).toBe('v-5');
  });

  it('file() and templatefile() relative to path.module, with literal variables', async () => {
    const { value } = await evalAttr('locals {\n  x = file("${path.module}/policy.json")\n}\n', 'x', { 'policy.json': '{"rules":[]}' });
    expect(value.kind === 'string' && value.file).toBe('policy.json');
    expect(str(value)).toBe('{"rules":[]}');
    const t = await evalAttr('locals {\n  x = templatefile("p.tpl", { n = 3, tag = "prod" })\n}\n', 'x', { 'p.tpl': '{"n": ${n}, "t": "${tag}"}\n' });
    expect(str(t.value)).toBe('{"n": 3, "t": "prod"}\n');
    expect(t.value.kind === 'string' && t.value.file).toBe('p.tpl');
  });

  it.each([
    ['variable "p" {}\nlocals {\n  x = var.p\n}\n', 'var.p has no default'],
    ['locals {\n  x = data.aws_ecr_lifecycle_policy_document.p.json\n}\n', 'data.aws_ecr_lifecycle_policy_document.p.json is read from the provider at plan time'],
    ['locals {\n  x = lookup(local.m, "a")\n}\n', 'the function lookup() is not evaluated statically'],
    ['locals {\n  x = var.a ? "a" : "b"\n}\n', 'a conditional expression is not evaluated statically'],
    ['locals {\n  x = local.x\n}\n', 'local.x refers to itself'],
    ['locals {\n  x = local.nope\n}\n', 'local.nope is not defined in this module'],
    ['locals {\n  x = module.ecr.policy\n}\n', "module.ecr.policy is another module's output"],
    ['locals {\n  x = "%{ if true }a%{ endif }"\n}\n', 'a template directive'],
    ['locals {\n  x = file("missing.json")\n}\n', 'file("missing.json"): no such file'],
  ])('unknown, naming what: %s', async (src, what) => {
    const { value } = await evalAttr(src);
    expect(value.kind).toBe('unknown');
    expect(value.kind === 'unknown' && value.what).toContain(what);
  });

  it('bounds expansion: doubling locals stop at the character budget', async () => {
    const lines = ['a0 = "xxxxxxxxxxxxxxxx"', ...Array.from({ length: 40 }, (_, i) => `a${i + 1} = "\${local.a${i}}\${local.a${i}}"`)];
    const { value } = await evalAttr(`locals {\n${lines.join('\n')}\n}\n`, 'a40');
    expect(value.kind === 'unknown' && value.tooLarge).toBe(true);
  });
});
