import { compareNewestFirst, type ImageRecord, type RepositoryState } from '../model/image.js';
import { ruleStorageClass, type LifecycleRule, type LifecyclePolicy } from '../model/policy.js';
import { isoTime } from '../model/time.js';
import { explainImage } from '../simulate/explain.js';
import { applyActions, simulateHorizon, type TimelineEntry } from '../simulate/horizon.js';
import { makeTagSelector } from '../simulate/match.js';
import { evaluatePolicy } from '../simulate/evaluate.js';
import { DAY_MS, storageClassOf } from '../simulate/measures.js';
import { buildRelations } from '../simulate/relations.js';
import { LOOKUP_PAGE_SIZE, sameRules, type EventNote, type ExtractedEvents, type PolicyExecution, type RepositoryActivity } from '../load/cloudtrail-records.js';

// verify: the snapshot's policies simulated from T0 over the window, compared with what ECR recorded
// doing (PolicyExecutionEvent), image by image. Pure: plain data in, a report out.
//
// Policy periods: the snapshot's rules apply from T0 until an event shows other rules; the event's
// rules then apply from the start of that event's day (days count from T0), the state reached so far
// carried over. Actions are matched by image digest and action (expire, transition), whatever the day:
// ECR evaluates a policy within 24 hours of our simulated run, so both days are reported.

export type Outcome = 'agreed' | 'predicted-not-done' | 'done-not-predicted' | 'pushed-after-snapshot';
export type ActionName = 'EXPIRE' | 'TRANSITION';

export type LikelyReason =
  | 'deleted-after-snapshot'
  | 'policy-changed'
  | 'pulled-after-snapshot'
  | 'may-have-been-pulled'
  | 'retagged-after-snapshot'
  | 'evaluation-within-24-hours'
  | 'events-incomplete'
  | 'pushes-after-snapshot'
  | 'unknown';

export const LIKELY_REASONS: Record<LikelyReason, string> = {
  'deleted-after-snapshot': 'the image was deleted by an API call after the snapshot',
  'policy-changed': 'the lifecycle policy changed during the window',
  'pulled-after-snapshot': 'the image was pulled after the snapshot, which resets its days since last pull',
  'may-have-been-pulled': 'the rule counts days since the last pull: a pull after the snapshot (not in the records read) would reset it',
  'retagged-after-snapshot': 'the image was tagged again (pushed) after the snapshot',
  'evaluation-within-24-hours': 'ECR evaluates a policy within 24 hours: the action may come after the window ends',
  'events-incomplete': 'the events read are incomplete',
  'pushes-after-snapshot': 'images pushed after the snapshot, seen in the records, pushed it beyond the rule\'s image count',
  'unknown': 'nothing in the snapshot or the records read explains it',
};

export interface VerifyRepository {
  repositoryName: string;
  registryId?: string;
  region?: string;
  state: RepositoryState;
  policy?: LifecyclePolicy;
  policyStatus: 'present' | 'none' | 'unknown';
  complete: boolean;
  incompleteReason?: string;
}

export interface VerifyInput {
  /** T0: when the snapshot was taken. */
  snapshotAt: number;
  /** End of the window compared. */
  until: number;
  repositories: VerifyRepository[];
  events: ExtractedEvents;
  /** Reasons the events are incomplete beyond those found in the records (a failed lookup). */
  incomplete: EventNote[];
  /** What was read, carried into the report as given. */
  inputs: VerifyInputs;
  /** Notes from reading the inputs, reported first. */
  notes?: EventNote[];
}

export interface VerifyInputs {
  snapshot: string;
  /** Files read, or `cloudtrail <region> page <n>` lookups. */
  events: Array<{ path: string; records: number; policyExecutions: number }>;
  skipped: Array<{ path: string; reason: string }>;
  live?: { regions: string[]; calls: number };
  /** Records read, of them ignored (other events). */
  records: number;
  ignoredRecords: number;
}

export interface PolicyPeriod {
  fromDay: number;
  from: string;
  source: 'snapshot' | 'event';
  eventId?: string;
  policyVersion?: number;
  differsFromSnapshot: boolean;
  rules: number;
}

export interface ImageAtSnapshot {
  imageTags: string[];
  imagePushedAt: string;
  imageStatus: string;
  lastRecordedPullTime?: string;
  lastArchivedAt?: string;
}

export interface VerifyOutcome {
  outcome: Outcome;
  imageDigest: string;
  imageTags: string[];
  action: ActionName;
  predicted?: { day: number; date: string; rulePriority: number };
  done?: { date: string; day: number; rulePriority: number; eventId: string };
  likelyReason?: LikelyReason;
  /** done-not-predicted only: explained by what the records show, so not counted as a difference. */
  explained?: boolean;
  /** The rule ECR says acted, as the event gives it. */
  evaluatedRule?: LifecycleRule;
  stateAtSnapshot?: ImageAtSnapshot;
  /** Our verdict for the image at the time ECR acted, rule by rule. */
  trace?: string[];
  note?: string;
}

export interface VerifyRepositoryReport {
  repositoryName: string;
  registryId?: string;
  region?: string;
  policyStatus: 'present' | 'none' | 'unknown';
  complete: boolean;
  incompleteReason?: string;
  policyPeriods: PolicyPeriod[];
  executions: number;
  outcomes: VerifyOutcome[];
  notes: string[];
}

export interface VerifySummary {
  repositories: number;
  agreed: number;
  predictedNotDone: number;
  doneNotPredicted: number;
  doneExplained: number;
  pushedAfterSnapshot: number;
}

export interface VerifyReport {
  tool: 'ecr-lifeguard';
  command: 'verify';
  snapshotAt: string;
  until: string;
  days: number;
  complete: boolean;
  incomplete: EventNote[];
  summary: VerifySummary;
  repositories: VerifyRepositoryReport[];
  /** Events about repositories the snapshot does not hold. */
  otherRepositories: Array<{ repositoryName: string; accountId?: string; region?: string; executions: number; actions: number }>;
  notes: EventNote[];
  inputs: VerifyInputs;
}

const ACTION_OF: Record<string, ActionName> = { expire: 'EXPIRE', transition: 'TRANSITION' };

/** Traces (each a full evaluation of the repository) computed per repository. */
export const MAX_TRACES = 20;
/** Causes under which the engine does not rank an image for count rules. */
const UNRANKED = new Set(['index-child', 'referrer', 'activating', 'follows-subject']);

export function verify(input: VerifyInput): VerifyReport {
  const { snapshotAt: t0, until } = input;
  const days = Math.max(0, Math.ceil((until - t0) / DAY_MS));
  const incomplete: EventNote[] = [...input.events.gaps, ...input.events.problems, ...input.incomplete, ...coverageGaps(input.events, input.repositories, t0)];
  const notes: EventNote[] = [...(input.notes ?? [])];
  const claimed = new Set<PolicyExecution>();
  // The same event read twice (a trail's log files and a lookup of the same days) counts once.
  const byId = new Map<string, PolicyExecution>();
  for (const e of input.events.executions) if (!byId.has(e.eventId)) byId.set(e.eventId, e);
  const events = { ...input.events, executions: [...byId.values()] };
  // By repository name first: a registry-wide verify has thousands of repositories and of events.
  const executionsOf = groupBy(events.executions, (e) => e.repositoryName);
  const activityOf = groupBy(input.events.activity, (a) => a.repositoryName);
  const repositories: VerifyRepositoryReport[] = [];
  for (const repo of input.repositories) {
    const matches = (e: { accountId?: string; region?: string }): boolean =>
      (repo.registryId === undefined || e.accountId === undefined || e.accountId === repo.registryId) &&
      (repo.region === undefined || e.region === undefined || e.region === repo.region);
    const mine = (executionsOf.get(repo.repositoryName) ?? []).filter(matches);
    for (const e of mine) claimed.add(e);
    const executions = mine.filter((e) => e.eventTime >= t0 && e.eventTime <= until);
    const activity = (activityOf.get(repo.repositoryName) ?? []).filter((a) => matches(a) && a.eventTime >= t0 && a.eventTime <= until);
    repositories.push(verifyRepository(repo, executions, activity, t0, until, days, incomplete.length > 0));
  }
  for (const r of repositories) {
    if (!r.complete) incomplete.push({ source: r.repositoryName, message: `the snapshot of this repository is incomplete: ${r.incompleteReason ?? 'not read completely'}` });
  }
  // An event whose rules cannot be read leaves the policy of that period unknown: the rules in force
  // before it are kept, but what is compared from then on cannot be trusted.
  for (const e of [...claimed].filter((x) => !x.policy.rules && x.eventTime >= t0 && x.eventTime <= until).sort((a, b) => a.eventTime - b.eventTime || (a.eventId < b.eventId ? -1 : 1))) {
    incomplete.push({ source: e.source, message: `the rules evaluated by event ${e.eventId} (${e.repositoryName}, ${isoTime(e.eventTime)}) could not be read (${e.policy.rulesProblem ?? 'unknown'}): the comparison from that run on uses the rules in force before it and cannot be trusted` });
  }
  if (claimed.size === 0 && events.executions.length > 0) {
    notes.push({ source: 'events', message: `none of the ${events.executions.length} policy executions read is about a repository of the snapshot: check that the events come from the snapshot's account and region` });
  }
  const outside = events.executions.filter((e) => claimed.has(e) && (e.eventTime < t0 || e.eventTime > until)).length;
  if (outside > 0) notes.push({ source: 'events', message: `${outside} policy executions outside the window ${isoTime(t0)} to ${isoTime(until)} were not compared` });
  const others = new Map<string, VerifyReport['otherRepositories'][number]>();
  for (const e of events.executions) {
    if (claimed.has(e)) continue;
    const k = `${e.accountId ?? ''}/${e.region ?? ''}/${e.repositoryName}`;
    const o = others.get(k) ?? { repositoryName: e.repositoryName, ...(e.accountId ? { accountId: e.accountId } : {}), ...(e.region ? { region: e.region } : {}), executions: 0, actions: 0 };
    o.executions++;
    o.actions += e.actions.length;
    others.set(k, o);
  }
  const all = repositories.flatMap((r) => r.outcomes);
  const count = (o: Outcome): number => all.filter((x) => x.outcome === o).length;
  return {
    tool: 'ecr-lifeguard',
    command: 'verify',
    snapshotAt: isoTime(t0),
    until: isoTime(until),
    days,
    complete: incomplete.length === 0,
    incomplete,
    summary: {
      repositories: repositories.length,
      agreed: count('agreed'),
      predictedNotDone: count('predicted-not-done'),
      doneNotPredicted: all.filter((x) => x.outcome === 'done-not-predicted' && !x.explained).length,
      doneExplained: all.filter((x) => x.outcome === 'done-not-predicted' && x.explained).length,
      pushedAfterSnapshot: count('pushed-after-snapshot'),
    },
    repositories,
    otherRepositories: [...others.values()].sort((a, b) => (a.repositoryName < b.repositoryName ? -1 : a.repositoryName > b.repositoryName ? 1 : 0)),
    notes,
    inputs: input.inputs,
  };
}

/**
 * Where the files read do not cover the window's start. ECR evaluates each policy at least daily, but
 * records only runs that act, so a quiet day is no gap; what is reliable:
 * - S3 log files (a trail's delivery, every record of the account and region, not only ECR's): when
 *   those of a snapshot's account and region start more than 24 hours after T0, the first day(s) of the
 *   window are not in the files read;
 * - lookup-events output holding a full page (a multiple of 50 events, LookupEvents' page) whose oldest
 *   record is after T0: the lookup may have stopped there (newest first), older events unread.
 * The window's end is checked by the caller (an explicit --until beyond the last record).
 */
export function coverageGaps(events: ExtractedEvents, repositories: readonly VerifyRepository[], t0: number): EventNote[] {
  const gaps: EventNote[] = [];
  for (const [key, range] of [...events.logFileRange].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const [accountId, region] = key.split(' ');
    const ours = repositories.some((r) => (r.registryId === undefined || !accountId || r.registryId === accountId) && (r.region === undefined || !region || r.region === region));
    if (!ours || range.earliest <= t0 + DAY_MS) continue;
    gaps.push({ source: range.source, message: `the S3 log files read${accountId || region ? ` for ${[accountId, region].filter(Boolean).join(' ')}` : ''} start at ${isoTime(range.earliest)}, more than a day after T0 ${isoTime(t0)}: actions before that are unknown (give the trail's files from T0)` });
  }
  for (const page of events.fullLookupPages) {
    if (page.oldest <= t0) continue;
    gaps.push({ source: page.source, message: `lookup-events output of ${page.events} events (full pages of ${LOOKUP_PAGE_SIZE}) whose oldest is at ${isoTime(page.oldest)}, after T0 ${isoTime(t0)}: older pages may not have been read (look up from T0: --start-time, no --max-items)` });
  }
  return gaps;
}

/** Whether verify's result fails: an unexplained action ECR took that we did not predict. */
export function hasDifference(report: VerifyReport): boolean {
  return report.summary.doneNotPredicted > 0;
}

interface Period {
  fromDay: number;
  policy?: LifecyclePolicy;
  info: PolicyPeriod;
}

function verifyRepository(
  repo: VerifyRepository,
  executions: PolicyExecution[],
  activity: RepositoryActivity[],
  t0: number,
  until: number,
  days: number,
  eventsIncomplete: boolean,
): VerifyRepositoryReport {
  executions = [...executions].sort((a, b) => a.eventTime - b.eventTime || (a.eventId < b.eventId ? -1 : 1));
  const notes: string[] = [];
  const dayOf = (time: number): number => Math.max(0, Math.floor((time - t0) / DAY_MS));

  // The policy periods.
  const periods: Period[] = [{
    fromDay: 0,
    ...(repo.policy ? { policy: repo.policy } : {}),
    info: { fromDay: 0, from: isoTime(t0), source: 'snapshot', differsFromSnapshot: false, rules: repo.policy?.rules.length ?? 0 },
  }];
  for (const e of executions) {
    if (!e.policy.rules) {
      notes.push(`event ${e.eventId}: the rules it evaluated could not be read (${e.policy.rulesProblem ?? 'unknown'}); the rules in force before it are kept`);
      continue;
    }
    const current = periods[periods.length - 1]!;
    if (current.policy && sameRules(current.policy.rules, e.policy.rules)) continue;
    const differsFromSnapshot = !repo.policy || !sameRules(repo.policy.rules, e.policy.rules);
    const info: PolicyPeriod = {
      fromDay: dayOf(e.eventTime), from: isoTime(t0 + dayOf(e.eventTime) * DAY_MS), source: 'event', eventId: e.eventId,
      ...(e.policy.policyVersion !== undefined ? { policyVersion: e.policy.policyVersion } : {}), differsFromSnapshot, rules: e.policy.rules.length,
    };
    const period: Period = { fromDay: info.fromDay, policy: { rules: e.policy.rules }, info };
    if (period.fromDay === current.fromDay) periods[periods.length - 1] = period;
    else periods.push(period);
    notes.push(`the policy evaluated at ${isoTime(e.eventTime)} (event ${e.eventId}${e.policy.policyVersion !== undefined ? `, policyVersion ${e.policy.policyVersion}` : ''}) ${differsFromSnapshot ? 'differs from the snapshot\'s' : 'is the snapshot\'s again'}: its rules are used from ${info.from}`);
  }
  const policyChanged = periods.some((p) => p.info.differsFromSnapshot) || activity.some((a) => a.kind === 'policy-change');

  // The simulation, period by period, each from the state the previous one left.
  const predicted: TimelineEntry[] = [];
  let images: ImageRecord[] = repo.state.images;
  for (const [i, period] of periods.entries()) {
    const lastDay = i + 1 < periods.length ? periods[i + 1]!.fromDay - 1 : days;
    if (lastDay < period.fromDay || !period.policy) continue;
    const relations = buildRelations({ images, manifests: repo.state.manifests });
    const h = simulateHorizon(period.policy, images, relations, t0 + period.fromDay * DAY_MS, lastDay - period.fromDay);
    for (const t of h.timeline) if (t.at <= until) predicted.push({ ...t, day: t.day + period.fromDay });
    images = h.finalImages;
  }
  const policyAt = (day: number): Period => [...periods].reverse().find((p) => p.fromDay <= day) ?? periods[0]!;

  // The simulated state at the start of a day, for the trace of an action we did not predict (kept per day).
  const states = new Map<number, ImageRecord[]>();
  const stateAt = (day: number): ImageRecord[] => {
    const known = states.get(day);
    if (known) return known;
    let state: ImageRecord[] = repo.state.images;
    for (const d of [...new Set(predicted.filter((t) => t.day < day).map((t) => t.day))]) {
      const on = predicted.filter((t) => t.day === d);
      state = applyActions(state, new Set(on.filter((t) => t.action === 'EXPIRE').map((t) => t.imageDigest)), new Set(on.filter((t) => t.action === 'TRANSITION').map((t) => t.imageDigest)), t0 + d * DAY_MS);
    }
    states.set(day, state);
    return state;
  };
  const predictedFor = groupBy(predicted, (t) => `${t.imageDigest} ${t.action}`);

  // The rank of an image among those a count rule identifies on a day, newest first, as the engine
  // ranks them (index children, referrers and ACTIVATING images are not ranked): one ranking per day and rule.
  const rankings = new Map<string, Map<string, number>>();
  const rankAt = (day: number, policy: LifecyclePolicy, rule: LifecycleRule, digest: string): { rank: number; countNumber: number } | undefined => {
    if (rule.selection.countType !== 'imageCountMoreThan') return undefined;
    const key = `${day} ${rule.rulePriority} ${policyAt(day).fromDay}`;
    let ranking = rankings.get(key);
    if (!ranking) {
      const images = stateAt(day);
      const run = evaluatePolicy(policy, images, buildRelations({ images, manifests: repo.state.manifests }), t0 + day * DAY_MS);
      const excluded = new Set(run.decisions.filter((d) => UNRANKED.has(d.cause)).map((d) => d.image.imageDigest));
      const selects = makeTagSelector(rule);
      const storageClass = ruleStorageClass(rule);
      const ranked = [...images].sort(compareNewestFirst).filter((i) => !excluded.has(i.imageDigest) && storageClassOf(i) === storageClass && selects(i.imageTags));
      ranking = new Map(ranked.map((i, n) => [i.imageDigest, n + 1]));
      rankings.set(key, ranking);
    }
    const rank = ranking.get(digest);
    return rank === undefined ? undefined : { rank, countNumber: rule.selection.countNumber };
  };
  let traced = 0;

  const atSnapshot = new Map(repo.state.images.map((i) => [i.imageDigest, i]));
  const pushesAfter = knownPushes(executions, activity, t0);
  const outcomes: VerifyOutcome[] = [];
  const matched = new Set<TimelineEntry>();
  const seen = new Set<string>();
  for (const e of executions) {
    for (const a of e.actions) {
      const rule = e.policy.rules?.find((r) => r.rulePriority === a.rulePriority);
      const action: ActionName = rule ? ACTION_OF[rule.action.type]! : 'EXPIRE';
      // Split events and overlapping inputs may repeat an action: once per image and action.
      const k = `${a.imageDigest} ${action}`;
      if (seen.has(k)) continue;
      seen.add(k);
      const done = { date: isoTime(e.eventTime), day: dayOf(e.eventTime), rulePriority: a.rulePriority, eventId: e.eventId };
      const unknownRule = rule ? undefined : `the event names rule ${a.rulePriority}, which its rules${e.policy.rules ? ' do not hold' : ' (unreadable) cannot show'}: taken as an expiry`;
      const image = atSnapshot.get(a.imageDigest);
      const tags = image?.imageTags ?? a.imageTags;
      if (!image) {
        if (a.imagePushedAt !== undefined && a.imagePushedAt > t0) {
          outcomes.push({ outcome: 'pushed-after-snapshot', imageDigest: a.imageDigest, imageTags: tags, action, done, note: joinNotes(`pushed ${isoTime(a.imagePushedAt)}, after the snapshot: outside what it can predict`, unknownRule) });
        } else {
          outcomes.push({
            outcome: 'done-not-predicted', imageDigest: a.imageDigest, imageTags: tags, action, done, likelyReason: 'unknown', explained: false,
            ...(rule ? { evaluatedRule: rule } : {}),
            note: joinNotes(`the snapshot does not hold this image${a.imagePushedAt !== undefined ? ` (pushed ${isoTime(a.imagePushedAt)}, before the snapshot)` : ''}`, unknownRule),
          });
        }
        continue;
      }
      const p = predictedFor.get(k)?.find((t) => !matched.has(t));
      if (p) {
        matched.add(p);
        const agreed: VerifyOutcome = { outcome: 'agreed', imageDigest: a.imageDigest, imageTags: tags, action, predicted: { day: p.day, date: isoTime(p.at), rulePriority: p.appliedRulePriority }, done };
        const note = joinNotes(p.appliedRulePriority !== a.rulePriority ? `ECR names rule ${a.rulePriority}, the simulation rule ${p.appliedRulePriority}` : undefined, unknownRule);
        if (note) agreed.note = note;
        outcomes.push(agreed);
        continue;
      }
      const period = policyAt(done.day);
      const before = stateAt(done.day);
      // Each trace is a full evaluation of the repository: bounded per repository, the rest say how to get theirs.
      let trace: string[];
      if (traced >= MAX_TRACES) {
        trace = [`trace not computed beyond the first ${MAX_TRACES} of this repository: dry-run --explain ${a.imageDigest} --now ${done.date} gives the verdict on the snapshot's own images and policy at that time`];
      } else {
        traced++;
        const explanation = period.policy ? explainImage(period.policy, before, buildRelations({ images: before, manifests: repo.state.manifests }), e.eventTime, a.imageDigest) : undefined;
        trace = explanation ? [...explanation.steps.map((s) => s.text), `verdict: ${explanation.verdictText}`] : [period.policy ? 'the image was already gone in the simulation' : 'no lifecycle policy in the snapshot at this time'];
      }
      const reason = rule && period.policy ? pushReason(rule, rankAt(done.day, period.policy, rule, a.imageDigest), pushesAfter.filter((x) => x.eventTime <= e.eventTime)) : undefined;
      outcomes.push({
        outcome: 'done-not-predicted', imageDigest: a.imageDigest, imageTags: tags, action, done,
        likelyReason: reason ?? (policyChanged ? 'policy-changed' : 'unknown'), explained: reason !== undefined,
        ...(rule ? { evaluatedRule: rule } : {}),
        stateAtSnapshot: imageState(image),
        trace,
        ...(unknownRule ? { note: unknownRule } : {}),
      });
    }
  }
  for (const t of predicted) {
    if (matched.has(t)) continue;
    outcomes.push({
      outcome: 'predicted-not-done', imageDigest: t.imageDigest, imageTags: t.imageTags, action: t.action,
      predicted: { day: t.day, date: isoTime(t.at), rulePriority: t.appliedRulePriority },
      likelyReason: notDoneReason(t, policyAt(t.day).policy, activity, policyChanged, until, eventsIncomplete),
    });
  }
  outcomes.sort(compareOutcomes);
  const failures = executions.reduce((n, e) => n + e.failures, 0);
  if (failures > 0) notes.push(`ECR reported ${failures} lifecycle actions it could not carry out (lifecycleEventFailureDetails)`);
  return {
    repositoryName: repo.repositoryName,
    ...(repo.registryId !== undefined ? { registryId: repo.registryId } : {}),
    ...(repo.region !== undefined ? { region: repo.region } : {}),
    policyStatus: repo.policyStatus,
    complete: repo.complete,
    ...(repo.incompleteReason !== undefined ? { incompleteReason: repo.incompleteReason } : {}),
    policyPeriods: periods.map((p) => p.info),
    executions: executions.length,
    outcomes,
    notes,
  };
}

interface KnownPush {
  eventTime: number;
  imageTags: string[];
}

/** Images known to be pushed after T0: from PutImage records, and from actions on images pushed after T0. */
function knownPushes(executions: readonly PolicyExecution[], activity: readonly RepositoryActivity[], t0: number): KnownPush[] {
  const byDigest = new Map<string, KnownPush>();
  for (const e of executions) {
    for (const a of e.actions) if (a.imagePushedAt !== undefined && a.imagePushedAt > t0) byDigest.set(a.imageDigest, { eventTime: a.imagePushedAt, imageTags: a.imageTags });
  }
  const out = [...byDigest.values()];
  for (const a of activity) if (a.kind === 'push' && !(a.imageDigest && byDigest.has(a.imageDigest))) out.push({ eventTime: a.eventTime, imageTags: a.imageTags });
  return out;
}

/** A count rule acted on an image it kept at T0: explained when enough later pushes it identifies were seen. */
function pushReason(rule: LifecycleRule, rank: { rank: number; countNumber: number } | undefined, pushes: readonly KnownPush[]): LikelyReason | undefined {
  if (rule.selection.countType !== 'imageCountMoreThan' || !rank || rule.selection.storageClass === 'archive') return undefined;
  const selects = makeTagSelector(rule);
  const identified = pushes.filter((p) => selects(p.imageTags)).length;
  return identified >= rank.countNumber - rank.rank + 1 ? 'pushes-after-snapshot' : undefined;
}

function notDoneReason(t: TimelineEntry, policy: LifecyclePolicy | undefined, activity: readonly RepositoryActivity[], policyChanged: boolean, until: number, eventsIncomplete: boolean): LikelyReason {
  const about = (a: RepositoryActivity): boolean => a.imageDigest === t.imageDigest || a.imageTags.some((tag) => t.imageTags.includes(tag));
  if (activity.some((a) => a.kind === 'delete' && about(a))) return 'deleted-after-snapshot';
  if (policyChanged) return 'policy-changed';
  if (activity.some((a) => a.kind === 'pull' && about(a) && a.eventTime <= t.at)) return 'pulled-after-snapshot';
  if (activity.some((a) => a.kind === 'push' && about(a))) return 'retagged-after-snapshot';
  if (t.at > until - DAY_MS) return 'evaluation-within-24-hours';
  const rule = policy?.rules.find((r) => r.rulePriority === t.appliedRulePriority);
  if (rule?.selection.countType === 'sinceImagePulled') return 'may-have-been-pulled';
  if (eventsIncomplete) return 'events-incomplete';
  return 'unknown';
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

function joinNotes(...notes: Array<string | undefined>): string | undefined {
  const present = notes.filter((n): n is string => n !== undefined);
  return present.length > 0 ? present.join('; ') : undefined;
}

function imageState(i: ImageRecord): ImageAtSnapshot {
  return {
    imageTags: i.imageTags,
    imagePushedAt: isoTime(i.imagePushedAt),
    imageStatus: i.imageStatus,
    ...(i.lastRecordedPullTime !== undefined ? { lastRecordedPullTime: isoTime(i.lastRecordedPullTime) } : {}),
    ...(i.lastArchivedAt !== undefined ? { lastArchivedAt: isoTime(i.lastArchivedAt) } : {}),
  };
}

const OUTCOME_ORDER: Record<Outcome, number> = { 'done-not-predicted': 0, 'predicted-not-done': 1, 'pushed-after-snapshot': 2, agreed: 3 };

function compareOutcomes(a: VerifyOutcome, b: VerifyOutcome): number {
  const day = (o: VerifyOutcome): number => o.done?.day ?? o.predicted?.day ?? 0;
  return OUTCOME_ORDER[a.outcome] - OUTCOME_ORDER[b.outcome] || day(a) - day(b) || (a.imageDigest < b.imageDigest ? -1 : a.imageDigest > b.imageDigest ? 1 : 0) || (a.action < b.action ? -1 : a.action > b.action ? 1 : 0);
}
