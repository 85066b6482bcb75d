import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import * as ecr from '@aws-sdk/client-ecr';
import { ECR_OPERATIONS, USED_COMMANDS } from '../../src/aws/commands.js';

// ecr-lifeguard is read-only: no source file may use an ECR command that can change a
// registry. The check reads the sources themselves so a new import cannot slip past it.

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const READ_ONLY = /^(Describe\w*|Get\w*|List\w*|BatchGetImage)Command$/;
// Reads that hand out secrets or signed URLs: never needed, never allowed.
const SENSITIVE = new Set(['GetAuthorizationTokenCommand', 'GetDownloadUrlForLayerCommand']);

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && /\.(ts|mts|cts|js|mjs)$/.test(e.name)).map((e) => join(e.parentPath, e.name));
}

/** Names bound from '@aws-sdk/client-ecr' by each import/export-from/require/dynamic import. */
function ecrImports(source: string): { names: string[]; namespace: boolean } {
  const names: string[] = [];
  let namespace = false;
  const fromClause = /(?:import|export)\s+(type\s+)?([\s\S]*?)\s+from\s+['"]@aws-sdk\/client-ecr['"]/g;
  for (const m of source.matchAll(fromClause)) {
    if (m[1] !== undefined) continue; // type-only: no runtime command
    const clause = m[2]!;
    if (/\*/.test(clause)) namespace = true;
    const braces = /\{([\s\S]*)\}/.exec(clause);
    if (braces !== null) {
      for (const part of braces[1]!.split(',')) {
        const p = part.trim();
        if (p === '' || p.startsWith('type ')) continue;
        names.push(p.split(/\s+as\s+/)[0]!.trim());
      }
    }
  }
  if (/(?:require|import)\s*\(\s*['"]@aws-sdk\/client-ecr['"]\s*\)/.test(source)) namespace = true;
  return { names, namespace };
}

describe('read-only ECR usage', () => {
  test('the parser sees value imports, aliases, namespaces and dynamic imports', () => {
    expect(ecrImports(`import { ECRClient, PutImageCommand as P, type Repository } from '@aws-sdk/client-ecr';`).names).toEqual([
      'ECRClient',
      'PutImageCommand',
    ]);
    expect(ecrImports(`import type { BatchDeleteImageCommand } from "@aws-sdk/client-ecr";`).names).toEqual([]);
    expect(ecrImports(`import * as ecr from '@aws-sdk/client-ecr';`).namespace).toBe(true);
    expect(ecrImports(`const m = await import('@aws-sdk/client-ecr');`).namespace).toBe(true);
  });

  test('every Command imported anywhere in src/ is a read, and only src/aws/commands.ts imports them', async () => {
    const files = await sourceFiles(SRC);
    expect(files.length).toBeGreaterThan(0);
    const offenders: string[] = [];
    const commandFiles = new Set<string>();
    for (const file of files) {
      const { names, namespace } = ecrImports(await readFile(file, 'utf8'));
      const rel = relative(SRC, file);
      if (namespace) offenders.push(`${rel}: namespace or dynamic import of @aws-sdk/client-ecr hides which commands are used`);
      for (const name of names) {
        if (!name.endsWith('Command')) continue;
        commandFiles.add(rel);
        if (!READ_ONLY.test(name) || SENSITIVE.has(name)) offenders.push(`${rel}: ${name}`);
      }
    }
    expect(offenders).toEqual([]);
    expect([...commandFiles]).toEqual([join('aws', 'commands.ts')]);
  });

  test('STS: only GetCallerIdentity (which needs no permission and changes nothing) is imported from @aws-sdk/client-sts', async () => {
    const used: string[] = [];
    for (const file of await sourceFiles(SRC)) {
      const source = await readFile(file, 'utf8');
      for (const m of source.matchAll(/import\s+(type\s+)?\{([^}]*)\}\s+from\s+['"]@aws-sdk\/client-sts['"]/g)) {
        if (m[1] !== undefined) continue;
        for (const part of m[2]!.split(',')) {
          const name = part.trim().split(/\s+as\s+/)[0]!.trim();
          if (name.endsWith('Command')) used.push(`${relative(SRC, file)}: ${name}`);
        }
      }
      expect(/(?:require|import)\s*\(\s*['"]@aws-sdk\/client-sts['"]\s*\)|import\s+\*\s+as\s+\w+\s+from\s+['"]@aws-sdk\/client-sts['"]/.test(source)).toBe(false);
    }
    expect(used).toEqual([`${join('aws', 'identity.ts')}: GetCallerIdentityCommand`]);
  });

  test('USED_COMMANDS are real SDK commands, all reads, matching ECR_OPERATIONS (the IAM actions)', () => {
    const names = USED_COMMANDS.map((c) => c.name).sort();
    for (const name of names) {
      expect(READ_ONLY.test(name) && !SENSITIVE.has(name)).toBe(true);
      expect((ecr as Record<string, unknown>)[name]).toBeDefined();
    }
    expect(names).toEqual(ECR_OPERATIONS.map((o) => `${o}Command`).sort());
  });

  test('the least-privilege IAM policy grants exactly the operations the code calls', async () => {
    const policy = JSON.parse(await readFile(fileURLToPath(new URL('../../samples/iam/least-privilege-policy.json', import.meta.url)), 'utf8')) as {
      Statement: { Effect: string; Action: string | string[] }[];
    };
    const actions = policy.Statement.filter((s) => s.Effect === 'Allow')
      .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]))
      .filter((a) => a.startsWith('ecr:'))
      .sort();
    expect(actions).toEqual(ECR_OPERATIONS.map((o) => `ecr:${o}`).sort());
  });
});
