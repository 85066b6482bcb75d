import { formatProblem } from '../../model/errors.js';
import { EXIT } from '../exit.js';
import { loadInputs, requireStateSource } from '../../load/inputs.js';
import { useColour, type CliIO } from '../io.js';
import { checkHorizon, parseDays, parseNow } from '../options.js';
import { prepareAnalysis } from '../../core/analysis.js';
import { runRepl } from '../interactive/repl.js';
import { savePolicyFile } from '../interactive/save.js';
import { Session } from '../interactive/session.js';
import type { DryRunArgs } from './dry-run.js';

// `ecr-lifeguard dry-run --interactive`: explore and tune a policy against real repositories.

export async function runInteractive(args: DryRunArgs, io: CliIO): Promise<number> {
  requireStateSource(args, 'dry-run --interactive');
  const now = parseNow(args.now, io.clock);
  const days = parseDays(args.days);
  checkHorizon(now, days);
  const inputs = await loadInputs(args, now);
  for (const w of inputs.warnings) io.stderr(`warning: ${formatProblem(w)}\n`);
  const setup = await prepareAnalysis(inputs, { ...args, now, days }, (p) => io.stderr(`warning: ${formatProblem(p)}\n`));
  const session = new Session(inputs.repositories, setup, {
    colour: useColour(io) && Boolean(process.stdin.isTTY),
    writeFile: savePolicyFile,
  }, undefined, inputs.unreadableRegistries);
  await runRepl(session, { input: process.stdin, output: process.stdout, env: io.env });
  return EXIT.ok;
}
