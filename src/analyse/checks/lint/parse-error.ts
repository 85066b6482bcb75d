import type { InputProblem } from '../../../model/errors.js';
import { docsLink, type FindingDraft, type PolicyCheck } from '../types.js';

// A file lint could not read as a policy source: a syntax error, a template (Helm, Go templates,
// Jinja), a file that cannot be read. One located finding per file, and every other file is still
// linted (like ESLint): one broken file never hides the others' findings. The lint runner produces
// the finding from the discovery's problems.

const id = 'parse-error';

export const parseError: PolicyCheck = {
  scope: 'policy',
  meta: {
    id,
    defaultSeverity: 'error',
    description: 'A file that could hold a lifecycle policy could not be read: a syntax error, a template, or an unreadable file.',
    help:
      'The file was not checked, so a policy in it may be wrong without anyone knowing. Fix the syntax error, or for a ' +
      'template (Helm, Go templates, Jinja `{{ }}`) lint its rendered output instead (e.g. `helm template ... | ecr-lifeguard lint -`). ' +
      'In a directory walk, only files that mention ECR lifecycle policies are reported; others are counted as skipped in the coverage.',
    docs: docsLink(id),
  },
  run: () => [],
};

export function parseErrorDraft(p: InputProblem): FindingDraft {
  const detail = [p.found !== undefined ? `found ${p.found}` : '', p.expected !== undefined ? `expected ${p.expected}` : ''].filter(Boolean).join('; ');
  return {
    message: `cannot read ${p.location.file} as a policy source: ${p.message}${detail ? ` (${detail})` : ''}`,
    location: p.location,
    evidence: { code: p.code },
  };
}
