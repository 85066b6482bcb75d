import type { AppRunnerClient, ServiceSummary } from '@aws-sdk/client-apprunner';
import { mapLimit } from '../live.js';
import { accountOf, allPages, counted, markMissing, reasonOf, type FileSet } from './common.js';
import { DescribeServiceCommand, ListAppRunnerServicesCommand } from './commands.js';
import type { SourceStatus } from './types.js';

// App Runner: services whose source is an ECR image (ImageRepository.ImageIdentifier).
//   _aws/<account>/<region>/apprunner/services.txt   one image per service

export interface AppRunnerContext {
  client: AppRunnerClient;
  region: string;
  status: SourceStatus;
  files: FileSet;
  concurrency: number;
}

export async function discoverAppRunner(ctx: AppRunnerContext): Promise<void> {
  const { client, status } = ctx;
  let services: ServiceSummary[];
  try {
    services = await allPages(async (NextToken) => {
      const out = await counted(status, 'ListServices', () => client.send(new ListAppRunnerServicesCommand({ NextToken })));
      return { items: out.ServiceSummaryList ?? [], next: out.NextToken };
    });
  } catch (err) {
    markMissing(status, `App Runner ${ctx.region}: every service (${reasonOf(err)})`);
    return;
  }
  await mapLimit(services.filter((s) => s.ServiceArn), ctx.concurrency, async (summary) => {
    const name = summary.ServiceName ?? summary.ServiceArn!;
    try {
      const out = await counted(status, 'DescribeService', () => client.send(new DescribeServiceCommand({ ServiceArn: summary.ServiceArn })));
      const repo = out.Service?.SourceConfiguration?.ImageRepository;
      if (!repo?.ImageIdentifier) return;
      ctx.files.line(`_aws/${accountOf(summary.ServiceArn)}/${ctx.region}/apprunner/services.txt`, repo.ImageIdentifier, `App Runner service ${name} (${repo.ImageRepositoryType ?? '?'})`);
      status.references++;
    } catch (err) {
      markMissing(status, `App Runner ${ctx.region} service ${name} (${reasonOf(err)})`);
    }
  });
}
