import type { LifecycleRule, RuleSelection } from '../model/policy.js';
import { joinPointer } from '../model/location.js';

// CloudTrail records as users hold them, reduced to what verify compares: ECR's PolicyExecutionEvent
// (one lifecycle run's actions on one repository; runs on 10 or more images are split over several
// events) and the API calls that explain a difference (pushes, pulls, deletions, policy changes).
// Pure: takes parsed JSON, returns data and located notes. The shapes accepted:
//   - `aws cloudtrail lookup-events` output: {"Events": [{"CloudTrailEvent": "<the record as a JSON string>"}], "NextToken"?}
//   - CloudTrail log files as delivered to S3: {"Records": [record, ...]}
//   - EventBridge events: {"detail-type": "AWS Service Event via CloudTrail", "detail": record}, alone or in an array
//   - CloudWatch Logs exports (filter-log-events / get-log-events): {"events": [{"message": "<record as JSON>"}]}
//   - a record, or an array of any of the above

export interface EventImageAction {
  imageDigest: string;
  tagStatus?: string;
  imageTags: string[];
  /** Epoch milliseconds (the record's pushedAt), when given. */
  imagePushedAt?: number;
  rulePriority: number;
}

/** The policy as ECR evaluated it, from `lifecycleEventPolicy`. */
export interface EventPolicy {
  policyVersion?: number;
  policyId?: string;
  lastEvaluatedAt?: number;
  /** The rules in the engine's vocabulary; absent when they could not be read (see rulesProblem). */
  rules?: LifecycleRule[];
  rulesProblem?: string;
}

export interface PolicyExecution {
  eventId: string;
  eventTime: number;
  repositoryName: string;
  accountId?: string;
  region?: string;
  policy: EventPolicy;
  actions: EventImageAction[];
  /** Entries of lifecycleEventFailureDetails: actions ECR tried and could not do. */
  failures: number;
  /** file#pointer of the record. */
  source: string;
}

export type ActivityKind = 'push' | 'pull' | 'delete' | 'policy-change';

/** An API call on a repository after which a prediction may no longer hold. */
export interface RepositoryActivity {
  kind: ActivityKind;
  eventTime: number;
  repositoryName: string;
  accountId?: string;
  region?: string;
  imageDigest?: string;
  imageTags: string[];
  source: string;
}

export interface EventNote {
  source: string;
  message: string;
}

export interface ExtractedEvents {
  executions: PolicyExecution[];
  activity: RepositoryActivity[];
  /** Records read (of any kind). */
  records: number;
  /** Records of other kinds, ignored. */
  ignored: number;
  /** Earliest and latest eventTime of any record read. */
  earliest?: number;
  latest?: number;
  /** Records that could not be used: the events are incomplete. */
  problems: EventNote[];
  /** Parts of the input known to be missing (unread pages): the events are incomplete. */
  gaps: EventNote[];
  /** The time range of the S3 log files' records, per account and region ("account region", either may be empty), and the first file of each. */
  logFileRange: Map<string, { earliest: number; latest: number; source: string }>;
  /** lookup-events files holding a full page (a multiple of LOOKUP_PAGE_SIZE events): their oldest record, before which a page may be missing. */
  fullLookupPages: Array<{ source: string; events: number; oldest: number }>;
}

/** LookupEvents' page size (MaxResults' default and maximum): a file holding a multiple of it may be pages cut short. */
export const LOOKUP_PAGE_SIZE = 50;

export function emptyExtracted(): ExtractedEvents {
  return { executions: [], activity: [], records: 0, ignored: 0, problems: [], gaps: [], logFileRange: new Map(), fullLookupPages: [] };
}

/** At most this many record problems are listed; one note then says that more were not. */
const MAX_NOTES = 50;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Adds the records found in one parsed JSON value (a file, or one line of a JSON Lines file).
 * `paginated`: the caller read every page itself (verify --live), so a full page is no sign of a missing one.
 */
export function extractEvents(value: unknown, file: string, into: ExtractedEvents, pointer = '', paginated = false): void {
  const at = (p: string): string => `${file}#${p === '' ? '/' : p}`;
  const problem = (p: string, message: string): void => {
    if (into.problems.length < MAX_NOTES) into.problems.push({ source: at(p), message });
    else if (into.problems.length === MAX_NOTES) into.problems.push({ source: file, message: 'more records could not be used (not listed)' });
  };
  const parseEmbedded = (text: unknown, p: string): unknown => {
    if (typeof text !== 'string') {
      problem(p, 'expected the record as a JSON string');
      return undefined;
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      problem(p, 'the embedded record is not valid JSON');
      return undefined;
    }
  };

  if (Array.isArray(value)) {
    value.forEach((v, i) => extractEvents(v, file, into, joinPointer(pointer, i), paginated));
    return;
  }
  if (!isObj(value)) {
    problem(pointer, 'not a CloudTrail record, log file, lookup-events output or EventBridge event');
    return;
  }
  if (Array.isArray(value.Records)) {
    value.Records.forEach((r, i) => readRecord(r, joinPointer(pointer, 'Records', i), true));
    return;
  }
  if (Array.isArray(value.Events)) {
    if (typeof value.NextToken === 'string' && value.NextToken !== '') {
      into.gaps.push({ source: at(pointer), message: 'lookup-events output with a NextToken: later pages were not read (run it without --max-items, or with --starting-token)' });
    }
    let oldest = Infinity;
    value.Events.forEach((e, i) => {
      const p = joinPointer(pointer, 'Events', i, 'CloudTrailEvent');
      const record = parseEmbedded(isObj(e) ? e.CloudTrailEvent : undefined, p);
      if (record !== undefined) oldest = Math.min(oldest, readRecord(record, p) ?? Infinity);
    });
    const n = value.Events.length;
    if (!paginated && n > 0 && n % LOOKUP_PAGE_SIZE === 0 && Number.isFinite(oldest)) into.fullLookupPages.push({ source: at(pointer), events: n, oldest });
    return;
  }
  if (Array.isArray(value.events) || Array.isArray(value.logEvents)) {
    const key = Array.isArray(value.events) ? 'events' : 'logEvents';
    (value[key] as unknown[]).forEach((e, i) => {
      const p = joinPointer(pointer, key, i, 'message');
      const record = parseEmbedded(isObj(e) ? e.message : undefined, p);
      if (record !== undefined) readRecord(record, p);
    });
    return;
  }
  if (isObj(value.detail) && typeof value['detail-type'] === 'string') {
    readRecord(value.detail, joinPointer(pointer, 'detail'));
    return;
  }
  if (typeof value.eventName === 'string' || typeof value.eventSource === 'string') {
    readRecord(value, pointer);
    return;
  }
  problem(pointer, 'not a CloudTrail record, log file, lookup-events output or EventBridge event');

  /** Reads one record; returns its time when it has one. */
  function readRecord(record: unknown, p: string, logFile = false): number | undefined {
    if (!isObj(record)) {
      problem(p, 'a record must be an object');
      return undefined;
    }
    into.records++;
    const time = typeof record.eventTime === 'string' ? Date.parse(record.eventTime) : Number.NaN;
    if (Number.isFinite(time)) {
      into.earliest = into.earliest === undefined ? time : Math.min(into.earliest, time);
      into.latest = into.latest === undefined ? time : Math.max(into.latest, time);
      if (logFile) {
        const key = `${accountOf(record) ?? ''} ${str(record.awsRegion) ?? ''}`;
        const range = into.logFileRange.get(key);
        if (!range) into.logFileRange.set(key, { earliest: time, latest: time, source: file });
        else {
          range.earliest = Math.min(range.earliest, time);
          range.latest = Math.max(range.latest, time);
        }
      }
    }
    readKnown(record, p, time);
    return Number.isFinite(time) ? time : undefined;
  }

  function readKnown(record: Obj, p: string, time: number): void {
    if (record.eventSource !== 'ecr.amazonaws.com') {
      into.ignored++;
      return;
    }
    const name = record.eventName;
    if (name !== 'PolicyExecutionEvent' && !(typeof name === 'string' && name in ACTIVITY)) {
      into.ignored++;
      return;
    }
    if (!Number.isFinite(time)) {
      problem(joinPointer(p, 'eventTime'), 'expected an ISO-8601 eventTime');
      return;
    }
    const accountId = accountOf(record);
    const region = str(record.awsRegion);
    if (name === 'PolicyExecutionEvent') {
      const execution = readExecution(record, p, time, problem);
      if (execution) into.executions.push({ ...execution, ...(accountId ? { accountId } : {}), ...(region ? { region } : {}) });
      return;
    }
    // A failed API call changed nothing.
    if (record.errorCode !== undefined) {
      into.ignored++;
      return;
    }
    for (const a of ACTIVITY[name as keyof typeof ACTIVITY](record)) {
      into.activity.push({ ...a, eventTime: time, source: at(p), ...(accountId ? { accountId } : {}), ...(region ? { region } : {}) });
    }
  }

  function readExecution(record: Obj, p: string, eventTime: number, report: (p: string, m: string) => void): PolicyExecution | undefined {
    const details = record.serviceEventDetails;
    const dp = joinPointer(p, 'serviceEventDetails');
    if (!isObj(details)) {
      report(dp, 'a PolicyExecutionEvent needs serviceEventDetails');
      return undefined;
    }
    const repositoryName = str(details.repositoryName);
    if (!repositoryName) {
      report(joinPointer(dp, 'repositoryName'), 'expected the repository name');
      return undefined;
    }
    const list = details.lifecycleEventImageActions;
    if (list !== undefined && !Array.isArray(list)) {
      report(joinPointer(dp, 'lifecycleEventImageActions'), 'expected an array');
      return undefined;
    }
    const actions: EventImageAction[] = [];
    for (const [i, entry] of (list ?? []).entries()) {
      const ep = joinPointer(dp, 'lifecycleEventImageActions', i);
      const image = isObj(entry) ? entry.lifecycleEventImage : undefined;
      const digest = isObj(image) ? str(image.digest) : undefined;
      const rulePriority = isObj(entry) ? entry.rulePriority : undefined;
      if (!isObj(image) || !digest || !/^sha256:[0-9a-f]{64}$/.test(digest)) {
        report(joinPointer(ep, 'lifecycleEventImage', 'digest'), 'expected an image digest (sha256:<64 hex>)');
        continue;
      }
      if (typeof rulePriority !== 'number' || !Number.isInteger(rulePriority)) {
        report(joinPointer(ep, 'rulePriority'), 'expected the rulePriority that acted (an integer)');
        continue;
      }
      const tags = Array.isArray(image.tagList) ? image.tagList.filter((t): t is string => typeof t === 'string') : [];
      const pushedAt = image.pushedAt;
      actions.push({
        imageDigest: digest,
        imageTags: [...new Set(tags)].sort(),
        rulePriority,
        ...(typeof image.tagStatus === 'string' ? { tagStatus: image.tagStatus } : {}),
        ...(typeof pushedAt === 'number' && Number.isFinite(pushedAt) ? { imagePushedAt: pushedAt } : {}),
      });
    }
    const eventId = str(record.eventID) ?? `${repositoryName}@${String(record.eventTime)}#${actions.map((a) => a.imageDigest).join(',')}`;
    return {
      eventId, eventTime, repositoryName,
      policy: readEventPolicy(details.lifecycleEventPolicy),
      actions,
      failures: Array.isArray(details.lifecycleEventFailureDetails) ? details.lifecycleEventFailureDetails.length : 0,
      source: at(p),
    };
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The account a record belongs to: the trail's recipient, else the caller's. */
function accountOf(record: Obj): string | undefined {
  return str(record.recipientAccountId) ?? (isObj(record.userIdentity) ? str(record.userIdentity.accountId) : undefined);
}

type ActivityPart = Pick<RepositoryActivity, 'kind' | 'repositoryName' | 'imageDigest' | 'imageTags'>;

function imageIdsActivity(kind: ActivityKind, record: Obj): ActivityPart[] {
  const req = isObj(record.requestParameters) ? record.requestParameters : {};
  const repositoryName = str(req.repositoryName);
  if (!repositoryName || !Array.isArray(req.imageIds)) return [];
  return req.imageIds.filter(isObj).map((id) => ({
    kind, repositoryName, imageTags: str(id.imageTag) ? [id.imageTag as string] : [],
    ...(str(id.imageDigest) ? { imageDigest: id.imageDigest as string } : {}),
  }));
}

/** The ECR API calls verify uses to explain a prediction that did not happen. */
const ACTIVITY: Record<string, (record: Obj) => ActivityPart[]> = {
  BatchGetImage: (r) => imageIdsActivity('pull', r),
  BatchDeleteImage: (r) => imageIdsActivity('delete', r),
  PutImage: (r) => {
    const req = isObj(r.requestParameters) ? r.requestParameters : {};
    const res = isObj(r.responseElements) && isObj(r.responseElements.image) ? r.responseElements.image : {};
    const id = isObj(res.imageId) ? res.imageId : {};
    const repositoryName = str(req.repositoryName);
    if (!repositoryName) return [];
    const digest = str(id.imageDigest) ?? str(req.imageDigest);
    const tag = str(req.imageTag) ?? str(id.imageTag);
    return [{ kind: 'push', repositoryName, imageTags: tag ? [tag] : [], ...(digest ? { imageDigest: digest } : {}) }];
  },
  PutLifecyclePolicy: (r) => policyActivity(r),
  DeleteLifecyclePolicy: (r) => policyActivity(r),
};

function policyActivity(record: Obj): ActivityPart[] {
  const req = isObj(record.requestParameters) ? record.requestParameters : {};
  const repositoryName = str(req.repositoryName);
  return repositoryName ? [{ kind: 'policy-change', repositoryName, imageTags: [] }] : [];
}

// The record spells the selection in words ("Image count more than", "Time since image pushed",
// tagStatus "Any"); the API's own names are accepted too.
const COUNT_TYPES: Record<string, RuleSelection['countType']> = {
  imagecountmorethan: 'imageCountMoreThan',
  timesinceimagepushed: 'sinceImagePushed',
  sinceimagepushed: 'sinceImagePushed',
  timesinceimagepulled: 'sinceImagePulled',
  sinceimagepulled: 'sinceImagePulled',
  timesinceimagetransitioned: 'sinceImageTransitioned',
  sinceimagetransitioned: 'sinceImageTransitioned',
};
const key = (v: unknown): string => (typeof v === 'string' ? v.toLowerCase().replace(/[^a-z]/g, '') : '');

export function readEventPolicy(value: unknown): EventPolicy {
  if (!isObj(value)) return { rulesProblem: 'the event holds no lifecycleEventPolicy' };
  const out: EventPolicy = {};
  if (typeof value.policyVersion === 'number') out.policyVersion = value.policyVersion;
  if (typeof value.policyId === 'string') out.policyId = value.policyId;
  if (typeof value.lastEvaluatedAt === 'number' && value.lastEvaluatedAt > 0) out.lastEvaluatedAt = value.lastEvaluatedAt;
  const rules = value.lifecycleEventRules;
  if (!Array.isArray(rules)) return { ...out, rulesProblem: 'lifecycleEventPolicy has no lifecycleEventRules' };
  const converted: LifecycleRule[] = [];
  for (const [i, r] of rules.entries()) {
    const rule = isObj(r) ? convertRule(r) : 'not an object';
    if (typeof rule === 'string') return { ...out, rulesProblem: `lifecycleEventRules/${i}: ${rule}` };
    converted.push(rule);
  }
  return { ...out, rules: converted.sort((a, b) => a.rulePriority - b.rulePriority) };
}

function convertRule(r: Obj): LifecycleRule | string {
  if (typeof r.rulePriority !== 'number' || !Number.isInteger(r.rulePriority)) return 'rulePriority is not an integer';
  const s = r.lifecycleEventSelection ?? r.selection;
  if (!isObj(s)) return 'no lifecycleEventSelection';
  const tagStatus = key(s.tagStatus);
  if (tagStatus !== 'any' && tagStatus !== 'tagged' && tagStatus !== 'untagged') return `unknown tagStatus ${JSON.stringify(s.tagStatus)}`;
  const countType = COUNT_TYPES[key(s.countType)];
  if (!countType) return `unknown countType ${JSON.stringify(s.countType)}`;
  if (typeof s.countNumber !== 'number' || !Number.isInteger(s.countNumber) || s.countNumber < 1) return 'countNumber is not a positive integer';
  const strings = (v: unknown): string[] | undefined => (Array.isArray(v) && v.length > 0 ? v.filter((x): x is string => typeof x === 'string') : undefined);
  const selection: RuleSelection = { tagStatus, countType, countNumber: s.countNumber };
  const prefixes = strings(s.tagPrefixList);
  const patterns = strings(s.tagPatternList);
  if (prefixes) selection.tagPrefixList = prefixes;
  if (patterns) selection.tagPatternList = patterns;
  if (countType !== 'imageCountMoreThan') selection.countUnit = 'days';
  const storage = key(s.storageClass);
  if (storage === 'archive') selection.storageClass = 'archive';
  const action = isObj(r.action) ? key(r.action.type) : key(r.action);
  if (action !== 'expire' && action !== 'transition') return `unknown action ${JSON.stringify(r.action)}`;
  const rule: LifecycleRule = { rulePriority: r.rulePriority, selection, action: action === 'transition' ? { type: 'transition', targetStorageClass: 'archive' } : { type: 'expire' } };
  if (typeof r.description === 'string') rule.description = r.description;
  return rule;
}

/** Two policies decide alike when their rules do (descriptions aside). */
export function sameRules(a: readonly LifecycleRule[], b: readonly LifecycleRule[]): boolean {
  return a === b || canonicalRules(a) === canonicalRules(b);
}

// Every event of a run repeats the same rules: each list is written out once.
const canonical = new WeakMap<readonly LifecycleRule[], string>();

function canonicalRules(rules: readonly LifecycleRule[]): string {
  let text = canonical.get(rules);
  if (text === undefined) {
    text = JSON.stringify([...rules].sort((x, y) => x.rulePriority - y.rulePriority).map((r) => {
      const s = r.selection;
      return [r.rulePriority, s.tagStatus, [...(s.tagPrefixList ?? [])].sort(), [...(s.tagPatternList ?? [])].sort(), s.storageClass ?? 'standard', s.countType, s.countNumber, r.action.type];
    }));
    canonical.set(rules, text);
  }
  return text;
}
