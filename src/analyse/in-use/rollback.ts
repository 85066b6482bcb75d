import type { InUseReference } from '../../model/in-use.js';

// Rollback targets are their own kind of use: what a rollback would need, not what runs. Any in-use
// file whose name has `.rollback` before its extension (`previous.rollback.txt`, `api.rollback.json`)
// holds them; `snapshot --in-use-live` writes its rollback targets so, and people may too.

const ROLLBACK_FILE = /\.rollback(?:\.[^./\\]+)?$/i;

export function isRollbackFile(name: string): boolean {
  return ROLLBACK_FILE.test(name);
}

/** Turns the runtime uses read from a rollback file into rollback uses (build uses stay what they are). */
export function markRollbackTargets(name: string, uses: InUseReference[]): void {
  if (!isRollbackFile(name)) return;
  for (const use of uses) if (use.kind === 'runtime') use.kind = 'rollback';
}
