import { InputError, type InputProblem } from '../model/errors.js';
import type { SourceLocation } from '../model/location.js';
import { ARCHIVE_MINIMUM_DAYS, type LifecyclePolicy, type StorageClass } from '../model/policy.js';
import {
  findNodeAtPointer,
  locateInTree,
  makeOffsetLocator,
  parseJsonDocument,
  parseJsonText,
  readTextFile,
  stringContentOffsetMap,
  type JsonNode,
  type LineColumn,
} from './json-document.js';
import { assertInputKind } from './kinds.js';
import { sortProblems } from './problems.js';
import { renderValue, schemaProblems, validateAgainstSchema } from './schemas.js';

// PutLifecyclePolicy's validation, offline: grammar by JSON Schema, combinations and
// cross-rule constraints in code (with ECR's reasons), all problems collected and located.

export const POLICY_TEXT_MIN = 100;
export const POLICY_TEXT_MAX = 30_720;

const REJECT = 'ECR will reject this policy: ';

export interface PolicyTextContext {
  file: string;
  /** Pointer of the policy string in the outer file, e.g. `/lifecyclePolicyText`. */
  pointerPrefix?: string;
  /** Offset inside the policy text -> line/column in the outer file. */
  mapOffset?: (offset: number) => LineColumn;
  /** Where a span of the policy text ends in the outer file, when its pieces come from several places. */
  mapSpanEnd?: (start: number, end: number) => LineColumn;
}

export interface PolicyCheckResult {
  /** Present only when there are no problems. */
  policy?: LifecyclePolicy;
  problems: InputProblem[];
  warnings: InputProblem[];
}

export interface PolicyTextResult extends PolicyCheckResult {
  locate(pointer: string): SourceLocation;
}

export interface LoadedPolicy {
  policy: LifecyclePolicy;
  file: string;
  text: string;
  /** True for `get-lifecycle-policy` output (policy inside `lifecyclePolicyText`). */
  wrapped: boolean;
  repositoryName?: string;
  registryId?: string;
  warnings: InputProblem[];
  locate(innerPointer: string): SourceLocation;
}

type Locate = (pointer: string) => SourceLocation;

export function parsePolicyText(text: string, ctx: PolicyTextContext): PolicyTextResult {
  const toLineColumn = ctx.mapOffset ?? makeOffsetLocator(text);
  const parsed = parseJsonText(text);
  const wrap = (inner: string, lc: Partial<SourceLocation> | undefined): SourceLocation => ({
    file: ctx.file,
    ...(ctx.pointerPrefix !== undefined ? { pointer: ctx.pointerPrefix, innerPointer: inner } : { pointer: inner }),
    ...(lc ?? {}),
  });
  const locate: Locate = (inner) => wrap(inner, locateNearest(parsed.tree, inner, toLineColumn, ctx.mapSpanEnd));
  if (parsed.problems.some((p) => p.code !== 'json/duplicate-key') || parsed.value === undefined) {
    const problems = parsed.problems.map(
      (p): InputProblem => ({ location: wrap('', toLineColumn(p.offset)), code: p.code, message: REJECT + p.message, ...extra(p) }),
    );
    return { problems: sortProblems(problems), warnings: [], locate };
  }
  const result = checkPolicy(parsed.value, text.length, locate);
  // Duplicate keys: whether ECR takes the first or the last value is undocumented, so the policy is ambiguous.
  for (const p of parsed.problems) {
    result.problems.push({ location: wrap('', toLineColumn(p.offset)), code: p.code, message: p.message, ...extra(p) });
  }
  if (result.problems.length > 0) delete result.policy;
  sortProblems(result.problems);
  return { ...result, locate };
}

/** For a policy already parsed (e.g. edited in the interactive editor): no positions, pointers only. */
export function validatePolicyObject(value: unknown, ctx: { file: string }): PolicyCheckResult {
  const length = JSON.stringify(value)?.length ?? 0;
  return checkPolicy(value, length, (pointer) => ({ file: ctx.file, pointer }));
}

export async function loadPolicyFile(path: string, expectedBy = '--policy expects'): Promise<LoadedPolicy> {
  const text = await readTextFile(path);
  const doc = parseJsonDocument(text, path);
  const kind = assertInputKind(doc, ['policy', 'get-lifecycle-policy'], expectedBy);
  if (kind !== 'get-lifecycle-policy') {
    const r = parsePolicyText(text, { file: path });
    if (!r.policy) throw new InputError(r.problems);
    return { policy: r.policy, file: path, text, wrapped: false, warnings: r.warnings, locate: r.locate };
  }
  const problems = validateAgainstSchema('get-lifecycle-policy', doc, '', { codePrefix: 'get-lifecycle-policy' });
  const outer = doc.value as Record<string, unknown>;
  const node = findNodeAtPointer(doc.tree, '/lifecyclePolicyText');
  if (typeof outer.lifecyclePolicyText !== 'string' || !node) throw new InputError(sortProblems(problems));
  const inner = outer.lifecyclePolicyText;
  const outerLineColumn = makeOffsetLocator(text);
  const toOuter = stringContentOffsetMap(text, node.offset);
  const r = parsePolicyText(inner, { file: path, pointerPrefix: '/lifecyclePolicyText', mapOffset: (o) => outerLineColumn(toOuter(o)) });
  problems.push(...r.problems);
  if (!r.policy || problems.length > 0) throw new InputError(sortProblems(problems));
  return {
    policy: r.policy,
    file: path,
    text: inner,
    wrapped: true,
    ...(typeof outer.repositoryName === 'string' ? { repositoryName: outer.repositoryName } : {}),
    ...(typeof outer.registryId === 'string' ? { registryId: outer.registryId } : {}),
    warnings: r.warnings,
    locate: r.locate,
  };
}

function extra(p: { found?: string; expected?: string }): Pick<InputProblem, 'found' | 'expected'> {
  return { ...(p.found !== undefined ? { found: p.found } : {}), ...(p.expected !== undefined ? { expected: p.expected } : {}) };
}

/** Location of the value at a pointer, or of its nearest existing ancestor (e.g. for a missing property). */
function locateNearest(
  tree: JsonNode | undefined,
  pointer: string,
  toLineColumn: (o: number) => LineColumn,
  spanEnd?: (start: number, end: number) => LineColumn,
): Partial<SourceLocation> | undefined {
  let p = pointer;
  for (;;) {
    const lc = locateInTree(tree, p, toLineColumn, spanEnd);
    if (lc || p === '') return lc;
    p = p.slice(0, p.lastIndexOf('/'));
  }
}

// ---------------------------------------------------------------------------------------------

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const isPositiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1;
const SINCE_TYPES = new Set(['sinceImagePushed', 'sinceImagePulled', 'sinceImageTransitioned']);
const COUNT_TYPES = new Set(['imageCountMoreThan', ...SINCE_TYPES]);

/** The whole of PutLifecyclePolicy's validation on a parsed value; `length` is the policy text's. */
function checkPolicy(value: unknown, length: number, locate: Locate): PolicyCheckResult {
  const problems: InputProblem[] = [];
  const warnings: InputProblem[] = [];
  const report = (list: InputProblem[], pointer: string, code: string, message: string, found?: string, expected?: string): void => {
    list.push({ location: locate(pointer), code, message: list === problems ? REJECT + message : message, ...extra({ found, expected }) });
  };
  if (length < POLICY_TEXT_MIN || length > POLICY_TEXT_MAX) {
    report(problems, '', 'policy/text-length', `the policy text must have ${POLICY_TEXT_MIN} to 30,720 characters`, `${length} characters`, `${POLICY_TEXT_MIN} to 30,720 characters`);
  }
  problems.push(...schemaProblems('lifecycle-policy', value, locate, { codePrefix: 'policy', messagePrefix: REJECT, omitCombinations: true }));
  const rules = isObj(value) && Array.isArray(value.rules) ? value.rules : [];
  rules.forEach((rule, i) => checkRuleCombinations(rule, `/rules/${i}`, (p, c, m, f, e) => report(problems, p, c, m, f, e), (p, c, m, f, e) => report(warnings, p, c, m, f, e)));
  checkAcrossRules(rules, (p, c, m, f, e) => report(problems, p, c, m, f, e));
  sortProblems(problems);
  sortProblems(warnings);
  return problems.length === 0 ? { policy: value as LifecyclePolicy, problems, warnings } : { problems, warnings };
}

type Report = (pointer: string, code: string, message: string, found?: string, expected?: string) => void;

/** Combinations inside one rule; each check runs only when the fields it relates are individually valid. */
function checkRuleCombinations(rule: unknown, at: string, error: Report, warning: Report): void {
  if (!isObj(rule)) return;
  const sel = isObj(rule.selection) ? rule.selection : undefined;
  const act = isObj(rule.action) ? rule.action : undefined;
  const countType = typeof sel?.countType === 'string' && COUNT_TYPES.has(sel.countType) ? sel.countType : undefined;
  const actionType = act?.type === 'expire' || act?.type === 'transition' ? act.type : undefined;
  const s = `${at}/selection`;
  if (sel) {
    const lists = (['tagPrefixList', 'tagPatternList'] as const).filter((k) => k in sel);
    if (sel.tagStatus === 'tagged') {
      if (lists.length === 2) {
        error(`${s}/tagPatternList`, 'policy/tag-lists-both', "tagStatus 'tagged' takes exactly one of tagPrefixList and tagPatternList, not both", 'both lists', 'exactly one of tagPrefixList, tagPatternList');
      } else if (lists.length === 0) {
        error(s, 'policy/tag-list-missing', "tagStatus 'tagged' requires tagPrefixList or tagPatternList", 'neither list', 'exactly one of tagPrefixList, tagPatternList');
      }
    } else if (sel.tagStatus === 'untagged' || sel.tagStatus === 'any') {
      for (const k of lists) {
        error(`${s}/${k}`, 'policy/tag-list-not-allowed', `${k} is only allowed with tagStatus 'tagged'`, `tagStatus ${JSON.stringify(sel.tagStatus)}`, "tagStatus 'tagged', or no tag list");
      }
    }
    if (sel.storageClass === 'archive' && countType !== undefined && countType !== 'sinceImageTransitioned') {
      error(`${s}/storageClass`, 'policy/archive-needs-since-transitioned', "storageClass 'archive' is only allowed with countType 'sinceImageTransitioned'", `countType ${JSON.stringify(countType)}`, "countType 'sinceImageTransitioned' or storageClass 'standard'");
    }
    if (countType === 'sinceImageTransitioned' && sel.storageClass !== 'archive' && (sel.storageClass === undefined || sel.storageClass === 'standard')) {
      error('storageClass' in sel ? `${s}/storageClass` : s, 'policy/since-transitioned-needs-archive', "countType 'sinceImageTransitioned' requires storageClass 'archive'", sel.storageClass === undefined ? 'no storageClass (standard)' : renderValue(sel.storageClass), 'storageClass "archive"');
    }
    if (countType !== undefined && SINCE_TYPES.has(countType) && !('countUnit' in sel)) {
      error(s, 'policy/count-unit-missing', `countType '${countType}' requires countUnit 'days'`, 'no countUnit', 'countUnit "days"');
    }
    if (countType === 'imageCountMoreThan' && sel.countUnit === 'days') {
      error(`${s}/countUnit`, 'policy/count-unit-not-allowed', "countUnit is not allowed with countType 'imageCountMoreThan'", 'countUnit "days"', 'no countUnit');
    }
    if (countType === 'sinceImageTransitioned' && isPositiveInt(sel.countNumber) && sel.countNumber < ARCHIVE_MINIMUM_DAYS) {
      warning(
        `${s}/countNumber`,
        'policy/archive-minimum',
        `countNumber ${sel.countNumber} is below the ${ARCHIVE_MINIMUM_DAYS}-day archive minimum: archived images are kept at least ${ARCHIVE_MINIMUM_DAYS} days, so this rule is simulated as ${ARCHIVE_MINIMUM_DAYS}`,
        String(sel.countNumber),
        `${ARCHIVE_MINIMUM_DAYS} or more`,
      );
    }
  }
  if (act) {
    const a = `${at}/action`;
    if (actionType === 'transition' && !('targetStorageClass' in act)) {
      error(a, 'policy/target-storage-class-missing', "action type 'transition' requires targetStorageClass 'archive'", 'no targetStorageClass', 'targetStorageClass "archive"');
    }
    if (actionType === 'expire' && act.targetStorageClass === 'archive') {
      error(`${a}/targetStorageClass`, 'policy/target-storage-class-not-allowed', "targetStorageClass is only allowed with action type 'transition'", 'action type "expire"', 'no targetStorageClass');
    }
    if (countType === 'sinceImagePulled' && actionType === 'expire') {
      error(`${a}/type`, 'policy/since-pulled-needs-transition', "countType 'sinceImagePulled' can only be used with action type 'transition'", 'action type "expire"', 'action type "transition"');
    }
    if (countType === 'sinceImageTransitioned' && actionType === 'transition') {
      error(`${a}/type`, 'policy/since-transitioned-needs-expire', "countType 'sinceImageTransitioned' can only be used with action type 'expire'", 'action type "transition"', 'action type "expire"');
    }
  }
}

interface RuleFacts {
  index: number;
  rulePriority?: number;
  storageClass: StorageClass;
  tagStatus?: string;
  tagPrefixList?: string[];
}

/** Constraints between rules: unique priorities, and per storage class: untagged, any, prefix sets. */
function checkAcrossRules(rules: unknown[], error: Report): void {
  const facts: RuleFacts[] = [];
  rules.forEach((rule, index) => {
    if (!isObj(rule)) return;
    const sel = isObj(rule.selection) ? rule.selection : {};
    if (sel.storageClass !== undefined && sel.storageClass !== 'standard' && sel.storageClass !== 'archive') return;
    const prefixes = Array.isArray(sel.tagPrefixList) && sel.tagPrefixList.every((t) => typeof t === 'string') ? (sel.tagPrefixList as string[]) : undefined;
    facts.push({
      index,
      ...(isPositiveInt(rule.rulePriority) ? { rulePriority: rule.rulePriority } : {}),
      storageClass: sel.storageClass ?? 'standard',
      ...(typeof sel.tagStatus === 'string' ? { tagStatus: sel.tagStatus } : {}),
      ...(prefixes && sel.tagStatus === 'tagged' ? { tagPrefixList: prefixes } : {}),
    });
  });

  const byPriority = new Map<number, number>();
  for (const f of facts) {
    if (f.rulePriority === undefined) continue;
    const first = byPriority.get(f.rulePriority);
    if (first === undefined) byPriority.set(f.rulePriority, f.index);
    else error(`/rules/${f.index}/rulePriority`, 'policy/duplicate-rule-priority', `rulePriority ${f.rulePriority} is already used by rules[${first}]`, String(f.rulePriority), 'a rulePriority unique in the policy');
  }

  for (const storageClass of ['standard', 'archive'] as const) {
    const group = facts.filter((f) => f.storageClass === storageClass);
    const untagged = group.filter((f) => f.tagStatus === 'untagged');
    for (const f of untagged.slice(1)) {
      error(`/rules/${f.index}/selection/tagStatus`, 'policy/multiple-untagged-rules', `only one rule per storage class may select untagged images; rules[${untagged[0]!.index}] already does (storage class ${storageClass})`, '"untagged"', 'one untagged rule per storage class');
    }
    const highest = Math.max(...group.map((f) => f.rulePriority ?? -Infinity));
    for (const f of group) {
      if (f.tagStatus !== 'any' || f.rulePriority === undefined || f.rulePriority === highest) continue;
      const above = group.find((g) => g.rulePriority === highest)!;
      error(`/rules/${f.index}/rulePriority`, 'policy/any-rule-not-last', `a tagStatus 'any' rule must have the highest rulePriority of its storage class (${storageClass}); rules[${above.index}] has rulePriority ${highest}`, String(f.rulePriority), `a rulePriority above ${highest}`);
    }
    const prefixSets = new Map<string, number>();
    for (const f of group) {
      if (!f.tagPrefixList) continue;
      const key = JSON.stringify([...new Set(f.tagPrefixList)].sort());
      const first = prefixSets.get(key);
      if (first === undefined) prefixSets.set(key, f.index);
      else error(`/rules/${f.index}/selection/tagPrefixList`, 'policy/duplicate-tag-prefix-list', `rules[${first}] already selects the same tagPrefixList set (storage class ${storageClass})`, key, 'a tagPrefixList set not used by another rule');
    }
  }
}
