import { createRequire } from 'node:module';

// The YAML library (8 MiB of memory, and start-up time) is loaded on first use: linting a JSON policy
// file, or auditing with JSON and text in-use files only, never needs it.
let library: typeof import('yaml') | undefined;

export function yamlLibrary(): typeof import('yaml') {
  return (library ??= createRequire(import.meta.url)('yaml') as typeof import('yaml'));
}

/**
 * A YAML parser error in words. The parser recurses per nesting level and reports running out of stack
 * as an error of its own; that is the input nesting too deeply, not a crash.
 */
export function yamlSyntaxProblem(error: { message: string }): { code: string; message: string } {
  if (error.message.includes('Maximum call stack size exceeded')) return { code: 'yaml/too-deep', message: 'invalid YAML: it nests too deeply to read' };
  return { code: 'yaml/syntax', message: `invalid YAML: ${error.message.split('\n')[0]}` };
}
