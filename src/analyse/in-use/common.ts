import type { InputProblem } from '../../model/errors.js';
import type { InUseReference, UseKind, UseOrigin, UseSourceFormat } from '../../model/in-use.js';
import type { SourceLocation } from '../../model/location.js';
import { parseImageReference } from '../references.js';

// Shared by every in-use source reader: one collector that parses a raw reference, counts other
// registries, keeps placeholders as unresolvable uses, and records invalid ones as located problems
// (warnings: a broken source never stops the run).

/** What a reader may need beyond the file: values the user gave, and the snapshot's registry. */
export interface ReadContext {
  /** --build-arg NAME=VALUE: Dockerfile ARG values, as `docker build` takes them. */
  buildArgs?: ReadonlyMap<string, string>;
  /** --default-registry HOST: the registry of references written without a host. */
  defaultRegistry?: string;
  /** The snapshot's registry, when known: resolves CloudFormation's `${AWS::AccountId}` and `${AWS::Region}`. */
  registry?: { registryId?: string; region?: string };
}

/** A use whose image the files do not determine (a placeholder, an ARG without a value, a deploy-time value). */
export interface UnresolvableUse {
  origin: UseOrigin;
  /** A short, escaped excerpt of the field as written. */
  excerpt: string;
  why: string;
}

/** A reference without a registry host (`shop/api:1.2`): Docker Hub to a pull, maybe ECR to its author. */
export interface HostlessUse {
  origin: UseOrigin;
  raw: string;
  repositoryName: string;
}

/** A kustomization's (or Argo CD's) `images:` overrides: applied to the images of the resources it lists. */
export interface ImageOverride {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
  origin: UseOrigin;
}

export interface KustomizeOverrides {
  file: string;
  /** Paths the overrides apply to (the kustomization's folder and its resources); empty: nothing read applies. */
  scope: string[];
  images: ImageOverride[];
}

/** What one file says about others: joined once every file is read. */
export interface SourceLinks {
  /** Task definitions read (describe-task-definition `taskDefinitionArn`). */
  taskDefinitionsRead: string[];
  /** Task definitions a describe-services deployment runs. */
  taskDefinitionsNeeded: Array<{ arn: string; origin: UseOrigin }>;
  kustomizations: KustomizeOverrides[];
}

export interface InUseParseResult {
  uses: InUseReference[];
  problems: InputProblem[];
  otherRegistryCount: number;
  unresolvable: UnresolvableUse[];
  hostless: HostlessUse[];
  /** References found per source kind (every registry). */
  bySource: Partial<Record<UseSourceFormat, number>>;
  links: SourceLinks;
}

/** Longest excerpt of a file's content a message may quote. */
const EXCERPT_MAX = 60;

/** `"value"` with control characters escaped, cut to a short excerpt: messages never echo a whole field. */
export function excerpt(value: string): string {
  const cut = value.length > EXCERPT_MAX ? `${value.slice(0, EXCERPT_MAX)}...` : value;
  // JSON escapes C0 controls; C1 controls, DEL and line/paragraph separators are escaped here too.
  return JSON.stringify(cut).replace(/[\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Placeholders filled in at deploy or build time: `${VAR}`, `$VAR`, `${{ expr }}`, `{{ .Values.x }}`,
 * `<IMAGE1_NAME>`, `#{Token}#`, Terraform `var.x`, and all-capital words such as `REPLACE_ME`.
 */
const PLACEHOLDER = /\$\{|\$[A-Za-z_(]|\{\{|\}\}|<[^<>]*>|#\{|%[A-Z_]+%|^(?:var|local|module|data)\.[\w.-]+$|^[A-Z][A-Z0-9_]*$|REPLACE_?ME|CHANGE_?ME/;
/** A word to replace in a name (`AWS_ACCOUNT_ID.dkr.ecr.REGION...`, `BASE_IMAGE`): capitals, which no repository or host has. */
const PLACEHOLDER_WORD = /^[A-Z][A-Z0-9_]{2,}$/;
/** A tag that is a word to replace (`:COMMIT_SHA`, `:___VERSION___`): capitals and underscores. */
const PLACEHOLDER_TAG = /^(?=[A-Z0-9_]*[A-Z]{2})(?=[A-Z0-9_]*_)[A-Z0-9_]+$/;

export function isPlaceholder(raw: string): boolean {
  if (PLACEHOLDER.test(raw)) return true;
  const at = raw.indexOf('@');
  const noDigest = at === -1 ? raw : raw.slice(0, at);
  const colon = noDigest.lastIndexOf(':');
  const hasTag = colon > noDigest.lastIndexOf('/');
  const name = hasTag ? noDigest.slice(0, colon) : noDigest;
  if (name.split(/[./]/).some((c) => PLACEHOLDER_WORD.test(c))) return true;
  return hasTag && PLACEHOLDER_TAG.test(noDigest.slice(colon + 1));
}

export class UseCollector {
  readonly uses: InUseReference[] = [];
  readonly problems: InputProblem[] = [];
  readonly unresolvable: UnresolvableUse[] = [];
  readonly bySource: Partial<Record<UseSourceFormat, number>> = {};
  readonly links: SourceLinks = { taskDefinitionsRead: [], taskDefinitionsNeeded: [], kustomizations: [] };

  constructor(readonly context: ReadContext = {}) {}

  /** Parses `raw` and keeps it as a use, keeps a placeholder as unresolvable, or records a problem. */
  add(raw: string, kind: UseKind, origin: UseOrigin, pointer?: string): void {
    const trimmed = raw.trim();
    if (trimmed === '') return;
    if (isPlaceholder(trimmed)) {
      this.unresolved(origin, trimmed, 'a placeholder, filled in at deploy or build time', pointer);
      return;
    }
    let reference = parseImageReference(trimmed);
    if (!reference) {
      this.problem(locationOf(origin, pointer), 'in-use/invalid-reference', 'not a valid image reference', {
        found: excerpt(trimmed),
        expected: '[registry/]repository[:tag][@sha256:<64 hex>] with a lowercase repository',
      });
      return;
    }
    this.bySource[origin.format] = (this.bySource[origin.format] ?? 0) + 1;
    if (reference.registryHost === undefined && this.context.defaultRegistry !== undefined) {
      reference = parseImageReference(`${this.context.defaultRegistry}/${trimmed}`) ?? reference;
      reference.raw = trimmed;
    }
    // Every registry is kept until the files are joined (a kustomization may replace a Docker Hub image).
    this.uses.push({ reference, kind, origin });
  }

  /** A use whose image cannot be known: counted, and a located warning that quotes only a short excerpt. */
  unresolved(origin: UseOrigin, value: string, why: string, pointer?: string, code = 'in-use/unresolvable'): void {
    const shown = excerpt(value);
    this.unresolvable.push({ origin, excerpt: shown, why });
    this.problem(locationOf(origin, pointer), code, `image cannot be resolved: ${why}`, { found: shown });
  }

  problem(location: SourceLocation, code: string, message: string, extra: { found?: string; expected?: string } = {}): void {
    this.problems.push({ location, code, message, ...extra });
  }

  /** Everything read, other registries still among the uses (see keepEcr). */
  result(): InUseParseResult {
    return {
      uses: this.uses,
      problems: this.problems,
      otherRegistryCount: 0,
      unresolvable: this.unresolvable,
      hostless: [],
      bySource: this.bySource,
      links: this.links,
    };
  }
}

/** Keeps the uses of ECR registries, counts the others, and notes those written without a host. Sorts. */
export function keepEcr(r: InUseParseResult): InUseParseResult {
  const uses: InUseReference[] = [];
  let other = r.otherRegistryCount;
  const hostless = [...r.hostless];
  for (const u of r.uses) {
    if (u.reference.isEcr) {
      uses.push(u);
      continue;
    }
    other++;
    if (u.reference.registryHost === undefined) hostless.push({ origin: u.origin, raw: u.reference.raw, repositoryName: u.reference.repositoryName });
  }
  return { ...r, uses: uses.sort(compareUses), problems: r.problems.sort(compareProblems), otherRegistryCount: other, hostless };
}

export function locationOf(origin: UseOrigin, pointer?: string): SourceLocation {
  const loc: SourceLocation = { file: origin.file };
  if (pointer !== undefined) loc.pointer = pointer;
  if (origin.line !== undefined) loc.line = origin.line;
  if (origin.column !== undefined) loc.column = origin.column;
  return loc;
}

/** Offset -> 1-based line and column, by binary search over line starts. */
export function lineLocator(text: string): (offset: number) => { line: number; column: number } {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  };
}

/** `items[3].spec.containers[0].image` from path segments. */
export function formatObjectPath(segments: ReadonlyArray<string | number>): string {
  let s = '';
  for (const seg of segments) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) s += s === '' ? seg : `.${seg}`;
    else s += `[${JSON.stringify(seg)}]`;
  }
  return s;
}

export function compareUses(a: InUseReference, b: InUseReference): number {
  return (
    compareStrings(a.origin.file, b.origin.file) ||
    (a.origin.line ?? 0) - (b.origin.line ?? 0) ||
    compareStrings(a.origin.path ?? '', b.origin.path ?? '') ||
    (a.origin.column ?? 0) - (b.origin.column ?? 0) ||
    compareStrings(a.reference.raw, b.reference.raw)
  );
}

export function compareProblems(a: InputProblem, b: InputProblem): number {
  return (
    compareStrings(a.location.file, b.location.file) ||
    (a.location.line ?? 0) - (b.location.line ?? 0) ||
    (a.location.column ?? 0) - (b.location.column ?? 0) ||
    compareStrings(a.location.pointer ?? '', b.location.pointer ?? '') ||
    compareStrings(a.code, b.code)
  );
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function getPath(obj: unknown, path: readonly string[]): unknown {
  let cur = obj;
  for (const key of path) {
    if (!isRecord(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

/** Calls `fn` for each object entry of `list` (other entries and non-arrays are skipped). */
export function forEachEntry(list: unknown, fn: (entry: Record<string, unknown>, index: number) => void): void {
  if (!Array.isArray(list)) return;
  list.forEach((entry, i) => {
    if (isRecord(entry)) fn(entry, i);
  });
}
