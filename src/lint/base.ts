import { execFile } from 'node:child_process';
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { InputError, UsageError, type InputProblem } from '../model/errors.js';
import { discoverPolicySources, extractPolicySources, type PolicySource } from '../load/sources/index.js';

// `--base FILE` or `--base REV`: the policies to compare with. A revision reads the same files as
// they were at that revision (`git show REV:<path>`), run without a shell.

const run = promisify(execFile);

export interface BaseSources {
  label: string;
  mode: 'file' | 'revision';
  sources: PolicySource[];
  /** Revision mode: base file label (`REV:path`) -> the linted file it is an earlier version of. */
  linkedFile: Map<string, string>;
}

async function git(cwd: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout } = await run('git', args, { cwd, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' });
    return stdout;
  } catch {
    return undefined;
  }
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

/** `base` is a file (relative to `cwd`) when one exists, else a git revision. */
export async function loadBaseSources(base: string, next: readonly PolicySource[], cwd: string): Promise<BaseSources> {
  const asFile = resolve(cwd, base);
  if (await isFile(asFile)) {
    const shown = isAbsolute(base) ? base : relative(process.cwd(), asFile);
    const r = await discoverPolicySources([shown]);
    if (r.problems.length > 0) throw new InputError(r.problems);
    return { label: shown, mode: 'file', sources: r.sources, linkedFile: new Map() };
  }
  const sources: PolicySource[] = [];
  const problems: InputProblem[] = [];
  const linkedFile = new Map<string, string>();
  const files = [...new Set(next.map((s) => s.file))].sort();
  let verified = files.length === 0 ? (await git(cwd, ['rev-parse', '--verify', '--quiet', `${base}^{commit}`])) !== undefined : false;
  for (const file of files) {
    const real = await realpath(file);
    const top = (await git(dirname(real), ['rev-parse', '--show-toplevel']))?.trim();
    if (top === undefined) throw new UsageError(`--base "${base}" is not a file, and ${file} is not in a git repository (a revision needs one)`);
    if ((await git(top, ['rev-parse', '--verify', '--quiet', `${base}^{commit}`])) === undefined) continue;
    verified = true;
    const path = relative(await realpath(top), real).split(sep).join('/');
    const text = await git(top, ['show', `${base}:${path}`]);
    // The file did not exist at that revision: every policy in it is new.
    if (text === undefined) continue;
    linkedFile.set(`${base}:${path}`, file);
    const r = extractPolicySources(`${base}:${path}`, text);
    // A plain policy file is named after the file; `REV:file` at the repository root has no `/` to cut at.
    sources.push(...r.sources.map((s) => (s.name === basename(s.file) ? { ...s, name: basename(path) } : s)));
    problems.push(...r.problems);
  }
  if (!verified) throw new UsageError(`--base "${base}" is neither a file nor a git revision of the repository holding the linted files`);
  if (problems.length > 0) throw new InputError(problems);
  return { label: base, mode: 'revision', sources, linkedFile };
}

export interface SourcePair<T> {
  base?: T;
  next?: T;
}

/**
 * Pairs base and new policies. A revision: same file, same name. A file: the only policy of each
 * side, else by name, then by repository name.
 */
export function pairSources<T extends { source: PolicySource }>(base: BaseSources, baseLinted: readonly T[], next: readonly T[]): SourcePair<T>[] {
  const remaining = [...baseLinted];
  const takeWhere = (pred: (b: T) => boolean): T | undefined => {
    const i = remaining.findIndex(pred);
    return i < 0 ? undefined : remaining.splice(i, 1)[0];
  };
  if (base.mode === 'file' && baseLinted.length === 1 && next.length === 1) return [{ base: baseLinted[0]!, next: next[0]! }];
  const pairs: SourcePair<T>[] = [];
  for (const n of next) {
    const s = n.source;
    const b = base.mode === 'revision'
      ? takeWhere((x) => base.linkedFile.get(x.source.file) === s.file && x.source.name === s.name)
      : takeWhere((x) => x.source.name === s.name) ?? takeWhere((x) => s.repositoryName !== undefined && x.source.repositoryName === s.repositoryName);
    pairs.push(b ? { base: b, next: n } : { next: n });
  }
  for (const b of remaining) pairs.push({ base: b });
  return pairs;
}
