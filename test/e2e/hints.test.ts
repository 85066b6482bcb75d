import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, NOW, runCli } from './support.js';

// Hints for common mistakes: each a located one-liner with the fix, exit 2, through the built CLI.

const API = 'samples/registry/shop/api';
let scratch: string;
beforeAll(() => {
  assertBuilt();
  scratch = mkdtempSync(join(tmpdir(), 'ecr-lifeguard-hints-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('a policy saved by get-lifecycle-policy --query lifecyclePolicyText without --output text', () => {
  const quoted = () => {
    const file = join(scratch, 'policy.json');
    // What the AWS CLI writes: its default output is JSON, so the queried string arrives quoted.
    const text = (JSON.parse(readFileSync(`${API}/get-lifecycle-policy.json`, 'utf8')) as { lifecyclePolicyText: string }).lifecyclePolicyText;
    writeFileSync(file, `${JSON.stringify(text)}\n`);
    return file;
  };
  const HINT = 'this file holds the policy as one quoted JSON string, as `aws ecr get-lifecycle-policy --query lifecyclePolicyText` writes it without `--output text`; save it again with `--output text` (or without --query)';

  it('is named, with the fix, by dry-run --policy', async () => {
    const file = quoted();
    const run = await runCli(['dry-run', '--policy', file, '--images', `${API}/describe-images.json`, '--now', NOW, '--format', 'json']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`${file}:1:1: ${HINT}`);
  });

  it('is named, with the fix, by lint', async () => {
    const file = quoted();
    const run = await runCli(['lint', file, '--format', 'json']);
    // lint reports a file it cannot use as a located parse-error finding and lints the rest (exit 1).
    expect(run.code).toBe(1);
    const [finding, ...more] = JSON.parse(run.stdout).findings;
    expect(more).toEqual([]);
    expect(finding).toMatchObject({ id: 'parse-error', location: { file, line: 1, column: 1 }, evidence: { code: 'input/quoted-json' } });
    expect(finding.message).toContain(HINT);
  });
});

describe('a mistyped path', () => {
  it('gets "did you mean" the nearest existing sibling', async () => {
    const snapshot = await runCli(['dry-run', '--snapshot', 'samples/registy', '--now', NOW]);
    expect(snapshot.code).toBe(2);
    expect(snapshot.stderr).toContain('samples/registy: no such directory; did you mean samples/registry?');
    const policy = await runCli(['dry-run', '--policy', `${API}/get-lifecycle-polcy.json`, '--images', `${API}/describe-images.json`, '--now', NOW]);
    expect(policy.code).toBe(2);
    expect(policy.stderr).toContain(`${API}/get-lifecycle-polcy.json: cannot read the file: no such file; did you mean ${API}/get-lifecycle-policy.json?`);
    const lint = await runCli(['lint', `${API}/get-lifecycle-polcy.json`]);
    expect(lint.code).toBe(2);
    expect(lint.stderr).toContain(`did you mean ${API}/get-lifecycle-policy.json?`);
  });

  it('gets no suggestion when nothing is near', async () => {
    const run = await runCli(['dry-run', '--snapshot', 'samples/zzzzzzzzzz', '--now', NOW]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('samples/zzzzzzzzzz: no such directory; expected a snapshot directory');
  });
});

describe('--snapshot given the folder above a snapshot', () => {
  it('names the snapshots below it and the option to give', async () => {
    const run = await runCli(['dry-run', '--snapshot', 'samples', '--now', NOW]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('samples: this folder holds snapshots (samples/registry), it is not one itself; give one of them to --snapshot; expected e.g. --snapshot samples/registry');
  });
});

describe('no AWS credentials', () => {
  // No credentials anywhere in the SDK's chain: no variables, no files, no instance metadata.
  const env = (home: string) => ({
    HOME: home,
    AWS_CONFIG_FILE: join(home, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_PROFILE: undefined,
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_SESSION_TOKEN: undefined,
    AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
    AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
  });
  const HINT = 'no AWS credentials found: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or run aws sso login';

  it('is a usage error with the fix for snapshot and audit --live, not incomplete data with SDK text', async () => {
    const out = join(scratch, 'snapshot');
    const snapshot = await runCli(['snapshot', '--out', out], { env: env(scratch) });
    expect(snapshot.code).toBe(2);
    expect(snapshot.stderr).toContain(HINT);
    expect(snapshot.stderr).not.toContain('CredentialsProviderError');
    const audit = await runCli(['audit', '--live', '--format', 'json'], { env: env(scratch) });
    expect(audit.code).toBe(2);
    expect(audit.stdout).toBe('');
    expect(audit.stderr).toContain(HINT);
  });
});

describe('merge given something that is not a report', () => {
  it('names what it looks like', async () => {
    const run = await runCli(['merge', 'samples/registry', `${API}/describe-images.json`, `${API}/get-lifecycle-policy.json`, '--format', 'json']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('samples/registry: this folder holds a snapshot, not a report; audit it first (ecr-lifeguard audit --snapshot DIR --format json --output REPORT.json) and merge the reports');
    expect(run.stderr).toContain(`${API}/describe-images.json: this looks like \`aws ecr describe-images\` output, not a report; merge combines the JSON reports of audit (audit --format json)`);
    expect(run.stderr).toContain(`${API}/get-lifecycle-policy.json: this looks like \`aws ecr get-lifecycle-policy\` output, not a report`);
  });
});

describe('describe-images saved without --filter imageStatus=ANY', () => {
  const POLICY = 'test/fixtures/load/policies/raw-valid.json'; // rule 2 archives, rule 4 expires archived images
  it('is a located warning when the policy has archive rules and no image is ARCHIVED or ACTIVATING', async () => {
    const run = await runCli(['dry-run', '--policy', POLICY, '--images', `${API}/describe-images.json`, '--now', NOW, '--format', 'json', '--fail-on', 'never']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`\nwarning: ${API}/describe-images.json: the policy has archive rules (rulePriority 2, 4) but no image here is ARCHIVED or ACTIVATING: describe-images lists only ACTIVE images unless given --filter imageStatus=ANY; save it again with that filter (ignore this if the repository has no archived image)\n`);
  });

  it('is not given when an image is archived, or when the policy does not archive', async () => {
    const archived = await runCli(['dry-run', '--policy', POLICY, '--images', 'samples/registry/shop/web/describe-images.json', '--now', NOW, '--format', 'json', '--fail-on', 'never']);
    expect(archived.stderr).not.toContain('imageStatus=ANY');
    const expireOnly = await runCli(['dry-run', '--policy', `${API}/get-lifecycle-policy.json`, '--images', `${API}/describe-images.json`, '--now', NOW, '--format', 'json', '--fail-on', 'never']);
    expect(expireOnly.stderr).not.toContain('imageStatus=ANY');
  });
});
