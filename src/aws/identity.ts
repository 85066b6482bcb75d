import type { ListPullTimeUpdateExclusionsCommandOutput } from '@aws-sdk/client-ecr';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { quoteValue } from './names.js';

// ECR updates an image's lastRecordedPullTime on every pull (BatchGetImage included) except by Amazon
// Inspector and by principals in the registry's pull-time update exclusions. A snapshot that fetches
// manifests would otherwise reset the pull times that sinceImagePulled rules and the recent-pull check
// rely on. Before the first BatchGetImage against a registry, the caller's principal is looked up
// (STS GetCallerIdentity, which needs no permission) and compared with the registry's exclusions
// (ecr:ListPullTimeUpdateExclusions, read-only). Both are reads; nothing here registers anything.

const ASSUMED_ROLE = /^arn:([a-z-]+):sts::([0-9]{12}):assumed-role\/([^/]+)\/[^/]+$/;
const IAM_ROLE = /^arn:([a-z-]+):iam::([0-9]{12}):role\/(?:[^/]+\/)*([^/]+)$/;

/**
 * The IAM principal an ARN from GetCallerIdentity stands for: an assumed-role session
 * (`arn:aws:sts::123456789012:assumed-role/ci/session`) maps to its role (`arn:aws:iam::123456789012:role/ci`);
 * any other ARN (user, root) is its own principal.
 */
export function principalArnOf(callerArn: string): string {
  const m = ASSUMED_ROLE.exec(callerArn);
  return m === null ? callerArn : `arn:${m[1]}:iam::${m[2]}:role/${m[3]}`;
}

/**
 * Whether `principal` is among the exclusions. A session ARN does not carry its role's path, so an
 * excluded role registered with a path (`role/service/ci`) matches the same role name in the same account.
 */
export function isExcluded(principal: string, exclusions: readonly string[]): boolean {
  if (exclusions.includes(principal)) return true;
  const mine = IAM_ROLE.exec(principal);
  if (mine === null) return false;
  return exclusions.some((e) => {
    const other = IAM_ROLE.exec(e);
    return other !== null && other[1] === mine[1] && other[2] === mine[2] && other[3] === mine[3];
  });
}

/** The command an administrator of the registry's account runs once to exclude `principal`. */
export function exclusionFix(principal: string, region: string): string {
  return `aws ecr register-pull-time-update-exclusion --principal-arn ${principal} --region ${region}`;
}

export interface PullTimeCheck {
  principal?: string;
  excluded: boolean;
  /** Set when pull times may change (not excluded, or it could not be told): one message with the fix. */
  warning?: string;
}

function errorText(err: unknown): string {
  const e = (err ?? {}) as { name?: string; message?: string };
  const message = typeof e.message === 'string' ? (e.message.split('\n')[0] ?? '').slice(0, 200) : '';
  return quoteValue(`${e.name ?? 'Error'}${message !== '' ? `: ${message}` : ''}`).slice(1, -1);
}

const NO_PULL = 'or run with --no-pull to read manifests from the cache only';

/**
 * Whether BatchGetImage by this caller against `registryId` in `region` leaves pull times alone.
 * `listExclusions` reads one page of ListPullTimeUpdateExclusions from that registry's client.
 * Never throws: a failed lookup is a warning saying pull times may be reset.
 */
export async function checkPullTimeExclusion(
  listExclusions: (nextToken?: string) => Promise<Pick<ListPullTimeUpdateExclusionsCommandOutput, 'pullTimeUpdateExclusions' | 'nextToken'>>,
  sts: STSClient, registryId: string, region: string): Promise<PullTimeCheck> {
  let principal: string;
  let account: string | undefined;
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    if (identity.Arn === undefined) throw new Error('GetCallerIdentity answered no Arn');
    principal = principalArnOf(identity.Arn);
    account = identity.Account;
  } catch (err) {
    return {
      excluded: false,
      warning: `could not tell who reads registry ${registryId} (${region}) (STS GetCallerIdentity failed: ${errorText(err)}): reading manifests (BatchGetImage) updates each image's lastRecordedPullTime unless the principal is in the registry's pull-time update exclusions; ${NO_PULL}`,
    };
  }
  const quoted = quoteValue(principal).slice(1, -1);
  const fix = `an administrator of account ${registryId} runs once: ${exclusionFix(quoted, region)}`;
  if (account !== registryId) {
    // ListPullTimeUpdateExclusions lists the caller's own registry only: another account's list cannot be read.
    return {
      principal,
      excluded: false,
      warning: `${quoted} reads registry ${registryId} (${region}) from account ${quoteValue(account ?? '?').slice(1, -1)}: whether it is in that registry's pull-time update exclusions cannot be checked from here, and if it is not, reading manifests (BatchGetImage) updates each image's lastRecordedPullTime. To exclude it, ${fix}; ${NO_PULL}`,
    };
  }
  const exclusions: string[] = [];
  try {
    const seen = new Set<string>();
    let nextToken: string | undefined;
    do {
      const page = await listExclusions(nextToken);
      exclusions.push(...(page.pullTimeUpdateExclusions ?? []));
      nextToken = page.nextToken;
      if (nextToken !== undefined && seen.has(nextToken)) throw new Error('pagination token repeated');
      if (nextToken !== undefined) seen.add(nextToken);
    } while (nextToken !== undefined);
  } catch (err) {
    return {
      principal,
      excluded: false,
      warning: `could not read the pull-time update exclusions of registry ${registryId} (${region}) (ListPullTimeUpdateExclusions failed: ${errorText(err)}; it needs ecr:ListPullTimeUpdateExclusions): if ${quoted} is not excluded, reading manifests (BatchGetImage) updates each image's lastRecordedPullTime. To exclude it, ${fix}; ${NO_PULL}`,
    };
  }
  if (isExcluded(principal, exclusions)) return { principal, excluded: true };
  return {
    principal,
    excluded: false,
    warning: `${quoted} is not in the pull-time update exclusions of registry ${registryId} (${region}): reading manifests (BatchGetImage) updates each image's lastRecordedPullTime, which sinceImagePulled rules and the recent-pull check rely on. To exclude it, ${fix}; ${NO_PULL}`,
  };
}
