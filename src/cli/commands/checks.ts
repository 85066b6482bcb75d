import { allChecks, policyChecks } from '../../analyse/checks/index.js';
import { lintStateChecks } from '../../analyse/checks/lint/index.js';
import type { CheckMeta } from '../../analyse/checks/types.js';
import { EXIT } from '../exit.js';
import type { CliIO } from '../io.js';
import { parseChoice } from '../options.js';

// `ecr-lifeguard checks`: the catalogue of every check the tool runs, from the registries themselves,
// so the list can never drift from what runs.

export interface ChecksArgs {
  format?: string;
}

/** Where a check runs: on the policy alone (lint), on a policy against repository state (lint), or in the analysis. */
export type CheckScope = 'policy' | 'lint-state' | 'repository';

export interface CheckEntry {
  id: string;
  severity: CheckMeta['defaultSeverity'];
  scope: CheckScope;
  description: string;
  docs: string;
}

export function checkCatalogue(): CheckEntry[] {
  const scopeOf = (check: (typeof allChecks)[number]): CheckScope =>
    (policyChecks as readonly unknown[]).includes(check) ? 'policy' : (lintStateChecks as readonly unknown[]).includes(check) ? 'lint-state' : 'repository';
  return allChecks.map((check) => ({
    id: check.meta.id,
    severity: check.meta.defaultSeverity,
    scope: scopeOf(check),
    description: check.meta.description,
    docs: check.meta.docs,
  }));
}

export async function runChecks(args: ChecksArgs, io: CliIO): Promise<number> {
  const format = parseChoice('--format', args.format, ['table', 'json'] as const, 'table');
  const entries = checkCatalogue();
  if (format === 'json') {
    io.stdout(`${JSON.stringify({ checks: entries }, null, 2)}\n`);
    return EXIT.ok;
  }
  const head = { id: 'CHECK', severity: 'SEVERITY', scope: 'RUNS ON' };
  const width = (key: keyof typeof head) => Math.max(head[key].length, ...entries.map((e) => e[key].length));
  const [wId, wSeverity, wScope] = [width('id'), width('severity'), width('scope')];
  const row = (id: string, severity: string, scope: string, text: string) => `${id.padEnd(wId)}  ${severity.padEnd(wSeverity)}  ${scope.padEnd(wScope)}  ${text}`.trimEnd();
  const indent = ' '.repeat(wId + wSeverity + wScope + 6);
  const lines = [row(head.id, head.severity, head.scope, 'DESCRIPTION / DOCS')];
  for (const e of entries) lines.push(row(e.id, e.severity, e.scope, e.description), `${indent}${e.docs}`);
  lines.push('', `${entries.length} checks. Set a check's severity, or turn it off, with "rules" in .ecr-lifeguard.json (see README, Configuration).`);
  io.stdout(`${lines.join('\n')}\n`);
  return EXIT.ok;
}
