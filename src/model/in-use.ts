// What is in use: parsed image references with where they came from.

export type UseKind =
  | 'runtime' // running or declared workloads: Kubernetes, ECS, Lambda, plain lists
  | 'build' // Dockerfile FROM: needed at build time
  | 'rollback' // not running, kept to roll back to (an earlier task definition revision, an old ReplicaSet, an unaliased Lambda version)
  | 'recent-pull'; // not declared, but ECR recorded a recent pull

/** The source kinds --in-use reads (one reader module each), and recent pulls. */
export const USE_SOURCE_FORMATS = [
  'list',
  'kubernetes',
  'kustomize',
  'argocd',
  'helm-values',
  'compose',
  'github-actions',
  'gitlab-ci',
  'devcontainer',
  'beanstalk',
  'cloudformation',
  'terraform',
  'ecs',
  'ecs-runtime',
  'lambda',
  'dockerfile',
  'recent-pull',
] as const;

export type UseSourceFormat = (typeof USE_SOURCE_FORMATS)[number];

export interface UseOrigin {
  format: UseSourceFormat;
  file: string;
  /** 1-based line in the file, when the format keeps lines (lists, YAML, JSON, Dockerfiles). */
  line?: number;
  column?: number;
  /** Object path inside a structured document, e.g. `items[3].spec.containers[0].image`. */
  path?: string;
}

export interface ImageReference {
  /** The reference exactly as written. */
  raw: string;
  /** Registry host as written (e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com`), absent for Docker Hub shorthand. */
  registryHost?: string;
  /** For ECR hosts: the 12-digit account id and region. */
  registryId?: string;
  region?: string;
  isEcr: boolean;
  repositoryName: string;
  tag?: string;
  /** `sha256:<hex>`; when present it wins over the tag. */
  digest?: string;
}

export interface InUseReference {
  reference: ImageReference;
  kind: UseKind;
  origin: UseOrigin;
}

/**
 * What --in-use read, for every report format: a run is never silent about what it could not see.
 * `none`: no --in-use source was given, so only recent pulls count as in use.
 */
export interface InUseCoverage {
  none?: true;
  /** Files read as in-use sources (recognised, parsed, with or without references). */
  filesRead: number;
  /** References found, per source kind (ECR and other registries alike). */
  bySource: Partial<Record<UseSourceFormat, number>>;
  /** Uses whose image cannot be known from the files: placeholders, ARGs without a value, deploy-time values. */
  unresolvable: number;
  /** Images a kustomization or Argo CD override replaces: what runs is the override. */
  replaced: number;
  /** Files not read, counted per reason, with the first few named. */
  skipped: Array<{ reason: string; count: number; examples: string[] }>;
  /** Recognised sources that could not be read whole (each has a located warning). */
  filesWithProblems: number;
}
