import { describe, expect, it } from 'vitest';
import { checkTimesAgainstNow, imageOrigin, implausibleTimes, parseDescribeImages } from '../../src/load/images.js';
import { parseJsonDocument } from '../../src/load/json-document.js';
import { lineOf, problemsOf } from './helpers.js';

type Json = Record<string, unknown>;

const D = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;
const detail = (n: number, extra: Json = {}): Json => ({
  registryId: '123456789012',
  repositoryName: 'team/api',
  imageDigest: D(n),
  imageTags: [`t${n}`],
  imageSizeInBytes: 1000 + n,
  imagePushedAt: '2024-05-01T10:00:00+00:00',
  imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
  ...extra,
});
const textOf = (details: Json[], top: Json = {}): string => JSON.stringify({ imageDetails: details, ...top }, null, 2);
const parse = (t: string) => parseDescribeImages(parseJsonDocument(t, 'images.json'));

interface Case {
  name: string;
  details: Json[];
  top?: Json;
  code: string;
  pointer: string;
  lineAt: [string, number?];
}

const rejected: Case[] = [
  { name: 'duplicate imageDigest', details: [detail(1), detail(1, { imageTags: ['other'] })], code: 'images/duplicate-digest', pointer: '/imageDetails/1/imageDigest', lineAt: ['"imageDigest"', 1] },
  { name: 'malformed digest', details: [detail(1, { imageDigest: 'sha256:ABC' })], code: 'images/bad-digest', pointer: '/imageDetails/0/imageDigest', lineAt: ['"sha256:ABC"'] },
  { name: 'malformed subjectManifestDigest', details: [detail(1, { subjectManifestDigest: 'md5:1' })], code: 'images/bad-digest', pointer: '/imageDetails/0/subjectManifestDigest', lineAt: ['"subjectManifestDigest"'] },
  { name: 'missing imageDigest', details: [{ imagePushedAt: 1714557600 }], code: 'images/missing-property', pointer: '/imageDetails/0', lineAt: ['{', 1] },
  { name: 'unparseable timestamp', details: [detail(1, { imagePushedAt: 'yesterday' })], code: 'images/bad-timestamp', pointer: '/imageDetails/0/imagePushedAt', lineAt: ['"imagePushedAt"'] },
  { name: 'impossible date', details: [detail(1, { lastRecordedPullTime: '2024-02-30T10:00:00+00:00' })], code: 'images/bad-timestamp', pointer: '/imageDetails/0/lastRecordedPullTime', lineAt: ['"lastRecordedPullTime"'] },
  { name: 'impossible hour', details: [detail(1, { imagePushedAt: '2024-05-01T24:00:00Z' })], code: 'images/bad-timestamp', pointer: '/imageDetails/0/imagePushedAt', lineAt: ['"imagePushedAt"'] },
  { name: 'timestamp without zone', details: [detail(1, { imagePushedAt: '2024-05-01T10:00:00' })], code: 'images/bad-timestamp', pointer: '/imageDetails/0/imagePushedAt', lineAt: ['"imagePushedAt"'] },
  { name: 'epoch milliseconds', details: [detail(1, { imagePushedAt: 1714557600000 })], code: 'images/bad-timestamp', pointer: '/imageDetails/0/imagePushedAt', lineAt: ['"imagePushedAt"'] },
  { name: 'timestamp of the wrong type', details: [detail(1, { lastActivatedAt: true })], code: 'images/wrong-type', pointer: '/imageDetails/0/lastActivatedAt', lineAt: ['"lastActivatedAt"'] },
  { name: 'year before 2015', details: [detail(1, { imagePushedAt: '2014-12-31T23:59:59Z' })], code: 'images/timestamp-too-early', pointer: '/imageDetails/0/imagePushedAt', lineAt: ['"imagePushedAt"'] },
  { name: 'epoch 0', details: [detail(1, { imagePushedAt: 0 })], code: 'images/timestamp-too-early', pointer: '/imageDetails/0/imagePushedAt', lineAt: ['"imagePushedAt"'] },
  { name: 'tag longer than 300 characters', details: [detail(1, { imageTags: ['ok', 'a'.repeat(301)] })], code: 'images/tag-too-long', pointer: '/imageDetails/0/imageTags/1', lineAt: ['"aaaa'] },
  { name: 'tag with a control character', details: [detail(1, { imageTags: ['v1\u001b]52;c;x\u0007'] })], code: 'images/bad-tag', pointer: '/imageDetails/0/imageTags/0', lineAt: ['"v1'] },
  { name: 'tag with a space', details: [detail(1, { imageTags: ['v 1'] })], code: 'images/bad-tag', pointer: '/imageDetails/0/imageTags/0', lineAt: ['"v 1"'] },
  { name: 'tag starting with a period', details: [detail(1, { imageTags: ['.v1'] })], code: 'images/bad-tag', pointer: '/imageDetails/0/imageTags/0', lineAt: ['".v1"'] },
  { name: 'ARCHIVED without lastArchivedAt', details: [detail(1, { imageStatus: 'ARCHIVED' })], code: 'images/archived-without-time', pointer: '/imageDetails/0/imageStatus', lineAt: ['"imageStatus"'] },
  { name: 'unknown imageStatus', details: [detail(1, { imageStatus: 'DELETED' })], code: 'images/not-allowed-value', pointer: '/imageDetails/0/imageStatus', lineAt: ['"imageStatus"'] },
  { name: 'tag on two images', details: [detail(1, { imageTags: ['latest', 'v1'] }), detail(2, { imageTags: ['v2', 'latest'] })], code: 'images/duplicate-tag', pointer: '/imageDetails/1/imageTags/1', lineAt: ['"latest"', 1] },
  { name: 'tag twice on one image', details: [detail(1, { imageTags: ['v1', 'v1'] })], code: 'images/duplicate-tag', pointer: '/imageDetails/0/imageTags/1', lineAt: ['"v1"', 1] },
  { name: 'more than 1000 tags', details: [detail(1, { imageTags: Array.from({ length: 1001 }, (_, i) => `t-${i}`) })], code: 'images/too-many-tags', pointer: '/imageDetails/0/imageTags', lineAt: ['"imageTags"'] },
  { name: 'nextToken present', details: [detail(1)], top: { nextToken: 'eyJ...' }, code: 'images/paginated', pointer: '/nextToken', lineAt: ['"nextToken"'] },
  { name: 'CLI NextToken present', details: [detail(1)], top: { NextToken: 'eyJ...' }, code: 'images/paginated', pointer: '/NextToken', lineAt: ['"NextToken"'] },
  { name: 'two repositories', details: [detail(1), detail(2, { repositoryName: 'web' })], code: 'images/mixed-repositories', pointer: '/imageDetails/1/repositoryName', lineAt: ['"web"'] },
  { name: 'two registries', details: [detail(1), detail(2, { registryId: '210987654321' })], code: 'images/mixed-registries', pointer: '/imageDetails/1/registryId', lineAt: ['"210987654321"'] },
  { name: 'negative size', details: [detail(1, { imageSizeInBytes: -1 })], code: 'images/out-of-range', pointer: '/imageDetails/0/imageSizeInBytes', lineAt: ['"imageSizeInBytes"'] },
  { name: 'null tags', details: [detail(1, { imageTags: null })], code: 'images/null-value', pointer: '/imageDetails/0/imageTags', lineAt: ['"imageTags"'] },
];

describe('parseDescribeImages: rejected', () => {
  for (const c of rejected) {
    it(c.name, () => {
      const t = textOf(c.details, c.top);
      const problems = problemsOf(() => parse(t));
      const hit = problems.find((p) => p.code === c.code);
      expect(hit, JSON.stringify(problems, null, 1)).toBeDefined();
      expect(hit!.location).toMatchObject({ file: 'images.json', pointer: c.pointer, line: lineOf(t, c.lineAt[0], c.lineAt[1]) });
    });
  }

  it('explains how to get every page', () => {
    const problems = problemsOf(() => parse(textOf([detail(1)], { nextToken: 'x' })));
    expect(problems[0]!.expected).toContain('--filter imageStatus=ANY');
    expect(problems[0]!.message).toContain('one page');
  });

  it('reports several problems together, sorted by line', () => {
    const t = textOf([
      detail(1, { imageTags: ['latest'], lastRecordedPullTime: '2014-01-01T00:00:00Z' }),
      detail(1, { imageTags: ['latest'] }),
      detail(3, { imageStatus: 'ARCHIVED' }),
    ]);
    const problems = problemsOf(() => parse(t));
    expect(problems.map((p) => p.code)).toEqual(['images/timestamp-too-early', 'images/duplicate-digest', 'images/duplicate-tag', 'images/archived-without-time']);
    const lines = problems.map((p) => p.location.line!);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
  });

  it('reports schema problems of one entry with the checks of the others', () => {
    const t = textOf([detail(1, { imageTags: ['latest'] }), detail(2, { imageTags: ['latest'] }), detail(3, { imageDigest: 'sha256:x' })]);
    const problems = problemsOf(() => parse(t));
    expect(problems.map((p) => [p.code, p.location.pointer])).toEqual([
      ['images/duplicate-tag', '/imageDetails/1/imageTags/0'],
      ['images/bad-digest', '/imageDetails/2/imageDigest'],
    ]);
  });

  it('rejects output that is not describe-images shaped', () => {
    const problems = problemsOf(() => parse('{"imageDetails": {}}'));
    expect(problems).toEqual([expect.objectContaining({ code: 'images/wrong-type', location: expect.objectContaining({ pointer: '/imageDetails', line: 1, column: 18 }) })]);
  });
});

describe('parseDescribeImages: accepted', () => {
  it('reads every timestamp form as the same instant', () => {
    const forms = ['2024-05-01T10:00:00+00:00', '2024-05-01T10:00:00.000000+00:00', '2024-05-01T10:00:00Z', '2024-05-01T12:00:00+02:00', '2024-05-01T06:30:00-0330', 1714557600, 1714557600.0];
    const images = parse(textOf(forms.map((f, i) => detail(i + 1, { imagePushedAt: f }))));
    expect(images.map((i) => i.imagePushedAt)).toEqual(forms.map(() => Date.UTC(2024, 4, 1, 10)));
  });

  it('keeps fractional seconds (milliseconds)', () => {
    const [a, b] = parse(textOf([detail(1, { imagePushedAt: '2024-05-01T10:00:00.123456+00:00' }), detail(2, { imagePushedAt: 1714557600.5 })]));
    expect(a!.imagePushedAt).toBe(Date.UTC(2024, 4, 1, 10) + 123);
    expect(b!.imagePushedAt).toBe(Date.UTC(2024, 4, 1, 10) + 500);
  });

  it('maps every ImageDetail field, defaults imageStatus to ACTIVE and ignores unknown fields', () => {
    const images = parse(
      textOf([
        detail(2, {
          imageTags: ['b', 'a'],
          lastRecordedPullTime: '2024-05-02T00:00:00Z',
          artifactMediaType: 'application/vnd.docker.container.image.v1+json',
          subjectManifestDigest: D(9),
          imageScanStatus: { status: 'COMPLETE' },
          imageScanFindingsSummary: { findingSeverityCounts: { HIGH: 1 } },
          someFutureField: { x: 1 },
        }),
        detail(1, { imageTags: undefined, imageStatus: 'ARCHIVED', lastArchivedAt: '2024-06-01T00:00:00Z', lastActivatedAt: '2024-06-02T00:00:00Z' }),
      ]),
    );
    expect(images).toEqual([
      {
        imageDigest: D(1), imageTags: [], imagePushedAt: Date.UTC(2024, 4, 1, 10), imageSizeInBytes: 1001, imageStatus: 'ARCHIVED',
        lastArchivedAt: Date.UTC(2024, 5, 1), lastActivatedAt: Date.UTC(2024, 5, 2),
        imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json', registryId: '123456789012', repositoryName: 'team/api',
      },
      {
        imageDigest: D(2), imageTags: ['a', 'b'], imagePushedAt: Date.UTC(2024, 4, 1, 10), imageSizeInBytes: 1002, imageStatus: 'ACTIVE',
        lastRecordedPullTime: Date.UTC(2024, 4, 2), artifactMediaType: 'application/vnd.docker.container.image.v1+json', subjectManifestDigest: D(9),
        imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json', registryId: '123456789012', repositoryName: 'team/api',
      },
    ]);
  });

  it('accepts an empty repository and exactly 1000 tags', () => {
    expect(parse('{"imageDetails": []}')).toEqual([]);
    expect(parse(textOf([detail(1, { imageTags: Array.from({ length: 1000 }, (_, i) => `t-${i}`) })]))[0]!.imageTags).toHaveLength(1000);
  });

  it('accepts ECR launch year timestamps', () => {
    expect(parse(textOf([detail(1, { imagePushedAt: '2015-01-01T00:00:00Z' })]))[0]!.imagePushedAt).toBe(Date.UTC(2015, 0, 1));
  });
});

describe('parseDescribeImages: tags', () => {
  it('accepts 300 characters, and the OCI characters', () => {
    const tags = ['a'.repeat(300), '_x', 'V1.2-rc_3', 'sha256-' + 'ab'.repeat(32) + '.sig'];
    expect(parse(textOf([detail(1, { imageTags: tags })]))[0]!.imageTags).toEqual([...tags].sort());
  });

  it('quotes a bad tag escaped and cut short, never raw', () => {
    const problems = problemsOf(() => parse(textOf([detail(1, { imageTags: ['\u001b]52;c;aGk=\u0007' + 'x'.repeat(400)] })])));
    expect(problems).toEqual([expect.objectContaining({ code: 'images/tag-too-long', message: "a tag of 412 characters: ECR's tags have at most 300" })]);
    expect(problems[0]!.found).toBe(`"\\u001b]52;c;aGk=\\u0007${'x'.repeat(52)}..."`);
    expect(problems[0]!.found).not.toMatch(/[\u0000-\u001f\u007f]/);
  });
});

describe('implausible but interpretable times', () => {
  const cases = [
    { field: 'lastRecordedPullTime', code: 'images/pull-before-push', extra: { lastRecordedPullTime: '2024-04-30T10:00:00+00:00' } },
    { field: 'lastArchivedAt', code: 'images/archived-before-push', extra: { imageStatus: 'ARCHIVED', lastArchivedAt: '2024-04-30T10:00:00+00:00' } },
  ] as const;
  for (const c of cases) {
    it(`${c.field} before the push: read, taken as imagePushedAt, and a located warning`, () => {
      const t = textOf([detail(1, c.extra), detail(2)]);
      const images = parse(t);
      expect(images[0]![c.field]).toBe(Date.UTC(2024, 4, 1, 10));
      const { warnings, notes } = implausibleTimes(images, Date.UTC(2025, 0, 1), 'images.json');
      expect(warnings).toEqual([
        {
          location: expect.objectContaining({ file: 'images.json', pointer: `/imageDetails/0/${c.field}`, line: lineOf(t, `"${c.field}"`) }),
          code: c.code,
          message: `${c.field} of sha256:000000000000... is before its imagePushedAt 2024-05-01T10:00:00.000Z: impossible; taken as imagePushedAt`,
          found: '2024-04-30T10:00:00.000Z',
          expected: 'imagePushedAt or later',
        },
      ]);
      expect(notes).toEqual([`1 timestamp ${c.field} before imagePushedAt: taken as imagePushedAt`]);
    });
  }

  it('times after --now: warnings and a note; nothing when --now is later', () => {
    const images = parse(textOf([detail(1), detail(2, { imagePushedAt: '2024-06-01T00:00:00Z', lastRecordedPullTime: '2024-07-01T00:00:00Z' })]));
    const { warnings, notes } = implausibleTimes(images, Date.UTC(2024, 5, 15), 'images.json');
    expect(warnings.map((w) => w.code)).toEqual(['images/time-after-now']);
    expect(notes).toEqual(['1 timestamp after the simulation time (--now): taken as is, so no age-based rule selects those images yet']);
    expect(implausibleTimes(images, Date.UTC(2024, 6, 1), 'images.json')).toEqual({ warnings: [], more: new Map(), notes: [] });
  });

  it('locates only the first three of each kind in file order, and counts the rest', () => {
    const t = textOf(Array.from({ length: 50 }, (_, i) => detail(50 - i, { imagePushedAt: `2024-06-${String(1 + (i % 28)).padStart(2, '0')}T00:00:00Z` })));
    const { warnings, more, notes } = implausibleTimes(parse(t), Date.UTC(2024, 4, 1), 'images.json');
    expect(warnings.map((w) => w.location.pointer)).toEqual(['/imageDetails/0/imagePushedAt', '/imageDetails/1/imagePushedAt', '/imageDetails/2/imagePushedAt']);
    expect(more).toEqual(new Map([['images/time-after-now', 47]]));
    expect(notes).toEqual(['50 timestamps after the simulation time (--now): taken as is, so no age-based rule selects those images yet']);
  });
});

describe('checkTimesAgainstNow', () => {
  it('rejects times after now, located in the file', () => {
    const t = textOf([detail(1), detail(2, { imagePushedAt: '2024-06-01T00:00:00Z', lastRecordedPullTime: '2024-07-01T00:00:00Z' })]);
    const images = parse(t);
    const problems = checkTimesAgainstNow(images, Date.UTC(2024, 5, 15), 'images.json');
    expect(problems.map((p) => [p.code, p.location.pointer, p.location.line])).toEqual([
      ['images/time-after-now', '/imageDetails/1/lastRecordedPullTime', lineOf(t, '"lastRecordedPullTime"')],
    ]);
    expect(checkTimesAgainstNow(images, Date.UTC(2024, 6, 1), 'images.json')).toEqual([]);
    expect(imageOrigin(images[1]!)).toMatchObject({ pointer: '/imageDetails/1', line: lineOf(t, '{', 2) });
  });

  it('falls back to the file for records built elsewhere', () => {
    const problems = checkTimesAgainstNow([{ imageDigest: D(1), imageTags: [], imagePushedAt: 10, imageStatus: 'ACTIVE' }], 5, 'x.json');
    expect(problems[0]!.location).toEqual({ file: 'x.json' });
  });
});
