import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { lstat, open, readdir, realpath, stat, type FileHandle } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { InputProblem } from '../model/errors.js';
import { didYouMean } from './hints.js';

// The one place input files are opened. Only regular files are ever opened for reading: a FIFO
// blocks open() and read() until a writer comes (forever, and no signal handler runs meanwhile in a
// thread-pool wait), a device such as /dev/zero or /dev/urandom never ends, a socket cannot be read.
// Every file or folder that is not read comes back with the reason, so that callers report coverage.

/** Why a file or folder was not read. */
export type SkipReason =
  | 'link-out-of-tree' // a symbolic link whose target lies outside every root of the walk
  | 'broken-link' // a symbolic link whose target does not exist
  | 'loop' // a folder that is its own ancestor (through a link)
  | 'duplicate' // a folder or file already listed under another path (through a link)
  | 'fifo'
  | 'device' // character or block device
  | 'socket'
  | 'directory' // a folder where a file was asked for
  | 'not-found'
  | 'unreadable' // permission denied or another I/O error
  | 'too-large'
  | 'too-deep' // folders nested beyond the walk's depth limit
  | 'too-many'; // beyond the walk's file count limit

export interface Skipped {
  path: string;
  reason: SkipReason;
  /** Words for a report, e.g. the OS error or the size. */
  detail: string;
}

const REASON_WORDS: Record<SkipReason, string> = {
  'link-out-of-tree': 'a symbolic link out of the tree (not followed)',
  'broken-link': 'a symbolic link to nothing',
  loop: 'a symbolic link to a folder that contains it (a loop, not followed)',
  duplicate: 'already read under another path (a symbolic link)',
  fifo: 'a FIFO (named pipe), not a regular file: never opened',
  device: 'a device, not a regular file: never opened',
  socket: 'a socket, not a regular file: never opened',
  directory: 'a directory, not a file',
  'not-found': 'no such file',
  unreadable: 'cannot be read',
  'too-large': 'too large',
  'too-deep': 'folders nested too deep',
  'too-many': 'too many files',
};

function skipped(path: string, reason: SkipReason, extra?: string): Skipped {
  return { path, reason, detail: extra ? `${REASON_WORDS[reason]}: ${extra}` : REASON_WORDS[reason] };
}

/** The reason a file of this type is not read, or undefined for a regular file. */
function typeReason(st: Stats): SkipReason | undefined {
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return 'directory';
  if (st.isFIFO()) return 'fifo';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'device';
  if (st.isSocket()) return 'socket';
  return 'unreadable';
}

function errorReason(e: unknown): SkipReason {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR' ? 'not-found' : code === 'EISDIR' ? 'directory' : code === 'ELOOP' ? 'loop' : 'unreadable';
}

function errorWords(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code ?? (e as Error).message;
}

function fromError(path: string, e: unknown): Skipped {
  const reason = errorReason(e);
  return skipped(path, reason, reason === 'unreadable' ? errorWords(e) : undefined);
}

function megabytes(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${n} bytes`;
}

export interface OpenOptions {
  /** Refuse a file larger than this many bytes ('too-large'). */
  maxBytes?: number;
  /** Do not follow a symbolic link at `path` itself (for paths found by a walk, or written by us). */
  noFollow?: boolean;
}

export type Opened = { ok: true; path: string; handle: FileHandle; size: number } | ({ ok: false } & Skipped);

// O_NONBLOCK: should the file turn into a FIFO between the stat and the open, open() still returns at
// once (a FIFO opened for reading without a writer blocks otherwise), and fstat then refuses it.
// O_NOCTTY: a terminal device never becomes our controlling terminal. Neither exists on Windows.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

/**
 * Opens `path` for reading if and only if it is a regular file (following a symbolic link unless
 * `noFollow`); otherwise says why not. The caller closes the handle.
 */
export async function openRegularFile(path: string, options: OpenOptions = {}): Promise<Opened> {
  let before: Stats;
  try {
    before = options.noFollow ? await lstat(path) : await stat(path);
  } catch (e) {
    return { ok: false, ...fromError(path, e) };
  }
  if (before.isSymbolicLink()) return { ok: false, ...skipped(path, 'link-out-of-tree', 'symbolic links are not followed here') };
  const kind = typeReason(before);
  if (kind) return { ok: false, ...skipped(path, kind) };
  let handle: FileHandle;
  try {
    handle = await open(path, OPEN_FLAGS | (options.noFollow ? (constants.O_NOFOLLOW ?? 0) : 0));
  } catch (e) {
    return { ok: false, ...fromError(path, e) };
  }
  try {
    const st = await handle.stat();
    const now = typeReason(st);
    // Replaced between the stat and the open: judged by what was opened.
    if (now) throw skipped(path, now);
    if (options.maxBytes !== undefined && st.size > options.maxBytes) {
      throw skipped(path, 'too-large', `${megabytes(st.size)}, more than ${megabytes(options.maxBytes)}`);
    }
    return { ok: true, path, handle, size: st.size };
  } catch (e) {
    await handle.close().catch(() => undefined);
    if ((e as Skipped).reason !== undefined && (e as Skipped).path === path) return { ok: false, ...(e as Skipped) };
    return { ok: false, ...fromError(path, e) };
  }
}

export type ReadFile = { ok: true; path: string; bytes: Buffer } | ({ ok: false } & Skipped);

/**
 * Reads a whole regular file (see openRegularFile). A file that grows past `maxBytes` while it is
 * read is 'too-large' too: reading stops one byte past the limit, so nothing unbounded is held.
 */
export async function readRegularFile(path: string, options: OpenOptions = {}): Promise<ReadFile> {
  const opened = await openRegularFile(path, options);
  if (!opened.ok) return opened;
  const { handle } = opened;
  const limit = options.maxBytes ?? Number.MAX_SAFE_INTEGER;
  try {
    // fstat's size is a hint (files in /proc say 0): read until the end, bounded by the limit.
    const chunks: Buffer[] = [];
    let total = 0;
    let size = Math.min(Math.max(opened.size, 64 * 1024), limit + 1);
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(size, limit + 1 - total));
      if (buf.length === 0) break;
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      chunks.push(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
      total += bytesRead;
      if (total > limit) return { ok: false, ...skipped(path, 'too-large', `more than ${megabytes(limit)}`) };
      size = Math.max(64 * 1024, Math.min(size, 16 << 20));
    }
    return { ok: true, path, bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total) };
  } catch (e) {
    return { ok: false, ...fromError(path, e) };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** readRegularFile, synchronously (for error paths that need a file's text again, e.g. positions). */
export function readRegularFileSync(path: string, options: { maxBytes?: number } = {}): ReadFile {
  let fd: number;
  try {
    const kind = typeReason(statSync(path));
    if (kind) return { ok: false, ...skipped(path, kind) };
    fd = openSync(path, OPEN_FLAGS);
  } catch (e) {
    return { ok: false, ...fromError(path, e) };
  }
  const limit = options.maxBytes ?? Number.MAX_SAFE_INTEGER;
  try {
    const st = fstatSync(fd);
    const kind = typeReason(st);
    if (kind) return { ok: false, ...skipped(path, kind) };
    if (st.size > limit) return { ok: false, ...skipped(path, 'too-large', `${megabytes(st.size)}, more than ${megabytes(limit)}`) };
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(Math.max(st.size, 64 * 1024), 16 << 20, limit + 1 - total));
      if (buf.length === 0) break;
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
      if (total > limit) return { ok: false, ...skipped(path, 'too-large', `more than ${megabytes(limit)}`) };
    }
    return { ok: true, path, bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total) };
  } catch (e) {
    return { ok: false, ...fromError(path, e) };
  } finally {
    closeSync(fd);
  }
}

/** A file that was not read, as a located input problem (code `file/<reason>`; `file/unreadable` for I/O errors). */
export function skipProblem(s: Skipped, expected = 'a regular file'): InputProblem {
  const code = s.reason === 'unreadable' || s.reason === 'not-found' || s.reason === 'directory' ? 'file/unreadable' : `file/${s.reason}`;
  const message =
    s.reason === 'not-found'
      ? `cannot read the file: no such file${didYouMean(s.path)}`
      : s.reason === 'directory'
        ? 'it is a directory'
        : s.reason === 'unreadable'
          ? `cannot read the file: ${s.detail.slice(REASON_WORDS.unreadable.length + 2) || 'I/O error'}`
          : s.detail;
  return { location: { file: s.path }, code, message, expected };
}

// ---------------------------------------------------------------------------------------------------
// Walking a tree

export interface TreeFile {
  /** The path as the walk reached it: the root joined with the names below it. */
  path: string;
  /** Relative to its root, with `/` separators ('' when the root itself is a file). */
  relative: string;
  root: string;
  size: number;
}

export interface WalkOptions {
  /** Folders not entered (e.g. hidden folders, node_modules); they are not reported as skipped. */
  skipDirectory?: (name: string, relative: string) => boolean;
  /** Files listed; the others are ignored without a report (they are not candidates). */
  include?: (name: string, relative: string) => boolean;
  /** Files larger than this are skipped as 'too-large'. */
  maxBytes?: number;
  /** Folders deeper than this below a root are skipped as 'too-deep' (default 64). */
  maxDepth?: number;
  /** Files beyond this count are skipped, one 'too-many' entry says how many (default 100,000). */
  maxFiles?: number;
}

export interface Walk {
  /** Regular, readable files, in walk order: each root in turn, a folder's files then its subfolders, names sorted by code unit. */
  files: TreeFile[];
  /** Everything not listed, with the reason. */
  skipped: Skipped[];
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function inside(real: string, roots: readonly string[]): boolean {
  return roots.some((r) => real === r || real.startsWith(r.endsWith(sep) ? r : r + sep));
}

/**
 * Lists the regular files under `roots` (folders or files). A symbolic link out of every root (by real
 * path) is never followed; a link to a folder inside the tree is not entered either ('loop' when the
 * folder contains the link, 'duplicate' otherwise: it is walked under its own path); a link to a file
 * inside the tree is listed unless that file already was (by device and inode).
 * FIFOs, devices and sockets are never opened, and files the process may not read are skipped: the
 * caller opens the listed files with readRegularFile, which checks again. No recursion: the walk
 * keeps its own stack, so deep trees cannot exhaust the call stack.
 */
export async function walkTree(roots: readonly string[], options: WalkOptions = {}): Promise<Walk> {
  const { skipDirectory, include, maxBytes, maxDepth = 64, maxFiles = 100_000 } = options;
  const files: TreeFile[] = [];
  const skips: Skipped[] = [];
  const realRoots: string[] = [];
  for (const root of roots) {
    const real = await realpath(root).catch(() => undefined);
    if (real !== undefined) realRoots.push(real);
  }
  const seenDirs = new Set<string>();
  const seenFiles = new Set<string>();
  let tooMany = 0;
  const key = (st: Stats): string => `${st.dev}:${st.ino}`;

  const addFile = async (path: string, root: string, rel: string, st: Stats): Promise<void> => {
    if (seenFiles.has(key(st))) {
      skips.push(skipped(path, 'duplicate'));
      return;
    }
    if (maxBytes !== undefined && st.size > maxBytes) {
      skips.push(skipped(path, 'too-large', `${megabytes(st.size)}, more than ${megabytes(maxBytes)}`));
      return;
    }
    // Opened and closed (not access(), which judges by the real user, not the effective one): the file
    // was found regular by lstat, and O_NONBLOCK keeps even a file swapped for a FIFO since from blocking.
    const denied = await open(path, OPEN_FLAGS).then(
      (h) => h.close().then(() => undefined),
      (e: unknown) => e,
    );
    if (denied !== undefined) {
      skips.push(fromError(path, denied));
      return;
    }
    if (files.length >= maxFiles) {
      tooMany++;
      return;
    }
    seenFiles.add(key(st));
    files.push({ path, relative: rel, root, size: st.size });
  };

  for (const root of roots) {
    let rootStat: Stats;
    try {
      rootStat = await stat(root);
    } catch (e) {
      skips.push(fromError(root, e));
      continue;
    }
    if (!rootStat.isDirectory()) {
      const kind = typeReason(rootStat);
      if (kind) skips.push(skipped(root, kind));
      else await addFile(root, root, '', rootStat);
      continue;
    }
    // Each frame: a folder to list, with the keys of the folders above it (to tell a loop from a duplicate).
    const stack: Array<{ path: string; rel: string; depth: number; ancestors: ReadonlySet<string> }> = [];
    seenDirs.add(key(rootStat));
    stack.push({ path: root, rel: '', depth: 0, ancestors: new Set([key(rootStat)]) });
    while (stack.length > 0) {
      const dir = stack.pop()!;
      let names: string[];
      try {
        names = (await readdir(dir.path)).sort(byName);
      } catch (e) {
        skips.push(fromError(dir.path, e));
        continue;
      }
      const subdirs: typeof stack = [];
      for (const name of names) {
        const path = join(dir.path, name);
        const rel = dir.rel === '' ? name : `${dir.rel}/${name}`;
        let st: Stats;
        try {
          st = await lstat(path);
        } catch (e) {
          skips.push(fromError(path, e));
          continue;
        }
        if (st.isSymbolicLink()) {
          const real = await realpath(path).catch((e: unknown) => e as NodeJS.ErrnoException);
          if (typeof real !== 'string') {
            // ELOOP: a chain of links that never ends; ENOENT: a link to nothing.
            if (real.code === 'ELOOP') skips.push(skipped(path, 'loop'));
            else if (real.code === 'ENOENT') skips.push(skipped(path, 'broken-link'));
            else skips.push(fromError(path, real));
            continue;
          }
          if (!inside(real, realRoots)) {
            if (!st.isDirectory() && include && !include(name, rel)) continue;
            skips.push(skipped(path, 'link-out-of-tree', `points to ${real}`));
            continue;
          }
          try {
            st = await stat(path);
          } catch (e) {
            skips.push(fromError(path, e));
            continue;
          }
          if (st.isDirectory()) {
            // A folder inside the tree is walked under its own path: a link to it is a loop (it contains
            // the link) or a second way to the same files, never entered.
            if (skipDirectory?.(name, rel)) continue;
            if (dir.ancestors.has(key(st))) skips.push(skipped(path, 'loop', `points to ${real}`));
            else skips.push(skipped(path, 'duplicate', `points to ${real}, read under that path`));
            continue;
          }
        }
        if (st.isDirectory()) {
          if (skipDirectory?.(name, rel)) continue;
          const k = key(st);
          // Bind mounts can show a folder twice without any link.
          if (dir.ancestors.has(k)) skips.push(skipped(path, 'loop'));
          else if (seenDirs.has(k)) skips.push(skipped(path, 'duplicate'));
          else if (dir.depth + 1 > maxDepth) skips.push(skipped(path, 'too-deep', `more than ${maxDepth} levels below ${root}`));
          else {
            seenDirs.add(k);
            subdirs.push({ path, rel, depth: dir.depth + 1, ancestors: new Set([...dir.ancestors, k]) });
          }
          continue;
        }
        if (include && !include(name, rel)) continue;
        const kind = typeReason(st);
        if (kind) skips.push(skipped(path, kind));
        else await addFile(path, root, rel, st);
      }
      // Reversed onto the stack, so that folders are walked in name order.
      for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]!);
    }
  }
  if (tooMany > 0) skips.push(skipped(resolve(roots[0] ?? '.'), 'too-many', `${tooMany} more files beyond the first ${maxFiles} were not read`));
  return { files, skipped: skips };
}

/** The path of `file` relative to the current folder when it is below it (for messages). */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel !== '' && !rel.startsWith('..') ? rel : file;
}
