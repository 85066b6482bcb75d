import { describe, expect, it } from 'vitest';
import { FindingSpill } from '../../src/cli/finding-spill.js';
import { compareFindings, type Finding, type Severity } from '../../src/model/finding.js';

// The JSON audit spills findings to disk; reading them back must give exactly compareFindings order.
const finding = (repositoryName: string, severity: Severity, id: string, message = id): Finding => ({ id, severity, repositoryName, message, evidence: {} });

function spillOf(perRepository: Finding[][]): FindingSpill {
  const spill = new FindingSpill();
  for (const findings of perRepository) spill.add([...findings].sort(compareFindings));
  return spill;
}

describe('FindingSpill', () => {
  it('reads back every finding in compareFindings order, merging the registry-level ones', () => {
    const repos = [
      [finding('a/api', 'warning', 'w1'), finding('a/api', 'error', 'e1')],
      [finding('b/web', 'info', 'i1'), finding('b/web', 'error', 'e2'), finding('b/web', 'warning', 'w2')],
      [finding('d/tools', 'error', 'e3')],
    ];
    const extra = [finding('c/missing', 'warning', 'unresolved'), finding('0/first', 'error', 'unresolved')];
    const spill = spillOf(repos);
    try {
      const out = [...spill.sorted(extra)];
      expect(out).toEqual([...repos.flat(), ...extra].sort(compareFindings));
      expect(out.map((f) => f.id)).toEqual(['unresolved', 'e1', 'e2', 'e3', 'w1', 'w2', 'unresolved', 'i1']);
      expect(spill.worstRank).toBe(3);
    } finally {
      spill.remove();
    }
  });

  it('falls back to sorting in memory when repositories were not added in name order', () => {
    const spill = spillOf([[finding('z/last', 'error', 'e1')], [finding('a/first', 'error', 'e2')]]);
    try {
      expect([...spill.sorted([])].map((f) => f.repositoryName)).toEqual(['a/first', 'z/last']);
    } finally {
      spill.remove();
    }
  });

  it('keeps multi-byte text intact across the 1 MiB read boundary', () => {
    const findings = Array.from({ length: 3000 }, (_, i) => finding('r/repo', 'warning', `check-${String(i).padStart(4, '0')}`, `Überprüfung 🚀 ${'ä'.repeat(200)} ${i}`));
    const spill = spillOf([findings]);
    try {
      expect([...spill.sorted([])]).toEqual([...findings].sort(compareFindings));
    } finally {
      spill.remove();
    }
  });

  it('calls afterChunk once per chunk read back, between findings (the audit collects garbage there)', () => {
    // About 2.3 MB of findings of one severity: three 1 MiB reads for the one pass that yields them.
    const findings = Array.from({ length: 3000 }, (_, i) => finding('r/repo', 'warning', `check-${String(i).padStart(4, '0')}`, 'x'.repeat(700)));
    const spill = spillOf([findings]);
    try {
      const events: string[] = [];
      for (const f of spill.sorted([], () => events.push('chunk'))) events.push(f.id);
      expect(events.filter((e) => e !== 'chunk')).toEqual([...findings].sort(compareFindings).map((f) => f.id));
      // Each pass over the file (one per severity) reads it in three chunks.
      expect(events.filter((e) => e === 'chunk')).toHaveLength(9);
    } finally {
      spill.remove();
    }
  });
});
