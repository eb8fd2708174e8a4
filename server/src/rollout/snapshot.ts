/**
 * Reading the records of one deployment: one `git for-each-ref` over its deployment refs and
 * tags, then at most one `git cat-file --batch` for the tag messages that are needed. The cost
 * in git processes is the same for one component or a thousand.
 */
import {
  deploymentRefPrefix,
  parseDeploymentRef,
  parseTagMessage,
  parseTagName,
  TAG_ROOT,
  type DeployedState,
  type Deployment,
  type DeploymentRecord,
  type ParsedTagName,
} from '../core';
import { GitStoreError, type GitStore } from '../git';
import { RolloutError } from './errors';
import { checkNames, deploymentName } from './names';
import type { HistoryEntry, HistoryOptions } from './types';

export interface TagRef {
  /** Tag name without `refs/tags/`. */
  name: string;
  /** The tag object. */
  sha: string;
  parsed: ParsedTagName;
}

/** A deployment tag read back: the record in its message and the commit it points at. */
export interface ReadTag {
  record: DeploymentRecord;
  commit: string;
  taggedAt?: string;
}

export interface Snapshot {
  /** target → component → ref value. */
  refs: Map<string, Map<string, string>>;
  /** Every full deployment ref name → its value, for compare-and-swap. */
  refValues: Map<string, string>;
  /** Deployment tags, oldest first. */
  tags: TagRef[];
}

export function tagPrefix(deployment: string): string {
  return `refs/tags/${TAG_ROOT}/${deployment}/`;
}

/** Orders tags by their name's timestamp, then by the `-2`, `-3` suffix. */
export function compareTags(a: TagRef, b: TagRef): number {
  if (a.parsed.timestamp !== b.parsed.timestamp)
    return a.parsed.timestamp < b.parsed.timestamp ? -1 : 1;
  if (a.parsed.seq !== b.parsed.seq) return a.parsed.seq - b.parsed.seq;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** One `for-each-ref` for everything recorded about a deployment. */
export async function readSnapshot(store: GitStore, name: string): Promise<Snapshot> {
  const entries = await gitCall(() => store.listRefs([deploymentRefPrefix(name), tagPrefix(name)]));
  const refs = new Map<string, Map<string, string>>();
  const refValues = new Map<string, string>();
  const tags: TagRef[] = [];
  for (const e of entries) {
    if (e.ref.startsWith('refs/tags/')) {
      const parsed = parseTagName(e.ref);
      if (!parsed || parsed.deployment !== name) continue;
      tags.push({ name: e.ref.slice('refs/tags/'.length), sha: e.sha, parsed });
      continue;
    }
    const p = parseDeploymentRef(e.ref);
    if (!p || p.deployment !== name) continue;
    refValues.set(e.ref, e.sha);
    if (!refs.has(p.target)) refs.set(p.target, new Map());
    refs.get(p.target)!.set(p.component, e.sha);
  }
  tags.sort(compareTags);
  return { refs, refValues, tags };
}

/**
 * Reads these tags and parses their deployment records, in one `cat-file --batch`. Tags that
 * are not annotated deployment records (a lightweight tag, a hand-written message) are left out.
 */
export async function readRecords(store: GitStore, tags: TagRef[]): Promise<Map<string, ReadTag>> {
  const out = new Map<string, ReadTag>();
  if (tags.length === 0) return out;
  const objects = await gitCall(() => store.readTags(tags.map((t) => t.sha)));
  for (const t of tags) {
    const o = objects.get(t.sha);
    const record = o ? parseTagMessage(o.message) : undefined;
    if (o && record) out.set(t.name, { record, commit: o.object, taggedAt: o.taggedAt });
  }
  return out;
}

/**
 * What runs where for one deployment: for each target and component, the SHA its ref points at,
 * with when, by whom and from where it was promoted (from the newest successful tag for that
 * SHA). Costs one `for-each-ref` and, in the usual case, one `cat-file --batch`.
 */
export async function readDeployedState(
  store: GitStore,
  deployment: Deployment,
): Promise<DeployedState> {
  const name = deploymentName(deployment);
  checkNames({ deployment: name });
  return deployedStateFrom(store, await readSnapshot(store, name));
}

/** How many of the newest tags per component are read first; older ones only when needed. */
const FIRST_READ = 3;

export async function deployedStateFrom(store: GitStore, snap: Snapshot): Promise<DeployedState> {
  // Tags per target and component, newest first, only where a ref exists.
  const groups = new Map<string, TagRef[]>();
  for (const t of [...snap.tags].reverse()) {
    if (!snap.refs.get(t.parsed.target)?.has(t.parsed.component)) continue;
    const key = `${t.parsed.target}\u0000${t.parsed.component}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(t);
  }
  const chosen = new Map<string, { tag: TagRef; read: ReadTag }>();
  // The newest successful tag for the SHA a ref points at tells when and by whom it was
  // deployed. It is nearly always among the newest few, so those are read first, in one batch;
  // the rest only for components where none matched.
  const pick = async (slice: (list: TagRef[]) => TagRef[]) => {
    const wanted = [...groups].filter(([key]) => !chosen.has(key));
    const reads = await readRecords(
      store,
      wanted.flatMap(([, list]) => slice(list)),
    );
    for (const [key, list] of wanted) {
      for (const t of slice(list)) {
        const read = reads.get(t.name);
        const current = snap.refs.get(t.parsed.target)!.get(t.parsed.component);
        if (read && read.commit === current && read.record.status !== 'failed') {
          chosen.set(key, { tag: t, read });
          break;
        }
      }
    }
  };
  await pick((list) => list.slice(0, FIRST_READ));
  if ([...groups].some(([key, list]) => !chosen.has(key) && list.length > FIRST_READ))
    await pick((list) => list.slice(FIRST_READ));
  const state: DeployedState = {};
  for (const [target, comps] of snap.refs) {
    state[target] = {};
    for (const [component, sha] of comps) {
      const hit = chosen.get(`${target}\u0000${component}`);
      state[target][component] = {
        sha,
        deployedAt: hit?.read.record.timestamp ?? hit?.read.taggedAt,
        deployedBy: hit?.read.record.deployed_by,
        tag: hit?.tag.name,
        promotedFrom: hit?.read.record.promoted_from,
      };
    }
  }
  return state;
}

/** Recorded rollouts from the deployment tags, newest first. */
export async function history(
  store: GitStore,
  deployment: Deployment,
  options: HistoryOptions = {},
): Promise<HistoryEntry[]> {
  const name = deploymentName(deployment);
  checkNames({ deployment: name });
  const snap = await readSnapshot(store, name);
  let tags = [...snap.tags].reverse();
  if (options.target) tags = tags.filter((t) => t.parsed.target === options.target);
  if (options.component) tags = tags.filter((t) => t.parsed.component === options.component);
  if (options.limit && options.limit > 0) tags = tags.slice(0, options.limit);
  const records = await readRecords(store, tags);
  const entries: HistoryEntry[] = [];
  for (const t of tags) {
    const r = records.get(t.name)?.record;
    if (!r) continue;
    entries.push({
      tag: t.name,
      deployment: r.deployment,
      target: r.target,
      component: r.component,
      gitSha: r.git_sha,
      timestamp: r.timestamp,
      status: r.status,
      deployedBy: r.deployed_by,
      buildId: r.build_id || undefined,
      promotedFrom: r.promoted_from,
      promotedAt: r.promoted_at,
      rollbackOf: r.rollback_of,
      approver: r.metadata.approver,
      metadata: r.metadata,
    });
  }
  return entries;
}

/** Runs a store call, turning git failures into rollout errors with exit codes. */
export async function gitCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof GitStoreError) {
      const kind =
        err.kind === 'conflict' || err.kind === 'push-rejected' ? 'conflict' : ('usage' as const);
      throw new RolloutError(kind, err.message, err.detail);
    }
    throw err;
  }
}
