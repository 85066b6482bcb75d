import { compareNewestFirst, type ImageRecord, type ManifestInfo } from '../model/image.js';
import type { ImageReference } from '../model/in-use.js';

// Image references: `[registry/]repository[:tag][@sha256:digest]`, following the distribution
// reference grammar (github.com/distribution/reference), and their resolution to one image of a
// repository snapshot.

// Distribution grammar pieces. Repository path components are lowercase only.
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const HOST = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
/** The distribution grammar caps the name (registry + repository) at 255 characters. */
const NAME_MAX_LENGTH = 255;

// ECR private registry hosts: IPv4 (with FIPS), dual-stack (with FIPS), China partition.
const REGION = '([a-z]{2}(?:-[a-z]+)+-\\d{1,2})';
const ECR_HOSTS = [
  new RegExp(`^(\\d{12})\\.dkr\\.ecr(?:-fips)?\\.${REGION}\\.amazonaws\\.com(?:\\.cn)?$`),
  new RegExp(`^(\\d{12})\\.dkr-ecr(?:-fips)?\\.${REGION}\\.on\\.aws$`),
];

/** `registryId` and `region` of a private ECR registry host (port ignored), or undefined. */
export function parseEcrHost(host: string): { registryId: string; region: string } | undefined {
  const bare = host.toLowerCase().replace(/:[0-9]+$/, '');
  for (const re of ECR_HOSTS) {
    const m = re.exec(bare);
    if (m) return { registryId: m[1]!, region: m[2]! };
  }
  return undefined;
}

/** Whether the first path component names a registry host (distribution's splitDockerDomain rule). */
function isRegistryComponent(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost';
}

/**
 * Parses one image reference. Surrounding whitespace is ignored (and not kept in `raw`); anything
 * else that breaks the grammar (uppercase repository, bad tag or digest, inner spaces) yields undefined.
 * Neither tag nor digest: `tag` stays undefined; resolution treats it as `latest` (what a pull does).
 * Docker Hub repository names are kept as written (`nginx`, not `library/nginx`): they never resolve.
 */
export function parseImageReference(input: string): ImageReference | undefined {
  const raw = input.trim();
  if (raw === '' || /\s/.test(raw)) return undefined;

  const at = raw.indexOf('@');
  let nameAndTag = raw;
  let digest: string | undefined;
  if (at !== -1) {
    digest = raw.slice(at + 1);
    nameAndTag = raw.slice(0, at);
    if (!DIGEST.test(digest)) return undefined;
  }

  // A tag colon comes after the last slash; a colon before it is a registry port.
  let name = nameAndTag;
  let tag: string | undefined;
  const colon = nameAndTag.lastIndexOf(':');
  if (colon > nameAndTag.lastIndexOf('/')) {
    tag = nameAndTag.slice(colon + 1);
    name = nameAndTag.slice(0, colon);
    if (!TAG.test(tag)) return undefined;
  }
  if (name === '' || name.length > NAME_MAX_LENGTH) return undefined;

  let registryHost: string | undefined;
  let repositoryName = name;
  const slash = name.indexOf('/');
  if (slash !== -1 && isRegistryComponent(name.slice(0, slash))) {
    registryHost = name.slice(0, slash);
    repositoryName = name.slice(slash + 1);
    if (!HOST.test(registryHost)) return undefined;
  }
  if (!repositoryName.split('/').every((c) => PATH_COMPONENT.test(c))) return undefined;

  const ecr = registryHost === undefined ? undefined : parseEcrHost(registryHost);
  const ref: ImageReference = { raw, isEcr: ecr !== undefined, repositoryName };
  if (registryHost !== undefined) ref.registryHost = registryHost;
  if (ecr) {
    ref.registryId = ecr.registryId;
    ref.region = ecr.region;
  }
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

export type ResolvedReference =
  | {
      status: 'resolved';
      repositoryName: string;
      imageDigest: string;
      by: 'digest' | 'tag';
      /** Set when the digest is a child manifest of this index and not an image record itself. */
      viaIndex?: string;
    }
  | { status: 'other-registry' }
  | { status: 'unresolved'; repositoryName?: string; why: string };

export interface ResolverTarget {
  registryId?: string;
  region?: string;
  /** `manifests` (optional) lets a digest resolve to a child of an index present in the repository. */
  repositories: Map<string, ResolverRepository>;
}

export interface ResolverRepository {
  images: ImageRecord[];
  manifests?: Map<string, ManifestInfo>;
  /**
   * When given, only these tags can resolve (the caller knows every reference in advance): a
   * 100,000-image repository then needs no map of all its tags.
   */
  tagsNamed?: ReadonlySet<string>;
  /** The images by digest, when the caller has that map already (saves building a set of every digest). */
  imagesByDigest?: ReadonlyMap<string, ImageRecord>;
  /**
   * Child manifest digest -> the indexes among `images` listing it, sorted, when the caller has that
   * map already (the content graph's parentsOf; saves a pass over every manifest).
   */
  parentsOf?: ReadonlyMap<string, readonly string[]>;
}

/** The tag a reference without tag or digest means. */
export const DEFAULT_TAG = 'latest';

/** Whether a reference names this registry: ECR, and the same account and region as far as both sides say. */
export function namesRegistry(ref: ImageReference, target: { registryId?: string; region?: string }): boolean {
  if (!ref.isEcr) return false;
  if (target.registryId !== undefined && ref.registryId !== undefined && ref.registryId !== target.registryId) return false;
  return !(target.region !== undefined && ref.region !== undefined && ref.region !== target.region);
}

interface RepositoryLookup {
  digests: { has(digest: string): boolean };
  tags: Map<string, string>;
  /** child manifest digest -> index digest (the smallest, when several indexes list it). */
  indexOf: { get(digest: string): string | undefined };
}

function buildLookup(repo: ResolverRepository): RepositoryLookup {
  const named = repo.tagsNamed;
  const known = repo.imagesByDigest;
  const digests = new Set<string>();
  const tagged = new Map<string, ImageRecord>();
  const indexOf = new Map<string, string>();
  const parentsOf = repo.parentsOf;
  for (const image of repo.images) {
    if (!known) digests.add(image.imageDigest);
    // An inconsistent snapshot with a tag on two images resolves to the newest of them.
    for (const tag of image.imageTags) {
      if (named && !named.has(tag)) continue;
      const current = tagged.get(tag);
      if (current === undefined || compareNewestFirst(image, current) < 0) tagged.set(tag, image);
    }
    if (parentsOf) continue;
    const manifest = repo.manifests?.get(image.imageDigest);
    if (manifest?.kind !== 'index') continue;
    for (const child of manifest.children) {
      const current = indexOf.get(child.digest);
      if (current === undefined || image.imageDigest < current) indexOf.set(child.digest, image.imageDigest);
    }
  }
  const tags = new Map<string, string>();
  for (const [tag, image] of tagged) tags.set(tag, image.imageDigest);
  return { digests: known ?? digests, tags, indexOf: parentsOf ? { get: (digest) => parentsOf.get(digest)?.[0] } : indexOf };
}

/**
 * Builds lookup maps once and returns a resolver. A reference resolves when it is ECR, its registry
 * matches the target (checked only for what both sides know), the repository exists, and its digest
 * (which wins over a tag) or tag (`latest` when neither is given) names an image.
 */
export function createResolver(target: ResolverTarget): (ref: ImageReference) => ResolvedReference {
  // Built on first use: a repository no reference names costs nothing.
  const lookups = new Map<string, RepositoryLookup>();
  const lookupOf = (name: string): RepositoryLookup | undefined => {
    let lookup = lookups.get(name);
    const repo = lookup ? undefined : target.repositories.get(name);
    if (repo) lookups.set(name, (lookup = buildLookup(repo)));
    return lookup;
  };

  return (ref) => {
    if (!namesRegistry(ref, target)) return { status: 'other-registry' };
    const repositoryName = ref.repositoryName;
    const lookup = lookupOf(repositoryName);
    if (!lookup) return { status: 'unresolved', repositoryName, why: `repository "${repositoryName}" is not in the snapshot` };

    if (ref.digest !== undefined) {
      if (lookup.digests.has(ref.digest)) {
        return { status: 'resolved', repositoryName, imageDigest: ref.digest, by: 'digest' };
      }
      const index = lookup.indexOf.get(ref.digest);
      if (index !== undefined) {
        return { status: 'resolved', repositoryName, imageDigest: ref.digest, by: 'digest', viaIndex: index };
      }
      return { status: 'unresolved', repositoryName, why: `no image or index child has digest ${ref.digest}` };
    }
    const tag = ref.tag ?? DEFAULT_TAG;
    const digest = lookup.tags.get(tag);
    if (digest !== undefined) return { status: 'resolved', repositoryName, imageDigest: digest, by: 'tag' };
    const implied = ref.tag === undefined ? ' (no tag or digest given, which means latest)' : '';
    return { status: 'unresolved', repositoryName, why: `no image is tagged "${tag}"${implied}` };
  };
}

/** One-off resolution; use createResolver for many references. */
export function resolveReference(ref: ImageReference, target: ResolverTarget): ResolvedReference {
  return createResolver(target)(ref);
}
