import { ECRClient, type ECRClientConfig } from '@aws-sdk/client-ecr';
import { STSClient, type STSClientConfig } from '@aws-sdk/client-sts';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';

// Builds the ECR client from the SDK's standard configuration. Everything the SDK already
// resolves by itself (credential chain, AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL and
// AWS_ENDPOINT_URL_ECR, shared config files) is left to it; explicit options only override.
// No logger is passed: the SDK's default logger is silent, so credentials, tokens and
// signed requests never reach our output.

export interface AwsClientOptions {
  /** Overrides AWS_REGION / the profile's region. */
  region?: string;
  /** Named profile (like `--profile`); otherwise AWS_PROFILE / `default`. */
  profile?: string;
  /** Explicit endpoint; otherwise the SDK honours AWS_ENDPOINT_URL_ECR / AWS_ENDPOINT_URL. */
  endpointUrl?: string;
  /** Role to assume (STS AssumeRole) with the base credentials before calling ECR. */
  roleArn?: string;
  /** Session name for `roleArn`; default `ecr-lifeguard`. */
  roleSessionName?: string;
  /** Attempts per API call including the first (SDK retries); default AWS_MAX_ATTEMPTS, else 5. */
  maxAttempts?: number;
  /**
   * Replaces the adaptive retry strategy (tests use one with millisecond backoff). When
   * absent the client uses `retryMode: 'adaptive'`.
   */
  retryStrategy?: ECRClientConfig['retryStrategy'];
  /** Per-request timeout; a timed-out request counts as a transient failure. Default 30 s. */
  requestTimeoutMs?: number;
  /** Static credentials or a provider; otherwise the SDK's default chain. */
  credentials?: ECRClientConfig['credentials'];
}

export const DEFAULT_MAX_ATTEMPTS = 5;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export function createEcrClient(options: AwsClientOptions = {}, env: NodeJS.ProcessEnv = process.env): ECRClient {
  return new ECRClient(awsClientConfig(options, env));
}

/**
 * The configuration every client of the tool is built from (ECR here; ECS, Lambda, App Runner and
 * Batch for live in-use discovery): the same credentials, role, retries and timeouts.
 */
export function awsClientConfig(options: AwsClientOptions = {}, env: NodeJS.ProcessEnv = process.env): ECRClientConfig {
  const config: ECRClientConfig = {
    requestHandler: {
      requestTimeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      connectionTimeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      // Without this the handler only warns (on the console) and keeps waiting.
      throwOnRequestTimeout: true,
    },
  };
  // The SDK's own settings (AWS_MAX_ATTEMPTS, AWS_RETRY_MODE) win over our defaults; options win over both.
  if (options.maxAttempts !== undefined) config.maxAttempts = options.maxAttempts;
  else if (!env.AWS_MAX_ATTEMPTS) config.maxAttempts = DEFAULT_MAX_ATTEMPTS;
  if (options.retryStrategy !== undefined) config.retryStrategy = options.retryStrategy;
  else if (!env.AWS_RETRY_MODE) config.retryMode = 'adaptive';
  if (options.region !== undefined) config.region = options.region;
  if (options.profile !== undefined) config.profile = options.profile;
  if (options.endpointUrl !== undefined) config.endpoint = options.endpointUrl;
  const credentials = clientCredentials(options);
  if (credentials !== undefined) config.credentials = credentials;
  return config;
}

/** The credentials a client of any AWS service uses: the role assumed (STS AssumeRole) when `roleArn` is given, else the explicit ones, else the SDK's chain (undefined). */
export function clientCredentials(options: Pick<AwsClientOptions, 'roleArn' | 'roleSessionName' | 'credentials' | 'region' | 'profile'>): ECRClientConfig['credentials'] {
  if (options.roleArn !== undefined) {
    return fromTemporaryCredentials({
      params: { RoleArn: options.roleArn, RoleSessionName: options.roleSessionName ?? 'ecr-lifeguard' },
      ...(options.credentials !== undefined ? { masterCredentials: options.credentials as never } : {}),
      clientConfig: {
        ...(options.region !== undefined ? { region: options.region } : {}),
        ...(options.profile !== undefined ? { profile: options.profile } : {}),
      },
    });
  }
  return options.credentials;
}

/** The region the client will call, as resolved by the SDK (option, env or profile). */
export async function resolveClientRegion(client: ECRClient): Promise<string> {
  const region = client.config.region;
  return typeof region === 'function' ? await region() : region;
}

/**
 * An STS client for GetCallerIdentity with the ECR client's own credentials (the assumed role's, when
 * there is one), region and timeouts. `endpointUrl` overrides the endpoint; otherwise the SDK honours
 * AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL.
 */
export function createStsClient(ecr: ECRClient, region: string, options: Pick<AwsClientOptions, 'maxAttempts' | 'retryStrategy' | 'requestTimeoutMs'> & { endpointUrl?: string } = {}): STSClient {
  const timeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const config: STSClientConfig = {
    region,
    credentials: ecr.config.credentials as STSClientConfig['credentials'],
    requestHandler: { requestTimeout: timeout, connectionTimeout: timeout, throwOnRequestTimeout: true },
    maxAttempts: options.maxAttempts ?? ecr.config.maxAttempts as STSClientConfig['maxAttempts'],
  };
  if (options.retryStrategy !== undefined) config.retryStrategy = options.retryStrategy as STSClientConfig['retryStrategy'];
  if (options.endpointUrl !== undefined) config.endpoint = options.endpointUrl;
  return new STSClient(config);
}
