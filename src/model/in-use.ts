// What is in use: parsed image references with where they came from.

export type UseKind =
  | 'runtime' // running or declared workloads: Kubernetes, ECS, Lambda, plain lists
  | 'build' // Dockerfile FROM: needed at build time
  | 'rollback' // not running, kept to roll back to (an earlier task definition revision, an old ReplicaSet, an unaliased Lambda version)
  | 'recent-pull'; // not declared, but ECR recorded a recent pull

export type UseSourceFormat = 'list' | 'kubernetes' | 'ecs' | 'lambda' | 'dockerfile' | 'recent-pull';

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
