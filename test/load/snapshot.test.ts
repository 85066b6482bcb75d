import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSnapshot } from '../../src/load/snapshot.js';
import { buildRelations } from '../../src/simulate/relations.js';
import { FIXTURES, problemsOfAsync } from './helpers.js';

const SNAP = `${FIXTURES}snapshot`;

describe('loadSnapshot: the sample snapshot', async () => {
  const snapshot = await loadSnapshot(SNAP);
  const byName = new Map(snapshot.repositories.map((r) => [r.repositoryName, r]));

  it('finds nested repositories, sorted by name', () => {
    expect(snapshot.dir).toBe(SNAP);
    expect(snapshot.repositories.map((r) => r.repositoryName)).toEqual(['team/api', 'tools/builder', 'web']);
    expect(snapshot.registry).toEqual({ registryId: '123456789012', region: 'eu-west-1', blobMounting: false });
  });

  it('loads team/api with its wrapped policy and manifests', () => {
    const api = byName.get('team/api')!;
    expect(api.policyStatus).toBe('present');
    expect(api.policy?.wrapped).toBe(true);
    expect(api.policy?.policy.rules.map((r) => r.rulePriority)).toEqual([1, 2, 3]);
    expect(api.complete).toBe(true);
    expect(api.incompleteReason).toBeUndefined();
    expect(api.state.repositoryName).toBe('team/api');
    expect(api.state.registryId).toBe('123456789012');
    expect(api.state.images).toHaveLength(8);
    expect(api.state.manifestsLoaded).toBe(true);
    expect(api.state.manifests.size).toBe(7);
    expect(api.manifestFailures).toEqual([{ imageDigest: expect.stringMatching(/^sha256:/), failureCode: 'ImageNotFound', failureReason: 'Requested image is archived' }]);
    const archived = api.state.images.filter((i) => i.imageStatus === 'ARCHIVED');
    expect(archived.map((i) => i.imageTags)).toEqual([['v1.0.0']]);
  });

  it('fills subjectManifestDigest from the manifest subject, and the engine sees the relations', () => {
    const api = byName.get('team/api')!;
    const index = api.state.images.find((i) => i.imageTags.includes('v1.2.0'))!;
    const referrers = api.state.images.filter((i) => i.subjectManifestDigest !== undefined);
    expect(referrers).toHaveLength(1);
    expect(referrers[0]!.subjectManifestDigest).toBe(index.imageDigest);
    const relations = buildRelations(api.state);
    expect(relations.childrenOf.get(index.imageDigest)).toHaveLength(2);
    expect(relations.referrersOf.get(index.imageDigest)).toEqual([referrers[0]!.imageDigest]);
    expect(relations.indexesWithoutManifest).toEqual([]);
  });

  it('reads repository.json: no policy, incomplete', () => {
    const web = byName.get('web')!;
    expect(web.policyStatus).toBe('none');
    expect(web.policy).toBeUndefined();
    expect(web.complete).toBe(false);
    expect(web.incompleteReason).toBe('AccessDenied on ecr:BatchGetImage');
    expect(web.state.manifestsLoaded).toBe(false);
    expect(web.state.manifests.size).toBe(0);
    expect(web.state.images.map((i) => i.imagePushedAt).sort()).toEqual([1714550400000, 1717228800000]);
  });

  it('a repository with only describe-images.json: no policy (the layout has get-lifecycle-policy.json only when there is one), registry from registry.json', () => {
    const builder = byName.get('tools/builder')!;
    expect(builder.policyStatus).toBe('none');
    expect(builder.complete).toBe(true);
    expect(builder.state.registryId).toBe('123456789012');
    expect(builder.state.images[0]!.imagePushedAt).toBe(Date.UTC(2024, 5, 2, 11, 22, 33, 456));
  });
});

describe('loadSnapshot: problems', () => {
  it('collects every problem of every repository into one error', async () => {
    const dir = `${FIXTURES}snapshot-broken`;
    const problems = await problemsOfAsync(() => loadSnapshot(dir));
    const seen = problems.map((p) => [p.code, p.location.file.slice(dir.length + 1)]);
    expect(seen).toEqual([
      ['snapshot/bad-repository-name', 'Team'],
      ['registry/unknown-property', 'registry.json'],
      ['snapshot/repository-mismatch', 'svc-a/describe-images.json'],
      ['snapshot/policy-status-mismatch', 'svc-c/repository.json'],
      ['json/truncated', 'svc-d/describe-images.json'],
      ['manifests/not-json', 'svc-e/batch-get-image.json'],
      ['snapshot/registry-mismatch', 'svc-f'],
      ['input/wrong-kind', 'svc-g/get-lifecycle-policy.json'],
      ['policy/count-unit-missing', 'svc-h/get-lifecycle-policy.json'],
    ]);
    const mismatch = problems.find((p) => p.code === 'snapshot/repository-mismatch')!;
    expect(mismatch.location).toMatchObject({ pointer: '/imageDetails/0/repositoryName', line: 4 });
    expect(mismatch.message).toBe('describe-images.json says repository "svc-b", but the folder is "svc-a"');
    const wrongKind = problems.find((p) => p.code === 'input/wrong-kind')!;
    expect(wrongKind.message).toContain("but a snapshot's get-lifecycle-policy.json holds");
    expect(problems.find((p) => p.code === 'policy/count-unit-missing')!.location).toMatchObject({ pointer: '/lifecyclePolicyText', innerPointer: '/rules/0/selection', line: 3 });
  });

  const tmp = mkdtempSync(join(tmpdir(), 'lifeguard-snapshot-'));
  const dirWith = (name: string, files: Record<string, string>): string => {
    const dir = join(tmp, name);
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    mkdirSync(dir, { recursive: true });
    return dir;
  };

  it('rejects a directory without repositories', async () => {
    const dir = dirWith('empty', { 'notes/readme.txt': 'hello' });
    const problems = await problemsOfAsync(() => loadSnapshot(dir));
    expect(problems).toEqual([expect.objectContaining({ code: 'snapshot/no-repositories', location: { file: dir } })]);
  });

  it('rejects describe-images.json at the root', async () => {
    const dir = dirWith('root', { 'describe-images.json': '{"imageDetails": []}' });
    const problems = await problemsOfAsync(() => loadSnapshot(dir));
    expect(problems.map((p) => p.code)).toEqual(['snapshot/images-at-root']);
  });

  it('rejects a missing directory and a file', async () => {
    expect((await problemsOfAsync(() => loadSnapshot(join(tmp, 'nope'))))[0]).toMatchObject({ code: 'file/unreadable', message: 'no such directory' });
    expect((await problemsOfAsync(() => loadSnapshot(`${SNAP}/registry.json`)))[0]).toMatchObject({ code: 'file/unreadable', message: 'not a directory' });
  });

  it('rejects repository.json saying present without the policy file', async () => {
    const dir = dirWith('present', {
      'svc/describe-images.json': '{"imageDetails": []}',
      'svc/repository.json': '{"repositoryName": "svc", "lifecyclePolicyStatus": "present", "complete": true}',
    });
    const problems = await problemsOfAsync(() => loadSnapshot(dir));
    expect(problems.map((p) => [p.code, p.location.pointer])).toEqual([['snapshot/policy-status-mismatch', '/lifecyclePolicyStatus']]);
  });

  it('validates repository.json against its schema', async () => {
    const dir = dirWith('repojson', {
      'svc/describe-images.json': '{"imageDetails": []}',
      'svc/repository.json': '{\n  "repositoryName": "svc",\n  "lifecyclePolicyStatus": "maybe",\n  "complete": "yes",\n  "snapshotAt": "now"\n}',
    });
    const problems = await problemsOfAsync(() => loadSnapshot(dir));
    expect(problems.map((p) => [p.code, p.location.line])).toEqual([
      ['snapshot/not-allowed-value', 3],
      ['snapshot/wrong-type', 4],
    ]);
  });
});
