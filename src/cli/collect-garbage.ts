import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// Between repositories an audit holds almost nothing, but V8 grows its heap lazily and keeps the
// garbage of the previous repository around; a full collection there keeps the peak near one
// repository's live data. `gc` is exposed once, at first use, with V8's own flag.
let collect: (() => void) | undefined;

export function collectGarbage(): void {
  if (!collect) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
}
