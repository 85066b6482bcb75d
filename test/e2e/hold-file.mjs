// Test hook, preloaded with --import: any file-system call on the path in ECR_LIFEGUARD_TEST_HOLD waits
// until the process ends (a timer keeps it alive meanwhile). It holds a command still at a known point
// for the interruption tests, as a FIFO did before FIFOs were refused.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const held = process.env.ECR_LIFEGUARD_TEST_HOLD;
if (held) {
  const wait = () => {
    setInterval(() => {}, 1 << 30);
    return new Promise(() => {});
  };
  for (const name of ['stat', 'lstat', 'open', 'readFile']) {
    const original = fs.promises[name];
    fs.promises[name] = (path, ...rest) => (String(path) === held ? wait() : original(path, ...rest));
  }
  syncBuiltinESMExports();
}
