/**
 * History: the recorded rollouts of a deployment, newest first, read from its tags as git lists
 * them. Records are handed on while git is still listing, so the first lines print at once and
 * memory stays flat for a hundred thousand records; a caller that stops early (a limit, a
 * cancelled request, a closed pipe) ends git.
 */
import {
  approvalKey,
  notesRef,
  parseApprovalNote,
  parseTagMessage,
  parseTagName,
  recordApprovalKeys,
  type Approval,
  type Deployment,
  type DeploymentRecord,
} from '../core';
import { GitStoreError, type GitStore, type StreamedTag } from '../git';
import { checkNames, deploymentName } from './names';
import { compareTags, gitCall, tagPrefix, type TagRef } from './snapshot';
import type { HistoryEntry, HistoryOptions } from './types';

/**
 * Records that name an approver wait, up to this many, for one read of their approval notes;
 * the others are handed on with each piece of git's output. Holding records longer than that
 * let them outlive V8's young generation: at 100,000 records, the heap then grew by some 30 MB.
 */
const BATCH = 500;

/** A record read from its tag, waiting to be handed on. */
interface Read {
  tag: TagRef;
  record: DeploymentRecord;
}

/**
 * The targets that have deployment records (tags) of `deployment`, sorted, from one
 * `for-each-ref` of the tag names. History asks it only when a target or the deployment is no
 * longer in the deployment file, since records outlive the YAML that led to them.
 */
export async function recordedTargets(store: GitStore, deployment: string): Promise<string[]> {
  return (await recordedNames(store, deployment)).targets;
}

/** The targets and the components that have records (tags) of `deployment`, sorted. */
export async function recordedNames(
  store: GitStore,
  deployment: string,
): Promise<{ targets: string[]; components: string[] }> {
  checkNames({ deployment });
  const refs = await gitCall(() => store.listRefs([tagPrefix(deployment)]));
  const targets = new Set<string>();
  const components = new Set<string>();
  for (const r of refs) {
    const parsed = parseTagName(r.ref);
    if (parsed?.deployment !== deployment) continue;
    targets.add(parsed.target);
    components.add(parsed.component);
  }
  const sorted = (s: Set<string>) => [...s].sort((a, b) => a.localeCompare(b));
  return { targets: sorted(targets), components: sorted(components) };
}

/**
 * Recorded rollouts from the deployment tags, newest first (by the tag name's time, then its
 * `-2`, `-3` suffix, then the whole name), filtered by target and component, at most
 * `options.limit` of them when it is above 0. Costs one `git for-each-ref` for the tags and
 * their messages, plus, once some record names an approver, one `git notes list` and one
 * `cat-file` per group of up to 500 records.
 */
export async function* streamHistory(
  store: GitStore,
  /** The deployment, or only its name when its file is gone but its records remain. */
  deployment: Deployment | string,
  options: HistoryOptions = {},
): AsyncGenerator<HistoryEntry, void, undefined> {
  for await (const page of streamHistoryPages(store, deployment, options)) yield* page;
}

/**
 * streamHistory's entries a page at a time, as they are read from a piece of git's output (or
 * from one read of approval notes): `history --limit 0` reads a hundred thousand entries, and an
 * await for each of them was a tenth of its time. A consumer that stops between pages ends git.
 */
export async function* streamHistoryPages(
  store: GitStore,
  deployment: Deployment | string,
  options: HistoryOptions = {},
): AsyncGenerator<HistoryEntry[], void, undefined> {
  const name = typeof deployment === 'string' ? deployment : deploymentName(deployment);
  checkNames({ deployment: name });
  const limit = options.limit && options.limit > 0 ? options.limit : Infinity;
  const batchSize = Math.min(limit, BATCH);
  // A target never holds a slash, so its tags share a prefix; a component may (`a/b`), so it is
  // checked on the parsed name instead.
  const prefix = options.target ? `${tagPrefix(name)}${options.target}/` : tagPrefix(name);
  const approvals = approvalReader(store, name);
  let handed = 0;
  let batch: Read[] = [];
  /** Records of one stamp: git orders `-10` before `-2`, so a stamp's records are sorted here. */
  let sameStamp: Read[] = [];
  const settle = () => {
    if (sameStamp.length > 1) sameStamp.sort((a, b) => compareTags(b.tag, a.tag));
    batch.push(...sameStamp);
    sameStamp = [];
  };
  async function flush(): Promise<HistoryEntry[]> {
    const reads = batch;
    batch = [];
    const backing = await approvals(reads.map((r) => r.record));
    const page: HistoryEntry[] = [];
    for (const r of reads) {
      if (handed >= limit) break;
      handed++;
      page.push(entry(r, backing));
    }
    return page;
  }
  for await (const rows of gitStream(store.tagsNewestFirst([prefix]))) {
    for (const row of rows) {
      const read = readRow(row, name, options);
      if (!read) continue;
      if (sameStamp.length && sameStamp[0].tag.parsed.timestamp !== read.tag.parsed.timestamp)
        settle();
      sameStamp.push(read);
    }
    if (batch.length >= batchSize || !batch.some((r) => r.record.metadata.approver)) {
      const page = await flush();
      if (page.length) yield page;
    }
    if (handed >= limit) return;
  }
  settle();
  while (batch.length && handed < limit) {
    const page = await flush();
    if (page.length) yield page;
  }
}

/** Recorded rollouts, newest first, as one list (the language server's request). */
export async function history(
  store: GitStore,
  deployment: Deployment,
  options: HistoryOptions = {},
): Promise<HistoryEntry[]> {
  const entries: HistoryEntry[] = [];
  for await (const e of streamHistory(store, deployment, options)) entries.push(e);
  return entries;
}

/** The record in one listed tag, or undefined for a tag that is not one this history shows. */
function readRow(row: StreamedTag, name: string, options: HistoryOptions): Read | undefined {
  if (!row.tag) return undefined;
  const parsed = parseTagName(row.ref);
  if (!parsed || parsed.deployment !== name) return undefined;
  if (options.target && parsed.target !== options.target) return undefined;
  if (options.component && parsed.component !== options.component) return undefined;
  const record = parseTagMessage(row.tag.message);
  if (!record) return undefined;
  return { tag: { name: row.ref.slice('refs/tags/'.length), sha: row.sha, parsed }, record };
}

function entry(r: Read, approvals: (r: DeploymentRecord) => Approval | undefined): HistoryEntry {
  const { record } = r;
  const approval = record.metadata.approver ? approvals(record) : undefined;
  return {
    tag: r.tag.name,
    deployment: record.deployment,
    target: record.target,
    component: record.component,
    gitSha: record.git_sha,
    timestamp: record.timestamp,
    status: record.status,
    deployedBy: record.deployed_by,
    buildId: record.build_id || undefined,
    promotedFrom: record.promoted_from,
    promotedAt: record.promoted_at,
    rollbackOf: record.rollback_of,
    ...(approval
      ? {
          approver: approval.approved_by,
          ...(approval.recorded_by ? { approvalRecordedBy: approval.recorded_by } : {}),
        }
      : record.metadata.approver
        ? { unbackedApprover: record.metadata.approver }
        : {}),
    ...(record.policy_sha ? { policySha: record.policy_sha } : {}),
    metadata: record.metadata,
  };
}

/**
 * Looks up the recorded approval note behind each record's `metadata.approver`. A tag's metadata
 * alone proves nothing (anyone can write it), so history says "approved by" only where a note of
 * the same approver, time, target and SHA exists. Which commits carry notes is listed once, on
 * the first group of records that names an approver; each such group then reads only its own
 * notes.
 */
function approvalReader(
  store: GitStore,
  deployment: string,
): (records: DeploymentRecord[]) => Promise<(r: DeploymentRecord) => Approval | undefined> {
  let listed: Promise<Map<string, string>> | undefined;
  return async (records) => {
    const claiming = records.filter((r) => r.metadata.approver);
    if (claiming.length === 0) return () => undefined;
    listed ??= gitCall(() => store.listNotes(notesRef(deployment)));
    const notes = await listed;
    const blobs = new Map<string, string>();
    for (const r of claiming) {
      const blob = notes.get(r.git_sha);
      if (blob) blobs.set(r.git_sha, blob);
    }
    const texts = blobs.size ? await gitCall(() => store.readBlobs([...blobs.values()])) : null;
    const byCommit = new Map<string, Approval[]>();
    for (const [commit, blob] of blobs) {
      const text = texts?.get(blob);
      if (text !== undefined) byCommit.set(commit, parseApprovalNote(text).approvals);
    }
    // A review rollout may carry several approvals (approval-use.ts); history names them all
    // only when every one has its note.
    return (r) => {
      const found = recordApprovalKeys(r).map((key) =>
        (byCommit.get(r.git_sha) ?? []).find(
          (a) => approvalKey(a) === key && a.components[r.component] === r.git_sha,
        ),
      );
      if (found.length === 0 || found.some((a) => !a)) return undefined;
      const all = found as Approval[];
      return all.length === 1
        ? all[0]
        : { ...all[0], approved_by: all.map((a) => a.approved_by).join(', ') };
    };
  };
}

/** A store stream whose git failures become rollout errors, as `gitCall` does for one call. */
async function* gitStream<T>(rows: AsyncIterable<T>): AsyncGenerator<T, void, undefined> {
  try {
    yield* rows;
  } catch (err) {
    if (err instanceof GitStoreError) await gitCall(() => Promise.reject(err));
    throw err;
  }
}
