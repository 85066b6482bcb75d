import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allChecks, policyChecks } from '../../src/analyse/checks/index.js';
import { docsLink } from '../../src/analyse/checks/types.js';
import { emptyConfig } from '../../src/lint/config.js';
import { lintFixture } from './rule-tester.js';

// Every check runs on its fixtures: `fires.json` yields exactly the expected findings of that check
// (lines and messages), `passes.json` yields none of it.

const RULES = 'test/fixtures/lint/rules';
const README = readFileSync('README.md', 'utf8');
const ids = allChecks.map((c) => c.meta.id);

describe.each(ids)('check %s', (id) => {
  it('fires on fires.json with the expected ids, lines and messages', () => {
    const { fixture, findings } = lintFixture(`${RULES}/${id}/fires.json`, id);
    expect(fixture.expected.length).toBeGreaterThan(0);
    const actual = findings.filter((f) => f.id === id).map((f) => ({ line: f.location?.line, message: f.message }));
    expect(actual).toEqual(fixture.expected);
  });

  it('does not fire on passes.json', () => {
    const { fixture, findings } = lintFixture(`${RULES}/${id}/passes.json`, id);
    expect(fixture.expected).toEqual([]);
    expect(findings.filter((f) => f.id === id)).toEqual([]);
  });

  it('is off when the config says so', () => {
    const config = emptyConfig();
    config.rules.set(id, { level: 'off', options: {} });
    const { findings } = lintFixture(`${RULES}/${id}/fires.json`, id, config);
    expect(findings.filter((f) => f.id === id)).toEqual([]);
  });

  it('has metadata, a docs link and a README section with its anchor', () => {
    const check = allChecks.find((c) => c.meta.id === id)!;
    expect(check.meta.id).toMatch(/^[a-z]+(-[a-z]+)*$/);
    expect(check.meta.description.length).toBeGreaterThan(20);
    expect(check.meta.help.length).toBeGreaterThan(40);
    expect(check.meta.docs).toBe(docsLink(id));
    expect(check.meta.docs.endsWith(`#check-${id}`)).toBe(true);
    expect(README).toContain(`<a id="check-${id}"></a>`);
    expect(README).toContain(check.meta.description);
  });
});

describe('the check registry', () => {
  it('has unique ids, every one with a fixture folder', () => {
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(existsSync(`${RULES}/${id}/fires.json`), id).toBe(true);
      expect(existsSync(`${RULES}/${id}/passes.json`), id).toBe(true);
    }
  });

  it('lists every policy check in allChecks', () => {
    for (const c of policyChecks) expect(ids).toContain(c.meta.id);
  });

  it('names the same checks as the config schema', () => {
    const schema = JSON.parse(readFileSync('schemas/config.schema.json', 'utf8')) as {
      $defs: { 'check-id': { enum: string[] } };
      properties: { rules: { properties: Record<string, { else?: { properties: { options: { properties: Record<string, unknown> } } } }> } };
    };
    expect([...schema.$defs['check-id'].enum].sort()).toEqual([...ids].sort());
    expect(Object.keys(schema.properties.rules.properties).sort()).toEqual([...ids].sort());
    // Options declared by a check are the ones the schema accepts for it.
    for (const c of allChecks) {
      const declared = Object.keys((c.meta as { options?: Record<string, unknown> }).options ?? {}).sort();
      const inSchema = schema.properties.rules.properties[c.meta.id]!.else?.properties.options.properties;
      expect(Object.keys(inSchema ?? {}).sort(), c.meta.id).toEqual(declared);
    }
  });
});
