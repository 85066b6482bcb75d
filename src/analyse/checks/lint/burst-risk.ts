import { effectivePushTime } from '../../../model/image.js';
import { ruleStorageClass } from '../../../model/policy.js';
import { DAY_MS } from '../../../simulate/evaluate.js';
import { findingImage, imageLabel, originsOf } from '../common.js';
import { docsLink, type FindingDraft, type RepositoryCheck } from '../types.js';
import { lintPolicy, numberOption, type LintCheckMeta } from './common.js';
import { identifiedToday } from './state-common.js';

// A count rule keeps the newest N images it identifies; at the observed push rate, an in-use image
// ranked r falls out after (N - r + 1) more pushes. Fire when that is sooner than `days`.

const id = 'burst-risk';

/** Pushes are counted over this window before `now`. */
export const BURST_WINDOW_DAYS = 30;
export const BURST_RISK_DAYS = 14;

const meta: LintCheckMeta = {
  id,
  defaultSeverity: 'warning',
  description: 'At the observed push rate, an in-use image kept by a count rule falls out of the count soon (needs state and --in-use).',
  help:
    `From the push times of the images a count rule (imageCountMoreThan) identifies, the push rate over the last ${BURST_WINDOW_DAYS} ` +
    'days estimates how soon an in-use image it keeps is pushed out of the newest N: (countNumber - rank + 1) / rate days. ' +
    'Images already expired are not in the state, so the rate is a lower bound and the estimate optimistic. Protect the ' +
    'image with a higher-priority rule selecting its tags (release tags), or raise countNumber. Option days sets the threshold.',
  docs: docsLink(id),
  options: { days: { default: BURST_RISK_DAYS, minimum: 1, description: 'Estimates below this many days are reported.' } },
};

export const burstRisk: RepositoryCheck = {
  scope: 'repository',
  meta,
  run(context) {
    const policy = lintPolicy(context);
    if (!policy || context.inUse.size === 0) return [];
    const threshold = numberOption(meta, context, 'days');
    const out: FindingDraft[] = [];
    for (const rule of policy.rules) {
      const s = rule.selection;
      if (s.countType !== 'imageCountMoreThan' || ruleStorageClass(rule) !== 'standard') continue;
      const identified = identifiedToday(context, rule);
      const since = context.now - BURST_WINDOW_DAYS * DAY_MS;
      const pushes = identified.filter((i) => effectivePushTime(i) > since && effectivePushTime(i) <= context.now).length;
      if (pushes === 0) continue;
      const rate = pushes / BURST_WINDOW_DAYS;
      const protectedHere = new Set(
        context.horizon.first.decisions.filter((d) => d.action === 'KEEP' && d.protectingRulePriority === rule.rulePriority).map((d) => d.image.imageDigest),
      );
      identified.forEach((image, k) => {
        const rank = k + 1;
        const digest = image.imageDigest;
        if (rank > s.countNumber || !protectedHere.has(digest) || !context.inUse.has(digest)) return;
        if (context.fates.get(digest)?.first) return; // acted on within the horizon: the safety checks say so
        const estimate = (s.countNumber - rank + 1) / rate;
        if (estimate >= threshold) return;
        const uses = context.usesByImage.get(digest) ?? [];
        const draft: FindingDraft = {
          message:
            `in-use image ${imageLabel(context, digest, uses)} is number ${rank} of the newest ${s.countNumber} rule ${rule.rulePriority} keeps; ` +
            `at the observed ${round(rate)} pushes per day (last ${BURST_WINDOW_DAYS} days) it falls out of the count and ${rule.action.type === 'expire' ? 'is expired' : 'is archived'} in about ` +
            `${round(estimate)} days (threshold ${threshold})`,
          repositoryName: context.repositoryName,
          image: findingImage(context, digest),
          rulePriority: rule.rulePriority,
          evidence: { rate: round(rate), pushesInWindow: pushes, windowDays: BURST_WINDOW_DAYS, rank, countNumber: s.countNumber, estimateDays: round(estimate), thresholdDays: threshold },
        };
        if (uses.length > 0) draft.origins = originsOf(uses);
        out.push(draft);
      });
    }
    return out;
  },
};

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
