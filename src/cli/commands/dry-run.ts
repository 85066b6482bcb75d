import { UsageError, type InputProblem } from '../../model/errors.js';
import { failsOn, type FailOn } from '../../model/finding.js';
import { explainImage, findImage, parseExplainQuery } from '../../simulate/explain.js';
import { formatExplanation } from '../../report/explain-text.js';
import { renderReport, REPORT_FORMATS, type ReportFormat } from '../../report/index.js';
import { writeJsonReport } from '../../report/json.js';
import { listedReport, MAX_LISTED_IMAGES, unreadableRegistryEntry } from '../../report/model.js';
import { EXIT, problemLine } from '../exit.js';
import { loadInputs, requireStateSource, type StateOptions } from '../../load/inputs.js';
import { useColour, widthOf, type CliIO } from '../io.js';
import { openOutput, writeOutput } from '../output.js';
import { checkHorizon, parseChoice, parseDays, parseFailOn, parseNow } from '../options.js';
import { analyseInputs, type AnalysisOptions } from '../../core/analysis.js';
import { discoveryIncompleteNotice, discoveryUnreadable, readSnapshotInUse } from '../in-use-live.js';

// `ecr-lifeguard dry-run`: what the policy does now and over --days, and why, for each image.

export interface DryRunArgs extends StateOptions, AnalysisOptions {
  now?: string;
  days?: number;
  format?: string;
  explain?: string;
  failOn?: string;
  output?: string;
  all?: boolean;
}

export async function runDryRun(args: DryRunArgs, io: CliIO): Promise<number> {
  requireStateSource(args, 'dry-run');
  const now = parseNow(args.now, io.clock);
  const days = parseDays(args.days);
  checkHorizon(now, days);
  const format = parseChoice<ReportFormat>('--format', args.format, ['table', 'json'], io.stdoutIsTTY ? 'table' : 'json');
  const failOn: FailOn = parseFailOn(args.failOn);
  const inputs = await loadInputs(args, now);
  for (const w of inputs.warnings) io.stderr(problemLine('warning: ', w));

  const warn = (p: InputProblem) => io.stderr(problemLine('warning: ', p));
  // What runs, as snapshot --in-use-live/--in-use-kube found it: read as audit --snapshot reads it.
  const found = args.snapshot !== undefined ? await readSnapshotInUse(args.snapshot, warn) : undefined;
  const analysis = await analyseInputs(inputs, { ...args, now, days, ...(found ? { foundUses: found } : {}) }, warn);

  if (args.explain !== undefined) return explain(args.explain, analysis, now, io);

  // The listing rule: the images that matter (the table at most MAX_LISTED_IMAGES each); --all lists every image.
  const report = listedReport(analysis.report, { all: args.all === true, ...(format === 'json' ? {} : { cap: MAX_LISTED_IMAGES }) });
  // Registries the snapshot could not list: said in the report, and the run is incomplete (exit 3).
  const unreadable = [...inputs.unreadableRegistries.map((r) => unreadableRegistryEntry(r, r.reason)), ...(found ? discoveryUnreadable(found) : [])];
  if (unreadable.length > 0) report.unreadableRepositories = unreadable;
  if (format === 'json') {
    // Written as it is serialised: a 100,000-image report is larger than the longest string V8 allows,
    // and holding its chunks would double the peak memory. A file target is still replaced atomically.
    const out = openOutput(args.output, io);
    try {
      writeJsonReport(report, out.write);
      await out.close();
    } finally {
      out.abort();
    }
  } else {
    await writeOutput(args.output, io, await renderReport(report, format, { colour: args.output === undefined && useColour(io), command: 'dry-run', ...widthOf(args.output, io) }));
  }
  if (found && found.missing.length > 0) io.stderr(discoveryIncompleteNotice(found));
  if (report.repositories.some((r) => !r.complete) || unreadable.length > 0) return EXIT.incomplete;
  return failsOn(report.findings, failOn) ? EXIT.findings : EXIT.ok;
}

function explain(query: string, analysis: Awaited<ReturnType<typeof analyseInputs>>, now: number, io: CliIO): number {
  const { repositoryName, tagOrDigest } = parseExplainQuery(query);
  const matches = analysis.repositories
    .filter((r) => repositoryName === undefined || r.input.repositoryName === repositoryName)
    .flatMap((r) => findImage(r.input.state.images, tagOrDigest).map((image) => ({ r, image })));
  if (matches.length === 0) throw new UsageError(`--explain: no image has the tag or digest "${query}" (give a tag, a digest or its first 12 hex characters, or repository:tag or repository@digest)`);
  // The same tag in several repositories is several images: ask which, rather than pick one.
  const repositories = [...new Set(matches.map((m) => m.r.input.repositoryName))];
  if (repositories.length > 1) {
    throw new UsageError(`--explain: "${query}" is in ${repositories.length} repositories: ${repositories.join(', ')}; give one, e.g. --explain ${repositories[0]}${tagOrDigest.includes(':') ? '@' : ':'}${tagOrDigest}`);
  }
  for (const { r, image } of matches) {
    const e = explainImage(r.input.policy?.policy ?? { rules: [] }, r.input.state.images, r.relations, now, image.imageDigest)!;
    io.stdout(formatExplanation(r.input.repositoryName, e, useColour(io), r.explainExtra(image.imageDigest)));
  }
  return EXIT.ok;
}

export { REPORT_FORMATS };
