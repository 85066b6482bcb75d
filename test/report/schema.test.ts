import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { analyseInputs } from '../../src/core/analysis.js';
import { loadInputs } from '../../src/load/inputs.js';
import { formatJson } from '../../src/report/json.js';
import type { Report } from '../../src/report/model.js';
import { context, fixture, type FixtureName } from './support.js';

// schemas/report.schema.json describes the JSON report exactly: what formatJson prints validates,
// and a document that strays from src/report/model.ts does not.

const root = join(import.meta.dirname, '..', '..');
const schema = JSON.parse(readFileSync(join(root, 'schemas', 'report.schema.json'), 'utf8')) as Record<string, unknown>;
const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats(ajv);
const validate = ajv.compile(schema);

function errors(doc: unknown): unknown[] {
  return validate(doc) ? [] : [...(validate.errors ?? [])];
}

const printed = (report: Report) => JSON.parse(formatJson(report, context('audit'))) as Record<string, unknown>;

describe('report JSON schema', () => {
  it('has the id the other schemas use', () => {
    expect(schema.$id).toBe('https://ecr-lifeguard.dev/schemas/report.schema.json');
  });

  it.each<FixtureName>(['audit', 'lint', 'hostile'])('validates the JSON formatter output of the %s fixture', (name) => {
    expect(errors(printed(fixture(name)))).toEqual([]);
  });

  it('validates the report the engine builds for the sample registry', async () => {
    const now = Date.parse('2026-11-22T00:00:00Z');
    const inputs = await loadInputs({ snapshot: join(root, 'samples', 'registry') }, now);
    const { report } = await analyseInputs(inputs, { now, days: 30, inUse: [join(root, 'samples', 'in-use')] });
    expect(report.repositories.length).toBeGreaterThan(0);
    expect(errors(printed(report))).toEqual([]);
  });

  it.each<[string, (r: Record<string, any>) => void]>([
    ['a missing findings list', (r) => delete r.findings],
    ['an unknown severity', (r) => (r.findings[0].severity = 'critical')],
    ['an unknown top-level field', (r) => (r.extra = 1)],
    ['an unknown repository field', (r) => (r.repositories[0].imageTotal = 3)],
    ['a verdict that is not one', (r) => (r.repositories[0].images[0].action = 'DELETE')],
    ['a date that is not a date', (r) => (r.now = 'yesterday')],
    ['a negative horizon', (r) => (r.days = -1)],
    ['an origin of an unknown format', (r) => (r.findings[0].origins[0].format = 'helm')],
    ['a bad digest', (r) => (r.repositories[0].timeline[0].imageDigest = 'not a digest')],
    ['storage bytes that are not a number', (r) => (r.storage.now.bytesFreed = '1 GiB')],
    ['an unreadable repository without a reason', (r) => delete r.unreadableRepositories[0].reason],
  ])('rejects %s', (_, mutate) => {
    const doc = printed(fixture('audit'));
    mutate(doc);
    expect(errors(doc)).not.toEqual([]);
  });

  it('rejects a lint diff with an unknown change kind', () => {
    const doc = printed(fixture('lint')) as Record<string, any>;
    doc.diff.ruleChanges[0].change = 'renamed';
    expect(errors(doc)).not.toEqual([]);
  });
});
