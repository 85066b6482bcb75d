import { docsLink, type FindingDraft, type PolicyCheck } from '../types.js';
import { rulePointer } from './common.js';
import { globIncludes, renderList, ruleEntryGlobs, ruleListEntries, ruleListName } from './tag-language.js';

// Entries of one tag list are ANDed. A list whose entries imply one another (["prod", "prod-eu"])
// reads as intended; two or more independent entries usually were meant as alternatives.

const id = 'tag-list-entries-anded';

export const tagListEntriesAnded: PolicyCheck = {
  scope: 'policy',
  meta: {
    id,
    defaultSeverity: 'warning',
    description: 'Several independent entries in one tagPrefixList or tagPatternList: they are ANDed, not alternatives.',
    help:
      'A tagged rule selects an image only when every entry of its list matches at least one of the image\'s tags. ' +
      '["prod", "staging"] therefore selects only images tagged with both a prod* and a staging* tag, usually none. ' +
      'If the entries are alternatives, write one rule per entry (each with its own rulePriority).',
    docs: docsLink(id),
  },
  run({ policy, locate, repositoryName }) {
    const out: FindingDraft[] = [];
    policy.rules.forEach((rule, index) => {
      const list = ruleListName(rule);
      if (!list) return;
      const entries = ruleListEntries(rule);
      const globs = ruleEntryGlobs(rule);
      // An entry implied by another (every tag matching the other matches it) adds nothing; keep the
      // first of equal entries.
      const independent = entries.filter((_, i) =>
        !globs.some((g, j) => j !== i && globIncludes(globs[i]!, g) && (!globIncludes(g, globs[i]!) || j < i)),
      );
      if (independent.length < 2) return;
      const draft: FindingDraft = {
        message:
          `${list} entries ${renderList(independent)} are ANDed: rule ${rule.rulePriority} selects only images that have a tag matching ` +
          `each of them (tagged with both ${independent.map((e) => JSON.stringify(e)).slice(0, 2).join(' and ')}${independent.length > 2 ? ' and more' : ''}), ` +
          'not either; if they are alternatives, write one rule per entry',
        location: locate(rulePointer(index, 'selection', list)),
        rulePriority: rule.rulePriority,
        evidence: { list, entries, independentEntries: independent },
      };
      if (repositoryName !== undefined) draft.repositoryName = repositoryName;
      out.push(draft);
    });
    return out;
  },
};
