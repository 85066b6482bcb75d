import { isRecord, type UseCollector } from './common.js';
import { addReferenceAt, type PathSegment, type StructuredDocument } from './document.js';

// GitLab CI: `image` and `services` at the top, under `default`, and in each job; each a string or
// `{ name }`. `$CI_REGISTRY_IMAGE` and other variables are placeholders.

/** Top-level keys that are not jobs. */
const RESERVED = new Set(['stages', 'variables', 'include', 'workflow', 'default', 'image', 'services', 'cache', 'before_script', 'after_script', 'spec']);

export function isGitlabCiName(base: string): boolean {
  return /^\.?gitlab-ci(?:[.-][\w.-]+)?\.ya?ml$/i.test(base) || /\.gitlab-ci\.ya?ml$/i.test(base);
}

export function looksLikeGitlabCi(value: unknown): boolean {
  if (!isRecord(value)) return false;
  return Array.isArray(value.stages) && Object.entries(value).some(([k, j]) => !RESERVED.has(k) && isRecord(j) && 'script' in j);
}

export function collectGitlabCi(doc: StructuredDocument, out: UseCollector): boolean {
  const value = doc.value;
  if (!isRecord(value)) return false;
  readJob(doc, out, value, [], '');
  if (isRecord(value.default)) readJob(doc, out, value.default, ['default'], '');
  for (const [name, job] of Object.entries(value)) {
    if (RESERVED.has(name) || !isRecord(job)) continue;
    readJob(doc, out, job, [name], `job ${name}: `);
  }
  return true;
}

function readJob(doc: StructuredDocument, out: UseCollector, job: Record<string, unknown>, base: PathSegment[], label: string): void {
  const image = job.image;
  if (typeof image === 'string') addReferenceAt(doc, out, 'gitlab-ci', image, [...base, 'image'], label);
  else if (isRecord(image)) addReferenceAt(doc, out, 'gitlab-ci', image.name, [...base, 'image', 'name'], label);
  if (!Array.isArray(job.services)) return;
  job.services.forEach((s, i) => {
    if (typeof s === 'string') addReferenceAt(doc, out, 'gitlab-ci', s, [...base, 'services', i], label);
    else if (isRecord(s)) addReferenceAt(doc, out, 'gitlab-ci', s.name, [...base, 'services', i, 'name'], label);
  });
}
