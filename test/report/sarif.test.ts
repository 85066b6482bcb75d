import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { allChecks } from '../../src/analyse/checks/index.js';
import type { Finding } from '../../src/model/finding.js';
import { FINGERPRINT_KEY, checkMetas, formatSarif, relativeFile } from '../../src/report/sarif.js';
import type { Report } from '../../src/report/model.js';
import { CWD, context, fixture, shuffled, type FixtureName } from './support.js';

// The official SARIF 2.1.0 schema (draft-04), as shipped with @microsoft/jest-sarif.
const require = createRequire(import.meta.url);
const schemaPath = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
const ajv = new AjvDraft04({ allErrors: true, strict: false, unicodeRegExp: false }) // the schema's `language` pattern is not valid in unicode mode;
addFormats(ajv);
const validateSarif = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')) as object);

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: string;
  message: { text: string };
  locations?: Array<{
    physicalLocation?: { artifactLocation: { uri: string; uriBaseId?: string }; region?: Record<string, number> };
    logicalLocations?: Array<{ name: string; fullyQualifiedName: string; kind: string }>;
  }>;
  relatedLocations?: Array<{ physicalLocation: { artifactLocation: { uri: string } } }>;
  partialFingerprints: Record<string, string>;
  baselineState?: string;
}
interface SarifLog {
  version: string;
  runs: Array<{ tool: { driver: { name: string; version: string; informationUri: string; rules: Array<Record<string, unknown> & { id: string }> } }; results: SarifResult[] }>;
}

function sarif(report: Report, command: 'lint' | 'audit' = 'audit', extra = {}): SarifLog {
  return JSON.parse(formatSarif(report, context(command, extra))) as SarifLog;
}

function expectValid(log: unknown): void {
  const ok = validateSarif(log);
  expect(ok ? [] : validateSarif.errors).toEqual([]);
}

const lintFinding = (over: Partial<Finding> = {}): Finding => ({
  id: 'tag-list-entries-anded', severity: 'warning', message: 'm', rulePriority: 1,
  location: { file: 'infra/plan.json', pointer: '/planned_values/root_module/resources/0/values/policy', innerPointer: '/rules/0/selection/tagPrefixList', line: 10, column: 5 },
  evidence: {}, ...over,
});

describe('sarif formatter', () => {
  it.each<[FixtureName, 'lint' | 'audit']>([['audit', 'audit'], ['lint', 'lint'], ['hostile', 'audit']])('%s report is valid SARIF 2.1.0', (name, command) => {
    expectValid(sarif(fixture(name), command));
  });

  it('the validator rejects an invalid log (the schema test can fail)', () => {
    const log = sarif(fixture('audit'));
    (log.runs[0]!.results[0] as unknown as Record<string, unknown>).level = 'fatal';
    expect(validateSarif(log)).toBe(false);
  });

  it('describes every registered check once, sorted by id, with help and a link', () => {
    const log = sarif(fixture('audit'));
    const driver = log.runs[0]!.tool.driver;
    expect(driver.name).toBe('ecr-lifeguard');
    expect(driver.version).toBe('0.1.0');
    expect(driver.informationUri).toMatch(/^https:\/\//);
    const ids = driver.rules.map((r) => r.id);
    expect(ids).toEqual([...new Set(allChecks.map((c) => c.meta.id))].sort());
    const rule = driver.rules.find((r) => r.id === 'in-use-image-expired')!;
    const meta = allChecks.find((c) => c.meta.id === 'in-use-image-expired')!.meta;
    expect(rule).toMatchObject({
      name: 'InUseImageExpired',
      shortDescription: { text: meta.description },
      fullDescription: { text: meta.help },
      helpUri: meta.docs,
      defaultConfiguration: { level: 'error' },
    });
    expect((rule.help as { text: string; markdown: string }).markdown).toContain(`](${meta.docs})`);
  });

  it('maps info to note and points ruleIndex at the rule', () => {
    const log = sarif(fixture('lint'), 'lint');
    const { rules } = log.runs[0]!.tool.driver;
    for (const r of log.runs[0]!.results) expect(rules[r.ruleIndex]!.id).toBe(r.ruleId);
    expect(log.runs[0]!.results.find((r) => r.ruleId === 'no-untagged-rule')!.level).toBe('note');
    expect(log.runs[0]!.results.find((r) => r.ruleId === 'ecr-rejects-policy')!.level).toBe('error');
  });

  it('adds a rule for a finding whose check is not registered', () => {
    const log = sarif(fixture('hostile'));
    const { rules } = log.runs[0]!.tool.driver;
    const custom = log.runs[0]!.results.find((r) => r.ruleId === 'custom<check>')!;
    expect(rules[custom.ruleIndex]!.id).toBe('custom<check>');
    expect(rules.map((r) => r.id)).toEqual([...rules.map((r) => r.id)].sort());
  });

  it('takes the checks from the context when given', () => {
    const checks = [{ id: 'b-check', defaultSeverity: 'info' as const, description: 'B.', help: 'Help B.', docs: 'https://example.test/b' },
      { id: 'a-check', defaultSeverity: 'error' as const, description: 'A.', help: 'Help A.', docs: 'https://example.test/a' }];
    const report = { ...fixture('lint'), findings: [lintFinding({ id: 'b-check', severity: 'info' })], diff: undefined };
    const log = sarif(report, 'lint', { checks });
    expect(log.runs[0]!.tool.driver.rules.map((r) => r.id)).toEqual(['a-check', 'b-check']);
    expect(log.runs[0]!.results[0]!.ruleIndex).toBe(1);
    expectValid(log);
  });

  it('gives lint findings a physical location relative to %SRCROOT% with the region', () => {
    const log = sarif(fixture('lint'), 'lint');
    const r = log.runs[0]!.results.find((x) => x.ruleId === 'ecr-rejects-policy')!;
    expect(r.locations![0]!.physicalLocation).toEqual({
      artifactLocation: { uri: 'infra/cfn/registry.yaml', uriBaseId: '%SRCROOT%' },
      region: { startLine: 47, startColumn: 13, endLine: 51, endColumn: 14 },
    });
  });

  it('makes absolute paths inside the working directory relative, and others file: URIs', () => {
    const report = { ...fixture('lint'), diff: undefined, findings: [
      lintFinding({ location: { file: `${CWD}/policies/a b.json`, line: 3 } }),
      lintFinding({ id: 'no-untagged-rule', severity: 'info', location: { file: '/elsewhere/p.json', line: 1 } }),
    ] };
    const [inside, outside] = sarif(report, 'lint').runs[0]!.results;
    expect(inside!.locations![0]!.physicalLocation!.artifactLocation).toEqual({ uri: 'policies/a%20b.json', uriBaseId: '%SRCROOT%' });
    expect(outside!.locations![0]!.physicalLocation!.artifactLocation).toEqual({ uri: 'file:///elsewhere/p.json' });
    expect(relativeFile('../up.json', CWD)).toEqual({ path: '/work/up.json', inside: false });
  });

  it('uses the first in-use origin as the location and the others as related locations, with the image as logical location', () => {
    const log = sarif(fixture('audit'));
    const r = log.runs[0]!.results.find((x) => x.ruleId === 'in-use-image-expired')!;
    const loc = r.locations![0]!;
    expect(loc.physicalLocation).toEqual({ artifactLocation: { uri: 'deploy/k8s/api-canary.yaml', uriBaseId: '%SRCROOT%' }, region: { startLine: 18, startColumn: 18 } });
    expect(loc.logicalLocations![0]!.fullyQualifiedName).toMatch(/^shop\/api@sha256:[0-9a-f]{64}$/);
    expect(r.relatedLocations!.map((x) => x.physicalLocation.artifactLocation.uri)).toEqual(['ecs/api-task.json']);
  });

  it('gives a finding without any file only a logical location', () => {
    const report = { ...fixture('audit'), findings: [{ id: 'in-use-image-expired', severity: 'error' as const, message: 'x', repositoryName: 'shop/api', evidence: {} }] };
    const log = sarif(report);
    expect(log.runs[0]!.results[0]!.locations).toEqual([{ logicalLocations: [{ name: 'shop/api', fullyQualifiedName: 'shop/api', kind: 'module' }] }]);
    expectValid(log);
  });

  it('keeps fingerprints when lines, columns and messages change, and changes them when the finding is another', () => {
    const fp = (f: Finding) => sarif({ ...fixture('lint'), diff: undefined, findings: [f] }, 'lint').runs[0]!.results[0]!.partialFingerprints[FINGERPRINT_KEY]!;
    const base = fp(lintFinding());
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(fp(lintFinding({ message: 'reworded', location: { ...lintFinding().location!, line: 99, column: 1 } }))).toBe(base);
    expect(fp(lintFinding({ id: 'shadowed-rule' }))).not.toBe(base);
    expect(fp(lintFinding({ rulePriority: 2 }))).not.toBe(base);
    expect(fp(lintFinding({ location: { ...lintFinding().location!, innerPointer: '/rules/1/selection' } }))).not.toBe(base);
    expect(fp(lintFinding({ location: { ...lintFinding().location!, file: 'other.json' } }))).not.toBe(base);
    // In-use findings: the image and where it is used (not on which line).
    const use = fixture('audit').findings.find((f) => f.id === 'in-use-image-expired')!;
    const moved = { ...use, message: 'other words', origins: use.origins!.map((o) => ({ ...o, line: (o.line ?? 0) + 5 })) };
    expect(fp(moved)).toBe(fp(use));
    expect(fp({ ...use, image: { imageDigest: `sha256:${'0'.repeat(64)}`, imageTags: [] } })).not.toBe(fp(use));
  });

  it('keeps fingerprints of identical findings distinct', () => {
    const report = { ...fixture('lint'), diff: undefined, findings: [lintFinding({ message: 'one' }), lintFinding({ message: 'two' })] };
    const [a, b] = sarif(report, 'lint').runs[0]!.results;
    expect(a!.partialFingerprints[FINGERPRINT_KEY]).not.toBe(b!.partialFingerprints[FINGERPRINT_KEY]);
  });

  it('marks findings the policy change introduces as new', () => {
    const log = sarif(fixture('lint'), 'lint');
    const states = Object.fromEntries(log.runs[0]!.results.map((r) => [r.ruleId, r.baselineState]));
    expect(states['in-use-image-expired']).toBe('new');
    expect(states['ecr-rejects-policy']).toBe('unchanged');
    expect(sarif(fixture('audit')).runs[0]!.results.every((r) => r.baselineState === undefined)).toBe(true);
  });

  it('sorts results by severity then place, whatever the input order, and is byte-identical on every run', () => {
    const report = fixture('audit');
    const out = formatSarif(report, context('audit'));
    expect(formatSarif(shuffled(report), context('audit'))).toBe(out);
    expect(formatSarif(fixture('audit'), context('audit'))).toBe(out);
    const levels = (JSON.parse(out) as SarifLog).runs[0]!.results.map((r) => r.level);
    expect(levels).toEqual([...levels].sort((a, b) => ['error', 'warning', 'note'].indexOf(a) - ['error', 'warning', 'note'].indexOf(b)));
  });

  it('falls back to the check registry when the context has no checks', () => {
    expect(checkMetas({}).map((m) => m.id)).toEqual([...new Set(allChecks.map((c) => c.meta.id))].sort());
  });
});
