import { execFile, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../e2e/support.js';
import { lint } from './support.js';

// Exit codes and messages of `lint`, in-process and through the built CLI.

const DIR = 'test/fixtures/lint/cli';
const NOW = '2026-05-01T00:00:00Z';

describe('lint exit codes (in-process)', () => {
  it('0 for a clean policy', async () => {
    const r = await lint({ paths: [`${DIR}/clean.json`], now: NOW });
    expect(r.code).toBe(0);
    expect(r.report().findings).toEqual([]);
    expect(r.report().policies).toEqual([
      { file: `${DIR}/clean.json`, name: 'clean.json', format: 'policy-json', ruleCount: 2, valid: true, location: expect.objectContaining({ line: 1, column: 1 }) },
    ]);
  });

  it('warnings: 0 with the default --fail-on error, 1 with --fail-on warning, 0 with never', async () => {
    expect((await lint({ paths: [`${DIR}/warning.json`], now: NOW })).code).toBe(0);
    expect((await lint({ paths: [`${DIR}/warning.json`], now: NOW, failOn: 'warning' })).code).toBe(1);
    expect((await lint({ paths: [`${DIR}/warning.json`], now: NOW, failOn: 'info' })).code).toBe(1);
    expect((await lint({ paths: [`${DIR}/warning.json`], now: NOW, failOn: 'never' })).code).toBe(0);
  });

  it('1 for a policy ECR rejects, with the located "ECR will reject this policy" finding', async () => {
    const r = await lint({ paths: [`${DIR}/rejected.json`], now: NOW });
    expect(r.code).toBe(1);
    const [f] = r.report().findings;
    expect(f).toMatchObject({
      id: 'ecr-rejects-policy', severity: 'error',
      message: "ECR will reject this policy: countType 'sinceImagePulled' can only be used with action type 'transition' (found action type \"expire\"; expected action type \"transition\")",
      location: { file: `${DIR}/rejected.json`, pointer: '/rules/0/action/type', line: 6, column: 27 },
    });
    expect(r.report().policies![0]!.valid).toBe(false);
  });

  it('a file that cannot be parsed is one located parse-error finding; the other files are still linted', async () => {
    const r = await lint({ paths: [`${DIR}/broken.json`, `${DIR}/clean.json`], now: NOW, format: 'json' });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { findings: Array<{ id: string; location: { file: string; line: number } }>; policies: unknown[] };
    expect(report.findings.map((f) => [f.id, f.location.file, f.location.line])).toEqual([['parse-error', `${DIR}/broken.json`, 4]]);
    expect(report.policies).toHaveLength(1);
    expect(r.stderr).toBe('');
  });

  it('2 for a missing path, an unknown format, or state-only options without state', async () => {
    expect((await lint({ paths: [`${DIR}/missing.json`] })).stderr).toMatch(/missing.json: no such file or directory/);
    const format = await lint({ paths: [`${DIR}/clean.json`], format: 'xml' });
    expect(format.code).toBe(2);
    expect(format.stderr).toMatch(/--format must be one of table, json, sarif, markdown, github/);
    const inUse = await lint({ paths: [`${DIR}/clean.json`], inUse: ['x.txt'] });
    expect(inUse.code).toBe(2);
    expect(inUse.stderr).toMatch(/--in-use needs repository state/);
  });

  it('2 for an invalid config file, with the line of the problem', async () => {
    const r = await lint({ paths: [`${DIR}/clean.json`], config: 'test/fixtures/lint/config/invalid.json' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the input has 8 problems/);
    expect(r.stderr).toMatch(/invalid.json:3:22 \(at \/rules\/no-such-check\): unknown property 'no-such-check'/);
  });

  it('searches directories: policies in JSON and CloudFormation YAML, other files skipped, unresolved policies reported', async () => {
    const r = await lint({ paths: [`${DIR}/project`], now: NOW });
    expect(r.code).toBe(0);
    const report = r.report();
    expect(report.policies!.map((p) => `${p.file} ${p.name} ${p.format} ${p.valid}`)).toEqual([
      `${DIR}/project/infra/policy.json policy.json policy-json true`,
      `${DIR}/project/infra/stack.yaml Api cloudformation true`,
      `${DIR}/project/infra/stack.yaml Worker cloudformation false`,
    ]);
    expect(report.findings.map((f) => `${f.id} ${f.location?.file}:${f.location?.line}`)).toEqual([
      `tag-list-entries-anded ${DIR}/project/infra/policy.json:5`,
      `catch-all-small-count ${DIR}/project/infra/stack.yaml:16`,
      `unresolved-policy ${DIR}/project/infra/stack.yaml:25`,
    ]);
    expect(report.findings.find((f) => f.id === 'catch-all-small-count')!.repositoryName).toBe('shop/api');
  });

  it('a file given explicitly must hold a policy, unless --skip-other-files', async () => {
    const strict = await lint({ paths: [`${DIR}/project/package.json`, `${DIR}/clean.json`] });
    expect(strict.code).toBe(2);
    expect(strict.stderr).toMatch(/package.json: not a lifecycle policy source/);
    const lenient = await lint({ paths: [`${DIR}/project/package.json`, `${DIR}/clean.json`], skipOtherFiles: true, now: NOW });
    expect(lenient.code).toBe(0);
    expect(lenient.report().policies!.map((p) => p.name)).toEqual(['clean.json']);
  });

  it('applies the config found in the current directory: overrides and counted ignores', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'lint-cwd-'));
    writeFileSync(join(cwd, '.ecr-lifeguard.json'), readFileSync(`${DIR}/ignore-config.json`));
    const r = await lint({ paths: [resolve(`${DIR}/warning.json`), resolve(`${DIR}/project/infra/stack.yaml`)], now: NOW, failOn: 'error' }, cwd);
    const report = r.report();
    expect(report.ignored).toEqual({ 'tag-list-entries-anded': 1 });
    expect(report.findings.filter((f) => f.id === 'catch-all-small-count').map((f) => f.severity)).toEqual(['error']);
    expect(r.code).toBe(1);
  });

  it('with state: safety findings placed at the rule responsible, and state checks', async () => {
    const r = await lint({
      paths: ['test/fixtures/lint/diff/next.json'], images: 'test/fixtures/lint/diff/images.json', inUse: ['test/fixtures/lint/diff/in-use.txt'],
      now: '2026-04-30T00:00:00Z', days: 10,
    });
    expect(r.code).toBe(1);
    const report = r.report();
    expect(report.days).toBe(10);
    expect(report.findings.map((f) => `${f.id} ${f.severity} r${f.rulePriority ?? '-'} L${f.location?.line}`)).toEqual([
      'in-use-image-expired error r2 L3',
      'selects-signatures warning r5 L16',
      'rule-never-acts info r5 L14',
    ]);
  });

  it('with a snapshot, policies are paired with the repository they name; others are skipped with a warning', async () => {
    const r = await lint({ paths: ['samples/registry/shop/web/get-lifecycle-policy.json', `${DIR}/clean.json`], snapshot: 'samples/registry', now: '2026-11-22T00:00:00Z' });
    expect(r.stderr).toMatch(/clean.json \(clean.json\): state checks skipped: the policy names no repository and the state holds \d+/);
    const report = r.report();
    expect(report.findings.some((f) => f.repositoryName === 'shop/web' && f.id === 'dead-rule')).toBe(false);
    expect(report.findings.filter((f) => f.location?.file === `${DIR}/clean.json`)).toEqual([]);
  });
});

describe('lint with incomplete state', () => {
  it('exits 3 and says which repository, when a policy was checked against a repository the snapshot could not read completely', async () => {
    const snapshot = mkdtempSync(join(tmpdir(), 'lint-incomplete-'));
    cpSync('samples/registry', snapshot, { recursive: true });
    const repositoryFile = join(snapshot, 'shop', 'api', 'repository.json');
    writeFileSync(repositoryFile, JSON.stringify({ ...JSON.parse(readFileSync(repositoryFile, 'utf8')), complete: false, incompleteReason: 'DescribeImages: AccessDenied' }));
    const args = { paths: ['samples/lint/state/shop-api.get-lifecycle-policy.json'], now: '2026-11-22T00:00:00Z', failOn: 'never' };
    const [partial, whole] = await Promise.all([lint({ ...args, snapshot }), lint({ ...args, snapshot: 'samples/registry' })]);
    expect(whole.code).toBe(0);
    expect(partial.code).toBe(3);
    expect(partial.stderr).toContain('the state of shop/api (DescribeImages: AccessDenied) is incomplete');
    // The report is still written: what was found is shown, and the exit code says it is not the whole truth.
    expect(partial.report().findings).toEqual(whole.report().findings);
  });
});

describe('lint reports', () => {
  it('validate against schemas/report.schema.json (policies, state findings, diff)', async () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync('schemas/report.schema.json', 'utf8')) as object);
    const reports = [
      await lint({ paths: ['test/fixtures/lint/diff/next.json'], base: 'test/fixtures/lint/diff/base.json', images: 'test/fixtures/lint/diff/images.json', inUse: ['test/fixtures/lint/diff/in-use.txt'], now: '2026-04-30T00:00:00Z' }),
      await lint({ paths: [`${DIR}/project`, `${DIR}/rejected.json`], now: NOW }),
    ];
    for (const r of reports) {
      const ok = validate(r.report());
      expect(validate.errors ?? [], r.stdout.slice(0, 200)).toEqual([]);
      expect(ok).toBe(true);
    }
  });
});

const run = promisify(execFile);
const MAIN = BIN;

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...args], { env: { ...process.env, NO_COLOR: '1', ...env } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** The built CLI with `input` on standard input. */
function cliStdin(args: string[], input: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, args, { input, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('the built CLI', () => {
  beforeAll(() => {
    if (!existsSync('dist/cli/commands/lint.js') || !existsSync(MAIN)) throw new Error('build first: npm run build (npm test does)');
  });

  it('exits 0, 1 and 2 as documented', async () => {
    expect((await cli([MAIN, 'lint', `${DIR}/clean.json`])).code).toBe(0);
    expect((await cli([MAIN, 'lint', `${DIR}/warning.json`, '--fail-on', 'warning'])).code).toBe(1);
    expect((await cli([MAIN, 'lint', `${DIR}/rejected.json`])).code).toBe(1);
    // A file that cannot be parsed is a parse-error finding (an error: exit 1), located, in the report.
    const broken = await cli([MAIN, 'lint', `${DIR}/broken.json`, '--format', 'github']);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/^::error file=.*broken.json,line=4,col=1,title=parse-error::/m);
    expect((await cli([MAIN, 'lint', `${DIR}/missing.json`])).code).toBe(2);
    expect((await cli([MAIN, 'lint', `${DIR}/clean.json`, '--fail-on', 'sometimes'])).code).toBe(2);
  });

  it('lint - reads standard input, the format detected as for files (JSON, YAML, Terraform)', async () => {
    const tf = readFileSync('test/fixtures/sources/terraform/hcl/basic/main.tf', 'utf8');
    const r = cliStdin([MAIN, 'lint', '-', '--format', 'json', '--now', NOW], tf);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { findings: Array<{ id: string; location: { line: number } }>; policies: Array<{ format: string }> };
    expect(report.policies.map((p) => p.format)).toEqual(['terraform']);
    expect(report.findings.map((f) => [f.id, f.location.line])).toEqual([['ecr-rejects-policy', 33]]);
    const json = cliStdin([MAIN, 'lint', '-'], readFileSync(`${DIR}/warning.json`, 'utf8'));
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as { findings: Array<{ location: { file: string } }> }).findings[0]!.location.file).toBe('-');
  });

  it('writes SARIF to --output, prints GitHub annotations and Markdown', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'lint-sarif-')), 'results.sarif');
    const sarif = await cli([MAIN, 'lint', `${DIR}/warning.json`, '--format', 'sarif', '--output', out, '--now', NOW]);
    expect(sarif.code).toBe(0);
    const doc = JSON.parse(readFileSync(out, 'utf8')) as { version: string; runs: Array<{ results: Array<{ ruleId: string }> }> };
    expect(doc.version).toBe('2.1.0');
    expect(doc.runs[0]!.results.map((x) => x.ruleId)).toEqual(['tag-list-entries-anded']);
    const github = await cli([MAIN, 'lint', `${DIR}/warning.json`, '--format', 'github']);
    expect(github.stdout).toMatch(/^::warning file=.*warning.json,line=5,/m);
    const markdown = await cli([MAIN, 'lint', `${DIR}/warning.json`, '--format', 'markdown']);
    expect(markdown.stdout).toMatch(/tag-list-entries-anded/);
  });

  /** The ES modules `lint` of one file loads (a resolve hook's trace) and Node's CommonJS loading log. */
  async function traceLint(main: string): Promise<{ modules: string[]; commonjs: string }> {
    const work = mkdtempSync(join(tmpdir(), 'lint-trace-'));
    const trace = join(work, 'trace.txt');
    writeFileSync(join(work, 'hooks.mjs'), `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(process.env.LINT_TRACE, r.url + '\\n');
  return r;
}
`);
    writeFileSync(join(work, 'register.mjs'), `import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n`);
    const r = await cli(['--import', join(work, 'register.mjs'), main, 'lint', `${DIR}/warning.json`, '--format', 'json'], { LINT_TRACE: trace, NODE_DEBUG: 'module' });
    expect(r.code).toBe(0);
    return { modules: readFileSync(trace, 'utf8').split('\n'), commonjs: r.stderr };
  }

  it('does not load the AWS SDK or the analysis to lint a policy file (the compiled modules)', async () => {
    const { modules, commonjs } = await traceLint('dist/cli/main.js');
    expect(modules.some((u) => u.endsWith('/dist/lint/lint.js'))).toBe(true); // the trace works
    expect(modules.filter((u) => /@aws-sdk|@smithy/.test(u))).toEqual([]);
    expect(modules.filter((u) => /\/dist\/(analyse\/analyse|lint\/state|load\/snapshot|analyse\/in-use\/index)\.js$/.test(u))).toEqual([]);
    // The validator generated at build time, not Ajv compiling the schema at start-up.
    expect(commonjs).toMatch(/dist\/load\/validators\/lifecycle-policy\.cjs/);
    expect(commonjs).not.toMatch(/ajv\/dist\/(2020|core)/);
  });

  it('the bundled command (the package bin) loads its own chunks only, no AWS SDK, and the prebuilt validator', async () => {
    const { modules, commonjs } = await traceLint(MAIN);
    const ours = modules.filter((u) => u.startsWith('file:') && !u.includes('/node_modules/'));
    expect(ours.length).toBeGreaterThan(0);
    // Every module of ours comes from the bundle's folder: nothing falls back to the compiled tree.
    expect(ours.filter((u) => !u.includes(`/${dirname(MAIN)}/`))).toEqual([]);
    expect(modules.filter((u) => /@aws-sdk|@smithy/.test(u))).toEqual([]);
    expect(commonjs).toMatch(/dist\/load\/validators\/lifecycle-policy\.cjs/);
    expect(commonjs).not.toMatch(/ajv\/dist\/(2020|core)/);
  });

  it('gives the same output as the compiled modules', async () => {
    for (const args of [['lint', `${DIR}/warning.json`, '--format', 'json', '--now', NOW], ['lint', `${DIR}/rejected.json`, '--format', 'sarif', '--now', NOW], ['--version'], ['lint', '--help']]) {
      const bundled = await cli([MAIN, ...args]);
      expect(bundled.stdout.length, args.join(' ')).toBeGreaterThan(0);
      expect(bundled, args.join(' ')).toEqual(await cli(['dist/cli/main.js', ...args]));
    }
  });
});
