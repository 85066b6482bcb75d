import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { digestMatches, parseDigest } from '../model/digest.js';
import { writeFileAtomic } from './atomic-write.js';

// Manifests are content-addressed, so a digest names its bytes forever: cache them on disk
// and trust an entry only after re-hashing it (a corrupt or truncated entry is a miss).

export function defaultManifestCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME !== undefined && env.XDG_CACHE_HOME !== '' ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(base, 'ecr-lifeguard', 'manifests');
}

export class ManifestCache {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }

  private pathOf(digest: string): string | undefined {
    const parsed = parseDigest(digest);
    // The digest comes from the network: only a well-formed one may become a path.
    return parsed === undefined ? undefined : join(this.dir, parsed.algorithm, parsed.hex);
  }

  /** The cached manifest text, or undefined when absent, unreadable or not matching the digest. */
  async get(digest: string): Promise<string | undefined> {
    const path = this.pathOf(digest);
    if (path === undefined) return undefined;
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch {
      return undefined;
    }
    return digestMatches(digest, bytes) ? bytes.toString('utf8') : undefined;
  }

  /** Stores the manifest only when it really hashes to the digest; returns whether it did. */
  async put(digest: string, manifest: string): Promise<boolean> {
    const path = this.pathOf(digest);
    const bytes = Buffer.from(manifest, 'utf8');
    if (path === undefined || !digestMatches(digest, bytes)) return false;
    try {
      await writeFileAtomic(path, bytes);
      return true;
    } catch {
      // A cache that cannot be written only costs API calls next time.
      return false;
    }
  }
}
