import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Ajv2020, ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import type { InputProblem } from '../model/errors.js';
import { escapePointerToken, type SourceLocation } from '../model/location.js';
import { PACKAGE_ROOT } from '../version.js';
import { parsePointer, locationIn, type JsonDocument } from './json-document.js';
import { sortProblems } from './problems.js';

// Validators are generated at build time (Ajv standalone code, see build-validators.ts); without them
// (running from the sources) one Ajv instance compiles each schema on first use. Ajv itself is loaded
// only then: loading and compiling cost more start-up time than a whole lint of one policy.

const require = createRequire(import.meta.url);

export type SchemaName =
  | 'lifecycle-policy'
  | 'get-lifecycle-policy'
  | 'describe-images'
  | 'batch-get-image'
  | 'snapshot-repository'
  | 'snapshot-status'
  | 'in-use-status'
  | 'registry'
  | 'config'
  | 'report';

export const SCHEMA_NAMES: readonly SchemaName[] = [
  'batch-get-image',
  'config',
  'describe-images',
  'get-lifecycle-policy',
  'in-use-status',
  'lifecycle-policy',
  'registry',
  'report',
  'snapshot-repository',
  'snapshot-status',
];

const SCHEMA_DIR = new URL('schemas/', PACKAGE_ROOT);

export function schemaId(name: SchemaName): string {
  return `https://ecr-lifeguard.dev/schemas/${name}.schema.json`;
}

let ajv: Ajv2020 | undefined;
const validators = new Map<SchemaName, ValidateFunction>();

/** The options every validator is compiled with, at build time (standalone code) and at run time. */
export function createAjv(options: { code?: Record<string, unknown> } = {}): Ajv2020 {
  // verbose: errors carry their subschema, whose title/description/properties word the messages.
  // strictTypes/strictRequired off: conditionals (`if: {required: [...]}`) need not repeat `type` and `properties`.
  const { Ajv2020: Ajv } = require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
  const addFormatsPlugin = require('ajv-formats') as typeof import('ajv-formats');
  const instance = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false, allowUnionTypes: true, verbose: true, ...options });
  // ajv-formats is CommonJS: its default export arrives as the module object under NodeNext.
  const addFormats = ((addFormatsPlugin as unknown as { default?: typeof addFormatsPlugin }).default ?? addFormatsPlugin) as unknown as (a: Ajv2020) => void;
  addFormats(instance);
  return instance;
}

/** The schema document itself (e.g. for `--print-schema` or editors). */
export function loadSchema(name: SchemaName): Record<string, unknown> {
  return JSON.parse(schemaText(name)) as Record<string, unknown>;
}

/** The schema file's text. */
export function schemaText(name: SchemaName): string {
  return readFileSync(new URL(`${name}.schema.json`, SCHEMA_DIR), 'utf8');
}

/** FNV-1a of a schema's text: a precompiled validator is used only for the schema it was built from. */
export function schemaHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** Where the build puts the standalone validators (next to the compiled schemas.js; see build-validators.ts). */
export const PRECOMPILED_DIR = 'validators';
// The same folder seen from dist/load (this module compiled) and from dist/bin (the bundled command line).
const PRECOMPILED_URL = new URL(`../load/${PRECOMPILED_DIR}/`, import.meta.url);

/**
 * The validator generated at build time (Ajv standalone code), when it exists and was built from the
 * current schema: compiling a schema with Ajv costs more start-up time than the rest of a lint.
 */
function precompiled(name: SchemaName): ValidateFunction | undefined {
  let v: (ValidateFunction & { schemaHash?: string }) | undefined;
  try {
    v = require(fileURLToPath(new URL(`${name}.cjs`, PRECOMPILED_URL))) as ValidateFunction & { schemaHash?: string };
  } catch {
    return undefined; // not built (running from the sources): compile at run time
  }
  return v.schemaHash === schemaHash(schemaText(name)) ? v : undefined;
}

function validatorFor(name: SchemaName): ValidateFunction {
  let v = validators.get(name) ?? precompiled(name);
  if (!v) {
    ajv ??= createAjv();
    try {
      v = ajv.compile(loadSchema(name));
    } catch (e) {
      ajv.removeSchema(schemaId(name)); // so the real error repeats instead of "already exists"
      throw e;
    }
  }
  validators.set(name, v);
  return v;
}

/** Raw Ajv errors (empty when valid). */
export function schemaErrors(name: SchemaName, value: unknown): ErrorObject[] {
  const validate = validatorFor(name);
  return validate(value) ? [] : [...(validate.errors ?? [])];
}

export interface SchemaProblemOptions {
  /** Problem codes are `<codePrefix>/<kind>`; default `schema`. */
  codePrefix?: string;
  /** Prepended to every message, e.g. `ECR will reject this policy: `. */
  messagePrefix?: string;
  /**
   * Drop errors raised inside `allOf` conditionals (field combinations) because the caller
   * reports those itself with more specific messages.
   */
  omitCombinations?: boolean;
}

/** Schema errors as located problems; `locate` turns an instance pointer into a location. */
export function schemaProblems(
  name: SchemaName,
  value: unknown,
  locate: (pointer: string) => SourceLocation,
  options: SchemaProblemOptions = {},
): InputProblem[] {
  const { codePrefix = 'schema', messagePrefix = '', omitCombinations = false } = options;
  const raw = schemaErrors(name, value);
  if (raw.length === 0) return []; // the common case, once per entry of a streamed file
  let errors = raw.filter((e) => e.keyword !== 'if');
  if (omitCombinations) errors = errors.filter((e) => !/\/allOf\/\d+\//.test(e.schemaPath));
  // A wrong type makes every other complaint about the same value noise.
  const typeErrorAt = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  errors = errors.filter((e) => e.keyword === 'type' || !typeErrorAt.has(e.instancePath));
  const seen = new Set<string>();
  const out: InputProblem[] = [];
  for (const e of errors) {
    const d = describeError(e);
    const key = `${d.pointer}\u0000${d.kind}\u0000${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      location: locate(d.pointer),
      code: `${codePrefix}/${d.kind}`,
      message: messagePrefix + d.message,
      ...(d.found !== undefined ? { found: d.found } : {}),
      ...(d.expected !== undefined ? { expected: d.expected } : {}),
    });
  }
  return sortProblems(out);
}

/**
 * Validates the value at `pointerPrefix` (default: the whole document) against a schema;
 * problem pointers are pointers in the document.
 */
export function validateAgainstSchema(
  schemaName: SchemaName,
  doc: JsonDocument,
  pointerPrefix = '',
  options: SchemaProblemOptions = {},
): InputProblem[] {
  const value = valueAtPointer(doc.value, pointerPrefix);
  return schemaProblems(schemaName, value, (p) => locationIn(doc, pointerPrefix + p), options);
}

/**
 * Schema problems of entry `index` of the top-level array `key`, validated on its own (as the only entry of
 * that array: the schemas put no constraint on the array beyond its items). Pointers are the entry's
 * pointers in the whole document; locations are the file and pointer only (see throwLocated).
 */
export function entrySchemaProblems(schemaName: SchemaName, key: string, entry: unknown, index: number, file: string, codePrefix: string): InputProblem[] {
  const wrapped = `/${key}/0`;
  return schemaProblems(schemaName, { [key]: [entry] }, (p) => ({ file, pointer: `/${key}/${index}${p.slice(wrapped.length)}` }), { codePrefix });
}

export function valueAtPointer(root: unknown, pointer: string): unknown {
  let v = root;
  for (const token of parsePointer(pointer)) {
    if (Array.isArray(v)) v = v[Number(token)];
    else if (v !== null && typeof v === 'object') v = (v as Record<string, unknown>)[token];
    else return undefined;
  }
  return v;
}

/** Short rendering of a found value for messages. */
export function renderValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return v.length === 0 ? 'an empty list' : `a list of ${v.length}`;
  if (v !== null && typeof v === 'object') return 'an object';
  // JSON.parse reads 1e400 as Infinity, which JSON.stringify would print as null.
  if (typeof v === 'number' && !Number.isFinite(v)) return 'too large for a double';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

const article = (t: string): string => (t === 'array' || t === 'integer' || t === 'object' ? `an ${t}` : `a ${t}`);

interface Described {
  pointer: string;
  kind: string;
  message: string;
  found?: string;
  expected?: string;
}

function lastName(pointer: string): string {
  const tokens = parsePointer(pointer);
  for (let i = tokens.length - 1; i >= 0; i--) {
    if (!/^\d+$/.test(tokens[i]!)) return i === tokens.length - 1 ? tokens[i]! : `${tokens[i]} entry`;
  }
  return 'value';
}

function describeError(e: ErrorObject): Described {
  const at = e.instancePath;
  const parent = (e.parentSchema ?? {}) as Record<string, unknown>;
  const name = lastName(at);
  switch (e.keyword) {
    case 'additionalProperties': {
      const prop = String(e.params.additionalProperty);
      const allowed = Object.keys((parent.properties as Record<string, unknown> | undefined) ?? {}).sort();
      return {
        pointer: `${at}/${escapePointerToken(prop)}`,
        kind: 'unknown-property',
        message: `unknown property '${prop}'; allowed: ${allowed.join(', ')}`,
      };
    }
    case 'false schema': {
      // A property forbidden by a combination: `"x": false` in a conditional.
      return { pointer: at, kind: 'not-allowed', message: `'${name}' is not allowed here`, found: renderValue(e.data) };
    }
    case 'required': {
      const prop = String(e.params.missingProperty);
      return { pointer: at, kind: 'missing-property', message: `missing required property '${prop}'` };
    }
    case 'type': {
      const expected = ([] as string[]).concat(e.params.type as string | string[]).map(article).join(' or ');
      if (e.data === null) return { pointer: at, kind: 'null-value', message: `null is not accepted for '${name}'`, expected };
      // A scalar is named with its value ("integer 5"); a list or an object is described ("a list of 3").
      const found = typeof e.data === 'object' ? renderValue(e.data) : `${typeName(e.data)} ${renderValue(e.data)}`;
      return { pointer: at, kind: 'wrong-type', message: `'${name}' must be ${expected}`, found };
    }
    case 'enum':
    case 'const': {
      const allowed = e.keyword === 'enum' ? (e.params.allowedValues as unknown[]) : [e.params.allowedValue];
      if (e.data === null) return { pointer: at, kind: 'null-value', message: `null is not accepted for '${name}'`, expected: allowed.map((a) => JSON.stringify(a)).join(' or ') };
      return {
        pointer: at,
        kind: 'not-allowed-value',
        message: `'${name}' must be ${allowed.length === 1 ? '' : 'one of '}${allowed.map((a) => JSON.stringify(a)).join(', ')}`,
        found: renderValue(e.data),
      };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const op = { minimum: '>=', maximum: '<=', exclusiveMinimum: '>', exclusiveMaximum: '<' }[e.keyword];
      const t = parent.type === 'integer' ? 'integer' : 'number';
      // The message carries found/expected itself (as `expected integer >= 1, found 0`).
      return { pointer: at, kind: 'out-of-range', message: `'${name}' out of range: expected ${t} ${op} ${String(e.params.limit)}, found ${renderValue(e.data)}` };
    }
    case 'minItems':
    case 'maxItems': {
      const n = Array.isArray(e.data) ? e.data.length : 0;
      const limit = Number(e.params.limit);
      const bounds = [parent.minItems, parent.maxItems];
      const range = bounds[0] !== undefined && bounds[1] !== undefined ? `${bounds[0]} to ${bounds[1]}` : e.keyword === 'minItems' ? `at least ${limit}` : `at most ${limit}`;
      return { pointer: at, kind: e.keyword === 'minItems' ? 'too-few-items' : 'too-many-items', message: `'${name}' must have ${range} entries, found ${n}`, found: String(n), expected: `${range} entries` };
    }
    case 'minLength':
      return {
        pointer: at,
        kind: Number(e.params.limit) === 1 ? 'empty-string' : 'too-short',
        message: Number(e.params.limit) === 1 ? `'${name}' must not be an empty string` : `'${name}' must have at least ${String(e.params.limit)} characters`,
        found: renderValue(e.data),
      };
    case 'maxLength':
      return { pointer: at, kind: 'too-long', message: `'${name}' must have at most ${String(e.params.limit)} characters`, found: `${String((e.data as string).length)} characters` };
    case 'pattern': {
      const def = /\/\$defs\/([\w-]+)\/pattern$/.exec(e.schemaPath)?.[1];
      const title = typeof parent.title === 'string' ? parent.title : name;
      return {
        pointer: at,
        kind: `bad-${def ?? kebab(name)}`,
        message: `malformed ${title}`,
        found: renderValue(e.data),
        expected: typeof parent.description === 'string' ? parent.description : `a string matching ${String(e.params.pattern)}`,
      };
    }
    case 'oneOf':
    case 'anyOf':
    case 'not':
    default: {
      const desc = typeof parent.description === 'string' ? parent.description : e.message ?? 'invalid value';
      return { pointer: at, kind: 'invalid', message: desc };
    }
  }
}

function kebab(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/\s+/g, '-').toLowerCase();
}
