import { test } from 'vitest';
import { FakeEcrServer } from '../support/fake-ecr/server.js';
import { liveOptions, manyImages, tempDir } from '../support/fake-ecr/harness.js';
import { takeSnapshot } from '../../src/aws/snapshot.js';
test('prof', async () => {
  const fake = await FakeEcrServer.start({ registryId: '222222222222', repositories: [{ repositoryName: 'big', images: manyImages('big', 2500) }] });
  const out = await tempDir(); const cache = await tempDir();
  let last = Date.now(); let lastCalls = 0;
  const t0 = Date.now();
  await takeSnapshot({ out, ...liveOptions(fake.url, cache), progress: (p) => { if (p.apiCalls !== lastCalls) { console.log(p.apiCalls, Date.now() - last); last = Date.now(); lastCalls = p.apiCalls; } } });
  console.log('total', Date.now() - t0);
  const t1 = Date.now();
  await takeSnapshot({ out, ...liveOptions(fake.url, cache) });
  console.log('second', Date.now() - t1);
  await fake.close();
});
