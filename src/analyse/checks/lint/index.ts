import type { PolicyCheck, RepositoryCheck } from '../types.js';
import { archiveMinimum } from './archive-minimum.js';
import { burstRisk } from './burst-risk.js';
import { catchAllSmallCount } from './catch-all-small-count.js';
import { deadRule } from './dead-rule.js';
import { ecrRejectsPolicy } from './ecr-rejects-policy.js';
import { noUntaggedRule } from './no-untagged-rule.js';
import { parseError } from './parse-error.js';
import { ruleNeverActs } from './rule-never-acts.js';
import { selectsSignatures } from './selects-signatures.js';
import { shadowedRule } from './shadowed-rule.js';
import { tagListEntriesAnded } from './tag-list-entries-anded.js';
import { unresolvedPolicy } from './unresolved-policy.js';

// The lint checks. This module stays free of the analysis and loaders: `lint` of plain policy
// files imports only it.

/** Checks on the policy alone (ecr-rejects-policy, unresolved-policy and parse-error are produced by the lint runner). */
export const policyChecks: PolicyCheck[] = [
  ecrRejectsPolicy,
  unresolvedPolicy,
  parseError,
  tagListEntriesAnded,
  shadowedRule,
  catchAllSmallCount,
  selectsSignatures,
  archiveMinimum,
  noUntaggedRule,
];

/**
 * Checks of a policy against repository state, run by lint only: they need the policy being linted
 * (`LintRepositoryContext`), which the analysis' repository checks do not see.
 */
export const lintStateChecks: RepositoryCheck[] = [deadRule, ruleNeverActs, burstRisk];
