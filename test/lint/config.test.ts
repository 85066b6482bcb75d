import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/model/errors.js';
import type { Finding } from '../../src/model/finding.js';
import { applyIgnores, globToRegExp, loadConfig, parseConfigText } from '../../src/lint/config.js';
import { discoverPolicySources } from '../../src/load/sources/index.js';
import { buildLintReport, lintAll } from '../../src/lint/run.js';

const DIR = 'test/fixtures/lint/config';

async function lintWith(configFile: string): Promise<ReturnType<typeof buildLintReport>> {
  const config = await loadConfig(configFile, process.cwd());
  const { sources } = await discoverPolicySources([`${DIR}/policy.json`]);
  return buildLintReport({ policies: lintAll(sources, config), config, cwd: process.cwd(), now: 0, days: 0 });
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e.problems.map((p) => `${p.location.line}:${p.location.column} ${p.code} ${p.message}`);
    throw e;
  }
  return [];
}

describe('config file', () => {
  it('reports every problem of an invalid config with its line and column', async () => {
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(`${DIR}/invalid.json`, 'utf8');
    const problems = problemsOf(() => parseConfigText(text, `${DIR}/invalid.json`));
    expect(problems).toEqual([
      expect.stringMatching(/^3:22 config\/unknown-property unknown property 'no-such-check'; allowed: archive-minimum, /),
      expect.stringMatching(/^4:22 config\/not-allowed-value 'shadowed-rule' must be one of "off", "info", "warning", "error"/),
      expect.stringMatching(/^5:61 config\/out-of-range 'minimumCount' out of range: expected integer >= 1, found 0/),
      expect.stringMatching(/^5:74 config\/unknown-property unknown property 'colour'; allowed: minimumCount/),
      expect.stringMatching(/^6:62 config\/unknown-property unknown property 'days'; allowed: $/),
      expect.stringMatching(/^9:40 config\/bad-reason malformed reason/),
      expect.stringMatching(/^10:13 config\/not-allowed-value 'id' must be one of /),
      expect.stringMatching(/^11:5 config\/missing-property missing required property 'reason'/),
    ]);
  });

  it('is optional: no file in the directory means defaults', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lint-config-'));
    const config = await loadConfig(undefined, dir);
    expect(config.file).toBeUndefined();
    expect(config.rules.size).toBe(0);
  });

  it('is found in the current directory, and --config must exist', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lint-config-'));
    writeFileSync(join(dir, '.ecr-lifeguard.json'), '{"rules": {"dead-rule": "error"}}');
    expect((await loadConfig(undefined, dir)).rules.get('dead-rule')).toEqual({ level: 'error', options: {} });
    await expect(loadConfig('missing.json', dir)).rejects.toThrow(/cannot read the file: no such file/);
  });

  it('reports a JSON syntax error with its position', async () => {
    expect(problemsOf(() => parseConfigText('{\n  "rules": {,}\n}', 'c.json'))).toEqual([expect.stringMatching(/^2:13 json\/syntax/)]);
  });

  it('overrides severities, turns checks off, passes options and drops ignored findings, counting them', async () => {
    const base = buildLintReport({
      policies: lintAll((await discoverPolicySources([`${DIR}/policy.json`])).sources, { rules: new Map(), ignore: [] }),
      config: { rules: new Map(), ignore: [] }, cwd: process.cwd(), now: 0, days: 0,
    });
    expect(base.findings.map((f) => `${f.id}:${f.severity}`)).toEqual([
      'tag-list-entries-anded:warning', 'selects-signatures:warning',
    ]);
    const report = await lintWith(`${DIR}/valid.json`);
    // selects-signatures is an error (rule 1 protects prod/staging images, not their signatures, from rule 2).
    expect(report.findings.map((f) => `${f.id}:${f.severity}`)).toEqual(['selects-signatures:error']);
    expect(report.ignored).toEqual({ 'tag-list-entries-anded': 1 });
  });
});

describe('ignore entries', () => {
  const finding = (over: Partial<Finding>): Finding => ({ id: 'in-use-image-expired', severity: 'error', message: 'm', evidence: {}, ...over });
  const f1 = finding({ repositoryName: 'shop/api', image: { imageDigest: 'sha256:aa', imageTags: ['v1', 'prod'] }, location: { file: 'infra/a/policy.json' } });
  const f2 = finding({ repositoryName: 'shop/web', image: { imageDigest: 'sha256:bb', imageTags: [] }, location: { file: 'infra/b/policy.json' } });
  const ignoring = (entry: Record<string, string>) =>
    applyIgnores([f1, f2], { rules: new Map(), ignore: [{ id: 'in-use-image-expired', reason: 'r', ...entry }] }, '/work');

  it('match by id and every given filter', () => {
    expect(ignoring({}).ignored).toEqual({ 'in-use-image-expired': 2 });
    expect(ignoring({ repository: 'shop/api' }).findings).toEqual([f2]);
    expect(ignoring({ image: 'prod' }).findings).toEqual([f2]);
    expect(ignoring({ image: 'sha256:bb' }).findings).toEqual([f1]);
    expect(ignoring({ file: 'infra/b/*.json' }).findings).toEqual([f1]);
    expect(ignoring({ file: 'infra/**' }).findings).toEqual([]);
    expect(ignoring({ file: 'infra/*' }).findings).toEqual([f1, f2]);
    expect(ignoring({ repository: 'shop/api', image: 'sha256:bb' }).findings).toEqual([f1, f2]);
    expect(applyIgnores([f1], { rules: new Map(), ignore: [{ id: 'dead-rule', reason: 'r' }] }, '/work').findings).toEqual([f1]);
  });

  it('image matches the tag or digest an unresolved reference names (it has no image)', async () => {
    const { analyseRepository } = await import('../../src/analyse/analyse.js');
    const { parseImageReference } = await import('../../src/analyse/references.js');
    const use = (raw: string, line: number) => ({ kind: 'runtime' as const, reference: parseImageReference(raw)!, origin: { file: 'images.txt', line } });
    const host = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
    const analysed = analyseRepository({
      repositoryName: 'shop/api', registryId: '123456789012', region: 'eu-west-1', now: Date.parse('2026-11-22T00:00:00Z'), days: 0,
      state: { repositoryName: 'shop/api', images: [], manifests: new Map(), manifestsLoaded: false },
      uses: [use(`${host}/shop/api:release-0.9`, 1), use(`${host}/shop/api@sha256:${'c'.repeat(64)}`, 2), use(`${host}/shop/api`, 3)],
    });
    const unresolved = analysed.findings.filter((f) => f.id === 'unresolved-in-use-reference');
    expect(unresolved).toHaveLength(3);
    const ignore = (image: string) => applyIgnores(unresolved, { rules: new Map(), ignore: [{ id: 'unresolved-in-use-reference', repository: 'shop/api', image, reason: 'r' }] }, '/work');
    expect(ignore('release-0.9').findings.map((f) => f.evidence.reference)).toEqual([`${host}/shop/api`, `${host}/shop/api@sha256:${'c'.repeat(64)}`].sort());
    expect(ignore(`sha256:${'c'.repeat(64)}`).ignored).toEqual({ 'unresolved-in-use-reference': 1 });
    // A reference with neither tag nor digest names latest.
    expect(ignore('latest').ignored).toEqual({ 'unresolved-in-use-reference': 1 });
  });

  it('globs: * within a segment, ** across, ? one character', () => {
    expect(globToRegExp('**/policy.json').test('policy.json')).toBe(true);
    expect(globToRegExp('**/policy.json').test('a/b/policy.json')).toBe(true);
    expect(globToRegExp('a/*.json').test('a/b/c.json')).toBe(false);
    expect(globToRegExp('./a/?.json').test('a/b.json')).toBe(true);
    expect(globToRegExp('a.json').test('aXjson')).toBe(false);
  });
});
