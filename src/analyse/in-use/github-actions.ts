import { isRecord, type UseCollector } from './common.js';
import { addReferenceAt, type StructuredDocument } from './document.js';

// GitHub Actions workflows: a job's `container` (a string or `{ image }`), its `services.<id>.image`,
// and `uses: docker://image` steps. `${{ ... }}` expressions are placeholders.

export function isWorkflowPath(rel: string): boolean {
  return /(?:^|\/)\.github\/workflows\/[^/]+\.ya?ml$/i.test(rel);
}

export function looksLikeWorkflow(value: unknown): boolean {
  return isRecord(value) && isRecord(value.jobs) && 'on' in value && Object.values(value.jobs).some((j) => isRecord(j) && ('runs-on' in j || 'steps' in j || 'uses' in j));
}

export function collectWorkflow(doc: StructuredDocument, out: UseCollector): boolean {
  const jobs = isRecord(doc.value) ? doc.value.jobs : undefined;
  if (!isRecord(jobs)) return false;
  for (const [id, job] of Object.entries(jobs)) {
    if (!isRecord(job)) continue;
    const label = `job ${id}: `;
    if (typeof job.container === 'string') addReferenceAt(doc, out, 'github-actions', job.container, ['jobs', id, 'container'], label);
    else if (isRecord(job.container)) addReferenceAt(doc, out, 'github-actions', job.container.image, ['jobs', id, 'container', 'image'], label);
    if (isRecord(job.services)) {
      for (const [sid, service] of Object.entries(job.services)) {
        if (isRecord(service)) addReferenceAt(doc, out, 'github-actions', service.image, ['jobs', id, 'services', sid, 'image'], label);
      }
    }
    if (Array.isArray(job.steps)) {
      job.steps.forEach((step, i) => {
        if (isRecord(step) && typeof step.uses === 'string' && step.uses.startsWith('docker://')) {
          addReferenceAt(doc, out, 'github-actions', step.uses, ['jobs', id, 'steps', i, 'uses'], label, (v) => v.slice('docker://'.length));
        }
      });
    }
  }
  return true;
}
