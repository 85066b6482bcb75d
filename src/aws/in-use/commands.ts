import { DescribeServiceCommand, ListServicesCommand as ListAppRunnerServicesCommand } from '@aws-sdk/client-apprunner';
import { DescribeJobDefinitionsCommand } from '@aws-sdk/client-batch';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListClustersCommand,
  ListServicesCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import { GetFunctionCommand, ListAliasesCommand, ListFunctionsCommand, ListVersionsByFunctionCommand } from '@aws-sdk/client-lambda';

// The single place live in-use discovery takes its SDK commands from: every one is a read
// (test/aws-in-use/commands.test.ts checks the sources, the IAM sample and this list agree).
// Loaded only by `--in-use-live` (a dynamic import), so no other command pays for these clients.

export {
  DescribeJobDefinitionsCommand,
  DescribeServiceCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  GetFunctionCommand,
  ListAliasesCommand,
  ListAppRunnerServicesCommand,
  ListClustersCommand,
  ListFunctionsCommand,
  ListServicesCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  ListVersionsByFunctionCommand,
};

/** The IAM actions live in-use discovery needs, by service prefix (README and samples/iam list them). */
export const IN_USE_ACTIONS = [
  'apprunner:DescribeService',
  'apprunner:ListServices',
  'batch:DescribeJobDefinitions',
  'ecs:DescribeServices',
  'ecs:DescribeTaskDefinition',
  'ecs:DescribeTasks',
  'ecs:ListClusters',
  'ecs:ListServices',
  'ecs:ListTaskDefinitions',
  'ecs:ListTasks',
  'lambda:GetFunction',
  'lambda:ListAliases',
  'lambda:ListFunctions',
  'lambda:ListVersionsByFunction',
] as const;

export const IN_USE_COMMANDS = [
  DescribeServiceCommand,
  ListAppRunnerServicesCommand,
  DescribeJobDefinitionsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListClustersCommand,
  ListServicesCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  GetFunctionCommand,
  ListAliasesCommand,
  ListFunctionsCommand,
  ListVersionsByFunctionCommand,
] as const;
