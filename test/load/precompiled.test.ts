import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { createAjv, loadSchema, SCHEMA_NAMES, schemaHash, schemaText, type SchemaName } from '../../src/load/schemas.js';

// `npm run build` (which `npm test` runs first) generates each schema's validator as Ajv standalone code
// in dist/load/validators; the CLI uses those instead of compiling at start-up. They must report exactly
// the errors the run-time compiled validators report, since every problem message is worded from them.

const require = createRequire(import.meta.url);
const built = (name: SchemaName): string => new URL(`../../dist/load/validators/${name}.cjs`, import.meta.url).pathname;
type Validate = ((value: unknown) => boolean) & { errors?: unknown[] | null; schemaHash?: string };

const fixture = (path: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8'));
const policy = fixture('load/policies/get-lifecycle-policy-valid.json') as { lifecyclePolicyText: string };
const rules = (JSON.parse(policy.lifecyclePolicyText) as { rules: Array<Record<string, unknown>> }).rules;

// Valid values and values with many kinds of schema errors (types, nulls, enums, unknown properties, ranges, combinations).
const samples: unknown[] = [
  null, [], {}, 'text', 0,
  policy, { ...policy, lifecyclePolicyText: 5, extra: true },
  { rules }, { rules: [] }, { rules: [{ ...rules[0], rulePriority: 0, selection: { tagStatus: 'tagged', countType: 'nope' }, action: null }] },
  { rules: rules.map((r) => ({ ...r, selection: { ...(r.selection as object), tagPrefixList: [], countUnit: 'hours', storageClass: 'archive' } })) },
  { imageDetails: [{}, { imageDigest: 'sha256:zz', imageTags: [1], imagePushedAt: null, imageStatus: 'GONE' }] },
  { images: [{ imageId: {}, imageManifest: 3 }], failures: [{ failureCode: null }] },
  { registryId: 12, region: '', blobMounting: 'yes', zone: 1 },
  { repositoryName: '', complete: 'no', lifecyclePolicyStatus: 'maybe' },
  { tool: { name: '' }, now: 'yesterday', days: -1, repositories: [{}], findings: [{ severity: 'fatal' }] },
  { severity: { x: 'loud' }, ignore: [{ id: 3 }], unknown: true },
];

describe('precompiled validators', () => {
  for (const name of SCHEMA_NAMES) {
    it(`${name}: built from the current schema, and the same errors as the run-time compiler`, () => {
      expect(existsSync(built(name))).toBe(true);
      const standalone = require(built(name)) as Validate;
      expect(standalone.schemaHash).toBe(schemaHash(schemaText(name)));
      const compiled = createAjv().compile(loadSchema(name)) as Validate;
      for (const value of samples) {
        expect(standalone(value)).toBe(compiled(value));
        expect(standalone.errors ?? null).toEqual(compiled.errors ?? null);
      }
    });
  }

  it('a changed schema has another hash, so a stale validator is not used', () => {
    const text = schemaText('registry');
    expect(schemaHash(text)).toBe(schemaHash(`${text}`));
    expect(schemaHash(`${text} `)).not.toBe(schemaHash(text));
  });
});
