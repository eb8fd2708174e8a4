/** The text of a scalar key or value, as the model and the rules compare names. */
import { isScalar } from './yaml-api';

export function scalarString(node: unknown): string | undefined {
  if (isScalar(node)) {
    const v = node.value;
    if (v === null || v === undefined) return undefined;
    return typeof v === 'string' ? v : String(v);
  }
  return undefined;
}
