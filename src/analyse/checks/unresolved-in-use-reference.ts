import type { InUseReference } from '../../model/in-use.js';
import { DEFAULT_TAG, type ResolvedReference } from '../references.js';
import { cmp } from '../graph.js';
import { originsOf, referencesEvidence } from './common.js';
import { docsLink, type FindingDraft, type RepositoryCheck, type ResolvedUse } from './types.js';

const id = 'unresolved-in-use-reference';

export const unresolvedInUseReference: RepositoryCheck = {
  scope: 'repository',
  meta: {
    id,
    defaultSeverity: 'warning',
    description: 'An in-use reference names an image (tag or digest) or a repository that the snapshot does not contain.',
    help:
      'The reference cannot be checked against the policy: either it is already broken (the image was deleted or the tag ' +
      'never existed), the snapshot is stale or partial, or the repository was not included. Refresh the snapshot, include ' +
      'the repository, or fix the reference.',
    docs: docsLink(id),
  },
  run(context) {
    return unresolvedReferenceDrafts(context.uses, true);
  },
};

/**
 * One finding per distinct reference (all its origins together). `repositoryInSnapshot` says which
 * case it is: the registry-wide analysis uses this for references to repositories it never saw.
 */
export function unresolvedReferenceDrafts(uses: readonly ResolvedUse[], repositoryInSnapshot: boolean): FindingDraft[] {
  const groups = new Map<string, { repositoryName: string; why: string; uses: ResolvedUse[] }>();
  for (const u of uses) {
    if (u.resolved.status !== 'unresolved') continue;
    const repositoryName = u.resolved.repositoryName ?? u.use.reference.repositoryName;
    const key = JSON.stringify([repositoryName, u.use.reference.raw]);
    const g = groups.get(key);
    if (g) g.uses.push(u);
    else groups.set(key, { repositoryName, why: u.resolved.why, uses: [u] });
  }
  return [...groups.values()]
    .sort((a, b) => cmp(a.repositoryName, b.repositoryName) || cmp(a.uses[0]!.use.reference.raw, b.uses[0]!.use.reference.raw))
    .map((g) => {
      const reference = g.uses[0]!.use.reference;
      const raw = reference.raw;
      return {
        message: repositoryInSnapshot
          ? `in-use reference ${raw} matches no image in repository ${g.repositoryName}: ${g.why}`
          : `in-use reference ${raw} names repository ${g.repositoryName}, which is not in the snapshot: it could not be checked`,
        repositoryName: g.repositoryName,
        origins: originsOf(g.uses),
        evidence: {
          reference: raw,
          by: reference.digest !== undefined ? 'digest' : 'tag',
          // What the reference names, for config `ignore` entries by image (there is no image to name).
          ...(reference.digest !== undefined ? { digest: reference.digest } : { tag: reference.tag ?? DEFAULT_TAG }),
          repositoryInSnapshot,
          why: g.why,
          references: referencesEvidence(g.uses),
        },
      };
    });
}

/** Pairs uses with an `unresolved` resolution (helper for callers that resolve outside a repository context). */
export function asUnresolved(use: InUseReference, why: string): ResolvedUse {
  const resolved: ResolvedReference = { status: 'unresolved', repositoryName: use.reference.repositoryName, why };
  return { use, resolved };
}
