import type { Argv } from 'yargs';
import { UsageError } from '../model/errors.js';
import { EXIT, reportError } from './exit.js';
import type { CliIO } from './io.js';
import { VERSION } from '../version.js';

// The command line: yargs describes the commands; each handler is imported only when it runs,
// so `lint` of one file never loads the AWS SDK.

type Handler = (args: Record<string, unknown>, io: CliIO) => Promise<number>;

const stateOptions = (y: Argv) =>
  y
    .option('snapshot', { type: 'string', describe: 'Snapshot directory: one folder per repository (see README)' })
    .option('policy', { type: 'string', describe: 'Lifecycle policy JSON, or get-lifecycle-policy output' })
    .option('images', { type: 'string', describe: 'describe-images output (use --filter imageStatus=ANY)' })
    .option('manifests', { type: 'string', describe: 'batch-get-image output (index children, referrers, layers)' });

const analysisOptions = (y: Argv) =>
  y
    .option('now', { type: 'string', describe: 'Evaluate at this ISO-8601 time (default: the current time)' })
    .option('days', { type: 'string', requiresArg: true, coerce: numberOption('--days'), describe: 'Horizon: run the policy once a day for this many days (a number)', default: undefined })
    .option('in-use', { type: 'string', array: true, describe: 'What is in use: Kubernetes, kustomize, Helm values, compose, CI files, CloudFormation, Terraform, ECS, Lambda, Dockerfiles, image lists; a directory is read recursively (see README)' })
    .option('build-arg', { type: 'string', array: true, describe: 'NAME=VALUE for Dockerfile ARGs in --in-use (repeatable), as docker build takes it' })
    .option('default-registry', { type: 'string', describe: 'Registry host of --in-use references written without one (shop/api:1.2)' })
    .option('recent-pull-days', { type: 'string', requiresArg: true, coerce: numberOption('--recent-pull-days'), describe: 'Images pulled within this many days count as probably in use (a number)', default: undefined })
    .option('blob-mounting', { type: 'boolean', describe: 'Layers are shared across the registry (overrides registry.json)' })
    .option('fail-on', { type: 'string', choices: ['error', 'warning', 'info', 'never'], describe: 'Exit 1 when a finding at or above this severity exists (default: error)' })
    .option('output', { type: 'string', describe: 'Write the report to this file instead of standard output' });

const liveSelection = (y: Argv) =>
  y
    .option('repository', { type: 'string', array: true, describe: 'Only this repository (repeatable)' })
    .option('repository-prefix', { type: 'string', describe: 'Only repositories whose name starts with this' })
    .option('region', { type: 'string', array: true, describe: 'Region to read (repeatable; default: the SDK\'s region)' })
    .option('profile', { type: 'string', describe: 'AWS profile from the shared config' })
    .option('role-arn', { type: 'string', array: true, describe: 'Role to assume, one per account (repeatable)' })
    .option('endpoint-url', { type: 'string', describe: 'ECR endpoint (also AWS_ENDPOINT_URL_ECR / AWS_ENDPOINT_URL)' })
    .option('cache-dir', { type: 'string', describe: 'Manifest cache (default: $XDG_CACHE_HOME/ecr-lifeguard/manifests)' })
    .option('concurrency', { type: 'number', describe: 'Repositories read at once (default 4)' })
    .option('pull', { type: 'boolean', default: true, describe: 'Fetch manifests not in the cache (BatchGetImage, which updates pull times unless the caller is excluded); --no-pull reads the cache only' });

const liveInUse = (y: Argv) =>
  y
    .option('in-use-live', { type: 'string', array: true, describe: 'Also read what runs, read-only: ecs, lambda, apprunner, batch (comma-separated) or all (see README "Live in-use")' })
    .option('in-use-kube', { type: 'string', array: true, describe: 'Also read what runs in these kubeconfig contexts (none named: the current one), list calls only' })
    .option('rollback-depth', { type: 'string', requiresArg: true, coerce: numberOption('--rollback-depth'), describe: 'Previous ECS task definition revisions kept as rollback targets (default 1)', default: undefined })
    .option('kubeconfig', { type: 'string', describe: 'Kubeconfig file for --in-use-kube (default: KUBECONFIG, else ~/.kube/config)' });

/**
 * `lint FILE...` with no option (pre-commit hooks run it for every commit): the arguments yargs would
 * produce, without loading yargs, which costs more start-up time than linting a policy. Anything
 * else (an option, `--help`, no path) goes through yargs.
 */
function plainLint(argv: readonly string[]): Record<string, unknown> | undefined {
  if (argv[0] !== 'lint' || argv.length < 2 || argv.slice(1).some((a) => (a.startsWith('-') && a !== '-') || a === '')) return undefined;
  return { days: undefined, recentPullDays: undefined, paths: argv.slice(1) };
}

function withStdin<T extends { paths?: string[] }>(args: T, stdin: boolean): T {
  return stdin && !(args.paths ?? []).includes('-') ? { ...args, paths: [...(args.paths ?? []), '-'] } : args;
}

export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const debug = argv.includes('--debug');
  const lintArgs = plainLint(argv);
  if (lintArgs) {
    try {
      return await (await import('./commands/lint.js')).runLint(lintArgs, io);
    } catch (error) {
      return reportError(error, io, debug);
    }
  }
  let handler: { run: Handler; args: Record<string, unknown> } | undefined;
  let usageError: string | undefined;
  // `completion SHELL`: yargs takes the shell from the environment, so the argument is applied there.
  let yargsArgv = argv;
  let restoreEnv = () => {};
  if (argv[0] === 'completion') {
    try {
      const { completionRequest, applyEnv } = await import('./commands/completion.js');
      const request = completionRequest(argv);
      yargsArgv = request.argv;
      restoreEnv = applyEnv(request.env);
    } catch (error) {
      return reportError(error, io, debug);
    }
  }
  const { default: yargs } = await import('yargs');
  const parser = yargs(yargsArgv)
    .scriptName('ecr-lifeguard')
    .usage('$0 <command> [options]\n\nMake Amazon ECR lifecycle policies safe: simulate them exactly, offline, and see what they would break.')
    .command(
      'dry-run',
      'Simulate a lifecycle policy: what expires or is archived now and over --days, and why',
      (y) => analysisOptions(stateOptions(y))
        .option('format', { type: 'string', choices: ['table', 'json'], describe: 'Output format (default: table on a terminal, json otherwise)' })
        .option('explain', { type: 'string', describe: 'Print the decision trace of one image (tag or digest)' })
        .option('all', { type: 'boolean', describe: 'List every image (default: those with an action now or within the horizon, in use, or with a finding)' })
        .option('interactive', { type: 'boolean', describe: 'Explore and tune the policy in a session (scriptable through standard input)' }),
      (args) => {
        handler = {
          args,
          run: async (a, io2) =>
            a.interactive
              ? (await import('./commands/interactive.js')).runInteractive(camel(a), io2)
              : (await import('./commands/dry-run.js')).runDryRun(camel(a), io2),
        };
      },
    )
    .command(
      'lint [paths..]',
      'Check lifecycle policies where they live (policy JSON, Terraform plans, CloudFormation, CDK) before they merge',
      (y) => analysisOptions(stateOptions(y))
        .positional('paths', { type: 'string', array: true, describe: 'Files or directories to search (default: the current directory)' })
        .option('format', { type: 'string', describe: 'Output format: table, json, sarif, markdown, github (default: table on a terminal, json otherwise)' })
        .option('config', { type: 'string', describe: 'Configuration file (default: the nearest .ecr-lifeguard.json, from the current directory up to the repository root)' })
        .option('base', { type: 'string', describe: 'Compare with this policy file, or the same files at this git revision' })
        .option('skip-other-files', { type: 'boolean', describe: 'Skip files given explicitly that hold no lifecycle policy (for pre-commit)' }),
      (args) => {
        // yargs drops a lone `-` (standard input): put it back.
        const stdin = argv[0] === 'lint' && argv.slice(1).includes('-');
        handler = { args, run: async (a, io2) => (await import('./commands/lint.js')).runLint(withStdin(camel(a), stdin), io2) };
      },
    )
    .command(
      'audit',
      'Audit every repository of one or many registries (from a snapshot, or live and read-only) and report',
      (y) => liveInUse(liveSelection(analysisOptions(y)))
        .option('snapshot', { type: 'string', describe: 'Snapshot directory (see "snapshot")' })
        .option('live', { type: 'boolean', describe: 'Read ECR live (read-only API calls only)' })
        .option('policy', { type: 'string', describe: 'Simulate this policy in every repository instead of their own' })
        .option('format', { type: 'string', choices: ['table', 'json', 'markdown', 'html'], describe: 'Output format (default: table on a terminal, json otherwise)' })
        .option('shard', { type: 'string', describe: 'Process only shard K of N (1-based, e.g. 2/8), by a stable hash of each repository' })
        .option('all', { type: 'boolean', describe: 'List every image (default: those with an action now or within the horizon, in use, or with a finding)' }),
      (args) => {
        handler = { args, run: async (a, io2) => (await import('./commands/audit.js')).runAudit(camel(a), io2) };
      },
    )
    .command(
      'snapshot',
      'Read ECR (read-only) into a snapshot directory that dry-run, lint and audit read offline',
      (y) => liveInUse(liveSelection(y))
        .option('out', { type: 'string', describe: 'Directory to write (one folder per repository)' })
        .option('shard', { type: 'string', describe: 'Read only shard K of N (1-based, e.g. 2/8)' })
        .option('json', { type: 'boolean', describe: 'Print the run report (calls, retries, completeness) as JSON' }),
      (args) => {
        handler = { args, run: async (a, io2) => (await import('./commands/snapshot.js')).runSnapshot(camel(a), io2) };
      },
    )
    .command(
      'merge <reports..>',
      'Combine the JSON reports of sharded audits into one, in any format',
      (y) => y
        .positional('reports', { type: 'string', array: true, describe: 'JSON reports (audit --format json)' })
        .option('format', { type: 'string', choices: ['table', 'json', 'markdown', 'html'], describe: 'Output format (default: table on a terminal, json otherwise)' })
        .option('output', { type: 'string', describe: 'Write the report to this file instead of standard output' })
        .option('fail-on', { type: 'string', choices: ['error', 'warning', 'info', 'never'], describe: 'Exit 1 when a finding at or above this severity exists (default: error)' })
        .option('all', { type: 'boolean', describe: 'Table, Markdown, HTML: list every image the reports hold (default: at most 200 per repository)' }),
      (args) => {
        handler = { args, run: async (a, io2) => (await import('./commands/merge.js')).runMerge(camel(a), io2) };
      },
    )
    .command(
      'verify',
      'Compare a snapshot\'s predictions with what ECR did since, from its CloudTrail record (PolicyExecutionEvent)',
      (y) => y
        .option('snapshot', { type: 'string', describe: 'Snapshot taken at T0 (its snapshot-status.json gives the time, or --now)' })
        .option('events', { type: 'string', array: true, describe: 'CloudTrail records: lookup-events output, S3 log files (.json, .json.gz, folders), EventBridge or CloudWatch Logs exports' })
        .option('live', { type: 'boolean', describe: 'Look the events up in CloudTrail (LookupEvents, read-only)' })
        .option('now', { type: 'string', describe: 'T0, when the snapshot has no snapshot-status.json (ISO-8601)' })
        .option('until', { type: 'string', describe: 'End of the window (default: the last record read; with --live, now)' })
        .option('format', { type: 'string', choices: ['table', 'json', 'markdown', 'html', 'github', 'sarif'], describe: 'Output format (default: table on a terminal, json otherwise)' })
        .option('output', { type: 'string', describe: 'Write the report to this file instead of standard output' })
        .option('region', { type: 'string', array: true, describe: '--live: region to look up (repeatable; default: the snapshot\'s)' })
        .option('profile', { type: 'string', describe: '--live: AWS profile from the shared config' })
        .option('role-arn', { type: 'string', array: true, describe: '--live: role to assume, one per account (repeatable), as snapshot --role-arn' })
        .option('endpoint-url', { type: 'string', describe: '--live: CloudTrail endpoint (also AWS_ENDPOINT_URL_CLOUDTRAIL)' }),
      (args) => {
        handler = { args, run: async (a, io2) => (await import('./commands/verify.js')).runVerify(camel(a), io2) };
      },
    )
    .command(
      'checks',
      'List every check: its id, default severity, what it catches and its documentation',
      (y) => y.option('format', { type: 'string', choices: ['table', 'json'], describe: 'Output format (default: table)' }),
      (args) => {
        handler = { args, run: async (a, io2) => (await import('./commands/checks.js')).runChecks(camel(a), io2) };
      },
    )
    .completion('completion', 'Print a shell completion script: completion [bash|zsh] (see README, Shell completion)')
    .option('debug', { type: 'boolean', describe: 'Show stack traces of unexpected errors' })
    .demandCommand(1, 'Give a command: dry-run, lint, audit, snapshot, merge, verify, checks, completion')
    .strict()
    .version(VERSION)
    .help()
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((msg, err) => {
      usageError = msg ?? err?.message ?? 'invalid usage';
    })
    .exitProcess(false);

  let helpOutput = '';
  try {
    await parser.parseAsync(yargsArgv, {}, (_err, _argv, output) => {
      helpOutput = output;
    });
  } catch (error) {
    usageError ??= error instanceof Error ? error.message : String(error);
  } finally {
    restoreEnv();
  }
  if (usageError !== undefined) return reportError(new UsageError(usageError), io, debug);
  if (!handler) {
    // --help or --version: yargs produced the text.
    if (helpOutput) io.stdout(helpOutput.endsWith('\n') ? helpOutput : `${helpOutput}\n`);
    return EXIT.ok;
  }
  try {
    return await handler.run(handler.args, io);
  } catch (error) {
    return reportError(error, io, debug);
  }
}

/**
 * A numeric option read from its text: yargs' number type reads an empty value ("--days ''", or an
 * unset shell variable) as 0, which must not pass for a choice. Not a number: the text is kept so
 * the command's check quotes what was given.
 */
function numberOption(flag: string): (value: unknown) => unknown {
  return (value) => {
    if (value === undefined || Array.isArray(value)) return value; // absent; or given twice, which camel() reports
    const text = String(value).trim();
    if (text === '') throw new UsageError(`${flag} needs a value`);
    const n = Number(text);
    return Number.isNaN(n) ? text : n;
  };
}

/** Options that may be given more than once; any other option given twice is a usage error. */
const REPEATABLE = new Set(['inUse', 'buildArg', 'repository', 'region', 'roleArn', 'paths', 'reports', 'events', 'inUseLive', 'inUseKube']);

/** yargs gives both kebab and camel keys; commands read camelCase. */
function camel<T>(args: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) {
    if (k.includes('-') || k === '$0' || k === '_') continue;
    if (Array.isArray(v) && !REPEATABLE.has(k)) throw new UsageError(`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} was given more than once (${v.map(String).join(', ')}); give it once`);
    out[k] = v;
  }
  return out as T;
}
