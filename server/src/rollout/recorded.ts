/**
 * What git has recorded, by component name: for `validate` and the editor's
 * `recorded-component-conflict` warning. One `for-each-ref` of the deployment refs; no objects.
 */
import { parseDeploymentRef, type RecordedComponents } from '../core';
import type { GitStore } from '../git';
import { gitCall } from './snapshot';

/** Deployment → target → the component names with a deployment ref. */
export async function readRecordedComponents(
  store: GitStore,
): Promise<Map<string, RecordedComponents>> {
  const refs = await gitCall(() => store.listRefs(['refs/atmos/deployments/']));
  return recordedFromRefs(refs.map((r) => r.ref));
}

/** The same from ref names already listed. */
export function recordedFromRefs(refs: string[]): Map<string, RecordedComponents> {
  const out = new Map<string, RecordedComponents>();
  for (const ref of refs) {
    const p = parseDeploymentRef(ref);
    if (!p) continue;
    const byTarget = out.get(p.deployment) ?? new Map<string, string[]>();
    out.set(p.deployment, byTarget);
    byTarget.set(p.target, [...(byTarget.get(p.target) ?? []), p.component]);
  }
  return out;
}
