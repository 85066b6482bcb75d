import { isRecord, type UseCollector } from './common.js';
import { addReferenceAt, type StructuredDocument } from './document.js';

// docker-compose files: `services.<name>.image`. Compose interpolates `${VAR:-default}` from the
// environment: a default is what runs when the variable is unset, and a variable without one is a
// placeholder (an unresolvable use).

export function isComposeName(base: string): boolean {
  return /^(?:docker-)?compose(?:[.-][\w.-]+)?\.ya?ml$/i.test(base);
}

export function looksLikeCompose(value: unknown): boolean {
  return isRecord(value) && isRecord(value.services) && Object.values(value.services).some((s) => isRecord(s) && ('image' in s || 'build' in s));
}

export function collectCompose(doc: StructuredDocument, out: UseCollector): boolean {
  const services = isRecord(doc.value) ? doc.value.services : undefined;
  if (!isRecord(services)) return false;
  for (const [name, service] of Object.entries(services)) {
    if (!isRecord(service) || service.image === undefined) continue;
    addReferenceAt(doc, out, 'compose', service.image, ['services', name, 'image'], '', composeDefaults);
  }
  return true;
}

/** `${VAR:-default}` and `${VAR-default}` become their defaults; other variables stay (placeholders). */
export function composeDefaults(raw: string): string {
  return raw.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^${}]*)\}/g, '$1');
}
