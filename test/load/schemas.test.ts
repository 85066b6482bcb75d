import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseJsonDocument } from '../../src/load/json-document.js';
import { SCHEMA_NAMES, loadSchema, renderValue, schemaErrors, schemaId, validateAgainstSchema } from '../../src/load/schemas.js';

const SCHEMA_DIR = new URL('../../schemas/', import.meta.url).pathname;

describe('schemas/', () => {
  it('holds every input schema', () => {
    const files = readdirSync(SCHEMA_DIR);
    for (const n of SCHEMA_NAMES) expect(files).toContain(`${n}.schema.json`);
  });

  for (const name of SCHEMA_NAMES) {
    it(`${name}: $id, title, description, compiles`, () => {
      const schema = loadSchema(name);
      expect(schema.$id).toBe(`https://ecr-lifeguard.dev/schemas/${name}.schema.json`);
      expect(schema.$id).toBe(schemaId(name));
      expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(typeof schema.title).toBe('string');
      expect(typeof schema.description).toBe('string');
      expect(() => schemaErrors(name, {})).not.toThrow();
      expect(JSON.parse(readFileSync(`${SCHEMA_DIR}${name}.schema.json`, 'utf8'))).toEqual(schema);
    });
  }
});

describe('validateAgainstSchema', () => {
  it('validates a part of a document and reports full pointers with lines', () => {
    const text = '{\n  "registry": {\n    "registryId": "123",\n    "blobMounting": "yes",\n    "zone": 1\n  }\n}';
    const doc = parseJsonDocument(text, 'r.json');
    const problems = validateAgainstSchema('registry', doc, '/registry');
    expect(problems.map((p) => [p.code, p.location.pointer, p.location.line, p.message])).toEqual([
      ['schema/bad-registry-id', '/registry/registryId', 3, 'malformed registry id'],
      ['schema/wrong-type', '/registry/blobMounting', 4, "'blobMounting' must be a boolean"],
      ['schema/unknown-property', '/registry/zone', 5, "unknown property 'zone'; allowed: blobMounting, region, registryId"],
    ]);
    expect(problems[0]!.expected).toBe('a 12-digit AWS account id');
  });

  it('says what a wrong-typed value is: a scalar with its value, a list or an object described once', () => {
    // Found by exploratory testing: "found array a list of 1" and "found object an object".
    const doc = parseJsonDocument('{"registryId": ["123456789012"], "region": {"name": "x"}, "blobMounting": 1}', 'r.json');
    expect(validateAgainstSchema('registry', doc).map((p) => [p.location.pointer, p.found])).toEqual([
      ['/registryId', 'a list of 1'],
      ['/region', 'an object'],
      ['/blobMounting', 'integer 1'],
    ]);
  });

  it('is empty for a valid value', () => {
    const doc = parseJsonDocument('{"region": "eu-west-1", "blobMounting": true}', 'r.json');
    expect(validateAgainstSchema('registry', doc)).toEqual([]);
  });
});

describe('renderValue', () => {
  it('says a number JSON.parse read as Infinity is too large, rather than printing null', () => {
    expect(renderValue(JSON.parse('1e400'))).toBe('too large for a double');
    expect(renderValue(-Infinity)).toBe('too large for a double');
    expect(renderValue(12)).toBe('12');
    expect(renderValue(null)).toBe('null');
  });
});
