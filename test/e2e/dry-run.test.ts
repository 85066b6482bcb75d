import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BENCH_NOW, generateSnapshot } from '../bench/generate.js';
import { assertBuilt, between, BIN, expectCleanFailure, FIXTURES, NOW, ROOT, runCli, runCommand, SAMPLES, type CliRun } from './support.js';

// `ecr-lifeguard dry-run` end to end (issue 2): the built CLI on the bundled samples, as a user runs it.

const DAY_MS = 86_400_000;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

interface PreviewResult {
  imageDigest: string;
  imageTags: string[];
  imagePushedAt: string;
  action: { type: string; targetStorageClass?: string };
  appliedRulePriority: number;
  storageClass: string;
}
interface JsonImage {
  imageDigest: string;
  imageTags: string[];
  action: string;
  appliedRulePriority?: number;
  protectingRulePriority?: number;
  cause?: string;
  reason: string;
  fate?: { action: string; date: string; day: number };
  inUse?: string[];
}
interface JsonRepository {
  repositoryName: string;
  previewResults: PreviewResult[];
  summary: { expiringImageTotalCount?: number; transitioningImageTotalCounts?: Array<{ targetStorageClass: string; imageTotalCount: number }> };
  images: JsonImage[];
  timeline: Array<{ date: string; day: number; imageDigest: string; action: string; appliedRulePriority: number }>;
}
interface JsonReport {
  tool: { name: string; version: string };
  now: string;
  days: number;
  repositories: JsonRepository[];
  findings: Array<{ id: string; severity: string; repositoryName?: string; image?: { imageDigest: string } }>;
}

/** Digests per repository, read from the snapshot's describe-images files. */
function sampleDigests(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const walk = (dir: string, name: string[]) => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (!statSync(path).isDirectory()) continue;
      const file = join(path, 'describe-images.json');
      try {
        const doc = JSON.parse(readFileSync(file, 'utf8')) as { imageDetails: Array<{ imageDigest: string }> };
        out.set([...name, entry].join('/'), doc.imageDetails.map((d) => d.imageDigest).sort());
      } catch {
        walk(path, [...name, entry]);
      }
    }
  };
  walk(join(ROOT, 'samples', 'registry'), []);
  return out;
}

const repo = (report: JsonReport, name: string) => {
  const r = report.repositories.find((x) => x.repositoryName === name);
  if (!r) throw new Error(`no repository ${name} in the report`);
  return r;
};
const byTag = (r: JsonRepository, tag: string) => r.images.find((i) => i.imageTags.includes(tag))!;

beforeAll(() => assertBuilt());

describe('dry-run --format json on the samples', () => {
  const args = ['dry-run', ...SAMPLES, '--now', NOW, '--days', '30', '--format', 'json'];
  let first: CliRun;
  let second: CliRun;
  let never: CliRun;
  let report: JsonReport;

  beforeAll(async () => {
    [first, second, never] = await Promise.all([runCli(args), runCli(args), runCli([...args, '--fail-on', 'never'])]);
    report = JSON.parse(first.stdout) as JsonReport;
  });

  it('exits 1 with error findings under the default --fail-on error, 0 with --fail-on never; stderr stays empty', () => {
    expect(first.stderr).toBe('');
    expect(first.code).toBe(1);
    expect(report.findings.some((f) => f.severity === 'error')).toBe(true);
    expect(never.code).toBe(0);
    expect(never.stdout).toBe(first.stdout);
  });

  it('is byte-for-byte identical across runs with the same --now', () => {
    expect(second.stdout).toBe(first.stdout);
  });

  it('validates against schemas/report.schema.json (JSON Schema 2020-12)', () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'schemas', 'report.schema.json'), 'utf8')) as object;
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    expect(validate(report) ? [] : validate.errors).toEqual([]);
  });

  it('has the top-level shape of the issue: tool, now, days, repositories, findings', () => {
    expect(Object.keys(report).slice(0, 5)).toEqual(['tool', 'now', 'days', 'repositories', 'findings']);
    expect(report.tool).toEqual({ name: 'ecr-lifeguard', version: pkg.version });
    expect(report.now).toBe('2026-11-22T00:00:00.000Z');
    expect(report.days).toBe(30);
    const names = report.repositories.map((r) => r.repositoryName);
    expect(names).toEqual([...sampleDigests().keys()]);
    expect(names).toEqual([...names].sort());
    for (const r of report.repositories) {
      for (const key of ['repositoryName', 'previewResults', 'summary', 'images', 'timeline']) expect(r, `${r.repositoryName}.${key}`).toHaveProperty(key);
    }
  });

  it('mirrors GetLifecyclePolicyPreview field for field in previewResults and summary', () => {
    let transitions = 0;
    for (const r of report.repositories) {
      for (const p of r.previewResults) {
        expect(Object.keys(p).sort()).toEqual(['action', 'appliedRulePriority', 'imageDigest', 'imagePushedAt', 'imageTags', 'storageClass']);
        expect(p.imageDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
        expect(Array.isArray(p.imageTags)).toBe(true);
        expect(new Date(p.imagePushedAt).toISOString()).toBe(p.imagePushedAt);
        expect(Number.isInteger(p.appliedRulePriority)).toBe(true);
        expect(['STANDARD', 'ARCHIVE']).toContain(p.storageClass);
        if (p.action.type === 'EXPIRE') expect(p.action).toEqual({ type: 'EXPIRE' });
        else expect(p.action).toEqual({ type: 'TRANSITION', targetStorageClass: 'ARCHIVE' });
      }
      const expiring = r.previewResults.filter((p) => p.action.type === 'EXPIRE').length;
      const transitioning = r.previewResults.filter((p) => p.action.type === 'TRANSITION').length;
      transitions += transitioning;
      expect(Object.keys(r.summary).every((k) => ['expiringImageTotalCount', 'transitioningImageTotalCounts'].includes(k))).toBe(true);
      expect(r.summary.expiringImageTotalCount ?? 0).toBe(expiring);
      if (transitioning > 0) expect(r.summary.transitioningImageTotalCounts).toEqual([{ targetStorageClass: 'ARCHIVE', imageTotalCount: transitioning }]);
      else expect(r.summary).not.toHaveProperty('transitioningImageTotalCounts');
      // Like AWS's preview: exactly the images a rule acts on now; referrers that follow their subject are in `images` only.
      expect(r.previewResults.map((p) => p.imageDigest).sort()).toEqual(r.images.filter((i) => i.action !== 'KEEP' && i.cause === 'rule').map((i) => i.imageDigest).sort());
    }
    expect(transitions).toBeGreaterThan(0);
    const referrer = repo(report, 'shop/api').images.find((i) => i.cause === 'follows-subject')!;
    expect(referrer).toMatchObject({ action: 'EXPIRE', reason: expect.stringMatching(/^referrer of sha256:9e6e686d12e1/) });
    expect(repo(report, 'shop/api').previewResults.map((p) => p.imageDigest)).not.toContain(referrer.imageDigest);
    // Concrete verdicts of the samples: an archived image expiring from ARCHIVE, a release archived from STANDARD.
    const web = repo(report, 'shop/web');
    expect(web.previewResults.find((p) => p.imageTags.includes('v1.9.0'))).toMatchObject({ action: { type: 'EXPIRE' }, appliedRulePriority: 2, storageClass: 'ARCHIVE' });
    expect(web.previewResults.find((p) => p.imageTags.includes('v2.3.0'))).toMatchObject({ action: { type: 'TRANSITION', targetStorageClass: 'ARCHIVE' }, appliedRulePriority: 1, storageClass: 'STANDARD' });
  });

  it('lists the images that matter: an action now or within the horizon, in use, or with a finding; the counts stay whole', async () => {
    const all = JSON.parse((await runCli([...args, '--all'])).stdout) as JsonReport;
    let left = 0;
    for (const [name, digests] of sampleDigests()) {
      const whole = repo(all, name);
      const listed = repo(report, name);
      const flagged = new Set(report.findings.filter((f) => f.repositoryName === name && f.image).map((f) => f.image!.imageDigest));
      const matters = whole.images.filter((i) => i.action !== 'KEEP' || i.fate !== undefined || (i.inUse?.length ?? 0) > 0 || flagged.has(i.imageDigest));
      expect(listed.images, name).toEqual(matters);
      expect(whole.images.map((i) => i.imageDigest).sort(), name).toEqual(digests);
      // Everything else of the repository is the same whole: preview, summary, timeline, storage, image count.
      const { images: _a, notes: notesListed, ...restListed } = listed as JsonRepository & { notes: string[] };
      const { images: _b, notes: notesWhole, ...restWhole } = whole as JsonRepository & { notes: string[] };
      expect(restListed, name).toEqual(restWhole);
      const hidden = digests.length - matters.length;
      left += hidden;
      if (hidden > 0) expect(notesListed, name).toEqual([...notesWhole, expect.stringMatching(new RegExp(`^\\.\\.\\. and ${hidden} more images? not listed \\(kept, not in use, no finding\\); --all lists every image$`))]);
      else expect(notesListed, name).toEqual(notesWhole);
    }
    expect(left).toBeGreaterThan(0);
    expect(repo(report, 'legacy/batch').images.some((i) => i.imageTags.includes('2024.06'))).toBe(false);
  });

  it('with --all, lists every image of every repository with its action, rule and a one-line reason', async () => {
    const all = JSON.parse((await runCli([...args, '--all'])).stdout) as JsonReport;
    for (const [name, digests] of sampleDigests()) {
      const r = repo(all, name);
      expect(r.images.map((i) => i.imageDigest).sort(), name).toEqual(digests);
      for (const i of r.images) {
        expect(['EXPIRE', 'TRANSITION', 'KEEP']).toContain(i.action);
        expect(i.reason).toMatch(/^\S.*\S$/);
        expect(i.reason).not.toContain('\n');
        if (i.action === 'KEEP') expect(i.appliedRulePriority).toBeUndefined();
        else expect(Number.isInteger(i.appliedRulePriority)).toBe(true);
      }
    }
    const api = repo(all, 'shop/api');
    expect(byTag(api, 'release-1.2')).toMatchObject({ action: 'EXPIRE', appliedRulePriority: 1, reason: 'rule 1 expires it: rank 7 of 9 it selects, beyond the newest 5' });
    expect(byTag(api, 'release-1.8')).toMatchObject({ action: 'KEEP', protectingRulePriority: 1, reason: 'rule 1 keeps it: rank 1 of 9 it selects, within the newest 5' });
    expect(byTag(repo(all, 'legacy/batch'), '2024.06')).toMatchObject({ action: 'KEEP', reason: 'no rule selects it' });
  });

  it('dates every action of the timeline within the horizon, in date order', () => {
    const all = report.repositories.flatMap((r) => r.timeline);
    expect(all.some((t) => t.day > 0)).toBe(true);
    const now = Date.parse(NOW);
    for (const r of report.repositories) {
      const dates = r.timeline.map((t) => t.date);
      expect(dates).toEqual([...dates].sort());
      for (const t of r.timeline) {
        expect(t.day).toBeGreaterThanOrEqual(0);
        expect(t.day).toBeLessThanOrEqual(30);
        expect(t.date).toBe(new Date(now + t.day * DAY_MS).toISOString());
        expect(['EXPIRE', 'TRANSITION']).toContain(t.action);
      }
    }
    // The index children of the archived v2.3.0 become ordinary untagged images the day after.
    const later = repo(report, 'shop/web').timeline.filter((t) => t.day === 1);
    expect(later.map((t) => t.action)).toEqual(['EXPIRE', 'EXPIRE']);
    expect(later[0]!.date).toBe('2026-11-23T00:00:00.000Z');
  });

  it('reports every finding kind of the analysis', () => {
    expect([...new Set(report.findings.map((f) => f.id))].sort()).toEqual([
      'base-image-expired',
      'in-use-image-archived',
      'in-use-image-expired',
      'in-use-signature-removed',
      'recently-pulled-image-expired',
      'rollback-target-expired',
      'unresolved-in-use-reference',
    ]);
    const api = repo(report, 'shop/api');
    expect(report.findings).toContainEqual(expect.objectContaining({
      id: 'in-use-image-expired', severity: 'error', repositoryName: 'shop/api', image: expect.objectContaining({ imageDigest: byTag(api, 'release-1.2').imageDigest }),
    }));
  });
});

describe.concurrent('dry-run --policy FILE --images FILE [--manifests FILE]', () => {
  const dir = `${FIXTURES}/shop-api`;

  it('uses copies of samples/registry/shop/api (refresh them by copying when the samples change)', () => {
    for (const f of ['get-lifecycle-policy.json', 'describe-images.json', 'batch-get-image.json']) {
      expect(readFileSync(join(ROOT, dir, f), 'utf8'), f).toBe(readFileSync(join(ROOT, 'samples/registry/shop/api', f), 'utf8'));
    }
  });

  it('gives the same verdicts as the snapshot for that repository', async () => {
    const common = ['--now', NOW, '--days', '30', '--format', 'json', '--fail-on', 'never'];
    const [files, snapshot] = await Promise.all([
      runCli(['dry-run', '--policy', `${dir}/get-lifecycle-policy.json`, '--images', `${dir}/describe-images.json`, '--manifests', `${dir}/batch-get-image.json`, ...common]),
      runCli(['dry-run', '--snapshot', 'samples/registry', ...common]),
    ]);
    expect(files.stderr).toBe('');
    expect(files.code).toBe(0);
    const single = JSON.parse(files.stdout) as JsonReport;
    expect(single.repositories.map((r) => r.repositoryName)).toEqual(['shop/api']);
    const fromSnapshot = repo(JSON.parse(snapshot.stdout) as JsonReport, 'shop/api');
    for (const key of ['previewResults', 'summary', 'images', 'timeline'] as const) expect(single.repositories[0]![key], key).toEqual(fromSnapshot[key]);
  });

  it('works without --manifests and says what is unknown', async () => {
    const r = await runCli(['dry-run', '--policy', `${dir}/get-lifecycle-policy.json`, '--images', `${dir}/describe-images.json`, '--now', NOW, '--format', 'json', '--fail-on', 'never']);
    expect(r.code).toBe(0);
    const single = JSON.parse(r.stdout) as JsonReport & { repositories: Array<{ notes: string[] }> };
    expect(single.repositories[0]!.notes.join(' ')).toMatch(/no manifests/);
    expect(byTag(single.repositories[0]!, 'release-1.2').action).toBe('EXPIRE');
  });
});

describe.concurrent('dry-run --format table', () => {
  const args = ['dry-run', ...SAMPLES, '--now', NOW, '--format', 'table', '--fail-on', 'never'];
  // eslint-disable-next-line no-control-regex
  const ANSI = /\u001b\[/;

  it('with --all, lists every image of a repository with its verdict, without colour when stdout is not a terminal', async () => {
    const r = await runCli([...args, '--all']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(ANSI);
    const section = r.stdout.slice(r.stdout.indexOf('Repository shop/api'), r.stdout.indexOf('Repository shop/web'));
    expect(section).toMatch(/^Repository shop\/api — 16 images: 8 EXPIRE, 0 TRANSITION, 8 KEEP now/);
    for (const digest of sampleDigests().get('shop/api')!) expect(section).toContain(digest.slice(0, 19));
    expect(section).toMatch(/│ sha256:6f13bce35cb5\s+│ release-1\.2\s+│ 2026-10-04 │ EXPIRE\s+│ acts 1 │/);
    expect(section).toMatch(/│ sha256:d056bdd48598\s+│ latest, release-1\.8\s+│ 2026-11-15 │ KEEP\s+│ kept 1 │/);
    expect(r.stdout).toMatch(/│ v2\.3\.0\s+│ 2026-09-01 │ TRANSITION │ acts 1 │/);
    expect(r.stdout).toMatch(/^Findings: \d+ errors/m);
  });

  it('by default lists the images that matter and says how many others there are', async () => {
    const [r, json] = await Promise.all([runCli(args), runCli(['dry-run', ...SAMPLES, '--now', NOW, '--format', 'json'])]);
    const listed = (JSON.parse(json.stdout) as JsonReport).repositories.find((x) => x.repositoryName === 'legacy/batch')!;
    const section = between(r.stdout, 'Repository legacy/batch', 'Repository ');
    for (const i of listed.images) expect(section).toContain(i.imageDigest.slice(0, 19));
    expect(section).not.toContain('2024.06');
    expect(section).toMatch(/note: \.\.\. and \d+ more images? not listed \(kept, not in use, no finding\); --all lists every image/);
  });

  it('colours with FORCE_COLOR=1, and NO_COLOR wins over it', async () => {
    const [forced, both] = await Promise.all([
      runCli(args, { env: { FORCE_COLOR: '1' } }),
      runCli(args, { env: { FORCE_COLOR: '1', NO_COLOR: '1' } }),
    ]);
    expect(forced.stdout).toMatch(ANSI);
    expect(both.stdout).not.toMatch(ANSI);
    // Same text once the escapes are gone.
    // eslint-disable-next-line no-control-regex
    expect(forced.stdout.replace(/\u001b\[[0-9;]*m/g, '')).toBe(both.stdout);
  });
});

describe.concurrent('dry-run --explain', () => {
  const explain = (query: string, ...more: string[]) => runCli(['dry-run', ...SAMPLES, '--now', NOW, '--explain', query, ...more]);

  it('traces each rule in priority order with identified, rank and the verdict, for a tag', async () => {
    const r = await explain('release-1.2');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const rules = r.stdout.split('\n').filter((l) => /^ {3}\S rule \d+:/.test(l));
    expect(rules.map((l) => /rule (\d+):/.exec(l)![1])).toEqual(['1', '2', '3', '4']);
    expect(rules[0]).toContain('rule 1: identifies it (rank 7 of 9, keeps the newest 5): candidate, expires it');
    expect(rules[1]).toContain('rule 2: does not identify it');
    expect(rules[3]).toContain('rule 4: identifies it (rank 13 of 15, keeps the newest 30): not a candidate');
    // 15, not 16: the SBOM referrer that goes with release-1.3 is never ranked (see the verdict of rule 4's other images).
    expect(r.stdout).toContain('Verdict: EXPIRE: rule 1 expires it: rank 7 of 9 it selects, beyond the newest 5');
    expect(r.stdout).toMatch(/in use: runtime samples\/in-use\/kubernetes\/helm-shop-api\.yaml:24/);
    expect(r.stdout).not.toContain('depends on documented assumptions');
  });

  it('finds the same image by a digest prefix', async () => {
    const [byDigest, byTagName] = await Promise.all([explain('6f13bce35cb5'), explain('release-1.2')]);
    expect(byDigest.code).toBe(0);
    expect(byDigest.stdout).toBe(byTagName.stdout);
    expect(byDigest.stdout).toMatch(/^Image sha256:6f13bce35cb5\w+ in shop\/api$/m);
  });

  it('shows ages against the threshold for age rules', async () => {
    const r = await explain('v2.3.0');
    expect(r.stdout).toContain('rule 1: identifies it (age 81.58 days since imagePushedAt, threshold more than 60 days): candidate, archives it');
    expect(r.stdout).toContain('Verdict: TRANSITION');
  });

  it('says when the verdict depends on an assumption: an index child', async () => {
    const r = await explain('6bb0f4eab701');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Verdict: KEEP: child of index sha256:23322afb4da7');
    expect(r.stdout).toContain('This verdict depends on documented assumptions');
    expect(r.stdout).toMatch(/^ {3}- index-children: /m);
  });

  it('says when the verdict depends on an assumption: a tie in push time', async () => {
    const r = await runCli(['dry-run', '--policy', `${FIXTURES}/tie/policy.json`, '--images', `${FIXTURES}/tie/describe-images.json`, '--now', NOW, '--explain', 'build-a']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('rule 1: identifies it (rank 2 of 2, keeps the newest 1)');
    expect(r.stdout).toMatch(/^ {3}- tie-break-digest: Images with equal push times/m);
  });

  it('names the holders in other repositories of a layer it shares under blob mounting', async () => {
    // Found by exploratory testing: a layer held only by other repositories' images printed "held by " and nothing.
    const dir = mkdtempSync(join(tmpdir(), 'explain-mounting-'));
    try {
      const sha = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;
      const layer = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: 4096, digest: sha('shared layer') };
      writeFileSync(join(dir, 'registry.json'), JSON.stringify({ registryId: '123456789012', region: 'eu-west-1', blobMounting: true }));
      const repository = (name: string, tag: string, policy?: object) => {
        const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: 100, digest: sha(`config ${name}`) }, layers: [layer] });
        const digest = sha(manifest);
        const folder = join(dir, name);
        mkdirSync(folder, { recursive: true });
        const id = { registryId: '123456789012', repositoryName: name };
        writeFileSync(join(folder, 'describe-images.json'), JSON.stringify({ imageDetails: [{ ...id, imageDigest: digest, imageTags: [tag], imagePushedAt: '2026-01-01T00:00:00+00:00', imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json', imageStatus: 'ACTIVE' }] }));
        writeFileSync(join(folder, 'batch-get-image.json'), JSON.stringify({ images: [{ ...id, imageId: { imageDigest: digest }, imageManifest: manifest, imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json' }], failures: [] }));
        if (policy) writeFileSync(join(folder, 'get-lifecycle-policy.json'), JSON.stringify({ ...id, lifecyclePolicyText: JSON.stringify(policy) }));
      };
      repository('team/a', 'old', { rules: [{ rulePriority: 1, selection: { tagStatus: 'tagged', tagPrefixList: ['old'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 }, action: { type: 'expire' } }] });
      repository('team/b', 'kept-1');
      repository('team/c', 'kept-2');
      const r = await runCli(['dry-run', '--snapshot', dir, '--now', NOW, '--explain', 'old']);
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain('Verdict: EXPIRE');
      expect(r.stdout).toContain(`shared ${layer.digest.slice(0, 19)} (4.0 KiB) held by 2 images in other repositories`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 with a one-line message for an unknown tag', async () => {
    const r = await explain('no-such-tag');
    expectCleanFailure(r);
    expect(r.stderr.split('\n')[0]).toBe('ecr-lifeguard: --explain: no image has the tag or digest "no-such-tag" (give a tag, a digest or its first 12 hex characters, or repository:tag or repository@digest)');
  });
});

describe('dry-run errors: exit 2, a clear message on stderr, no stack trace, nothing on stdout', () => {
  const api = `${FIXTURES}/shop-api`;
  const err = `${FIXTURES}/errors`;
  const policy = `${api}/get-lifecycle-policy.json`;
  const images = `${api}/describe-images.json`;
  const cases: Array<[string, string[], RegExp]> = [
    ['a missing file', ['--policy', `${err}/missing.json`, '--images', images], /errors\/missing\.json: cannot read the file: no such file/],
    ['a directory instead of a file', ['--policy', err, '--images', images], /errors: it is a directory; expected a JSON file/],
    ['an empty file', ['--policy', `${err}/empty.json`, '--images', images], /empty\.json:1:1: the file is empty; expected a JSON document/],
    ['truncated JSON', ['--policy', policy, '--images', `${err}/truncated.json`], /truncated\.json:22:7: the JSON ends early \(truncated file\?\)/],
    ['a file that is not JSON', ['--policy', `${err}/not-json.json`, '--images', images], /not-json\.json:1:1: invalid JSON/],
    ['describe-images output given as --policy', ['--policy', images, '--images', images], /describe-images\.json:1:1: this looks like `aws ecr describe-images` output, but --policy expects a lifecycle policy/],
    ['duplicate digests', ['--policy', policy, '--images', `${err}/duplicate-digests.json`], /duplicate-digests\.json:14:22 \(at \/imageDetails\/1\/imageDigest\): image sha256:111111111111\.\.\. is listed twice/],
    ['an impossible timestamp', ['--policy', policy, '--images', `${err}/impossible-timestamp.json`], /impossible-timestamp\.json:8:24 \(at \/imageDetails\/0\/imagePushedAt\): .*impossible date or time \(found "2026-02-30T00:00:00\+00:00"\)/],
    ['a --now that is not a date', ['--policy', policy, '--images', images, '--now', 'yesterday'], /--now must be an ISO-8601 date or time/],
    ['negative --days', ['--policy', policy, '--images', images, '--days', '-3'], /--days must be a whole number from 0 to 3650; found "-3"/],
    ['an impossible --now date (not rolled over to March)', ['--policy', policy, '--images', images, '--now', '2026-02-30'], /--now is not a valid date: "2026-02-30" \(impossible date or time\)/],
    ['an option given twice', ['--policy', policy, '--images', images, '--days', '3', '--days', '5'], /--days was given more than once \(3, 5\); give it once/],
    ['an unknown flag', ['--policy', policy, '--images', images, '--frobnicate'], /Unknown argument: frobnicate/],
    ['--snapshot together with --images', ['--snapshot', 'samples/registry', '--images', images], /give either --snapshot DIR or --images FILE, not both/],
    ['--days without a value', ['--policy', policy, '--images', images, '--days'], /Not enough arguments following: days/],
    ['--days with an empty value (an unset shell variable)', ['--policy', policy, '--images', images, '--days', ''], /--days needs a value/],
    ['--recent-pull-days with an empty value', ['--policy', policy, '--images', images, '--recent-pull-days', ''], /--recent-pull-days needs a value/],
    ['a horizon reaching past year 9999', ['--policy', policy, '--images', images, '--now', '9999-12-31T00:00:00Z', '--days', '1'], /--now 9999-12-31T00:00:00\.000Z with a 1-day horizon goes beyond the years 0000 to 9999/],
    ['--output naming a directory', ['--policy', policy, '--images', images, '--output', 'samples'], /--output samples: it is a directory; give a file name/],
    ['--output in a folder that does not exist', ['--policy', policy, '--images', images, '--output', 'no-such-folder/report.json'], /--output no-such-folder\/report\.json: cannot write the report: its folder does not exist/],
    ['--output on a full device', ['--policy', policy, '--images', images, '--format', 'json', '--output', '/dev/full'], /--output \/dev\/full: cannot write the report: no space left on the device/],
    ['an empty --output', ['--policy', policy, '--images', images, '--output', ''], /--output needs a file name/],
  ];

  it.concurrent.each(cases)('%s', async (_name, args, message) => {
    // --now last so a case that passes its own keeps one value.
    const r = await runCli(['dry-run', ...args, ...(args.includes('--now') ? [] : ['--now', NOW])]);
    expectCleanFailure(r);
    expect(r.stderr).toMatch(message);
  });

  it('reports every problem of an invalid policy together, each with file, JSON pointer and line', async () => {
    const r = await runCli(['dry-run', '--policy', `${err}/invalid-policy.json`, '--images', images, '--now', NOW]);
    expectCleanFailure(r);
    const file = `${err}/invalid-policy.json`;
    expect(r.stderr.split('\n').filter((l) => l.trim() !== '')).toEqual([
      'ecr-lifeguard: the input has 4 problems:',
      `  ${file}:4:23 (at /rules/0/rulePriority): ECR will reject this policy: 'rulePriority' out of range: expected integer >= 1, found 0`,
      expect.stringMatching(new RegExp(`^  ${file}:5:20 \\(at /rules/0/selection\\): ECR will reject this policy: tagStatus 'tagged' requires tagPrefixList or tagPatternList`)),
      `  ${file}:17:22 (at /rules/1/selection/countUnit): ECR will reject this policy: 'countUnit' must be "days" (found "weeks")`,
      `  ${file}:20:27 (at /rules/1/action/type): ECR will reject this policy: 'type' must be one of "expire", "transition" (found "delete")`,
    ]);
  });
});

describe('inputs nested too deeply', () => {
  // Parsers that recurse once ran out of stack here: "unexpected error: Maximum call stack size exceeded".
  const dir = mkdtempSync(join(tmpdir(), 'deep-'));
  const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
  writeFileSync(join(dir, 'pods.json'), `{"apiVersion": "v1", "kind": "List", "items": ${deep(20000)}}`);
  writeFileSync(join(dir, 'pods.yaml'), `apiVersion: v1\nkind: Pod\nspec: ${deep(20000)}\n`);
  writeFileSync(join(dir, 'policy.json'), `{"rules": ${deep(20000)}}`);
  // Shapes found by exploratory testing: a duplicate-key walk and the YAML parser (which throws here) ran out of stack.
  writeFileSync(join(dir, 'policy-4800.json'), `{"rules": [],\n "x": ${deep(4800)}}`);
  writeFileSync(join(dir, 'template.yaml'), `AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  R:\n    Type: AWS::ECR::Repository\n    Metadata:\n      - ${'- '.repeat(20_000)}x\n`);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // An in-use file is one source among many: located warning, counted in the coverage, and the run goes on.
  it.concurrent.each([
    ['a JSON in-use file', join(dir, 'pods.json'), `${join(dir, 'pods.json')}:1:558: the JSON nests more than 512 levels deep; expected at most 512 levels of nesting (ecr-lifeguard's limit)`],
    ['a YAML in-use file', join(dir, 'pods.yaml'), `${join(dir, 'pods.yaml')}:3:`],
  ])('%s: a located warning, and the run goes on', async (_name, file, message) => {
    const r = await runCli(['dry-run', '--snapshot', 'samples/registry', '--in-use', file, '--now', NOW, '--format', 'json', '--fail-on', 'never']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`warning: ${message}`);
    expect(r.stderr).not.toMatch(/^\s+at |unexpected error/m);
    expect(JSON.parse(r.stdout).inUse).toMatchObject({ filesRead: 1, filesWithProblems: 1 });
  });

  it.concurrent.each([
    ['a --policy file', ['dry-run', '--snapshot', 'samples/registry', '--policy', join(dir, 'policy-4800.json'), '--now', NOW], `${join(dir, 'policy-4800.json')}:2:518: the JSON nests more than 512 levels deep`],
  ])('%s: exit 2 with a located message', async (_name, args, message) => {
    const r = await runCli(args);
    expectCleanFailure(r);
    expect(r.stderr).toContain(message);
  });

  // lint reports a file it cannot read as a located parse-error finding (exit 1) and lints the rest.
  it.concurrent.each([
    ['a JSON policy file to lint', join(dir, 'policy.json'), 'line=1,col=522,title=parse-error::', 'the JSON nests more than 512 levels deep'],
    ['a YAML template to lint', join(dir, 'template.yaml'), 'title=parse-error::', 'cannot read'],
  ])('%s: a located parse-error finding, exit 1', async (_name, file, where, message) => {
    const r = await runCli(['lint', file, '--format', 'github']);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toContain(where);
    expect(r.stdout).toContain(message);
  });
});

describe('a reader that goes away', () => {
  it('stops quietly when stdout is closed early (| head), without a stack trace', async () => {
    const r = await runCommand('bash', ['-c', `node ${BIN} dry-run --snapshot samples/registry --now ${NOW} --format json --fail-on never | head -c 10; echo " status=\${PIPESTATUS[0]}"`]);
    expect(r.stdout).toMatch(/^\{\n  "tool" status=0\n$/);
    expect(r.stderr).toBe('');
  });

  it('standard output that cannot take the report (a full device) is a clear error with exit 2, not a stack trace', async () => {
    const r = await runCommand('bash', ['-c', `node ${BIN} dry-run --snapshot samples/registry --now ${NOW} --format json --fail-on never > /dev/full; echo "status=$?"`]);
    expect(r.stdout).toBe('status=2\n');
    expect(r.stderr).toBe('ecr-lifeguard: standard output: cannot write the report: no space left on the device\n');
  });

  it('a report too large to hold in memory: the exit code is the command\'s own and no temporary file is left', async () => {
    // Over 8 MiB, standard output is spooled to a file and copied out as the pipe drains; the reader
    // leaves in the middle of that copy.
    const work = mkdtempSync(join(tmpdir(), 'reader-gone-'));
    const snapshot = join(work, 'registry');
    await generateSnapshot({ out: snapshot, seed: 3, images: 8000, repositories: 1 });
    const tmp = join(work, 'tmp');
    mkdirSync(tmp);
    const state = `--snapshot ${snapshot} --in-use ${snapshot}-in-use --now ${BENCH_NOW} --format json --fail-on info`;
    for (const command of ['dry-run', 'audit']) {
      const whole = await runCommand('bash', ['-c', `TMPDIR=${tmp} node ${BIN} ${command} ${state} | wc -c; echo "status=\${PIPESTATUS[0]}"`]);
      expect(Number(whole.stdout.split('\n')[0]), command).toBeGreaterThan(8 * 1024 * 1024);
      expect(whole.stdout, command).toMatch(/status=1\n$/);
      const cut = await runCommand('bash', ['-c', `TMPDIR=${tmp} node ${BIN} ${command} ${state} | head -c 10; echo " status=\${PIPESTATUS[0]}"`]);
      expect(cut.stdout, command).toMatch(/^\{\n  "tool" status=1\n$/);
      expect(cut.stderr, command).not.toMatch(/\n\s+at /);
      expect(readdirSync(tmp), command).toEqual([]);
    }
    rmSync(work, { recursive: true, force: true });
  });
});

describe('npm start (the quick start)', () => {
  it('exits 0 and prints the report, with nothing on stderr', async () => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const r = await runCommand(npm, ['start'], { env: { npm_config_loglevel: undefined } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ecr-lifeguard dry-run at 2026-11-22T00:00:00.000Z, horizon 30 days');
    for (const name of sampleDigests().keys()) expect(r.stdout).toContain(`Repository ${name}`);
    expect(r.stdout).toMatch(/^Findings: \d+ errors, \d+ warnings, \d+ info$/m);
  });
});
