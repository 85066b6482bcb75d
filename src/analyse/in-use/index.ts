import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { InputError, UsageError, type InputProblem } from '../../model/errors.js';
import type { InUseReference } from '../../model/in-use.js';
import { compareProblems, compareStrings, compareUses, UseCollector, type InUseParseResult } from './common.js';
import { parseJsonDocument, parseYamlDocuments, type StructuredDocument } from './document.js';
import { collectDockerfile, isDockerfileName, looksLikeDockerfile } from './dockerfile.js';
import { collectEcs } from './ecs.js';
import { collectKubernetes } from './kubernetes.js';
import { collectLambda } from './lambda.js';
import { collectList, looksLikeList } from './list.js';
import { markRollbackTargets } from './rollback.js';

// In-use sources: every file is read on its own, its format detected from its name and content.

export type { InUseParseResult } from './common.js';
export { recentPullUses } from './recent-pull.js';

/** Structured formats, tried in order on each JSON or YAML document. */
const STRUCTURED_FORMATS = [collectLambda, collectEcs, collectKubernetes];

const UNRECOGNISED_EXPECTED =
  'a plain list of image references, Kubernetes manifests or `kubectl get -o json` output, ECS describe-task-definition or registration JSON, Lambda get-function output, or a Dockerfile';

/** Parses one in-use file already in memory (pure). Uses and problems are sorted. */
export function parseInUseText(file: string, raw: string): InUseParseResult {
  const out = new UseCollector();
  const name = basename(file);
  const ext = extname(name).toLowerCase();
  // A byte order mark (Windows editors, PowerShell redirection) is not part of any format, nor a column.
  const text = raw.replace(/^\uFEFF/, '');
  const firstChar = /\S/.exec(text)?.[0];

  if (text.includes('\u0000')) {
    unrecognised(out, file, 'binary content');
  } else if (isDockerfileName(name)) {
    collectDockerfile(file, text, out);
  } else if (ext === '.json' || firstChar === '{' || firstChar === '[') {
    const doc = parseJsonDocument(file, text, out);
    if (doc && !collectStructured(doc, out)) unrecognised(out, file, describeDocument(doc.value));
  } else if (looksLikeDockerfile(text)) {
    collectDockerfile(file, text, out);
  } else if (ext === '.yaml' || ext === '.yml' || looksLikeKubernetesYaml(text)) {
    collectYaml(file, text, out);
  } else if (ext === '.txt' || ext === '.list' || looksLikeList(text)) {
    collectList(file, text, out);
  } else {
    unrecognised(out, file, 'text that is not one reference per line');
  }

  markRollbackTargets(name, out.uses);
  return {
    uses: out.uses.sort(compareUses),
    problems: out.problems.sort(compareProblems),
    otherRegistryCount: out.otherRegistryCount,
  };
}

function collectStructured(doc: StructuredDocument, out: UseCollector): boolean {
  return STRUCTURED_FORMATS.some((collect) => collect(doc, out));
}

/** Every non-empty document must be recognised; documents of other Kubernetes kinds are (and are ignored). */
function collectYaml(file: string, text: string, out: UseCollector): void {
  const before = out.problems.length;
  const docs = parseYamlDocuments(file, text, out);
  if (out.problems.length > before) return;
  for (const doc of docs) {
    if (collectStructured(doc, out)) continue;
    out.problem({ file, ...doc.start }, 'in-use/unrecognised-format', 'YAML document is not a Kubernetes object, ECS task definition or Lambda function', {
      found: describeDocument(doc.value),
      expected: 'a document with apiVersion and kind',
    });
  }
}

function looksLikeKubernetesYaml(text: string): boolean {
  return /^(?:---|apiVersion:|kind:)/m.test(text);
}

function describeDocument(value: unknown): string {
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return keys.length === 0 ? 'an empty object' : `an object with keys ${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ', ...' : ''}`;
  }
  return JSON.stringify(value) ?? String(value);
}

function unrecognised(out: UseCollector, file: string, found: string): void {
  out.problem({ file }, 'in-use/unrecognised-format', 'not a recognised in-use source', { found, expected: UNRECOGNISED_EXPECTED });
}

/** Directories are read recursively in name order; these are never inputs. */
const SKIPPED_DIRECTORIES = new Set(['.git', 'node_modules']);

/** Lists the files under `path` (itself when it is a file), sorted; unreadable paths become problems. */
async function listFiles(path: string, problems: InputProblem[]): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch (e) {
    problems.push(unreadable(path, e));
    return [];
  }
  if (!info.isDirectory()) return [path];
  let entries;
  try {
    entries = await readdir(path, { withFileTypes: true });
  } catch (e) {
    problems.push(unreadable(path, e));
    return [];
  }
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => compareStrings(a.name, b.name))) {
    if (entry.isDirectory() && SKIPPED_DIRECTORIES.has(entry.name)) continue;
    // Documentation next to the inputs is not an input.
    if (!entry.isDirectory() && /\.md$/i.test(entry.name)) continue;
    files.push(...(await listFiles(join(path, entry.name), problems)));
  }
  return files;
}

function unreadable(file: string, e: unknown): InputProblem {
  const code = (e as NodeJS.ErrnoException).code;
  const reason = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
  return { location: { file }, code: 'in-use/unreadable', message: `cannot read in-use source: ${reason}` };
}

/**
 * Reads in-use sources (files or directories). Problems are returned, not thrown: the caller decides
 * (and throws InputError). References to other registries are counted, not kept.
 */
export async function loadInUse(paths: string[]): Promise<InUseParseResult> {
  const problems: InputProblem[] = [];
  const files: string[] = [];
  // A file named twice (a path and a directory holding it) is read once: each use has one origin.
  const seen = new Set<string>();
  for (const path of paths) {
    for (const file of await listFiles(path, problems)) {
      const key = resolve(file);
      if (seen.has(key)) continue;
      seen.add(key);
      files.push(file);
    }
  }
  const result: InUseParseResult = { uses: [], problems, otherRegistryCount: 0 };
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      problems.push(unreadable(file, e));
      continue;
    }
    const parsed = parseInUseText(file, text);
    result.uses.push(...parsed.uses);
    problems.push(...parsed.problems);
    result.otherRegistryCount += parsed.otherRegistryCount;
  }
  result.uses.sort(compareUses);
  problems.sort(compareProblems);
  return result;
}

/** Images pulled within this many days count as probably in use unless --recent-pull-days says otherwise. */
export const DEFAULT_RECENT_PULL_DAYS = 30;

/** Loads --in-use sources. An unresolvable Dockerfile ARG is a warning; any other problem stops (exit 2). */
export async function loadDeclaredUses(paths: readonly string[] | undefined, warn: (problem: InputProblem) => void): Promise<InUseReference[]> {
  return (await loadDeclaredUseSources(paths, warn)).uses;
}

/** As loadDeclaredUses, with the number of references that name registries other than ECR (counted, not kept). */
export async function loadDeclaredUseSources(paths: readonly string[] | undefined, warn: (problem: InputProblem) => void): Promise<{ uses: InUseReference[]; notEcr: number }> {
  if (!paths || paths.length === 0) return { uses: [], notEcr: 0 };
  const { uses, problems, otherRegistryCount } = await loadInUse([...paths]);
  const fatal = problems.filter((p) => p.code !== 'in-use/unresolved-arg');
  if (fatal.length > 0) throw new InputError(fatal);
  problems.filter((p) => p.code === 'in-use/unresolved-arg').forEach(warn);
  return { uses, notEcr: otherRegistryCount };
}

export function recentPullDaysOf(value: number | undefined): number {
  if (value === undefined) return DEFAULT_RECENT_PULL_DAYS;
  if (!Number.isInteger(value) || value < 0) throw new UsageError(`--recent-pull-days must be a whole number of days, 0 or more; found ${String(value)}`);
  return value;
}

