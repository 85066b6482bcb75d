import { readFileSync } from 'node:fs';

// The package's root folder, holding package.json and schemas/: the nearest folder above this module
// with our package.json. Compiled modules (dist/, dist/load/) and the bundled command line (dist/bin/)
// sit at different depths below it, so no fixed relative path serves them all.
const NAME = 'ecr-lifeguard';

function findPackage(from: URL): { root: URL; version: string } {
  for (let dir = from, up = 0; up < 4; dir = new URL('../', dir), up++) {
    let manifest: { name?: unknown; version?: unknown };
    try {
      manifest = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as typeof manifest;
    } catch {
      continue; // none here (or not ours to read): look further up
    }
    if (manifest.name === NAME && typeof manifest.version === 'string') return { root: dir, version: manifest.version };
  }
  throw new Error(`${NAME}: its package.json is not above ${from.pathname}: the installation is incomplete`);
}

const found = findPackage(new URL('./', import.meta.url));

export const PACKAGE_ROOT: URL = found.root;

/** The package version. */
export const VERSION: string = found.version;
