/**
 * `retire`: the recorded way forward when a component was renamed or restructured (`ecs` to
 * `ecs/api`) and git still holds the old component's refs, which the new name cannot be
 * recorded beside. Retiring deletes the old component's deployment refs and drops it from each
 * target's status index, in one transaction (pushed atomically with a lease per ref); its tags
 * stay, so `history --component <old>` still shows everything it did.
 */
import {
  componentNames,
  displayName,
  formatStatusIndex,
  parseStatusIndex,
  statusIndexRef,
  statusIndexTagName,
  type Deployment,
} from '../core';
import type { GitStore, RefUpdate } from '../git';
import { RolloutError } from './errors';
import { checkNames, deploymentName } from './names';
import { loadPolicy } from './policy';
import { fetchRecords, pushOrRestore } from './remote';
import { gitCall, readSnapshot } from './snapshot';
import type { PolicySource } from './types';

export interface RetireOptions {
  component: string;
  /** Only these targets; every target holding the component when absent or empty. */
  targets?: string[];
  policy: PolicySource;
  remote?: string;
  now?: Date;
}

export interface RetireResult {
  message: string;
  /** The deployment refs deleted. */
  refs: string[];
  /** How many tags of the component stay as its history. */
  tags: number;
}

export async function retireComponent(
  store: GitStore,
  deployment: Deployment,
  options: RetireOptions,
): Promise<RetireResult> {
  const name = deploymentName(deployment);
  const component = options.component;
  checkNames({ deployment: name, components: [component] });
  const remote = options.remote || undefined;
  if (remote) await fetchRecords(store, name, remote);
  // The committed rules decide: a component still declared there is alive, not retired.
  const policy = await loadPolicy(store, name, options.policy, remote);
  if (componentNames(policy.deployment).includes(component))
    throw new RolloutError(
      'refused',
      `Component '${displayName(component)}' is still declared in the deployment file of ${displayName(name)}; only a component removed (or renamed) there can be retired. Commit that change first.`,
    );
  const snap = await readSnapshot(store, name);
  const wanted = options.targets?.length ? new Set(options.targets) : undefined;
  const targets = [...snap.refs.entries()]
    .filter(([t, comps]) => comps.has(component) && (!wanted || wanted.has(t)))
    .map(([t]) => t)
    .sort();
  if (targets.length === 0)
    throw new RolloutError(
      'usage',
      `No target of ${displayName(name)} has a recorded ref of component '${displayName(component)}'${wanted ? ` among ${[...wanted].map(displayName).join(', ')}` : ''}; nothing to retire.`,
    );
  const updates: RefUpdate[] = targets.map((t) => {
    const ref = `refs/atmos/deployments/${name}/${t}/${component}`;
    return { ref, oldSha: snap.refValues.get(ref) };
  });
  // Each target's status index drops the component, so the index never names a ref that is gone.
  const indexed = targets.filter((t) => snap.indexes.has(t));
  const objects = indexed.length
    ? await gitCall(() => store.readObjects(indexed.map((t) => snap.indexes.get(t)!.sha)))
    : new Map();
  const identity = await gitCall(() => store.identity());
  const rewrites: Array<{ target: string; message: string; object: string; oldSha: string }> = [];
  for (const t of indexed) {
    const old = snap.indexes.get(t)!;
    const tag = objects.get(old.sha)?.tag;
    const index = tag ? parseStatusIndex(tag.message, name, t) : undefined;
    // An unreadable index is left for the next rollout to rewrite, as readers already ignore it.
    if (!tag || !index || !index.components[component]) continue;
    const components = { ...index.components };
    delete components[component];
    rewrites.push({
      target: t,
      message: formatStatusIndex({ ...index, components }),
      object: tag.object,
      oldSha: old.sha,
    });
  }
  if (rewrites.length) {
    const now = options.now ?? new Date();
    const shas = await gitCall(() =>
      store.writeTagObjects(
        rewrites.map((r) => ({
          name: statusIndexTagName(name, r.target),
          object: r.object,
          message: r.message,
          tagger: identity,
          date: now,
        })),
      ),
    );
    rewrites.forEach((r, i) =>
      updates.push({ ref: statusIndexRef(name, r.target), newSha: shas[i], oldSha: r.oldSha }),
    );
  }
  await gitCall(() => store.updateRefs(updates));
  if (remote) await pushOrRestore(store, remote, updates);
  const tags = snap.tags.filter((t) => t.parsed.component === component).length;
  const refs = updates.filter((u) => u.newSha === undefined).map((u) => u.ref);
  return {
    refs,
    tags,
    message: `Retired component '${displayName(component)}' of ${displayName(name)} in ${targets.map(displayName).join(', ')}: its refs are deleted, and its ${tags} tag${tags === 1 ? '' : 's'} stay as history (\`atmos-deployments history ${name} --component ${component}\`).`,
  };
}
