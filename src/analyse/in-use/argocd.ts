import type { UseOrigin } from '../../model/in-use.js';
import { formatObjectPath, isRecord, type UseCollector } from './common.js';
import { collectHelmValues } from './helm-values.js';
import type { PathSegment, StructuredDocument } from './document.js';
import { overrideOf } from './kustomize.js';
import { yamlLibrary } from '../../load/yaml-library.js';

// Argo CD Applications (and ApplicationSet templates): `source(s).kustomize.images` overrides
// (`name=newName:tag`, `name:tag`, `name@digest`), and Helm image fields in `helm.parameters`
// (`image.repository`, `image.tag`...), `helm.valuesObject` and the `helm.values` string. The chart
// or kustomization they point at lives in Git, not here: overrides are uses when they name a tag.

export function looksLikeArgoApplication(value: unknown): boolean {
  return isRecord(value) && typeof value.apiVersion === 'string' && value.apiVersion.startsWith('argoproj.io/') && (value.kind === 'Application' || value.kind === 'ApplicationSet');
}

export function collectArgoApplication(doc: StructuredDocument, out: UseCollector): boolean {
  const value = doc.value;
  if (!looksLikeArgoApplication(value) || !isRecord(value)) return false;
  const specPath: PathSegment[] = value.kind === 'ApplicationSet' ? ['spec', 'template', 'spec'] : ['spec'];
  let spec: unknown = value;
  for (const k of specPath) spec = isRecord(spec) ? spec[k] : undefined;
  if (!isRecord(spec)) return true;
  const sources: Array<{ source: unknown; path: PathSegment[] }> = [];
  if (spec.source !== undefined) sources.push({ source: spec.source, path: [...specPath, 'source'] });
  if (Array.isArray(spec.sources)) spec.sources.forEach((s, i) => sources.push({ source: s, path: [...specPath, 'sources', i] }));
  for (const { source, path } of sources) {
    if (!isRecord(source)) continue;
    const kustomize = source.kustomize;
    if (isRecord(kustomize) && Array.isArray(kustomize.images)) {
      kustomize.images.forEach((entry, i) => {
        if (typeof entry !== 'string') return;
        const at = [...path, 'kustomize', 'images', i];
        const origin: UseOrigin = { format: 'argocd', file: doc.file, ...doc.locate(at), path: formatObjectPath(at) };
        out.links.kustomizations.push({ file: doc.file, scope: [], images: [parseArgoImage(entry, origin)] });
      });
    }
    const helm = source.helm;
    if (!isRecord(helm)) continue;
    if (Array.isArray(helm.parameters)) {
      // `--set`-style names: `image.tag` -> { image: { tag } }, located at the parameter list.
      const values: Record<string, unknown> = {};
      for (const p of helm.parameters) {
        if (!isRecord(p) || typeof p.name !== 'string' || p.value === undefined) continue;
        const keys = p.name.split('.');
        let cur = values;
        keys.slice(0, -1).forEach((k) => (cur = isRecord(cur[k]) ? (cur[k] as Record<string, unknown>) : (cur[k] = {})));
        cur[keys[keys.length - 1]!] = String(p.value);
      }
      const at = [...path, 'helm', 'parameters'];
      collectHelmValues(fixedAt(doc, at), out, 'argocd', at, values);
    }
    if (isRecord(helm.valuesObject)) collectHelmValues(doc, out, 'argocd', [...path, 'helm', 'valuesObject'], helm.valuesObject);
    if (typeof helm.values === 'string' && helm.values.length <= 1_000_000) {
      const at = [...path, 'helm', 'values'];
      const inner = embeddedYaml(doc, at, helm.values);
      if (inner) collectHelmValues(inner, out, 'argocd', at, inner.value);
    }
  }
  return true;
}

/**
 * The `helm.values` string as a document located in the file: a block scalar (`values: |`) starts on
 * the next line, so its line n is the field's line + n. Columns are those inside the string.
 */
function embeddedYaml(doc: StructuredDocument, at: PathSegment[], text: string): StructuredDocument | undefined {
  const { parseDocument, LineCounter, isNode } = yamlLibrary();
  const lineCounter = new LineCounter();
  let inner;
  let value: unknown;
  try {
    inner = parseDocument(text, { lineCounter, uniqueKeys: false });
    if (inner.errors.length > 0) return undefined;
    value = inner.toJS({ maxAliasCount: 100 });
  } catch {
    return undefined;
  }
  const field = doc.locate(at);
  const block = text.includes('\n');
  return {
    file: doc.file,
    value,
    start: field ?? { line: 1, column: 1 },
    locate: (path) => {
      const node = inner.getIn(path.slice(at.length), true);
      if (!field || !isNode(node) || !node.range) return field;
      const p = lineCounter.linePos(node.range[0]);
      return { line: field.line + (block ? p.line : p.line - 1), column: p.col };
    },
  };
}

/** A view of `doc` whose every path is located at one field (values built from, or embedded in, it). */
function fixedAt(doc: StructuredDocument, at: PathSegment[]): StructuredDocument {
  const pos = doc.locate(at);
  return { ...doc, locate: () => pos, source: () => undefined };
}

function parseArgoImage(entry: string, origin: UseOrigin) {
  const eq = entry.indexOf('=');
  const name = eq === -1 ? undefined : entry.slice(0, eq);
  const target = eq === -1 ? entry : entry.slice(eq + 1);
  const at = target.indexOf('@');
  const base = at === -1 ? target : target.slice(0, at);
  const digest = at === -1 ? undefined : target.slice(at + 1);
  const colon = base.lastIndexOf(':');
  const hasTag = colon > base.lastIndexOf('/');
  const newName = hasTag ? base.slice(0, colon) : base;
  const tag = hasTag ? base.slice(colon + 1) : undefined;
  return overrideOf(name ?? newName, name === undefined ? undefined : newName, tag, digest, origin);
}
