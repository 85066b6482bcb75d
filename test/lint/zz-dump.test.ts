import { readdirSync } from 'node:fs';
import { test } from 'vitest';
import { lintFixture } from './rule-tester.js';
test('dump', () => {
  const dir = '/work/main/test/fixtures/lint/rules';
  for (const id of readdirSync(dir).sort()) for (const kind of ['fires', 'passes']) {
    const { findings } = lintFixture(`${dir}/${id}/${kind}.json`, id);
    console.log(`== ${id}/${kind}`);
    for (const f of findings) console.log(`${f.id === id ? '*' : ' '} ${f.id} L${f.location?.line} ${f.severity}: ${f.message}`);
  }
});
