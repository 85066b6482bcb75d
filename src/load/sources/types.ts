import type { InputProblem } from '../../model/errors.js';
import type { SourceLocation } from '../../model/location.js';
import type { MappedText } from './positions.js';
import type { TreeNode } from './tree.js';

export type PolicySourceFormat = 'policy-json' | 'get-lifecycle-policy' | 'terraform-plan' | 'terraform-state' | 'terraform' | 'cloudformation' | 'cdk';

export interface PolicySource {
  file: string;
  format: PolicySourceFormat;
  /** What the policy is called in its file: 'aws_ecr_lifecycle_policy.api', 'module.ecr.aws_ecr_lifecycle_policy.this["api"]', a CloudFormation logical id (or its `aws:cdk:path`), or the file name. */
  name: string;
  repositoryName?: string;
  /** Repository creation templates (CloudFormation, Terraform): the prefix of the repositories the policy is applied to. */
  repositoryPrefix?: string;
  /** The policy JSON text; undefined when it cannot be resolved statically. */
  policyText?: string;
  unresolvedReason?: string;
  /** Set when the text is (partly) a CloudFormation Parameter's `Default`, which a deployment may override. */
  resolvedFrom?: 'parameter-default';
  /** Where the policy value is in the file (line/column of the string or mapping). */
  location: SourceLocation;
  /** JSON pointer of the policy value in the file (for YAML: the equivalent path as a pointer). */
  pointerPrefix: string;
  /** Maps a character offset inside policyText to the 1-based line/column in the file. */
  mapOffset(offset: number): { line: number; column: number };
  /** Where a span [start, end) of policyText ends in the file: cut at the end of its first piece when it spans several (Join, Sub). */
  mapSpanEnd(start: number, end: number): { line: number; column: number };
}

/** A file met but not read as a policy source, and why (every report's coverage lists these). */
export interface SkippedFile {
  file: string;
  reason: 'not-a-policy-source' | 'template' | 'not-parsed' | 'program-source' | 'too-large' | 'not-regular' | 'link' | 'unreadable';
  /** In words, for reports. */
  detail: string;
}

/** What a lint run read: files examined, policies per source format, files skipped and why. */
export interface SourceCoverage {
  filesExamined: number;
  policies: Record<string, number>;
  skipped: SkippedFile[];
}

export interface PolicySourcesResult {
  sources: PolicySource[];
  problems: InputProblem[];
  /** Set by discovery over files and trees. */
  coverage?: SourceCoverage;
  /** Plan JSON files: what each plan changes (the before policies of `resource_changes`), so lint can show the diff. */
  planChanges?: Array<PlanChange<PolicySource> & { file: string }>;
}

/** What a format extractor finds, before it is placed in its file. */
export interface SourceDraft {
  format: PolicySourceFormat;
  name: string;
  /** The node the policy text is (or would be) in. */
  at: TreeNode;
  text?: MappedText;
  unresolvedReason?: string;
  repositoryName?: string;
  repositoryPrefix?: string;
  resolvedFrom?: 'parameter-default';
}

/** A problem located by a tree node: the caller adds file and line/column. */
export interface DraftProblem {
  at: TreeNode;
  code: string;
  message: string;
  found?: string;
  expected?: string;
}

export interface DraftsResult {
  drafts: SourceDraft[];
  problems: DraftProblem[];
  /** Plan JSON: the policy resources the plan creates, updates or deletes, with the policy before. */
  planChanges?: Array<PlanChange<SourceDraft>>;
}

/** A plan's change to one policy resource (`resource_changes[]`): `name` is its address, as the planned policy's source is named. */
export interface PlanChange<T> {
  name: string;
  /** Terraform's actions: ['create'], ['update'], ['delete'], ['delete', 'create']... */
  actions: string[];
  /** The policy before the change; absent when the resource is created. */
  before?: T;
}

/** A policy given as something other than its JSON text (an object, a number...). */
export function notTextProblem(at: TreeNode, message: string, expected = 'a string'): DraftProblem {
  return { at, code: 'source/policy-not-string', message, found: describeNode(at), expected };
}

export function describeNode(node: TreeNode): string {
  if (node.kind === 'map') return 'an object';
  if (node.kind === 'seq') return 'a list';
  return node.value === null ? 'null' : `a ${typeof node.value}`;
}
