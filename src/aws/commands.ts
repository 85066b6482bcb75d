import {
  BatchGetImageCommand,
  DescribeImagesCommand,
  DescribeRegistryCommand,
  DescribeRepositoriesCommand,
  GetAccountSettingCommand,
  GetLifecyclePolicyCommand,
  ListPullTimeUpdateExclusionsCommand,
} from '@aws-sdk/client-ecr';

// The single place the AWS adapter takes ECR commands from. Every command here is a read:
// ecr-lifeguard never changes a registry. test/aws/commands.test.ts scans src/ and fails
// when any other file imports a Command, or when a write command appears anywhere.

export {
  BatchGetImageCommand,
  DescribeImagesCommand,
  DescribeRegistryCommand,
  DescribeRepositoriesCommand,
  GetAccountSettingCommand,
  GetLifecyclePolicyCommand,
  ListPullTimeUpdateExclusionsCommand,
};

/** ECR operation names the tool calls; also the IAM actions it needs (prefixed `ecr:`). */
export const ECR_OPERATIONS = [
  'BatchGetImage',
  'DescribeImages',
  'DescribeRegistry',
  'DescribeRepositories',
  'GetAccountSetting',
  'GetLifecyclePolicy',
  'ListPullTimeUpdateExclusions',
] as const;

export type EcrOperation = (typeof ECR_OPERATIONS)[number];

export const USED_COMMANDS = [
  BatchGetImageCommand,
  DescribeImagesCommand,
  DescribeRegistryCommand,
  DescribeRepositoriesCommand,
  GetAccountSettingCommand,
  GetLifecyclePolicyCommand,
  ListPullTimeUpdateExclusionsCommand,
] as const;
