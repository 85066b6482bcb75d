import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, cleanEnv, CLI, expectCleanFailure, NOW, ROOT, runCli } from './support.js';

// A FIFO or a device in place of a snapshot file used to hang the command forever (open() waits for a
// writer; /dev/zero never ends). Nothing but a regular file is opened: the command ends at once with
// the file located and exit 2, as for any other file it cannot read.

let work: string;
beforeAll(() => {
  assertBuilt();
  work = mkdtempSync(join(tmpdir(), 'ecr-lifeguard-hostile-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function snapshotWith(name: string, file: string, make: (path: string) => void): string {
  const snapshot = join(work, name);
  cpSync(join(ROOT, 'samples', 'registry'), snapshot, { recursive: true });
  const path = join(snapshot, 'shop', 'web', file);
  rmSync(path);
  make(path);
  return snapshot;
}

const fifo = (path: string): void => expect(spawnSync('mkfifo', [path]).status).toBe(0);

describe('a snapshot holding a file that is not a regular file', () => {
  it.each([
    ['describe-images.json', 'FIFO', fifo, 'a FIFO (named pipe), not a regular file: never opened'],
    ['batch-get-image.json', 'FIFO', fifo, 'a FIFO (named pipe), not a regular file: never opened'],
    ['get-lifecycle-policy.json', 'FIFO', fifo, 'a FIFO (named pipe), not a regular file: never opened'],
    ['describe-images.json', 'link to /dev/zero', (p: string) => symlinkSync('/dev/zero', p), 'a device, not a regular file: never opened'],
  ] as const)('%s as a %s: dry-run and audit end with the file located, exit 2', async (file, what, make, message) => {
    const snapshot = snapshotWith(`${file}-${what.replace(/\W/g, '')}`, file, make);
    for (const command of ['dry-run', 'audit']) {
      const r = await runCli([command, '--snapshot', snapshot, '--now', NOW, '--format', 'json']);
      expectCleanFailure(r);
      expect(r.stderr).toContain(`${join(snapshot, 'shop', 'web', file)}: ${message}; expected a JSON file`);
    }
  });
});

/** Seven levels of anchors, each holding ten aliases of the one before (10^7 nodes), indented. */
function aliasBomb(indent: string): string {
  const lines = [`${indent}a0: &a0 [x,x,x,x,x,x,x,x,x,x]`];
  for (let k = 1; k <= 7; k++) lines.push(`${indent}a${k}: &a${k} [${Array.from({ length: 10 }, () => `*a${k - 1}`).join(',')}]`);
  return `${lines.join('\n')}\n`;
}

describe('a YAML alias bomb (about 380 bytes) ends within seconds in bounded memory, located at the alias that passes the budget', () => {
  // A heap of 256 MB: the bomb's expansion needs gigabytes (V8 aborted with a native stack trace before).
  const env = { NODE_OPTIONS: '--max-old-space-size=256' };
  const message = "the YAML's aliases stand for more than 100,000 nodes (an alias bomb?); expected aliases that expand to at most 100,000 nodes in all (ecr-lifeguard's limit)";

  it('in a CloudFormation template under a linted tree', async () => {
    const tree = join(work, 'bomb-lint');
    mkdirSync(tree);
    const header = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Repo:\n    Type: AWS::ECR::Repository\n    Properties:\n      RepositoryName: api\nMetadata:\n";
    writeFileSync(join(tree, 'stack.yaml'), header + aliasBomb('  '));
    const r = await runCli(['lint', tree, '--format', 'json'], { env });
    // A file lint cannot read is a located parse-error finding (exit 1), never a crash.
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/^\s+at |unexpected error|FATAL/m);
    // Line 12 is a4's; its eighth alias passes the budget (110 + 1,110 + 11,110 + 8 x 11,111 > 100,000).
    const column = aliasBomb('  ').split('\n')[4]!.indexOf('*a3') + 1 + 4 * 7;
    expect(JSON.parse(r.stdout).findings).toMatchObject([{ id: 'parse-error', location: { file: join(tree, 'stack.yaml'), line: 12, column }, evidence: { code: 'yaml/alias-budget' } }]);
  });

  it('in an --in-use folder', async () => {
    const folder = join(work, 'bomb-in-use');
    mkdirSync(folder);
    writeFileSync(join(folder, 'pod.yaml'), `apiVersion: v1\nkind: Pod\n${aliasBomb('')}`);
    const r = await runCli(['dry-run', '--snapshot', 'samples/registry', '--in-use', folder, '--now', NOW, '--format', 'json', '--fail-on', 'never'], { env });
    // An in-use file is one source among many: a located warning, counted, and the run goes on.
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/^\s+at |unexpected error|FATAL/m);
    const column = aliasBomb('').split('\n')[4]!.indexOf('*a3') + 1 + 4 * 7;
    expect(r.stderr).toContain(`warning: ${join(folder, 'pod.yaml')}:7:${column}: ${message}`);
    expect(JSON.parse(r.stdout).inUse).toMatchObject({ filesWithProblems: 1 });
  });
});

describe('tag patterns and signals', () => {
  it("a dry-run of '*-*-*-*-prod' over 300 images with 290-character tags ends by itself (a backtracking matcher took about 2 s per tag)", async () => {
    const dir = join(work, 'pattern');
    mkdirSync(dir);
    const policy = { rules: [{ rulePriority: 1, selection: { tagStatus: 'tagged', tagPatternList: ['*-*-*-*-prod'], countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } }] };
    const imageDetails = Array.from({ length: 300 }, (_, i) => ({
      registryId: '123456789012',
      repositoryName: 'team/api',
      imageDigest: `sha256:${i.toString(16).padStart(64, '0')}`,
      imageTags: [`a${'-'.repeat(285)}${String(i).padStart(4, '0')}`],
      imagePushedAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
    }));
    writeFileSync(join(dir, 'policy.json'), JSON.stringify(policy));
    writeFileSync(join(dir, 'images.json'), JSON.stringify({ imageDetails }));
    const r = await runCli(['dry-run', '--policy', join(dir, 'policy.json'), '--images', join(dir, 'images.json'), '--now', NOW, '--format', 'json', '--fail-on', 'never']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { repositories: Array<{ images: Array<{ imageTags: string[]; action: string }> }> };
    expect(report.repositories[0]!.images.every((i) => i.action === 'KEEP')).toBe(true); // no tag ends in -prod
  });

  // A command waiting on its input (here held by the test hook hold-file.mjs: calls on one file wait)
  // ends on SIGINT or SIGTERM at once, with the exit code of that signal and nothing on stderr.
  it.each([
    ['dry-run', 'SIGTERM', 143],
    ['lint', 'SIGINT', 130],
    ['audit', 'SIGTERM', 143],
  ] as const)('%s held on its input ends on %s with exit %i', async (command, signal, expected) => {
    const snapshot = join(work, `held-${command}`);
    cpSync(join(ROOT, 'samples', 'registry'), snapshot, { recursive: true });
    const held = command === 'lint' ? join(ROOT, 'samples', 'lint', 'terraform', 'plan.json') : join(snapshot, 'shop', 'web', 'describe-images.json');
    const mark = join(work, `held-${command}.mark`);
    const args = command === 'lint' ? ['lint', join(ROOT, 'samples', 'lint')] : [command, '--snapshot', snapshot, '--now', NOW, '--format', 'json'];
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: cleanEnv({ ECR_LIFEGUARD_TEST_HOLD: held, ECR_LIFEGUARD_TEST_HELD_MARK: mark, NODE_OPTIONS: `--import ${pathToFileURL(join(import.meta.dirname, 'hold-file.mjs')).href}` }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    for (let polls = 0; !existsSync(mark); polls++) {
      expect(polls).toBeLessThan(2400); // a minute
      expect(child.exitCode).toBe(null);
      await new Promise((r) => setTimeout(r, 25));
    }
    child.kill(signal);
    expect(await exited).toBe(expected);
    expect(stderr).toBe('');
  });
});
