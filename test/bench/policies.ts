import type { Prng } from './prng.js';

// Lifecycle policies for the synthetic registry, in ECR's grammar. The 50-rule policy is the
// benchmark's worst case (ECR's maximum rule count): unique priorities, one untagged rule,
// `any` last, a mix of prefix, pattern, count and age rules, one transition rule and one
// archive-class expiry rule.

export const BRANCH_WORDS = [
  'auth', 'billing', 'cache', 'checkout', 'search', 'payments', 'login', 'cart', 'profile', 'ratings',
  'inventory', 'shipping', 'catalog', 'admin', 'metrics', 'tracing', 'export', 'import', 'sso', 'webhooks',
  'reports', 'emails', 'invoices', 'onboarding', 'settings', 'uploads', 'graphql', 'ratelimit', 'i18n', 'darkmode',
] as const;

type Selection = Record<string, unknown>;
interface Rule {
  rulePriority: number;
  description: string;
  selection: Selection;
  action: { type: 'expire' } | { type: 'transition'; targetStorageClass: 'archive' };
}

const EXPIRE = { type: 'expire' } as const;
const days = (countType: string, countNumber: number): Selection => ({ countType, countUnit: 'days', countNumber });
const count = (countNumber: number): Selection => ({ countType: 'imageCountMoreThan', countNumber });
const prefix = (...tagPrefixList: string[]): Selection => ({ tagStatus: 'tagged', tagPrefixList });
const pattern = (...tagPatternList: string[]): Selection => ({ tagStatus: 'tagged', tagPatternList });

function numbered(rules: Array<Omit<Rule, 'rulePriority'>>): { rules: Rule[] } {
  return { rules: rules.map((r, i) => ({ rulePriority: i + 1, ...r })) };
}

/** The 50-rule policy of the largest repository. */
export function benchPolicy(): { rules: Rule[] } {
  const rules: Array<Omit<Rule, 'rulePriority'>> = [
    { description: 'Keep the image tagged latest', selection: { ...pattern('latest'), ...count(1) }, action: EXPIRE },
    { description: 'Release candidates last a month', selection: { ...pattern('v*-rc.*'), ...days('sinceImagePushed', 30) }, action: EXPIRE },
    { description: 'Archive 0.x releases nobody pulled for 90 days', selection: { ...pattern('v0.*'), ...days('sinceImagePulled', 90) }, action: { type: 'transition', targetStorageClass: 'archive' } },
    { description: 'Keep the newest 150 releases', selection: { ...prefix('v'), ...count(150) }, action: EXPIRE },
    { description: 'Cosign signatures', selection: { ...pattern('sha256-*.sig'), ...count(400) }, action: EXPIRE },
    { description: 'Nightly date tags', selection: { ...pattern('20*.*.*'), ...days('sinceImagePushed', 90) }, action: EXPIRE },
    { description: 'Hotfix branches', selection: { ...prefix('hotfix-'), ...days('sinceImagePushed', 60) }, action: EXPIRE },
    { description: 'Bugfix branches', selection: { ...prefix('bugfix-'), ...days('sinceImagePushed', 30) }, action: EXPIRE },
    { description: 'Chore branches', selection: { ...prefix('chore-'), ...days('sinceImagePushed', 14) }, action: EXPIRE },
    { description: 'Pull request builds', selection: { ...prefix('pr-'), ...days('sinceImagePushed', 21) }, action: EXPIRE },
  ];
  BRANCH_WORDS.forEach((word, i) => {
    rules.push(
      i % 4 === 3
        ? { description: `Feature ${word}: newest 10`, selection: { ...prefix(`feature-${word}-`), ...count(10) }, action: EXPIRE }
        : { description: `Feature ${word}`, selection: { ...prefix(`feature-${word}-`), ...days('sinceImagePushed', 7 * (1 + (i % 6))) }, action: EXPIRE },
    );
  });
  rules.push(
    { description: 'Old feature tickets from the 1000s', selection: { ...pattern('feature-*', '*-1*'), ...days('sinceImagePushed', 120) }, action: EXPIRE },
    { description: 'Other feature branches', selection: { ...prefix('feature-'), ...count(300) }, action: EXPIRE },
    { description: 'Dotted tags', selection: { ...pattern('*.*.*'), ...count(500) }, action: EXPIRE },
    { description: 'Build cache', selection: { ...pattern('cache-*'), ...days('sinceImagePushed', 3) }, action: EXPIRE },
    { description: 'Debug builds', selection: { ...pattern('*-debug'), ...days('sinceImagePushed', 7) }, action: EXPIRE },
    { description: 'Nightlies', selection: { ...pattern('nightly*'), ...count(14) }, action: EXPIRE },
    { description: 'Any other tag: newest 3000', selection: { ...pattern('*'), ...count(3000) }, action: EXPIRE },
    { description: 'Untagged leftovers', selection: { tagStatus: 'untagged', ...days('sinceImagePushed', 14) }, action: EXPIRE },
    { description: 'Archived images go after 180 days', selection: { tagStatus: 'any', storageClass: 'archive', ...days('sinceImageTransitioned', 180) }, action: EXPIRE },
    { description: 'Hard cap', selection: { tagStatus: 'any', ...count(20000) }, action: EXPIRE },
  );
  return numbered(rules);
}

/** A typical small policy for the other repositories (4 to 7 rules). */
export function typicalPolicy(prng: Prng): { rules: Rule[] } {
  const rules: Array<Omit<Rule, 'rulePriority'>> = [
    { description: 'Keep recent releases', selection: { ...prefix('v'), ...count(prng.int(20, 100)) }, action: EXPIRE },
    { description: 'Feature branches', selection: { ...prefix('feature-'), ...days('sinceImagePushed', prng.pick([14, 30, 60])) }, action: EXPIRE },
  ];
  if (prng.chance(0.5)) rules.push({ description: 'Signatures', selection: { ...pattern('sha256-*.sig'), ...count(prng.int(50, 300)) }, action: EXPIRE });
  if (prng.chance(0.5)) rules.push({ description: 'Pull requests', selection: { ...prefix('pr-'), ...days('sinceImagePushed', 14) }, action: EXPIRE });
  if (prng.chance(0.3)) {
    rules.push({ description: 'Archive unpulled releases', selection: { ...pattern('v*'), ...days('sinceImagePulled', 180) }, action: { type: 'transition', targetStorageClass: 'archive' } });
  }
  rules.push({ description: 'Untagged', selection: { tagStatus: 'untagged', ...days('sinceImagePushed', prng.pick([1, 7, 14])) }, action: EXPIRE });
  if (prng.chance(0.6)) rules.push({ description: 'Cap', selection: { tagStatus: 'any', ...count(prng.int(1000, 5000)) }, action: EXPIRE });
  return numbered(rules);
}
