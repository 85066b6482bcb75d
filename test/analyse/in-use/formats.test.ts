import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isDockerfileName } from '../../../src/analyse/in-use/dockerfile.js';
import { parseInUseText } from '../../../src/analyse/in-use/index.js';
import type { InUseReference } from '../../../src/model/in-use.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/in-use');
const HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const hex = (c: string) => 'sha256:' + c.repeat(64);

function parseFixture(name: string) {
  return parseInUseText(name, readFileSync(join(FIXTURES, name), 'utf8'));
}

/** line, column, path and raw of each use: the shape the assertions compare. */
function brief(uses: InUseReference[]) {
  return uses.map((u) => [u.origin.line, u.origin.column, u.origin.path, u.reference.raw]);
}

/** The raw reference really sits at the recorded line and column (JSON: after the opening quote). */
function expectOriginsPointAtText(name: string, uses: InUseReference[]) {
  const lines = readFileSync(join(FIXTURES, name), 'utf8').split('\n');
  for (const u of uses) {
    const line = lines[u.origin.line! - 1]!;
    const at = line.slice(u.origin.column! - 1).replace(/^["']/, '');
    // kubectl imageIDs keep their runtime prefix in the file
    expect(at.replace(/^docker-pullable:\/\//, ''), `${name}:${u.origin.line}`).toMatch(new RegExp('^' + u.reference.raw.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  }
}

describe('kubectl get pods -A -o json', () => {
  const r = parseFixture('kubectl-get-pods.json');

  it('reads containers, init and ephemeral containers, and status imageIDs', () => {
    expect(r.problems).toEqual([]);
    expect(brief(r.uses)).toEqual([
      [32, 34, 'items[0].spec.containers[0].image', `${HOST}/api:1.14.2`],
      [50, 34, 'items[0].spec.initContainers[0].image', `${HOST}/api-migrations:1.14.2`],
      [64, 36, 'items[0].status.containerStatuses[0].imageID', `${HOST}/api@${hex('1')}`],
      [94, 36, 'items[0].status.initContainerStatuses[0].imageID', `${HOST}/api-migrations@${hex('2')}`],
      [122, 34, 'items[1].spec.containers[0].image', `${HOST}/team/worker@${hex('3')}`],
      // docker-pullable:// stripped
      [139, 36, 'items[1].status.containerStatuses[0].imageID', `${HOST}/team/worker@${hex('3')}`],
      // pending pod: empty imageID skipped
      [165, 34, 'items[2].spec.containers[0].image', `${HOST}/web:2.0.0`],
      // docker://sha256:<image id> is a local id, not a registry digest: skipped
      [198, 34, 'items[3].spec.containers[0].image', `${HOST}/legacy`],
    ]);
    expectOriginsPointAtText('kubectl-get-pods.json', r.uses);
  });

  it('counts public.ecr.aws and Docker Hub images (spec and status) as other registries', () => {
    expect(r.otherRegistryCount).toBe(4);
  });

  it('marks every use runtime/kubernetes with the digest from imageID', () => {
    expect(new Set(r.uses.map((u) => `${u.kind}/${u.origin.format}/${u.origin.file}`))).toEqual(new Set(['runtime/kubernetes/kubectl-get-pods.json']));
    expect(r.uses[2]!.reference).toMatchObject({ isEcr: true, registryId: '123456789012', region: 'eu-west-1', repositoryName: 'api', digest: hex('1') });
  });

  it('reads typed lists whose items carry no kind (PodList from the API)', () => {
    const text = JSON.stringify({ apiVersion: 'v1', kind: 'PodList', items: [{ spec: { containers: [{ image: `${HOST}/a:1` }] } }] });
    const column = text.indexOf(`"${HOST}/a:1"`) + 1;
    expect(brief(parseInUseText('pods.json', text).uses)).toEqual([[1, column, 'items[0].spec.containers[0].image', `${HOST}/a:1`]]);
  });
});

describe('Helm-rendered multi-document YAML', () => {
  const r = parseFixture('helm-rendered.yaml');

  it('reads every workload kind, ignores other kinds and empty documents', () => {
    expect(r.problems).toEqual([]);
    expect(brief(r.uses)).toEqual([
      [44, 18, 'Deployment/prod/api: spec.template.spec.initContainers[0].image', `${HOST}/tools/wait-for:0.4`],
      [47, 18, 'Deployment/prod/api: spec.template.spec.containers[0].image', `${HOST}/shop/api:3.2.1`],
      [65, 18, 'StatefulSet/prod/cache: spec.template.spec.containers[0].image', `${HOST}/shop/cache@${hex('a')}`],
      // folded block scalar: the node starts at its `>-` indicator
      [78, 18, 'DaemonSet/kube-system/log-shipper: spec.template.spec.containers[0].image', `${HOST}/platform/log-shipper:2.7.0`],
      [91, 18, 'ReplicaSet/legacy-frontend: spec.template.spec.containers[0].image', `${HOST}/shop/frontend`],
      [107, 18, 'Job/prod/shop-migrate-3-2-1: spec.template.spec.containers[0].image', `${HOST}/shop/api:3.2.1`],
      [125, 22, 'CronJob/prod/nightly-report: spec.jobTemplate.spec.template.spec.containers[0].image', `${HOST}/shop/report:2026.11.1`],
      [137, 14, 'Pod/shop-test-connection: spec.containers[0].image', '123456789012.dkr-ecr.eu-west-1.on.aws/tools/curl:8.10.1'],
    ]);
    expectOriginsPointAtText('helm-rendered.yaml', r.uses.filter((u) => !u.origin.path!.startsWith('DaemonSet')));
    expect(r.otherRegistryCount).toBe(1);
  });

  it('reports a YAML syntax error with its line and keeps no uses from the file', () => {
    const text = `apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - image: ${HOST}/a:1\n   bad: [\n`;
    const res = parseInUseText('bad.yaml', text);
    expect(res.uses).toEqual([]);
    expect(res.problems).toHaveLength(1);
    expect(res.problems[0]).toMatchObject({ code: 'yaml/syntax', location: { file: 'bad.yaml' } });
    expect(res.problems[0]!.location.line).toBeGreaterThanOrEqual(5);
  });

  it('reports a non-string image with its pointer and an invalid one with its line', () => {
    const text = ['apiVersion: apps/v1', 'kind: Deployment', 'metadata: {name: x}', 'spec:', '  template:', '    spec:', '      containers:', '        - image: 42', `        - image: ${HOST}/Upper:1`].join('\n');
    const res = parseInUseText('d.yaml', text);
    expect(res.uses).toEqual([]);
    expect(res.problems.map((p) => [p.code, p.location.line, p.location.pointer])).toEqual([
      ['in-use/invalid-reference', 8, '/spec/template/spec/containers/0/image'],
      ['in-use/invalid-reference', 9, '/spec/template/spec/containers/1/image'],
    ]);
  });

  it('skips a container without image (allowed in templates)', () => {
    const res = parseInUseText('p.yaml', 'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: x\n');
    expect(res).toMatchObject({ uses: [], problems: [], otherRegistryCount: 0, unresolvable: [] });
    expect(res.skipped).toBeUndefined();
  });
});

describe('ECS task definitions', () => {
  it('reads describe-task-definition output', () => {
    const r = parseFixture('ecs-describe-task-definition.json');
    expect(r.problems).toEqual([]);
    expect(r.otherRegistryCount).toBe(1);
    expect(brief(r.uses)).toEqual([
      [7, 26, 'taskDefinition.containerDefinitions[0].image', `${HOST}/checkout:7.3.0`],
      [35, 26, 'taskDefinition.containerDefinitions[2].image', `210987654321.dkr.ecr.us-east-1.amazonaws.com/mirror/datadog-agent@${hex('b')}`],
    ]);
    expect(r.uses.every((u) => u.origin.format === 'ecs' && u.kind === 'runtime')).toBe(true);
    expectOriginsPointAtText('ecs-describe-task-definition.json', r.uses);
  });

  it('reads a registration JSON', () => {
    const r = parseFixture('ecs-register-task-definition.json');
    expect(brief(r.uses)).toEqual([[10, 16, 'containerDefinitions[0].image', `${HOST}/batch/export:2026-11-01`]]);
  });
});

describe('Lambda get-function', () => {
  it('keeps ImageUri and ResolvedImageUri as two uses', () => {
    const r = parseFixture('lambda-get-function.json');
    expect(r.problems).toEqual([]);
    expect(brief(r.uses)).toEqual([
      [27, 21, 'Code.ImageUri', `${HOST}/thumbnailer:2026.10.30`],
      [28, 29, 'Code.ResolvedImageUri', `${HOST}/thumbnailer@${hex('c')}`],
    ]);
    expect(r.uses.every((u) => u.origin.format === 'lambda')).toBe(true);
    expectOriginsPointAtText('lambda-get-function.json', r.uses);
  });

  it('recognises a zip function and finds nothing', () => {
    const r = parseFixture('lambda-zip-function.json');
    expect(r).toMatchObject({ uses: [], problems: [], otherRegistryCount: 0 });
    expect(r.skipped).toBeUndefined();
  });
});

describe('plain lists', () => {
  it('reads one reference per line with comments, blank lines and indentation', () => {
    const r = parseFixture('images.txt');
    expect(brief(r.uses)).toEqual([
      [3, 1, undefined, `${HOST}/batch/export:2026-11-01`],
      [4, 3, undefined, `${HOST}/batch/import@${hex('d')}`],
      [8, 1, undefined, `${HOST}/batch/export`],
    ]);
    expect(r.uses.every((u) => u.origin.format === 'list' && u.kind === 'runtime')).toBe(true);
    expect(r.otherRegistryCount).toBe(1);
    expect(r.problems).toEqual([
      expect.objectContaining({ code: 'in-use/invalid-reference', location: { file: 'images.txt', line: 6, column: 1 }, found: `"${HOST}/Batch/Upper:1"` }),
    ]);
    expectOriginsPointAtText('images.txt', r.uses);
  });

  it('handles CRLF line endings and detects a list without extension', () => {
    const r = parseInUseText('running', `# x\r\n${HOST}/a:1\r\n\r\n  ${HOST}/b\r\n`);
    expect(brief(r.uses)).toEqual([
      [2, 1, undefined, `${HOST}/a:1`],
      [4, 3, undefined, `${HOST}/b`],
    ]);
  });
});

describe('Dockerfiles', () => {
  it('reads FROM with ARGs, --platform, continuations, stages, heredocs and COPY --from images', () => {
    const r = parseFixture('Dockerfile');
    expect(r.problems).toEqual([]);
    expect(brief(r.uses)).toEqual([
      [8, 32, 'stage 0: FROM', `${HOST}/mirror/golang:1.23-bookworm`],
      // image on a continuation line; ${TOOLS_TAG:-2.1.0} with TOOLS_TAG declared without default
      [19, 5, 'stage 1: FROM', `${HOST}/tools/scanner:2.1.0`],
      [33, 13, 'stage 3: COPY --from', `${HOST}/base/ca-certificates:2026.11`],
      // an ARG default built from another ARG
      [35, 6, 'stage 4: FROM', `${HOST}/base/distroless:nonroot`],
      [40, 20, 'stage 4: COPY --from', `${HOST}/tools/tini:0.19`],
    ]);
    // FROM build (stage), FROM scratch, COPY --from=build/certs/0 are not images;
    // the heredoc's `from pathlib import Path` is not an instruction; busybox is Docker Hub.
    expect(r.otherRegistryCount).toBe(1);
    expect(r.uses.every((u) => u.kind === 'build' && u.origin.format === 'dockerfile')).toBe(true);
  });

  it('records unresolved ARGs as located problems and keeps the resolvable FROMs', () => {
    const r = parseFixture('Dockerfile.unresolved');
    expect(brief(r.uses)).toEqual([[6, 6, 'stage 2: FROM', `${HOST}/api:latest`]]);
    expect(r.problems.map((p) => [p.code, p.location.line, p.location.column, p.found])).toEqual([
      ['in-use/unresolved-arg', 3, 6, '"${REGISTRY}/api:${TAG}"'],
      // an ARG declared after the first FROM is not visible to FROM
      ['in-use/unresolved-arg', 4, 6, `"${HOST}/api:$VERSION"`],
    ]);
    expect(r.problems[0]!.message).toMatch(/ARG REGISTRY/);
    expect(r.problems[1]!.message).toMatch(/ARG VERSION/);
    // Unresolvable uses, counted and located, with the stage they belong to.
    expect(r.unresolvable.map((u) => [u.origin.line, u.origin.path])).toEqual([
      [3, 'stage 0: FROM'],
      [4, 'stage 1: FROM'],
    ]);
  });

  it('--build-arg gives an ARG its value, over the default', () => {
    const r = parseInUseText('Dockerfile.unresolved', readFileSync(join(FIXTURES, 'Dockerfile.unresolved'), 'utf8'), { buildArgs: new Map([['REGISTRY', HOST], ['TAG', '7']]) });
    expect(brief(r.uses).map((u) => u[3])).toContain(`${HOST}/api:7`);
    expect(r.unresolvable).toHaveLength(1);
  });

  it('bounds ARG expansion: 24 ARGs doubling each other end at once, reported at the ARG line that passes the limit', () => {
    const lines = ['ARG A0=x'];
    for (let i = 1; i <= 24; i++) lines.push(`ARG A${i}=\${A${i - 1}}\${A${i - 1}}`);
    lines.push('FROM ${A24}');
    const r = parseInUseText('Dockerfile', lines.join('\n'));
    expect(r.uses).toEqual([]);
    // 2^10 = 1024 characters is the limit: A11 is the first ARG beyond it.
    expect(r.problems.find((p) => p.code === 'in-use/arg-too-long')).toMatchObject({ location: { line: 12 }, message: expect.stringMatching(/^ARG A11 expands to more than 1024/) });
    expect(r.unresolvable.map((u) => u.origin.line)).toEqual([26]);
  });

  it('honours the escape directive', () => {
    const r = parseFixture('windows.Dockerfile');
    expect(r.problems).toEqual([]);
    expect(brief(r.uses)).toEqual([[2, 6, 'stage 0: FROM', `${HOST}/windows/servercore:ltsc2022`]]);
  });

  it('detects a Dockerfile by content and accepts lowercase instructions', () => {
    const r = parseFixture('build-recipe');
    expect(brief(r.uses)).toEqual([[3, 6, 'stage 0: FROM', `${HOST}/base/python:3.12`]]);
  });

  it.each([
    ['Dockerfile', true],
    ['api.Dockerfile', true],
    ['Dockerfile.prod', true],
    ['Containerfile', true],
    ['Dockerfile.json', true],
    ['Dockerfiles.txt', false],
    ['mydockerfile', false],
  ])('treats %s as a Dockerfile by name: %s', (name, expected) => {
    expect(isDockerfileName(name)).toBe(expected);
  });

  it('goes by name before content: Dockerfile.json is a Dockerfile', () => {
    expect(parseInUseText('Dockerfile.json', `FROM ${HOST}/a:1\n`).uses.map((u) => u.origin.format)).toEqual(['dockerfile']);
  });

  it('reports a Dockerfile without FROM', () => {
    expect(parseInUseText('Dockerfile', 'RUN true\n').problems.map((p) => p.code)).toEqual(['in-use/dockerfile-without-from']);
  });
});

describe('unrecognised and broken files', () => {
  it.each([
    ['notes.conf', 'not an in-use source'],
    ['unknown.json', 'JSON of no known kind: not an in-use source'],
  ])('%s is skipped with the reason, no problem, nothing quoted', (name, reason) => {
    const r = parseFixture(name);
    expect(r.uses).toEqual([]);
    expect(r.problems).toEqual([]);
    expect(r.skipped).toBe(reason);
  });

  it('values.yaml is a Helm values file', () => {
    expect(brief(parseFixture('values.yaml').uses)).toEqual([[3, 15, 'image.repository', `${HOST}/shop/api:3.2.1`]]);
  });

  it('reports the first JSON syntax error with its line', () => {
    const r = parseFixture('broken.json');
    // The fixture's error is a trailing comma: named as such and located at the comma.
    expect(r.problems).toEqual([expect.objectContaining({ code: 'json/syntax', message: 'trailing comma is not allowed in JSON', location: { file: 'broken.json', line: 2, column: 17 } })]);
  });

  it('refuses binary content', () => {
    const r = parseInUseText('blob', 'a\u0000b');
    expect(r.problems).toEqual([]);
    expect(r.skipped).toBe('binary content');
  });
});
