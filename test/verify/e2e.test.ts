import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, ROOT, runCli, runCommand, type CliRun } from '../e2e/support.js';
import { TEST_CREDENTIALS } from '../support/fake-ecr/harness.js';
import { startFakeCloudTrail } from '../support/fake-cloudtrail/server.js';
import type { VerifyReport } from '../../src/verify/verify.js';
import { agreeingRecords, API_IMAGES, API_RULES, apiSnapshot, digestOf, policyExecutionRecord, twoRegionSnapshot, writeEvents } from './support.js';

// `ecr-lifeguard verify` end to end: the built CLI on a snapshot and CloudTrail records in each form,
// and --live against a local CloudTrail stand-in. `snapshot` today, `verify` next week.

const schema = JSON.parse(readFileSync(join(ROOT, 'schemas', 'verify-report.schema.json'), 'utf8')) as object;
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats.default(ajv);
const validate = ajv.compile(schema);

let dir = '';
let snap = '';
beforeAll(() => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'verify-e2e-'));
  snap = join(dir, 'snap');
  apiSnapshot(snap);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function report(r: CliRun): VerifyReport {
  const value = JSON.parse(r.stdout) as VerifyReport;
  expect(validate(value), ajv.errorsText(validate.errors)).toBe(true);
  return value;
}

describe('verify (built CLI)', () => {
  it('a snapshot and lookup-events output that agree: exit 0, the same bytes twice, every format', async () => {
    const events = writeEvents(join(dir, 'agree'), 'lookup-events', agreeingRecords());
    const args = ['verify', '--snapshot', snap, '--events', events];
    const json = await runCli([...args, '--format', 'json']);
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    expect(report(json).summary).toEqual({ repositories: 1, agreed: 3, predictedNotDone: 0, doneNotPredicted: 0, doneExplained: 0, pushedAfterSnapshot: 0 });
    expect((await runCli([...args, '--format', 'json'])).stdout).toBe(json.stdout);
    const table = await runCli([...args, '--format', 'table']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/OK: every action ECR recorded was predicted \(exit 0\)/);
    expect(table.stdout).toMatch(/3 agreed, 0 predicted but not done, 0 done but not predicted/);
    const md = await runCli([...args, '--format', 'markdown']);
    expect(md.stdout).toMatch(/^## ecr-lifeguard verify/);
    expect(md.stdout).toContain('| agreed | `sha256:');
  });

  it('S3 log files (gzip) with an action the simulation did not predict: exit 1, with ECR\'s rule, the state at T0 and our trace', async () => {
    const records = [...agreeingRecords(), policyExecutionRecord({ repositoryName: 'team/api', eventTime: '2026-11-03T08:00:00Z', rules: API_RULES, actions: [{ ...API_IMAGES.v3, rulePriority: 2 }] })];
    const trail = writeEvents(join(dir, 'diff'), 's3-gzip', records);
    const json = await runCli(['verify', '--snapshot', snap, '--events', trail, '--format', 'json']);
    expect(json.code).toBe(1);
    expect(json.stderr).toBe('');
    const r = report(json);
    expect(r.inputs.events).toHaveLength(4);
    expect(r.summary.doneNotPredicted).toBe(1);
    const table = await runCli(['verify', '--snapshot', snap, '--events', trail, '--format', 'table']);
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(/DIFFERENCE: ECR did something the simulation did not predict \(exit 1\)/);
    expect(table.stdout).toMatch(/at T0: tags v3, pushed 2026-10-28T12:00:00.000Z, ACTIVE/);
    expect(table.stdout).toMatch(/ECR's rule 2: expire tagged \(prefixes v\), imageCountMoreThan 2 — keep 2 releases/);
    expect(table.stdout).toMatch(/rule 2: identifies it \(rank 2 of 2, keeps the newest 2\): not a candidate/);
  });

  it('every format the other commands have: HTML (self-contained, escaped), GitHub annotations and SARIF, with the same exit code', async () => {
    const records = [...agreeingRecords(), policyExecutionRecord({ repositoryName: 'team/api', eventTime: '2026-11-03T08:00:00Z', rules: API_RULES, actions: [{ ...API_IMAGES.v3, rulePriority: 2 }] })];
    const trail = writeEvents(join(dir, 'formats'), 's3-gzip', records);
    const args = ['verify', '--snapshot', snap, '--events', trail, '--format'];
    const html = await runCli([...args, 'html']);
    expect(html.code).toBe(1);
    expect(html.stderr).toBe('');
    expect(html.stdout).toMatch(/^<!doctype html>/);
    expect(html.stdout).toContain('Content-Security-Policy');
    expect(html.stdout).not.toMatch(/<(script|link|img)[^>]*(src|href)="(?!data:)/);
    expect(html.stdout).toContain('DIFFERENCE: ECR did something the simulation did not predict (exit 1)');
    expect(html.stdout).toMatch(/<tr data-outcome="done-not-predicted"><td><strong>done, not predicted<\/strong><\/td><td class="mono"><code title="sha256:/);
    expect(html.stdout).toContain('ECR&#39;s rule 2: expire tagged (prefixes v), imageCountMoreThan 2 — keep 2 releases');
    expect((await runCli([...args, 'html'])).stdout).toBe(html.stdout);
    const gh = await runCli([...args, 'github']);
    expect(gh.code).toBe(1);
    const lines = gh.stdout.trimEnd().split('\n');
    const errors = lines.filter((l) => l.startsWith('::error title=verify-done-not-predicted::'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`: ECR expired ${digestOf('v3')} v3 on 2026-11-03T08:00:00.000Z (rule 2), not predicted`);
    expect(lines.at(-1)).toMatch(/^ecr-lifeguard verify: 3 agreed, 0 predicted but not done, 1 done but not predicted/);
    const sarif = await runCli([...args, 'sarif']);
    expect(sarif.code).toBe(1);
    const log = JSON.parse(sarif.stdout) as { version: string; runs: Array<{ tool: { driver: { rules: Array<{ id: string }> } }; results: Array<{ ruleId: string; level: string; locations: Array<{ logicalLocations: Array<{ name: string }> }>; properties: { imageDigest: string } }> }> };
    expect(log.version).toBe('2.1.0');
    expect(log.runs[0]!.tool.driver.rules.map((r) => r.id)).toEqual(['verify-done-not-predicted', 'verify-incomplete', 'verify-predicted-not-done']);
    expect(log.runs[0]!.results.map((r) => [r.ruleId, r.level, r.locations[0]!.logicalLocations[0]!.name, r.properties.imageDigest])).toEqual([['verify-done-not-predicted', 'error', 'team/api', digestOf('v3')]]);
  });

  it('incomplete data in HTML, GitHub and SARIF: said in each, exit 3', async () => {
    const events = writeEvents(join(dir, 'formats-incomplete'), 'lookup-events', agreeingRecords());
    for (const format of ['html', 'github', 'sarif']) {
      const r = await runCli(['verify', '--snapshot', snap, '--events', events, '--until', '2026-12-30T00:00:00Z', '--format', format]);
      expect(r.code, format).toBe(3);
      expect(r.stdout, format).toMatch(format === 'html' ? /<section id="incomplete" class="alert">/ : format === 'github' ? /^::error title=verify-incomplete::events: the records read end/m : /"ruleId": "verify-incomplete"/);
    }
  });

  it('an EventBridge export with an action on an image pushed after T0: reported apart, exit 0', async () => {
    const records = [...agreeingRecords(), policyExecutionRecord({ repositoryName: 'team/api', eventTime: '2026-11-05T09:00:00Z', rules: API_RULES, actions: [{ name: 'u9', pushedAt: '2026-11-02T08:00:00Z', rulePriority: 1 }] })];
    const events = writeEvents(join(dir, 'pushed'), 'eventbridge', records);
    const json = await runCli(['verify', '--snapshot', snap, '--events', events, '--format', 'json']);
    expect(json.code).toBe(0);
    const o = report(json).repositories[0]!.outcomes.find((x) => x.imageDigest === digestOf('u9'));
    expect(o).toMatchObject({ outcome: 'pushed-after-snapshot', note: 'pushed 2026-11-02T08:00:00.000Z, after the snapshot: outside what it can predict' });
  });

  it('a CloudWatch Logs export where the policy changed mid-window: the event\'s rules from that day, exit 0', async () => {
    const v2Rules = API_RULES.map((r) => (r.rulePriority === 2 ? { ...r, countNumber: 1 } : r));
    const records = [
      agreeingRecords()[0]!,
      policyExecutionRecord({ repositoryName: 'team/api', eventTime: '2026-11-04T10:00:00Z', rules: v2Rules, policyVersion: 2, actions: [{ ...API_IMAGES.v3, rulePriority: 2 }] }),
      policyExecutionRecord({ repositoryName: 'team/api', eventTime: '2026-11-06T09:30:00Z', rules: v2Rules, policyVersion: 2, actions: [{ ...API_IMAGES.u1, rulePriority: 1 }] }),
    ];
    const events = writeEvents(join(dir, 'changed'), 'cloudwatch', records);
    const json = await runCli(['verify', '--snapshot', snap, '--events', events, '--format', 'json']);
    expect(json.code).toBe(0);
    const repo = report(json).repositories[0]!;
    expect(repo.policyPeriods.map((p) => [p.source, p.fromDay, p.policyVersion ?? null])).toEqual([['snapshot', 0, null], ['event', 3, 2]]);
    expect(repo.outcomes.every((o) => o.outcome === 'agreed')).toBe(true);
    // Read with the snapshot's rules throughout, v3's expiry would be a difference: the period matters.
    const table = await runCli(['verify', '--snapshot', snap, '--events', events, '--format', 'table']);
    expect(table.stdout).toMatch(/note: the policy evaluated at 2026-11-04T10:00:00.000Z \(event [0-9a-f-]+, policyVersion 2\) differs from the snapshot's/);
  });

  it('reading files never loads the AWS SDK (the CloudTrail client is imported for --live only)', async () => {
    const events = writeEvents(join(dir, 'trace'), 'lookup-events', agreeingRecords());
    const trace = join(dir, 'trace.txt');
    writeFileSync(join(dir, 'hooks.mjs'), `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(process.env.VERIFY_TRACE, r.url + '\\n');
  return r;
}
`);
    writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n`);
    for (const main of ['dist/cli/main.js', (await import('../e2e/support.js')).BIN]) {
      writeFileSync(trace, '');
      const r = await runCommand(process.execPath, ['--import', join(dir, 'register.mjs'), main, 'verify', '--snapshot', snap, '--events', events, '--format', 'json'], { env: { VERIFY_TRACE: trace } });
      expect(r.code, r.stderr).toBe(0);
      const modules = readFileSync(trace, 'utf8').split('\n');
      expect(modules.some((u) => /verify/.test(u))).toBe(true); // the trace works
      expect(modules.filter((u) => /@aws-sdk|@smithy/.test(u))).toEqual([]);
    }
  });

  describe('--live', () => {
    const env = {
      HOME: '/nonexistent', AWS_CONFIG_FILE: '/nonexistent/config', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials', AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey, AWS_SESSION_TOKEN: TEST_CREDENTIALS.sessionToken,
      AWS_MAX_ATTEMPTS: '3', AWS_REGION: undefined, AWS_PROFILE: undefined,
    };
    const live = (url: string) => ['verify', '--snapshot', snap, '--live', '--endpoint-url', url, '--until', '2026-11-07T00:00:00Z', '--format', 'json'];

    it('reads every page, through throttling, from the snapshot\'s region: exit 0', async () => {
      const fake = await startFakeCloudTrail({ records: agreeingRecords(), pageSize: 1, faults: [{ page: 2, kind: 'throttle', times: 1 }] });
      try {
        const r = await runCli(live(fake.url), { env });
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        const rep = report(r);
        expect(rep.inputs.live).toEqual({ regions: ['us-west-2'], calls: 2 });
        expect(rep.summary.agreed).toBe(3);
        expect(fake.requests.map((q) => [q.region, q.status, q.body.NextToken ?? null])).toEqual([['us-west-2', 200, null], ['us-west-2', 400, 'page-2'], ['us-west-2', 200, 'page-2']]);
        expect(r.stdout).not.toContain(TEST_CREDENTIALS.secretAccessKey);
      } finally {
        await fake.close();
      }
    });

    it('a snapshot of two regions (DIR/<registryId>/<region>/): each root looked up in its own region, its events compared with its own repositories', async () => {
      const multi = join(dir, 'two-regions');
      twoRegionSnapshot(multi, ['us-west-2', 'eu-west-1']);
      // Both regions hold team/api; only eu-west-1's ECR expired v3, which neither simulation predicts.
      const records = [...agreeingRecords('us-west-2'), ...agreeingRecords('eu-west-1'),
        policyExecutionRecord({ repositoryName: 'team/api', eventTime: '2026-11-03T08:00:00Z', rules: API_RULES, actions: [{ ...API_IMAGES.v3, rulePriority: 2 }], region: 'eu-west-1' })];
      const fake = await startFakeCloudTrail({ records, byRegion: true });
      try {
        const r = await runCli(['verify', '--snapshot', multi, '--live', '--endpoint-url', fake.url, '--until', '2026-11-07T00:00:00Z', '--format', 'json'], { env });
        expect(r.stderr).toBe('');
        expect(r.code).toBe(1);
        const rep = report(r);
        expect(fake.requests.map((q) => q.region)).toEqual(['eu-west-1', 'us-west-2']);
        expect(rep.inputs.live).toEqual({ regions: ['eu-west-1', 'us-west-2'], calls: 2 });
        expect(rep.inputs.events.map((e) => [e.path, e.policyExecutions])).toEqual([['cloudtrail LookupEvents (123456789012 eu-west-1)', 3], ['cloudtrail LookupEvents (123456789012 us-west-2)', 2]]);
        const byRegion = Object.fromEntries(rep.repositories.map((x) => [x.region, x.outcomes.map((o) => [o.outcome, o.imageDigest])]));
        expect(byRegion['us-west-2']!.every(([o]) => o === 'agreed')).toBe(true);
        expect(byRegion['us-west-2']).toHaveLength(3);
        expect(byRegion['eu-west-1']!.filter(([o]) => o === 'done-not-predicted')).toEqual([['done-not-predicted', digestOf('v3')]]);
        expect(rep.summary).toMatchObject({ repositories: 2, agreed: 6, doneNotPredicted: 1 });
        expect(rep.otherRepositories).toEqual([]);

        // The same records from a file: routed to the root whose region they carry.
        const file = writeEvents(join(dir, 'two-regions-events'), 'lookup-events', records);
        const fromFile = await runCli(['verify', '--snapshot', multi, '--events', file, '--format', 'json']);
        expect(fromFile.code).toBe(1);
        expect(report(fromFile).repositories.map((x) => [x.region, x.outcomes.length])).toEqual(rep.repositories.map((x) => [x.region, x.outcomes.length]));

        const withRegion = await runCli(['verify', '--snapshot', multi, '--live', '--region', 'us-west-2', '--endpoint-url', fake.url, '--format', 'json'], { env });
        expect(withRegion.code).toBe(2);
        expect(withRegion.stderr).toMatch(/each root is looked up in its own region, so --region cannot be given/);
      } finally {
        await fake.close();
      }
    });

    it('a page that keeps failing: incomplete, exit 3, what was read still compared', async () => {
      const fake = await startFakeCloudTrail({ records: agreeingRecords(), pageSize: 1, faults: [{ page: 2, kind: 'server-error' }] });
      try {
        const r = await runCli(live(fake.url), { env });
        expect(r.stderr).toBe('');
        expect(r.code).toBe(3);
        const rep = report(r);
        expect(rep.complete).toBe(false);
        expect(rep.incomplete).toEqual([{ source: 'cloudtrail us-west-2', message: expect.stringMatching(/^LookupEvents page 2 failed after 3 attempts: InternalServerError/) }]);
        // Page 1 (the newest execution, u1's) was read and compared.
        expect(rep.repositories[0]!.outcomes.filter((o) => o.outcome === 'agreed').map((o) => o.imageDigest)).toEqual([digestOf('u1')]);
        const table = await runCli([...live(fake.url).slice(0, -2), '--format', 'table'], { env });
        expect(table.code).toBe(3);
        expect(table.stdout).toMatch(/INCOMPLETE: the events or the snapshot are incomplete/);
      } finally {
        await fake.close();
      }
    });
  });
});
