import { InputError } from '../model/errors.js';
import { problemAt, type JsonDocument } from './json-document.js';

// Recognises which AWS CLI output (or project file) a JSON value is, by its shape, so a file
// handed to the wrong flag gets "this looks like X" instead of a wall of schema errors.

export type InputKind = 'policy' | 'get-lifecycle-policy' | 'describe-images' | 'batch-get-image' | 'registry';

export const KIND_LABELS: Record<InputKind, string> = {
  policy: 'a lifecycle policy ({"rules": [...]})',
  'get-lifecycle-policy': '`aws ecr get-lifecycle-policy` output',
  'describe-images': '`aws ecr describe-images` output',
  'batch-get-image': '`aws ecr batch-get-image` output',
  registry: 'a snapshot registry.json',
};

const REGISTRY_KEYS = new Set(['registryId', 'region', 'blobMounting']);

export function detectInputKind(value: unknown): InputKind | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const o = value as Record<string, unknown>;
  if ('rules' in o) return 'policy';
  if ('lifecyclePolicyText' in o) return 'get-lifecycle-policy';
  if ('imageDetails' in o) return 'describe-images';
  if ('images' in o || ('failures' in o && Array.isArray(o.failures))) return 'batch-get-image';
  const keys = Object.keys(o);
  if (keys.length > 0 && keys.every((k) => REGISTRY_KEYS.has(k))) return 'registry';
  return undefined;
}

/**
 * Throws `input/wrong-kind` when the document is recognisably another kind of input.
 * `expectedBy` names the consumer, e.g. `--policy expects`; `accepted` says what it takes.
 */
export function assertInputKind(doc: JsonDocument, accepted: readonly InputKind[], expectedBy: string): InputKind | undefined {
  const quoted = quotedDocumentHint(doc.value);
  if (quoted !== undefined) throw new InputError([problemAt(doc, '', 'input/quoted-json', quoted)]);
  const kind = detectInputKind(doc.value);
  if (kind === undefined || accepted.includes(kind)) return kind;
  const wanted = accepted.map((k) => KIND_LABELS[k]).join(' or ');
  throw new InputError([
    problemAt(doc, '', 'input/wrong-kind', `this looks like ${KIND_LABELS[kind]}, but ${expectedBy} ${wanted}`),
  ]);
}

/**
 * A file holding one JSON string whose text is itself JSON: what `aws ... --query X` writes without
 * `--output text` (the CLI's default output is JSON, so the text arrives quoted). Says which command
 * does it and the fix; undefined for anything else.
 */
export function quotedDocumentHint(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  let inner: unknown;
  try {
    inner = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (detectInputKind(inner) === 'policy') {
    return 'this file holds the policy as one quoted JSON string, as `aws ecr get-lifecycle-policy --query lifecyclePolicyText` writes it without `--output text`; save it again with `--output text` (or without --query)';
  }
  if (inner !== null && typeof inner === 'object') {
    return 'this file holds a JSON document quoted as one string, as `aws ... --query X` writes it without `--output text`; save it again with `--output text`';
  }
  return undefined;
}
