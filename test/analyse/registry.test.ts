import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { repositoryChecks } from '../../src/analyse/checks/index.js';

// Every registered check is documented and tested: the README anchors and SARIF rules rely on it.

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('repository check registry', () => {
  it('has unique kebab-case ids', () => {
    const ids = repositoryChecks.map((c) => c.meta.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
  });

  it.each(repositoryChecks.map((c) => [c.meta.id, c] as const))('%s: documented, in its own module, with its own tests', (id, check) => {
    expect(check.scope).toBe('repository');
    expect(check.meta.description.trim()).not.toBe('');
    expect(check.meta.help.trim()).not.toBe('');
    expect(check.meta.docs).toMatch(new RegExp(`^https://.+#check-${id}$`));
    expect(['error', 'warning', 'info']).toContain(check.meta.defaultSeverity);
    expect(existsSync(`${root}src/analyse/checks/${id}.ts`)).toBe(true);
    expect(existsSync(`${root}test/analyse/checks/${id}.test.ts`)).toBe(true);
  });
});
