import type { BatchClient, JobDefinition } from '@aws-sdk/client-batch';
import { accountOf, allPages, counted, markMissing, reasonOf, type FileSet } from './common.js';
import { DescribeJobDefinitionsCommand } from './commands.js';
import type { SourceStatus } from './types.js';

// Batch: every ACTIVE job definition (any job submitted later runs its image): container, multi-node,
// ECS and EKS properties.
//   _aws/<account>/<region>/batch/job-definitions.txt   one line per image, naming name:revision and the field

export interface BatchContext {
  client: BatchClient;
  region: string;
  status: SourceStatus;
  files: FileSet;
}

export async function discoverBatch(ctx: BatchContext): Promise<void> {
  const { client, status } = ctx;
  let definitions: JobDefinition[];
  try {
    definitions = await allPages(async (nextToken) => {
      const out = await counted(status, 'DescribeJobDefinitions', () => client.send(new DescribeJobDefinitionsCommand({ status: 'ACTIVE', nextToken, maxResults: 100 })));
      return { items: out.jobDefinitions ?? [], next: out.nextToken };
    });
  } catch (err) {
    markMissing(status, `Batch ${ctx.region}: every ACTIVE job definition (${reasonOf(err)})`);
    return;
  }
  for (const d of definitions) {
    const label = `job definition ${d.jobDefinitionName ?? '?'}:${d.revision ?? '?'}`;
    for (const [path, image] of imagesOf(d)) {
      ctx.files.line(`_aws/${accountOf(d.jobDefinitionArn)}/${ctx.region}/batch/job-definitions.txt`, image, `Batch ${label} ${path}`);
      status.references++;
    }
  }
}

function imagesOf(d: JobDefinition): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const add = (path: string, image: string | undefined) => {
    if (image) out.push([path, image]);
  };
  add('containerProperties.image', d.containerProperties?.image);
  (d.nodeProperties?.nodeRangeProperties ?? []).forEach((r, i) => {
    add(`nodeProperties.nodeRangeProperties[${i}].container.image`, r.container?.image);
    (r.ecsProperties?.taskProperties ?? []).forEach((t, j) => (t.containers ?? []).forEach((c, k) => add(`nodeProperties.nodeRangeProperties[${i}].ecsProperties.taskProperties[${j}].containers[${k}].image`, c.image)));
  });
  (d.ecsProperties?.taskProperties ?? []).forEach((t, j) => (t.containers ?? []).forEach((c, k) => add(`ecsProperties.taskProperties[${j}].containers[${k}].image`, c.image)));
  const pod = d.eksProperties?.podProperties;
  (pod?.containers ?? []).forEach((c, k) => add(`eksProperties.podProperties.containers[${k}].image`, c.image));
  (pod?.initContainers ?? []).forEach((c, k) => add(`eksProperties.podProperties.initContainers[${k}].image`, c.image));
  return out;
}
