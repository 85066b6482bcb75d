import { rm } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../atomic-write.js';
import { IN_USE_DIR, IN_USE_OWN_FOLDERS as OWN_FOLDERS, IN_USE_STATUS_FILE, type InUseDiscovery, type InUseStatusFile } from './types.js';

// The in-use folder of a snapshot, written by `snapshot --in-use-live/--in-use-kube` and read back by
// `audit --snapshot` (and `audit --live`, which audits the snapshot it takes):
//   OUT/in-use-status.json   what was read, from where, what is missing (then the audit exits 3)
//   OUT/in-use/_aws/...      ECS, Lambda, App Runner and Batch files (see src/aws/in-use/*.ts)
//   OUT/in-use/_kube/...     Kubernetes lists per context
// Only the files the status names are read: a repository named `in-use` may share the folder, and
// `_aws`/`_kube` can never be a repository's folder (ECR names start with a letter or digit).
// The reader is src/cli/in-use-live.ts (it needs the in-use readers of analyse/).

export async function writeInUseFolder(out: string, discovery: InUseDiscovery, extra: { discoveredAt: string; rollbackDepth?: number }): Promise<InUseStatusFile> {
  const dir = join(out, IN_USE_DIR);
  // Files of an earlier discovery into the same folder must not survive (the status names only this one's).
  for (const own of OWN_FOLDERS) await rm(join(dir, own), { recursive: true, force: true });
  for (const file of discovery.files) await writeFileAtomic(inside(dir, file.path), file.text);
  const status: InUseStatusFile = {
    discoveredAt: extra.discoveredAt,
    complete: discovery.sources.every((s) => s.complete),
    ...(extra.rollbackDepth !== undefined ? { rollbackDepth: extra.rollbackDepth } : {}),
    sources: discovery.sources,
    files: discovery.files.map((f) => f.path),
  };
  await writeJsonAtomic(join(out, IN_USE_STATUS_FILE), status);
  return status;
}

/** `dir/path`, refused when `path` would leave `dir` (paths are built from sanitised segments; this is the last guard). */
function inside(dir: string, path: string): string {
  const full = resolve(dir, ...path.split('/'));
  if (!full.startsWith(resolve(dir) + sep) || !OWN_FOLDERS.some((own) => full.startsWith(resolve(dir, own) + sep))) throw new Error(`in-use file path ${JSON.stringify(path)} leaves the in-use folder`);
  return full;
}

/** A snapshot taken without in-use discovery must not keep an earlier one's: the audit would read it as current. */
export async function removeInUseFolder(out: string): Promise<void> {
  await rm(join(out, IN_USE_STATUS_FILE), { force: true });
  for (const own of OWN_FOLDERS) await rm(join(out, IN_USE_DIR, own), { recursive: true, force: true });
}
