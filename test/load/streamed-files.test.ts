import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DUPLICATE_KEY_CHECK_LIMIT, parseJsonDocument } from '../../src/load/json-document.js';
import { checkTimesAgainstNow, parseDescribeImages, readDescribeImagesFile } from '../../src/load/images.js';
import { parseBatchGetImage, readBatchGetImageFile } from '../../src/load/manifests.js';
import { generateSnapshot } from '../bench/generate.js';
import { problemsOf, problemsOfAsync } from './helpers.js';

// Files over DUPLICATE_KEY_CHECK_LIMIT are streamed entry by entry (load/json-stream.ts): the records,
// manifests and located problems must be exactly those of the whole-document path.

let work: string;
let imagesFile: string;
let manifestsFile: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'lifeguard-streamed-'));
  const generated = await generateSnapshot({ out: join(work, 'snapshot'), seed: 3, images: 3000, repositories: 1 });
  const repository = join(generated.dir, generated.repositories[0]!.repositoryName);
  imagesFile = join(repository, 'describe-images.json');
  manifestsFile = join(repository, 'batch-get-image.json');
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const whole = (path: string) => parseJsonDocument(readFileSync(path, 'utf8'), path);

/** A copy of `path` with its JSON value changed by `edit` (written with the AWS CLI's 4-space indent). */
function edited(path: string, name: string, edit: (value: any) => void): string {
  const value = JSON.parse(readFileSync(path, 'utf8'));
  edit(value);
  const out = join(work, name);
  writeFileSync(out, JSON.stringify(value, null, 4));
  expect(statSync(out).size).toBeGreaterThan(DUPLICATE_KEY_CHECK_LIMIT);
  return out;
}

describe('streamed snapshot files', () => {
  it('are large enough to be streamed', () => {
    expect(statSync(imagesFile).size).toBeGreaterThan(DUPLICATE_KEY_CHECK_LIMIT);
    expect(statSync(manifestsFile).size).toBeGreaterThan(DUPLICATE_KEY_CHECK_LIMIT);
  });

  it('give the same images and manifests as the whole-document path', async () => {
    const images = await readDescribeImagesFile(imagesFile, 'x');
    expect(images).toHaveLength(3000);
    expect(images).toEqual(parseDescribeImages(whole(imagesFile)));
    const batch = await readBatchGetImageFile(manifestsFile, 'x');
    expect(batch.manifests.size).toBeGreaterThan(2000);
    const expected = parseBatchGetImage(whole(manifestsFile));
    expect([...batch.manifests.entries()]).toEqual([...expected.manifests.entries()]);
    expect(batch.failures).toEqual(expected.failures);
  });

  it('locate every problem, and times after --now, as the whole-document path does', async () => {
    const broken = edited(imagesFile, 'broken-images.json', (v) => {
      v.imageDetails[5].imagePushedAt = 'yesterday';
      v.imageDetails[2900].imageDigest = 'sha256:nope';
      v.imageDetails[1200].imageDigest = v.imageDetails[7].imageDigest;
      v.imageDetails[2000].imageTags = v.imageDetails[10].imageTags;
      v.nextToken = 'abc';
    });
    const streamed = await problemsOfAsync(() => readDescribeImagesFile(broken, 'x'));
    expect(streamed.map((p) => p.code)).toEqual(expect.arrayContaining(['images/bad-timestamp', 'images/bad-digest', 'images/duplicate-digest', 'images/paginated']));
    expect(streamed.every((p) => p.location.line !== undefined)).toBe(true);
    expect(streamed).toEqual(problemsOf(() => parseDescribeImages(whole(broken))));

    const now = Date.parse('2026-01-01T00:00:00Z');
    const late = checkTimesAgainstNow(await readDescribeImagesFile(imagesFile, 'x'), now, imagesFile);
    expect(late.length).toBeGreaterThan(0);
    expect(late).toEqual(checkTimesAgainstNow(parseDescribeImages(whole(imagesFile)), now, imagesFile));
  });

  it('compare a digest listed twice with its first manifest (read again), as the whole-document path does', async () => {
    const same = edited(manifestsFile, 'same-twice.json', (v) => v.images.push({ ...v.images[3] }));
    expect((await readBatchGetImageFile(same, 'x')).manifests.size).toBe(parseBatchGetImage(whole(same)).manifests.size);
    const conflicting = edited(manifestsFile, 'conflicting.json', (v) => {
      v.images.push({ ...v.images[3], imageManifest: v.images[4].imageManifest });
      v.images[8].imageManifest = '{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "layers": []}';
    });
    const streamed = await problemsOfAsync(() => readBatchGetImageFile(conflicting, 'x'));
    expect(streamed.map((p) => p.code).sort()).toEqual(['manifests/bad-manifest', 'manifests/conflicting-duplicate']);
    expect(streamed).toEqual(problemsOf(() => parseBatchGetImage(whole(conflicting))));
  });

  it('reject a second imageDetails, located at the later one', async () => {
    const twice = join(work, 'twice.json');
    const text = readFileSync(imagesFile, 'utf8');
    writeFileSync(twice, `${text.slice(0, text.lastIndexOf('}'))},\n    "imageDetails": "x"\n}\n`);
    const lines = readFileSync(twice, 'utf8').split('\n').length;
    expect(await problemsOfAsync(() => readDescribeImagesFile(twice, 'x'))).toMatchObject([{ code: 'json/duplicate-key', location: { pointer: '/imageDetails', line: lines - 2, column: 21 } }]);
  });

  it('reject a file of another kind', async () => {
    const policy = edited(imagesFile, 'policy-like.json', (v) => (v.rules = []));
    expect(await problemsOfAsync(() => readDescribeImagesFile(policy, 'a snapshot holds'))).toMatchObject([{ code: 'input/wrong-kind', location: { line: 1, column: 1 } }]);
  });
});
