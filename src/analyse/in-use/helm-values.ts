import type { UseSourceFormat } from '../../model/in-use.js';
import { formatObjectPath, isRecord, type UseCollector } from './common.js';
import type { PathSegment, StructuredDocument } from './document.js';

// Helm values files: the conventions charts use for images, wherever they nest (per component:
// `api.image`, `images.worker`, `controller.image`):
// - `image: repo:tag` (a string under a key naming an image);
// - `image: { repository, tag | digest }`, with `registry` in front when given;
// - `image: { account, region, domain?, repository | name, tag }`: the EKS add-on charts' split of
//   an ECR host (`<account>.dkr.ecr.<region>.<domain>`).
// A use is located at its repository field. A tag left empty is the chart's appVersion: not in the
// values, so the use is unresolvable (render with `helm template` to know it).

export function isValuesName(base: string): boolean {
  return /^(?:[\w.-]+[.-])?values(?:[.-][\w.-]+)?\.ya?ml$/i.test(base);
}

/** Key names that hold an image. */
const IMAGE_KEY = /image$/i;

export function collectHelmValues(doc: StructuredDocument, out: UseCollector, format: Exclude<UseSourceFormat, 'recent-pull'> = 'helm-values', root: PathSegment[] = [], value: unknown = doc.value): boolean {
  if (!isRecord(value)) return false;
  walk(doc, out, format, value, root, undefined);
  return true;
}

function walk(doc: StructuredDocument, out: UseCollector, format: Exclude<UseSourceFormat, 'recent-pull'>, node: unknown, path: PathSegment[], parentKey: string | undefined): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => walk(doc, out, format, item, [...path, i], parentKey));
    return;
  }
  if (!isRecord(node)) return;
  const key = typeof path[path.length - 1] === 'string' ? (path[path.length - 1] as string) : parentKey;
  if (isImageSpec(node, key, parentKey)) {
    readSpec(doc, out, format, node, path);
    return;
  }
  for (const [k, v] of Object.entries(node)) {
    const here = [...path, k];
    if (typeof v === 'string' && IMAGE_KEY.test(k) && v.trim() !== '') {
      add(doc, out, format, v, here);
    } else {
      walk(doc, out, format, v, here, key);
    }
  }
}

/** A mapping with a repository (or name) string, under a key naming an image, or with a tag or digest. */
function isImageSpec(node: Record<string, unknown>, key: string | undefined, parentKey: string | undefined): boolean {
  // The EKS add-on charts: `{ account, region, tag }` or an `override` reference, the name in the templates.
  if (key !== undefined && IMAGE_KEY.test(key) && (typeof node.override === 'string' || ('account' in node && 'region' in node))) return true;
  const repo = node.repository ?? node.name;
  if (typeof repo !== 'string') return false;
  if (typeof node.repository === 'string' && ('tag' in node || 'digest' in node || 'registry' in node)) return true;
  return (key !== undefined && IMAGE_KEY.test(key)) || (parentKey !== undefined && /images$/i.test(parentKey) && 'tag' in node);
}

function readSpec(doc: StructuredDocument, out: UseCollector, format: Exclude<UseSourceFormat, 'recent-pull'>, spec: Record<string, unknown>, path: PathSegment[]): void {
  if (typeof spec.override === 'string' && spec.override.trim() !== '') {
    add(doc, out, format, spec.override.trim(), [...path, 'override']);
    return;
  }
  const repoKey = typeof spec.repository === 'string' ? 'repository' : typeof spec.name === 'string' ? 'name' : undefined;
  if (repoKey === undefined) {
    const pos = doc.locate(path);
    out.unresolved({ format, file: doc.file, ...pos, path: formatObjectPath(path) }, registryOf(spec) ?? 'image', 'the repository name is written in the chart\'s templates, not in the values (pass `helm template` output)');
    return;
  }
  const repository = (spec[repoKey] as string).trim();
  if (repository === '') return; // a component switched off, or filled in elsewhere
  const registry = registryOf(spec);
  const name = registry && !repository.startsWith(`${registry}/`) ? `${registry}/${repository}` : repository;
  const tag = scalarText(doc, spec.tag, [...path, 'tag']);
  const digest = typeof spec.digest === 'string' && spec.digest.trim() !== '' ? spec.digest.trim() : undefined;
  const repoPath = [...path, repoKey];
  if (digest !== undefined) add(doc, out, format, `${name}@${digest}`, repoPath);
  else if (tag !== undefined) add(doc, out, format, `${name}:${tag}`, repoPath);
  else if (/[:@]/.test(name.slice(name.lastIndexOf('/') + 1))) add(doc, out, format, name, repoPath);
  else {
    const pos = doc.locate(repoPath);
    out.unresolved({ format, file: doc.file, ...pos, path: formatObjectPath(repoPath) }, name, "no tag in the values: the chart's appVersion decides (pass `helm template` output to know it)");
  }
}

function registryOf(spec: Record<string, unknown>): string | undefined {
  if (typeof spec.registry === 'string' && spec.registry.trim() !== '') return spec.registry.trim();
  const account = spec.account;
  const region = spec.region;
  if ((typeof account === 'string' || typeof account === 'number') && typeof region === 'string') {
    const domain = typeof spec.domain === 'string' && spec.domain !== '' ? spec.domain : 'amazonaws.com';
    const endpoint = typeof spec.endpoint === 'string' && spec.endpoint !== '' ? spec.endpoint : 'ecr';
    return `${String(account)}.dkr.${endpoint}.${region}.${domain}`;
  }
  return undefined;
}

/** A tag as written: YAML reads `1.10` as a number, the source keeps it. Empty means not set. */
function scalarText(doc: StructuredDocument, value: unknown, path: PathSegment[]): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number') return doc.source?.(path) ?? String(value);
  return undefined;
}

function add(doc: StructuredDocument, out: UseCollector, format: Exclude<UseSourceFormat, 'recent-pull'>, raw: string, path: PathSegment[]): void {
  const pos = doc.locate(path);
  out.add(raw, 'runtime', { format, file: doc.file, ...pos, path: formatObjectPath(path) });
}
