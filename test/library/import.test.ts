import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { assertBuilt, ROOT } from '../e2e/support.js';

// What importing the built library loads: a resolve hook records every ES module, and Node's
// NODE_DEBUG=module log every CommonJS one. A platform team's Lambda or CDK app that imports the
// package must not pay for the command line (yargs, cli-table3) or the AWS SDK it does not use.

const work = mkdtempSync(join(tmpdir(), 'library-trace-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
writeFileSync(join(work, 'hooks.mjs'), `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(process.env.LIBRARY_TRACE, r.url + '\\n');
  return r;
}
`);
writeFileSync(join(work, 'register.mjs'), `import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n`);

async function trace(script: string): Promise<{ modules: string[]; commonjs: string; stdout: string }> {
  assertBuilt();
  const file = join(work, `trace-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(file, '');
  const child = spawn(process.execPath, ['--import', pathToFileURL(join(work, 'register.mjs')).href, '--input-type=module', '-e', script], {
    cwd: ROOT, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LIBRARY_TRACE: file, NODE_DEBUG: 'module' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const code = await new Promise<number | null>((done) => child.on('close', done));
  expect(code, stderr.slice(-2000)).toBe(0);
  return { modules: readFileSync(file, 'utf8').split('\n').filter(Boolean), commonjs: stderr, stdout };
}

const CLI_ONLY = /\/node_modules\/(yargs|yargs-parser|cli-table3|@aws-sdk|@smithy|@kubernetes)\//;
const INDEX = pathToFileURL(join(ROOT, 'dist', 'index.js')).href;

describe('importing the library', () => {
  it('loads none of the CLI, its packages or the AWS SDK', async () => {
    const { modules, commonjs } = await trace(`await import(${JSON.stringify(INDEX)});`);
    expect(modules).toContain(INDEX); // the trace works
    expect(modules.filter((u) => CLI_ONLY.test(u) || /\/dist\/(cli|aws|bin)\//.test(u))).toEqual([]);
    expect(commonjs.split('\n').filter((l) => CLI_ONLY.test(l))).toEqual([]);
  });

  it('nor does using it: parsePolicy, simulate, lint, analyse and a JSON render', async () => {
    const script = `
      const lib = await import(${JSON.stringify(INDEX)});
      const policy = '{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}';
      const images = [1, 2].map((n) => ({ imageDigest: 'sha256:' + String(n).repeat(64), imageTags: ['v' + n], imagePushedAt: 1.7e12 + n * 1e9, imageStatus: 'ACTIVE' }));
      const now = '2026-11-22T00:00:00Z';
      if (!lib.parsePolicy(policy).policy) throw new Error('policy');
      const s = lib.simulate({ policy, images, now, days: 30 });
      const l = lib.lint(policy, { file: 'policy.json' });
      const r = lib.analyse({ repositories: [{ repositoryName: 'r', images, policy }], now, inUse: lib.parseInUse('x.dkr.ecr.eu-west-1.amazonaws.com/r:v1', { file: 'in-use.txt' }) });
      console.log(JSON.stringify([s.summary.expiringImageTotalCount, l.report.policies.length, JSON.parse(await lib.render(r, 'json')).repositories.length]));
    `;
    const { modules, commonjs, stdout } = await trace(script);
    expect(JSON.parse(stdout)).toEqual([1, 1, 1]);
    expect(modules.filter((u) => CLI_ONLY.test(u) || /\/dist\/(cli|aws|bin)\//.test(u))).toEqual([]);
    expect(commonjs.split('\n').filter((l) => CLI_ONLY.test(l))).toEqual([]);
  });
});
