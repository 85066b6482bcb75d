import { isRecord, type UseCollector } from './common.js';
import { addReferenceAt, type StructuredDocument } from './document.js';

// Lambda: `aws lambda get-function` output. `Code.ImageUri` is what the function was deployed with;
// `Code.ResolvedImageUri` carries the digest Lambda resolved it to. Both are kept as uses.
// Zip-packaged functions are recognised and contribute nothing.

export function looksLikeLambda(value: unknown): boolean {
  if (!isRecord(value)) return false;
  const code = value.Code;
  const configuration = value.Configuration;
  const hasImage = isRecord(code) && ('ImageUri' in code || 'ResolvedImageUri' in code);
  const isFunction = isRecord(configuration) && typeof configuration.FunctionName === 'string';
  return hasImage || isFunction;
}

export function collectLambda(doc: StructuredDocument, out: UseCollector): boolean {
  const value = doc.value;
  if (!looksLikeLambda(value) || !isRecord(value)) return false;
  const code = value.Code;
  if (isRecord(code)) {
    addReferenceAt(doc, out, 'lambda', code.ImageUri, ['Code', 'ImageUri']);
    addReferenceAt(doc, out, 'lambda', code.ResolvedImageUri, ['Code', 'ResolvedImageUri']);
  }
  return true;
}
