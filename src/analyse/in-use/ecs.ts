import { forEachEntry, isRecord, type UseCollector } from './common.js';
import { addReferenceAt, type PathSegment, type StructuredDocument } from './document.js';

// ECS task definitions: `aws ecs describe-task-definition` output (`taskDefinition.containerDefinitions`)
// or a registration JSON (`containerDefinitions` at the top, as given to register-task-definition).

export function looksLikeTaskDefinition(value: unknown): boolean {
  return (isRecord(value) && ((isRecord(value.taskDefinition) && Array.isArray(value.taskDefinition.containerDefinitions)) || Array.isArray(value.containerDefinitions))) || isContainerDefinitionList(value);
}

/** A bare `containerDefinitions` array (the file Terraform and CLI users pass as `container-definitions.json`). */
function isContainerDefinitionList(value: unknown): value is unknown[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((c) => isRecord(c) && 'image' in c && typeof c.name === 'string' && ('essential' in c || 'portMappings' in c || 'memory' in c || 'cpu' in c || 'memoryReservation' in c))
  );
}

export function collectEcs(doc: StructuredDocument, out: UseCollector): boolean {
  const value = isRecord(doc.value) ? doc.value : {};
  if (!looksLikeTaskDefinition(doc.value)) return false;
  let base: PathSegment[];
  let definitions: unknown;
  if (isRecord(value.taskDefinition) && Array.isArray(value.taskDefinition.containerDefinitions)) {
    base = ['taskDefinition', 'containerDefinitions'];
    definitions = value.taskDefinition.containerDefinitions;
    // describe-services output names task definitions by ARN: this one is now known.
    if (typeof value.taskDefinition.taskDefinitionArn === 'string') out.links.taskDefinitionsRead.push(value.taskDefinition.taskDefinitionArn);
  } else if (isContainerDefinitionList(doc.value)) {
    base = [];
    definitions = doc.value;
  } else if (Array.isArray(value.containerDefinitions)) {
    base = ['containerDefinitions'];
    definitions = value.containerDefinitions;
  } else {
    return false;
  }
  forEachEntry(definitions, (container, i) => {
    addReferenceAt(doc, out, 'ecs', container.image, [...base, i, 'image']);
  });
  return true;
}
