import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import type { CliIO } from '../../src/cli/io.js';
import type { VerifyReport } from '../../src/verify/verify.js';
import { API_IMAGES, API_RULES, agreeingRecords, apiSnapshot, digestOf, otherRecord, policyExecutionRecord, writeEvents } from './support.js';

// verify in process (the command over the pure core): each outcome, the policy periods, the exit codes.

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function scratch(): string {
  const d = mkdtempSync(join(tmpdir(), 'verify-unit-'));
  dirs.push(d);
  return d;
}

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), stdoutIsTTY: false, stderrIsTTY: false, env: {}, cwd: process.cwd(), clock: () => Date.parse('2026-11-20T00:00:00Z') };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

async function verifyJson(records: Array<Record<string, unknown>>, extra: string[] = []): Promise<{ code: number; report: VerifyReport; stderr: string }> {
  const dir = scratch();
  apiSnapshot(join(dir, 'snap'));
  const events = writeEvents(dir, 'lookup-events', records);
  const r = await run(['verify', '--snapshot', join(dir, 'snap'), '--events', events, '--format', 'json', ...extra]);
  return { code: r.code, report: JSON.parse(r.stdout || '{}') as VerifyReport, stderr: r.stderr };
}

const outcomesOf = (report: VerifyReport) =>
  report.repositories.flatMap((r) => r.outcomes.map((o) => ({ outcome: o.outcome, digest: o.imageDigest, action: o.action, predictedDay: o.predicted?.day, doneDay: o.done?.day, likelyReason: o.likelyReason })));

describe('verify', () => {
  it('agrees when ECR did what the simulation predicts (exit 0), with both days', async () => {
    const { code, report, stderr } = await verifyJson(agreeingRecords());
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(report.complete).toBe(true);
    expect(report.until).toBe('2026-11-06T09:30:00.000Z');
    expect(outcomesOf(report)).toEqual([
      { outcome: 'agreed', digest: digestOf('u2'), action: 'EXPIRE', predictedDay: 0, doneDay: 0, likelyReason: undefined },
      { outcome: 'agreed', digest: digestOf('v2'), action: 'EXPIRE', predictedDay: 0, doneDay: 0, likelyReason: undefined },
      // Past 5 days at 2026-11-05T00:00 (day 4); ECR acted the next morning.
      { outcome: 'agreed', digest: digestOf('u1'), action: 'EXPIRE', predictedDay: 4, doneDay: 5, likelyReason: undefined },
    ]);
    expect(report.inputs.records).toBe(3);
    expect(report.inputs.ignoredRecords).toBe(1);
  });

  it('reports an action it did not predict with ECR\'s rule, the state at T0 and our trace (exit 1)', async () => {
    const records = agreeingRecords();
    records.push(policyExecutionRecord({ repositoryName: 'team/api', eventTime: '2026-11-03T08:00:00Z', rules: API_RULES, actions: [{ ...API_IMAGES.v3, rulePriority: 2 }] }));
    const { code, report } = await verifyJson(records);
    expect(code).toBe(1);
    const o = report.repositories[0]!.outcomes[0]!;
    expect(o).toMatchObject({ outcome: 'done-not-predicted', imageDigest: digestOf('v3'), action: 'EXPIRE', explained: false, likelyReason: 'unknown' });
    expect(o.evaluatedRule).toMatchObject({ rulePriority: 2, selection: { tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'imageCountMoreThan', countNumber: 2 } });
    expect(o.stateAtSnapshot).toMatchObject({ imageTags: ['v3'], imagePushedAt: '2026-10-28T12:00:00.000Z' });
    expect(o.trace!.join('\n')).toMatch(/rule 2: identifies it \(rank 2 of 2, keeps the newest 2\): not a candidate/);
    expect(report.summary.doneNotPredicted).toBe(1);
  });

  it('explains a count rule\'s action by pushes after T0 that the records show (exit 0)', async () => {
    const records = agreeingRecords();
    // Two releases pushed after T0 make v3 the third newest: ECR expires it; the records show both pushes
    // (they are themselves expired later by a policy the test does not care about: here, as actions on
    // images pushed after T0).
    records.push(policyExecutionRecord({ repositoryName: 'team/api', eventTime: '2026-11-05T08:00:00Z', rules: API_RULES, actions: [
      { ...API_IMAGES.v3, rulePriority: 2 },
      { name: 'v9', tags: ['v9'], pushedAt: '2026-11-02T00:00:00Z', rulePriority: 2 },
    ] }));
    const { code, report } = await verifyJson(records);
    const outcomes = outcomesOf(report);
    expect(outcomes.find((o) => o.digest === digestOf('v9'))?.outcome).toBe('pushed-after-snapshot');
    // One push seen, v3 ranked 2 of a count of 2: one more identified image suffices.
    expect(outcomes.find((o) => o.digest === digestOf('v3'))).toMatchObject({ outcome: 'done-not-predicted', likelyReason: 'pushes-after-snapshot' });
    expect(report.summary).toMatchObject({ doneNotPredicted: 0, doneExplained: 1, pushedAfterSnapshot: 1 });
    expect(code).toBe(0);
  });

  it('lists a prediction ECR did not carry out, with the likely reason', async () => {
    const records = agreeingRecords().slice(0, 2);
    // u1 (due on day 4) not done; the window ends with the last record (day 2): nothing to say about day 5.
    const first = await verifyJson(records);
    expect(outcomesOf(first.report).map((o) => o.outcome)).toEqual(['agreed', 'agreed']);
    // With --until past day 4 and records reaching it, u1 is predicted but not done.
    const late = [...records, policyExecutionRecord({ repositoryName: 'team/other', eventTime: '2026-11-08T00:00:00Z', rules: API_RULES, actions: [] })];
    const second = await verifyJson(late, ['--until', '2026-11-08T00:00:00Z']);
    expect(outcomesOf(second.report)[0]).toMatchObject({ outcome: 'predicted-not-done', digest: digestOf('u1'), predictedDay: 4, likelyReason: 'unknown' });
    expect(second.report.otherRepositories).toEqual([{ repositoryName: 'team/other', accountId: '123456789012', region: 'us-west-2', executions: 1, actions: 0 }]);
    expect(second.report.notes).toEqual([]);
    // Events of another region only: said, since every prediction then looks not done.
    const elsewhere = agreeingRecords().map((r) => ({ ...r, awsRegion: 'eu-central-1' }));
    const third = await verifyJson(elsewhere);
    expect(third.report.notes.map((n) => n.message)).toEqual([expect.stringMatching(/^none of the 2 policy executions read is about a repository of the snapshot/)]);
    expect(third.report.otherRepositories).toHaveLength(1);
    // A prediction within the last 24 hours of the window: ECR may act on it later.
    const edge = await verifyJson(late, ['--until', '2026-11-05T12:00:00Z']);
    expect(outcomesOf(edge.report)[0]).toMatchObject({ outcome: 'predicted-not-done', likelyReason: 'evaluation-within-24-hours' });
    expect(second.code).toBe(0);
  });

  it('uses the event\'s rules from the day the policy changed, and says so', async () => {
    const i = API_IMAGES;
    const v2Rules = API_RULES.map((r) => (r.rulePriority === 2 ? { ...r, countNumber: 1 } : r));
    const records = [
      agreeingRecords()[0]!,
      // Policy version 2 keeps one release: v3 goes on day 3.
      policyExecutionRecord({ repositoryName: 'team/api', eventTime: '2026-11-04T10:00:00Z', rules: v2Rules, policyVersion: 2, actions: [{ ...i.v3, rulePriority: 2 }] }),
      policyExecutionRecord({ repositoryName: 'team/api', eventTime: '2026-11-06T09:30:00Z', rules: v2Rules, policyVersion: 2, actions: [{ ...i.u1, rulePriority: 1 }] }),
    ];
    const { code, report } = await verifyJson(records);
    expect(code).toBe(0);
    const repo = report.repositories[0]!;
    expect(repo.policyPeriods.map((p) => ({ fromDay: p.fromDay, source: p.source, policyVersion: p.policyVersion, differs: p.differsFromSnapshot }))).toEqual([
      { fromDay: 0, source: 'snapshot', policyVersion: undefined, differs: false },
      { fromDay: 3, source: 'event', policyVersion: 2, differs: true },
    ]);
    expect(repo.notes.join('\n')).toMatch(/policyVersion 2\) differs from the snapshot's: its rules are used from 2026-11-04T00:00:00.000Z/);
    expect(outcomesOf(report).map((o) => [o.outcome, o.digest, o.predictedDay])).toEqual([
      ['agreed', digestOf('u2'), 0], ['agreed', digestOf('v2'), 0], ['agreed', digestOf('v3'), 3], ['agreed', digestOf('u1'), 4],
    ]);
  });

  it('is incomplete (exit 3) when lookup-events output has more pages, or a record cannot be used', async () => {
    const dir = scratch();
    apiSnapshot(join(dir, 'snap'));
    const path = writeEvents(dir, 'lookup-events', agreeingRecords());
    const { readFileSync, writeFileSync } = await import('node:fs');
    const doc = JSON.parse(readFileSync(path, 'utf8')) as { Events: Array<Record<string, unknown>>; NextToken?: string };
    doc.NextToken = 'eyJuZXh0VG9rZW4iOiBudWxsfQ==';
    doc.Events.push({ EventId: 'x', CloudTrailEvent: '{"eventSource": "ecr.amazonaws.com", "eventName": "PolicyExecutionEvent", "eventTime": "2026-11-02T00:00:00Z"}' });
    writeFileSync(path, JSON.stringify(doc));
    const r = await run(['verify', '--snapshot', join(dir, 'snap'), '--events', path, '--format', 'json']);
    expect(r.code).toBe(3);
    const report = JSON.parse(r.stdout) as VerifyReport;
    expect(report.complete).toBe(false);
    expect(report.incomplete.map((n) => n.message)).toEqual([
      expect.stringMatching(/NextToken: later pages were not read/),
      'a PolicyExecutionEvent needs serviceEventDetails',
    ]);
    expect(report.incomplete[1]!.source).toBe(`${path}#/Events/3/CloudTrailEvent/serviceEventDetails`);
    // The comparison is still made and shown.
    expect(report.summary.agreed).toBe(3);
  });

  it('refuses bad usage with exit 2', async () => {
    const dir = scratch();
    apiSnapshot(join(dir, 'snap'));
    expect((await run(['verify', '--snapshot', join(dir, 'snap')])).stderr).toMatch(/give --events PATH/);
    const missing = await run(['verify', '--snapshot', join(dir, 'snap'), '--events', join(dir, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.json: no such file or directory/);
    const before = await run(['verify', '--snapshot', join(dir, 'snap'), '--events', dir, '--until', '2026-10-01']);
    expect(before.code).toBe(2);
    expect(before.stderr).toMatch(/--until 2026-10-01T00:00:00.000Z is before the snapshot's time/);
  });
});

describe('verify: T0', () => {
  it('is the latest time in the snapshot when a repository was read after snapshotAt, with a note', async () => {
    const dir = scratch();
    const { writeSnapshot } = await import('./support.js');
    writeSnapshot(join(dir, 'snap'), '2026-11-01T00:00:00Z', [{ repositoryName: 'team/api', images: [{ name: 'late', tags: ['v1'], pushedAt: '2026-11-01T00:07:00Z' }] }]);
    const events = writeEvents(dir, 'lookup-events', agreeingRecords());
    const r = await run(['verify', '--snapshot', join(dir, 'snap'), '--events', events, '--format', 'json']);
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout) as VerifyReport;
    expect(report.snapshotAt).toBe('2026-11-01T00:07:00.000Z');
    expect(report.notes[0]!.message).toMatch(/T0 is the latest of them, 2026-11-01T00:07:00.000Z/);
    // The snapshot has no policy: ECR's actions on images it does not hold are not predicted.
    expect(report.summary.doneNotPredicted).toBe(3);
    expect(r.code).toBe(1);
    // An explicit --now before an image's push is taken as given: a located warning, as for every command.
    const early = await run(['verify', '--snapshot', join(dir, 'snap'), '--events', events, '--now', '2026-11-01T00:00:00Z']);
    expect(early.code).not.toBe(2);
    expect(early.stderr).toMatch(/^warning: .*describe-images\.json.*after/m);
  });
});

describe('verify: likely reasons for a prediction not done', () => {
  const call = (eventName: string, eventTime: string, requestParameters: object, responseElements: object | null = null) => ({
    eventVersion: '1.08', eventTime, eventSource: 'ecr.amazonaws.com', eventName, awsRegion: 'us-west-2', recipientAccountId: '123456789012',
    requestParameters, responseElements, eventID: `${eventName}-${eventTime}`, eventType: 'AwsApiCall',
  });
  // The records end on 2026-11-08; u2 and v2 are due on day 0, u1 on day 4.
  const base = () => [otherRecord('2026-11-08T00:00:00Z')];

  it.each([
    ['deleted-after-snapshot', [call('BatchDeleteImage', '2026-11-02T00:00:00Z', { repositoryName: 'team/api', imageIds: [{ imageDigest: digestOf('u1') }] })]],
    ['pulled-after-snapshot', [call('BatchGetImage', '2026-11-02T00:00:00Z', { repositoryName: 'team/api', imageIds: [{ imageDigest: digestOf('u1') }] })]],
    ['retagged-after-snapshot', [call('PutImage', '2026-11-02T00:00:00Z', { repositoryName: 'team/api', imageTag: 'keep' }, { image: { imageId: { imageDigest: digestOf('u1'), imageTag: 'keep' } } })]],
    ['policy-changed', [call('PutLifecyclePolicy', '2026-11-02T00:00:00Z', { repositoryName: 'team/api', lifecyclePolicyText: '{}' })]],
  ])('%s, from the API calls the trail recorded', async (reason, calls) => {
    const records = [agreeingRecords()[0]!, ...calls, ...base()];
    const { code, report } = await verifyJson(records, ['--until', '2026-11-08T00:00:00Z']);
    expect(report.complete).toBe(true);
    expect(outcomesOf(report).filter((o) => o.outcome === 'predicted-not-done')).toEqual([
      { outcome: 'predicted-not-done', digest: digestOf('u1'), action: 'EXPIRE', predictedDay: 4, doneDay: undefined, likelyReason: reason },
    ]);
    expect(code).toBe(0);
  });

  it('an explicit --until beyond the records read leaves the window\'s end unknown: incomplete, exit 3', async () => {
    const { code, report } = await verifyJson(agreeingRecords(), ['--until', '2026-11-20T00:00:00Z']);
    expect(code).toBe(3);
    expect(report.incomplete.map((n) => n.message)).toEqual([expect.stringMatching(/^the records read end at 2026-11-06T09:30:00.000Z, more than a day before --until 2026-11-20T00:00:00.000Z/)]);
  });
});

describe('verify: an event whose rules cannot be read', () => {
  it('keeps the rules in force, says so, notes the action taken as an expiry, and is incomplete (exit 3): that period\'s comparison cannot be trusted', async () => {
    const records = agreeingRecords();
    const first = records[0] as { serviceEventDetails: { lifecycleEventPolicy: { lifecycleEventRules: Array<{ lifecycleEventSelection: { countType: string } }> } } };
    first.serviceEventDetails.lifecycleEventPolicy.lifecycleEventRules[0]!.lifecycleEventSelection.countType = 'Bytes more than';
    const { code, report } = await verifyJson(records);
    const repo = report.repositories[0]!;
    expect(repo.notes[0]).toMatch(/the rules it evaluated could not be read \(lifecycleEventRules\/0: unknown countType "Bytes more than"\); the rules in force before it are kept/);
    expect(repo.outcomes.filter((o) => o.note).map((o) => o.note)).toEqual([
      'the event names rule 1, which its rules (unreadable) cannot show: taken as an expiry',
      'the event names rule 2, which its rules (unreadable) cannot show: taken as an expiry',
    ]);
    expect(report.summary.agreed).toBe(3);
    expect(report.complete).toBe(false);
    expect(report.incomplete).toEqual([{
      source: expect.stringMatching(/lookup-events\.json#\/Events\/2\/CloudTrailEvent$/),
      message: expect.stringMatching(/^the rules evaluated by event [0-9a-f-]+ \(team\/api, 2026-11-01T14:05:12\.000Z\) could not be read \(lifecycleEventRules\/0: unknown countType "Bytes more than"\): the comparison from that run on uses the rules in force before it and cannot be trusted$/),
    }]);
    expect(code).toBe(3);
  });
});

describe('verify: bounded', () => {
  it('computes at most MAX_TRACES traces per repository and says how to get the others', async () => {
    const { MAX_TRACES } = await import('../../src/verify/verify.js');
    const { writeSnapshot } = await import('./support.js');
    const dir = scratch();
    const images = Array.from({ length: MAX_TRACES + 5 }, (_, i) => ({ name: `r${i}`, tags: [`v${i}`], pushedAt: `2026-10-${String(i + 1).padStart(2, '0')}T00:00:00Z` }));
    writeSnapshot(join(dir, 'snap'), '2026-11-01T00:00:00Z', [{ repositoryName: 'team/api', policy: { rules: [{ rulePriority: 1, selection: { tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'imageCountMoreThan', countNumber: 100 }, action: { type: 'expire' } }] }, images }]);
    const events = writeEvents(dir, 'lookup-events', [policyExecutionRecord({ repositoryName: 'team/api', eventTime: '2026-11-01T10:00:00Z', rules: [{ rulePriority: 1, tagStatus: 'Tagged', tagPrefixList: ['v'], countType: 'Image count more than', countNumber: 100 }], actions: images.map((i) => ({ ...i, rulePriority: 1 })) })]);
    const r = await run(['verify', '--snapshot', join(dir, 'snap'), '--events', events, '--format', 'json']);
    expect(r.code).toBe(1);
    const outcomes = (JSON.parse(r.stdout) as VerifyReport).repositories[0]!.outcomes;
    expect(outcomes).toHaveLength(MAX_TRACES + 5);
    expect(outcomes.filter((o) => o.trace!.some((t) => t.startsWith('verdict: KEEP')))).toHaveLength(MAX_TRACES);
    expect(outcomes.filter((o) => /^trace not computed beyond the first 20 of this repository: dry-run --explain sha256:[0-9a-f]{64} --now 2026-11-01T10:00:00.000Z/.test(o.trace![0]!))).toHaveLength(5);
  });
});

describe('verify: text from the records', () => {
  it('never reaches the terminal raw: control characters in a tag or a repository name are shown escaped', async () => {
    const dir = scratch();
    apiSnapshot(join(dir, 'snap'));
    const records = [
      ...agreeingRecords(),
      policyExecutionRecord({ repositoryName: 'team/api', eventTime: '2026-11-05T09:00:00Z', rules: API_RULES, actions: [{ name: 'evil', tags: ['x\u001b[2J\u0007'], pushedAt: '2026-11-02T00:00:00Z', rulePriority: 2 }] }),
      policyExecutionRecord({ repositoryName: 'odd\u001b]0;title\u0007', eventTime: '2026-11-05T09:00:00Z', rules: API_RULES, actions: [] }),
    ];
    const events = writeEvents(dir, 'lookup-events', records);
    for (const format of ['table', 'markdown']) {
      const r = await run(['verify', '--snapshot', join(dir, 'snap'), '--events', events, '--format', format]);
      expect(r.code).toBe(0);
      // eslint-disable-next-line no-control-regex
      expect(r.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
      expect(r.stdout).toContain('\\x1b');
    }
  });
});

describe('verify: the window\'s start covered by the files read', () => {
  async function verifyForm(form: 's3-plain' | 'lookup-events', records: Array<Record<string, unknown>>): Promise<{ code: number; report: VerifyReport }> {
    const dir = scratch();
    apiSnapshot(join(dir, 'snap'));
    const r = await run(['verify', '--snapshot', join(dir, 'snap'), '--events', writeEvents(dir, form, records), '--format', 'json']);
    return { code: r.code, report: JSON.parse(r.stdout || '{}') as VerifyReport };
  }
  const others = (n: number) => Array.from({ length: n }, (_, i) => otherRecord(`2026-11-04T${String(i % 24).padStart(2, '0')}:00:00Z`));

  it('S3 log files of the snapshot\'s account and region starting more than 24 hours after T0: incomplete, exit 3', async () => {
    const late = agreeingRecords().slice(1); // the first file (day 0, 14:05) missing: the files start on 2026-11-03
    const { code, report } = await verifyForm('s3-plain', late);
    expect(code).toBe(3);
    expect(report.incomplete).toEqual([{ source: expect.stringMatching(/AWSLogs\/123456789012\/CloudTrail\/us-west-2\/2026\/11\/03\//), message: 'the S3 log files read for 123456789012 us-west-2 start at 2026-11-03T10:00:00.000Z, more than a day after T0 2026-11-01T00:00:00.000Z: actions before that are unknown (give the trail\'s files from T0)' }]);
  });

  it('S3 log files starting within 24 hours of T0 are complete; a late start in another region is not the snapshot\'s', async () => {
    const other = { ...otherRecord('2026-11-05T00:00:00Z'), awsRegion: 'eu-west-1' };
    const { code, report } = await verifyForm('s3-plain', [...agreeingRecords(), other]);
    expect(report.incomplete).toEqual([]);
    expect(code).toBe(0);
  });

  it('lookup-events output of a full page (50 events) whose oldest is after T0: incomplete; 49 events: complete', async () => {
    const full = await verifyForm('lookup-events', [...agreeingRecords(), ...others(47)]);
    expect(full.code).toBe(3);
    expect(full.report.incomplete).toEqual([{ source: expect.stringMatching(/lookup-events\.json#\/$/), message: expect.stringMatching(/^lookup-events output of 50 events \(full pages of 50\) whose oldest is at 2026-11-01T14:05:12.000Z, after T0 2026-11-01T00:00:00.000Z: older pages may not have been read/) }]);
    const short = await verifyForm('lookup-events', [...agreeingRecords(), ...others(46)]);
    expect(short.report.incomplete).toEqual([]);
    expect(short.code).toBe(0);
  });
});
