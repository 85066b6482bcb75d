import type { UseOrigin } from './in-use.js';
import type { SourceLocation } from './location.js';

// Findings are data; checks produce them and reporters only format them.

export type Severity = 'error' | 'warning' | 'info';

export const SEVERITY_RANK: Record<Severity, number> = { error: 3, warning: 2, info: 1 };

export type FailOn = Severity | 'never';

export interface FindingImage {
  imageDigest: string;
  imageTags: string[];
}

export interface Finding {
  /** The check id, stable: e.g. `in-use-image-expired`, `tag-list-entries-anded`. */
  id: string;
  severity: Severity;
  message: string;
  repositoryName?: string;
  image?: FindingImage;
  /** The rule responsible, when there is one. */
  rulePriority?: number;
  /** ISO-8601 time at which it happens (for findings about the future). */
  date?: string;
  /** Where the image is used. */
  origins?: UseOrigin[];
  /** Where in a policy file (lint findings). */
  location?: SourceLocation;
  evidence: Record<string, unknown>;
}

/** Exit code 1 when a finding is at or above the threshold. */
export function failsOn(findings: readonly Finding[], failOn: FailOn): boolean {
  if (failOn === 'never') return false;
  return findings.some((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[failOn]);
}

/** Deterministic order for every report: severity, repository, rule, image, id, message. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
    cmp(a.location?.file ?? '', b.location?.file ?? '') ||
    (a.location?.line ?? 0) - (b.location?.line ?? 0) ||
    cmp(a.repositoryName ?? '', b.repositoryName ?? '') ||
    (a.rulePriority ?? 0) - (b.rulePriority ?? 0) ||
    cmp(a.id, b.id) ||
    cmp(a.image?.imageDigest ?? '', b.image?.imageDigest ?? '') ||
    cmp(a.message, b.message)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
