import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

// Builders for verify's tests: a snapshot folder, and CloudTrail records in the documented shape.
// The record reproduces the one AWS's knowledge-centre article "ecr-lifecycle-policy-events" shows
// (eventVersion, userIdentity invokedBy "AWS Internal", eventType AwsServiceEvent, readOnly, resources,
// serviceEventDetails with lifecycleEventPolicy { lifecycleEventRules [{ rulePriority, description,
// lifecycleEventSelection { tagStatus "Any", tagPrefixList, countType "Image count more than",
// countNumber }, action "expire" }], lastEvaluatedAt, policyVersion, policyId } and
// lifecycleEventImageActions [{ lifecycleEventImage { digest, tagStatus, tagList, pushedAt (epoch ms) },
// rulePriority }]), plus what a later record in ccbrown/cloud-snitch's tests shows: eventVersion 1.09,
// managementEvent, eventCategory, tagPatternList, countType "Time since image pushed" with countUnit
// "Days", and lifecycleEventFailureDetails. Actions on 10 or more images are split over several
// events (the ECR User Guide's CloudTrail page): `splitEvents` does that.

export const ACCOUNT = '123456789012';
export const REGION = 'us-west-2';

export function digestOf(name: string): string {
  return `sha256:${createHash('sha256').update(name).digest('hex')}`;
}

export interface SnapImage {
  name: string;
  tags?: string[];
  pushedAt: string;
  lastPulled?: string;
}

export interface SnapRepo {
  repositoryName: string;
  /** Policy JSON (ECR's own form) or undefined for none. */
  policy?: object;
  images: SnapImage[];
}

export function writeSnapshot(dir: string, snapshotAt: string, repos: SnapRepo[], region = REGION, status = true): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'registry.json'), JSON.stringify({ registryId: ACCOUNT, region, blobMounting: false }, null, 2));
  if (status) writeFileSync(join(dir, 'snapshot-status.json'), JSON.stringify({ snapshotAt, unreadableRegistries: [] }, null, 2));
  for (const r of repos) {
    const folder = join(dir, ...r.repositoryName.split('/'));
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'describe-images.json'), JSON.stringify({
      imageDetails: r.images.map((i) => ({
        registryId: ACCOUNT, repositoryName: r.repositoryName, imageDigest: digestOf(i.name),
        ...(i.tags?.length ? { imageTags: i.tags } : {}),
        imageSizeInBytes: 1000, imagePushedAt: i.pushedAt,
        ...(i.lastPulled ? { lastRecordedPullTime: i.lastPulled } : {}),
        imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json', imageStatus: 'ACTIVE',
      })),
    }, null, 2));
    if (r.policy) {
      writeFileSync(join(folder, 'get-lifecycle-policy.json'), JSON.stringify({ registryId: ACCOUNT, repositoryName: r.repositoryName, lifecyclePolicyText: JSON.stringify(r.policy) }, null, 2));
    }
  }
}

export interface EventRule {
  rulePriority: number;
  description?: string;
  tagStatus: 'Any' | 'Tagged' | 'Untagged';
  tagPrefixList?: string[];
  tagPatternList?: string[];
  countType: 'Image count more than' | 'Time since image pushed' | 'Time since image pulled';
  countNumber: number;
  action?: 'expire' | 'transition';
}

export interface EventAction {
  name: string;
  tags?: string[];
  pushedAt: string;
  rulePriority: number;
}

export interface EventSpec {
  repositoryName: string;
  eventTime: string;
  rules: EventRule[];
  policyVersion?: number;
  actions: EventAction[];
  /** Default: a stable id from the time and repository. */
  eventId?: string;
  region?: string;
}

let serial = 0;

/** One PolicyExecutionEvent record, as CloudTrail writes it. */
export function policyExecutionRecord(e: EventSpec): Record<string, unknown> {
  const region = e.region ?? REGION;
  const eventId = e.eventId ?? uuidOf(`${e.repositoryName}/${e.eventTime}/${serial++}`);
  return {
    eventVersion: '1.09',
    userIdentity: { accountId: ACCOUNT, invokedBy: 'AWS Internal' },
    eventTime: e.eventTime,
    eventSource: 'ecr.amazonaws.com',
    eventName: 'PolicyExecutionEvent',
    awsRegion: region,
    sourceIPAddress: 'AWS Internal',
    userAgent: 'AWS Internal',
    requestParameters: null,
    responseElements: null,
    eventID: eventId,
    readOnly: true,
    resources: [{ ARN: `arn:aws:ecr:${region}:${ACCOUNT}:repository/${e.repositoryName}`, accountId: ACCOUNT, type: 'AWS::ECR::Repository' }],
    eventType: 'AwsServiceEvent',
    managementEvent: true,
    recipientAccountId: ACCOUNT,
    serviceEventDetails: {
      repositoryName: e.repositoryName,
      lifecycleEventPolicy: {
        lifecycleEventRules: e.rules.map((r) => ({
          rulePriority: r.rulePriority,
          description: r.description ?? `rule ${r.rulePriority}`,
          lifecycleEventSelection: {
            tagStatus: r.tagStatus,
            tagPrefixList: r.tagPrefixList ?? [],
            tagPatternList: r.tagPatternList ?? [],
            countType: r.countType,
            ...(r.countType === 'Image count more than' ? {} : { countUnit: 'Days' }),
            countNumber: r.countNumber,
          },
          action: r.action ?? 'expire',
        })),
        lastEvaluatedAt: Date.parse(e.eventTime) - 86_400_000,
        policyVersion: e.policyVersion ?? 1,
        policyId: uuidOf(`${e.repositoryName}/policy/${e.policyVersion ?? 1}`),
      },
      lifecycleEventImageActions: e.actions.map((a) => ({
        lifecycleEventImage: {
          digest: digestOf(a.name),
          tagStatus: a.tags?.length ? 'Tagged' : 'Untagged',
          tagList: a.tags ?? [],
          pushedAt: Date.parse(a.pushedAt),
        },
        rulePriority: a.rulePriority,
      })),
      lifecycleEventFailureDetails: [],
    },
    eventCategory: 'Management',
  };
}

/** ECR splits an action on 10 or more images over several events: at most `per` images each. */
export function splitEvents(e: EventSpec, per = 10): EventSpec[] {
  const out: EventSpec[] = [];
  for (let i = 0; i < e.actions.length; i += per) out.push({ ...e, eventId: undefined, actions: e.actions.slice(i, i + per) });
  return out;
}

function uuidOf(s: string): string {
  const h = createHash('sha256').update(s).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** An unrelated record, as S3 log files hold them. */
export function otherRecord(eventTime: string): Record<string, unknown> {
  return {
    eventVersion: '1.08', userIdentity: { type: 'AWSService', invokedBy: 'cloudtrail.amazonaws.com' }, eventTime,
    eventSource: 's3.amazonaws.com', eventName: 'GetBucketAcl', awsRegion: REGION, sourceIPAddress: 'cloudtrail.amazonaws.com',
    userAgent: 'cloudtrail.amazonaws.com', requestParameters: { bucketName: 'trail-bucket', Host: 'trail-bucket.s3.amazonaws.com', acl: '' },
    responseElements: null, eventID: uuidOf(`other/${eventTime}`), readOnly: true, eventType: 'AwsApiCall', managementEvent: true,
    recipientAccountId: ACCOUNT, eventCategory: 'Management',
  };
}

export type EventForm = 'lookup-events' | 's3-plain' | 's3-gzip' | 'eventbridge' | 'cloudwatch';

/** Writes the records in one of the forms users hold them; returns the path. */
export function writeEvents(dir: string, form: EventForm, records: Array<Record<string, unknown>>, name = form): string {
  mkdirSync(dir, { recursive: true });
  switch (form) {
    case 'lookup-events': {
      // `aws cloudtrail lookup-events`: newest first, each record a JSON string in CloudTrailEvent.
      const events = [...records].reverse().map((r) => ({
        EventId: r.eventID, EventName: r.eventName, ReadOnly: 'true', EventTime: r.eventTime, EventSource: r.eventSource,
        Username: 'AWS Internal', Resources: [], CloudTrailEvent: JSON.stringify(r),
      }));
      const path = join(dir, `${name}.json`);
      writeFileSync(path, JSON.stringify({ Events: events }, null, 4));
      return path;
    }
    case 's3-plain':
    case 's3-gzip': {
      // A trail's delivery: AWSLogs/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/<account>_CloudTrail_<region>_<time>_<id>.json.gz
      const base = join(dir, name, 'AWSLogs', ACCOUNT, 'CloudTrail', REGION);
      const paths: string[] = [];
      for (const [i, r] of records.entries()) {
        const t = String(r.eventTime);
        const day = join(base, t.slice(0, 4), t.slice(5, 7), t.slice(8, 10));
        mkdirSync(day, { recursive: true });
        const file = join(day, `${ACCOUNT}_CloudTrail_${REGION}_${t.slice(0, 16).replace(/[-:]/g, '')}Z_${String(i).padStart(4, '0')}.json${form === 's3-gzip' ? '.gz' : ''}`);
        const body = JSON.stringify({ Records: [r] });
        writeFileSync(file, form === 's3-gzip' ? gzipSync(body) : body);
        paths.push(file);
      }
      return join(dir, name);
    }
    case 'eventbridge': {
      // EventBridge delivers CloudTrail service events as "AWS Service Event via CloudTrail", one per line in an export.
      const path = join(dir, `${name}.jsonl`);
      writeFileSync(path, records.map((r) => JSON.stringify({
        version: '0', id: uuidOf(`eb/${String(r.eventID)}`), 'detail-type': 'AWS Service Event via CloudTrail', source: 'aws.ecr',
        account: ACCOUNT, time: r.eventTime, region: REGION, resources: [], detail: r,
      })).join('\n') + '\n');
      return path;
    }
    case 'cloudwatch': {
      // `aws logs filter-log-events` on a trail's CloudWatch Logs group: each record a JSON string in message.
      const path = join(dir, `${name}.json`);
      writeFileSync(path, JSON.stringify({
        events: records.map((r, i) => ({ logStreamName: `${ACCOUNT}_CloudTrail_${REGION}`, timestamp: Date.parse(String(r.eventTime)), message: JSON.stringify(r), ingestionTime: Date.parse(String(r.eventTime)) + 1000, eventId: String(i) })),
        searchedLogStreams: [],
      }, null, 2));
      return path;
    }
  }
}

// The scenario the tests share: repository team/api, snapshot at T0.
export const T0 = '2026-11-01T00:00:00Z';

export const API_POLICY = {
  rules: [
    { rulePriority: 1, description: 'untagged after 5 days', selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 5 }, action: { type: 'expire' } },
    { rulePriority: 2, description: 'keep 2 releases', selection: { tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'imageCountMoreThan', countNumber: 2 }, action: { type: 'expire' } },
  ],
};

export const API_RULES: EventRule[] = [
  { rulePriority: 1, description: 'untagged after 5 days', tagStatus: 'Untagged', countType: 'Time since image pushed', countNumber: 5 },
  { rulePriority: 2, description: 'keep 2 releases', tagStatus: 'Tagged', tagPrefixList: ['v'], countType: 'Image count more than', countNumber: 2 },
];

export const API_IMAGES = {
  v4: { name: 'v4', tags: ['v4'], pushedAt: '2026-10-31T12:00:00Z' },
  v3: { name: 'v3', tags: ['v3'], pushedAt: '2026-10-28T12:00:00Z' },
  v2: { name: 'v2', tags: ['v2'], pushedAt: '2026-10-20T12:00:00Z' },
  u1: { name: 'u1', pushedAt: '2026-10-30T12:00:00Z' },
  u2: { name: 'u2', pushedAt: '2026-10-20T12:00:00Z' },
} satisfies Record<string, SnapImage>;

export function apiSnapshot(dir: string): void {
  writeSnapshot(dir, T0, [{ repositoryName: 'team/api', policy: API_POLICY, images: Object.values(API_IMAGES) }]);
}

/** The layout snapshot writes for several regions: DIR/<registryId>/<region>/ per root, the status at the top. */
export function twoRegionSnapshot(dir: string, regions: string[]): void {
  for (const region of regions) writeSnapshot(join(dir, ACCOUNT, region), T0, [{ repositoryName: 'team/api', policy: API_POLICY, images: Object.values(API_IMAGES) }], region, false);
  writeFileSync(join(dir, 'snapshot-status.json'), JSON.stringify({ snapshotAt: T0, unreadableRegistries: [] }, null, 2));
}

/** What ECR does with the snapshot's policy: v2 and u2 on day 0, u1 (5.5 days old) on day 5. */
export function agreeingRecords(region = REGION): Array<Record<string, unknown>> {
  const i = API_IMAGES;
  return [
    policyExecutionRecord({ repositoryName: 'team/api', eventTime: '2026-11-01T14:05:12Z', rules: API_RULES, actions: [{ ...i.u2, rulePriority: 1 }, { ...i.v2, rulePriority: 2 }], region }),
    otherRecord('2026-11-03T10:00:00Z'),
    policyExecutionRecord({ repositoryName: 'team/api', eventTime: '2026-11-06T09:30:00Z', rules: API_RULES, actions: [{ ...i.u1, rulePriority: 1 }], region }),
  ];
}
