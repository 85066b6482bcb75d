import { createRequire } from 'node:module';

// The YAML library (8 MiB of memory, and start-up time) is loaded on first use: linting a JSON policy
// file, or auditing with JSON and text in-use files only, never needs it.
let library: typeof import('yaml') | undefined;

export function yamlLibrary(): typeof import('yaml') {
  return (library ??= createRequire(import.meta.url)('yaml') as typeof import('yaml'));
}

/** The problem of a YAML file nested deeper than the (recursive) YAML reader can follow. */
export const YAML_TOO_DEEP = { code: 'yaml/too-deep', message: 'invalid YAML: it nests too deeply to read' } as const;

/** V8's message when the stack runs out: thrown as a RangeError, or reported by the parser as an error of its own. */
const STACK_OVERFLOW = 'Maximum call stack size exceeded';

/**
 * A YAML parser error in words. The parser recurses per nesting level and, in some shapes, reports
 * running out of stack as an error of its own; that is the input nesting too deeply, not a crash.
 */
export function yamlSyntaxProblem(error: { message: string }): { code: string; message: string } {
  if (error.message.includes(STACK_OVERFLOW)) return YAML_TOO_DEEP;
  return { code: 'yaml/syntax', message: `invalid YAML: ${error.message.split('\n')[0]}` };
}

/**
 * `read()`, or undefined when it ran out of stack: in other shapes the parser (and the walks over
 * what it returns) throw instead. The caller reports YAML_TOO_DEEP.
 */
export function unlessTooDeep<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (e) {
    if (e instanceof RangeError && e.message.includes(STACK_OVERFLOW)) return undefined;
    throw e;
  }
}
