import type { UseSourceFormat } from '../../model/in-use.js';
import { collectArgoApplication, looksLikeArgoApplication } from './argocd.js';
import { collectBeanstalk, looksLikeDockerrun } from './beanstalk.js';
import { collectCloudFormation, looksLikeCloudFormation } from './cloudformation.js';
import type { UseCollector } from './common.js';
import { collectCompose, isComposeName, looksLikeCompose } from './compose.js';
import { collectDevcontainer, isDevcontainerName } from './devcontainer.js';
import type { StructuredDocument } from './document.js';
import { collectEcs, looksLikeTaskDefinition } from './ecs.js';
import { collectEcsRuntime, looksLikeEcsRuntime } from './ecs-runtime.js';
import { collectWorkflow, isWorkflowPath, looksLikeWorkflow } from './github-actions.js';
import { collectGitlabCi, isGitlabCiName, looksLikeGitlabCi } from './gitlab-ci.js';
import { collectHelmValues, isValuesName } from './helm-values.js';
import { collectKustomization, isKustomizationName } from './kustomize.js';
import { collectKubernetes, isKubernetesDocument } from './kubernetes.js';
import { collectLambda, looksLikeLambda } from './lambda.js';

// The structured (JSON and YAML) in-use readers, one module each, registered here like the checks.
// A file is read by the first reader that claims its name; any other file document by document, each
// by the first reader that recognises it. Dockerfiles, plain lists and Terraform are text formats
// (index.ts).

export interface StructuredReader {
  format: Exclude<UseSourceFormat, 'recent-pull' | 'list' | 'dockerfile' | 'terraform'>;
  /** What it reads, in a phrase (README, --help). */
  reads: string;
  /** Claims a file by name (`base`) or path below the --in-use root (`rel`, `/`-separated). */
  claims?(base: string, rel: string): boolean;
  /** Recognises a document of a file no reader claims. */
  recognises?(value: unknown): boolean;
  read(doc: StructuredDocument, out: UseCollector): void;
  /** JSON with comments and trailing commas. */
  jsonc?: boolean;
}

export const STRUCTURED_READERS: readonly StructuredReader[] = [
  { format: 'kustomize', reads: 'kustomization.yaml `images:` overrides, applied to its resources', claims: isKustomizationName, read: collectKustomization },
  { format: 'github-actions', reads: 'workflow `jobs.*.container`, `services`, `uses: docker://`', claims: (_, rel) => isWorkflowPath(rel), recognises: looksLikeWorkflow, read: collectWorkflow },
  { format: 'gitlab-ci', reads: '`.gitlab-ci.yml` `image` and `services`', claims: isGitlabCiName, recognises: looksLikeGitlabCi, read: collectGitlabCi },
  { format: 'devcontainer', reads: '`devcontainer.json` `image`', claims: isDevcontainerName, read: collectDevcontainer, jsonc: true },
  { format: 'compose', reads: 'docker-compose `services.*.image`', claims: isComposeName, recognises: looksLikeCompose, read: collectCompose },
  { format: 'beanstalk', reads: 'Elastic Beanstalk `Dockerrun.aws.json` images', claims: (b) => /^Dockerrun\.aws\.json$/i.test(b), recognises: looksLikeDockerrun, read: collectBeanstalk },
  { format: 'cloudformation', reads: 'CloudFormation, SAM and CDK synth templates: ECS, Lambda, App Runner, Batch images', recognises: looksLikeCloudFormation, read: collectCloudFormation },
  { format: 'ecs-runtime', reads: '`aws ecs describe-tasks` (running digests) and `describe-services` (deployed task definitions)', recognises: looksLikeEcsRuntime, read: collectEcsRuntime },
  { format: 'lambda', reads: '`aws lambda get-function` `Code.ImageUri`, `Code.ResolvedImageUri`', recognises: looksLikeLambda, read: collectLambda },
  { format: 'ecs', reads: 'ECS task definitions (describe-task-definition output or registration JSON)', recognises: looksLikeTaskDefinition, read: collectEcs },
  { format: 'argocd', reads: 'Argo CD Applications: `kustomize.images`, Helm `parameters`, `values`, `valuesObject`', recognises: looksLikeArgoApplication, read: collectArgoApplication },
  { format: 'kubernetes', reads: 'any Kubernetes object: containers, init and ephemeral containers, Argo and Tekton templates, image volumes, Pod status digests', recognises: isKubernetesDocument, read: collectKubernetes },
  { format: 'helm-values', reads: 'Helm values files: `image.repository`/`tag`/`digest`, `registry`, EKS add-on account/region splits', claims: isValuesName, read: (doc, out) => void collectHelmValues(doc, out) },
];
