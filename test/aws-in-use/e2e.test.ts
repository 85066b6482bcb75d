import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASSUMED_SECRET_PREFIX, ASSUMED_SESSION_TOKEN_PREFIX, FakeEcrServer, assumedAccessKeyId, digestOf, manifestText } from '../support/fake-ecr/server.js';
import { dockerImage } from '../support/fake-ecr/harness.js';
import { FakeAwsLiveServer, ACCOUNT, type LiveSeed } from '../support/fake-aws-live/server.js';
import { FakeKubeServer, kubeconfig } from '../support/fake-kube/server.js';
import { allText, awsEnv, listFiles, NOW, removeDirs, requireBuiltCli, runCli, SECRETS, tempDir } from '../cli/support.js';

// The built command line, end to end: `audit --live --in-use-live all` against the fake ECR and the
// live stand-in finds what only a running task's digest reveals; a snapshot with the same discovery,
// audited offline later, gives the same findings; a part that cannot be read is exit 3, named.

const HOST = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`;
// `latest` moved to the new image on 2026-11-01; the task started before still runs the old one,
// now untagged, which the policy expires after 14 days. The task definition says only `web:latest`.
const OLD = dockerImage('web-old', '2026-10-01T00:00:00Z');
const NEW = dockerImage('web-new', '2026-11-01T00:00:00Z', ['latest']);
const OLD_DIGEST = digestOf(manifestText(OLD.manifest));
const POLICY = JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 }, action: { type: 'expire' } }] });

const LIVE: LiveSeed = {
  ecs: {
    taskDefinitions: [{ family: 'web', revision: 7, images: [`${HOST}/web:latest`] }],
    clusters: [{
      name: 'prod',
      services: [{ name: 'web', deployments: [{ status: 'PRIMARY', taskDefinition: 'web:7' }] }],
      tasks: [{ id: 'f00d', taskDefinition: 'web:7', group: 'service:web', containers: [{ name: 'app', image: `${HOST}/web:latest`, imageDigest: OLD_DIGEST }] }],
    }],
  },
  lambda: { functions: [] },
  apprunner: { services: [] },
  batch: { jobDefinitions: [] },
};

interface Report {
  findings: Array<{ id: string; severity: string; image?: { imageDigest: string }; message: string; origins?: Array<{ file: string; format: string }> }>;
  unreadableRepositories?: Array<{ repositoryName: string; reason: string }>;
  inUse?: { references: number };
}

let kube: FakeKubeServer;
let ecr: FakeEcrServer;
let live: FakeAwsLiveServer;
let home: string;
let env: Record<string, string>;
const analysis = ['--format', 'json', '--now', NOW, '--days', '0'];

beforeAll(async () => {
  requireBuiltCli();
  ecr = await FakeEcrServer.start({ registryId: ACCOUNT, region: 'us-east-1', repositories: [{ repositoryName: 'web', lifecyclePolicyText: POLICY, images: [OLD, NEW] }] });
  live = await FakeAwsLiveServer.start(LIVE);
  home = await tempDir();
  // Each service's endpoint as the SDK reads it, as a user pointing at LocalStack or a VPC endpoint would.
  env = awsEnv(home, {
    AWS_ENDPOINT_URL_ECR: ecr.url,
    AWS_ENDPOINT_URL_STS: ecr.url,
    AWS_ENDPOINT_URL_ECS: live.url,
    AWS_ENDPOINT_URL_LAMBDA: live.url,
    AWS_ENDPOINT_URL_APPRUNNER: live.url,
    AWS_ENDPOINT_URL_BATCH: live.url,
  });
});
afterAll(async () => {
  await kube?.close();
  await ecr?.close();
  await live?.close();
  await removeDirs(home);
});

const expired = (r: Report) => r.findings.filter((f) => f.id === 'in-use-image-expired');

describe('audit --live --in-use-live all (built CLI, real SDK clients)', () => {
  it('finds the running task\'s image, which only its digest names, would be deleted', async () => {
    const r = await runCli(['audit', '--live', '--in-use-live', 'all', ...analysis], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as Report;
    const [finding] = expired(report);
    expect(finding).toMatchObject({ severity: 'error', image: { imageDigest: OLD_DIGEST } });
    // The live audit's snapshot is temporary: origins name the discovered file as live:in-use/...
    expect(finding!.origins!.map((o) => [o.format, o.file])).toEqual([['list', `live:in-use/_aws/${ACCOUNT}/us-east-1/ecs/prod/running-tasks.txt`]]);
    for (const op of ['ecs:ListClusters', 'ecs:ListTasks', 'ecs:DescribeTasks', 'lambda:ListFunctions', 'apprunner:ListServices', 'batch:DescribeJobDefinitions']) expect(live.calls(op), op).toBeGreaterThan(0);
  });

  it('without it, the same audit sees nothing: the task definition names only the moved tag', async () => {
    const r = await runCli(['audit', '--live', ...analysis], env);
    expect(r.code).toBe(0);
    expect(expired(JSON.parse(r.stdout) as Report)).toEqual([]);
  });

  it('snapshot --in-use-live writes what it found; an offline audit of it later gives the same findings', async () => {
    const out = join(home, 'snapshot');
    const s = await runCli(['snapshot', '--out', out, '--in-use-live', 'ecs,lambda', '--rollback-depth', '2'], env);
    expect(s.stderr).toBe('');
    expect(s.code).toBe(0);
    expect(s.stdout).toMatch(/^In use: 2 references from 2 sources written to .*\/in-use \(2 files\)\.$/m);
    const files = await listFiles(out);
    expect(files.filter((f) => f.startsWith('in-use'))).toEqual([
      'in-use-status.json',
      `in-use/_aws/${ACCOUNT}/us-east-1/ecs/prod/running-tasks.txt`,
      `in-use/_aws/${ACCOUNT}/us-east-1/ecs/prod/services/web/web-7.json`,
    ]);
    for (const secret of SECRETS) expect(await allText(out)).not.toContain(secret);
    const offline = await runCli(['audit', '--snapshot', out, ...analysis], { ...env, AWS_ENDPOINT_URL_ECS: 'http://127.0.0.1:9' });
    expect(offline.code).toBe(1);
    const live1 = await runCli(['audit', '--live', '--in-use-live', 'ecs,lambda', ...analysis], env);
    // The same findings, byte for byte, but for where the discovered files are: the snapshot, or live:.
    const offlineFindings = JSON.stringify((JSON.parse(offline.stdout) as Report).findings).split(`${out}/`).join('');
    const liveFindings = JSON.stringify((JSON.parse(live1.stdout) as Report).findings).split('live:').join('');
    expect(expired(JSON.parse(offline.stdout) as Report)).toHaveLength(1);
    expect(offlineFindings).toBe(liveFindings);
    // A later snapshot without discovery leaves no stale in-use files for an audit to trust.
    const again = await runCli(['snapshot', '--out', out], env);
    expect(again.code).toBe(0);
    expect((await listFiles(out)).filter((f) => f.startsWith('in-use'))).toEqual([]);
  });

  it('dry-run --snapshot reads the snapshot\'s in-use folder as audit --snapshot does: same findings, same exit 3 when discovery missed a part', async () => {
    const out = join(home, 'dry-run-snapshot');
    expect((await runCli(['snapshot', '--out', out, '--in-use-live', 'ecs,lambda'], env)).code).toBe(0);
    const offline = { ...env, AWS_ENDPOINT_URL_ECS: 'http://127.0.0.1:9' };
    const audit = await runCli(['audit', '--snapshot', out, ...analysis], offline);
    const dry = await runCli(['dry-run', '--snapshot', out, ...analysis], offline);
    expect(dry.stderr).toBe('');
    expect([audit.code, dry.code]).toEqual([1, 1]);
    const dryReport = JSON.parse(dry.stdout) as Report;
    expect(expired(dryReport)).toHaveLength(1);
    expect(JSON.stringify(dryReport.findings)).toBe(JSON.stringify((JSON.parse(audit.stdout) as Report).findings));
    expect(dryReport.inUse).toEqual((JSON.parse(audit.stdout) as Report).inUse);

    const partial = join(home, 'dry-run-partial');
    live.inject({ operation: 'ecs:ListTasks', kind: 'access-denied' });
    const s = await runCli(['snapshot', '--out', partial, '--in-use-live', 'ecs'], env);
    live.clearFaults();
    expect(s.code).toBe(3);
    const a = await runCli(['audit', '--snapshot', partial, ...analysis], offline);
    const d = await runCli(['dry-run', '--snapshot', partial, ...analysis], offline);
    expect([a.code, d.code]).toEqual([3, 3]);
    expect(d.stderr).toMatch(/^ecr-lifeguard: in-use discovery could not read 1 part of what runs; the report names them/m);
    const unreadable = (JSON.parse(d.stdout) as Report).unreadableRepositories;
    expect(unreadable).toEqual((JSON.parse(a.stdout) as Report).unreadableRepositories);
    expect(unreadable).toEqual([{ repositoryName: '*', reason: expect.stringMatching(/^in-use discovery incomplete: ECS us-east-1 cluster prod: its running tasks/) as unknown as string }]);
  });

  it('--role-arn: discovery assumes the role through STS and signs every call with its credentials, which reach no file', async () => {
    const out = join(home, 'role');
    const role = `arn:aws:iam::${ACCOUNT}:role/ecr-lifeguard-read`;
    const before = live.log.length;
    const stsBefore = ecr.log.filter((c) => c.target === 'sts:AssumeRole').length;
    const s = await runCli(['snapshot', '--out', out, '--in-use-live', 'ecs', '--role-arn', role], env);
    // Discovery says nothing: at most the ECR read's own advice about this role's pull-time updates.
    expect(s.stderr.split('\n').filter((l) => l !== '' && !/^warning: arn:aws:iam::\d+:role\/ecr-lifeguard-read is not in the pull-time update exclusions/.test(l))).toEqual([]);
    expect(s.code).toBe(0);
    const assumed = ecr.log.filter((c) => c.target === 'sts:AssumeRole').slice(stsBefore);
    // STS saw the base keys; the stand-in saw only the assumed role's.
    expect(assumed.length).toBeGreaterThan(0);
    expect(assumed.every((c) => c.accessKeyId !== assumedAccessKeyId(ACCOUNT))).toBe(true);
    expect(live.log.slice(before).filter((o) => o.startsWith('ecs:')).length).toBeGreaterThan(0);
    expect(new Set(live.signedBy.slice(before))).toEqual(new Set([assumedAccessKeyId(ACCOUNT)]));
    const status = JSON.parse(await readFile(join(out, 'in-use-status.json'), 'utf8')) as { sources: Array<{ scope: string; missing: string[] }> };
    expect(status.sources.map((x) => [x.scope, x.missing])).toEqual([[`us-east-1 role ${role}`, []]]);
    const text = await allText(out);
    for (const secret of [...SECRETS, ASSUMED_SECRET_PREFIX, ASSUMED_SESSION_TOKEN_PREFIX]) expect(text).not.toContain(secret);
    const r = await runCli(['audit', '--snapshot', out, ...analysis], env);
    expect(r.code).toBe(1);
    expect(expired(JSON.parse(r.stdout) as Report)).toHaveLength(1);
  });

  it('an offline audit of that snapshot loads none of the discovery clients (module trace)', async () => {
    const out = join(home, 'traced');
    expect((await runCli(['snapshot', '--out', out, '--in-use-live', 'all'], env)).code).toBe(0);
    const trace = join(home, 'trace.txt');
    await writeFile(join(home, 'hooks.mjs'), `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(process.env.MODULE_TRACE, r.url + '\\n');
  return r;
}
`);
    await writeFile(join(home, 'register.mjs'), `import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n`);
    const r = await runCli(['audit', '--snapshot', out, ...analysis], { ...env, MODULE_TRACE: trace, NODE_OPTIONS: `--import=${join(home, 'register.mjs')}` });
    expect(r.code).toBe(1);
    const modules = (await readFile(trace, 'utf8')).split('\n');
    expect(modules.some((u) => u.includes('/dist/bin/audit-'))).toBe(true); // the trace works
    expect(modules.filter((u) => /@aws-sdk\/client-(ecs|lambda|apprunner|batch)|@kubernetes/.test(u))).toEqual([]);
  });

  it('a source that cannot be read makes the audit incomplete (exit 3), naming what is missing', async () => {
    live.inject({ operation: 'ecs:ListTasks', kind: 'access-denied' });
    const r = await runCli(['audit', '--live', '--in-use-live', 'ecs', ...analysis], env);
    live.clearFaults();
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^ecr-lifeguard: in-use discovery could not read 1 part of what runs; the report names them/m);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.unreadableRepositories).toEqual([
      { repositoryName: '*', reason: expect.stringMatching(/^in-use discovery incomplete: ECS us-east-1 cluster prod: its running tasks \(ListTasks failed after 1 attempt: AccessDeniedException/) as unknown as string },
    ]);
    // The running task was not read, so its image is not known to be in use: exit 3 says the result is not "safe".
    expect(expired(report)).toEqual([]);
  });

  it('usage errors: an unknown source, --in-use-live without --live', async () => {
    const a = await runCli(['audit', '--live', '--in-use-live', 'ecs,eks', ...analysis], env);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/--in-use-live: unknown source "eks"; give ecs, lambda, apprunner, batch or all/);
    const b = await runCli(['audit', '--snapshot', home, '--in-use-live', 'ecs', ...analysis], env);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/need --live/);
    // An unknown context is refused before ECR is read: nothing is written.
    const config = join(home, 'usage-kubeconfig');
    await writeFile(config, kubeconfig('http://127.0.0.1:9', [{ name: 'prod', user: { token: 't' } }]));
    const out = join(home, 'not-written');
    const c = await runCli(['snapshot', '--out', out, '--in-use-kube', 'staging'], { ...env, KUBECONFIG: config });
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/^ecr-lifeguard: --in-use-kube: no context "staging" in the kubeconfig; it has "prod"\n/);
    expect(await listFiles(out).catch(() => [])).toEqual([]);
  });
});

describe('audit --live --in-use-kube (built CLI, real Kubernetes client library)', () => {
  it('a ReplicaSet kept for rollback whose image would be deleted is a warning, not an error', async () => {
    const NEW_DIGEST = digestOf(manifestText(NEW.manifest));
    const template = (image: string) => ({ template: { spec: { containers: [{ name: 'app', image }] } } });
    const owned = { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'u' }] };
    kube = await FakeKubeServer.start({
      tokens: { t: {} },
      objects: {
        pods: [{ metadata: { namespace: 'shop', name: 'web-1' }, spec: { containers: [{ name: 'app', image: `${HOST}/web:latest` }] }, status: { containerStatuses: [{ name: 'app', image: `${HOST}/web:latest`, imageID: `${HOST}/web@${NEW_DIGEST}` }] } }],
        deployments: [{ metadata: { namespace: 'shop', name: 'web' }, spec: { replicas: 1, selector: {}, ...template(`${HOST}/web:latest`) } }],
        replicasets: [
          { metadata: { namespace: 'shop', name: 'web-new', ...owned }, spec: { replicas: 1, selector: {}, ...template(`${HOST}/web@${NEW_DIGEST}`) } },
          { metadata: { namespace: 'shop', name: 'web-old', ...owned }, spec: { replicas: 0, selector: {}, ...template(`${HOST}/web@${OLD_DIGEST}`) } },
        ],
      },
    });
    const config = join(home, 'kubeconfig');
    await writeFile(config, kubeconfig(kube.url, [{ name: 'shop-eks', user: { token: 't' } }]));
    const r = await runCli(['audit', '--live', '--in-use-kube', 'shop-eks', '--fail-on', 'warning', ...analysis], { ...env, KUBECONFIG: config });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as Report;
    expect(expired(report)).toEqual([]);
    const rollback = report.findings.filter((f) => f.id === 'rollback-target-expired');
    expect(rollback.map((f) => [f.severity, f.image?.imageDigest, f.origins?.map((o) => o.file)])).toEqual([['warning', OLD_DIGEST, ['live:in-use/_kube/shop-eks/replicasets.rollback.json']]]);
    // With the default --fail-on error, a rollback target alone does not fail the run.
    const quiet = await runCli(['audit', '--live', '--in-use-kube', 'shop-eks', ...analysis], { ...env, KUBECONFIG: config });
    expect(quiet.code).toBe(0);
  });
});


describe('audit --live --in-use-kube reads custom resources (built CLI, real Kubernetes client library)', () => {
  it('an Argo Rollout running the image the policy expires is an error; a refused Rollout list is incomplete (exit 3), named', async () => {
    // A Rollout pinned to the old digest (argoproj/argo-rollouts examples: spec.template as a Deployment's);
    // no Pod or Deployment names it. Knative, Tekton and the others are not installed: nothing said of them.
    const crd = await FakeKubeServer.start({
      tokens: { t: {}, denied: { denyClusterWide: ['rollouts.argoproj.io', 'namespaces'] } },
      objects: {
        'rollouts.argoproj.io': [{ metadata: { namespace: 'shop', name: 'web' }, spec: { replicas: 2, strategy: { canary: {} }, template: { spec: { containers: [{ name: 'app', image: `${HOST}/web@${OLD_DIGEST}`, env: [{ name: 'K', value: 'MUST-NOT-LEAK' }] }] } } } }],
      },
    });
    try {
      const config = join(home, 'crd-kubeconfig');
      await writeFile(config, kubeconfig(crd.url, [{ name: 'argo', user: { token: 't' } }, { name: 'argo-denied', user: { token: 'denied' } }]));
      const r = await runCli(['audit', '--live', '--in-use-kube', 'argo', ...analysis], { ...env, KUBECONFIG: config });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(1);
      const report = JSON.parse(r.stdout) as Report;
      expect(expired(report).map((f) => [f.severity, f.image?.imageDigest, f.origins?.map((o) => o.file)])).toEqual([['error', OLD_DIGEST, ['live:in-use/_kube/argo/rollouts.argoproj.io.json']]]);
      expect(r.stdout).not.toContain('MUST-NOT-LEAK');
      expect(crd.log.some((l) => /knative|tekton|keda|openshift/.test(l))).toBe(false);

      const d = await runCli(['audit', '--live', '--in-use-kube', 'argo-denied', ...analysis], { ...env, KUBECONFIG: config });
      expect(d.code).toBe(3);
      expect(d.stderr).toMatch(/^ecr-lifeguard: in-use discovery could not read 1 part of what runs; the report names them/m);
      const denied = JSON.parse(d.stdout) as Report;
      expect(denied.unreadableRepositories).toEqual([
        { repositoryName: '*', reason: 'in-use discovery incomplete: Kubernetes context argo-denied: rollouts.argoproj.io in every namespace (forbidden; the namespaces cannot be listed either: forbidden)' },
      ]);
      expect(expired(denied)).toEqual([]);
    } finally {
      await crd.close();
    }
  });
});
