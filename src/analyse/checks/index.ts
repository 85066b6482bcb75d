import { baseImageExpired } from './base-image-expired.js';
import { inUseImageArchived } from './in-use-image-archived.js';
import { inUseImageExpired } from './in-use-image-expired.js';
import { inUseSignatureRemoved } from './in-use-signature-removed.js';
import { recentlyPulledImageExpired } from './recently-pulled-image-expired.js';
import { rollbackTargetExpired } from './rollback-target-expired.js';
import { lintStateChecks, policyChecks } from './lint/index.js';
import type { PolicyCheck, RepositoryCheck } from './types.js';
import { unresolvedInUseReference } from './unresolved-in-use-reference.js';

// The registry of checks: one entry per finding kind.

export const repositoryChecks: RepositoryCheck[] = [
  inUseImageExpired,
  inUseImageArchived,
  inUseSignatureRemoved,
  baseImageExpired,
  recentlyPulledImageExpired,
  unresolvedInUseReference,
  rollbackTargetExpired,
];

export { policyChecks };

/** Every check, for documentation, SARIF rule descriptors and config validation. */
export const allChecks: Array<PolicyCheck | RepositoryCheck> = [...policyChecks, ...repositoryChecks, ...lintStateChecks];
