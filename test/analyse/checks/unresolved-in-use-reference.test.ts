import { describe, expect, it } from 'vitest';
import { analyseRegistry } from '../../../src/analyse/analyse.js';
import { NOW, digest, image } from '../../support/builders.js';
import { findingsOf, ref, run, state, use } from '../helpers.js';

const ID = 'unresolved-in-use-reference';

describe(ID, () => {
  const v1 = image({ name: 'v1', tags: ['v1'] });
  const s = state([v1]);

  it('fires for a tag or digest the repository does not contain, once per reference with every origin', () => {
    const r = run({
      state: s,
      uses: [use(ref(':v9'), 'runtime', 'a.yaml', 4), use(ref(':v9'), 'runtime', 'b.yaml', 1), use(ref(`@${digest('gone')}`))],
    });
    const found = findingsOf(r, ID);
    expect(found).toHaveLength(2);
    const tagged = found.find((f) => f.evidence.by === 'tag')!;
    expect(tagged).toMatchObject({ severity: 'warning', repositoryName: 'app', evidence: { repositoryInSnapshot: true } });
    expect(tagged.origins!.map((o) => o.file)).toEqual(['a.yaml', 'b.yaml']);
    expect(tagged.message).toContain('no image is tagged "v9"');
    expect(found.find((f) => f.evidence.by === 'digest')!.message).toContain(digest('gone'));
  });

  it('does not fire for references that resolve, nor for other registries', () => {
    const otherAccount = use('999999999999.dkr.ecr.eu-west-1.amazonaws.com/app:v9');
    expect(findingsOf(run({ state: s, uses: [use(ref(':v1')), otherAccount] }), ID)).toEqual([]);
  });

  it('reports references to repositories missing from the snapshot, saying so', () => {
    const reg = analyseRegistry({
      repositories: [s], registry: { registryId: '123456789012', region: 'eu-west-1' }, policyFor: () => undefined,
      now: NOW, days: 30, uses: [use(ref(':v1', 'missing')), use(ref(':v1'))],
    });
    const found = reg.findings.filter((f) => f.id === ID);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ repositoryName: 'missing', evidence: { repositoryInSnapshot: false } });
    expect(found[0]!.message).toContain('not in the snapshot');
  });
});
