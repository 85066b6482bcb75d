import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A local stand-in for AWS CloudTrail's LookupEvents, speaking its wire protocol (AWS JSON 1.1):
// POST /, `X-Amz-Target: CloudTrail_20131101.LookupEvents`, timestamps as epoch seconds, errors as
// `{"__type","message"}` with the service's status codes. The real @aws-sdk/client-cloudtrail talks
// to it over HTTP through the endpoint override. Any other operation is refused: verify must only
// ever look events up.

export const TARGET = 'CloudTrail_20131101.LookupEvents';

export interface FakeCloudTrailFault {
  /** 1-based page (the n-th distinct page asked for: page 1 has no NextToken). */
  page: number;
  kind: 'throttle' | 'server-error';
  /** How many requests for that page fail; default: all. */
  times?: number;
}

export interface FakeCloudTrailOptions {
  /** The records the history holds (any event names; LookupEvents filters them). */
  records: Array<Record<string, unknown>>;
  /** Events per page, at most the request's MaxResults. */
  pageSize?: number;
  faults?: FakeCloudTrailFault[];
  /** Each region's history holds only the records whose awsRegion it is (the region from the request's signature), as CloudTrail's do. */
  byRegion?: boolean;
}

export interface LookupRequest {
  target: string;
  region?: string;
  body: Record<string, unknown>;
  status: number;
}

export interface FakeCloudTrail {
  url: string;
  requests: LookupRequest[];
  close(): Promise<void>;
}

export async function startFakeCloudTrail(options: FakeCloudTrailOptions): Promise<FakeCloudTrail> {
  const requests: LookupRequest[] = [];
  const failures = new Map<FakeCloudTrailFault, number>();
  const server: Server = createServer((req, res) => void handle(req, res));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    const region = /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1];
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      return send(400, { __type: 'SerializationException', message: 'bad JSON' });
    }
    const log: LookupRequest = { target, body, status: 200, ...(region ? { region } : {}) };
    requests.push(log);
    function send(status: number, payload: unknown): void {
      log.status = status;
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': `req-${requests.length}` });
      res.end(JSON.stringify(payload));
    }
    if (target !== TARGET) return send(400, { __type: 'UnknownOperationException', message: `the fake answers LookupEvents only, not ${target}` });

    const token = typeof body.NextToken === 'string' ? body.NextToken : undefined;
    const page = token === undefined ? 1 : Number(/^page-(\d+)$/.exec(token)?.[1] ?? Number.NaN);
    if (!Number.isInteger(page)) return send(400, { __type: 'InvalidNextTokenException', message: 'invalid NextToken' });
    for (const fault of options.faults ?? []) {
      if (fault.page !== page) continue;
      const used = failures.get(fault) ?? 0;
      if (fault.times !== undefined && used >= fault.times) continue;
      failures.set(fault, used + 1);
      if (fault.kind === 'throttle') return send(400, { __type: 'ThrottlingException', message: 'Rate exceeded' });
      return send(500, { __type: 'InternalServerError', message: 'internal failure' });
    }

    const attributes = Array.isArray(body.LookupAttributes) ? (body.LookupAttributes as Array<{ AttributeKey: string; AttributeValue: string }>) : [];
    const start = typeof body.StartTime === 'number' ? body.StartTime * 1000 : -Infinity;
    const end = typeof body.EndTime === 'number' ? body.EndTime * 1000 : Infinity;
    const matching = options.records
      .filter((r) => !options.byRegion || r.awsRegion === region)
      .filter((r) => attributes.every((a) => a.AttributeKey !== 'EventName' || r.eventName === a.AttributeValue))
      .filter((r) => Date.parse(String(r.eventTime)) >= start && Date.parse(String(r.eventTime)) <= end)
      .sort((a, b) => Date.parse(String(b.eventTime)) - Date.parse(String(a.eventTime))); // newest first, as CloudTrail
    const size = Math.min(options.pageSize ?? 50, typeof body.MaxResults === 'number' ? body.MaxResults : 50);
    const slice = matching.slice((page - 1) * size, page * size);
    const more = page * size < matching.length;
    send(200, {
      Events: slice.map((r) => ({
        EventId: r.eventID, EventName: r.eventName, ReadOnly: 'true', EventTime: Date.parse(String(r.eventTime)) / 1000,
        EventSource: r.eventSource, Username: 'AWS Internal', Resources: [], CloudTrailEvent: JSON.stringify(r),
      })),
      ...(more ? { NextToken: `page-${page + 1}` } : {}),
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
