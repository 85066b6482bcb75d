import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertBuilt, ROOT, runCommand } from '../e2e/support.js';

// README "As a library": its example runs from a clone (the package imports itself by name, through
// its exports map) and prints exactly the output the README shows.

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('\n## As a library\n'));

describe('README: As a library', () => {
  it('the example prints what the README says it prints', async () => {
    assertBuilt();
    const code = /```js\n([\s\S]*?)```/.exec(section)?.[1];
    const expected = /\nprints\n\n```text\n([\s\S]*?)```/.exec(section)?.[1];
    expect(code, 'a js block in the section').toBeDefined();
    expect(expected, 'its output, in a text block after "prints"').toBeDefined();
    expect(code).toMatch(/from 'ecr-lifeguard'/);
    const r = await runCommand(process.execPath, ['--input-type=module', '-e', code!]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(expected);
  });

  it('documents every function the package exports', async () => {
    assertBuilt();
    const lib = (await import(join(ROOT, 'dist', 'index.js'))) as Record<string, unknown>;
    const functions = Object.entries(lib).filter(([name, v]) => typeof v === 'function' && !/Error$/.test(name)).map(([name]) => name);
    expect(functions.filter((name) => !section.includes(`\`${name}(`))).toEqual([]);
  });
});
