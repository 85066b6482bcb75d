import type { UseOrigin } from '../../model/in-use.js';
import { formatObjectPath, isRecord, type UseCollector } from './common.js';
import type { PathSegment, StructuredDocument } from './document.js';

// CloudFormation, SAM and CDK synth output (JSON or YAML, short forms read as long forms): the images
// of ECS task definitions, Lambda and SAM functions, App Runner services and Batch job definitions.
// `Fn::Sub` of the pseudo parameters `${AWS::AccountId}` and `${AWS::Region}` resolves against the
// snapshot's registry when there is exactly one; `Ref`, `Fn::GetAtt`, `Fn::ImportValue`, other `${X}`
// and anything else decided at deploy time are unresolvable uses.

export function looksLikeCloudFormation(value: unknown): boolean {
  if (!isRecord(value) || !isRecord(value.Resources)) return false;
  return 'AWSTemplateFormatVersion' in value || Object.values(value.Resources).some((r) => isRecord(r) && typeof r.Type === 'string' && r.Type.includes('::'));
}

/** Where each resource type keeps its images: paths under `Properties`, `*` for every list item. */
const IMAGE_PATHS: Record<string, ReadonlyArray<readonly string[]>> = {
  'AWS::ECS::TaskDefinition': [['ContainerDefinitions', '*', 'Image']],
  'AWS::Lambda::Function': [['Code', 'ImageUri']],
  'AWS::Serverless::Function': [['ImageUri']],
  'AWS::AppRunner::Service': [['SourceConfiguration', 'ImageRepository', 'ImageIdentifier']],
  'AWS::Batch::JobDefinition': [
    ['ContainerProperties', 'Image'],
    ['EcsProperties', 'TaskProperties', '*', 'Containers', '*', 'Image'],
    ['NodeProperties', 'NodeRangeProperties', '*', 'Container', 'Image'],
    ['EksProperties', 'PodProperties', 'Containers', '*', 'Image'],
  ],
};

export function collectCloudFormation(doc: StructuredDocument, out: UseCollector): boolean {
  const value = doc.value;
  if (!looksLikeCloudFormation(value) || !isRecord(value)) return false;
  const resources = value.Resources as Record<string, unknown>;
  for (const [id, resource] of Object.entries(resources)) {
    if (!isRecord(resource) || typeof resource.Type !== 'string') continue;
    for (const path of IMAGE_PATHS[resource.Type] ?? []) {
      visit(resource.Properties, path, ['Resources', id, 'Properties'], (v, at) => readImage(doc, out, v, at, `${id}: `));
    }
  }
  // SAM: an image in Globals applies to every function without its own.
  const globals = value.Globals;
  if (isRecord(globals) && isRecord(globals.Function) && globals.Function.ImageUri !== undefined) {
    readImage(doc, out, globals.Function.ImageUri, ['Globals', 'Function', 'ImageUri'], '');
  }
  return true;
}

function visit(node: unknown, rest: readonly string[], at: PathSegment[], fn: (value: unknown, at: PathSegment[]) => void): void {
  if (rest.length === 0) {
    if (node !== undefined) fn(node, at);
    return;
  }
  const [head, ...tail] = rest as [string, ...string[]];
  if (head === '*') {
    if (Array.isArray(node)) node.forEach((item, i) => visit(item, tail, [...at, i], fn));
  } else if (isRecord(node)) {
    visit(node[head], tail, [...at, head], fn);
  }
}

function readImage(doc: StructuredDocument, out: UseCollector, value: unknown, at: PathSegment[], label: string): void {
  const origin: UseOrigin = { format: 'cloudformation', file: doc.file, ...doc.locate(at), path: label + formatObjectPath(at) };
  const resolved = resolve(value, out.context.registry ?? {});
  if ('text' in resolved) out.add(resolved.text, 'runtime', origin);
  else out.unresolved(origin, resolved.shown, resolved.why);
}

type Resolution = { text: string } | { shown: string; why: string };

const DEPLOY_TIME: Record<string, string> = {
  Ref: 'a parameter or resource known at deploy time',
  'Fn::GetAtt': 'an attribute of a resource that exists only after deployment',
  'Fn::ImportValue': "another stack's export, read at deploy time",
  'Fn::If': 'chosen by a condition evaluated at deploy time',
  'Fn::FindInMap': 'a mapping looked up at deploy time',
  'Fn::Select': 'selected from a list at deploy time',
};

function resolve(value: unknown, registry: { registryId?: string; region?: string }, depth = 0): Resolution {
  if (typeof value === 'string') return { text: value };
  if (depth > 8) return { shown: 'intrinsic functions', why: 'nested too deeply to resolve' };
  if (isRecord(value) && Object.keys(value).length === 1) {
    const [name, arg] = Object.entries(value)[0]!;
    if (name === 'Fn::Sub') {
      const template = Array.isArray(arg) ? arg[0] : arg;
      const vars = Array.isArray(arg) && isRecord(arg[1]) ? arg[1] : {};
      if (typeof template === 'string') return substitute(template, vars, registry, depth);
    }
    if (name === 'Fn::Join' && Array.isArray(arg) && typeof arg[0] === 'string' && Array.isArray(arg[1])) {
      const parts: string[] = [];
      for (const p of arg[1]) {
        const r = resolve(p, registry, depth + 1);
        if (!('text' in r)) return r;
        parts.push(r.text);
      }
      return { text: parts.join(arg[0]) };
    }
    if (name === 'Ref' && typeof arg === 'string' && arg.startsWith('AWS::')) {
      const pseudo = pseudoParameter(arg, registry);
      if (pseudo !== undefined) return { text: pseudo };
      return { shown: `!Ref ${arg}`, why: `${arg} is the stack's, known here only from a snapshot of one registry (none given)` };
    }
    const shown = name === 'Ref' && typeof arg === 'string' ? `!Ref ${arg}` : name;
    return { shown, why: DEPLOY_TIME[name] ?? `${name} is evaluated at deploy time` };
  }
  return { shown: Array.isArray(value) ? 'a list' : typeof value, why: 'not an image reference string' };
}

/** `AWS::AccountId` and `AWS::Region` from the snapshot's registry; the URL suffix and partition from its region. */
function pseudoParameter(name: string, registry: { registryId?: string; region?: string }): string | undefined {
  const china = registry.region?.startsWith('cn-') ?? false;
  switch (name) {
    case 'AWS::AccountId':
      return registry.registryId;
    case 'AWS::Region':
      return registry.region;
    case 'AWS::URLSuffix':
      return china ? 'amazonaws.com.cn' : 'amazonaws.com';
    case 'AWS::Partition':
      return china ? 'aws-cn' : 'aws';
    default:
      return undefined;
  }
}

/** Fn::Sub: pseudo parameters from the snapshot's registry; `${!Literal}` stays literal. */
function substitute(template: string, vars: Record<string, unknown>, registry: { registryId?: string; region?: string }, depth: number): Resolution {
  let failed: Resolution | undefined;
  const text = template.replace(/\$\{([^}]*)\}/g, (whole, name: string) => {
    if (failed) return whole;
    if (name.startsWith('!')) return `\${${name.slice(1)}}`;
    if (name in vars) {
      const r = resolve(vars[name], registry, depth + 1);
      if ('text' in r) return r.text;
      failed = r;
      return whole;
    }
    const v = pseudoParameter(name, registry);
    if (v !== undefined) return v;
    failed = {
      shown: template,
      why: name.startsWith('AWS::')
        ? `${name} is the stack's, known here only from a snapshot of one registry (none given)`
        : `\${${name}} is a parameter or resource known at deploy time`,
    };
    return whole;
  });
  return failed ?? { text };
}
