import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { IN_USE_ACTIONS, IN_USE_COMMANDS } from '../../src/aws/in-use/commands.js';
import { CUSTOM_RESOURCES } from '../../src/aws/in-use/kube.js';

// Live in-use discovery is read-only: every ECS, Lambda, App Runner and Batch command it can send
// is a List/Describe/Get, only src/aws/in-use/commands.ts imports them, the IAM sample grants
// exactly them, and the Kubernetes code only lists.

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const CLIENTS = ['client-ecs', 'client-lambda', 'client-apprunner', 'client-batch'];
const SERVICES = ['ecs', 'lambda', 'apprunner', 'batch'];

async function sources(): Promise<Array<{ rel: string; text: string }>> {
  const entries = await readdir(SRC, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => join(e.parentPath, e.name));
  return Promise.all(files.map(async (f) => ({ rel: relative(SRC, f), text: await readFile(f, 'utf8') })));
}

describe('live in-use discovery is read-only', () => {
  test('only src/aws/in-use/commands.ts imports commands of these clients, and each is a read', async () => {
    const importers: string[] = [];
    for (const { rel, text } of await sources()) {
      for (const client of CLIENTS) {
        const re = new RegExp(`import\\s+(type\\s+)?\\{([^}]*)\\}\\s+from\\s+['"]@aws-sdk/${client}['"]`, 'g');
        for (const m of text.matchAll(re)) {
          if (m[1] !== undefined) continue;
          const commands = m[2]!.split(',').map((p) => p.trim()).filter((p) => /Command\b/.test(p));
          if (commands.length > 0) importers.push(rel);
          for (const c of commands) expect(c).toMatch(/^(List|Describe|Get)\w*Command(\s+as\s+\w+)?$/);
        }
        // A namespace or dynamic import would hide which commands are used.
        expect(text).not.toMatch(new RegExp(`import\\s*\\*\\s*as\\s+\\w+\\s+from\\s+['"]@aws-sdk/${client}['"]|import\\(\\s*['"]@aws-sdk/${client}['"]\\s*\\)`));
      }
    }
    expect([...new Set(importers)]).toEqual([join('aws', 'in-use', 'commands.ts')]);
  });

  test('IN_USE_ACTIONS names each command sent, and the IAM sample grants exactly them', async () => {
    const clients: Record<string, Record<string, unknown>> = {
      ecs: await import('@aws-sdk/client-ecs'), lambda: await import('@aws-sdk/client-lambda'),
      apprunner: await import('@aws-sdk/client-apprunner'), batch: await import('@aws-sdk/client-batch'),
    };
    // Each action is a command of its own service's client, and is among the commands the code can send.
    for (const action of IN_USE_ACTIONS) {
      const [service, operation] = action.split(':') as [string, string];
      const command = clients[service]![`${operation}Command`];
      expect(command, action).toBeDefined();
      expect(IN_USE_COMMANDS as readonly unknown[]).toContain(command);
    }
    expect(IN_USE_COMMANDS).toHaveLength(IN_USE_ACTIONS.length);
    const policy = JSON.parse(await readFile(fileURLToPath(new URL('../../samples/iam/least-privilege-policy.json', import.meta.url)), 'utf8')) as { Statement: Array<{ Effect: string; Action: string[] }> };
    const granted = policy.Statement.flatMap((s) => s.Action).filter((a) => SERVICES.includes(a.split(':')[0]!)).sort();
    expect(granted).toEqual([...IN_USE_ACTIONS].sort());
  });

  test('the Kubernetes code only lists, and the RBAC sample grants only list', async () => {
    const kube = (await sources()).find((s) => s.rel === join('aws', 'in-use', 'kube.ts'))!.text;
    const calls = [...kube.matchAll(/\b(?:core|apps|batch)\.(\w+)\.bind/g)].map((m) => m[1]!);
    expect(calls.length).toBeGreaterThan(0);
    for (const c of calls) expect(c).toMatch(/^list/);
    expect([...kube.matchAll(/core\.(\w+)\(/g)].map((m) => m[1])).toEqual(['listNamespace']);
    // Custom resources: discovery (GET /apis, /apis/GROUP/VERSION) and lists, nothing else.
    expect([...new Set([...kube.matchAll(/\b(?:custom|apis)\.(\w+)\(/g)].map((m) => m[1]))].sort()).toEqual(['getAPIResources', 'getAPIVersions', 'listClusterCustomObject', 'listCustomObjectForAllNamespaces', 'listNamespacedCustomObject']);
    const rbac = (await readFile(fileURLToPath(new URL('../../samples/iam/kubernetes-rbac.yaml', import.meta.url)), 'utf8')).split(/^---$/m).map((d) => parse(d) as { kind: string; rules?: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }> });
    const role = rbac.find((d) => d.kind === 'ClusterRole')!;
    expect(new Set(role.rules!.flatMap((r) => r.verbs))).toEqual(new Set(['list']));
    // Every custom resource discovery lists is granted, and no other.
    const granted = role.rules!.filter((r) => r.apiGroups.some((g) => g.includes('.'))).flatMap((r) => r.apiGroups.flatMap((g) => r.resources.map((x) => `${x}.${g}`))).sort();
    expect(granted).toEqual(CUSTOM_RESOURCES.map((r) => `${r.plural}.${r.group}`).sort());
  });
});
