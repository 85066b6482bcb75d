import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createAjv, loadSchema, PRECOMPILED_DIR, SCHEMA_NAMES, schemaHash, schemaText } from './schemas.js';

// Build step (`npm run build` runs it after tsc): every schema's validator as Ajv standalone code, next
// to the compiled schemas.js, so the CLI validates without loading or running Ajv's compiler. Each
// module records the hash of the schema it was generated from; schemas.ts ignores a stale one.

const require = createRequire(import.meta.url);
const { _ } = require('ajv') as typeof import('ajv');
const standaloneCode = (require('ajv/dist/standalone/index.js') as typeof import('ajv/dist/standalone/index.js')).default;

const out = new URL(`./${PRECOMPILED_DIR}/`, import.meta.url);
mkdirSync(out, { recursive: true });
for (const name of SCHEMA_NAMES) {
  // One instance per schema: the generated module then holds that schema's code only.
  const ajv = createAjv({ code: { source: true, formats: _`require("ajv-formats/dist/formats").fullFormats` } });
  const code = standaloneCode(ajv, ajv.compile(loadSchema(name)));
  writeFileSync(new URL(`${name}.cjs`, out), `${code}\nmodule.exports.schemaHash = ${JSON.stringify(schemaHash(schemaText(name)))};\n`);
}
