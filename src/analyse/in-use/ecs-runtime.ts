import { formatObjectPath, isRecord, type UseCollector } from './common.js';
import { type PathSegment, type StructuredDocument, addReferenceAt } from './document.js';

// What ECS runs: `aws ecs describe-tasks` output gives each container's image and the digest ECS
// resolved it to (`containers[].imageDigest`: the image actually running, whatever its tag now names);
// `describe-services` output names the task definition of each deployment, whose images are known only
// from that task definition's own describe-task-definition output (read alongside, or unresolvable).

export function looksLikeEcsRuntime(value: unknown): boolean {
  if (!isRecord(value)) return false;
  const tasks = value.tasks;
  const services = value.services;
  return (
    (Array.isArray(tasks) && tasks.some((t) => isRecord(t) && (Array.isArray(t.containers) || typeof t.taskDefinitionArn === 'string'))) ||
    (Array.isArray(services) && services.some((s) => isRecord(s) && (Array.isArray(s.deployments) || typeof s.taskDefinition === 'string')))
  );
}

export function collectEcsRuntime(doc: StructuredDocument, out: UseCollector): boolean {
  const value = doc.value;
  if (!looksLikeEcsRuntime(value) || !isRecord(value)) return false;
  if (Array.isArray(value.tasks)) {
    value.tasks.forEach((task, t) => {
      if (!isRecord(task) || !Array.isArray(task.containers)) return;
      const label = typeof task.taskArn === 'string' ? `task ${task.taskArn.slice(task.taskArn.lastIndexOf('/') + 1)}: ` : '';
      task.containers.forEach((c, i) => {
        if (!isRecord(c)) return;
        const digest = typeof c.imageDigest === 'string' && /^sha256:[a-f0-9]{64}$/.test(c.imageDigest) ? c.imageDigest : undefined;
        // The running digest wins over the tag: `image@digest` is what a restart of this task pulls.
        addReferenceAt(doc, out, 'ecs-runtime', c.image, ['tasks', t, 'containers', i, 'image'], label, (raw) => (digest && !raw.includes('@') ? `${raw}@${digest}` : raw));
      });
    });
  }
  if (Array.isArray(value.services)) {
    value.services.forEach((service, s) => {
      if (!isRecord(service)) return;
      const label = typeof service.serviceName === 'string' ? `service ${service.serviceName}: ` : '';
      const wanted: Array<{ arn: unknown; path: PathSegment[] }> = [];
      if (Array.isArray(service.deployments)) {
        service.deployments.forEach((d, i) => {
          if (isRecord(d)) wanted.push({ arn: d.taskDefinition, path: ['services', s, 'deployments', i, 'taskDefinition'] });
        });
      } else {
        wanted.push({ arn: service.taskDefinition, path: ['services', s, 'taskDefinition'] });
      }
      for (const w of wanted) {
        if (typeof w.arn !== 'string') continue;
        const pos = doc.locate(w.path);
        out.links.taskDefinitionsNeeded.push({ arn: w.arn, origin: { format: 'ecs-runtime', file: doc.file, ...pos, path: label + formatObjectPath(w.path) } });
      }
    });
  }
  return true;
}

/** `family:revision` of a task definition ARN (or the text itself): how describe-services and describe-task-definition meet. */
export function taskDefinitionKey(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}
