/** The status index a rollout writes beside its records (design section 5). */
import type { DeploymentRecord, StatusIndex } from '../core';
import type { Snapshot } from './snapshot';

/**
 * The target's status index after this rollout: the entries read at planning, with every
 * component whose ref moves set to its new record, and failed ones marked with their newer tag.
 */
export function nextStatusIndex(
  snap: Snapshot,
  name: string,
  target: string,
  specs: Array<{
    component: { component: string; sha: string };
    tag: string;
    record: DeploymentRecord;
  }>,
): { index: StatusIndex; object: string } | undefined {
  if (specs.length === 0) return undefined;
  const components = { ...(snap.indexes.get(target)?.index?.components ?? {}) };
  for (const s of specs) {
    const c = s.component.component;
    if (s.record.status === 'failed') {
      // The ref stays, and so does the entry; it notes this newer tag so readers still trust it.
      if (components[c]) components[c] = { ...components[c], last_tag: s.tag };
      continue;
    }
    components[c] = {
      sha: s.component.sha,
      tag: s.tag,
      deployed_at: s.record.timestamp,
      deployed_by: s.record.deployed_by,
      promoted_from: s.record.promoted_from,
    };
  }
  // A tag object must point at an object: one of the commits this rollout recorded.
  return { index: { deployment: name, target, components }, object: specs[0].component.sha };
}
