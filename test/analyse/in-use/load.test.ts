import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandArgs } from '../../../src/analyse/in-use/dockerfile.js';
import { loadInUse, recentPullUses } from '../../../src/analyse/in-use/index.js';
import type { ImageRecord } from '../../../src/model/image.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/in-use');
const HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';

describe('loadInUse', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'in-use-'));
    await mkdir(join(dir, 'b/nested'), { recursive: true });
    await mkdir(join(dir, '.git'));
    await mkdir(join(dir, 'node_modules/pkg'), { recursive: true });
    await writeFile(join(dir, 'z.txt'), `${HOST}/z:1\n`);
    await writeFile(join(dir, 'a.txt'), `${HOST}/a:1\n${HOST}/a:2\n`);
    await writeFile(join(dir, 'b/nested/Dockerfile'), `FROM ${HOST}/base:1\n`);
    await writeFile(join(dir, 'b/pods.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ image: 'nginx' }] } }));
    await writeFile(join(dir, 'README.md'), '# in-use sources\nThese files list what runs.\n');
    await writeFile(join(dir, '.git/config'), '[core]\n');
    await writeFile(join(dir, 'node_modules/pkg/Dockerfile'), `FROM ${HOST}/ignored:1\n`);
    await writeFile(join(dir, 'b/notes.conf'), 'not a list\n');
    await symlink(join(dir, 'gone.txt'), join(dir, 'b/dangling.txt'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a directory recursively, sorted, skipping .git, node_modules and Markdown', async () => {
    const r = await loadInUse([dir]);
    expect(r.uses.map((u) => [u.origin.file.slice(dir.length + 1), u.origin.line, u.reference.raw])).toEqual([
      ['a.txt', 1, `${HOST}/a:1`],
      ['a.txt', 2, `${HOST}/a:2`],
      ['b/nested/Dockerfile', 1, `${HOST}/base:1`],
      ['z.txt', 1, `${HOST}/z:1`],
    ]);
    expect(r.otherRegistryCount).toBe(1);
  });

  it('a named path that does not exist is fatal; files under a folder that are no sources are skipped and counted', async () => {
    const missing = join(dir, 'does-not-exist.yaml');
    const r = await loadInUse([missing, dir]);
    expect(r.fatal.map((p) => [p.location.file.slice(dir.length + 1), p.code])).toEqual([['does-not-exist.yaml', 'in-use/unreadable']]);
    expect(r.fatal[0]!.message).toMatch(/no such file or directory/);
    expect(r.problems).toEqual([]);
    // Folders are named relative to the folder given; files by their path.
    expect(r.coverage.skipped.map((s) => [s.reason, s.count, s.examples.map((e) => (e.startsWith(dir) ? e.slice(dir.length + 1) : e))])).toEqual([
      ['a hidden, version control or dependency folder (not entered)', 2, ['.git', 'node_modules']],
      ['a symbolic link to nothing', 1, ['b/dangling.txt']],
      ['not an in-use source', 1, ['b/notes.conf']],
      ['not an in-use source, by its name (not opened)', 1, ['README.md']],
    ]);
    expect(r.coverage.filesRead).toBe(4);
    // the readable files are still read
    expect(r.uses).toHaveLength(4);
  });

  it('a truncated JSON file gets the truncation message, located at its end', async () => {
    const file = join(dir, '..', `${dir.split('/').pop()}-truncated.json`);
    await writeFile(file, '{"apiVersion": "v1", "kind": "List", "items": [');
    const r = await loadInUse([file]);
    await rm(file);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ code: 'json/truncated', location: { file, line: 1, column: 48 }, found: 'end of input' });
    expect(r.problems[0]!.message).toBe("the JSON ends early (truncated file?): expected ']'");
  });

  it('refuses JSON nested deeper than the limit, and YAML too deep for its parser, as located problems', async () => {
    const json = join(dir, '..', `${dir.split('/').pop()}-deep.json`);
    const yaml = join(dir, '..', `${dir.split('/').pop()}-deep.yaml`);
    await writeFile(json, `{"kind": "List", "items": ${'['.repeat(5000)}${']'.repeat(5000)}}`);
    await writeFile(yaml, `kind: Pod\nspec: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`);
    const r = await loadInUse([json, yaml]);
    await rm(json);
    await rm(yaml);
    expect(r.uses).toEqual([]);
    expect(r.problems.map((p) => [p.location.file, p.code, p.location.line])).toEqual([
      [json, 'json/too-deep', 1],
      [yaml, 'yaml/too-deep', 2],
    ]);
    // The object is level 1, so the 512th bracket of the array (column 26 + 512) is level 513.
    expect(r.problems[0]!.location.column).toBe(26 + 512);
    // The same limit for YAML, measured before its (recursive) reader runs: the mapping is level 1,
    // so the 512th bracket after `spec: ` is level 513.
    expect(r.problems[1]).toMatchObject({ message: 'the YAML nests more than 512 levels deep', expected: "at most 512 levels of nesting (ecr-lifeguard's limit)" });
    expect(r.problems[1]!.location.column).toBe(6 + 512);
  });

  it('reads YAML exactly as deep as the limit, in each shape of nesting', async () => {
    // 512 levels: the mapping, then 511 more of flow sequences, flow mappings or block sequences.
    const shapes = {
      flow: `${'['.repeat(511)}${HOST}/deep:1${']'.repeat(511)}`,
      flowMap: `${'{a: '.repeat(511)}${HOST}/deep:1${'}'.repeat(511)}`,
      block: `\n  ${'- '.repeat(511)}${HOST}/deep:1`,
    };
    for (const [shape, value] of Object.entries(shapes)) {
      const yaml = join(dir, '..', `${dir.split('/').pop()}-limit-${shape}.yaml`);
      await writeFile(yaml, `kind: Pod\nspec: ${value}\n`);
      const r = await loadInUse([yaml]);
      await rm(yaml);
      expect(r.problems.filter((p) => p.code.startsWith('yaml/')), shape).toEqual([]);
      await writeFile(yaml, `kind: Pod\nspec: ${value.startsWith('\n') ? `\n  - ${value.slice(3)}` : `[${value}]`}\n`);
      const deeper = await loadInUse([yaml]);
      await rm(yaml);
      expect(deeper.problems.map((p) => p.code), shape).toEqual(['yaml/too-deep']);
    }
  });

  it('reports malformed JSON whose parse nests too deep for the stack, instead of crashing', async () => {
    // Found in review: stray closing brackets keep a scan's depth low, but the parser skips them while recovering.
    const json = join(dir, '..', `${dir.split('/').pop()}-stray.json`);
    await writeFile(json, `${'['.repeat(500)}${'}'.repeat(500)},`.repeat(40));
    const r = await loadInUse([json]);
    await rm(json);
    expect(r.problems).toEqual([expect.objectContaining({ code: 'json/syntax', message: 'invalid JSON, nested too deeply to say where it breaks', location: { file: json, line: 1, column: 1 } })]);
  });

  it('says YAML is too deep when its parser may run out of stack instead of reporting an error (block sequences in a mapping)', async () => {
    // Found by exploratory testing: this shape made the parser throw, and the run ended in "unexpected error".
    const yaml = join(dir, '..', `${dir.split('/').pop()}-deep-seq.yaml`);
    await writeFile(yaml, `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    a:\n      - ${'- '.repeat(20_000)}x\nspec:\n  containers:\n    - name: c\n      image: ${HOST}/deep:1\n`);
    const r = await loadInUse([yaml]);
    await rm(yaml);
    expect(r.uses).toEqual([]);
    // Levels: the mapping, metadata, annotations, a's sequence (4, at column 7), then one per `- `: the
    // 509th (column 9 + 2 x 508) is level 513.
    expect(r.problems).toEqual([expect.objectContaining({ code: 'yaml/too-deep', message: 'the YAML nests more than 512 levels deep', location: { file: yaml, line: 7, column: 9 + 2 * 508 } })]);
  });

  it('reads a file named twice (directly and through its directory) once', async () => {
    const once = await loadInUse([join(dir, 'a.txt')]);
    const twice = await loadInUse([join(dir, 'a.txt'), dir, `${dir}/./a.txt`]);
    expect(twice.uses.filter((u) => u.origin.file.endsWith('a.txt'))).toEqual(once.uses);
  });

  it('reads JSON with a byte order mark, and YAML merge keys (<<) as Kubernetes does', async () => {
    const bom = join(dir, '..', `${dir.split('/').pop()}-bom.json`);
    await writeFile(bom, `\uFEFF${JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: `${HOST}/bom:1` }] } })}`);
    const merge = join(dir, '..', `${dir.split('/').pop()}-merge.yaml`);
    await writeFile(merge, `apiVersion: v1\nkind: Pod\nmetadata: {name: p, annotations: {base: &c {name: c, image: ${HOST}/merged:1}}}\nspec: {containers: [{<<: *c, name: c2}]}\n`);
    const r = await loadInUse([bom, merge]);
    await rm(bom);
    await rm(merge);
    expect(r.problems).toEqual([]);
    expect(r.uses.map((u) => u.reference.raw).sort()).toEqual([`${HOST}/bom:1`, `${HOST}/merged:1`]);
  });

  it('reads the whole fixture directory: every use sorted by file, line, path', async () => {
    // The folder's own files (the corpus below it has its own test).
    const r = await loadInUse(readdirSync(FIXTURES, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(FIXTURES, e.name)));
    const keys = r.uses.map((u) => [u.origin.file, u.origin.line ?? 0, u.origin.path ?? ''] as const);
    const sorted = [...keys].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0)));
    expect(keys).toEqual(sorted);
    const formats = new Set(r.uses.map((u) => u.origin.format));
    for (const f of ['dockerfile', 'kubernetes', 'ecs', 'lambda', 'list', 'helm-values'] as const) expect(formats.has(f)).toBe(true);
    expect(r.problems.map((p) => p.code).sort()).toEqual(['in-use/invalid-reference', 'in-use/unresolved-arg', 'in-use/unresolved-arg', 'json/syntax']);
    // Not sources: skipped, counted, named; never a problem.
    const skipped = r.coverage.skipped.flatMap((s) => s.examples.map((e) => [e.slice(FIXTURES.length + 1), s.reason]));
    expect(skipped).toContainEqual(['notes.conf', 'not an in-use source']);
    expect(skipped).toContainEqual(['unknown.json', 'JSON of no known kind: not an in-use source']);
  });

  it('keeps duplicate references on different lines: every use has its own origin', async () => {
    const file = join(dir, '..', `${dir.split('/').pop()}-twice.txt`);
    await writeFile(file, `${HOST}/a:1\n${HOST}/a:1\n`);
    const r = await loadInUse([file, file]);
    await rm(file);
    expect(r.uses.map((u) => u.origin.line)).toEqual([1, 2]);
  });
});

describe('loadInUse on a hostile folder', () => {
  it('two links to the folder itself, a FIFO and a .env: ends at once, nothing opened but regular files, no secret echoed, all counted', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'in-use-hostile-'));
    try {
      await writeFile(join(dir, 'images.txt'), `${HOST}/a:1\n`);
      await writeFile(join(dir, '.env'), 'API_TOKEN=s3cr3t-value\nDB=postgres://u:hunter2@h/db\n');
      await symlink('.', join(dir, 'self'));
      await symlink(dir, join(dir, 'again'));
      execFileSync('mkfifo', [join(dir, 'pipe.txt')]);
      const r = await loadInUse([dir]);
      expect(r.fatal).toEqual([]);
      expect(r.uses.map((u) => u.reference.raw)).toEqual([`${HOST}/a:1`]);
      expect(r.problems).toEqual([]);
      const reasons = r.coverage.skipped.map((s) => [s.reason.replace(/: points to .*$/, ''), s.count]);
      expect(reasons).toEqual(expect.arrayContaining([
        ['a symbolic link to a folder that contains it (a loop, not followed)', 2],
        ['a FIFO (named pipe), not a regular file: never opened', 1],
        ['a hidden file that is no known in-use source (not opened)', 1],
      ]));
      expect(JSON.stringify(r)).not.toMatch(/s3cr3t|hunter2/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('quotes at most a short escaped excerpt of a recognised image field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'in-use-quote-'));
    try {
      await writeFile(join(dir, 'images.txt'), `${HOST}/a:1\n${HOST}/Bad:1 \u001b]52;c;${'A'.repeat(200)}\u0007\n`);
      const r = await loadInUse([dir]);
      const found = r.problems.map((p) => p.found ?? '');
      expect(found).toHaveLength(1);
      expect(found[0]!.length).toBeLessThan(80);
      expect(found[0]).not.toMatch(/[\u0000-\u001f\u007f]/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('recentPullUses', () => {
  const DAY = 24 * 60 * 60 * 1000;
  const now = Date.UTC(2026, 10, 22);
  const image = (d: string, lastRecordedPullTime?: number): ImageRecord => ({
    imageDigest: 'sha256:' + d.repeat(64),
    imageTags: [],
    imagePushedAt: 0,
    imageStatus: 'ACTIVE',
    ...(lastRecordedPullTime === undefined ? {} : { lastRecordedPullTime }),
  });

  it('keeps images pulled strictly less than recentPullDays x 24 h ago', () => {
    const uses = recentPullUses(
      [
        { repositoryName: 'web', images: [image('1', now - 30 * DAY), image('2', now - 30 * DAY + 1), image('3')] },
        { repositoryName: 'api', images: [image('4', now - DAY), image('5', now)] },
      ],
      now,
      30,
    );
    expect(uses.map((u) => u.reference.raw)).toEqual([
      'api@sha256:' + '4'.repeat(64),
      'api@sha256:' + '5'.repeat(64),
      'web@sha256:' + '2'.repeat(64),
    ]);
    expect(uses[0]).toEqual({
      reference: { raw: 'api@sha256:' + '4'.repeat(64), isEcr: true, repositoryName: 'api', digest: 'sha256:' + '4'.repeat(64) },
      kind: 'recent-pull',
      origin: { format: 'recent-pull', file: 'api' },
    });
  });
});

describe('expandArgs (Dockerfile variable substitution)', () => {
  const vars = new Map<string, string | undefined>([
    ['A', 'a'],
    ['EMPTY', ''],
    ['UNSET', undefined],
  ]);
  it.each([
    ['$A/x', 'a/x'],
    ['${A}:1', 'a:1'],
    ['${UNSET:-d}', 'd'],
    ['${UNSET-d}', 'd'],
    ['${EMPTY:-d}', 'd'],
    ['${EMPTY-d}', ''],
    ['${A:+alt}', 'alt'],
    ['${UNSET:+alt}', ''],
    ['${UNSET:-${A}}', 'a'],
    ['\\$A', '$A'],
    ['cost$', 'cost$'],
  ])('%s -> %s', (word, expected) => {
    expect(expandArgs(word, vars)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['$UNSET', 'UNSET'],
    ['${NOPE}', 'NOPE'],
    ['${UNSET:-$NOPE}', 'NOPE'],
  ])('%s is unresolved (%s)', (word, missing) => {
    expect(expandArgs(word, vars)).toEqual({ ok: false, missing });
  });
});
