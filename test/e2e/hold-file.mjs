// Test hook, preloaded with --import: any file-system call on the path in ECR_LIFEGUARD_TEST_HOLD waits
// until the process ends (a timer keeps it alive meanwhile), and ECR_LIFEGUARD_TEST_HELD_MARK, if set,
// names a file created when that wait begins. It holds a command still at a known point
// for the interruption tests, as a FIFO did before FIFOs were refused.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const held = process.env.ECR_LIFEGUARD_TEST_HOLD;
// Created when the hold begins, so a test knows the command is waiting there.
const mark = process.env.ECR_LIFEGUARD_TEST_HELD_MARK;
if (held) {
  const wait = () => {
    if (mark) fs.writeFileSync(mark, '');
    setInterval(() => {}, 1 << 30);
    return new Promise(() => {});
  };
  for (const name of ['stat', 'lstat', 'open', 'readFile']) {
    const original = fs.promises[name];
    fs.promises[name] = (path, ...rest) => (String(path) === held ? wait() : original(path, ...rest));
  }
  syncBuiltinESMExports();
}
