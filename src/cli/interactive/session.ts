import { formatProblem } from '../../model/errors.js';
import { compareFindings, type Finding } from '../../model/finding.js';
import type { LifecyclePolicy, LifecycleRule } from '../../model/policy.js';
import { checkTimesAgainstNow } from '../../load/detect.js';
import { validatePolicyObject } from '../../load/policy.js';
import { explainImage, findImage } from '../../simulate/explain.js';
import { DAY_MS } from '../../simulate/evaluate.js';
import { formatExplanation } from '../../report/explain-text.js';
import { palette } from '../../report/colour.js';
import { breaksHeading, breakText, MAX_BREAK_LINES, whatBreaks } from '../../report/breaks.js';
import { printable } from '../../report/printable.js';
import { displayTags, short, type ReportImage } from '../../report/model.js';
import { findingsSection, formatTable } from '../../report/table.js';
import { prepareRepository, type PreparedRepository } from '../../analyse/analyse.js';
import { analyseRepositoryInput, assembleReport, type AnalysedInput, type AnalysisSetup } from '../../core/analysis.js';
import { WeightedCache } from './weighted-cache.js';
import type { RepositoryInput } from '../../load/inputs.js';
import type { UnreadableRegistry } from '../../load/snapshot.js';
import { escapeControls } from '../../aws/names.js';
import { checkHorizon, isoTime, parseNow } from '../options.js';

// An interactive session over loaded repositories: pure command interpretation (line in, text out),
// so scripted sessions and the terminal REPL share every behaviour.

export interface SessionIO {
  colour: boolean;
  /** Writes a saved policy; the session itself does no I/O. */
  writeFile(path: string, text: string): Promise<void>;
}

export interface CommandResult {
  output: string;
  quit?: boolean;
}

interface PolicyHistory {
  /** Every version, the first being the repository's own policy; the last is current. */
  versions: Array<LifecyclePolicy | undefined>;
  /** Index in `versions` last saved (or the original). */
  savedVersion: number;
}

export const COMMANDS: Record<string, { usage: string; help: string }> = {
  help: { usage: 'help [command]', help: 'List commands, or explain one.' },
  repos: { usage: 'repos', help: 'List repositories with their risk (findings, actions).' },
  use: { usage: 'use <repository>', help: 'Switch to another repository.' },
  show: { usage: 'show [all|expired|transitioned|kept|in-use]', help: 'The verdict table of the current repository.' },
  at: { usage: 'at <ISO date | +30d | -7d | now>', help: 'Evaluate at another time: a date, days from the session\'s starting time (+30d), or that time again (now).' },
  days: { usage: 'days <N>', help: 'Set the horizon: run the policy once a day for N days.' },
  timeline: { usage: 'timeline', help: 'Every action over the horizon, by date.' },
  explain: { usage: 'explain <tag | digest>', help: 'The decision trace of one image, its in-use origins and layer sharing.' },
  findings: { usage: 'findings', help: 'The findings of the current repository.' },
  policy: { usage: 'policy', help: 'Show the current (edited) policy.' },
  set: { usage: 'set <rulePriority> count <N>', help: "Change a rule's countNumber (an image count or a number of days)." },
  add: { usage: 'add <rule JSON>', help: 'Add a rule, e.g. add {"rulePriority":9,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":14},"action":{"type":"expire"}}' },
  remove: { usage: 'remove <rulePriority>', help: 'Remove a rule.' },
  move: { usage: 'move <rulePriority> <newRulePriority>', help: 'Reorder: give a rule another rulePriority.' },
  diff: { usage: 'diff', help: 'Images that change fate and findings that appear or disappear, against the original policy.' },
  undo: { usage: 'undo', help: 'Undo the last edit.' },
  save: { usage: 'save <file>', help: 'Save the current policy as policy JSON.' },
  quit: { usage: 'quit', help: 'Leave (warns once about unsaved edits; Ctrl-D works too).' },
};

/**
 * Analyses (and prepared repositories) kept for reuse, counted in images. An analysis of 100,000 images
 * holds about 200 MB: a session that kept up to 64 analyses ran out of memory after 16 edits.
 */
const CACHE_IMAGE_BUDGET = 250_000;
/** Rows of `repos` kept (a few numbers each). */
const ROW_CACHE_ENTRIES = 10_000;

/** What `repos` shows of one repository under one policy, time and horizon. */
interface RepositoryRow {
  expire: number;
  archive: number;
  later: number;
  errors: number;
  warnings: number;
}

export class Session {
  private current = 0;
  private ctx: AnalysisSetup;
  private readonly histories = new Map<string, PolicyHistory>();
  /** By analysisKey. At least two stay: an edit compares the previous version's analysis with the new one. */
  private readonly cache: WeightedCache<AnalysedInput>;
  /** By repository name: what every policy tried on a repository shares (its content graph, its image order). */
  private readonly prepared: WeightedCache<PreparedRepository>;
  /** By analysisKey: `repos` over many repositories need not keep their analyses. */
  private readonly rows = new WeightedCache<RepositoryRow>(ROW_CACHE_ENTRIES);
  private quitWarned = false;
  /** The session's starting time: `at +30d` and `at now` count from it, so offsets do not accumulate. */
  private readonly startNow: number;

  /**
   * `cacheImageBudget`: for tests (default CACHE_IMAGE_BUDGET). `unreadableRegistries`: registries the
   * snapshot could not list (its snapshot-status.json), said as the batch commands say them.
   */
  constructor(
    private readonly repositories: RepositoryInput[],
    ctx: AnalysisSetup,
    private readonly io: SessionIO,
    cacheImageBudget = CACHE_IMAGE_BUDGET,
    private readonly unreadableRegistries: readonly UnreadableRegistry[] = [],
  ) {
    this.cache = new WeightedCache<AnalysedInput>(cacheImageBudget, 2);
    this.prepared = new WeightedCache<PreparedRepository>(cacheImageBudget);
    this.ctx = { ...ctx };
    this.startNow = ctx.now;
    for (const r of repositories) this.histories.set(r.repositoryName, { versions: [r.policy?.policy], savedVersion: 0 });
  }

  get repositoryNames(): string[] {
    return this.repositories.map((r) => r.repositoryName);
  }

  get currentRepository(): RepositoryInput {
    return this.repositories[this.current]!;
  }

  /** Tags and digests of the current repository, for completion. */
  imageWords(): string[] {
    const words = new Set<string>();
    for (const image of this.currentRepository.state.images) {
      for (const t of image.imageTags) words.add(t);
      words.add(image.imageDigest);
    }
    return [...words].sort();
  }

  rulePriorities(): string[] {
    return (this.currentPolicy()?.rules ?? []).map((r) => String(r.rulePriority)).sort((a, b) => Number(a) - Number(b));
  }

  hasUnsavedEdits(): boolean {
    return [...this.histories.values()].some((h) => h.versions.length - 1 !== h.savedVersion);
  }

  /**
   * What the loaded data lacks, as dry-run and audit say it (empty when nothing): repositories read
   * incompletely (manifests missing, digests not matching, a policy that could not be read) and
   * registries that could not be listed. Shown when the session starts; `use` repeats a repository's.
   */
  incompleteness(): string {
    const p = palette(this.io.colour);
    const lines: string[] = [];
    for (const r of this.repositories.filter((x) => !x.complete)) lines.push(p.red(`INCOMPLETE ${escapeControls(r.repositoryName)}: ${incompleteText(r)}`));
    if (this.unreadableRegistries.length > 0) {
      lines.push(p.red(`${this.unreadableRegistries.length} ${this.unreadableRegistries.length === 1 ? 'registry' : 'registries'} could not be listed (results are incomplete):`));
      for (const u of this.unreadableRegistries) lines.push(`  ${escapeControls([u.registryId, u.region, u.roleArn].filter((x) => x !== undefined).join(' '))}: ${escapeControls(u.reason)}`);
    }
    return lines.length > 0 ? `${lines.join('\n')}\n` : '';
  }

  prompt(): string {
    const edited = this.history().versions.length > 1 ? '*' : '';
    return `${this.currentRepository.repositoryName}${edited} @ ${isoTime(this.ctx.now).slice(0, 10)}> `;
  }

  async execute(line: string): Promise<CommandResult> {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return { output: '' };
    const [name = '', ...args] = trimmed.split(/\s+/);
    const rest = trimmed.slice(name.length).trim();
    // Any other command re-arms the unsaved-edits warning; a second quit (or q, exit) right after it leaves.
    if (!QUIT_WORDS.has(name)) this.quitWarned = false;
    try {
      switch (name) {
        case 'help': return { output: this.help(args[0]) };
        case 'repos': return { output: this.repos() };
        case 'use': return { output: this.use(rest) };
        case 'show': return { output: this.show(args[0] ?? 'all') };
        case 'at': return { output: this.at(rest) };
        case 'days': return { output: this.setDays(rest) };
        case 'timeline': return { output: this.timeline() };
        case 'explain': return { output: this.explain(rest) };
        case 'findings': return { output: findingsSection(this.analysed().findings, palette(this.io.colour)).join('\n') + '\n' };
        case 'policy': return { output: JSON.stringify(this.currentPolicy() ?? { rules: [] }, null, 2) + '\n' };
        case 'set': return { output: this.set(args) };
        case 'add': return { output: this.add(rest) };
        case 'remove': return { output: this.remove(args) };
        case 'move': return { output: this.move(args) };
        case 'diff': return { output: this.diff(this.history().versions[0]) };
        case 'undo': return { output: this.undo() };
        case 'save': return { output: await this.save(rest) };
        case 'quit':
        case 'exit':
        case 'q':
          return this.quit();
        default:
          return { output: `unknown command "${name}". Commands: ${Object.keys(COMMANDS).join(', ')} (help <command> for details)\n` };
      }
    } catch (error) {
      if (error instanceof SessionUsage) return { output: `usage: ${error.message}\n` };
      if (error instanceof SessionMessage) return { output: `${error.message}\n` };
      // A session never ends on a failed command: say what went wrong and keep the prompt.
      return { output: `error: ${error instanceof Error ? error.message : String(error)}\n` };
    }
  }

  /** Ctrl-D: like quit, but a second Ctrl-D is not required when there are no edits. */
  quit(): CommandResult {
    if (this.hasUnsavedEdits() && !this.quitWarned) {
      this.quitWarned = true;
      return { output: 'You have unsaved policy edits (save <file> keeps them). Quit again to discard them.\n' };
    }
    return { output: '', quit: true };
  }

  private help(command?: string): string {
    if (command !== undefined) {
      const c = COMMANDS[command];
      return c ? `${c.usage}\n  ${c.help}\n` : `unknown command "${command}"\n`;
    }
    return Object.values(COMMANDS).map((c) => `  ${c.usage.padEnd(46)} ${c.help}`).join('\n') + '\n';
  }

  private history(name = this.currentRepository.repositoryName): PolicyHistory {
    return this.histories.get(name)!;
  }

  private currentPolicy(): LifecyclePolicy | undefined {
    return this.policyOf(this.current);
  }

  /** The repository's current policy, or `policy` when given. */
  private policyOf(index: number, policy?: LifecyclePolicy): LifecyclePolicy | undefined {
    const h = this.history(this.repositories[index]!.repositoryName);
    return policy ?? h.versions[h.versions.length - 1];
  }

  private analysisKey(index: number, policy: LifecyclePolicy | undefined): string {
    return `${this.repositories[index]!.repositoryName}\u0000${this.ctx.now}\u0000${this.ctx.days}\u0000${JSON.stringify(policy ?? null)}`;
  }

  private analysed(index = this.current, policy?: LifecyclePolicy): AnalysedInput {
    const input = this.repositories[index]!;
    const p = this.policyOf(index, policy);
    const key = this.analysisKey(index, p);
    let a = this.cache.get(key);
    if (!a) {
      let prepared = this.prepared.get(input.repositoryName);
      if (!prepared) this.prepared.set(input.repositoryName, (prepared = prepareRepository(input.state)), weightOf(input));
      a = analyseRepositoryInput(input, p, this.ctx, prepared);
      this.cache.set(key, a, weightOf(input));
    }
    return a;
  }

  private row(index: number): RepositoryRow {
    const key = this.analysisKey(index, this.policyOf(index));
    let row = this.rows.get(key);
    if (!row) {
      const a = this.analysed(index);
      const count = (v: string) => a.report.images.filter((img) => img.action === v).length;
      row = {
        expire: count('EXPIRE'), archive: count('TRANSITION'), later: a.report.timeline.filter((t) => t.day > 0).length,
        errors: a.findings.filter((f) => f.severity === 'error').length, warnings: a.findings.filter((f) => f.severity === 'warning').length,
      };
      this.rows.set(key, row, 1);
    }
    return row;
  }

  private repos(): string {
    // What breaks, when, across the repositories, first (as in every human format).
    const findings = this.repositories.flatMap((_, i) => this.analysed(i).findings);
    const breaks = whatBreaks({ now: isoTime(this.ctx.now), findings });
    const first = [breaksHeading({ days: this.ctx.days, ...(this.ctx.inUse ? { inUse: this.ctx.inUse } : {}) }, breaks), ...breaks.slice(0, MAX_BREAK_LINES).map((b) => `  ${printable(breakText(b))}`), ''];
    const lines = [...first, '  repository                         images  expire  archive  within-horizon  errors  warnings'];
    const rows = this.repositories.map((r, i) => ({ i, r, ...this.row(i) }));
    rows.sort((x, y) => y.errors - x.errors || y.warnings - x.warnings || y.expire + y.archive - (x.expire + x.archive) || (x.r.repositoryName < y.r.repositoryName ? -1 : 1));
    for (const row of rows) {
      const mark = row.i === this.current ? '>' : ' ';
      const edited = this.history(row.r.repositoryName).versions.length > 1 ? '*' : '';
      lines.push(`${mark} ${(row.r.repositoryName + edited).padEnd(34)} ${String(row.r.state.images.length).padStart(6)}  ${String(row.expire).padStart(6)}  ${String(row.archive).padStart(7)}  ${String(row.later).padStart(14)}  ${String(row.errors).padStart(6)}  ${String(row.warnings).padStart(8)}`);
    }
    return lines.join('\n') + '\n';
  }

  private use(name: string): string {
    if (!name) throw new SessionUsage(COMMANDS.use!.usage);
    const i = this.repositories.findIndex((r) => r.repositoryName === name);
    if (i < 0) {
      const near = this.repositoryNames.filter((n) => n.includes(name));
      return `no repository "${name}"${near.length ? `; did you mean ${near.join(', ')}?` : ''}\n`;
    }
    this.current = i;
    const r = this.currentRepository;
    const incomplete = r.complete ? '' : palette(this.io.colour).red(`  INCOMPLETE: ${incompleteText(r)}`) + '\n';
    return `now on ${name}: ${r.state.images.length} images\n${incomplete}`;
  }

  private show(filter: string): string {
    const filters: Record<string, (i: ReportImage) => boolean> = {
      all: () => true,
      expired: (i) => i.action === 'EXPIRE' || i.fate?.action === 'EXPIRE',
      transitioned: (i) => i.action === 'TRANSITION' || i.fate?.action === 'TRANSITION',
      kept: (i) => i.action === 'KEEP' && i.fate === undefined,
      'in-use': (i) => (i.inUse?.length ?? 0) > 0,
    };
    const f = filters[filter];
    if (!f) throw new SessionUsage(COMMANDS.show!.usage);
    const a = this.analysed();
    const shown = a.report.images.filter(f);
    // The heading counts the whole repository; the rows are those the filter keeps.
    const report = assembleReport([{ ...a, report: { ...a.report, images: shown } }], this.ctx);
    // The session shows findings with `findings`; keep `show` to the verdict table (no "No findings." line,
    // which read as a clean bill of health for a repository with errors).
    const table = formatTable(report, { colour: this.io.colour, command: 'dry-run' }, { imagesOnly: true }).trimEnd();
    const scope = filter === 'all' ? '' : `showing ${shown.length} of ${a.report.images.length} images (${filter})\n`;
    return `${table}\n${scope}`;
  }

  private at(value: string): string {
    if (!value) throw new SessionUsage(COMMANDS.at!.usage);
    const offset = /^([+-])(\d+)d$/.exec(value);
    let t: number;
    if (value === 'now') t = this.startNow;
    else if (offset) t = this.startNow + (offset[1] === '-' ? -1 : 1) * Number(offset[2]) * DAY_MS;
    else {
      // The same reading as --now (a date alone is midnight UTC).
      try {
        t = parseNow(value, () => this.startNow);
      } catch {
        throw new SessionUsage(COMMANDS.at!.usage);
      }
    }
    try {
      checkHorizon(t, this.ctx.days, 'at');
    } catch (e) {
      throw new SessionMessage((e as Error).message);
    }
    // As --now: before the data's own timestamps the images did not exist yet, so the verdicts would be fiction.
    const later = this.repositories.flatMap((r) => checkTimesAgainstNow(r.state.images, t, r.repositoryName));
    if (later.length > 0) {
      const latest = later.map((p) => String(p.found)).sort().at(-1)!;
      throw new SessionMessage(`cannot evaluate at ${isoTime(t)}: the data has timestamps up to ${latest}; give that time or a later one`);
    }
    this.ctx = { ...this.ctx, now: t };
    const images = this.analysed().report.images;
    const count = (action: string) => images.filter((i) => i.action === action).length;
    return `evaluating at ${isoTime(t)}: ${count('EXPIRE')} expire, ${count('TRANSITION')} archived by this run\n`;
  }

  private setDays(value: string): string {
    const n = Number(value);
    if (!value || !Number.isInteger(n) || n < 0 || n > 3650) throw new SessionUsage(COMMANDS.days!.usage);
    try {
      checkHorizon(this.ctx.now, n, 'the time');
    } catch (e) {
      throw new SessionMessage((e as Error).message);
    }
    this.ctx = { ...this.ctx, days: n };
    return `horizon: ${n} days\n`;
  }

  private timeline(): string {
    const a = this.analysed();
    if (this.ctx.days === 0) return 'the horizon is 0 days: set one with "days 30"\n';
    if (a.report.timeline.length === 0) return `nothing happens within ${this.ctx.days} days\n`;
    return a.report.timeline.map((t) => `  ${t.date.slice(0, 10)}  day ${String(t.day).padStart(3)}  ${t.action.padEnd(10)} rule ${t.appliedRulePriority}  ${short(t.imageDigest)}  ${displayTags(t.imageTags)}`).join('\n') + '\n';
  }

  private explain(query: string): string {
    if (!query) throw new SessionUsage(COMMANDS.explain!.usage);
    const a = this.analysed();
    const images = findImage(this.currentRepository.state.images, query);
    if (images.length === 0) return `no image with tag or digest "${query}" in ${this.currentRepository.repositoryName}\n`;
    return images.map((img) => formatExplanation(this.currentRepository.repositoryName, explainImage(a.policy, this.currentRepository.state.images, a.relations, this.ctx.now, img.imageDigest)!, this.io.colour, a.explainExtra(img.imageDigest))).join('\n');
  }

  // --- what-if editing: every edit is validated as ECR would, then compared with the original.

  private edit(change: (rules: LifecycleRule[]) => string): string {
    const rules = structuredClone(this.currentPolicy()?.rules ?? []);
    const description = change(rules);
    const candidate = { rules };
    const { policy, problems } = validatePolicyObject(candidate, { file: '<edit>' });
    if (!policy) return `ECR would reject this edit, not applied:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}\n`;
    const before = this.currentPolicy();
    this.history().versions.push(policy);
    return `${description}\n${this.diff(before, 'the previous version')}`;
  }

  private rule(rules: LifecycleRule[], priority: string | undefined): LifecycleRule {
    const rule = rules.find((r) => String(r.rulePriority) === priority);
    if (!rule) throw new SessionMessage(`no rule with rulePriority ${priority ?? '(missing)'}; rules: ${rules.map((r) => r.rulePriority).join(', ') || 'none'}`);
    return rule;
  }

  private set(args: string[]): string {
    const [priority, field, value] = args;
    if (field !== 'count' || value === undefined || !/^\d+$/.test(value)) throw new SessionUsage(COMMANDS.set!.usage);
    return this.edit((rules) => {
      const rule = this.rule(rules, priority);
      const old = rule.selection.countNumber;
      rule.selection.countNumber = Number(value);
      return `rule ${priority}: countNumber ${old} -> ${value}`;
    });
  }

  private add(json: string): string {
    let rule: unknown;
    try {
      rule = JSON.parse(json);
    } catch {
      throw new SessionUsage(COMMANDS.add!.usage);
    }
    return this.edit((rules) => {
      rules.push(rule as LifecycleRule);
      return `added rule ${(rule as { rulePriority?: unknown }).rulePriority}`;
    });
  }

  private remove(args: string[]): string {
    if (args.length !== 1) throw new SessionUsage(COMMANDS.remove!.usage);
    return this.edit((rules) => {
      const rule = this.rule(rules, args[0]);
      rules.splice(rules.indexOf(rule), 1);
      return `removed rule ${args[0]}`;
    });
  }

  private move(args: string[]): string {
    if (args.length !== 2 || !/^\d+$/.test(args[1]!)) throw new SessionUsage(COMMANDS.move!.usage);
    return this.edit((rules) => {
      this.rule(rules, args[0]).rulePriority = Number(args[1]);
      return `rule ${args[0]} is now rule ${args[1]}`;
    });
  }

  private undo(): string {
    const h = this.history();
    if (h.versions.length <= 1) return 'nothing to undo\n';
    const undone = h.versions.pop();
    if (h.savedVersion >= h.versions.length) h.savedVersion = -1;
    return `undone\n${this.diff(undone, 'before undo')}`;
  }

  private async save(file: string): Promise<string> {
    if (!file) throw new SessionUsage(COMMANDS.save!.usage);
    const policy = this.currentPolicy() ?? { rules: [] };
    if (policy.rules.length === 0) return `not saved: ${this.currentRepository.repositoryName} has no rules to save (add one first)\n`;
    const { problems } = validatePolicyObject(policy, { file });
    if (problems.length > 0) return `not saved: ${problems.map(formatProblem).join('; ')}\n`;
    try {
      await this.io.writeFile(file, JSON.stringify(policy, null, 2) + '\n');
    } catch (error) {
      return `not saved: cannot write ${file}: ${error instanceof Error ? error.message : String(error)}\n`;
    }
    const h = this.history();
    h.savedVersion = h.versions.length - 1;
    return `saved ${policy.rules.length} rules to ${file}\n`;
  }

  /** Fate changes and findings that appear or disappear: `base` policy versus the current one. */
  private diff(base: LifecyclePolicy | undefined, label = 'the original policy'): string {
    const before = this.analysed(this.current, base ?? { rules: [] });
    const after = this.analysed();
    const p = palette(this.io.colour);
    // Both reports list the same images in the same order (by digest); the map is a fallback only.
    const beforeList = before.report.images;
    let beforeImages: Map<string, ReportImage> | undefined;
    const lines: string[] = [];
    for (const [k, img] of after.report.images.entries()) {
      const old = beforeList[k]?.imageDigest === img.imageDigest ? beforeList[k] : (beforeImages ??= new Map(beforeList.map((i) => [i.imageDigest, i]))).get(img.imageDigest);
      // Most images keep their fate: compared field by field before any text is built.
      if (old !== undefined && sameFate(old, img)) continue;
      const was = fateText(old);
      const now = fateText(img);
      if (was !== now) lines.push(`  ${short(img.imageDigest)} ${displayTags(img.imageTags).padEnd(24)} ${was} -> ${now}${img.inUse?.length ? p.red(' [in use]') : ''}`);
    }
    const key = (f: Finding) => `${f.id}\u0000${f.image?.imageDigest ?? ''}\u0000${f.message}`;
    const beforeKeys = before.findings.map(key);
    const afterKeys = after.findings.map(key);
    const beforeSet = new Set(beforeKeys);
    const afterSet = new Set(afterKeys);
    const appeared = after.findings.filter((_, k) => !beforeSet.has(afterKeys[k]!)).sort(compareFindings);
    const disappeared = before.findings.filter((_, k) => !afterSet.has(beforeKeys[k]!)).sort(compareFindings);
    const out = [`compared with ${label}: ${lines.length} images change fate, ${appeared.length} findings appear, ${disappeared.length} disappear`];
    out.push(...lines);
    for (const f of appeared) out.push(p.red(`  + ${f.severity} ${f.id}: ${f.message}`));
    for (const f of disappeared) out.push(p.green(`  - ${f.severity} ${f.id}: ${f.message}`));
    return out.join('\n') + '\n';
  }
}

const weightOf = (input: RepositoryInput): number => Math.max(1, input.state.images.length);

/** Whether fateText would say the same of both (it may also when this says no: the texts decide then). */
function sameFate(a: ReportImage, b: ReportImage): boolean {
  return a.action === b.action && a.appliedRulePriority === b.appliedRulePriority &&
    a.fate?.action === b.fate?.action && a.fate?.date === b.fate?.date && a.fate?.appliedRulePriority === b.fate?.appliedRulePriority;
}

function fateText(img: ReportImage | undefined): string {
  if (!img) return 'absent';
  if (img.action !== 'KEEP') return `${img.action} now (rule ${img.appliedRulePriority})`;
  if (img.fate) return `${img.fate.action} ${img.fate.date.slice(0, 10)} (rule ${img.fate.appliedRulePriority})`;
  return 'KEEP';
}

const QUIT_WORDS = new Set(['quit', 'exit', 'q']);

/** Wrong arguments: answered with the command's usage line. */
class SessionUsage extends Error {}
/** A well-formed command that cannot apply (no such rule): answered with the message alone. */
class SessionMessage extends Error {}


function incompleteText(r: RepositoryInput): string {
  return `${escapeControls(r.incompleteReason ?? 'could not be read completely')}; verdicts are not complete`;
}
