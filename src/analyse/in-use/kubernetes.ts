import { isRecord, type UseCollector } from './common.js';
import { addReferenceAt, type PathSegment, type StructuredDocument } from './document.js';

// Kubernetes: any object (YAML or JSON, multi-document, `kubectl get -o json` lists). The document is
// walked for pod-spec shapes wherever they sit, not through a fixed list of kinds, so Deployments,
// Argo Rollouts, Knative Services, Argo Workflows, KEDA ScaledJobs, OpenShift DeploymentConfigs,
// Tekton tasks and custom resources are all read. For Pods, `status.*ContainerStatuses[].imageID`
// also gives the digest the kubelet actually pulled.

/** Lists of containers: pod specs, Argo `containerSet` and sidecars, Tekton `steps` and `sidecars`. */
const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers', 'sidecars', 'steps']);
/** One container: Argo Workflows templates (`container`, `script`), Tekton `stepTemplate`. */
const SINGLE_CONTAINERS = new Set(['container', 'script']);
const STATUS_LISTS = new Set(['containerStatuses', 'initContainerStatuses', 'ephemeralContainerStatuses']);

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
  // Lists (`List`, `PodList`) name each item by its path; a single object by kind/namespace/name.
  const label = kind.endsWith('List') && Array.isArray(value.items) ? '' : `${objectLabel(value, kind)}: `;
  walk(doc, out, value, [], label);
  return true;
}

/** `Deployment/prod/api`, or `Deployment/api` without a namespace (Helm sets it at install time). */
export function objectLabel(obj: Record<string, unknown>, kind: string): string {
  const meta = isRecord(obj.metadata) ? obj.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : '?';
  return typeof meta.namespace === 'string' ? `${kind}/${meta.namespace}/${name}` : `${kind}/${name}`;
}

function walk(doc: StructuredDocument, out: UseCollector, node: unknown, path: PathSegment[], label: string): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => walk(doc, out, item, [...path, i], label));
    return;
  }
  if (!isRecord(node)) return;
  for (const [key, value] of Object.entries(node)) {
    const here = [...path, key];
    if (CONTAINER_LISTS.has(key) && Array.isArray(value)) {
      value.forEach((c, i) => {
        if (isRecord(c) && c.image !== undefined) addReferenceAt(doc, out, 'kubernetes', c.image, [...here, i, 'image'], label);
      });
    } else if ((SINGLE_CONTAINERS.has(key) || key === 'stepTemplate') && isRecord(value) && value.image !== undefined) {
      addReferenceAt(doc, out, 'kubernetes', value.image, [...here, 'image'], label);
    } else if (key === 'volumes' && Array.isArray(value)) {
      // Image volumes (Kubernetes 1.31+): an OCI image mounted read-only.
      value.forEach((v, i) => {
        if (isRecord(v) && isRecord(v.image) && v.image.reference !== undefined) {
          addReferenceAt(doc, out, 'kubernetes', v.image.reference, [...here, i, 'image', 'reference'], label);
        }
      });
    } else if (STATUS_LISTS.has(key) && Array.isArray(value)) {
      value.forEach((s, i) => {
        if (isRecord(s)) addReferenceAt(doc, out, 'kubernetes', s.imageID, [...here, i, 'imageID'], label, normaliseImageId);
      });
      continue;
    }
    walk(doc, out, value, here, label);
  }
}

/** Strips the runtime prefix; skips imageIDs with no registry digest (not pulled yet, or a local image id). */
function normaliseImageId(value: string): string | undefined {
  const raw = value.replace(RUNTIME_PREFIX, '');
  return raw === '' || BARE_IMAGE_ID.test(raw) ? undefined : raw;
}
