import { afterEach, describe, expect, it } from 'vitest';
import { lookupPolicyExecutions, type CloudTrailLookupOptions } from '../../src/aws/cloudtrail.js';
import { emptyExtracted, extractEvents } from '../../src/load/cloudtrail-records.js';
import { fastRetryStrategy, TEST_CREDENTIALS } from '../support/fake-ecr/harness.js';
import { startFakeCloudTrail, TARGET, type FakeCloudTrail, type FakeCloudTrailOptions } from '../support/fake-cloudtrail/server.js';
import { API_IMAGES, API_RULES, otherRecord, policyExecutionRecord } from './support.js';

// verify --live's adapter: the real @aws-sdk/client-cloudtrail against a local stand-in over HTTP.

let fake: FakeCloudTrail | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** Five executions a day apart from 2026-11-01, and records of other kinds that must be filtered out. */
function history(): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (let d = 1; d <= 5; d++) {
    out.push(policyExecutionRecord({ repositoryName: 'team/api', eventTime: `2026-11-0${d}T10:00:00Z`, rules: API_RULES, actions: [{ ...API_IMAGES.u2, name: `img-${d}`, rulePriority: 1 }] }));
    out.push(otherRecord(`2026-11-0${d}T11:00:00Z`));
  }
  return out;
}

async function lookup(options: FakeCloudTrailOptions, extra: Partial<CloudTrailLookupOptions> = {}) {
  fake = await startFakeCloudTrail(options);
  const into = emptyExtracted();
  const result = await lookupPolicyExecutions({
    regions: ['us-west-2'], startTime: Date.parse('2026-11-01T00:00:00Z'), endTime: Date.parse('2026-11-08T00:00:00Z'), now: Date.parse('2026-11-08T00:00:00Z'),
    endpointUrl: fake.url, credentials: TEST_CREDENTIALS, retryStrategy: fastRetryStrategy(3), ...extra,
  }, (label, records) => extractEvents({ Events: records.map((r) => ({ CloudTrailEvent: r })) }, label, into), {});
  return { result, into, requests: fake.requests };
}

describe('CloudTrail LookupEvents (live)', () => {
  it('reads every page of PolicyExecutionEvent records in the window, read-only', async () => {
    const { result, into, requests } = await lookup({ records: history(), pageSize: 2 });
    expect(result.incomplete).toEqual([]);
    expect(result.regions).toEqual(['us-west-2']);
    expect(into.executions.map((e) => new Date(e.eventTime).toISOString().slice(0, 10)).sort()).toEqual(['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05']);
    expect(requests.map((r) => [r.target, r.region, r.body.NextToken ?? null])).toEqual([
      [TARGET, 'us-west-2', null], [TARGET, 'us-west-2', 'page-2'], [TARGET, 'us-west-2', 'page-3'],
    ]);
    expect(requests[0]!.body).toMatchObject({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'PolicyExecutionEvent' }], StartTime: Date.parse('2026-11-01T00:00:00Z') / 1000, EndTime: Date.parse('2026-11-08T00:00:00Z') / 1000 });
    expect(result.calls).toBe(3);
  });

  it('retries a throttled page and still reads everything', async () => {
    const { result, into, requests } = await lookup({ records: history(), pageSize: 2, faults: [{ page: 2, kind: 'throttle', times: 2 }] });
    expect(result.incomplete).toEqual([]);
    expect(into.executions).toHaveLength(5);
    expect(requests.map((r) => r.status)).toEqual([200, 400, 400, 200, 200]);
  });

  it('a page that keeps failing makes the events incomplete, and keeps what was read', async () => {
    const { result, into } = await lookup({ records: history(), pageSize: 2, faults: [{ page: 2, kind: 'server-error' }] });
    expect(into.executions).toHaveLength(2);
    expect(result.incomplete).toEqual([{ source: 'cloudtrail us-west-2', message: expect.stringMatching(/^LookupEvents page 2 failed after 3 attempts: InternalServerError: internal failure; later events of this region were not read$/) }]);
  });

  it('says the event history cannot reach a window older than 90 days', async () => {
    const { result } = await lookup({ records: [] }, { now: Date.parse('2027-03-01T00:00:00Z') });
    expect(result.incomplete.map((n) => n.message)).toEqual([expect.stringMatching(/event history keeps 90 days/)]);
  });
});

describe('CloudTrail usage is read-only', () => {
  it('src/ imports only LookupEventsCommand from @aws-sdk/client-cloudtrail, and the IAM sample grants exactly it', async () => {
    const { readdir, readFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const src = join(import.meta.dirname, '..', '..', 'src');
    const commands = new Set<string>();
    for (const e of await readdir(src, { recursive: true, withFileTypes: true })) {
      if (!e.isFile() || !e.name.endsWith('.ts')) continue;
      const text = await readFile(join(e.parentPath, e.name), 'utf8');
      for (const m of text.matchAll(/import\s+(?!type\b)\{([^}]*)\}\s+from\s+'@aws-sdk\/client-cloudtrail'/g)) {
        for (const name of m[1]!.split(',').map((n) => n.trim().split(/\s+as\s+/)[0]!)) if (name.endsWith('Command')) commands.add(name);
      }
      expect(text).not.toMatch(/import\(\s*'@aws-sdk\/client-cloudtrail'\s*\)|import\s+\*\s+as\s+\w+\s+from\s+'@aws-sdk\/client-cloudtrail'/);
    }
    expect([...commands]).toEqual(['LookupEventsCommand']);
    const policy = JSON.parse(await readFile(join(src, '..', 'samples', 'iam', 'least-privilege-policy.json'), 'utf8')) as { Statement: Array<{ Action: string[] }> };
    expect(policy.Statement.flatMap((s) => s.Action).filter((a) => a.startsWith('cloudtrail:'))).toEqual(['cloudtrail:LookupEvents']);
  });
});
