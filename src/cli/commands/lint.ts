import { isAbsolute, relative, resolve } from 'node:path';
import { formatProblem, InputError, UsageError, type InputProblem } from '../../model/errors.js';
import { failsOn, type Finding } from '../../model/finding.js';
import { discoverPolicySources, MAX_SOURCE_BYTES } from '../../load/sources/index.js';
import { renderReport, REPORT_FORMATS, type ReportFormat } from '../../report/index.js';
import type { ReportDiff } from '../../report/model.js';
import { loadConfig, ignoreMatches, type LintConfig } from '../../lint/config.js';
import { sourceProblemFindings } from '../../lint/lint.js';
import { buildLintReport, lintAll, type LintedPolicy, type StateRunner } from '../../lint/run.js';
import { EXIT } from '../exit.js';
import { useColour, type CliIO } from '../io.js';
import { writeOutput } from '../output.js';
import { checkHorizon, parseChoice, parseDays, parseFailOn, parseNow } from '../options.js';

// `ecr-lifeguard lint [PATH...]`: the pre-merge check. Plain policy files load neither the AWS SDK
// nor the analysis: state (`--snapshot`, `--images`) and `--base` load their modules on demand.

export interface LintArgs {
  paths?: string[];
  config?: string;
  base?: string;
  snapshot?: string;
  policy?: string;
  images?: string;
  manifests?: string;
  inUse?: string[];
  recentPullDays?: number;
  blobMounting?: boolean;
  now?: string;
  days?: number;
  format?: string;
  failOn?: string;
  output?: string;
  /** Files given explicitly that hold no lifecycle policy are skipped instead of being an error (pre-commit passes every changed file). */
  skipOtherFiles?: boolean;
}

/** With state and no --days, lint looks this far ahead (rules that never act, fate changes). */
export const LINT_DEFAULT_DAYS = 30;

export async function runLint(args: LintArgs, io: CliIO): Promise<number> {
  const formats = Object.keys(REPORT_FORMATS) as ReportFormat[];
  const format = parseChoice<ReportFormat>('--format', args.format, formats, io.stdoutIsTTY ? 'table' : 'json');
  const failOn = parseFailOn(args.failOn);
  const now = parseNow(args.now, io.clock);
  const withState = args.snapshot !== undefined || args.images !== undefined;
  if (!withState) {
    for (const [flag, v] of [['--in-use', args.inUse?.length ? args.inUse : undefined], ['--manifests', args.manifests], ['--recent-pull-days', args.recentPullDays], ['--days', args.days]] as const) {
      if (v !== undefined) throw new UsageError(`lint: ${flag} needs repository state: give --snapshot DIR or --images FILE`);
    }
  }
  const days = withState ? parseDays(args.days ?? LINT_DEFAULT_DAYS) : 0;
  checkHorizon(now, days);
  const config = await loadConfig(args.config, io.cwd);

  if (args.paths?.length && args.policy !== undefined) throw new UsageError('lint: --policy names the policy to lint; give it or PATH arguments, not both');
  const given = args.paths?.length ? args.paths : args.policy !== undefined ? [args.policy] : ['.'];
  const paths = given.map((p) => displayPath(p, io.cwd));
  if (given.filter((p) => p === '-').length > 1) throw new UsageError('lint: standard input (-) can be given once');
  const discovered = await discoverPolicySources(paths, { stdin: readStandardInput, cwd: io.cwd });
  const { findings: otherFindings, inputProblems } = sourceProblemFindings(discovered.problems, config);
  const problems = args.skipOtherFiles ? inputProblems.filter((p) => p.code !== 'source/unrecognised') : inputProblems;
  if (problems.length > 0) throw new InputError(problems);
  // The report says so too (its coverage); stderr keeps the line for people running it by hand.
  if (discovered.sources.length === 0) io.stderr(`ecr-lifeguard: no lifecycle policy found in ${paths.join(', ')}\n`);

  let runState: StateRunner | undefined;
  const warnings: InputProblem[] = [];
  // Repositories whose state was used although incomplete: the run then exits 3, as dry-run and audit do.
  const incomplete = new Map<string, string>();
  if (withState) {
    const stateModule = await import('../../lint/state.js');
    const loaded = await stateModule.loadLintState(args, now, days);
    warnings.push(...loaded.warnings);
    runState = (target, repositoryName) => {
      const repository = stateModule.pairRepository(loaded.state, repositoryName);
      if (typeof repository === 'string') return repository;
      if (!repository.complete) incomplete.set(repository.repositoryName, repository.incompleteReason ?? 'could not be read completely');
      return stateModule.lintAgainstState(target, repository, loaded.state, config);
    };
  }

  const policies = lintAll(discovered.sources, config, runState);
  const diff = args.base !== undefined
    ? await policyDiff(args.base, policies, config, io.cwd, runState)
    : discovered.planChanges
      // A plan holds the policy before and after: the same diff, against the plan's prior state.
      ? (await import('../../lint/diff.js')).diffPlanChanges(discovered.planChanges, policies, (s) => lintAll([s], config, runState)[0]!, visibleFor(config, io.cwd))
      : undefined;

  for (const p of policies) {
    warnings.push(...p.linted.warnings);
    if (p.stateSkipped !== undefined) io.stderr(`warning: ${p.linted.source.file} (${p.linted.source.name}): state checks skipped: ${p.stateSkipped}\n`);
  }
  for (const w of warnings) io.stderr(`warning: ${formatProblem(w)}\n`);

  const report = buildLintReport({ policies, config, cwd: io.cwd, now, days, otherFindings, ...(diff ? { diff } : {}), ...(discovered.coverage ? { coverage: discovered.coverage } : {}) });
  const text = await renderReport(report, format, { colour: args.output === undefined && useColour(io), command: 'lint' });
  await writeOutput(args.output, io, text);
  if (incomplete.size > 0) {
    const which = [...incomplete].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, why]) => `${name} (${why})`).join(', ');
    io.stderr(`ecr-lifeguard: the state of ${which} is incomplete, so the state checks of its policies may miss or misjudge images (exit 3)\n`);
    return EXIT.incomplete;
  }
  return failsOn(report.findings, failOn) ? EXIT.findings : EXIT.ok;
}

async function policyDiff(base: string, policies: LintedPolicy[], config: LintConfig, cwd: string, runState: StateRunner | undefined): Promise<ReportDiff> {
  const [{ loadBaseSources, pairSources }, { diffPolicies }] = await Promise.all([import('../../lint/base.js'), import('../../lint/diff.js')]);
  const baseSources = await loadBaseSources(base, policies.map((p) => p.linted.source), cwd);
  const basePolicies = lintAll(baseSources.sources, config, runState);
  const pairs = pairSources(baseSources, basePolicies.map((p) => ({ ...p, source: p.linted.source })), policies.map((p) => ({ ...p, source: p.linted.source })));
  return diffPolicies(baseSources.label, pairs, visibleFor(config, cwd));
}

/** Findings an `ignore` entry drops are left out of the diff too. */
function visibleFor(config: LintConfig, cwd: string): (f: Finding) => boolean {
  return (f) => !config.ignore.some((e) => ignoreMatches(e, f, cwd));
}

/** Standard input's text (`lint -`), bounded like a file. */
async function readStandardInput(): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > MAX_SOURCE_BYTES) throw new UsageError(`lint: standard input is larger than ${MAX_SOURCE_BYTES / (1024 * 1024)} MiB`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Paths are shown as the user would type them: relative to the process's directory when given relative to `cwd`. */
function displayPath(p: string, cwd: string): string {
  if (p === '-' || isAbsolute(p)) return p;
  const r = relative(process.cwd(), resolve(cwd, p));
  return r === '' ? '.' : r;
}
