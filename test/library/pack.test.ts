import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, ROOT } from '../e2e/support.js';

// The package as a user gets it: `npm pack`, installed from the tarball into a fresh project outside
// the source tree, imported from TypeScript (type-checked) and JavaScript, and its bin run. Offline:
// the dependencies come from npm's cache at the versions of our lock file, which the consumer's lock
// pins (with their tarball addresses, which our lock omits: omit-lockfile-registry-resolved).

interface Run { code: number | null; stdout: string; stderr: string }

/** The environment of a shell in the consumer project: not npm's variables of a running `npm test`. */
function consumerEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && !['NODE_OPTIONS', 'NODE_PATH', 'VITEST', 'FORCE_COLOR', 'NO_COLOR'].includes(k)));
}

function run(command: string, args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd, env: consumerEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

const ok = (r: Run, what: string): Run => {
  if (r.code !== 0) throw new Error(`${what}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
};

const TS_CONSUMER = `import { analyse, InputError, lint, parsePolicy, render, simulate, VERSION, type Finding, type LifecyclePolicy, type Report, type Simulation } from 'ecr-lifeguard';

const policy: LifecyclePolicy = {
  rules: [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } }],
};
const images = [1, 2].map((n) => ({ imageDigest: 'sha256:' + String(n).repeat(64), imageTags: ['v' + n], imagePushedAt: Date.UTC(2026, 0, n), imageStatus: 'ACTIVE' as const }));
const simulation: Simulation = simulate({ policy, images, now: '2026-11-22T00:00:00Z', days: 30 });
const report: Report = analyse({ repositories: [{ repositoryName: 'shop/api', images, policy }], now: new Date('2026-11-22T00:00:00Z') });
const findings: Finding[] = lint(JSON.stringify(policy), { file: 'policy.json' }).report.findings;
const problems = parsePolicy({ rules: 'none' }).problems.map((p) => p.code + ' ' + (p.location.pointer ?? ''));
let caught = '';
try {
  lint('not json', { file: 'policy.json' });
} catch (e) {
  if (e instanceof InputError) caught = e.code + ' ' + e.exitCode + ' ' + e.problems[0]!.code;
}
const markdown: string = await render(report, 'markdown');
console.log(JSON.stringify({ version: VERSION, verdicts: simulation.images.map((i) => i.action), findings: findings.map((f) => f.id), problems, caught, markdown: markdown.length > 0 }));
// @ts-expect-error: the report's verdicts are ECR's, typed
const wrong: Report['repositories'][number]['images'][number]['action'] = 'DELETE';
void wrong;
`;

const JS_CONSUMER = `import * as lib from 'ecr-lifeguard';
import { createRequire } from 'node:module';
const policy = '{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}';
let deep = 'importable';
try { await import('ecr-lifeguard/dist/cli/main.js'); } catch (e) { deep = e.code; }
const schema = createRequire(import.meta.url).resolve('ecr-lifeguard/schemas/report.schema.json');
console.log(JSON.stringify({ resolved: import.meta.resolve('ecr-lifeguard'), schema, deep, exports: Object.keys(lib).sort(), valid: lib.parsePolicy(policy).problems.length }));
`;

describe('the packed package, installed into a fresh project', () => {
  let project = '';

  beforeAll(async () => {
    assertBuilt();
    expect(existsSync(join(ROOT, 'dist', 'index.js')) && existsSync(join(ROOT, 'dist', 'index.d.ts')), 'npm run build emits dist/index.js and dist/index.d.ts').toBe(true);
    project = realpathSync(mkdtempSync(join(tmpdir(), 'ecr-lifeguard-consumer-')));
    const packed = JSON.parse(ok(await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', project], ROOT), 'npm pack').stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const tarball = packed[0]!.filename;
    expect(packed[0]!.files.map((f) => f.path).filter((p) => /^(src|test)\//.test(p))).toEqual([]);

    const ours = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; license: string; bin: object; engines: object; dependencies: Record<string, string> };
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string; dev?: boolean; link?: boolean; resolved?: string }> };
    const dependencies = { 'ecr-lifeguard': `file:${tarball}` };
    const devDependencies = { typescript: lock.packages['node_modules/typescript']!.version, '@types/node': lock.packages['node_modules/@types/node']!.version };
    const packages: Record<string, unknown> = {
      '': { name: 'consumer', version: '1.0.0', dependencies, devDependencies },
      'node_modules/ecr-lifeguard': { version: ours.version, resolved: `file:${tarball}`, license: ours.license, dependencies: ours.dependencies, bin: ours.bin, engines: ours.engines },
    };
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (path === '' || entry.link || (entry.dev && path !== 'node_modules/typescript')) continue;
      const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
      packages[path] = { ...entry, resolved: entry.resolved ?? `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${entry.version}.tgz` };
    }
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module', dependencies, devDependencies }, null, 2));
    writeFileSync(join(project, 'package-lock.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2));
    ok(await run('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], project), 'npm ci --offline (the dependencies must be in npm\'s cache)');
  }, 600_000);

  afterAll(() => {
    if (project) rmSync(project, { recursive: true, force: true });
  });

  it('type-checks and runs a TypeScript consumer against the generated declarations', async () => {
    writeFileSync(join(project, 'consumer.ts'), TS_CONSUMER);
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false, types: ['node'], outDir: 'out' },
      files: ['consumer.ts'],
    }));
    ok(await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], project), 'tsc');
    const out = JSON.parse(ok(await run(process.execPath, ['out/consumer.js'], project), 'node out/consumer.js').stdout);
    expect(out).toEqual({
      version: JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version,
      verdicts: ['KEEP', 'EXPIRE'],
      findings: ['catch-all-small-count'],
      problems: ['policy/text-length ', 'policy/wrong-type /rules'],
      caught: 'input 2 source/unrecognised',
      markdown: true,
    });
  }, 120_000);

  it('imports from JavaScript, from the installed copy only, through the exports map', async () => {
    writeFileSync(join(project, 'consumer.mjs'), JS_CONSUMER);
    const out = JSON.parse(ok(await run(process.execPath, ['consumer.mjs'], project), 'node consumer.mjs').stdout);
    expect(out.resolved).toBe(`file://${project}/node_modules/ecr-lifeguard/dist/index.js`);
    expect(out.schema).toBe(`${project}/node_modules/ecr-lifeguard/schemas/report.schema.json`);
    expect(out.deep).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
    expect(out.exports).toEqual(expect.arrayContaining(['analyse', 'lint', 'parsePolicy', 'render', 'simulate', 'loadRepositories', 'InputError']));
    expect(out.valid).toBe(0);
  }, 120_000);

  it('runs the ecr-lifeguard bin', async () => {
    writeFileSync(join(project, 'policy.json'), JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 0 }, action: { type: 'expire' } }] }));
    const bin = join(project, 'node_modules', '.bin', 'ecr-lifeguard');
    expect((await run(bin, ['--version'], project)).stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    const r = await run(bin, ['lint', 'policy.json', '--format', 'json'], project);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toBe('');
    expect((JSON.parse(r.stdout) as Report).findings.map((f) => f.id)).toContain('ecr-rejects-policy');
  }, 120_000);
});

type Report = { findings: Array<{ id: string }> };
