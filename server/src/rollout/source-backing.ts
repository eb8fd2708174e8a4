/**
 * Record-backed sources (design section 11). A promotion copies a source's SHAs only where each
 * component's ref is backed by its newest deployment record: the newest tag of that component
 * that is not a failed deploy (a failed one leaves the ref where it was) must point at the SHA
 * the ref holds, and its message must say the same SHA, deployment, target and component. A
 * ref written with plain git (`git push origin X:refs/atmos/deployments/pay/staging/api`) has
 * no such record and is refused by name, so a commit that never ran in staging cannot reach
 * prod as if it had.
 */
import { parseTagMessage, type DeploymentRecord } from '../core';
import type { GitObject, GitStore } from '../git';
import { RolloutError } from './errors';
import { gitCall, type Snapshot, type TagRef } from './snapshot';

/** How many of a component's newest tags are read with the plan; older ones only if needed. */
const FIRST_READ = 3;

export interface SourceTags {
  /** Per component, the source's tags newest first. */
  byComponent: Map<string, TagRef[]>;
  /** The tags read with the plan's own `cat-file --batch`. */
  first: TagRef[];
}

/** The source's tags of these components, newest first, and the few to read at once. */
export function sourceTagsToRead(snap: Snapshot, source: string, components: string[]): SourceTags {
  const wanted = new Set(components);
  const byComponent = new Map<string, TagRef[]>();
  for (let i = snap.tags.length - 1; i >= 0; i--) {
    const t = snap.tags[i];
    if (t.parsed.target !== source || !wanted.has(t.parsed.component)) continue;
    const list = byComponent.get(t.parsed.component) ?? [];
    list.push(t);
    byComponent.set(t.parsed.component, list);
  }
  const first = [...byComponent.values()].flatMap((list) => list.slice(0, FIRST_READ));
  return { byComponent, first };
}

interface Read {
  tag: TagRef;
  commit: string;
  record: DeploymentRecord;
}

/**
 * Throws a `refused` RolloutError naming the first component whose source ref is not backed by
 * its newest record. `objects` holds what the plan's batch read; components whose first few
 * tags were all failed deploys (or not records at all) are read further in one more batch.
 */
export async function checkSourceBacking(
  store: GitStore,
  deployment: string,
  source: string,
  planned: Array<{ component: string; sha: string }>,
  tags: SourceTags,
  objects: Map<string, GitObject>,
): Promise<void> {
  const read = (t: TagRef, o: GitObject | undefined): Read | undefined => {
    const tag = o?.tag;
    const record = tag ? parseTagMessage(tag.message) : undefined;
    return tag && record ? { tag: t, commit: tag.object, record } : undefined;
  };
  const newest = new Map<string, Read>();
  const pick = (
    component: string,
    list: TagRef[],
    lookup: (t: TagRef) => GitObject | undefined,
  ) => {
    for (const t of list) {
      const r = read(t, lookup(t));
      if (r && r.record.status !== 'failed') {
        newest.set(component, r);
        return;
      }
    }
  };
  for (const [component, list] of tags.byComponent)
    pick(component, list.slice(0, FIRST_READ), (t) => objects.get(t.sha));
  const rest = [...tags.byComponent].filter(
    ([component, list]) => !newest.has(component) && list.length > FIRST_READ,
  );
  if (rest.length) {
    const more = await gitCall(() =>
      store.readObjects(rest.flatMap(([, list]) => list.slice(FIRST_READ).map((t) => t.sha))),
    );
    for (const [component, list] of rest)
      pick(component, list.slice(FIRST_READ), (t) => more.get(t.sha));
  }
  for (const p of planned) {
    const why = backingProblem(deployment, source, p.component, p.sha, newest.get(p.component));
    if (why) throw new RolloutError('refused', `Cannot promote from ${source}: ${why}`);
  }
}

/** Why a source ref is not backed by its newest record, as a sentence; undefined when it is. */
export function backingProblem(
  deployment: string,
  source: string,
  component: string,
  sha: string,
  newest: Read | undefined,
): string | undefined {
  const at = `${source}/${component} points at ${sha.slice(0, 9)}`;
  if (!newest)
    return `${at} but no deployment record backs it (no deployment tag records it). Roll it out to ${source} with atmos-deployments, or reset the ref to its last recorded SHA.`;
  const { tag, commit, record } = newest;
  if (
    record.deployment !== deployment ||
    record.target !== source ||
    record.component !== component
  )
    return `${at} but its newest record, ${tag.name}, says it is for ${record.deployment}/${record.target}/${record.component}; the record does not agree with its name.`;
  if (record.git_sha !== commit)
    return `${at} but its newest record, ${tag.name}, says git_sha ${record.git_sha.slice(0, 9)} while the tag points at ${commit.slice(0, 9)}; the record does not agree with its object.`;
  if (commit !== sha)
    return `${at} but no deployment record backs it: its newest record, ${tag.name}, records ${commit.slice(0, 9)}. Roll it out to ${source} with atmos-deployments, or reset the ref to ${commit.slice(0, 9)}.`;
  return undefined;
}
