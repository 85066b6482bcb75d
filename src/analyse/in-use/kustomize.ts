import { posix } from 'node:path';
import type { UseOrigin } from '../../model/in-use.js';
import { formatObjectPath, isRecord, type ImageOverride, type UseCollector } from './common.js';
import type { PathSegment, StructuredDocument } from './document.js';

// Kustomize: `kustomization.yaml` `images:` entries (`name`, `newName`, `newTag`, `digest`) override the
// images of the resources it lists. What runs is the override: once every file is read, each image of
// those resources whose name matches is replaced by it (applyOverrides); an override that matches
// nothing read is a use of its own when it names a tag or digest.

export function isKustomizationName(base: string): boolean {
  return /^kustomization\.ya?ml$/i.test(base) || base === 'Kustomization';
}

export function collectKustomization(doc: StructuredDocument, out: UseCollector): boolean {
  const value = doc.value;
  if (!isRecord(value)) return false;
  const dir = posix.dirname(doc.file.split('\\').join('/'));
  const scope = [dir];
  for (const key of ['resources', 'bases', 'components']) {
    const list = value[key];
    if (!Array.isArray(list)) continue;
    // Remote resources (URLs, git) are not in the tree: nothing read is under them.
    for (const r of list) if (typeof r === 'string' && !/^[a-z]+:\/\/|^git@|^github\.com\//.test(r)) scope.push(posix.normalize(posix.join(dir, r)));
  }
  const images: ImageOverride[] = [];
  if (Array.isArray(value.images)) {
    value.images.forEach((entry, i) => {
      if (!isRecord(entry) || typeof entry.name !== 'string') return;
      const path: PathSegment[] = ['images', i];
      const origin: UseOrigin = { format: 'kustomize', file: doc.file, ...doc.locate([...path, 'name']), path: formatObjectPath(path) };
      images.push(overrideOf(entry.name, entry.newName, tagText(doc, entry.newTag, [...path, 'newTag']), entry.digest, origin));
    });
  }
  out.links.kustomizations.push({ file: doc.file, scope, images });
  return true;
}

export function overrideOf(name: string, newName: unknown, newTag: unknown, digest: unknown, origin: UseOrigin): ImageOverride {
  const o: ImageOverride = { name, origin };
  if (typeof newName === 'string' && newName !== '') o.newName = newName;
  if (typeof newTag === 'string' && newTag !== '') o.newTag = newTag;
  if (typeof digest === 'string' && digest !== '') o.digest = digest;
  return o;
}

/** `newTag: 1.10` is the tag `1.10` (YAML reads a number). */
function tagText(doc: StructuredDocument, value: unknown, path: PathSegment[]): unknown {
  return typeof value === 'number' ? (doc.source?.(path) ?? String(value)) : value;
}

/** The image name a kustomize `name` matches: the reference without tag and digest. */
export function imageNameOf(raw: string): string {
  const at = raw.indexOf('@');
  const noDigest = at === -1 ? raw : raw.slice(0, at);
  const colon = noDigest.lastIndexOf(':');
  return colon > noDigest.lastIndexOf('/') ? noDigest.slice(0, colon) : noDigest;
}

/** The reference an override makes of `raw` (what kustomize writes into the resource). */
export function applyOverride(o: ImageOverride, raw: string): string {
  const name = o.newName ?? imageNameOf(raw);
  if (o.digest !== undefined) return `${name}@${o.digest}`;
  if (o.newTag !== undefined) return `${name}:${o.newTag}`;
  return name + raw.slice(imageNameOf(raw).length);
}

/** An override on its own (nothing read matched it): a use when it says the tag or digest. */
export function standaloneOverride(o: ImageOverride): string | undefined {
  const name = o.newName ?? o.name;
  if (o.digest !== undefined) return `${name}@${o.digest}`;
  if (o.newTag !== undefined) return `${name}:${o.newTag}`;
  return undefined;
}

/** Whether `file` is `scope` or under it. */
export function inScope(file: string, scope: string): boolean {
  const f = posix.normalize(file.split('\\').join('/'));
  return f === scope || f.startsWith(scope.endsWith('/') ? scope : `${scope}/`) || scope === '.';
}
