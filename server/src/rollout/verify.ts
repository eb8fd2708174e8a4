/**
 * Reading the whole trail for `verify` in a constant number of git processes: one
 * `for-each-ref` over every record root, one `rev-parse` of the policy branch, one
 * `cat-file --batch` for the tag and index objects (and the policy commits, to know they
 * exist), then one `git grep` for every approval note, one for the deployment files of every
 * policy commit, and one `rev-list` for which policy commits are on the branch. The decisions
 * are the core's `verifyTrail`; this file only gathers its input.
 */
import {
  ALLOWED_SIGNERS_PATH,
  findingsFor,
  parseDeploymentRef,
  parseStatusIndexRef,
  parseTagMessage,
  parseTagName,
  verifyTrail,
  type PushedRewrite,
  type TrailInput,
  type TrailObject,
  type TrailRef,
  type TrailReport,
  type VerifyFinding,
} from '../core';
import type { GitStore, RefEntry } from '../git';
import { checkRemoteName } from './names';
import { remotePolicyRef } from './policy';
import { gitCall } from './snapshot';

/** The refs `verify` reads: deployment refs and status indexes, tags, approval notes. */
export const VERIFY_ROOTS = ['refs/atmos/', 'refs/tags/atmos/deployments/', 'refs/notes/atmos/'];

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
const ZERO = /^0+$/;

const EMPTY_COUNTS = {
  refs: 0,
  tags: 0,
  records: 0,
  rollouts: 0,
  notes: 0,
  policies: 0,
  indexes: 0,
};

/** One line a pre-receive hook reads: `<old> <new> <ref>`. */
export interface PushedRef {
  oldSha: string;
  newSha: string;
  ref: string;
}

export interface VerifyOptions {
  /** Only these deployments; all when absent or empty. */
  deployments?: string[];
  /** Records older than this (ms since epoch) are read but not reported. */
  since?: number;
  /** The revision holding the team's rules; default `HEAD` (a bare repository's default branch). */
  policyRev?: string;
  /** Fetch every deployment record from this remote first (the remote wins). */
  remote?: string;
  /**
   * The refs a push would change (pre-receive): the state is read as it would be after the
   * push, and only findings about the refs it adds or moves are reported.
   */
  pushed?: PushedRef[];
}

export interface VerifyResult extends TrailReport {
  /** The commit the current rules were read from; undefined when the policy rev names none. */
  policyTip?: string;
  /** Git processes this check started (it does not grow with the number of records). */
  gitProcesses: number;
}

/** Refs a pre-receive hook checks; pushes of anything else (branches) are always allowed. */
export function isRecordRef(ref: string): boolean {
  return VERIFY_ROOTS.some((root) => ref.startsWith(root));
}

/** Parses the hook's stdin; lines that are not `<old> <new> <ref>` are ignored. */
export function parsePushLines(text: string): PushedRef[] {
  const out: PushedRef[] = [];
  for (const line of text.split('\n')) {
    const [oldSha, newSha, ref] = line.trim().split(' ');
    if (oldSha && newSha && ref && SHA.test(oldSha) && SHA.test(newSha))
      out.push({ oldSha, newSha, ref });
  }
  return out;
}

function deploymentOf(ref: string): string | undefined {
  for (const root of [
    'refs/tags/atmos/deployments/',
    'refs/atmos/deployments/',
    'refs/atmos/index/',
    'refs/atmos/requests/',
    'refs/notes/atmos/',
  ])
    if (ref.startsWith(root)) return ref.slice(root.length).split('/')[0] || undefined;
  return undefined;
}

/** `2025-01-22T12-00-00Z` → ms since epoch. */
function stampTime(stamp: string): number {
  return Date.parse(stamp.replace(/T(\d{2})-(\d{2})-(\d{2})Z$/, 'T$1:$2:$3Z'));
}

/**
 * Verifies the deployment records of this repository (design section 11). Never throws for
 * what it finds; it throws a RolloutError only when git itself cannot be run.
 */
export async function verifyRecords(
  store: GitStore,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const start = store.processCount;
  if (options.remote) {
    checkRemoteName(options.remote);
    // The remote's default branch comes in the same fetch: it holds the team's rules, so the
    // records the team pushed are judged by it, not by whatever this clone has checked out.
    await gitCall(() =>
      store.fetch(options.remote!, [
        ...VERIFY_ROOTS.map((root) => `+${root}*:${root}*`),
        ...(options.policyRev ? [] : [`+HEAD:${remotePolicyRef(options.remote!)}`]),
      ]),
    );
  }
  const pushed = options.pushed?.filter((p) => isRecordRef(p.ref));
  let deployments = options.deployments;
  if (pushed && pushed.length === 0)
    // A push of ordinary branches adds no record: nothing to read, nothing to refuse.
    return { findings: [], checked: EMPTY_COUNTS, gitProcesses: store.processCount - start };
  if (pushed) {
    const touched = [...new Set(pushed.map((p) => deploymentOf(p.ref)).filter((d) => d))];
    deployments = touched as string[];
  }
  const listed = await gitCall(() => store.listRefs(VERIFY_ROOTS));
  const refs = pushed ? overlay(listed, pushed) : listed;
  const policyName =
    options.policyRev ?? (options.remote ? remotePolicyRef(options.remote) : 'HEAD');
  const policyTip = await gitCall(() => store.resolveCommit(policyName));

  const only = deployments?.length ? new Set(deployments) : undefined;
  const inScope = pushed ? await pushScope(store, pushed) : () => true;
  const mine = refs.filter((r) => {
    const d = deploymentOf(r.ref);
    return d !== undefined && (!only || only.has(d)) && inScope(r.ref);
  });
  // Notes refs are read too: only those naming a commit are handed to git grep, so a notes ref
  // pushed at a blob is skipped instead of failing the whole read.
  const objectShas = mine.map((r) => r.sha).filter((s) => SHA.test(s));
  const objects = await gitCall(() => store.readObjects(objectShas));
  const trailObjects = new Map<string, TrailObject>();
  const policyShas = new Set<string>();
  for (const [sha, o] of objects) {
    trailObjects.set(sha, {
      type: o.type,
      tag: o.tag ? { object: o.tag.object, message: o.tag.message } : undefined,
    });
    const p = o.tag
      ? /^policy_sha: ["']?([0-9a-f]{40}(?:[0-9a-f]{24})?)["']?$/m.exec(o.tag.message)
      : null;
    if (p) policyShas.add(p[1]);
  }
  // The policy commits named by records must exist before git grep is asked about them: one
  // unknown revision would fail the whole grep.
  const known = policyShas.size
    ? await gitCall(() => store.readObjects([...policyShas]))
    : new Map();
  const commits = [...policyShas].filter((s) => known.get(s)?.type === 'commit');
  const notesRefs = mine.filter(
    (r) => r.ref.startsWith('refs/notes/') && objects.get(r.sha)?.type === 'commit',
  );
  const policyRevs = [...new Set([...(policyTip ? [policyTip] : []), ...commits])];
  const [noteTrees, policyTrees, reachable] = await Promise.all([
    gitCall(() =>
      store.readTreesAt(
        notesRefs.map((n) => n.sha),
        [],
      ),
    ),
    gitCall(() => store.readTreesAt(policyRevs, ['*.yaml', '*.yml', ALLOWED_SIGNERS_PATH])),
    policyTip && commits.length
      ? gitCall(() => store.reachableFrom(policyTip, commits))
      : Promise.resolve(new Set<string>()),
  ]);

  const notes = new Map<string, Map<string, string>>();
  for (const n of notesRefs) {
    const byCommit = new Map<string, string>();
    // Notes trees fan out (`ab/cdef…`); the path without slashes is the annotated commit.
    for (const [path, text] of noteTrees.get(n.sha) ?? [])
      byCommit.set(path.replace(/\//g, ''), text);
    notes.set(n.ref, byCommit);
  }
  const policies: TrailInput['policies'] = new Map();
  for (const [rev, files] of policyTrees)
    policies.set(rev, {
      files: [...files]
        .filter(([path]) => /(^|\/)deployments\/.+\.ya?ml$/.test(path))
        .map(([path, text]) => ({ path, text })),
    });

  // Review approvals count only with a signature git verifies, so the notes' history is read
  // (one more git process) when some rule uses `approval_method: review`, with the policy
  // branch's committed allowed-signers file.
  const usesReview = [...policies.values()].some((p) =>
    p.files.some((f) => /approval_method:\s*["']?review/.test(f.text)),
  );
  const signers = policyTip ? policyTrees.get(policyTip)?.get(ALLOWED_SIGNERS_PATH) : undefined;
  const noteOrigins =
    usesReview && notesRefs.length
      ? await gitCall(() =>
          store.readNoteOrigins(
            notesRefs.map((n) => n.sha),
            signers,
          ),
        )
      : undefined;

  const input: TrailInput = {
    refs: mine,
    objects: trailObjects,
    notes,
    ...(noteOrigins ? { noteOrigins } : {}),
    policies,
    policyTip,
    policyName,
    onPolicyBranch: reachable,
    deployments,
    since: options.since,
  };
  if (pushed) {
    input.onlyRefs = new Set(pushed.filter((p) => !ZERO.test(p.newSha)).map((p) => p.ref));
    input.newestBefore = newestStamps(listed);
    input.rewrites = await rewrites(store, pushed);
  }
  const report = verifyTrail(input);
  return { ...report, policyTip, gitProcesses: store.processCount - start };
}

/**
 * Which tags a push needs read: those of the targets it writes to and of the sources its
 * records name (where their SHAs must have been recorded before). A push judged in a repository
 * of 50,000 tags then reads the few thousand that can matter, at the cost of one more
 * `cat-file --batch` for the pushed tag objects. Other refs are always kept (they cost no read);
 * the findings they would give are not the push's and are not reported.
 */
async function pushScope(store: GitStore, pushed: PushedRef[]): Promise<(ref: string) => boolean> {
  const targets = new Set<string>();
  const added = pushed.filter((p) => !ZERO.test(p.newSha));
  for (const p of added) {
    const at = parseTagName(p.ref) ?? parseDeploymentRef(p.ref) ?? parseStatusIndexRef(p.ref);
    if (at) targets.add(`${at.deployment}/${at.target}`);
  }
  const tags = added.filter((p) => p.ref.startsWith('refs/tags/'));
  const objects = tags.length
    ? await gitCall(() => store.readObjects(tags.map((p) => p.newSha)))
    : new Map();
  for (const p of tags) {
    const message = objects.get(p.newSha)?.tag?.message;
    const record = message === undefined ? undefined : parseTagMessage(message);
    if (record?.promoted_from !== undefined)
      targets.add(`${record.deployment}/${record.promoted_from}`);
  }
  const pushedRefs = new Set(added.map((p) => p.ref));
  return (ref) => {
    if (!ref.startsWith('refs/tags/') || pushedRefs.has(ref)) return true;
    const t = parseTagName(ref);
    return !!t && targets.has(`${t.deployment}/${t.target}`);
  };
}

/**
 * The pushed updates of refs that exist already, and for each moved notes ref whether it is a
 * fast-forward (one `rev-list` per moved notes ref; a push moves at most a few).
 */
async function rewrites(store: GitStore, pushed: PushedRef[]): Promise<PushedRewrite[]> {
  const out: PushedRewrite[] = [];
  for (const p of pushed) {
    if (ZERO.test(p.oldSha)) continue;
    const r: PushedRewrite = { ref: p.ref, oldSha: p.oldSha, newSha: p.newSha };
    if (p.ref.startsWith('refs/notes/') && !ZERO.test(p.newSha) && SHA.test(p.newSha))
      r.fastForward = (await gitCall(() => store.reachableFrom(p.newSha, [p.oldSha]))).has(
        p.oldSha,
      );
    out.push(r);
  }
  return out;
}

/** The listed refs as they would be after the push: moved, created and deleted. */
function overlay(listed: RefEntry[], pushed: PushedRef[]): TrailRef[] {
  const refs = new Map(listed.map((r) => [r.ref, r.sha]));
  for (const p of pushed) {
    if (ZERO.test(p.newSha)) refs.delete(p.ref);
    else refs.set(p.ref, p.newSha);
  }
  return [...refs].map(([ref, sha]) => ({ ref, sha }));
}

/** The newest tag-name timestamp per `deployment/target/component` before a push. */
function newestStamps(listed: RefEntry[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of listed) {
    const p = parseTagName(r.ref);
    if (!p) continue;
    const k = `${p.deployment}/${p.target}/${p.component}`;
    const t = stampTime(p.timestamp);
    if (!Number.isNaN(t) && (out.get(k) ?? -Infinity) < t) out.set(k, t);
  }
  return out;
}

/** The findings that concern these tags: what a rollback asks before returning to them. */
export function findingsForTags(result: TrailReport, tags: Iterable<string>): VerifyFinding[] {
  return findingsFor(result.findings, tags);
}
