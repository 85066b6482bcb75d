import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadEventFiles } from '../../src/load/cloudtrail-events.js';
import { emptyExtracted, extractEvents, readEventPolicy } from '../../src/load/cloudtrail-records.js';
import { ACCOUNT, agreeingRecords, API_RULES, digestOf, otherRecord, policyExecutionRecord, splitEvents, writeEvents, type EventForm } from './support.js';

// Reading CloudTrail records in every form users hold them, from the documented record shape.

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function scratch(): string {
  const d = mkdtempSync(join(tmpdir(), 'verify-events-'));
  dirs.push(d);
  return d;
}

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'verify', 'policy-execution-event.json');

describe('CloudTrail records', () => {
  it('reads the knowledge-centre record shape: repository, rules in the engine\'s vocabulary, image actions', () => {
    const into = emptyExtracted();
    extractEvents(JSON.parse(readFileSync(FIXTURE, 'utf8')), 'kc.json', into);
    expect(into.problems).toEqual([]);
    expect(into.executions).toHaveLength(1);
    const e = into.executions[0]!;
    expect(e).toMatchObject({ eventId: '3f1c2b9e-0d6a-4c51-9e0f-7a2d54c8b611', repositoryName: 'sample/app', accountId: ACCOUNT, region: 'us-west-2', eventTime: Date.parse('2026-11-02T06:41:09Z'), failures: 0, source: 'kc.json#/' });
    expect(e.policy).toEqual({
      policyVersion: 1, policyId: '8d0c4f6e-2b7a-41d3-9c55-0e6f1a9b2c47',
      rules: [{ rulePriority: 1, description: 'keep the newest three images', selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 3 }, action: { type: 'expire' } }],
    });
    expect(e.actions).toEqual([
      { imageDigest: `sha256:${'1'.repeat(64)}`, imageTags: ['release-7'], tagStatus: 'Tagged', imagePushedAt: 1759300000000, rulePriority: 1 },
      { imageDigest: `sha256:${'2'.repeat(64)}`, imageTags: [], tagStatus: 'Untagged', imagePushedAt: 1759200000000, rulePriority: 1 },
    ]);
  });

  it('converts each selection the records spell in words, and says which it cannot read', () => {
    const rules = readEventPolicy({ lifecycleEventRules: [
      { rulePriority: 2, lifecycleEventSelection: { tagStatus: 'Untagged', tagPrefixList: [], tagPatternList: [], countType: 'Time since image pushed', countUnit: 'Days', countNumber: 365 }, action: 'expire' },
      { rulePriority: 1, lifecycleEventSelection: { tagStatus: 'Tagged', tagPatternList: ['prod-*'], countType: 'Time since image pulled', countUnit: 'Days', countNumber: 30 }, action: 'transition' },
    ], policyVersion: 3 });
    expect(rules.rules).toEqual([
      { rulePriority: 1, selection: { tagStatus: 'tagged', tagPatternList: ['prod-*'], countType: 'sinceImagePulled', countUnit: 'days', countNumber: 30 }, action: { type: 'transition', targetStorageClass: 'archive' } },
      { rulePriority: 2, selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 365 }, action: { type: 'expire' } },
    ]);
    expect(readEventPolicy({ lifecycleEventRules: [{ rulePriority: 1, lifecycleEventSelection: { tagStatus: 'Any', countType: 'Bytes more than', countNumber: 1 }, action: 'expire' }] }).rulesProblem)
      .toBe('lifecycleEventRules/0: unknown countType "Bytes more than"');
  });

  it('reads events split at 10 images and an image with 100 tags', () => {
    const many = Array.from({ length: 23 }, (_, i) => ({ name: `old-${i}`, pushedAt: '2026-09-01T00:00:00Z', rulePriority: 1 }));
    const tags = Array.from({ length: 100 }, (_, i) => `build-${String(i).padStart(3, '0')}`);
    many.push({ name: 'tagged', tags, pushedAt: '2026-09-02T00:00:00Z', rulePriority: 2 } as (typeof many)[number]);
    const parts = splitEvents({ repositoryName: 'team/batch', eventTime: '2026-11-01T13:00:00Z', rules: API_RULES, actions: many });
    expect(parts.map((p) => p.actions.length)).toEqual([10, 10, 4]);
    const into = emptyExtracted();
    extractEvents({ Records: parts.map(policyExecutionRecord) }, 'split.json', into);
    expect(into.executions.map((e) => e.actions.length)).toEqual([10, 10, 4]);
    expect(new Set(into.executions.map((e) => e.eventId)).size).toBe(3);
    expect(into.executions[2]!.actions[3]!.imageTags).toEqual(tags);
  });

  it.each<EventForm>(['lookup-events', 's3-plain', 's3-gzip', 'eventbridge', 'cloudwatch'])('reads the same events from %s', async (form) => {
    const dir = scratch();
    const path = writeEvents(dir, form, agreeingRecords());
    const loaded = await loadEventFiles([path]);
    expect(loaded.events.problems).toEqual([]);
    expect(loaded.events.gaps).toEqual([]);
    expect(loaded.events.records).toBe(3);
    expect(loaded.events.ignored).toBe(1);
    expect(loaded.events.executions.map((e) => [e.repositoryName, new Date(e.eventTime).toISOString(), e.actions.map((a) => a.imageDigest)])).toEqual([
      ['team/api', '2026-11-01T14:05:12.000Z', [digestOf('u2'), digestOf('v2')]],
      ['team/api', '2026-11-06T09:30:00.000Z', [digestOf('u1')]],
    ].sort((a, b) => (form === 'lookup-events' ? -1 : 1) * String(a[1]).localeCompare(String(b[1]))));
    expect(loaded.events.latest).toBe(Date.parse('2026-11-06T09:30:00Z'));
  });

  it('reads a folder tree of log files, skipping other files with a note, and records API calls that explain differences', async () => {
    const dir = scratch();
    const trail = writeEvents(dir, 's3-gzip', [otherRecord('2026-11-01T00:00:00Z')], 'trail');
    const day = join(trail, 'AWSLogs', ACCOUNT, 'CloudTrail', 'us-west-2', '2026', '11', '02');
    mkdirSync(day, { recursive: true });
    writeFileSync(join(day, 'notes.txt'), 'not a log');
    const call = (eventName: string, requestParameters: object, responseElements: object | null = null, extra: object = {}) => ({
      eventVersion: '1.08', eventTime: '2026-11-02T10:00:00Z', eventSource: 'ecr.amazonaws.com', eventName, awsRegion: 'us-west-2',
      recipientAccountId: ACCOUNT, requestParameters, responseElements, eventID: `id-${eventName}`, eventType: 'AwsApiCall', ...extra,
    });
    writeFileSync(join(day, 'calls.json'), JSON.stringify({ Records: [
      call('BatchGetImage', { repositoryName: 'team/api', imageIds: [{ imageTag: 'v3' }] }),
      call('PutImage', { repositoryName: 'team/api', imageTag: 'v5' }, { image: { imageId: { imageDigest: digestOf('v5'), imageTag: 'v5' } } }),
      call('BatchDeleteImage', { repositoryName: 'team/api', imageIds: [{ imageDigest: digestOf('u1') }] }),
      call('PutLifecyclePolicy', { repositoryName: 'team/api', lifecyclePolicyText: '{}' }),
      call('PutImage', { repositoryName: 'team/api', imageTag: 'v6' }, null, { errorCode: 'ImageAlreadyExistsException' }),
    ] }));
    const loaded = await loadEventFiles([trail]);
    expect(loaded.skipped).toEqual([{ path: join(day, 'notes.txt'), reason: 'not a .json, .jsonl or .gz file' }]);
    expect(loaded.events.activity.map((a) => [a.kind, a.imageDigest ?? '', a.imageTags.join(',')])).toEqual([
      ['pull', '', 'v3'], ['push', digestOf('v5'), 'v5'], ['delete', digestOf('u1'), ''], ['policy-change', '', ''],
    ]);
    expect(loaded.events.ignored).toBe(2); // the S3 record and the failed PutImage
  });

  it('notes a file it cannot use and keeps the others', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'a-broken.json'), '{"Records": [');
    writeFileSync(join(dir, 'b-broken.json.gz'), Buffer.from([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3]));
    writeFileSync(join(dir, 'c-lines.jsonl'), `${JSON.stringify(agreeingRecords()[0])}\n{oops\n`);
    writeFileSync(join(dir, 'd-other.json'), '{"hello": "world"}');
    const loaded = await loadEventFiles([dir]);
    expect(loaded.events.executions).toHaveLength(1);
    expect(loaded.events.problems.map((p) => [p.source.replace(dir, 'DIR'), p.message.replace(/:.*$/, '')])).toEqual([
      ['DIR/a-broken.json', 'not JSON, nor JSON Lines'],
      ['DIR/b-broken.json.gz', 'cannot decompress the gzip file'],
      ['DIR/c-lines.jsonl', 'line 2'],
      ['DIR/d-other.json#/', 'not a CloudTrail record, log file, lookup-events output or EventBridge event'],
    ]);
  });
});
