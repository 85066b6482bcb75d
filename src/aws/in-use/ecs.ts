import type { ECSClient, Service, Task, TaskDefinition } from '@aws-sdk/client-ecs';
import { mapLimit, toCliJson } from '../live.js';
import { accountOf, allPages, chunks, counted, markMissing, pathSegment, reasonOf, withDigest, type FileSet } from './common.js';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListClustersCommand,
  ListServicesCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
} from './commands.js';
import type { SourceStatus } from './types.js';

// ECS: every cluster's services (the task definition of each deployment, PRIMARY and ACTIVE, and of
// each task set), the previous `rollbackDepth` ACTIVE revisions of each service's family as rollback
// targets, and every running task (services', standalone and scheduled ones alike) with the digest
// ECS resolved for each container. Layout under in-use/:
//   _aws/<account>/<region>/ecs/<cluster>/services/<service>/<family>-<revision>.json           describe-task-definition output
//   _aws/<account>/<region>/ecs/<cluster>/services/<service>/<family>-<revision>.rollback.json  a rollback target
//   _aws/<account>/<region>/ecs/<cluster>/running-tasks.txt                                     image@digest per container

const DESCRIBE_SERVICES_MAX = 10;
const DESCRIBE_TASKS_MAX = 100;

export interface EcsContext {
  client: ECSClient;
  region: string;
  status: SourceStatus;
  files: FileSet;
  rollbackDepth: number;
  concurrency: number;
}

export async function discoverEcs(ctx: EcsContext): Promise<void> {
  const { client, status } = ctx;
  let clusters: string[];
  try {
    clusters = await allPages(async (nextToken) => {
      const out = await counted(status, 'ListClusters', () => client.send(new ListClustersCommand({ nextToken })));
      return { items: out.clusterArns ?? [], next: out.nextToken };
    });
  } catch (err) {
    markMissing(status, `ECS ${ctx.region}: every cluster (${reasonOf(err)})`);
    return;
  }
  // Task definitions are shared by services and revisions: each is described once per region.
  const definitions = new Map<string, Promise<TaskDefinition>>();
  const describe = (arn: string): Promise<TaskDefinition> => {
    let p = definitions.get(arn);
    if (!p) {
      p = counted(status, 'DescribeTaskDefinition', () => client.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }))).then((o) => {
        if (!o.taskDefinition) throw new Error(`DescribeTaskDefinition returned no task definition for ${arn}`);
        return o.taskDefinition;
      });
      definitions.set(arn, p);
    }
    return p;
  };
  await mapLimit([...clusters].sort(), ctx.concurrency, async (clusterArn) => {
    const clusterName = clusterArn.split('/').pop() ?? clusterArn;
    const base = `_aws/${accountOf(clusterArn)}/${ctx.region}/ecs/${pathSegment(clusterName)}`;
    const where = `ECS ${ctx.region} cluster ${clusterName}`;
    await readServices(ctx, clusterArn, clusterName, base, where, describe);
    await readRunningTasks(ctx, clusterArn, clusterName, base, where);
  });
}

async function readServices(
  ctx: EcsContext,
  cluster: string,
  clusterName: string,
  base: string,
  where: string,
  describe: (arn: string) => Promise<TaskDefinition>,
): Promise<void> {
  const { client, status } = ctx;
  let services: Service[] = [];
  try {
    const arns = await allPages(async (nextToken) => {
      const out = await counted(status, 'ListServices', () => client.send(new ListServicesCommand({ cluster, nextToken, maxResults: 100 })));
      return { items: out.serviceArns ?? [], next: out.nextToken };
    });
    for (const chunk of chunks(arns.sort(), DESCRIBE_SERVICES_MAX)) {
      const out = await counted(status, 'DescribeServices', () => client.send(new DescribeServicesCommand({ cluster, services: chunk })));
      services.push(...(out.services ?? []));
      for (const f of out.failures ?? []) markMissing(status, `${where}: service ${f.arn ?? '?'} (DescribeServices: ${f.reason ?? 'failure'}${f.detail ? `: ${f.detail}` : ''})`);
    }
  } catch (err) {
    markMissing(status, `${where}: its services (${reasonOf(err)})`);
    services = [];
  }
  await mapLimit(services, ctx.concurrency, async (service) => {
    const name = service.serviceName ?? service.serviceArn?.split('/').pop() ?? '?';
    const dir = `${base}/services/${pathSegment(name)}`;
    const deployed = new Map<string, string>();
    for (const d of service.deployments ?? []) if (d.taskDefinition) deployed.set(d.taskDefinition, `deployment ${d.status ?? '?'}${d.id ? ` ${d.id}` : ''}`);
    for (const t of service.taskSets ?? []) if (t.taskDefinition) deployed.set(t.taskDefinition, `task set ${t.status ?? '?'}${t.id ? ` ${t.id}` : ''}`);
    if (deployed.size === 0 && service.taskDefinition) deployed.set(service.taskDefinition, 'service task definition');
    const revisions: number[] = [];
    let family: string | undefined;
    for (const [arn, how] of [...deployed].sort()) {
      try {
        const td = await describe(arn);
        family ??= td.family;
        if (td.revision !== undefined) revisions.push(td.revision);
        writeDefinition(ctx.files, dir, td, { cluster: clusterName, service: name, use: how }, false, status);
      } catch (err) {
        markMissing(status, `${where} service ${name}: task definition ${arn} (${reasonOf(err)})`);
      }
    }
    if (ctx.rollbackDepth > 0 && family !== undefined && revisions.length > 0) {
      await readRollbackTargets(ctx, family, Math.min(...revisions), new Set(deployed.keys()), dir, { cluster: clusterName, service: name }, `${where} service ${name}`, describe);
    }
  });
}

/** The previous `rollbackDepth` ACTIVE revisions of the family, older than every deployment's. */
async function readRollbackTargets(
  ctx: EcsContext,
  family: string,
  below: number,
  deployed: Set<string>,
  dir: string,
  origin: { cluster: string; service: string },
  where: string,
  describe: (arn: string) => Promise<TaskDefinition>,
): Promise<void> {
  const { client, status } = ctx;
  const found: string[] = [];
  try {
    let nextToken: string | undefined;
    const seen = new Set<string>();
    // Newest first; a prefix also matches longer family names (api, api-worker), so the family is compared exactly.
    do {
      const out = await counted(status, 'ListTaskDefinitions', () =>
        client.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status: 'ACTIVE', sort: 'DESC', nextToken })));
      for (const arn of out.taskDefinitionArns ?? []) {
        const m = /task-definition\/(.+):(\d+)$/.exec(arn);
        if (!m || m[1] !== family || Number(m[2]) >= below || deployed.has(arn)) continue;
        if (found.length < ctx.rollbackDepth) found.push(arn);
      }
      nextToken = out.nextToken;
      if (nextToken !== undefined && seen.has(nextToken)) throw new Error('ListTaskDefinitions repeated a token: the listing never ends');
      if (nextToken !== undefined) seen.add(nextToken);
    } while (nextToken && found.length < ctx.rollbackDepth);
  } catch (err) {
    markMissing(status, `${where}: rollback targets of family ${family} (${reasonOf(err)})`);
    return;
  }
  for (const arn of found) {
    try {
      writeDefinition(ctx.files, dir, await describe(arn), { ...origin, use: 'rollback target' }, true, status);
    } catch (err) {
      markMissing(status, `${where}: rollback target ${arn} (${reasonOf(err)})`);
    }
  }
}

function writeDefinition(files: FileSet, dir: string, td: TaskDefinition, origin: Record<string, string>, rollback: boolean, status: SourceStatus): void {
  const name = pathSegment(`${td.family ?? 'task'}-${td.revision ?? 0}`);
  // What `aws ecs describe-task-definition` prints, containers reduced to name and image: environment
  // values and secrets references never reach the snapshot.
  const containerDefinitions = (td.containerDefinitions ?? []).map((c) => toCliJson({ name: c.name, image: c.image }));
  status.references += containerDefinitions.length;
  files.json(`${dir}/${name}${rollback ? '.rollback' : ''}.json`, {
    taskDefinition: toCliJson({ taskDefinitionArn: td.taskDefinitionArn, family: td.family, revision: td.revision, status: td.status, containerDefinitions }),
    usedBy: origin,
  });
}

async function readRunningTasks(ctx: EcsContext, cluster: string, clusterName: string, base: string, where: string): Promise<void> {
  const { client, status } = ctx;
  let tasks: Task[] = [];
  try {
    const arns = await allPages(async (nextToken) => {
      const out = await counted(status, 'ListTasks', () => client.send(new ListTasksCommand({ cluster, desiredStatus: 'RUNNING', nextToken, maxResults: 100 })));
      return { items: out.taskArns ?? [], next: out.nextToken };
    });
    for (const chunk of chunks(arns.sort(), DESCRIBE_TASKS_MAX)) {
      const out = await counted(status, 'DescribeTasks', () => client.send(new DescribeTasksCommand({ cluster, tasks: chunk })));
      tasks.push(...(out.tasks ?? []));
      for (const f of out.failures ?? []) markMissing(status, `${where}: task ${f.arn ?? '?'} (DescribeTasks: ${f.reason ?? 'failure'})`);
    }
  } catch (err) {
    markMissing(status, `${where}: its running tasks (${reasonOf(err)})`);
    tasks = [];
  }
  for (const task of tasks) {
    const id = task.taskArn?.split('/').pop() ?? '?';
    const group = task.group ?? (task.startedBy ? `started by ${task.startedBy}` : 'standalone');
    const definition = task.taskDefinitionArn?.split('/').pop() ?? '?';
    for (const c of task.containers ?? []) {
      if (!c.image) continue;
      // The digest ECS resolved when it started the container is what runs, whatever the tag points at now.
      ctx.files.line(`${base}/running-tasks.txt`, withDigest(c.image, c.imageDigest), `cluster ${clusterName} task ${id} (${group}, ${definition}) container ${c.name ?? '?'}`);
      status.references++;
    }
  }
}
