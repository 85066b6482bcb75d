import { readdir, readFile, stat } from 'node:fs/promises';
import { didYouMean } from '../hints.js';
import { join } from 'node:path';
import type { InputProblem } from '../../model/errors.js';
import { compareSources, extractPolicySources, looksEcrRelated, recognise } from './extract.js';
import type { PolicySource, PolicySourcesResult } from './types.js';

// Finding lifecycle policies where they live: files and directory trees. The only I/O here;
// everything else is the pure `extractPolicySources`.

export type { PolicySource, PolicySourceFormat, PolicySourcesResult } from './types.js';
export { extractPolicySources, EXPECTED_SOURCES } from './extract.js';

/** Directories that hold other people's files or tool caches, never the user's policies. */
const SKIPPED_DIRECTORIES = new Set(['node_modules', '.git', '.terraform']);
const CANDIDATE_FILE = /\.(json|ya?ml|template)$/i;

function errorCode(e: unknown): string {
  return (e as NodeJS.ErrnoException | undefined)?.code ?? 'unknown error';
}

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const path = join(dir, e.name);
    // Symbolic links to directories are not followed: no cycles, no escaping the tree.
    if (e.isDirectory()) {
      if (!SKIPPED_DIRECTORIES.has(e.name)) await walk(path, out);
    } else if (CANDIDATE_FILE.test(e.name) && (e.isFile() || (e.isSymbolicLink() && (await stat(path).catch(() => undefined))?.isFile()))) {
      out.push(path);
    }
  }
}

function compareProblems(a: InputProblem, b: InputProblem): number {
  const fa = a.location.file;
  const fb = b.location.file;
  return (fa < fb ? -1 : fa > fb ? 1 : 0) || (a.location.line ?? 0) - (b.location.line ?? 0) || (a.location.column ?? 0) - (b.location.column ?? 0);
}

/**
 * The lifecycle policies in `paths`. A file given explicitly must be a policy source; in a
 * directory, JSON/YAML/.template files that are something else are skipped silently, and only
 * unparseable files that look ECR-related are reported.
 */
export async function discoverPolicySources(paths: string[]): Promise<PolicySourcesResult> {
  const sources: PolicySource[] = [];
  const problems: InputProblem[] = [];
  const explicit = new Set<string>();
  const walked = new Set<string>();
  for (const p of paths) {
    try {
      const s = await stat(p);
      if (s.isDirectory()) {
        const found: string[] = [];
        await walk(p, found);
        for (const f of found) walked.add(f);
      } else {
        explicit.add(p);
      }
    } catch (e) {
      const missing = errorCode(e) === 'ENOENT';
      problems.push({
        location: { file: p },
        code: missing ? 'source/not-found' : 'source/unreadable',
        message: missing ? `no such file or directory${didYouMean(p)}` : `cannot read (${errorCode(e)})`,
      });
    }
  }
  const files = [...new Set([...explicit, ...walked])].sort();
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      problems.push({ location: { file }, code: 'source/unreadable', message: `cannot read (${errorCode(e)})` });
      continue;
    }
    if (explicit.has(file)) {
      const r = extractPolicySources(file, text);
      sources.push(...r.sources);
      problems.push(...r.problems);
      continue;
    }
    const r = recognise(file, text, false);
    if (r.kind === 'recognised') {
      sources.push(...r.result.sources);
      problems.push(...r.result.problems);
    } else if (r.kind === 'invalid' && looksEcrRelated(text)) {
      problems.push(...r.problems);
    }
  }
  return { sources: sources.sort(compareSources), problems: problems.sort(compareProblems) };
}
