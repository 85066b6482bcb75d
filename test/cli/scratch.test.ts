import { it } from 'vitest';
import { FakeEcrServer } from '../support/fake-ecr/server.js';
import { awsEnv, runCli, tempDir } from './support.js';
import { sampleRegistry } from '../support/fake-ecr/harness.js';
import { join } from 'node:path';
it('explore', async () => {
  for (let i = 0; i < 6; i++) {
  const fake = await FakeEcrServer.start(sampleRegistry());
  const home = await tempDir();
  const env = awsEnv(home);
    if (i % 2) fake.addFault({ operation: 'DescribeImages', kind: 'access-denied', repositoryName: 'web' });
    let t = Date.now();
    const s = await runCli(['snapshot', '--out', join(home, 'snap'), '--endpoint-url', fake.url, '--cache-dir', join(home, 'c')], env);
    console.log(s.code, s.stdout.length, s.stderr.length, Date.now() - t, fake.callCount('DescribeImages', 'web'));
  await fake.close();
  }
}, 120000);
