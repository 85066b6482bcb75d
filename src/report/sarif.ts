import { createHash } from 'node:crypto';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as checkRegistry from '../analyse/checks/index.js';
import { cmp } from '../analyse/graph.js';
import { DOCS_BASE, type CheckMeta } from '../analyse/checks/types.js';
import { compareFindings, type Finding, type Severity } from '../model/finding.js';
import type { UseOrigin } from '../model/in-use.js';
import type { SourceLocation } from '../model/location.js';
import type { FormatContext, Formatter } from './formatter.js';
import { short, type Report } from './model.js';
import { originLabel } from './storage-text.js';

// SARIF 2.1.0: one run, one reportingDescriptor per registered check, one result per finding.
// Paths are relative to %SRCROOT% (the working directory) so code scanning maps them onto the
// repository; fingerprints leave out lines and messages so they survive edits.

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';
export const INFORMATION_URI = DOCS_BASE.replace(/\/blob\/.*$/, '');
export const FINGERPRINT_KEY = 'ecrLifeguard/v1';

// The registry grows while checks are added (repositoryChecks, policyChecks, allChecks): read whichever exist.
interface CheckRegistry {
  allChecks?: ReadonlyArray<{ meta: CheckMeta }>;
  repositoryChecks?: ReadonlyArray<{ meta: CheckMeta }>;
  policyChecks?: ReadonlyArray<{ meta: CheckMeta }>;
}

/** The check metadata to describe: the context's, else every registered check; one per id, sorted by id. */
export function checkMetas(context: Pick<FormatContext, 'checks'>): CheckMeta[] {
  let metas = context.checks;
  if (!metas) {
    const registry: CheckRegistry = checkRegistry;
    const checks = registry.allChecks ?? [...(registry.repositoryChecks ?? []), ...(registry.policyChecks ?? [])];
    metas = checks.map((c) => c.meta);
  }
  const byId = new Map<string, CheckMeta>();
  for (const m of metas) if (!byId.has(m.id)) byId.set(m.id, m);
  return [...byId.values()].sort((a, b) => cmp(a.id, b.id));
}

export interface RelativeFile {
  /** POSIX path relative to `cwd` when the file is inside it, else the absolute path. */
  path: string;
  inside: boolean;
}

/** A file as the CI sees it: relative to the working directory, `/` separators. */
export function relativeFile(file: string, cwd: string): RelativeFile {
  const absolute = resolve(cwd, file);
  const rel = relative(cwd, absolute);
  const inside = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  return { path: (inside ? rel : absolute).split(sep).join('/'), inside };
}

/** Where a finding is, in a file: its policy location, else the first in-use origin with a file. */
export interface FilePosition {
  file: string;
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
}

export function primaryPosition(f: Finding): FilePosition | undefined {
  if (f.location) return positionOf(f.location);
  const origin = f.origins?.find((o) => o.file !== '');
  return origin ? positionOf(origin) : undefined;
}

function positionOf(l: SourceLocation | UseOrigin): FilePosition {
  const p: FilePosition = { file: l.file };
  if (l.line !== undefined && l.line >= 1) {
    p.line = l.line;
    if (l.column !== undefined && l.column >= 1) p.column = l.column;
    if ('endLine' in l && l.endLine !== undefined && l.endLine >= l.line) {
      p.endLine = l.endLine;
      if (l.endColumn !== undefined && l.endColumn >= 1) p.endColumn = l.endColumn;
    }
  }
  return p;
}

/** The one order of findings every format uses. */
export function sortedFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(compareFindings);
}

// --- SARIF document ---------------------------------------------------------------------------

type Level = 'error' | 'warning' | 'note';

export function sarifLevel(severity: Severity): Level {
  return severity === 'error' ? 'error' : severity === 'warning' ? 'warning' : 'note';
}

interface SarifRegion {
  startLine: number;
  startColumn?: number;
  endLine?: number;
  endColumn?: number;
}

interface SarifPhysicalLocation {
  artifactLocation: { uri: string; uriBaseId?: string };
  region?: SarifRegion;
}

interface SarifLocation {
  id?: number;
  physicalLocation?: SarifPhysicalLocation;
  logicalLocations?: Array<{ name: string; fullyQualifiedName: string; kind: string }>;
  message?: { text: string };
}

function artifactUri(file: string, cwd: string): { uri: string; uriBaseId?: string } {
  const rel = relativeFile(file, cwd);
  if (!rel.inside) return { uri: pathToFileURL(rel.path).href };
  return { uri: rel.path.split('/').map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' };
}

function physicalLocation(p: FilePosition, cwd: string): SarifPhysicalLocation {
  const loc: SarifPhysicalLocation = { artifactLocation: artifactUri(p.file, cwd) };
  if (p.line !== undefined) {
    const region: SarifRegion = { startLine: p.line };
    if (p.column !== undefined) region.startColumn = p.column;
    if (p.endLine !== undefined) {
      region.endLine = p.endLine;
      if (p.endColumn !== undefined) region.endColumn = p.endColumn;
    }
    loc.region = region;
  }
  return loc;
}

function logicalLocations(f: Finding): SarifLocation['logicalLocations'] {
  if (f.repositoryName === undefined) return undefined;
  if (f.image) {
    const tag = [...f.image.imageTags].sort()[0];
    return [{
      name: tag !== undefined ? `${f.repositoryName}:${tag}` : `${f.repositoryName}@${short(f.image.imageDigest)}`,
      fullyQualifiedName: `${f.repositoryName}@${f.image.imageDigest}`,
      kind: 'resource',
    }];
  }
  return [{ name: f.repositoryName, fullyQualifiedName: f.repositoryName, kind: 'module' }];
}

function originText(o: UseOrigin): string {
  return `used at ${originLabel(o)} [${o.format}]`;
}

/**
 * The stable part of a finding: its check, file, repository, image and rule, and a key that does not
 * depend on the message or on line numbers (the JSON pointer of a policy value, the structural paths of
 * its in-use origins).
 */
export function fingerprintSource(f: Finding, cwd: string): string {
  const pos = primaryPosition(f);
  const origins = [...new Set((f.origins ?? []).map((o) => `${relativeFile(o.file, cwd).path}#${o.path ?? ''}`))].sort();
  return JSON.stringify([
    f.id,
    pos ? relativeFile(pos.file, cwd).path : '',
    f.repositoryName ?? '',
    f.image?.imageDigest ?? '',
    f.rulePriority ?? null,
    f.location ? [f.location.pointer ?? '', f.location.innerPointer ?? ''] : origins,
  ]);
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export const formatSarif: Formatter = (report: Report, context: FormatContext) => {
  const cwd = context.cwd ?? process.cwd();
  const findings = sortedFindings(report.findings);

  const metas = checkMetas(context);
  // A finding from a check nobody registered still needs a rule: describe it from the finding.
  const known = new Set(metas.map((m) => m.id));
  for (const f of findings) {
    if (known.has(f.id)) continue;
    known.add(f.id);
    metas.push({ id: f.id, defaultSeverity: f.severity, description: f.id, help: f.id, docs: INFORMATION_URI });
  }
  metas.sort((a, b) => cmp(a.id, b.id));
  const ruleIndex = new Map(metas.map((m, i) => [m.id, i]));

  const introduced = new Set((report.diff?.introducedFindings ?? []).map((f) => fingerprintSource(f, cwd)));
  const seen = new Map<string, number>();

  const results = findings.map((f) => {
    const source = fingerprintSource(f, cwd);
    // Two findings with the same stable key (same rule, same value) stay distinct by occurrence.
    const occurrence = seen.get(source) ?? 0;
    seen.set(source, occurrence + 1);
    const fingerprint = sha256(occurrence === 0 ? source : `${source}#${occurrence}`);

    const locations: SarifLocation[] = [];
    const related: SarifLocation[] = [];
    const logical = logicalLocations(f);
    const primary: SarifLocation = {};
    if (f.location) {
      primary.physicalLocation = physicalLocation(positionOf(f.location), cwd);
    } else if (f.origins?.length) {
      const [first, ...rest] = f.origins;
      primary.physicalLocation = physicalLocation(positionOf(first!), cwd);
      primary.message = { text: originText(first!) };
      rest.forEach((o, i) => related.push({ id: i + 1, physicalLocation: physicalLocation(positionOf(o), cwd), message: { text: originText(o) } }));
    }
    if (logical) primary.logicalLocations = logical;
    if (primary.physicalLocation || primary.logicalLocations) locations.push(primary);

    const properties: Record<string, unknown> = {};
    if (f.repositoryName !== undefined) properties.repositoryName = f.repositoryName;
    if (f.image) properties.image = { imageDigest: f.image.imageDigest, imageTags: [...f.image.imageTags].sort() };
    if (f.rulePriority !== undefined) properties.rulePriority = f.rulePriority;
    if (f.date !== undefined) properties.date = f.date;

    const result: Record<string, unknown> = {
      ruleId: f.id,
      ruleIndex: ruleIndex.get(f.id)!,
      level: sarifLevel(f.severity),
      message: { text: f.message },
    };
    if (locations.length) result.locations = locations;
    if (related.length) result.relatedLocations = related;
    result.partialFingerprints = { [FINGERPRINT_KEY]: fingerprint };
    if (report.diff) result.baselineState = introduced.has(source) ? 'new' : 'unchanged';
    if (Object.keys(properties).length) result.properties = properties;
    return result;
  });

  const sarif = {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: report.tool.name,
            version: report.tool.version,
            semanticVersion: report.tool.version,
            informationUri: INFORMATION_URI,
            rules: metas.map(reportingDescriptor),
          },
        },
        columnKind: 'utf16CodeUnits',
        results,
        properties: { command: context.command, now: report.now, days: report.days, ...(report.coverage ? { coverage: report.coverage } : {}),
          // The rule changes have no line of their own: carried here, results marked new or unchanged (baselineState).
          ...(report.diff ? { policyChange: { base: report.diff.base, ruleChanges: report.diff.ruleChanges, fateChanges: report.diff.fateChanges.length } } : {}) },
      },
    ],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
};

function reportingDescriptor(m: CheckMeta): Record<string, unknown> {
  return {
    id: m.id,
    name: pascalCase(m.id),
    shortDescription: { text: m.description },
    fullDescription: { text: m.help },
    help: {
      text: `${m.description}\n\n${m.help}\n\nDocumentation: ${m.docs}`,
      markdown: `**${m.description}**\n\n${m.help}\n\n[Documentation](${m.docs})`,
    },
    helpUri: m.docs,
    defaultConfiguration: { level: sarifLevel(m.defaultSeverity) },
  };
}

function pascalCase(id: string): string {
  return id.split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}
