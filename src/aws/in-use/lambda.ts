import type { FunctionConfiguration, LambdaClient } from '@aws-sdk/client-lambda';
import { mapLimit } from '../live.js';
import { accountOf, allPages, counted, markMissing, pathSegment, reasonOf, type FileSet } from './common.js';
import { GetFunctionCommand, ListAliasesCommand, ListFunctionsCommand, ListVersionsByFunctionCommand } from './commands.js';
import type { SourceStatus } from './types.js';

// Lambda: every function packaged as an image, each of its versions ($LATEST and every published
// one) read with GetFunction for Code.ImageUri and Code.ResolvedImageUri (the digest the version
// pins). $LATEST and the versions an alias routes to (its version and its weighted extra versions)
// are what runs; the other published versions are rollback targets (an alias shift or a rollback needs them).
//   _aws/<account>/<region>/lambda/<function>/<version>.json            get-function output (a subset; $LATEST is LATEST.json)
//   _aws/<account>/<region>/lambda/<function>/<version>.rollback.json   an unaliased published version

export interface LambdaContext {
  client: LambdaClient;
  region: string;
  status: SourceStatus;
  files: FileSet;
  concurrency: number;
}

export async function discoverLambda(ctx: LambdaContext): Promise<void> {
  const { client, status } = ctx;
  let functions: FunctionConfiguration[];
  try {
    functions = await allPages(async (Marker) => {
      const out = await counted(status, 'ListFunctions', () => client.send(new ListFunctionsCommand({ Marker })));
      return { items: out.Functions ?? [], next: out.NextMarker };
    });
  } catch (err) {
    markMissing(status, `Lambda ${ctx.region}: every function (${reasonOf(err)})`);
    return;
  }
  const images = functions.filter((f) => f.PackageType === 'Image' && f.FunctionName).sort((a, b) => (a.FunctionName! < b.FunctionName! ? -1 : 1));
  await mapLimit(images, ctx.concurrency, async (fn) => {
    const name = fn.FunctionName!;
    const where = `Lambda ${ctx.region} function ${name}`;
    let versions: string[];
    const aliased = new Map<string, string[]>();
    try {
      versions = (await allPages(async (Marker) => {
        const out = await counted(status, 'ListVersionsByFunction', () => client.send(new ListVersionsByFunctionCommand({ FunctionName: name, Marker })));
        return { items: out.Versions ?? [], next: out.NextMarker };
      })).map((v) => v.Version).filter((v): v is string => typeof v === 'string');
      const aliases = await allPages(async (Marker) => {
        const out = await counted(status, 'ListAliases', () => client.send(new ListAliasesCommand({ FunctionName: name, Marker })));
        return { items: out.Aliases ?? [], next: out.NextMarker };
      });
      for (const a of aliases) {
        const targets = [a.FunctionVersion, ...Object.keys(a.RoutingConfig?.AdditionalVersionWeights ?? {})];
        for (const v of targets) if (v !== undefined) aliased.set(v, [...(aliased.get(v) ?? []), a.Name ?? '?']);
      }
    } catch (err) {
      markMissing(status, `${where}: its versions and aliases (${reasonOf(err)})`);
      return;
    }
    if (!versions.includes('$LATEST')) versions.push('$LATEST');
    const dir = `_aws/${accountOf(fn.FunctionArn)}/${ctx.region}/lambda/${pathSegment(name)}`;
    for (const version of versions.sort()) {
      try {
        const out = await counted(status, 'GetFunction', () => client.send(new GetFunctionCommand({ FunctionName: name, Qualifier: version })));
        const code = out.Code ?? {};
        const aliases = (aliased.get(version) ?? []).sort();
        const rollback = version !== '$LATEST' && aliases.length === 0;
        // The fields the reader needs of `aws lambda get-function`: never Configuration.Environment (secrets)
        // nor Code.Location (a signed URL).
        ctx.files.json(`${dir}/${version === '$LATEST' ? 'LATEST' : pathSegment(version)}${rollback ? '.rollback' : ''}.json`, {
          Code: { ...(code.RepositoryType ? { RepositoryType: code.RepositoryType } : {}), ...(code.ImageUri ? { ImageUri: code.ImageUri } : {}), ...(code.ResolvedImageUri ? { ResolvedImageUri: code.ResolvedImageUri } : {}) },
          Configuration: { FunctionName: name, ...(out.Configuration?.FunctionArn ? { FunctionArn: out.Configuration.FunctionArn } : {}), PackageType: 'Image', Version: version },
          usedBy: { function: name, version, aliases, use: rollback ? 'rollback target (a published version no alias routes to)' : version === '$LATEST' ? 'unqualified invocations' : 'aliased version' },
        });
        status.references += (code.ImageUri ? 1 : 0) + (code.ResolvedImageUri ? 1 : 0);
      } catch (err) {
        markMissing(status, `${where} version ${version} (${reasonOf(err)})`);
      }
    }
  });
}
