import { describe, expect, it } from 'vitest';
import { detectInputKind, loadImagesFile, loadManifestsFile } from '../../src/load/detect.js';
import { FIXTURES, problemsOfAsync } from './helpers.js';

const API = `${FIXTURES}snapshot/team/api/`;

describe('detectInputKind', () => {
  const cases: Array<[unknown, ReturnType<typeof detectInputKind>]> = [
    [{ rules: [] }, 'policy'],
    [{ lifecyclePolicyText: '{}', repositoryName: 'x' }, 'get-lifecycle-policy'],
    [{ imageDetails: [] }, 'describe-images'],
    [{ images: [], failures: [] }, 'batch-get-image'],
    [{ failures: [] }, 'batch-get-image'],
    [{ registryId: '123456789012', region: 'eu-west-1' }, 'registry'],
    [{ blobMounting: true }, 'registry'],
    [{}, undefined],
    [{ previewResults: [] }, undefined],
    [[{ rules: [] }], undefined],
    [null, undefined],
    ['rules', undefined],
  ];
  for (const [value, kind] of cases) {
    it(`${JSON.stringify(value)} -> ${kind}`, () => expect(detectInputKind(value)).toBe(kind));
  }
});

describe('single-file loaders', () => {
  it('loads --images and --manifests files', async () => {
    const images = await loadImagesFile(`${API}describe-images.json`);
    expect(images).toHaveLength(8);
    const manifests = await loadManifestsFile(`${API}batch-get-image.json`);
    expect(manifests.manifests.size).toBe(7);
    expect(manifests.failures).toHaveLength(1);
  });

  it('says what a file handed to --images looks like', async () => {
    const problems = await problemsOfAsync(() => loadImagesFile(`${API}get-lifecycle-policy.json`));
    expect(problems).toEqual([
      expect.objectContaining({
        code: 'input/wrong-kind',
        message: 'this looks like `aws ecr get-lifecycle-policy` output, but --images expects `aws ecr describe-images` output',
        location: expect.objectContaining({ file: `${API}get-lifecycle-policy.json`, line: 1, column: 1 }),
      }),
    ]);
  });

  it('says what a file handed to --manifests looks like', async () => {
    const problems = await problemsOfAsync(() => loadManifestsFile(`${API}describe-images.json`));
    expect(problems[0]!.message).toBe('this looks like `aws ecr describe-images` output, but --manifests expects `aws ecr batch-get-image` output');
  });

  it('validates a file of unknown shape against the expected schema', async () => {
    const problems = await problemsOfAsync(() => loadImagesFile(`${FIXTURES}bom.json`));
    expect(problems.map((p) => p.code)).toEqual(['images/missing-property']);
    expect(problems[0]!.message).toBe("missing required property 'imageDetails'");
  });
});
