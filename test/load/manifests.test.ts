import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseJsonDocument } from '../../src/load/json-document.js';
import { createManifestInterner, MEDIA_TYPES, parseBatchGetImage, parseManifest } from '../../src/load/manifests.js';
import { lineOf, problemsOf } from './helpers.js';

const ROOT = join(import.meta.dirname, '..', '..');
const D = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;
const desc = (n: number, size: number, mediaType?: string): Record<string, unknown> => ({ ...(mediaType ? { mediaType } : {}), digest: D(n), size });

describe('parseManifest: manifest types', () => {
  it('Docker v2 schema 2', () => {
    const m = parseManifest(
      JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.dockerManifest, config: desc(1, 1400, 'application/vnd.docker.container.image.v1+json'), layers: [desc(2, 100, 'application/vnd.docker.image.rootfs.diff.tar.gzip'), desc(3, 200)] }),
      MEDIA_TYPES.dockerManifest,
      D(10),
    );
    expect(m).toEqual({
      digest: D(10), mediaType: MEDIA_TYPES.dockerManifest, kind: 'image',
      config: { digest: D(1), size: 1400, mediaType: 'application/vnd.docker.container.image.v1+json' },
      layers: [{ digest: D(2), size: 100, mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip' }, { digest: D(3), size: 200 }],
      children: [],
    });
  });

  it('Docker manifest list', () => {
    const m = parseManifest(
      JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.dockerList, manifests: [{ ...desc(4, 500, MEDIA_TYPES.dockerManifest), platform: { architecture: 'amd64', os: 'linux' } }, { ...desc(5, 510, MEDIA_TYPES.dockerManifest), platform: { architecture: 'arm', os: 'linux', variant: 'v7', features: ['x'] } }] }),
      undefined,
      D(11),
    );
    expect(m.kind).toBe('index');
    expect(m.mediaType).toBe(MEDIA_TYPES.dockerList);
    expect(m.layers).toEqual([]);
    expect(m.children).toEqual([
      { digest: D(4), size: 500, mediaType: MEDIA_TYPES.dockerManifest, platform: { os: 'linux', architecture: 'amd64' } },
      { digest: D(5), size: 510, mediaType: MEDIA_TYPES.dockerManifest, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
    ]);
  });

  it('OCI image manifest (media type from batch-get-image when the manifest omits it)', () => {
    const m = parseManifest(JSON.stringify({ schemaVersion: 2, config: desc(1, 10, MEDIA_TYPES.ociImageConfig), layers: [desc(2, 20)] }), MEDIA_TYPES.ociManifest, D(12));
    expect(m).toMatchObject({ kind: 'image', mediaType: MEDIA_TYPES.ociManifest, layers: [{ digest: D(2), size: 20 }] });
    expect(m.artifactType).toBeUndefined();
    expect(m.subject).toBeUndefined();
  });

  it('OCI index', () => {
    const m = parseManifest(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [desc(6, 600, MEDIA_TYPES.ociManifest)] }), MEDIA_TYPES.ociIndex, D(13));
    expect(m).toMatchObject({ kind: 'index', children: [{ digest: D(6), size: 600 }] });
  });

  it('OCI index without mediaType is recognised by its manifests list', () => {
    expect(parseManifest(JSON.stringify({ schemaVersion: 2, manifests: [] }), undefined, D(13)).kind).toBe('index');
  });

  it('OCI artifact manifest with subject and artifactType', () => {
    const m = parseManifest(
      JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json', config: desc(7, 2, 'application/vnd.oci.empty.v1+json'), layers: [desc(8, 4000)], subject: desc(9, 700, MEDIA_TYPES.ociIndex) }),
      MEDIA_TYPES.ociManifest,
      D(14),
    );
    expect(m).toMatchObject({ kind: 'image', subject: D(9), artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json' });
  });

  it('OCI artifact without artifactType takes it from the config media type', () => {
    const m = parseManifest(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: desc(7, 100, 'application/vnd.cncf.helm.config.v1+json'), layers: [desc(8, 4000)] }), undefined, D(15));
    expect(m.artifactType).toBe('application/vnd.cncf.helm.config.v1+json');
  });

  it('draft OCI artifact manifest (blobs, no config)', () => {
    const m = parseManifest(JSON.stringify({ mediaType: MEDIA_TYPES.ociArtifact, artifactType: 'application/vnd.example.sbom', blobs: [desc(8, 30)], subject: desc(9, 700) }), undefined, D(16));
    expect(m).toMatchObject({ kind: 'image', layers: [{ digest: D(8), size: 30 }], subject: D(9), artifactType: 'application/vnd.example.sbom' });
    expect(m.config).toBeUndefined();
  });

  it('an index with a subject (referrer index)', () => {
    const m = parseManifest(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, artifactType: 'application/x.sbom', manifests: [], subject: desc(9, 700) }), undefined, D(17));
    expect(m).toMatchObject({ kind: 'index', subject: D(9), artifactType: 'application/x.sbom' });
  });

  it('Docker schema 1: layers of unknown size 0, repeated blobs once', () => {
    const m = parseManifest(
      JSON.stringify({ schemaVersion: 1, name: 'team/api', tag: 'old', architecture: 'amd64', fsLayers: [{ blobSum: D(20) }, { blobSum: D(21) }, { blobSum: D(20) }], history: [], signatures: [] }),
      MEDIA_TYPES.dockerSchema1Signed,
      D(18),
    );
    expect(m).toEqual({ digest: D(18), mediaType: MEDIA_TYPES.dockerSchema1Signed, kind: 'image', layers: [{ digest: D(20), size: 0 }, { digest: D(21), size: 0 }], children: [] });
  });
});

describe('parseManifest: rejected', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['not JSON', '{"schemaVersion": 2,', /not valid JSON/],
    ['not an object', '[1]', /not a JSON object/],
    ['layer without size', JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: desc(1, 1), layers: [{ digest: D(2) }] }), /layers\[0\]\.size is missing/],
    ['malformed layer digest', JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: desc(1, 1), layers: [{ digest: 'nope', size: 1 }] }), /layers\[0\]\.digest is malformed/],
    ['image without config', JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.dockerManifest, layers: [] }), /config is missing/],
    ['index without manifests', JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex }), /without a manifests list/],
    ['unknown kind', JSON.stringify({ schemaVersion: 2, mediaType: 'application/x-unknown' }), /unrecognised manifest media type/],
    ['schema 1 without fsLayers', JSON.stringify({ schemaVersion: 1 }), /schema 1 manifest without fsLayers/],
  ];
  for (const [name, text, message] of cases) {
    it(name, () => {
      const problems = problemsOf(() => parseManifest(text, undefined, D(30), { file: 'm.json', pointer: '/images/0/imageManifest', line: 7, column: 30 }));
      expect(problems).toHaveLength(1);
      expect(problems[0]!.message).toMatch(message);
      expect(problems[0]!.location).toEqual({ file: 'm.json', pointer: '/images/0/imageManifest', line: 7, column: 30 });
    });
  }
});

/** The sha256 of a manifest's text: its real digest. */
const sha = (text: string): string => `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
const entry = (n: number | string, manifest: string, tag?: string): Record<string, unknown> => ({
  registryId: '123456789012',
  repositoryName: 'team/api',
  imageId: { imageDigest: typeof n === 'string' ? n : D(n), ...(tag ? { imageTag: tag } : {}) },
  imageManifest: manifest,
  imageManifestMediaType: MEDIA_TYPES.dockerManifest,
});
const docker = (n: number): string => JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.dockerManifest, config: desc(n, 1), layers: [desc(n + 1, 10)] });

describe('parseBatchGetImage', () => {
  it('keys manifests by digest, sorted, and sorts failures', () => {
    // Real digests (each manifest's sha256), named so that the second sorts first.
    const [first, second] = [docker(50), docker(20)].map(sha).sort() as [string, string];
    const text = (digest: string) => (sha(docker(50)) === digest ? docker(50) : docker(20));
    const t = JSON.stringify(
      {
        images: [entry(second, text(second), 'v5'), entry(first, text(first)), entry(second, text(second), 'latest')],
        failures: [
          { imageId: { imageTag: 'gone' }, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' },
          { imageId: { imageDigest: D(1) }, failureCode: 'ImageReferencedByManifestList' },
        ],
      },
      null,
      2,
    );
    const r = parseBatchGetImage(parseJsonDocument(t, 'b.json'));
    expect([...r.manifests.keys()]).toEqual([first, second]);
    expect(r.manifests.get(sha(docker(50)))!.layers).toEqual([{ digest: D(51), size: 10 }]);
    expect(r.failures).toEqual([
      { imageTag: 'gone', failureCode: 'ImageNotFound', failureReason: 'Requested image not found' },
      { imageDigest: D(1), failureCode: 'ImageReferencedByManifestList' },
    ]);
  });

  it('locates a manifest string that is not JSON, with every other problem', () => {
    const t = JSON.stringify({ images: [entry(1, docker(10)), entry(2, '{"schemaVersion": 2'), entry(3, docker(30)), entry(3, docker(31))] }, null, 2);
    const problems = problemsOf(() => parseBatchGetImage(parseJsonDocument(t, 'b.json')));
    expect(problems.map((p) => [p.code, p.location.pointer, p.location.line])).toEqual([
      ['manifests/not-json', '/images/1/imageManifest', lineOf(t, '"imageManifest"', 1)],
      ['manifests/conflicting-duplicate', '/images/3/imageManifest', lineOf(t, '"imageManifest"', 3)],
    ]);
    expect(problems[0]!.message).toContain(`manifest ${D(2)} is not valid JSON`);
  });

  it('reports schema problems together with manifest problems', () => {
    const t = JSON.stringify({ images: [entry(1, 'nope'), { imageId: { imageDigest: 'sha256:1' }, imageManifest: '{}' }], failures: [{ imageId: {} }] }, null, 2);
    const problems = problemsOf(() => parseBatchGetImage(parseJsonDocument(t, 'b.json')));
    expect(problems.map((p) => [p.code, p.location.pointer])).toEqual([
      ['manifests/not-json', '/images/0/imageManifest'],
      ['manifests/bad-digest', '/images/1/imageId/imageDigest'],
      ['manifests/missing-property', '/failures/0'],
    ]);
  });

  it('rejects entries without a digest or manifest (schema)', () => {
    const t = JSON.stringify({ images: [{ imageId: { imageTag: 'v1' }, imageManifest: '{}' }, { imageId: { imageDigest: D(1) } }] }, null, 2);
    const problems = problemsOf(() => parseBatchGetImage(parseJsonDocument(t, 'b.json')));
    expect(problems.map((p) => [p.code, p.location.pointer, p.location.line])).toEqual([
      ['manifests/missing-property', '/images/0/imageId', lineOf(t, '"imageId"')],
      ['manifests/missing-property', '/images/1', lineOf(t, '"imageDigest"') - 2],
    ]);
  });
});

describe('parseManifest with a shared interner', () => {
  it('gives the same results as without one', () => {
    const texts = [1, 2, 3].map((n) => JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: desc(100 + n, 10, MEDIA_TYPES.ociImageConfig), layers: [desc(1, 5, 'application/vnd.oci.image.layer.v1.tar+gzip'), desc(n + 10, 7)] }));
    const interned = createManifestInterner();
    for (const [k, text] of texts.entries()) expect(parseManifest(text, undefined, D(200 + k), undefined, interned)).toEqual(parseManifest(text, undefined, D(200 + k)));
  });

  it('shares one descriptor object per blob, unless a manifest gives it another size or media type', () => {
    const interned = createManifestInterner();
    const layer = 'application/vnd.oci.image.layer.v1.tar+gzip';
    const manifest = (layers: object[]) => JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: desc(1, 1), layers });
    const a = parseManifest(manifest([desc(2, 5, layer)]), undefined, D(400), undefined, interned);
    const b = parseManifest(manifest([desc(2, 5, layer)]), undefined, D(401), undefined, interned);
    const c = parseManifest(manifest([desc(2, 6, layer), desc(2, 5), desc(2, 5, layer)]), undefined, D(402), undefined, interned);
    expect(b.layers[0]).toBe(a.layers[0]);
    expect(b.config).toBe(a.config);
    expect(c.layers.map((l) => [l.size, l.mediaType])).toEqual([[6, layer], [5, undefined], [5, layer]]);
    expect(c.layers[0]).not.toBe(a.layers[0]);
    expect(c.layers[1]).not.toBe(a.layers[0]);
    expect(c.layers[2]).toBe(a.layers[0]);
  });

  it('gives an index child and a manifest digest the listing\'s own string: same results as without', () => {
    const index = JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [desc(1, 5, MEDIA_TYPES.ociManifest)], subject: desc(2, 9) });
    expect(parseManifest(index, undefined, D(3), undefined, createManifestInterner([D(1), D(2), D(3)]))).toEqual(parseManifest(index, undefined, D(3)));
  });

  it('rejects a malformed digest every time it appears, not only the first time', () => {
    const interned = createManifestInterner();
    const bad = JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: desc(1, 1), layers: [{ digest: 'sha256:', size: 5 }] });
    expect(() => parseManifest(bad, undefined, D(500), undefined, interned)).toThrow(/layers\[0\]\.digest is malformed/);
    expect(() => parseManifest(bad, undefined, D(501), undefined, interned)).toThrow(/layers\[0\]\.digest is malformed/);
  });

  it('still rejects a digest that equals a media type seen before (only checked digests skip the check)', () => {
    const interned = createManifestInterner();
    const type = 'application/vnd.oci.image.layer.v1.tar+gzip';
    parseManifest(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: desc(1, 1), layers: [desc(2, 5, type)] }), undefined, D(300), undefined, interned);
    const bad = JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: desc(1, 1), layers: [{ digest: type, size: 5 }] });
    expect(() => parseManifest(bad, undefined, D(301), undefined, interned)).toThrow(/layers\[0\]\.digest is malformed/);
  });
});

describe('readBatchGetImageFile with the listing\'s digests', () => {
  // String identity cannot be observed from JavaScript: measured in a child with --expose-gc (the built
  // module, as the CLI runs it), as the heap the loaded manifests add per index manifest. Each index
  // names its own digest and three children; without sharing, those are four strings of 88 bytes
  // (measured: about 525 bytes per manifest shared, 880 copied).
  it('holds no second copy of a digest the listing has', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lifeguard-shared-digests-'));
    try {
      const n = 20_000; // the code V8 compiles meanwhile (up to a few MB) stays small per manifest
      const hex = (i: number): string => `sha256:${i.toString(16).padStart(64, '0')}`;
      const images = Array.from({ length: n }, (_, k) => {
        const imageManifest = JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [0, 1, 2].map((c) => ({ mediaType: MEDIA_TYPES.ociManifest, digest: hex(n + 3 * k + c), size: 500 })) });
        // Each manifest under its real digest (only those are loaded).
        return { imageId: { imageDigest: sha(imageManifest) }, imageManifestMediaType: MEDIA_TYPES.ociIndex, imageManifest };
      });
      const file = join(dir, 'batch-get-image.json');
      writeFileSync(file, JSON.stringify({ images, failures: [] }));
      const listed = join(dir, 'digests.json');
      writeFileSync(listed, JSON.stringify(images.map((i) => i.imageId.imageDigest)));
      const perManifest = (share: boolean): number => {
        const script = `
          const { readBatchGetImageFile } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist/load/manifests.js')).href)});
          const { readFileSync } = await import('node:fs');
          const digests = [...JSON.parse(readFileSync(${JSON.stringify(join(dir, 'digests.json'))}, 'utf8')), ...Array.from({ length: ${3 * n} }, (_, i) => ['sha256:', (${n} + i).toString(16).padStart(64, '0')].join(''))];
          gc(); const before = process.memoryUsage().heapUsed;
          const loaded = await readBatchGetImageFile(${JSON.stringify(file)}, 'x', ${share ? 'digests' : '[]'});
          gc(); console.log((process.memoryUsage().heapUsed - before) / loaded.manifests.size, digests.length);`;
        const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8' });
        expect(r.stderr).toBe('');
        return Number(r.stdout.split(' ')[0]);
      };
      const shared = perManifest(true);
      const copied = perManifest(false);
      expect(copied - shared).toBeGreaterThan(200);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
