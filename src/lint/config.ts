import { access } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { InputError } from '../model/errors.js';
import type { Finding, Severity } from '../model/finding.js';
import { locationIn, parseJsonDocument, readTextFile } from '../load/json-document.js';
import { sortProblems } from '../load/problems.js';
import { schemaProblems, type SchemaName } from '../load/schemas.js';
import type { CheckOptions } from '../analyse/checks/lint/common.js';

// `.ecr-lifeguard.json`: severity overrides and options per check, and findings ignored with a
// reason. Validated by schemas/config.schema.json; every problem is located (exit 2).

export const CONFIG_FILE = '.ecr-lifeguard.json';

export type Level = Severity | 'off';

export interface CheckSetting {
  level?: Level;
  options: CheckOptions;
}

export interface IgnoreEntry {
  id: string;
  file?: string;
  repository?: string;
  image?: string;
  reason: string;
}

export interface LintConfig {
  /** The file it was read from; undefined when none exists (defaults apply). */
  file?: string;
  rules: Map<string, CheckSetting>;
  ignore: IgnoreEntry[];
}

export function emptyConfig(): LintConfig {
  return { rules: new Map(), ignore: [] };
}

// The config schema lives beside the others in schemas/; the loader's schema registry reads any
// `<name>.schema.json` there.
const CONFIG_SCHEMA: SchemaName = 'config';

/** Pure: a config file's text, validated; throws InputError with every located problem. */
export function parseConfigText(text: string, file: string): LintConfig {
  const doc = parseJsonDocument(text, file);
  const problems = schemaProblems(CONFIG_SCHEMA, doc.value, (p) => locationIn(doc, p), { codePrefix: 'config' });
  if (problems.length > 0) throw new InputError(sortProblems(problems));
  const raw = doc.value as { rules?: Record<string, string | { severity?: Level; options?: Record<string, unknown> }>; ignore?: IgnoreEntry[] };
  const rules = new Map<string, CheckSetting>();
  for (const [id, v] of Object.entries(raw.rules ?? {})) {
    if (typeof v === 'string') rules.set(id, { level: v as Level, options: {} });
    else rules.set(id, { ...(v.severity !== undefined ? { level: v.severity } : {}), options: v.options ?? {} });
  }
  return { file, rules, ignore: raw.ignore ?? [] };
}

/**
 * `--config FILE` (must exist), else the nearest `.ecr-lifeguard.json` (see findConfigFile), else
 * defaults. The explicit path is resolved against `cwd`.
 */
export async function loadConfig(explicit: string | undefined, cwd: string): Promise<LintConfig> {
  let file: string;
  if (explicit !== undefined) file = isAbsolute(explicit) ? explicit : displayPath(resolve(cwd, explicit));
  else {
    const found = await findConfigFile(cwd);
    if (found === undefined) return emptyConfig();
    file = displayPath(found);
  }
  return parseConfigText(await readTextFile(file), file);
}

/**
 * `.ecr-lifeguard.json` in `cwd` or its nearest parent up to the repository root (the folder holding
 * `.git`, a directory or a worktree's file), never beyond: a file above the repository belongs to
 * something else. Outside a repository only `cwd` is looked at.
 */
export async function findConfigFile(cwd: string): Promise<string | undefined> {
  const exists = (path: string) => access(path).then(() => true, () => false);
  const folders: string[] = [];
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    folders.push(dir);
    if (await exists(join(dir, '.git'))) break;
    if (dirname(dir) === dir) {
      folders.splice(1); // no repository: the current directory only
      break;
    }
  }
  for (const dir of folders) if (await exists(join(dir, CONFIG_FILE))) return join(dir, CONFIG_FILE);
  return undefined;
}

/** Relative to the process's directory when inside it, so messages stay short. */
function displayPath(absolute: string): string {
  const r = relative(process.cwd(), absolute);
  return r === '' ? '.' : r.startsWith('..') || isAbsolute(r) ? absolute : r;
}

export function levelFor(config: LintConfig, id: string, defaultSeverity: Severity): Level {
  return config.rules.get(id)?.level ?? defaultSeverity;
}

export function optionsFor(config: LintConfig, id: string): CheckOptions {
  return config.rules.get(id)?.options ?? {};
}

/** Applies a severity override to findings of any check (also those the analysis produced); drops 'off'. */
export function applySeverities(findings: readonly Finding[], config: LintConfig): Finding[] {
  const out: Finding[] = [];
  for (const f of findings) {
    const level = config.rules.get(f.id)?.level;
    if (level === 'off') continue;
    out.push(level === undefined ? f : { ...f, severity: level });
  }
  return out;
}

/** Glob of a path relative to the current directory: `*` within a segment, `**` across, `?` one character. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  const g = glob.replace(/\\/g, '/').replace(/^\.\//, '');
  for (let i = 0; i < g.length; i++) {
    const c = g[i]!;
    if (c === '*' && g[i + 1] === '*') {
      i++;
      if (g[i + 1] === '/') {
        i++;
        re += '(?:.*/)?';
      } else re += '.*';
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function relativeFile(file: string, cwd: string): string {
  return relative(cwd, resolve(cwd, file)).split(sep).join('/');
}

/**
 * The names an ignore entry's `image` may use for a finding: the image's digest and tags, or, for a
 * reference that resolves to no image, the tag or digest it names.
 */
function imageNamesOf(f: Finding): string[] {
  if (f.image) return [f.image.imageDigest, ...f.image.imageTags];
  return [f.evidence.tag, f.evidence.digest].filter((v): v is string => typeof v === 'string');
}

export function ignoreMatches(entry: IgnoreEntry, f: Finding, cwd: string): boolean {
  if (entry.id !== f.id) return false;
  if (entry.repository !== undefined && entry.repository !== f.repositoryName) return false;
  if (entry.image !== undefined && !imageNamesOf(f).includes(entry.image)) return false;
  if (entry.file !== undefined) {
    const file = f.location?.file;
    if (file === undefined || !globToRegExp(entry.file).test(relativeFile(file, cwd))) return false;
  }
  return true;
}

/** Drops ignored findings; counts them per check id (sorted keys). */
export function applyIgnores(findings: readonly Finding[], config: LintConfig, cwd: string): { findings: Finding[]; ignored: Record<string, number> } {
  const kept: Finding[] = [];
  const counts = new Map<string, number>();
  for (const f of findings) {
    if (config.ignore.some((e) => ignoreMatches(e, f, cwd))) counts.set(f.id, (counts.get(f.id) ?? 0) + 1);
    else kept.push(f);
  }
  const ignored: Record<string, number> = {};
  for (const id of [...counts.keys()].sort()) ignored[id] = counts.get(id)!;
  return { findings: kept, ignored };
}
