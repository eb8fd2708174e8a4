/**
 * Reading the records of one deployment: one `git for-each-ref` over its deployment refs (and
 * status index refs, and tags where they are needed), then `git cat-file --batch` for the
 * objects that are needed. The cost in git processes is the same for one component or a
 * thousand.
 */
import {
  deploymentRefPrefix,
  newestTagPerComponent,
  claimRefPrefix,
  parseClaimRef,
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
  type DeploymentRecord,
  type ParsedTagName,
  type StatusIndex,
} from '../core';
import { GitStoreError, type GitStore, type RefEntry } from '../git';
import { LostRace, RolloutError } from './errors';
import { checkNames, deploymentName } from './names';

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
  /** target → the tip of its deploy claim ref (`refs/atmos/claims/<d>/<t>`), if any. */
  claims: Map<string, string>;
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
  const prefixes = [
    deploymentRefPrefix(name),
    statusIndexPrefix(name),
    requestRefPrefix(name),
    claimRefPrefix(name),
  ];
  if (withTags) prefixes.push(tagPrefix(name));
  const entries = await gitCall(() => store.listRefs(prefixes));
  return buildSnapshot(entries, name, { parseTags });
}

/** A snapshot of one deployment from listed refs (its own, or a listing of many deployments). */
export function buildSnapshot(
  entries: RefEntry[],
  name: string,
  { parseTags = true }: { parseTags?: boolean } = {},
): Snapshot {
  const refs = new Map<string, Map<string, string>>();
  const refValues = new Map<string, string>();
  const tags: TagRef[] = [];
  const tagRefs: RefEntry[] = [];
  const indexes = new Map<string, IndexRef>();
  const requests = new Map<string, string>();
  const claims = new Map<string, string>();
  for (const e of entries) {
    const c = parseClaimRef(e.ref);
    if (c) {
      if (c.deployment === name) claims.set(c.target, e.sha);
      continue;
    }
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
  return { refs, refValues, tags, tagRefs, indexes, requests, claims };
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
  const states = await deployedStates(store, new Map([[name, snap]]), useIndex);
  return states.get(name) ?? {};
}

/**
 * What runs where for each deployment of `snaps` (read without parsing tags), in one
 * `cat-file --batch` of every index object they name, plus one or two of the newest tags of the
 * components the indexes leave open, however many deployments there are.
 */
export async function deployedStates(
  store: GitStore,
  snaps: Map<string, Snapshot>,
  useIndex = true,
): Promise<Map<string, DeployedState>> {
  const wanted: Array<{ name: string; target: string; sha: string }> = [];
  if (useIndex)
    for (const [name, snap] of snaps)
      for (const [target, i] of snap.indexes)
        if (snap.refs.has(target)) wanted.push({ name, target, sha: i.sha });
  const reading = wanted.length
    ? gitCall(() => store.readObjects(wanted.map((w) => w.sha)))
    : undefined;
  // The pass over every tag name runs while git reads the index objects: one turn of the event
  // loop lets simple-git start that process first.
  if (reading) await new Promise((resolve) => setImmediate(resolve));
  /** Per deployment, `target/component` → the ref name of its newest tag. */
  const newest = new Map<string, Map<string, string>>();
  for (const [name, snap] of snaps)
    newest.set(
      name,
      newestTagPerComponent(
        snap.tagRefs.map((t) => t.ref),
        name,
      ),
    );
  if (reading) {
    const objects = await reading;
    for (const w of wanted)
      fillIndex(snaps.get(w.name)!, w.name, w.target, objects.get(w.sha)?.tag?.message);
  }
  const states = new Map<string, DeployedState>();
  /** `deployment NUL target NUL component` → the SHA its ref points at, where the index is silent. */
  const open = new Map<string, string>();
  for (const [name, snap] of snaps) {
    const state: DeployedState = {};
    states.set(name, state);
    const newestOf = newest.get(name)!;
    for (const [target, comps] of snap.refs) {
      state[target] = {};
      const index = snap.indexes.get(target)?.index;
      for (const [component, sha] of comps) {
        const e = index?.components[component];
        if (
          e &&
          e.sha === sha &&
          newestOf.get(`${target}/${component}`) === `refs/tags/${e.last_tag ?? e.tag}`
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
          open.set(`${name}\u0000${target}\u0000${component}`, sha);
        }
      }
    }
  }
  if (open.size === 0) return states;
  // Only the components the index left open are parsed from their tag names.
  const candidates: TagRef[] = [];
  for (const [name, snap] of snaps)
    for (const e of snap.tagRefs) {
      const parsed = parseTagName(e.ref);
      if (
        parsed?.deployment === name &&
        open.has(`${name}\u0000${parsed.target}\u0000${parsed.component}`)
      )
        candidates.push({ name: e.ref.slice('refs/tags/'.length), sha: e.sha, parsed });
    }
  candidates.sort(compareTags);
  const found = await newestRecords(store, candidates, open);
  for (const [key, sha] of open) {
    const [name, target, component] = key.split('\u0000');
    const hit = found.get(key);
    // A ref no record backs was written with plain git; status blocks promotions from it.
    states.get(name)![target][component] = hit ? fromRecord(sha, hit) : { sha, unrecorded: true };
  }
  return states;
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
 * For each wanted `deployment NUL target NUL component` → SHA, the newest successful tag
 * recording that SHA.
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
    const key = `${t.parsed.deployment}\u0000${t.parsed.target}\u0000${t.parsed.component}`;
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

/** Runs a store call, turning git failures into rollout errors with exit codes. */
export async function gitCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof GitStoreError) {
      if (err.kind === 'conflict' || err.kind === 'push-rejected')
        throw new LostRace(err.message, err.detail);
      const kind =
        err.kind === 'push-refused'
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
