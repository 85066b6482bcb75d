import { isAbsolute, join, relative, resolve } from 'node:path';

// What a server (or a region setting) says becomes folder names in a snapshot: every value is checked
// against ECR's own documented patterns before any path is built (ECR API reference: registryId
// `[0-9]{12}`; repositoryName 2 to 256 characters of
// `(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*`), and every path is checked to
// stay inside its output directory.

const REGISTRY_ID = /^[0-9]{12}$/;
const REPOSITORY_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const REPOSITORY_NAME_MIN = 2;
const REPOSITORY_NAME_MAX = 256;
// AWS region codes: us-east-1, eu-central-2, us-gov-west-1, cn-northwest-1, us-isob-east-1.
const REGION = /^[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}$/;

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** `text` on one line with every control character (C0, DEL, C1, line separators) written as \uXXXX. */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A value from a server, quoted for a message: JSON-escaped (no control character passes raw), at most 80 characters. */
export function quoteValue(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  const cut = text.length > 80 ? `${text.slice(0, 80)}...` : text;
  return escapeControls(JSON.stringify(cut));
}

/** Why `registryId` is not an ECR registry id (an AWS account id), or undefined when it is one. */
export function registryIdProblem(registryId: unknown): string | undefined {
  return typeof registryId === 'string' && REGISTRY_ID.test(registryId) ? undefined : `registry id ${quoteValue(registryId)} is not 12 digits`;
}

/** Why `name` is not a valid ECR repository name, or undefined when it is one. */
export function repositoryNameProblem(name: unknown): string | undefined {
  if (typeof name === 'string' && name.length >= REPOSITORY_NAME_MIN && name.length <= REPOSITORY_NAME_MAX && REPOSITORY_NAME.test(name)) return undefined;
  return `repository name ${quoteValue(name)} is not a valid ECR name (2 to 256 lowercase letters, digits, . _ - separators, / between components)`;
}

/** Why `region` is not an AWS region code, or undefined when it is one. */
export function regionProblem(region: unknown): string | undefined {
  return typeof region === 'string' && REGION.test(region) ? undefined : `region ${quoteValue(region)} is not an AWS region code such as us-east-1`;
}

/**
 * `base` joined with `segments`, or an Error when the result would not lie strictly inside `base`
 * (a `..`, an absolute segment, an empty result). The one check every snapshot path passes.
 */
export function pathInside(base: string, ...segments: string[]): string {
  const path = join(base, ...segments);
  const rel = relative(resolve(base), resolve(path));
  if (segments.length > 0 && (rel === '' || rel === '..' || rel.startsWith(`..${'/'}`) || rel.startsWith('..\\') || isAbsolute(rel))) {
    throw new Error(`refusing to write outside ${base}: ${quoteValue(segments.join('/'))}`);
  }
  return path;
}
