import { readFileSync } from 'node:fs';
import jsonc from 'jsonc-parser';
import type { Finding } from '../../src/model/finding.js';
import type { RepositoryState } from '../../src/model/image.js';
import type { LifecyclePolicy } from '../../src/model/policy.js';
import { makeOffsetLocator, findNodeAtPointer } from '../../src/load/json-document.js';
import type { PolicySource } from '../../src/load/sources/types.js';
import { extractPolicySources } from '../../src/load/sources/index.js';
import { parseInUseText } from '../../src/analyse/in-use/index.js';
import { recentPullUses } from '../../src/analyse/in-use/index.js';
import { emptyConfig, type LintConfig } from '../../src/lint/config.js';
import { lintAll } from '../../src/lint/run.js';
import { sourceProblemFindings } from '../../src/lint/lint.js';
import { lintAgainstState, pairRepository, type LintState } from '../../src/lint/state.js';
import { image, NOW, DAY, type ImageSpec } from '../support/builders.js';

// RuleTester for lint checks: a fixture is a JSON file holding the policy (linted in place, so
// lines are the fixture's own), optional repository state and check options, and the expected
// findings of the check under test: id, line and message.

export interface ExpectedFinding {
  line: number;
  message: string;
}

export interface StateSpec {
  repositoryName?: string;
  registryId?: string;
  /** ISO time; default the builders' NOW. */
  now?: string;
  days?: number;
  images: Array<ImageSpec & { name: string }>;
  /** In-use files: name -> text (an image list, a Dockerfile...). */
  inUse?: Record<string, string>;
  recentPullDays?: number;
}

export interface RuleFixture {
  description: string;
  options?: Record<string, unknown>;
  state?: StateSpec;
  policy: LifecyclePolicy;
  /** Instead of `policy`: the text of a file read as a policy source (named `sourceFile`), e.g. a broken one. */
  sourceFile?: string;
  sourceText?: string;
  expected: ExpectedFinding[];
}

/** The fixture's `policy` value as a policy source at its own position in the fixture file. */
export function fixtureSource(file: string, text: string, repositoryName?: string): PolicySource {
  const tree = jsonc.parseTree(text);
  const node = findNodeAtPointer(tree, '/policy');
  if (!node) throw new Error(`${file}: no "policy"`);
  const toLineColumn = makeOffsetLocator(text);
  const start = toLineColumn(node.offset);
  return {
    file, format: 'policy-json', name: 'policy', pointerPrefix: '/policy',
    policyText: text.slice(node.offset, node.offset + node.length),
    location: { file, pointer: '/policy', line: start.line, column: start.column },
    mapOffset: (o) => toLineColumn(node.offset + o),
    mapSpanEnd: (_s, e) => toLineColumn(node.offset + e),
    ...(repositoryName !== undefined ? { repositoryName } : {}),
  };
}

export function fixtureState(spec: StateSpec): LintState {
  const now = spec.now !== undefined ? Date.parse(spec.now) : NOW;
  const repositoryName = spec.repositoryName ?? 'app';
  const images = spec.images.map((i) => ({ ...image({ ...i, now }), repositoryName }));
  const state: RepositoryState = { repositoryName, images, manifests: new Map(), manifestsLoaded: false };
  if (spec.registryId !== undefined) state.registryId = spec.registryId;
  const uses = Object.entries(spec.inUse ?? {}).flatMap(([file, t]) => {
    const r = parseInUseText(file, t);
    if (r.problems.length > 0) throw new Error(JSON.stringify(r.problems));
    return r.uses;
  });
  if (spec.recentPullDays !== undefined) uses.push(...recentPullUses([{ repositoryName, images }], now, spec.recentPullDays));
  return { repositories: [{ repositoryName, state, complete: true, ...(spec.registryId !== undefined ? { registryId: spec.registryId } : {}) }], uses, singleRepository: true, now, days: spec.days ?? 30 };
}

/** Lints a fixture file; returns every finding (all checks), for assertions on the one under test. */
export function lintFixture(file: string, checkId: string, config: LintConfig = emptyConfig()): { fixture: RuleFixture; findings: Finding[] } {
  const text = readFileSync(file, 'utf8');
  const raw = JSON.parse(text) as Record<string, unknown>;
  // A fixture is a policy with expectations, or a whole source document (a CloudFormation template)
  // carrying them in its Metadata.
  const embedded = (raw.Metadata as Record<string, unknown> | undefined)?.['ecr-lifeguard-test'] as RuleFixture | undefined;
  const fixture = (embedded ?? raw) as RuleFixture;
  if (fixture.options) config.rules.set(checkId, { options: fixture.options });
  const state = fixture.state ? fixtureState(fixture.state) : undefined;
  let sources: PolicySource[];
  const extra: Finding[] = [];
  if (fixture.sourceText !== undefined) {
    const r = extractPolicySources(fixture.sourceFile ?? 'source', fixture.sourceText);
    extra.push(...sourceProblemFindings(r.problems, config).findings);
    sources = r.sources;
  } else if (embedded) {
    const r = extractPolicySources(file, text);
    if (r.problems.length > 0) throw new Error(JSON.stringify(r.problems));
    sources = r.sources;
  } else sources = [fixtureSource(file, text)];
  const runState = state
    ? (target: Parameters<typeof lintAgainstState>[0], name: string | undefined) => {
        const repository = pairRepository(state, name);
        return typeof repository === 'string' ? repository : lintAgainstState(target, repository, state, config);
      }
    : undefined;
  return { fixture, findings: [...extra, ...lintAll(sources, config, runState).flatMap((p) => p.findings)] };
}

export { DAY };
