import { compareFindings, type Finding } from '../model/finding.js';
import type { PolicySource } from '../load/sources/types.js';
import { iso, TOOL_NAME, type Report, type ReportCoverage, type ReportDiff } from '../report/model.js';
import { VERSION } from '../version.js';
import { applyIgnores, type LintConfig } from './config.js';
import { lintSource, type LintedSource } from './lint.js';
import type { PolicyUnderLint, StateLintResult } from './state.js';

// The lint pipeline over many sources: validation and policy checks for each, state checks when a
// state runner is given, then the report document. Pure: sources are read and state loaded by the caller.

/** Checks one valid policy against state; a string says why it could not be (no matching repository). */
export type StateRunner = (target: PolicyUnderLint, repositoryName: string | undefined) => StateLintResult | string;

export interface LintedPolicy {
  linted: LintedSource;
  state?: StateLintResult;
  /** Why state checks did not run for this policy although state was given. */
  stateSkipped?: string;
  /** Policy and state findings, configured severities, sorted; ignores not applied yet. */
  findings: Finding[];
}

export function lintAll(sources: readonly PolicySource[], config: LintConfig, runState?: StateRunner): LintedPolicy[] {
  return sources.map((source) => {
    const linted = lintSource(source, config);
    const out: LintedPolicy = { linted, findings: [...linted.findings] };
    if (runState && linted.policy) {
      const r = runState({ policy: linted.policy, locate: linted.locate }, source.repositoryName);
      if (typeof r === 'string') out.stateSkipped = r;
      else {
        out.state = r;
        out.findings.push(...r.findings.map((f) => (f.repositoryName !== undefined ? f : { ...f, repositoryName: r.repositoryName })));
      }
    }
    out.findings.sort(compareFindings);
    return out;
  });
}

export interface LintReportInput {
  policies: readonly LintedPolicy[];
  config: LintConfig;
  cwd: string;
  now: number;
  days: number;
  diff?: ReportDiff;
  /** Findings that belong to no policy source (e.g. a policy value that is not a string). */
  otherFindings?: readonly Finding[];
  coverage?: ReportCoverage;
}

export function buildLintReport(input: LintReportInput): Report {
  const all = [...input.policies.flatMap((p) => p.findings), ...(input.otherFindings ?? [])];
  const { findings, ignored } = applyIgnores(all, input.config, input.cwd);
  const report: Report = {
    tool: { name: TOOL_NAME, version: VERSION },
    now: iso(input.now),
    days: input.days,
    repositories: [],
    findings: findings.sort(compareFindings),
    policies: input.policies.map((p) => p.linted.report),
  };
  if (input.coverage) report.coverage = input.coverage;
  if (Object.keys(ignored).length > 0) report.ignored = ignored;
  if (input.diff) report.diff = input.diff;
  return report;
}
