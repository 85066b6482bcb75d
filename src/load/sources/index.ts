import { stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { didYouMean } from '../hints.js';
import type { InputProblem } from '../../model/errors.js';
import { readRegularFile, readRegularFileSync, walkTree, type Skipped } from '../files.js';
import { compareSources, extractPolicySources, looksEcrRelated, looksTemplated, recognise, templateProblem } from './extract.js';
import type { PolicySource, PolicySourcesResult, SkippedFile, SourceCoverage } from './types.js';

// Finding lifecycle policies where they live: files and directory trees, read whole like ESLint
// does. The only I/O of the policy sources; everything else is pure. Every file met is counted in
// the coverage: read, or skipped with the reason.

export type { PolicySource, PolicySourceFormat, PolicySourcesResult, SkippedFile, SourceCoverage } from './types.js';
export { extractPolicySources, EXPECTED_SOURCES } from './extract.js';

/** Directories that hold other people's files or tool caches, never the user's policies. */
const SKIPPED_DIRECTORIES = new Set(['node_modules', '.git', '.terraform']);
const CANDIDATE_FILE = /\.(json|ya?ml|template|tf|tfstate)$/i;
/** Terraform configuration: read per module directory with the HCL layer. */
const TERRAFORM_CONFIG = /\.tf(\.json)?$/i;
/** Program source that may define policies in code (CDK, Pulumi): never parsed, pointed at its synthesized output. */
const PROGRAM_SOURCE = /\.(ts|tsx|js|mjs|py|go|java|cs)$/i;
const PROGRAM_MENTIONS_POLICY = /LifecyclePolicy|lifecycleRules|lifecycle_policy|lifecycle_rules|aws\.ecr\.|aws_ecr/;
const PROGRAM_HINT = 'program source (CDK, Pulumi): not read; lint the synthesized template instead (`cdk synth`, then lint cdk.out)';
/** Larger files are skipped as too large (a `terraform show -json` of a big plan stays well below). */
export const MAX_SOURCE_BYTES = 64 * 1024 * 1024;
/** Terraform's own file limit for `file()`: anything a policy could come from is far smaller. */
const MAX_TERRAFORM_FILE_BYTES = 1024 * 1024;

/** Stdin's name in findings and coverage. */
export const STDIN = '-';

function compareProblems(a: InputProblem, b: InputProblem): number {
  const fa = a.location.file;
  const fb = b.location.file;
  return (fa < fb ? -1 : fa > fb ? 1 : 0) || (a.location.line ?? 0) - (b.location.line ?? 0) || (a.location.column ?? 0) - (b.location.column ?? 0);
}

/** HCL rather than JSON or YAML (for standard input, which has no file name). */
function looksLikeHcl(text: string): boolean {
  return /^\s*(resource|module|locals|variable|terraform|provider|data|output)\b[^\n]*\{\s*$/m.test(text);
}

function skipReasonOf(s: Skipped): SkippedFile['reason'] {
  switch (s.reason) {
    case 'too-large':
    case 'too-many':
    case 'too-deep':
      return 'too-large';
    case 'fifo':
    case 'device':
    case 'socket':
      return 'not-regular';
    case 'link-out-of-tree':
    case 'broken-link':
    case 'loop':
    case 'duplicate':
      return 'link';
    default:
      return 'unreadable';
  }
}

interface Collected {
  sources: PolicySource[];
  planChanges: NonNullable<PolicySourcesResult['planChanges']>;
  problems: InputProblem[];
  skipped: SkippedFile[];
  examined: number;
}

/**
 * Reads one non-Terraform file. `explicit`: named by the user, so it must be a policy source; in a
 * walk, other files are skipped (counted), and a file that cannot be parsed is a problem only when
 * it looks ECR-related.
 */
function readOne(file: string, text: string, explicit: boolean, out: Collected): void {
  out.examined++;
  if (explicit) {
    const r = extractPolicySources(file, text);
    out.sources.push(...r.sources);
    out.planChanges.push(...(r.planChanges ?? []));
    out.problems.push(...r.problems);
    return;
  }
  if (looksTemplated(text)) {
    if (looksEcrRelated(text)) out.problems.push(templateProblem(file, text));
    else out.skipped.push({ file, reason: 'template', detail: 'a template ({{ }} or {% %}): lint its rendered output' });
    return;
  }
  const r = recognise(file, text, false);
  if (r.kind === 'recognised') {
    out.sources.push(...r.result.sources);
    out.planChanges.push(...(r.result.planChanges ?? []));
    out.problems.push(...r.result.problems);
  } else if (r.kind === 'invalid') {
    if (looksEcrRelated(text)) out.problems.push(r.problems[0]!);
    else out.skipped.push({ file, reason: 'not-parsed', detail: `cannot be parsed: ${r.problems[0]?.message ?? 'syntax error'}` });
  } else {
    out.skipped.push({ file, reason: 'not-a-policy-source', detail: 'not a policy source' });
  }
}

/** file() and templatefile(): regular files inside the current directory's tree only (nothing from outside reaches a report). */
function terraformFileReader(cwd: string) {
  const root = resolve(cwd);
  return (path: string, moduleDir: string): { file: string; text: string } | { error: string } => {
    const full = resolve(moduleDir, path);
    if (full !== root && !full.startsWith(root.endsWith(sep) ? root : root + sep)) return { error: 'outside the linted folder, not read' };
    const r = readRegularFileSync(full, { maxBytes: MAX_TERRAFORM_FILE_BYTES });
    if (!r.ok) return { error: r.detail };
    return { file: join(moduleDir, path), text: stripBom(r.bytes.toString('utf8')) };
  };
}

function stripBom(text: string): string {
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

/** Terraform modules: every `.tf`/`.tf.json` of each directory, policies reported from the files asked for. */
async function readTerraform(asked: Map<string, string>, out: Collected, cwd: string): Promise<void> {
  if (asked.size === 0) return;
  const [{ loadHcl }, { terraformModuleSources }] = await Promise.all([import('../hcl/index.js'), import('./terraform-hcl.js')]);
  const hcl = await loadHcl();
  const dirs = [...new Set([...asked.keys()].map((f) => dirname(f)))].sort();
  for (const dir of dirs) {
    const files = new Map<string, string>();
    // Siblings share locals and variables: read them too (not reported, not counted twice).
    // Standard input is a module of its own.
    const walk = asked.has(STDIN) && dirname(STDIN) === dir ? { files: [] } : await walkTree([dir], { include: (name) => TERRAFORM_CONFIG.test(name), skipDirectory: () => true, maxBytes: MAX_TERRAFORM_FILE_BYTES });
    for (const f of walk.files) {
      const path = f.path;
      if (dirname(path) !== dir || asked.has(path)) continue;
      const r = await readRegularFile(f.path, { maxBytes: MAX_TERRAFORM_FILE_BYTES });
      if (r.ok) files.set(path, stripBom(r.bytes.toString('utf8')));
    }
    const report = new Set<string>();
    for (const [f, text] of asked) {
      if (dirname(f) !== dir) continue;
      files.set(f, text);
      report.add(f);
      out.examined++;
    }
    const list = [...files].sort(([a], [b]) => (a < b ? -1 : 1)).map(([file, text]) => ({ file, text }));
    const r = terraformModuleSources(hcl, dir, list, terraformFileReader(cwd), report);
    out.sources.push(...r.sources);
    out.problems.push(...r.problems);
  }
}

function coverageOf(out: Collected): SourceCoverage {
  return sourceCoverage(out.examined, out.sources, out.skipped);
}

/** What a lint read: files examined, policies found per source kind, files skipped (sorted), for every report format. */
export function sourceCoverage(examined: number, sources: readonly PolicySource[], skipped: readonly SkippedFile[] = []): SourceCoverage {
  const policies: Record<string, number> = {};
  for (const s of sources) policies[s.format] = (policies[s.format] ?? 0) + 1;
  return { filesExamined: examined, policies, skipped: [...skipped].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)) };
}

/**
 * The lifecycle policies in `paths` (files, directories, or `-` for standard input, whose text is
 * `stdin`). A file given explicitly must be a policy source; in a directory, files that are
 * something else are skipped and counted. Problems are located: a path that does not exist
 * (source/not-found), files that cannot be parsed or read, templates, policies ECR would reject
 * before reading them.
 */
export async function discoverPolicySources(paths: string[], options: { stdin?: () => Promise<string>; cwd?: string } = {}): Promise<PolicySourcesResult> {
  const out: Collected = { sources: [], planChanges: [], problems: [], skipped: [], examined: 0 };
  const explicit = new Set<string>();
  const roots: string[] = [];
  for (const p of paths) {
    if (p === STDIN) continue;
    const s = await stat(p).catch((e: unknown) => e as NodeJS.ErrnoException);
    if (s instanceof Error) {
      const missing = s.code === 'ENOENT' || s.code === 'ENOTDIR';
      out.problems.push({ location: { file: p }, code: missing ? 'source/not-found' : 'source/unreadable', message: missing ? `no such file or directory${didYouMean(p)}` : `cannot read (${s.code ?? 'unknown error'})` });
    } else if (s.isDirectory()) {
      roots.push(p);
    } else {
      explicit.add(p);
    }
  }
  const terraform = new Map<string, string>();
  const read = async (file: string, isExplicit: boolean): Promise<void> => {
    const r = await readRegularFile(file, { maxBytes: MAX_SOURCE_BYTES });
    if (!r.ok) {
      if (isExplicit) out.problems.push({ location: { file }, code: 'source/unreadable', message: r.detail });
      else out.skipped.push({ file, reason: skipReasonOf(r), detail: r.detail });
      return;
    }
    const text = stripBom(r.bytes.toString('utf8'));
    if (TERRAFORM_CONFIG.test(file)) terraform.set(file, text);
    else readOne(file, text, isExplicit, out);
  };
  if (paths.includes(STDIN) && options.stdin) {
    const text = stripBom(await options.stdin());
    // HCL often parses as YAML (one long plain scalar): Terraform's block shape decides first.
    if (looksLikeHcl(text) && recognise(STDIN, text, true).kind !== 'recognised') terraform.set(STDIN, text);
    else readOne(STDIN, text, true, out);
  }
  for (const file of [...explicit].sort()) {
    if (PROGRAM_SOURCE.test(file) && !CANDIDATE_FILE.test(file)) {
      out.skipped.push({ file, reason: 'program-source', detail: PROGRAM_HINT });
      continue;
    }
    await read(file, true);
  }
  if (roots.length > 0) {
    const walk = await walkTree(roots, {
      skipDirectory: (name) => SKIPPED_DIRECTORIES.has(name),
      include: (name) => CANDIDATE_FILE.test(name) || PROGRAM_SOURCE.test(name),
      maxBytes: MAX_SOURCE_BYTES,
    });
    for (const s of walk.skipped) out.skipped.push({ file: s.path, reason: skipReasonOf(s), detail: s.detail });
    for (const f of walk.files) {
      if (explicit.has(f.path)) continue;
      if (CANDIDATE_FILE.test(f.path)) {
        await read(f.path, false);
      } else {
        // Program source: only files that seem to define ECR policies are worth a line in the coverage.
        const r = await readRegularFile(f.path, { maxBytes: MAX_TERRAFORM_FILE_BYTES });
        if (r.ok && PROGRAM_MENTIONS_POLICY.test(r.bytes.toString('utf8'))) out.skipped.push({ file: f.path, reason: 'program-source', detail: PROGRAM_HINT });
      }
    }
  }
  await readTerraform(terraform, out, options.cwd ?? process.cwd());
  // A policy file that Terraform reads with file() is linted once, as Terraform uses it (it knows the repository).
  const viaTerraform = new Set(out.sources.filter((s) => s.format === 'terraform' && s.policyText !== undefined).map((s) => `${s.file}\0${s.policyText}`));
  out.sources = out.sources.filter((s) => s.format !== 'policy-json' || !viaTerraform.has(`${s.file}\0${s.policyText}`));
  const result: PolicySourcesResult = { sources: out.sources.sort(compareSources), problems: out.problems.sort(compareProblems), coverage: coverageOf(out) };
  if (out.planChanges.length > 0) result.planChanges = out.planChanges;
  return result;
}
