import type { InputProblem } from '../model/errors.js';
import type { Finding } from '../model/finding.js';
import type { SourceLocation } from '../model/location.js';
import type { LifecyclePolicy } from '../model/policy.js';
import { parsePolicyText } from '../load/policy.js';
import type { PolicySource } from '../load/sources/types.js';
import type { ReportPolicy } from '../report/model.js';
import { rejectionDrafts, ecrRejectsPolicy } from '../analyse/checks/lint/ecr-rejects-policy.js';
import { policyChecks } from '../analyse/checks/lint/index.js';
import { unresolvedDraft, unresolvedPolicy } from '../analyse/checks/lint/unresolved-policy.js';
import { parseError, parseErrorDraft } from '../analyse/checks/lint/parse-error.js';
import type { CheckMeta, FindingDraft, PolicyCheckContext } from '../analyse/checks/types.js';
import { levelFor, optionsFor, type LintConfig } from './config.js';

// Lint of one policy source without state: validation (ECR's rejections), then every policy check.
// Pure: the source is already read.

/** Validation warnings a check reports itself (with its own id), so they are not printed twice. */
const WARNINGS_COVERED_BY_CHECKS = new Set(['policy/archive-minimum']);

export interface LintedSource {
  source: PolicySource;
  report: ReportPolicy;
  /** Present when ECR would accept the policy. */
  policy?: LifecyclePolicy;
  locate(pointer: string): SourceLocation;
  findings: Finding[];
  /** Validation warnings no check covers (printed on standard error). */
  warnings: InputProblem[];
}

/** A draft as a finding, with the configured severity; undefined when the check is off. */
export function findingOf(meta: CheckMeta, draft: FindingDraft, config: LintConfig): Finding | undefined {
  const level = levelFor(config, meta.id, draft.severity ?? meta.defaultSeverity);
  if (level === 'off') return undefined;
  return { ...draft, id: meta.id, severity: level };
}

function collect(meta: CheckMeta, drafts: readonly FindingDraft[], config: LintConfig, out: Finding[]): void {
  for (const d of drafts) {
    const f = findingOf(meta, d, config);
    if (f) out.push(f);
  }
}

/** The checks' context for a validated policy; pointers are inside the policy text. */
export function policyContext(policy: LifecyclePolicy, locate: (p: string) => SourceLocation, repositoryName?: string): PolicyCheckContext {
  return { policy, locate, ...(repositoryName !== undefined ? { repositoryName } : {}) };
}

/** Runs every enabled policy check with its configured options. */
export function runPolicyChecks(context: PolicyCheckContext, config: LintConfig): Finding[] {
  const out: Finding[] = [];
  for (const check of policyChecks) {
    if (levelFor(config, check.meta.id, check.meta.defaultSeverity) === 'off') continue;
    collect(check.meta, check.run({ ...context, options: optionsFor(config, check.meta.id) } as PolicyCheckContext), config, out);
  }
  return out;
}

function countRules(text: string): number {
  try {
    const v = JSON.parse(text) as { rules?: unknown };
    return Array.isArray(v?.rules) ? v.rules.length : 0;
  } catch {
    return 0;
  }
}

/** Source problems that are the policy's fault (a deployment would fail), reported as ECR rejections rather than input errors. */
const SOURCE_REJECTIONS = new Set(['source/policy-not-string', 'source/policy-too-long']);
/** Problems with what the user asked for (exit 2): a path that does not exist, a file named that is no policy source. */
const USAGE_PROBLEMS = new Set(['source/not-found', 'source/unrecognised']);

/**
 * Splits discovery problems: rejections become ecr-rejects-policy findings, usage problems stay input
 * errors (exit 2), and every other file that could not be read (syntax, template, unreadable) is one
 * parse-error finding, so the other files are still linted and reported.
 */
export function sourceProblemFindings(problems: readonly InputProblem[], config: LintConfig): { findings: Finding[]; inputProblems: InputProblem[] } {
  const findings: Finding[] = [];
  collect(ecrRejectsPolicy.meta, rejectionDrafts(problems.filter((p) => SOURCE_REJECTIONS.has(p.code))), config, findings);
  const unreadable = problems.filter((p) => !SOURCE_REJECTIONS.has(p.code) && !USAGE_PROBLEMS.has(p.code));
  // One finding per file: the first problem (a file's later errors usually echo its first).
  const firstPerFile = new Map<string, InputProblem>();
  for (const p of unreadable) if (!firstPerFile.has(p.location.file)) firstPerFile.set(p.location.file, p);
  collect(parseError.meta, [...firstPerFile.values()].map(parseErrorDraft), config, findings);
  return { findings, inputProblems: problems.filter((p) => USAGE_PROBLEMS.has(p.code)) };
}

export function lintSource(source: PolicySource, config: LintConfig): LintedSource {
  const report: ReportPolicy = {
    file: source.file, name: source.name, format: source.format, ruleCount: 0, valid: false, location: source.location,
    ...(source.repositoryName !== undefined ? { repositoryName: source.repositoryName } : {}),
  };
  const findings: Finding[] = [];
  if (source.policyText === undefined) {
    report.unresolvedReason = source.unresolvedReason ?? 'the value is not a literal';
    collect(unresolvedPolicy.meta, [unresolvedDraft(source)], config, findings);
    return { source, report, locate: () => source.location, findings, warnings: [] };
  }
  const parsed = parsePolicyText(source.policyText, {
    file: source.file,
    // A plain policy file is the policy: its pointers need no prefix.
    ...(source.pointerPrefix !== '' ? { pointerPrefix: source.pointerPrefix } : {}),
    mapOffset: source.mapOffset,
    mapSpanEnd: source.mapSpanEnd,
  });
  report.ruleCount = parsed.policy?.rules.length ?? countRules(source.policyText);
  const warnings = parsed.warnings.filter((w) => !WARNINGS_COVERED_BY_CHECKS.has(w.code));
  if (!parsed.policy) {
    collect(ecrRejectsPolicy.meta, rejectionDrafts(parsed.problems, source.repositoryName), config, findings);
    return { source, report, locate: parsed.locate, findings, warnings };
  }
  report.valid = true;
  findings.push(...runPolicyChecks(policyContext(parsed.policy, parsed.locate, source.repositoryName), config));
  return { source, report, policy: parsed.policy, locate: parsed.locate, findings, warnings };
}
