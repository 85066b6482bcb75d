import { createHash } from 'node:crypto';
import { describeAwsError } from '../live.js';
import type { InUseFile, SourceStatus } from './types.js';

// Shared by the discovery sources: files gathered in memory, call counting, pagination, and the
// rules that keep a server's strings from becoming paths or lines of their own.

/** Collects the files of one discovery and what each source could not read. */
export class FileSet {
  private readonly lists = new Map<string, string[]>();
  private readonly documents = new Map<string, string>();

  /** One line of a plain list: the reference, then a comment saying where it came from. */
  line(path: string, reference: string, origin: string): void {
    let lines = this.lists.get(path);
    if (!lines) this.lists.set(path, (lines = []));
    lines.push(`${oneLine(reference)}  # ${oneLine(origin)}`);
  }

  json(path: string, value: unknown): void {
    this.documents.set(path, JSON.stringify(value, null, 2) + '\n');
  }

  files(): InUseFile[] {
    const out: InUseFile[] = [...this.documents].map(([path, text]) => ({ path, text }));
    for (const [path, lines] of this.lists) out.push({ path, text: lines.sort().join('\n') + '\n' });
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
}

/** Without control characters or line separators: a value from a server stays on its own line. */
export function oneLine(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ').trim();
}

/**
 * A server's name as one path segment: kept when it is plain ([A-Za-z0-9._-], not dots only),
 * otherwise made plain and given a short hash so two names never share a folder.
 */
export function pathSegment(name: string): string {
  if (/^[A-Za-z0-9._-]{1,100}$/.test(name) && !/^\.+$/.test(name) && !name.startsWith('.')) return name;
  const plain = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 60);
  return `${plain || 'x'}-${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
}

/** The account id of an ARN (`arn:aws:ecs:us-east-1:111111111111:cluster/x`), or `unknown-account`. */
export function accountOf(arn: string | undefined): string {
  const account = arn?.split(':')[4];
  return account !== undefined && /^\d{12}$/.test(account) ? account : 'unknown-account';
}

export function newStatus(source: SourceStatus['source'], scope: string): SourceStatus {
  return { source, scope, complete: true, missing: [], references: 0, apiCalls: {}, retries: 0 };
}

export function markMissing(status: SourceStatus, what: string): void {
  status.complete = false;
  status.missing.push(oneLine(what));
}

interface SdkOutput {
  $metadata: { attempts?: number };
}

/** Sends one SDK call, counting it and its retries; a failure is thrown as one line naming the call. */
export async function counted<T extends SdkOutput>(status: SourceStatus, operation: string, send: () => Promise<T>): Promise<T> {
  let attempts = 1;
  try {
    const out = await send();
    attempts = out.$metadata.attempts ?? 1;
    return out;
  } catch (err) {
    attempts = (err as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1;
    throw new CallFailed(describeAwsError(operation, err));
  } finally {
    status.apiCalls[operation] = (status.apiCalls[operation] ?? 0) + 1;
    status.retries += attempts - 1;
  }
}

/** A failed call, already described (operation, error, attempts; never request details). */
export class CallFailed extends Error {}

/** Every page of a paginated call. A token seen twice stops it (a server that never ends is incomplete). */
export async function allPages<T>(fetchPage: (token: string | undefined) => Promise<{ items: T[]; next?: string | undefined }>): Promise<T[]> {
  const items: T[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  for (;;) {
    const page = await fetchPage(token);
    items.push(...page.items);
    if (page.next === undefined || page.next === '') return items;
    if (seen.has(page.next)) throw new CallFailed('pagination repeated a token: the listing never ends');
    seen.add(page.next);
    token = page.next;
  }
}

export function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** `image@digest`, unless the image already names a digest or there is none. */
export function withDigest(image: string, digest: string | undefined): string {
  if (digest === undefined || digest === '' || image.includes('@')) return image;
  return `${image}@${digest}`;
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** At most `limit` calls in flight, however the work above them fans out (clusters, then services). */
export function limitCalls<C extends { send: (...args: never[]) => Promise<unknown> }>(client: C, limit: number): C {
  let active = 0;
  const waiting: Array<() => void> = [];
  const send = async (...args: Parameters<C['send']>): Promise<unknown> => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await (client.send as (...a: Parameters<C['send']>) => Promise<unknown>)(...args);
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
  return new Proxy(client, { get: (target, key, receiver) => (key === 'send' ? send : Reflect.get(target, key, receiver)) });
}
