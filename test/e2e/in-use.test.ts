import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, expectCleanFailure, NOW, runCli } from './support.js';

// --in-use as a user runs it (issue 17): a folder holding anything never aborts the run, hostless
// references are named, and --default-registry / --build-arg supply what the files leave open.

const HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const STATE = ['dry-run', '--snapshot', 'samples/registry', '--now', NOW, '--format', 'json', '--fail-on', 'never'];

describe('--in-use from the command line', () => {
  let dir: string;
  beforeAll(async () => {
    assertBuilt();
    dir = await mkdtemp(join(tmpdir(), 'in-use-e2e-'));
    await mkdir(join(dir, 'repo/charts/api/templates'), { recursive: true });
    await writeFile(join(dir, 'repo/.env'), 'API_TOKEN=s3cr3t-value\n');
    await writeFile(join(dir, 'repo/values.yaml'), 'image:\n  repository: broken: [\n');
    await writeFile(join(dir, 'repo/charts/api/Chart.yaml'), 'apiVersion: v2\nname: api\nversion: 1.0.0\n');
    await writeFile(join(dir, 'repo/charts/api/templates/deploy.yaml'), 'image: {{ .Values.image }}\n');
    await writeFile(join(dir, 'repo/run.sh'), '#!/bin/sh\necho hello world\n');
    await writeFile(join(dir, 'repo/rollout.yaml'), `apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: api}\nspec:\n  template:\n    spec:\n      containers:\n        - image: ${HOST}/shop/api:release-1.2\n`);
    await writeFile(join(dir, 'hostless.txt'), 'shop/api:release-1.2\n');
    await writeFile(join(dir, 'Dockerfile'), 'ARG BASE\nFROM ${BASE}/platform/base:python-3.11\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a repository folder with a secret, a broken values file, a chart and a script: warnings, a report, the Rollout found, nothing echoed', async () => {
    const r = await runCli([...STATE, '--in-use', join(dir, 'repo')]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { inUse: Record<string, unknown>; findings: Array<{ id: string; origins?: Array<{ file: string }> }> };
    expect(report.findings.some((f) => f.id === 'in-use-image-expired' && f.origins?.some((o) => o.file.endsWith('rollout.yaml')))).toBe(true);
    expect(report.inUse).toMatchObject({ filesRead: 2, filesWithProblems: 1, bySource: { kubernetes: 1 } });
    expect(r.stderr).toContain('values.yaml:2:');
    expect(r.stderr).toContain('an unrendered Helm chart');
    expect(r.stdout + r.stderr).not.toContain('s3cr3t');
    expect(r.stderr).not.toMatch(/^\s+at |unexpected error/m);
  });

  it('a reference without a registry host: a warning naming the snapshot registry; --default-registry reads it as ECR', async () => {
    const plain = await runCli([...STATE, '--in-use', join(dir, 'hostless.txt')]);
    expect(plain.stderr).toContain(`reference shop/api:release-1.2 has no registry host, so it is counted as Docker Hub, but the snapshot has a repository shop/api in ${HOST}`);
    expect((JSON.parse(plain.stdout) as { findings: Array<{ id: string }> }).findings.filter((f) => f.id === 'in-use-image-expired' && JSON.stringify(f).includes('hostless.txt'))).toEqual([]);
    // audit says the same of each registry it reads.
    const audit = await runCli(['audit', '--snapshot', 'samples/registry', '--now', NOW, '--format', 'json', '--fail-on', 'never', '--in-use', join(dir, 'hostless.txt')]);
    expect(audit.stderr).toContain(`reference shop/api:release-1.2 has no registry host, so it is counted as Docker Hub, but the snapshot has a repository shop/api in ${HOST}`);
    const resolved = await runCli([...STATE, '--in-use', join(dir, 'hostless.txt'), '--default-registry', HOST]);
    expect(resolved.stderr).not.toContain('has no registry host');
    const findings = (JSON.parse(resolved.stdout) as { findings: Array<{ id: string }> }).findings;
    expect(findings.some((f) => f.id === 'in-use-image-expired' && JSON.stringify(f).includes('hostless.txt'))).toBe(true);
  });

  it('--build-arg gives a Dockerfile ARG its value; without it the FROM is an unresolvable use, located', async () => {
    const without = await runCli([...STATE, '--in-use', join(dir, 'Dockerfile')]);
    expect(without.stderr).toContain('Dockerfile:2:6: image cannot be resolved: ARG BASE has no value before the first FROM');
    expect(JSON.parse(without.stdout).inUse).toMatchObject({ unresolvable: 1 });
    const withArg = await runCli([...STATE, '--in-use', join(dir, 'Dockerfile'), '--build-arg', `BASE=${HOST}`]);
    expect(withArg.stderr).toBe('');
    expect((JSON.parse(withArg.stdout) as { findings: Array<{ id: string }> }).findings.map((f) => f.id)).toContain('base-image-expired');
  });

  it('a malformed --build-arg or --default-registry is a usage error (exit 2)', async () => {
    expectCleanFailure(await runCli([...STATE, '--in-use', join(dir, 'Dockerfile'), '--build-arg', 'no-equals-sign']));
    expectCleanFailure(await runCli([...STATE, '--in-use', join(dir, 'hostless.txt'), '--default-registry', 'https://x/y']));
  });
});
