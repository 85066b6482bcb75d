import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  analyse, explain, FORMATS, imagesFromDescribeImages, InputError, lint, loadInUse, loadRepositories, manifestsFromBatchGetImage, parseInUse,
  parsePolicy, render, simulate, UsageError, type ImageRecord, type LifecyclePolicy,
} from '../../src/index.js';
import { assertBuilt, NOW, runCli } from '../e2e/support.js';

// The public API (src/index.ts) as a caller uses it: plain data in, the CLI's documents out, the CLI's
// typed errors. Where the CLI does the same thing, the library's result must be the CLI's, byte for byte.

const DAY = 86_400_000;
const now = Date.parse(NOW);
const digest = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;
const image = (n: number, tags: string[], daysAgo: number): ImageRecord => ({ imageDigest: digest(n), imageTags: tags, imagePushedAt: now - daysAgo * DAY, imageStatus: 'ACTIVE' });
const KEEP_TWO: LifecyclePolicy = {
  rules: [{ rulePriority: 1, description: 'keep two', selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 2 }, action: { type: 'expire' } }],
};
const AGE_POLICY = JSON.stringify({
  rules: [{ rulePriority: 1, description: 'untagged after 10 days', selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 10 }, action: { type: 'expire' } }],
});

describe('parsePolicy: ECR\'s PutLifecyclePolicy checks, located', () => {
  it('accepts a valid policy, from text or object', () => {
    expect(parsePolicy(AGE_POLICY)).toEqual({ policy: JSON.parse(AGE_POLICY), problems: [], warnings: [] });
    expect(parsePolicy(KEEP_TWO).policy).toEqual(KEEP_TWO);
  });

  it('locates each problem by line, column and pointer in text, by pointer in an object', () => {
    const text = AGE_POLICY.replace('"countNumber":10', '"countNumber":0');
    const r = parsePolicy(text, { file: 'policy.json' });
    expect(r.policy).toBeUndefined();
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ code: 'policy/out-of-range', location: { file: 'policy.json', pointer: '/rules/0/selection/countNumber', line: 1, column: text.indexOf('0}') + 1 } });
    const o = parsePolicy({ rules: [{ ...KEEP_TWO.rules[0], rulePriority: 0 }] });
    expect(o.problems.map((p) => [p.code, p.location.pointer])).toEqual([['policy/out-of-range', '/rules/0/rulePriority']]);
  });
});

describe('simulate and explain', () => {
  const images = [image(1, ['a'], 1), image(2, ['b'], 2), image(3, ['c'], 3), image(4, [], 5)];

  it('gives verdicts with reasons now, and the timeline over the horizon', () => {
    const s = simulate({ policy: KEEP_TWO, images, now, days: 30 });
    expect(s.images.map((i) => [i.imageTags.join(), i.action])).toEqual([['a', 'KEEP'], ['b', 'KEEP'], ['c', 'EXPIRE'], ['', 'EXPIRE']]);
    expect(s.images.every((i) => i.reason.length > 0)).toBe(true);
    expect(s.summary.expiringImageTotalCount).toBe(2);
    expect(s.previewResults.map((p) => p.imageDigest)).toEqual([digest(3), digest(4)]);
    expect(s.timeline.map((t) => [t.day, t.imageDigest, t.action])).toEqual([[0, digest(3), 'EXPIRE'], [0, digest(4), 'EXPIRE']]);
    // The untagged image, pushed 5 days ago, expires on the first day it is more than 10 days old.
    const aged = simulate({ policy: AGE_POLICY, images, now: new Date(now), days: 30 });
    expect(aged.timeline.map((t) => [t.day, t.imageDigest])).toEqual([[6, digest(4)]]);
  });

  it('does not modify the caller\'s images, and takes them in any order', () => {
    const shuffled = [images[2]!, { ...images[0]!, imageTags: ['z', 'a'] }, images[3]!, images[1]!];
    const before = JSON.stringify(shuffled);
    const s = simulate({ policy: KEEP_TWO, images: shuffled, now: NOW });
    expect(JSON.stringify(shuffled)).toBe(before);
    expect(s.images.map((i) => i.imageDigest)).toEqual(simulate({ policy: KEEP_TWO, images, now }).images.map((i) => i.imageDigest));
  });

  it('explains one image by tag', () => {
    const [e, ...rest] = explain({ policy: KEEP_TWO, images, now }, 'c');
    expect(rest).toEqual([]);
    expect(e!.decision.action).toBe('EXPIRE');
    expect(e!.steps.length).toBeGreaterThan(0);
  });

  it('refuses bad input with the CLI\'s typed errors, never a partial result', () => {
    const bad = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e;
      }
      throw new Error('no error');
    };
    const input = bad(() => simulate({ policy: KEEP_TWO, images: [image(1, ['a'], 1), { ...image(2, [], 1), imagePushedAt: 'yesterday' as unknown as number }], now }));
    expect(input).toBeInstanceOf(InputError);
    expect(input).toMatchObject({ code: 'input', exitCode: 2, problems: [{ code: 'input/invalid-image', location: { pointer: '/images/1/imagePushedAt' } }] });
    expect(bad(() => simulate({ policy: KEEP_TWO, images: [image(1, [], 1), image(1, [], 2)], now }))).toMatchObject({ problems: [{ code: 'input/duplicate-image' }] });
    expect(bad(() => simulate({ policy: KEEP_TWO, images: [image(1, [], -1)], now }))).toMatchObject({ problems: [{ code: 'images/time-after-now', location: { pointer: '/images/0' } }] });
    expect(bad(() => simulate({ policy: { rules: [] } as unknown as LifecyclePolicy, images, now }))).toBeInstanceOf(InputError);
    const usage = bad(() => simulate({ policy: KEEP_TWO, images, now, days: 4000 }));
    expect(usage).toBeInstanceOf(UsageError);
    expect(usage).toMatchObject({ code: 'usage', exitCode: 2 });
    expect(bad(() => simulate({ policy: KEEP_TWO, images, now: '2026-11-22 10:00' }))).toBeInstanceOf(UsageError);
  });
});

describe('analyse: the dry-run analysis over plain data', () => {
  it('equals the CLI\'s dry-run report of the samples, byte for byte, from the loaders\' data', async () => {
    assertBuilt();
    const [loaded, inUse, cli] = await Promise.all([
      loadRepositories({ snapshot: 'samples/registry', now: NOW }),
      loadInUse(['samples/in-use']),
      runCli(['dry-run', '--snapshot', 'samples/registry', '--in-use', 'samples/in-use', '--now', NOW, '--days', '30', '--format', 'json', '--fail-on', 'never']),
    ]);
    expect(cli.code).toBe(0);
    expect(inUse.problems).toEqual([]);
    const report = analyse({ repositories: loaded.repositories, registry: loaded.registry, inUse, now: NOW, days: 30 });
    expect(report.findings.length).toBeGreaterThan(0);
    expect(await render(report, 'json')).toBe(cli.stdout);
  });

  it('joins in-use references read from text with images and manifests held in memory (as from SDK calls)', () => {
    const pushed = (daysAgo: number) => new Date(now - daysAgo * DAY);
    // The shapes of the SDK's DescribeImages and BatchGetImage responses: Dates, not strings.
    const manifest = (n: number) => JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digest(100 + n), size: 10 },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: digest(200 + n), size: 1000 }],
    });
    // ECR's digest of a manifest is the sha256 of its bytes (manifests that do not hash to it are not trusted).
    const imageDigest = (n: number) => `sha256:${createHash('sha256').update(manifest(n)).digest('hex')}`;
    const described = {
      imageDetails: [1, 2, 3].map((n) => ({
        registryId: '123456789012', repositoryName: 'shop/api', imageDigest: imageDigest(n), imageTags: [`v${n}`], imagePushedAt: pushed(n), imageSizeInBytes: 1000,
        imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json', imageStatus: 'ACTIVE',
      })),
    };
    const batch = { images: [1, 2, 3].map((n) => ({ registryId: '123456789012', repositoryName: 'shop/api', imageId: { imageDigest: imageDigest(n) }, imageManifest: manifest(n), imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json' })), failures: [] };
    const images = imagesFromDescribeImages(described);
    const { manifests } = manifestsFromBatchGetImage(batch);
    const inUse = parseInUse('123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/api:v3\n', { file: 'running.txt' });
    const report = analyse({
      repositories: [{ repositoryName: 'shop/api', registryId: '123456789012', region: 'eu-west-1', images, manifests, policy: KEEP_TWO }],
      registry: { registryId: '123456789012', region: 'eu-west-1' }, inUse, now, recentPullDays: 0, all: true,
    });
    expect(report.findings.map((f) => [f.id, f.severity, f.image?.imageTags, f.origins?.[0]?.file])).toEqual([['in-use-image-expired', 'error', ['v3'], 'running.txt']]);
    expect(report.inUse).toEqual({ references: 1, otherRegistries: 0 });
    expect(report.repositories[0]!.notes).toEqual([]);
    expect(report.storage).toMatchObject({ byDay: [{ day: 0, bytesFreed: 1010 }] });
  });

  it('stops on an in-use source that could not be read (the CLI warns and counts it; a library call has no warning channel)', () => {
    const inUse = parseInUse('apiVersion: v1\nkind: Pod\nspec: [\n', { file: 'pod.yaml' });
    expect(inUse.problems.map((p) => p.code)).toEqual(['yaml/syntax']);
    expect(() => analyse({ repositories: [{ repositoryName: 'r', images: [image(1, ['a'], 1)], policy: KEEP_TWO }], inUse, now })).toThrow(InputError);
    // References alone (a caller's own list) carry no problems.
    expect(analyse({ repositories: [{ repositoryName: 'r', images: [image(1, ['a'], 1)], policy: KEEP_TWO }], inUse: [], now }).inUse).toEqual({ references: 0, otherRegistries: 0 });
  });

  it('says when manifests were not supplied, renders under the command named, and refuses a repository given twice', async () => {
    const report = analyse({ repositories: [{ repositoryName: 'r', images: [image(1, ['a'], 1)] }], now });
    expect(report.repositories[0]!.policyStatus).toBe('none');
    expect(report.repositories[0]!.notes.join()).toMatch(/no manifests/);
    expect(await render(report, 'markdown')).toMatch(/^## ecr-lifeguard dry-run at 2026-11-22T00:00:00.000Z$/m);
    expect(await render(report, 'markdown', { command: 'audit' })).toMatch(/^## ecr-lifeguard audit at /m);
    expect(() => analyse({ repositories: [{ repositoryName: 'r', images: [] }, { repositoryName: 'r', images: [] }], now })).toThrow(UsageError);
  });
});

describe('lint and render', () => {
  const FILE = 'test/fixtures/lint/cli/warning.json';

  it('lints a file\'s content as `lint FILE` does, and renders every format as the CLI prints it', async () => {
    assertBuilt();
    const { report, warnings } = lint(readFileSync(FILE, 'utf8'), { file: FILE, now: NOW });
    expect(warnings).toEqual([]);
    expect(report.findings.map((f) => f.id)).toEqual(['tag-list-entries-anded']);
    for (const format of ['json', 'sarif', 'markdown', 'github', 'table'] as const) {
      const cli = await runCli(['lint', FILE, '--format', format, '--now', NOW]);
      expect(cli.code, format).toBe(0);
      expect(await render(report, format), format).toBe(cli.stdout);
    }
    expect(FORMATS).toEqual(['table', 'json', 'sarif', 'markdown', 'github', 'html']);
    expect(await render(report, 'html')).toMatch(/^<!doctype html>/i);
  });

  it('a Terraform plan: the same report as `lint plan.json`, its change included', async () => {
    const PLAN = 'test/fixtures/sources/terraform/plan-changes.json';
    const { report } = lint(readFileSync(PLAN, 'utf8'), { file: PLAN, now: NOW });
    expect(report.diff?.base).toBe(`the prior state in ${PLAN}`);
    expect(report.diff?.ruleChanges).toHaveLength(7);
    const cli = await runCli(['lint', PLAN, '--format', 'json', '--now', NOW]);
    // The CLI adds its coverage (files examined); the rest is the same.
    expect(JSON.parse(cli.stdout).coverage.filesExamined).toBe(1);
    expect(JSON.parse(await render(report, 'json'))).toEqual(JSON.parse(cli.stdout));
  });

  it('reads policies where they live (CloudFormation YAML), applies a configuration given as text', () => {
    const template = ['Resources:', '  Repo:', '    Type: AWS::ECR::Repository', '    Properties:', '      RepositoryName: shop/api', '      LifecyclePolicy:', `        LifecyclePolicyText: '${AGE_POLICY.replace('"countNumber":10', '"countNumber":0')}'`, ''].join('\n');
    const { report } = lint(template, { file: 'stack.yaml' });
    expect(report.policies!.map((p) => [p.format, p.name, p.repositoryName])).toEqual([['cloudformation', 'Repo', 'shop/api']]);
    expect(report.findings.map((f) => [f.id, f.location?.file, f.location?.line])).toEqual([['ecr-rejects-policy', 'stack.yaml', 7]]);
    const off = lint(template, { file: 'stack.yaml', config: JSON.stringify({ rules: { 'ecr-rejects-policy': 'off' } }) });
    expect(off.report.findings).toEqual([]);
  });

  it('a file that holds no policy, or a bad configuration, is an InputError with located problems', () => {
    expect(() => lint('{"hello": 1}', { file: 'other.json' })).toThrow(InputError);
    try {
      lint(AGE_POLICY, { config: '{"rules": {"no-such-check": 3}}' });
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).problems[0]!.location.file).toBe('.ecr-lifeguard.json');
    }
  });
});
