import { CloudTrailClient, LookupEventsCommand, type CloudTrailClientConfig } from '@aws-sdk/client-cloudtrail';
import { clientCredentials, DEFAULT_MAX_ATTEMPTS, DEFAULT_REQUEST_TIMEOUT_MS } from './client.js';

// verify --live: ECR's PolicyExecutionEvent records from CloudTrail's event history (LookupEvents,
// read-only), one region at a time, every page. Throttling and transient failures are retried by the
// SDK (adaptive mode: LookupEvents allows 2 calls per second per region); a page that still fails
// ends that region's lookup and makes the events incomplete, never silently shorter.

export interface CloudTrailLookupOptions {
  /** Regions to read; `undefined` in the list means the SDK's own region. */
  regions: Array<string | undefined>;
  startTime: number;
  endTime: number;
  profile?: string;
  /** Otherwise the SDK honours AWS_ENDPOINT_URL_CLOUDTRAIL / AWS_ENDPOINT_URL. */
  endpointUrl?: string;
  maxAttempts?: number;
  retryStrategy?: CloudTrailClientConfig['retryStrategy'];
  /** Static credentials; otherwise the SDK's default chain. */
  credentials?: CloudTrailClientConfig['credentials'];
  /** Role to assume (as snapshot's --role-arn) before looking up: the account whose events are read. */
  roleArn?: string;
  /** The account read, for the labels of pages and notes (several accounts share a region's name). */
  accountId?: string;
  /** Now, for the event history's 90-day limit. */
  now: number;
}

/** Something that makes the events incomplete, and where. */
export interface LookupNote {
  source: string;
  message: string;
}

/** One page: where it came from, and its CloudTrailEvent strings (each one record as JSON). */
export type PageHandler = (label: string, cloudTrailEvents: Array<string | undefined>) => void;

export interface CloudTrailLookupResult {
  incomplete: LookupNote[];
  calls: number;
  /** Regions read (as resolved by the SDK). */
  regions: string[];
}

/** CloudTrail's event history holds the last 90 days. */
export const EVENT_HISTORY_DAYS = 90;
/** A guard against a service that never stops paginating. */
const MAX_PAGES = 100_000;
const PAGE_SIZE = 50;

export async function lookupPolicyExecutions(options: CloudTrailLookupOptions, onPage: PageHandler, env: NodeJS.ProcessEnv = process.env): Promise<CloudTrailLookupResult> {
  const result: CloudTrailLookupResult = { incomplete: [], calls: 0, regions: [] };
  if (options.startTime < options.now - EVENT_HISTORY_DAYS * 86_400_000) {
    result.incomplete.push({ source: 'cloudtrail', message: `CloudTrail's event history keeps ${EVENT_HISTORY_DAYS} days: events before ${new Date(options.now - EVENT_HISTORY_DAYS * 86_400_000).toISOString()} cannot be looked up (read the trail's log files from S3 instead)` });
  }
  for (const region of options.regions) {
    const client = createCloudTrailClient(options, region, env);
    const resolvedRegion = await resolveRegion(client).catch(() => region ?? 'unknown');
    result.regions.push(resolvedRegion);
    const resolved = options.accountId !== undefined ? `${options.accountId} ${resolvedRegion}` : resolvedRegion;
    let token: string | undefined;
    const tokens = new Set<string>();
    for (let page = 1; ; page++) {
      if (page > MAX_PAGES) {
        result.incomplete.push({ source: `cloudtrail ${resolved}`, message: `LookupEvents returned more than ${MAX_PAGES} pages; the rest was not read` });
        break;
      }
      let response;
      try {
        result.calls++;
        response = await client.send(new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'PolicyExecutionEvent' }],
          StartTime: new Date(options.startTime),
          EndTime: new Date(options.endTime),
          MaxResults: PAGE_SIZE,
          ...(token !== undefined ? { NextToken: token } : {}),
        }));
      } catch (error) {
        const e = error as { name?: string; message?: string; $metadata?: { attempts?: number } };
        const attempts = e.$metadata?.attempts;
        result.incomplete.push({ source: `cloudtrail ${resolved}`, message: `LookupEvents page ${page} failed${attempts ? ` after ${attempts} attempts` : ''}: ${e.name ?? 'Error'}: ${oneLine(e.message ?? '')}; later events of this region were not read` });
        break;
      }
      onPage(`cloudtrail ${resolved} page ${page}`, (response.Events ?? []).map((ev) => ev.CloudTrailEvent));
      token = response.NextToken || undefined;
      if (token === undefined) break;
      if (tokens.has(token)) {
        result.incomplete.push({ source: `cloudtrail ${resolved}`, message: `LookupEvents returned a NextToken it had returned before (page ${page}); stopped` });
        break;
      }
      tokens.add(token);
    }
    client.destroy();
  }
  return result;
}

function createCloudTrailClient(options: CloudTrailLookupOptions, region: string | undefined, env: NodeJS.ProcessEnv): CloudTrailClient {
  // As createEcrClient: the SDK's own settings and chain, explicit options override; no logger.
  const config: CloudTrailClientConfig = {
    requestHandler: { requestTimeout: DEFAULT_REQUEST_TIMEOUT_MS, connectionTimeout: DEFAULT_REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true },
  };
  if (options.maxAttempts !== undefined) config.maxAttempts = options.maxAttempts;
  else if (!env.AWS_MAX_ATTEMPTS) config.maxAttempts = DEFAULT_MAX_ATTEMPTS;
  if (options.retryStrategy !== undefined) config.retryStrategy = options.retryStrategy;
  else if (!env.AWS_RETRY_MODE) config.retryMode = 'adaptive';
  if (region !== undefined) config.region = region;
  if (options.profile !== undefined) config.profile = options.profile;
  if (options.endpointUrl !== undefined) config.endpoint = options.endpointUrl;
  const credentials = clientCredentials({ ...options, ...(region !== undefined ? { region } : {}) });
  if (credentials !== undefined) config.credentials = credentials;
  return new CloudTrailClient(config);
}

async function resolveRegion(client: CloudTrailClient): Promise<string> {
  const region = client.config.region;
  return typeof region === 'function' ? await region() : region;
}

function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, 300);
}
