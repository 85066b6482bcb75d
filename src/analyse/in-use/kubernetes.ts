import { forEachEntry, getPath, isRecord, type UseCollector } from './common.js';
import { addReferenceAt, type PathSegment, type StructuredDocument } from './document.js';

// Kubernetes: workload manifests (YAML or JSON, multi-document) and `kubectl get ... -o json`
// lists. Images come from pod specs; for Pods, `status.*ContainerStatuses[].imageID` also gives
// the digest the kubelet actually pulled.

/** Where each workload kind keeps its pod spec. Other kinds are ignored. */
const POD_SPEC_PATH: Record<string, readonly string[]> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'] as const;
const STATUS_LISTS = ['containerStatuses', 'initContainerStatuses', 'ephemeralContainerStatuses'] as const;

/** `docker-pullable://`, `docker://`, `containerd://`...: runtime prefixes in front of an imageID. */
const RUNTIME_PREFIX = /^[a-z][a-z0-9+.-]*:\/\//;
/** A bare image (config) id is not a registry reference: nothing to resolve. */
const BARE_IMAGE_ID = /^sha256:[a-f0-9]{64}$/;

/** A Kubernetes object: `apiVersion` and `kind` strings. */
export function isKubernetesDocument(value: unknown): value is Record<string, unknown> {
  return isRecord(value) && typeof value.kind === 'string' && typeof value.apiVersion === 'string';
}

/** Collects the images of a Kubernetes document; false when it is not a Kubernetes object. */
export function collectKubernetes(doc: StructuredDocument, out: UseCollector): boolean {
  const value = doc.value;
  if (!isKubernetesDocument(value)) return false;
  const kind = value.kind as string;
  // `List` (kubectl) items carry their kind; typed lists from the API (`PodList`) may not.
  if (kind.endsWith('List')) {
    const items = value.items;
    if (!Array.isArray(items)) return true;
    const itemKind = kind === 'List' ? undefined : kind.slice(0, -'List'.length);
    items.forEach((item, i) => {
      if (!isRecord(item)) return;
      const k = typeof item.kind === 'string' ? item.kind : itemKind;
      if (k !== undefined) collectWorkload(doc, out, item, k, ['items', i], '');
    });
    return true;
  }
  collectWorkload(doc, out, value, kind, [], `${objectLabel(value, kind)}: `);
  return true;
}

/** `Deployment/prod/api`, or `Deployment/api` without a namespace (Helm sets it at install time). */
function objectLabel(obj: Record<string, unknown>, kind: string): string {
  const meta = isRecord(obj.metadata) ? obj.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : '?';
  return typeof meta.namespace === 'string' ? `${kind}/${meta.namespace}/${name}` : `${kind}/${name}`;
}

function collectWorkload(
  doc: StructuredDocument,
  out: UseCollector,
  obj: Record<string, unknown>,
  kind: string,
  base: PathSegment[],
  label: string,
): void {
  const specPath = POD_SPEC_PATH[kind];
  if (!specPath) return;
  const spec = getPath(obj, specPath);
  if (isRecord(spec)) {
    for (const list of CONTAINER_LISTS) {
      forEachEntry(spec[list], (container, i) => {
        addReferenceAt(doc, out, 'kubernetes', container.image, [...base, ...specPath, list, i, 'image'], label);
      });
    }
  }
  if (kind !== 'Pod' || !isRecord(obj.status)) return;
  for (const list of STATUS_LISTS) {
    forEachEntry(obj.status[list], (status, i) => {
      addReferenceAt(doc, out, 'kubernetes', status.imageID, [...base, 'status', list, i, 'imageID'], label, normaliseImageId);
    });
  }
}

/** Strips the runtime prefix; skips imageIDs with no registry digest (not pulled yet, or a local image id). */
function normaliseImageId(value: string): string | undefined {
  const raw = value.replace(RUNTIME_PREFIX, '');
  return raw === '' || BARE_IMAGE_ID.test(raw) ? undefined : raw;
}
