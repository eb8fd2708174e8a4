/**
 * Reading the records of one deployment: one `git for-each-ref` over its deployment refs (and
 * status index refs, and tags where they are needed), then `git cat-file --batch` for the
 * objects that are needed. The cost in git processes is the same for one component or a
 * thousand.
 */
import {
  approvalKey,
  recordApprovalKeys,
  deploymentRefPrefix,
  notesRef,
  parseApprovalNote,
  newestTagPerComponent,
  parseDeploymentRef,
  parseRequestRef,
  requestRefPrefix,
  parseStatusIndex,
  parseStatusIndexRef,
  parseTagMessage,
  parseTagName,
  statusIndexPrefix,
  TAG_ROOT,
  type DeployedComponent,
  type DeployedState,
  type Deployment,
  type Approval,
  type DeploymentRecord,
  type ParsedTagName,
  type StatusIndex,
} from '../core';
import { GitStoreError, type GitStore, type RefEntry } from '../git';
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

/** A target's status index ref, and its contents once read. */
export interface IndexRef {
  /** The index tag object the ref points at, for compare-and-swap. */
  sha: string;
  /** Set once read; undefined when the object is not a readable index. */
  index?: StatusIndex;
}

export interface Snapshot {
  /** target → component → ref value. */
  refs: Map<string, Map<string, string>>;
  /** Every full deployment ref name → its value, for compare-and-swap. */
  refValues: Map<string, string>;
  /** Deployment tags, oldest first (empty when read without them or with `parseTags: false`). */
  tags: TagRef[];
  /** Every deployment tag as listed, parsed or not: full ref name and tag object. */
  tagRefs: RefEntry[];
  /** target → its status index ref. */
  indexes: Map<string, IndexRef>;
  /** target → the tip of its approval request ref (`refs/atmos/requests/<d>/<t>`), if any. */
  requests: Map<string, string>;
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

/**
 * One `for-each-ref` for everything recorded about a deployment. `withTags: false` leaves the
 * deployment's tags out (listing tens of thousands of them is most of the cost) for readers
 * that start from the status index. `parseTags: false` lists them in `tagRefs` only, for a
 * reader that parses the few it needs.
 */
export async function readSnapshot(
  store: GitStore,
  name: string,
  { withTags = true, parseTags = true }: { withTags?: boolean; parseTags?: boolean } = {},
): Promise<Snapshot> {
  const prefixes = [deploymentRefPrefix(name), statusIndexPrefix(name), requestRefPrefix(name)];
  if (withTags) prefixes.push(tagPrefix(name));
  const entries = await gitCall(() => store.listRefs(prefixes));
  const refs = new Map<string, Map<string, string>>();
  const refValues = new Map<string, string>();
  const tags: TagRef[] = [];
  const tagRefs: RefEntry[] = [];
  const indexes = new Map<string, IndexRef>();
  const requests = new Map<string, string>();
  for (const e of entries) {
    const r = parseRequestRef(e.ref);
    if (r) {
      if (r.deployment === name) requests.set(r.target, e.sha);
      continue;
    }
    if (e.ref.startsWith('refs/tags/')) {
      tagRefs.push(e);
      if (!parseTags) continue;
      const parsed = parseTagName(e.ref);
      if (!parsed || parsed.deployment !== name) continue;
      tags.push({ name: e.ref.slice('refs/tags/'.length), sha: e.sha, parsed });
      continue;
    }
    const i = parseStatusIndexRef(e.ref);
    if (i) {
      if (i.deployment === name) indexes.set(i.target, { sha: e.sha });
      continue;
    }
    const p = parseDeploymentRef(e.ref);
    if (!p || p.deployment !== name) continue;
    refValues.set(e.ref, e.sha);
    if (!refs.has(p.target)) refs.set(p.target, new Map());
    refs.get(p.target)!.set(p.component, e.sha);
  }
  tags.sort(compareTags);
  return { refs, refValues, tags, tagRefs, indexes, requests };
}

/** Parses a status index object read by `readObjects` into the snapshot's entry for `target`. */
export function fillIndex(
  snap: Snapshot,
  name: string,
  target: string,
  message: string | undefined,
): void {
  const entry = snap.indexes.get(target);
  if (entry && message !== undefined) entry.index = parseStatusIndex(message, name, target);
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
 * with when, by whom and from where it was promoted. One `for-each-ref` lists the deployment
 * refs, the status index refs and the tag names; one `cat-file --batch` reads the index objects
 * (one small object per target). An index entry answers only while it names both the SHA the
 * ref points at and the newest tag of its component, so a record written by Atmos or plain git
 * (a new SHA, or the same SHA again) is never hidden behind it. Components the index does not
 * answer are read from their newest tags, in one more `cat-file --batch`.
 */
export async function readDeployedState(
  store: GitStore,
  deployment: Deployment,
  { useIndex = true }: { useIndex?: boolean } = {},
): Promise<DeployedState> {
  const name = deploymentName(deployment);
  checkNames({ deployment: name });
  const snap = await readSnapshot(store, name, { parseTags: false });
  // Without the index (tests compare both ways) every component is read from the tags.
  const wanted = useIndex ? [...snap.indexes].filter(([target]) => snap.refs.has(target)) : [];
  const reading = wanted.length
    ? gitCall(() => store.readObjects(wanted.map(([, i]) => i.sha)))
    : undefined;
  // The pass over every tag name runs while git reads the index objects: one turn of the event
  // loop lets simple-git start that process first.
  if (reading) await new Promise((resolve) => setImmediate(resolve));
  /** `target/component` → the ref name of its newest tag, in one pass over the listed names. */
  const newest = newestTagPerComponent(
    snap.tagRefs.map((t) => t.ref),
    name,
  );
  if (reading) {
    const objects = await reading;
    for (const [target, i] of wanted)
      fillIndex(snap, name, target, objects.get(i.sha)?.tag?.message);
  }
  const state: DeployedState = {};
  /** `target NUL component` → the SHA its ref points at, for components the index left open. */
  const open = new Map<string, string>();
  for (const [target, comps] of snap.refs) {
    state[target] = {};
    const index = snap.indexes.get(target)?.index;
    for (const [component, sha] of comps) {
      const key = `${target}\u0000${component}`;
      const e = index?.components[component];
      if (
        e &&
        e.sha === sha &&
        newest.get(`${target}/${component}`) === `refs/tags/${e.last_tag ?? e.tag}`
      )
        state[target][component] = {
          sha,
          deployedAt: e.deployed_at,
          deployedBy: e.deployed_by,
          tag: e.tag,
          promotedFrom: e.promoted_from,
        };
      else {
        state[target][component] = { sha };
        open.set(key, sha);
      }
    }
  }
  if (open.size === 0) return state;
  // Only the components the index left open are parsed from their tag names.
  const candidates: TagRef[] = [];
  for (const e of snap.tagRefs) {
    const parsed = parseTagName(e.ref);
    if (parsed?.deployment === name && open.has(`${parsed.target}\u0000${parsed.component}`))
      candidates.push({ name: e.ref.slice('refs/tags/'.length), sha: e.sha, parsed });
  }
  candidates.sort(compareTags);
  const found = await newestRecords(store, candidates, open);
  for (const [key, sha] of open) {
    const [target, component] = key.split('\u0000');
    const hit = found.get(key);
    // A ref no record backs was written with plain git; status blocks promotions from it.
    state[target][component] = hit ? fromRecord(sha, hit) : { sha, unrecorded: true };
  }
  return state;
}

function fromRecord(sha: string, hit: { tag: TagRef; read: ReadTag }): DeployedComponent {
  return {
    sha,
    deployedAt: hit.read.record.timestamp ?? hit.read.taggedAt,
    deployedBy: hit.read.record.deployed_by,
    tag: hit.tag.name,
    promotedFrom: hit.read.record.promoted_from,
  };
}

/** How many of the newest tags per component are read first; older ones only when needed. */
const FIRST_READ = 3;

/**
 * For each wanted `target NUL component` → SHA, the newest successful tag recording that SHA.
 * It is nearly always among the newest few, so those are read first, in one batch; the rest
 * only for components where none matched.
 */
async function newestRecords(
  store: GitStore,
  tags: TagRef[],
  wantedShas: Map<string, string>,
): Promise<Map<string, { tag: TagRef; read: ReadTag }>> {
  // Tags per target and component, newest first, only where a ref exists.
  const groups = new Map<string, TagRef[]>();
  for (const t of [...tags].reverse()) {
    const key = `${t.parsed.target}\u0000${t.parsed.component}`;
    if (!wantedShas.has(key)) continue;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(t);
  }
  const chosen = new Map<string, { tag: TagRef; read: ReadTag }>();
  const pick = async (slice: (list: TagRef[]) => TagRef[]) => {
    const open = [...groups].filter(([key]) => !chosen.has(key));
    const reads = await readRecords(
      store,
      open.flatMap(([, list]) => slice(list)),
    );
    for (const [key, list] of open) {
      for (const t of slice(list)) {
        const read = reads.get(t.name);
        if (read && read.commit === wantedShas.get(key) && read.record.status !== 'failed') {
          chosen.set(key, { tag: t, read });
          break;
        }
      }
    }
  };
  await pick((list) => list.slice(0, FIRST_READ));
  if ([...groups].some(([key, list]) => !chosen.has(key) && list.length > FIRST_READ))
    await pick((list) => list.slice(FIRST_READ));
  return chosen;
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
  const approvals = await recordedApprovals(store, name, [...records.values()]);
  const entries: HistoryEntry[] = [];
  for (const t of tags) {
    const r = records.get(t.name)?.record;
    if (!r) continue;
    const approval = r.metadata.approver ? approvals(r) : undefined;
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
      ...(approval
        ? {
            approver: approval.approved_by,
            ...(approval.recorded_by ? { approvalRecordedBy: approval.recorded_by } : {}),
          }
        : r.metadata.approver
          ? { unbackedApprover: r.metadata.approver }
          : {}),
      ...(r.policy_sha ? { policySha: r.policy_sha } : {}),
      metadata: r.metadata,
    });
  }
  return entries;
}

/**
 * The recorded approval note behind each record's `metadata.approver`, looked up in one read of
 * the notes on the records' commits. A tag's metadata alone proves nothing (anyone can write
 * it), so history says "approved by" only where a note of the same approver, time, target and
 * SHA exists.
 */
async function recordedApprovals(
  store: GitStore,
  deployment: string,
  records: ReadTag[],
): Promise<(r: DeploymentRecord) => Approval | undefined> {
  const claiming = records.filter((r) => r.record.metadata.approver);
  if (claiming.length === 0) return () => undefined;
  const notes = await gitCall(() =>
    store.readNotes(notesRef(deployment), [...new Set(claiming.map((r) => r.record.git_sha))]),
  );
  const byCommit = new Map<string, Approval[]>();
  for (const [commit, text] of notes) byCommit.set(commit, parseApprovalNote(text).approvals);
  // A review rollout may carry several approvals (approval-use.ts); history names them all
  // only when every one has its note.
  return (r) => {
    const notes = byCommit.get(r.git_sha) ?? [];
    const found = recordApprovalKeys(r).map((key) =>
      notes.find((a) => approvalKey(a) === key && a.components[r.component] === r.git_sha),
    );
    if (found.length === 0 || found.some((a) => !a)) return undefined;
    const all = found as Approval[];
    return all.length === 1
      ? all[0]
      : { ...all[0], approved_by: all.map((a) => a.approved_by).join(', ') };
  };
}

/** Runs a store call, turning git failures into rollout errors with exit codes. */
export async function gitCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof GitStoreError) {
      const kind =
        err.kind === 'conflict' || err.kind === 'push-rejected'
          ? 'conflict'
          : err.kind === 'push-refused'
            ? 'refused'
            : err.kind === 'cancelled'
              ? 'cancelled'
              : ('usage' as const);
      const reason = err.kind === 'no-commits' || err.kind === 'not-a-repo' ? err.kind : undefined;
      throw new RolloutError(kind, err.message, err.detail, reason);
    }
    throw err;
  }
}
