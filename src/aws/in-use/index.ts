import { AppRunnerClient } from '@aws-sdk/client-apprunner';
import { BatchClient } from '@aws-sdk/client-batch';
import { ECSClient } from '@aws-sdk/client-ecs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { UsageError } from '../../model/errors.js';
import { awsClientConfig, type AwsClientOptions } from '../client.js';
import { DEFAULT_CONCURRENCY } from '../live.js';
import { discoverAppRunner } from './apprunner.js';
import { discoverBatch } from './batch.js';
import { FileSet, limitCalls, newStatus } from './common.js';
import { discoverEcs } from './ecs.js';
import { discoverLambda } from './lambda.js';
import { DEFAULT_ROLLBACK_DEPTH, type InUseDiscovery, type LiveInUseOptions, type LiveSource, type SourceStatus } from './types.js';

// `--in-use-live`: each selected source, in each (role, region) the ECR read covers, read with the
// same credentials, retries and timeouts as ECR. Nothing here throws for an AWS failure: what could
// not be read is named in the source's status, which makes the result incomplete (exit 3).

export { LIVE_SOURCES, DEFAULT_ROLLBACK_DEPTH } from './types.js';
export type { InUseDiscovery, LiveInUseOptions, LiveSource } from './types.js';

type Client = ECSClient | LambdaClient | AppRunnerClient | BatchClient;

function createClient(source: LiveSource, options: AwsClientOptions, endpoint: string | undefined): Client {
  // The ECR endpoint (--endpoint-url) is ECR's alone; the SDK reads AWS_ENDPOINT_URL_ECS and the like itself.
  const config = { ...awsClientConfig(options), ...(endpoint !== undefined ? { endpoint } : {}) };
  switch (source) {
    case 'ecs':
      return new ECSClient(config as NonNullable<ConstructorParameters<typeof ECSClient>[0]>);
    case 'lambda':
      return new LambdaClient(config as NonNullable<ConstructorParameters<typeof LambdaClient>[0]>);
    case 'apprunner':
      return new AppRunnerClient(config as NonNullable<ConstructorParameters<typeof AppRunnerClient>[0]>);
    case 'batch':
      return new BatchClient(config as NonNullable<ConstructorParameters<typeof BatchClient>[0]>);
  }
}

async function regionOf(client: Client): Promise<string> {
  const region = client.config.region;
  return typeof region === 'function' ? await region() : region;
}

export async function discoverLiveInUse(options: LiveInUseOptions): Promise<InUseDiscovery> {
  const files = new FileSet();
  const sources: SourceStatus[] = [];
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const rollbackDepth = options.rollbackDepth ?? DEFAULT_ROLLBACK_DEPTH;
  const roles = options.roleArns?.length ? options.roleArns : [undefined];
  const regions = options.regions?.length ? options.regions : [undefined];
  const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
  // A region becomes part of a path: anything else is refused before any call.
  for (const r of regions) if (r !== undefined && !REGION.test(r)) throw new UsageError(`region ${JSON.stringify(r)} is not an AWS region name such as us-east-1`);
  for (const roleArn of roles) {
    for (const requested of regions) {
      for (const source of options.sources) {
        const clientOptions: AwsClientOptions = {
          ...(requested !== undefined ? { region: requested } : {}),
          ...(options.profile !== undefined ? { profile: options.profile } : {}),
          ...(roleArn !== undefined ? { roleArn } : {}),
          ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
          ...(options.retryStrategy !== undefined ? { retryStrategy: options.retryStrategy } : {}),
          ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
          ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
        };
        const client = createClient(source, clientOptions, options.endpoints?.[source]);
        try {
          let region: string;
          try {
            region = await regionOf(client);
          } catch {
            throw new UsageError('no AWS region: set AWS_REGION, a region in the profile, or pass --region');
          }
          if (!REGION.test(region)) throw new UsageError(`region ${JSON.stringify(region)} is not an AWS region name such as us-east-1`);
          const status = newStatus(source, roleArn !== undefined ? `${region} role ${roleArn}` : region);
          sources.push(status);
          // --concurrency bounds the calls in flight, not only the clusters or functions read at once.
          const limited = limitCalls(client as { send: (...args: never[]) => Promise<unknown> }, concurrency) as Client;
          if (source === 'ecs') await discoverEcs({ client: limited as ECSClient, region, status, files, rollbackDepth, concurrency });
          else if (source === 'lambda') await discoverLambda({ client: limited as LambdaClient, region, status, files, concurrency });
          else if (source === 'apprunner') await discoverAppRunner({ client: limited as AppRunnerClient, region, status, files, concurrency });
          else await discoverBatch({ client: limited as BatchClient, region, status, files });
          status.missing.sort();
        } finally {
          client.destroy();
        }
      }
    }
  }
  return { files: files.files(), sources };
}
