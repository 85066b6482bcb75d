import { createRequire } from 'node:module';

// The YAML library (8 MiB of memory, and start-up time) is loaded on first use: linting a JSON policy
// file, or auditing with JSON and text in-use files only, never needs it.
let library: typeof import('yaml') | undefined;

export function yamlLibrary(): typeof import('yaml') {
  return (library ??= createRequire(import.meta.url)('yaml') as typeof import('yaml'));
}
