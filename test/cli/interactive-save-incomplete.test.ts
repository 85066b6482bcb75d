import { cp, lstat, mkdir, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { prepareAnalysis } from '../../src/core/analysis.js';
import { runRepl } from '../../src/cli/interactive/repl.js';
import { savePolicyFile } from '../../src/cli/interactive/save.js';
import { Session } from '../../src/cli/interactive/session.js';
import { loadInputs } from '../../src/load/inputs.js';
import { removeDirs, tempDir } from './support.js';

// The interactive session's `save` writes atomically and never through a symbolic link; the session
// says what the loaded data lacks (manifests that do not match their digests, registries that could
// not be listed) as dry-run and audit do, in a scripted session too.

const NOW = Date.parse('2026-11-22T00:00:00Z');
let dir: string;
beforeEach(async () => {
  dir = await tempDir('ecr-lifeguard-session-');
});
afterEach(async () => {
  await removeDirs(dir);
});

const POLICY = JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 3 }, action: { type: 'expire' } }] }, null, 2) + '\n';

describe('savePolicyFile', () => {
  it('writes a new file and replaces an existing one whole, leaving no temporary file', async () => {
    const target = join(dir, 'policy.json');
    await savePolicyFile(target, POLICY);
    expect(await readFile(target, 'utf8')).toBe(POLICY);
    await writeFile(target, 'old content that is longer than the new one '.repeat(100));
    await savePolicyFile(target, POLICY);
    expect(await readFile(target, 'utf8')).toBe(POLICY);
    expect(await readdir(dir)).toEqual(['policy.json']);
  });

  it('refuses a symbolic link at the target: the file it points to and the link stay as they were', async () => {
    const elsewhere = join(dir, 'elsewhere');
    await mkdir(elsewhere);
    const victim = join(elsewhere, 'authorized_keys');
    await writeFile(victim, 'precious\n');
    const link = join(dir, 'policy.json');
    await symlink(victim, link);
    await expect(savePolicyFile(link, POLICY)).rejects.toThrow('it is a symbolic link, which save does not follow');
    expect(await readFile(victim, 'utf8')).toBe('precious\n');
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe(victim);
    // A dangling link too: it would otherwise create the file it names.
    const dangling = join(dir, 'dangling.json');
    await symlink(join(elsewhere, 'new-file'), dangling);
    await expect(savePolicyFile(dangling, POLICY)).rejects.toThrow('symbolic link');
    expect(await readdir(elsewhere)).toEqual(['authorized_keys']);
  });

  it('refuses a folder and a missing folder', async () => {
    await expect(savePolicyFile(dir, POLICY)).rejects.toThrow('it is not a regular file');
    await expect(savePolicyFile(join(dir, 'nope', 'p.json'), POLICY)).rejects.toThrow(`ENOENT (no folder ${join(dir, 'nope')})`);
  });
});

/** A copy of the sample registry with shop/web's index manifest altered and a registry that could not be listed. */
async function brokenSnapshot(): Promise<string> {
  const snapshot = join(dir, 'registry');
  await cp('samples/registry', snapshot, { recursive: true });
  const path = join(snapshot, 'shop', 'web', 'batch-get-image.json');
  const file = JSON.parse(await readFile(path, 'utf8')) as { images: { imageId: { imageDigest: string }; imageManifest: string }[] };
  file.images[0]!.imageManifest = file.images[0]!.imageManifest.replace(/"size":\s*(\d)/, '"size": 9$1');
  await writeFile(path, JSON.stringify(file, null, 2));
  await writeFile(join(snapshot, 'snapshot-status.json'), JSON.stringify({
    snapshotAt: '2026-11-21T00:00:00.000Z',
    unreadableRegistries: [{ registryId: '210987654321', region: 'eu-west-1', reason: 'repository listing failed: DescribeRepositories failed after 5 attempts: ThrottlingException\u001b]52;c;aGk=\u0007' }],
  }));
  return snapshot;
}

async function session(snapshot: string, writeFileImpl = savePolicyFile): Promise<{ session: Session; victim: string }> {
  const inputs = await loadInputs({ snapshot }, NOW);
  const setup = await prepareAnalysis(inputs, { now: NOW, days: 0 }, () => {});
  const victim = (JSON.parse(await readFile(join(snapshot, 'shop', 'web', 'batch-get-image.json'), 'utf8')) as { images: { imageId: { imageDigest: string } }[] }).images[0]!.imageId.imageDigest;
  return { session: new Session(inputs.repositories, setup, { colour: false, writeFile: writeFileImpl }, undefined, inputs.unreadableRegistries), victim };
}

describe('the session says what the data lacks', () => {
  it('a scripted session starts with the incomplete repository (digest named) and the unlisted registry, escaped', async () => {
    const { session: s, victim } = await session(await brokenSnapshot());
    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', (c: Buffer) => (text += c.toString('utf8')));
    input.end('use shop/web\nshow\nquit\n');
    await runRepl(s, { input: input as unknown as NodeJS.ReadStream, output: output as unknown as NodeJS.WriteStream, env: {} });
    const [head] = text.split('now on shop/web');
    expect(head).toContain(`INCOMPLETE shop/web: 1 manifest(s) do not match their digest (${victim})`);
    expect(head).toContain('1 registry could not be listed (results are incomplete):');
    expect(head).toContain('210987654321 eu-west-1: repository listing failed: DescribeRepositories failed after 5 attempts: ThrottlingException\\u001b]52;c;aGk=\\u0007');
    expect(text).not.toMatch(/[\u0007\u001b]/);
    // `use` repeats it; `show` says it in its table, as dry-run's table does.
    expect(text).toMatch(/now on shop\/web: \d+ images\n {2}INCOMPLETE: 1 manifest\(s\) do not match their digest/);
    expect(text).toContain('  INCOMPLETE: 1 manifest(s) do not match their digest');
  });

  it('a complete snapshot: nothing is added to the session', async () => {
    const { session: s } = await session('samples/registry');
    expect(s.incompleteness()).toBe('');
    expect((await s.execute('use shop/web')).output).not.toContain('INCOMPLETE');
  });

  it('save through the session refuses a link and says so; a plain path is saved', async () => {
    const { session: s } = await session('samples/registry');
    await s.execute('use shop/web');
    await s.execute('set 1 count 2');
    const victim = join(dir, 'victim.json');
    await writeFile(victim, 'keep me\n');
    await symlink(victim, join(dir, 'link.json'));
    expect((await s.execute(`save ${join(dir, 'link.json')}`)).output).toBe(`not saved: cannot write ${join(dir, 'link.json')}: it is a symbolic link, which save does not follow: give the path of the file itself, or remove the link\n`);
    expect(await readFile(victim, 'utf8')).toBe('keep me\n');
    expect((await s.execute(`save ${join(dir, 'p.json')}`)).output).toMatch(/^saved \d+ rules to /);
    expect(JSON.parse(await readFile(join(dir, 'p.json'), 'utf8'))).toHaveProperty('rules');
  });
});
