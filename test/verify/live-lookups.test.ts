import { describe, expect, it } from 'vitest';
import { liveLookups } from '../../src/cli/commands/verify.js';
import { UsageError } from '../../src/model/errors.js';

// verify --live: which CloudTrail lookups a snapshot asks for, and with which role (as snapshot --role-arn: one per account).

const A = '111111111111';
const B = '222222222222';
const role = (account: string) => `arn:aws:iam::${account}:role/ecr-lifeguard`;

describe('liveLookups', () => {
  it('one root: its region, or each --region; a single --role-arn is used whatever account it names', () => {
    expect(liveLookups([{ registryId: A, region: 'us-east-1' }], [], [])).toEqual([{ regions: ['us-east-1'], accountId: A }]);
    expect(liveLookups([{ registryId: A, region: 'us-east-1' }], ['eu-west-1', 'us-east-1'], [role(B)])).toEqual([{ regions: ['eu-west-1', 'us-east-1'], accountId: A, roleArn: role(B) }]);
    expect(liveLookups([{}], [], [])).toEqual([{ regions: [undefined] }]);
  });

  it('several roots: one lookup per root in its region, with the role of its account', () => {
    const roots = [{ registryId: A, region: 'eu-west-1' }, { registryId: A, region: 'us-east-1' }, { registryId: B, region: 'us-east-1' }];
    expect(liveLookups(roots, [], [role(B), role(A)])).toEqual([
      { regions: ['eu-west-1'], accountId: A, roleArn: role(A) },
      { regions: ['us-east-1'], accountId: A, roleArn: role(A) },
      { regions: ['us-east-1'], accountId: B, roleArn: role(B) },
    ]);
    // An account without a role is read with the base credentials.
    expect(liveLookups(roots, [], [role(B)])[0]).toEqual({ regions: ['eu-west-1'], accountId: A });
  });

  it('usage errors: --region with several roots, a role of an account the snapshot does not hold, a malformed ARN', () => {
    const roots = [{ registryId: A, region: 'eu-west-1' }, { registryId: B, region: 'us-east-1' }];
    expect(() => liveLookups(roots, ['us-east-1'], [])).toThrow(UsageError);
    expect(() => liveLookups(roots, [], [role('333333333333')])).toThrow(/holds no registry of account 333333333333/);
    expect(() => liveLookups(roots, [], ['not-an-arn'])).toThrow(/must be an IAM role ARN/);
  });
});
