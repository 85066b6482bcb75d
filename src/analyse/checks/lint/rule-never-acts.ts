import { docsLink, type FindingDraft, type RepositoryCheck } from '../types.js';
import { count, describeSelection, lintPolicy } from './common.js';
import { identifiedToday } from './state-common.js';

// A rule that selects images but acts on none over the whole horizon: harmless, but often not what
// its author expects (a count never exceeded, an age never reached, images claimed by a higher rule).

const id = 'rule-never-acts';

export const ruleNeverActs: RepositoryCheck = {
  scope: 'repository',
  meta: {
    id,
    defaultSeverity: 'info',
    description: 'A rule that identifies images but acts on none of them over the horizon (needs state).',
    help:
      'Simulating the policy once a day over the horizon (--days), the rule never expires or archives an image: its count ' +
      'is never exceeded, its age threshold never reached, or higher-priority rules identify its images first. That may ' +
      'be intended (a safety net); if not, check countNumber and the rule order. Rules that identify nothing are reported ' +
      'as dead-rule instead.',
    docs: docsLink(id),
  },
  run(context) {
    const policy = lintPolicy(context);
    if (!policy) return [];
    const acting = new Set(context.horizon.timeline.filter((t) => t.cause === 'rule').map((t) => t.appliedRulePriority));
    const out: FindingDraft[] = [];
    for (const rule of policy.rules) {
      if (acting.has(rule.rulePriority)) continue;
      const identified = identifiedToday(context, rule).length;
      if (identified === 0) continue;
      const firstBy = context.horizon.first.decisions.filter((d) => d.protectingRulePriority === rule.rulePriority).length;
      out.push({
        message:
          `rule ${rule.rulePriority} (${describeSelection(rule)}) identifies ${count(identified, 'image')} of ${context.repositoryName} but acts on none ` +
          `within ${context.days} days${firstBy === 0 ? ' (higher-priority rules identify all of them first)' : ''}`,
        repositoryName: context.repositoryName,
        rulePriority: rule.rulePriority,
        evidence: { identifiedToday: identified, identifiedFirstByThisRule: firstBy, days: context.days },
      });
    }
    return out;
  },
};
