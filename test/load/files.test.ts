import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegularFile, readRegularFile, skipProblem, walkTree } from '../../src/load/files.js';

let dir: string;
let socketServer: Server;

// The process may run as root, which reads any file whatever its mode: unreadable files are then
// tested with the effective user switched to nobody (the real user stays root, so it switches back).
async function asUnprivileged<T>(f: () => Promise<T>): Promise<T> {
  if (process.getuid?.() !== 0) return f();
  process.seteuid!(65534);
  try {
    return await f();
  } finally {
    process.seteuid!(0);
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lifeguard-files-'));
  chmodSync(dir, 0o755);
  const tree = join(dir, 'tree');
  mkdirSync(join(tree, 'a', 'b'), { recursive: true });
  mkdirSync(join(tree, '.hidden'));
  mkdirSync(join(dir, 'outside'));
  writeFileSync(join(dir, 'outside', 'secret.txt'), 'outside');
  writeFileSync(join(tree, 'top.txt'), 'top');
  writeFileSync(join(tree, 'a', 'one.txt'), 'one');
  writeFileSync(join(tree, 'a', 'b', 'two.txt'), 'two');
  writeFileSync(join(tree, '.hidden', 'h.txt'), 'h');
  writeFileSync(join(tree, 'big.txt'), 'x'.repeat(5000));
  execFileSync('mkfifo', [join(tree, 'pipe.txt')]);
  symlinkSync('.', join(tree, 'self'));
  symlinkSync('..', join(tree, 'a', 'b', 'up'));
  symlinkSync('../../outside', join(tree, 'a', 'out'));
  symlinkSync(join(dir, 'outside', 'secret.txt'), join(tree, 'secret-link.txt'));
  symlinkSync('/dev/zero', join(tree, 'zero.txt'));
  symlinkSync('top.txt', join(tree, 'alias.txt'));
  symlinkSync('nowhere', join(tree, 'broken.txt'));
  symlinkSync('loop2', join(tree, 'loop1'));
  symlinkSync('loop1', join(tree, 'loop2'));
  writeFileSync(join(tree, 'locked.txt'), 'locked');
  chmodSync(join(tree, 'locked.txt'), 0o000);
  for (const d of [tree, join(tree, 'a'), join(tree, 'a', 'b'), join(tree, '.hidden')]) chmodSync(d, 0o755);
  socketServer = createServer();
  await new Promise<void>((done) => socketServer.listen(join(tree, 'sock.txt'), done));
});

afterAll(async () => {
  await new Promise((done) => socketServer.close(done));
  rmSync(dir, { recursive: true, force: true });
});

describe('readRegularFile', () => {
  it('reads a regular file whole', async () => {
    const r = await readRegularFile(join(dir, 'tree', 'top.txt'));
    expect(r.ok && r.bytes.toString()).toBe('top');
  });

  it('returns at once for a FIFO without a writer, never opening it', async () => {
    const r = await readRegularFile(join(dir, 'tree', 'pipe.txt'));
    expect(r).toMatchObject({ ok: false, reason: 'fifo' });
  });

  it('refuses a device, also through a symbolic link', async () => {
    expect(await readRegularFile('/dev/zero')).toMatchObject({ ok: false, reason: 'device' });
    expect(await readRegularFile(join(dir, 'tree', 'zero.txt'))).toMatchObject({ ok: false, reason: 'device' });
  });

  it('refuses a socket, a directory, a missing file', async () => {
    expect(await readRegularFile(join(dir, 'tree', 'sock.txt'))).toMatchObject({ ok: false, reason: 'socket' });
    expect(await readRegularFile(join(dir, 'tree', 'a'))).toMatchObject({ ok: false, reason: 'directory' });
    expect(await readRegularFile(join(dir, 'tree', 'none.txt'))).toMatchObject({ ok: false, reason: 'not-found' });
  });

  it('refuses a file over maxBytes, by its size and by what it reads', async () => {
    const r = await readRegularFile(join(dir, 'tree', 'big.txt'), { maxBytes: 4999 });
    expect(r).toMatchObject({ ok: false, reason: 'too-large' });
    expect(r.ok ? '' : r.detail).toContain('5000 bytes, more than 4999 bytes');
    const exact = await readRegularFile(join(dir, 'tree', 'big.txt'), { maxBytes: 5000 });
    expect(exact.ok && exact.bytes.length).toBe(5000);
  });

  it('reads a file whose size says 0 (procfs) to its end', async () => {
    const r = await readRegularFile('/proc/self/status');
    expect(r.ok && r.bytes.toString()).toContain('Pid:');
  });

  it('says when permission is denied', async () => {
    const r = await asUnprivileged(() => readRegularFile(join(dir, 'tree', 'locked.txt')));
    expect(r).toMatchObject({ ok: false, reason: 'unreadable' });
    expect(skipProblem(r as Extract<typeof r, { ok: false }>)).toEqual({
      location: { file: join(dir, 'tree', 'locked.txt') },
      code: 'file/unreadable',
      message: 'cannot read the file: permission denied',
      expected: 'a regular file',
    });
  });

  it('does not follow a link at the path with noFollow', async () => {
    const r = await openRegularFile(join(dir, 'tree', 'alias.txt'), { noFollow: true });
    expect(r).toMatchObject({ ok: false, reason: 'link-out-of-tree' });
    const followed = await openRegularFile(join(dir, 'tree', 'alias.txt'));
    expect(followed.ok).toBe(true);
    if (followed.ok) await followed.handle.close();
  });

  it('turns a skip into a located problem with its own code', async () => {
    const r = await readRegularFile(join(dir, 'tree', 'pipe.txt'));
    expect(skipProblem(r as Extract<typeof r, { ok: false }>, 'a JSON file')).toEqual({
      location: { file: join(dir, 'tree', 'pipe.txt') },
      code: 'file/fifo',
      message: 'a FIFO (named pipe), not a regular file: never opened',
      expected: 'a JSON file',
    });
  });
});

describe('walkTree', () => {
  it('lists regular files only, never leaving the tree, and says why it skipped each other entry', async () => {
    const tree = join(dir, 'tree');
    const walk = await asUnprivileged(() => walkTree([tree], { skipDirectory: (name) => name.startsWith('.'), maxBytes: 4096 }));
    expect(walk.files.map((f) => f.relative)).toEqual(['alias.txt', 'a/one.txt', 'a/b/two.txt']);
    expect(walk.files[0]).toEqual({ path: join(tree, 'alias.txt'), relative: 'alias.txt', root: tree, size: 3 });
    const reasons = Object.fromEntries(walk.skipped.map((s) => [s.path.slice(tree.length + 1), s.reason]));
    expect(reasons).toEqual({
      'big.txt': 'too-large',
      'broken.txt': 'broken-link',
      'locked.txt': 'unreadable',
      loop1: 'loop',
      loop2: 'loop',
      'pipe.txt': 'fifo',
      'secret-link.txt': 'link-out-of-tree',
      self: 'loop',
      'sock.txt': 'socket',
      'top.txt': 'duplicate', // read once, through alias.txt (sorted first)
      'zero.txt': 'link-out-of-tree',
      'a/out': 'link-out-of-tree',
      'a/b/up': 'loop',
    });
  });

  it('follows links into another root, and lists a root that is a file', async () => {
    const tree = join(dir, 'tree');
    const walk = await walkTree([join(tree, 'a'), join(dir, 'outside'), join(tree, 'top.txt')], {});
    expect(walk.files.map((f) => f.path)).toEqual([join(tree, 'a', 'one.txt'), join(tree, 'a', 'b', 'two.txt'), join(dir, 'outside', 'secret.txt'), join(tree, 'top.txt')]);
    // a/out points into the second root: a second way to its files, not entered.
    expect(walk.skipped.find((s) => s.path === join(tree, 'a', 'out'))).toMatchObject({ reason: 'duplicate' });
    expect(walk.skipped.find((s) => s.path === join(tree, 'a', 'b', 'up'))).toMatchObject({ reason: 'loop' });
  });

  it('ends quickly on many links to the tree itself (no blow-up, no recursion)', async () => {
    const root = join(dir, 'links');
    mkdirSync(join(root, 'd'), { recursive: true });
    for (let i = 0; i < 20; i++) symlinkSync('..', join(root, 'd', `up${i}`));
    for (let i = 0; i < 20; i++) symlinkSync('.', join(root, `self${i}`));
    writeFileSync(join(root, 'd', 'f'), '');
    const walk = await walkTree([root]);
    expect(walk.files.map((f) => f.relative)).toEqual(['d/f']);
    expect(walk.skipped).toHaveLength(40);
    expect(new Set(walk.skipped.map((s) => s.reason))).toEqual(new Set(['loop']));
  });

  it('bounds depth and file count, and reports what it left', async () => {
    const root = join(dir, 'deep');
    let p = root;
    for (let i = 0; i < 5; i++) p = join(p, `l${i}`);
    mkdirSync(p, { recursive: true });
    for (let i = 0; i < 5; i++) writeFileSync(join(root, `f${i}`), '');
    writeFileSync(join(p, 'bottom'), '');
    const walk = await walkTree([root], { maxDepth: 3, maxFiles: 3 });
    expect(walk.files.map((f) => f.relative)).toEqual(['f0', 'f1', 'f2']);
    expect(walk.skipped.map((s) => [s.path, s.reason, s.detail])).toEqual([
      [join(root, 'l0', 'l1', 'l2', 'l3'), 'too-deep', `folders nested too deep: more than 3 levels below ${root}`],
      [root, 'too-many', 'too many files: 2 more files beyond the first 3 were not read'],
    ]);
  });

  it('reports a missing root and a root that is a FIFO', async () => {
    const walk = await walkTree([join(dir, 'missing'), join(dir, 'tree', 'pipe.txt')]);
    expect(walk.files).toEqual([]);
    expect(walk.skipped.map((s) => s.reason)).toEqual(['not-found', 'fifo']);
  });
});
