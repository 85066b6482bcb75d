import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// Between repositories an audit holds almost nothing, but V8 grows its heap lazily and keeps the
// garbage of the previous repository around; a full collection there keeps the peak near one
// repository's live data. `gc` is exposed once, at first use, with V8's own flag.
let collect: (() => void) | undefined;
let usedAfterLast = 0;

/**
 * A full collection, but only once the heap has grown by `minGrowth` bytes since the last one: a full
 * collection walks everything live (a registry-wide layer index included), and thousands of small
 * repositories must not pay for one each.
 */
export function collectGarbage(minGrowth = 0): void {
  if (getHeapStatistics().used_heap_size - usedAfterLast < minGrowth) return;
  if (!collect) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
  usedAfterLast = getHeapStatistics().used_heap_size;
}
