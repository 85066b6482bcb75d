// ecr-lifeguard as a library: the only module a caller imports. Pure functions over plain data
// (parsePolicy, simulate, explain, analyse, lint, render, and the converters of AWS output), loaders
// that read the files the CLI reads, and the CLI's typed errors. Importing it loads neither the
// command line (yargs, cli-table3) nor the AWS SDK; report formats load when first rendered.

export {
  analyse, explain, FORMATS, imagesFromDescribeImages, lint, manifestsFromBatchGetImage, parseInUse, parseLintConfig, parsePolicy, render, simulate,
  type AnalyseInput, type InUseInput, type LintOptions, type LintResult, type PolicyValidation, type RenderOptions, type RepositoryData,
  type SimulateInput, type Simulation, type TimeInput, type TimeOptions,
} from './core/library.js';
export {
  loadInUse, loadLintConfig, loadPolicy, loadRepositories,
  type LoadedPolicyFile, type LoadedRepositories, type LoadRepositoriesOptions,
} from './core/loaders.js';
export { formatProblem, IncompleteDataError, InputError, UsageError, type InputProblem } from './model/errors.js';
export { failsOn, SEVERITY_RANK, type FailOn, type Finding, type FindingImage, type Severity } from './model/finding.js';
export type { ImageRecord, ImageStatus, BlobRef, IndexChild, ManifestInfo, RegistryInfo } from './model/image.js';
export type { ImageReference, InUseReference, UseKind, UseOrigin, UseSourceFormat } from './model/in-use.js';
export type { SourceLocation } from './model/location.js';
export type { ActionType, CountType, LifecyclePolicy, LifecycleRule, RuleAction, RuleSelection, StorageClass, TagStatus } from './model/policy.js';
export type { InUseParseResult } from './analyse/in-use/index.js';
export type { BatchGetImageResult, ManifestFailure } from './load/manifests.js';
export type { UnreadableRegistry } from './load/snapshot.js';
export type { LintConfig } from './lint/config.js';
export type { ReportFormat } from './report/index.js';
export type {
  FateChange, PreviewResult, PreviewSummary, Report, ReportDiff, ReportImage, ReportPolicy, ReportRepository, ReportTimelineEntry,
} from './report/model.js';
export type { ExplainStep, ImageExplanation, StepOutcome } from './simulate/explain.js';
export { VERSION } from './version.js';
