/**
 * Writing records: a rollout, an approval, a rollback. A rollout is one transaction (design
 * section 5): the annotated tag objects are written first, where nothing refers to them yet,
 * then every deployment ref and every tag ref changes in one `git update-ref --stdin` with the
 * expected old values. A crash before that leaves the old records (and unreferenced objects
 * that `git gc` removes); a crash after leaves the new ones; a concurrent writer makes the
 * compare-and-swap fail and nothing is written.
 */
import {
  displayName,
  deploymentRef,
  formatApprovalLine,
  formatStatusIndex,
  formatTagMessage,
  isoSeconds,
  notesRef,
  parseTagName,
  reservedMetadataKeys,
  tagName,
  statusIndexPrefix,
  statusIndexRef,
  statusIndexTagName,
  tagTimestamp,
  type Approval,
  type Deployment,
  type DeploymentRecord,
  type RecordStatus,
  type StatusIndex,
} from '../core';
import { GitStoreError, type GitStore, type RefUpdate, type TagObjectSpec } from '../git';
import { testPause } from '../git/test-pause';
import { RolloutError } from './errors';
import { checkNames, checkRemoteName, deploymentName } from './names';
import { approvalScope, DIRECT_SOURCE, planFrom, withCommitsAhead, type PlanInput } from './plan';
import { loadPolicy, type Policy } from './policy';
import { gitCall, readRecords, readSnapshot, tagPrefix, type Snapshot } from './snapshot';
import {
  COMMITS_AHEAD_LIMIT,
  type ApplyOptions,
  type ApplyResult,
  type ApproveOptions,
  type ApproveResult,
  type RecordedComponent,
  type RollbackOptions,
  type RolloutPlan,
} from './types';

/**
 * The steps at which `ATMOS_TEST_PAUSE_AT` can stop a rollout. TEST ONLY: the hardening tests
 * set it, wait for the `ATMOS_TEST_PAUSED <step>` line on stderr, then kill the process to
 * prove that the records are whole at every step. With `ATMOS_TEST_RELEASE_FILE` the rollout
 * continues once that file exists, which lets race tests line up many rollouts at one point.
 */
export const PAUSE_STEPS = [
  // Planned and checked, nothing written yet: the last point a cancelled request stops at.
  'checked',
  'planned',
  'deployed',
  'tags-written',
  'refs-updated',
  'pushed',
] as const;
export type PauseStep = (typeof PAUSE_STEPS)[number];

function pauseAt(step: PauseStep): Promise<void> {
  return testPause(step);
}

/**
 * Throws the `cancelled` error when the caller cancelled before the rollout's first write; after
 * this point the rollout does not listen any more. The message says what was left untouched.
 */
function pointOfNoReturn(signal: AbortSignal | undefined, name: string, target: string): void {
  if (signal?.aborted)
    throw new RolloutError(
      'cancelled',
      `Cancelled before anything was written: the records of ${displayName(name)}/${displayName(target)} (refs, tags, approvals) are as they were.`,
    );
}

/** The refspecs that bring a deployment's records from a remote, forced: the remote wins. */
export function remoteRefspecs(deployment: string): string[] {
  return [
    `+refs/atmos/deployments/${deployment}/*:refs/atmos/deployments/${deployment}/*`,
    `+${statusIndexPrefix(deployment)}*:${statusIndexPrefix(deployment)}*`,
    `+refs/notes/atmos/${deployment}/*:refs/notes/atmos/${deployment}/*`,
    `+${tagPrefix(deployment)}*:${tagPrefix(deployment)}*`,
  ];
}

/**
 * Brings one deployment's records (refs, status index, tags, approval notes) from a remote,
 * which wins outright. Every command given `--remote` does this first, reads included, so a
 * status or history in CI shows what the team recorded, not what this clone last saw.
 */
export async function fetchRecords(
  store: GitStore,
  deployment: string,
  remote: string,
): Promise<void> {
  checkNames({ deployment });
  checkRemoteName(remote);
  await gitCall(() => store.fetch(remote, remoteRefspecs(deployment)));
}

function shortSha(sha: string): string {
  return sha.slice(0, 9);
}

/** `api abc123def, worker abc123def` */
export function describeComponents(plan: RolloutPlan): string {
  return plan.components.map((c) => `${c.component} ${shortSha(c.sha)}`).join(', ');
}

/** The plan as the spec shows it before asking for approval. */
export function planLines(plan: RolloutPlan): string[] {
  const lines = [`→ Deploying ${plan.deployment} to ${plan.target}`];
  if (plan.promotedFrom) lines.push(`→ Source: ${plan.promotedFrom}`);
  const shas = [...new Set(plan.components.map((c) => c.sha))];
  if (shas.length === 1) lines.push(`→ Git SHA: ${shortSha(shas[0])}`);
  else
    for (const c of plan.components) lines.push(`→ Git SHA (${c.component}): ${shortSha(c.sha)}`);
  lines.push(`→ Components: ${plan.components.map((c) => c.component).join(', ')}`);
  if (plan.skipped.length)
    lines.push(`→ Skipped (nothing deployed in ${plan.promotedFrom}): ${plan.skipped.join(', ')}`);
  if (plan.commitsAhead !== undefined) lines.push(`→ ${commitsAheadText(plan.commitsAhead)}`);
  return lines;
}

/** `3 commits ahead`, `1 commit ahead`, `10000+ commits ahead` at the counting limit. */
export function commitsAheadText(n: number): string {
  const count = n >= COMMITS_AHEAD_LIMIT ? `${COMMITS_AHEAD_LIMIT}+` : String(n);
  return `${count} commit${n === 1 ? '' : 's'} ahead`;
}

/** The command that records the approval this plan lacks. */
export function approveCommand(plan: RolloutPlan, requested?: string[]): string {
  const parts = ['atmos-deployments', 'approve', plan.deployment, '--target', plan.target];
  if (plan.promotedFrom) parts.push('--promote-from', plan.promotedFrom);
  for (const c of requested ?? []) parts.push('--component', c);
  return parts.join(' ');
}

/**
 * Plans, checks the approval, runs the deploy step and records the rollout in one transaction.
 * Resolves with what was recorded (`ok: false` when a component's deploy step failed). Throws a
 * RolloutError when the rules refuse (`refused`), an approval is missing (`approval-missing`),
 * another rollout won (`conflict`) or the input or repository is wrong (`usage`).
 */
export async function applyRollout(
  store: GitStore,
  deployment: Deployment,
  options: ApplyOptions,
): Promise<ApplyResult> {
  return applyInput(store, deployment, options, async () => options);
}

/**
 * Re-promotes the SHA set of a recorded rollout (`--to` a tag name or its timestamp) through
 * the same rules and approvals. The new tags carry `rollback_of` and status `rolled_back`.
 */
export async function rollback(
  store: GitStore,
  deployment: Deployment,
  options: RollbackOptions,
): Promise<ApplyResult> {
  const name = deploymentName(deployment);
  return applyInput(store, deployment, options, async (snap) => {
    const to = options.to.trim().replace(/^refs\/tags\//, '');
    const asTag = parseTagName(to);
    let timestamp: string;
    let seq: number | undefined;
    if (asTag) {
      if (asTag.deployment !== name || asTag.target !== options.target)
        throw new RolloutError(
          'usage',
          `Tag ${to} is not a rollout of ${name} to ${options.target}.`,
        );
      timestamp = asTag.timestamp;
      seq = asTag.seq;
    } else {
      const m = /^(\d{4}-\d{2}-\d{2})T(\d{2})[-:](\d{2})[-:](\d{2})Z(?:-(\d+))?$/.exec(to);
      if (!m)
        throw new RolloutError(
          'usage',
          `--to ${JSON.stringify(options.to)} is neither a deployment tag nor a timestamp such as 2025-01-22T12-00-00Z.`,
        );
      timestamp = `${m[1]}T${m[2]}-${m[3]}-${m[4]}Z`;
      seq = m[5] ? Number(m[5]) : undefined;
    }
    const group = snap.tags.filter(
      (t) =>
        t.parsed.target === options.target &&
        t.parsed.timestamp === timestamp &&
        (seq === undefined || t.parsed.seq === seq),
    );
    const records = await readRecords(store, group);
    const usable = group.filter(
      (t) => records.get(t.name) && records.get(t.name)!.record.status !== 'failed',
    );
    if (usable.length === 0) {
      const recent = [
        ...new Set(
          snap.tags
            .filter((t) => t.parsed.target === options.target)
            .reverse()
            .map((t) => t.parsed.timestamp),
        ),
      ].slice(0, 5);
      throw new RolloutError(
        'usage',
        `No successful rollout of ${displayName(name)} to ${displayName(options.target)} matches '${displayName(options.to)}'.${recent.length ? ` Recent rollouts: ${recent.join(', ')}.` : ' Nothing has been rolled out there yet.'}`,
      );
    }
    const components: Record<string, { sha: string; tag: string }> = {};
    let from: string | undefined;
    for (const t of usable) {
      const { record: r, commit } = records.get(t.name)!;
      if (components[t.parsed.component]) continue;
      // The SHA comes from the tag object, never from its message: a hand-made tag whose
      // message names another commit is refused rather than trusted either way.
      if (r.git_sha !== commit)
        throw new RolloutError(
          'refused',
          `Cannot roll back to ${t.name}: its message says git_sha ${r.git_sha.slice(0, 9)} but the tag points at ${commit.slice(0, 9)}, so the record does not agree with its object. Run \`atmos-deployments verify ${name}\` to see the whole trail.`,
        );
      if (
        r.deployment !== name ||
        r.target !== t.parsed.target ||
        r.component !== t.parsed.component
      )
        throw new RolloutError(
          'refused',
          `Cannot roll back to ${t.name}: its message says it records ${r.deployment}/${r.target}/${r.component}, so the record does not agree with its name. Run \`atmos-deployments verify ${name}\` to see the whole trail.`,
        );
      components[t.parsed.component] = { sha: commit, tag: t.name };
      from ??= r.promoted_from;
    }
    return {
      target: options.target,
      components: options.components,
      redeploy: options.redeploy,
      now: options.now,
      restore: { from, components },
    };
  });
}

async function applyInput(
  writer: GitStore,
  deployment: Deployment,
  options: ApplyOptions,
  makeInput: (snap: Snapshot) => Promise<PlanInput>,
): Promise<ApplyResult> {
  // Everything up to the first write reads through a store the caller can cancel; the writes
  // use the caller's store, which never stops midway.
  const signal = options.signal;
  const store = signal ? writer.cancellable(signal) : writer;
  const name = deploymentName(deployment);
  checkNames({ deployment: name });
  checkMetadata(options.metadata);
  const progress = options.onProgress ?? (() => undefined);
  const remote = options.remote || undefined;
  if (remote) {
    progress(`→ Fetching deployment records from ${remote}`);
    await fetchRecords(store, name, remote);
  }
  const policy = await loadPolicy(store, name, options.policy, remote);
  const snap = await readSnapshot(store, name);
  const input = await makeInput(snap);
  const plan = await planFrom(store, policy.deployment, { ...input, repo: policy.repo }, snap);
  plan.policySha = policy.sha;
  const willAsk = plan.requiresApproval && !plan.approved && !options.approve && !!options.confirm;
  if (options.dryRun || willAsk) await withCommitsAhead(store, plan);
  const isRollback = !!input.restore;
  progress(`→ Validating promotion path: ${plan.promotedFrom ?? 'commit'} → ${plan.target} ✓`);
  for (const w of plan.warnings) progress(`! ${w}`);
  for (const line of planLines(plan)) progress(line);
  const base = { plan, tags: [], recorded: [] };
  if (plan.nothingToDo && !options.redeploy)
    return {
      ...base,
      ok: true,
      wroteNothing: true,
      message: `Nothing to do: ${name}/${plan.target} already runs ${describeComponents(plan)}. Nothing was written (pass --redeploy to record it again).`,
    };
  if (options.dryRun)
    return {
      ...base,
      ok: true,
      wroteNothing: true,
      message: `Dry run: would roll out ${name} to ${plan.target}${plan.promotedFrom ? ` from ${plan.promotedFrom}` : ''} (${describeComponents(plan)}). Nothing was written.`,
    };

  const identity = await gitCall(() => store.identity());
  await pauseAt('checked');
  let approval = plan.approval;
  let notesBefore: string | undefined;
  let notesAfter: string | undefined;
  if (plan.requiresApproval && !plan.approved) {
    progress(`→ Manual approval required for ${plan.target} deployment`);
    let yes = !!options.approve;
    if (!yes && options.confirm) {
      yes = await options.confirm(plan);
      if (!yes)
        throw new RolloutError(
          'approval-missing',
          `Deployment of ${name} to ${plan.target} was not approved; nothing was written.`,
        );
    }
    if (!yes) {
      const problem = plan.approvalProblem ? ` ${plan.approvalProblem}` : '';
      const how = isRollback
        ? 'Run the rollback again with --approve to record your approval, or run it on a terminal to be asked.'
        : `Record one with:\n  ${approveCommand(plan, options.components)}\nthen run the rollout again, or pass --approve to approve it yourself now.`;
      throw new RolloutError(
        'approval-missing',
        `Rolling out ${name} to ${plan.target} requires approval, and no recorded approval matches this plan (${plan.promotedFrom ?? DIRECT_SOURCE} → ${plan.target}: ${describeComponents(plan)}).${problem} ${how}`,
      );
    }
    approval = newApproval(identity, options.approver, options.approverRole, options.now, plan);
    notesBefore = await gitCall(() => store.resolveCommit(notesRef(name)));
    pointOfNoReturn(signal, name, plan.target);
    progress(`→ Recording approval as git note`);
    await appendApproval(writer, plan, approval);
    notesAfter = await gitCall(() => writer.resolveCommit(notesRef(name)));
  } else if (approval) {
    progress(`→ Approval received from: ${approval.approved_by} at ${approval.approved_at}`);
  }
  // The last moment a cancellation is heeded: nothing has been written yet (when an approval
  // was recorded just above, this passes, since the rollout already started writing).
  pointOfNoReturn(notesAfter === undefined ? signal : undefined, name, plan.target);
  await pauseAt('planned');

  const statuses = new Map<string, RecordStatus>();
  for (const c of plan.components) {
    let ok = true;
    if (options.deploy) {
      progress(`→ Deploying ${c.component} (${shortSha(c.sha)}) to ${plan.target}...`);
      ok = await options.deploy(c, plan).catch(() => false);
      if (!ok) progress(`✗ Deploy step failed for ${c.component}; its ref stays where it was.`);
    }
    statuses.set(c.component, ok ? (isRollback ? 'rolled_back' : 'success') : 'failed');
  }
  await pauseAt('deployed');

  const now = options.now ?? new Date();
  const stamp = tagTimestamp(now);
  const taken = new Set(snap.tags.map((t) => t.name));
  const metadata: Record<string, string> = { ...(options.metadata ?? {}) };
  if (approval) {
    metadata.approver = approval.approved_by;
    metadata.approval_timestamp = approval.approved_at;
  }
  const specs = plan.components.map((c) => {
    let seq = 1;
    while (taken.has(tagName(name, plan.target, c.component, stamp, seq))) seq++;
    const tag = tagName(name, plan.target, c.component, stamp, seq);
    const record: DeploymentRecord = {
      deployment: name,
      target: plan.target,
      component: c.component,
      deployed_by: identity.email || identity.name,
      build_id: options.buildId ?? '',
      git_sha: c.sha,
      timestamp: isoSeconds(now),
      status: statuses.get(c.component)!,
      promoted_from: plan.promotedFrom,
      promoted_at: plan.promotedFrom ? isoSeconds(now) : undefined,
      metadata,
      rollback_of: c.rollbackOf,
      policy_sha: policy.sha,
    };
    return { component: c, tag, record };
  });
  const index = nextStatusIndex(snap, name, plan.target, specs);
  const objects: TagObjectSpec[] = specs.map((s) => ({
    name: s.tag,
    object: s.component.sha,
    message: formatTagMessage(s.record),
    tagger: identity,
    date: now,
  }));
  if (index)
    objects.push({
      name: statusIndexTagName(name, plan.target),
      object: index.object,
      message: formatStatusIndex(index.index),
      tagger: identity,
      date: now,
    });
  const tagShas = await gitCall(() => writer.writeTagObjects(objects));
  await pauseAt('tags-written');

  const updates: RefUpdate[] = [];
  specs.forEach((s, i) => {
    if (s.record.status !== 'failed') {
      const ref = deploymentRef(name, plan.target, s.component.component);
      updates.push({ ref, newSha: s.component.sha, oldSha: snap.refValues.get(ref) });
    }
    updates.push({ ref: `refs/tags/${s.tag}`, newSha: tagShas[i] });
  });
  // The index moves in the same transaction, from the value this rollout read, so it never
  // describes refs other than the ones it was written with.
  if (index)
    updates.push({
      ref: statusIndexRef(name, plan.target),
      newSha: tagShas[specs.length],
      oldSha: snap.indexes.get(plan.target)?.sha,
    });
  await gitCall(() => writer.updateRefs(updates));
  await pauseAt('refs-updated');

  if (remote) {
    const pushed = [...updates];
    if (notesAfter && notesAfter !== notesBefore)
      pushed.push({ ref: notesRef(name), newSha: notesAfter, oldSha: notesBefore });
    progress(`→ Pushing records to ${remote} (one atomic push)`);
    await pushOrRestore(writer, remote, pushed);
  }
  await pauseAt('pushed');

  const recorded: RecordedComponent[] = specs.map((s) => ({
    component: s.component.component,
    sha: s.component.sha,
    status: s.record.status,
    tag: s.tag,
  }));
  const failed = recorded.filter((r) => r.status === 'failed');
  const moved = recorded.length - failed.length;
  const verb = isRollback ? 'Rolled back' : 'Rolled out';
  // A rollback names the rollout it returns to (its tags' timestamp), not the source of that
  // rollout, which read as if the target had been promoted again.
  const restored = Object.values(input.restore?.components ?? {})
    .map((c) => parseTagName(c.tag)?.timestamp)
    .find((t) => t);
  const done = isRollback
    ? `Rolled back ${name} on ${plan.target} to the rollout of ${restored ?? 'an earlier rollout'}`
    : `Rolled out ${name} to ${plan.target}${plan.promotedFrom ? ` from ${plan.promotedFrom}` : ''}`;
  const message = failed.length
    ? `${verb} ${moved} of ${recorded.length} components of ${name} to ${plan.target}; the deploy step failed for ${failed.map((f) => f.component).join(', ')} (recorded with status failed, refs not moved).`
    : `${done}: ${describeComponents(plan)}.`;
  return {
    ok: failed.length === 0,
    tags: recorded.map((r) => r.tag),
    message,
    plan,
    wroteNothing: false,
    recorded,
  };
}

/**
 * The target's status index after this rollout: the entries read at planning, with every
 * component whose ref moves set to its new record, and failed ones marked with their newer tag.
 */
function nextStatusIndex(
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

/**
 * `--metadata` may not set what the tool writes from a recorded approval: a name typed there
 * would read as an approval nobody gave (design section 11).
 */
function checkMetadata(metadata: Record<string, string> | undefined): void {
  const reserved = reservedMetadataKeys(Object.keys(metadata ?? {}));
  if (reserved.length)
    throw new RolloutError(
      'usage',
      `--metadata ${reserved.join(', ')}: ${reserved.length > 1 ? 'these keys are' : 'this key is'} written only from a recorded approval (approve, --approve or the approval prompt), never typed in.`,
    );
}

/** An approval recorded now by this git identity, naming who wrote it when that differs. */
function newApproval(
  identity: { name: string; email: string },
  approver: string | undefined,
  role: string | undefined,
  now: Date | undefined,
  plan: RolloutPlan,
): Approval {
  const self = identity.email || identity.name;
  const approvedBy = approver || self;
  return {
    approved_by: approvedBy,
    approved_at: isoSeconds(now ?? new Date()),
    approver_role: role ?? '',
    ...approvalBody(plan),
    ...(approvedBy !== self ? { recorded_by: self } : {}),
  };
}

function approvalBody(
  plan: RolloutPlan,
): Omit<Approval, 'approved_by' | 'approved_at' | 'approver_role'> {
  const scope = approvalScope(plan);
  return {
    target: scope.target,
    deployment: scope.deployment,
    promoted_from: scope.promotedFrom,
    components: scope.components,
  };
}

/** Appends the approval as one JSON line to the note on every commit of the plan. */
async function appendApproval(
  store: GitStore,
  plan: RolloutPlan,
  approval: Approval,
): Promise<string[]> {
  const commits = [...new Set(plan.components.map((c) => c.sha))];
  const line = formatApprovalLine(approval);
  for (const commit of commits)
    await gitCall(() => store.appendNote(notesRef(plan.deployment), commit, line));
  return commits;
}

/**
 * Pushes in one atomic push. When the remote refuses (someone else promoted first), the local
 * refs of this rollout are put back to what they were, so the clone agrees with the remote.
 */
async function pushOrRestore(store: GitStore, remote: string, updates: RefUpdate[]): Promise<void> {
  try {
    await store.push(remote, updates);
  } catch (err) {
    if (!(err instanceof GitStoreError)) throw err;
    const inverse: RefUpdate[] = updates.map((u) => ({
      ref: u.ref,
      newSha: u.oldSha,
      oldSha: u.newSha,
    }));
    try {
      await store.updateRefs(inverse);
    } catch (restoreErr) {
      throw new RolloutError(
        'conflict',
        `${err.message} Putting the local records back failed too: ${(restoreErr as Error).message}`,
        err.detail,
      );
    }
    // A lost race is a conflict (run it again); the server's own refusal is `refused`.
    throw new RolloutError(
      err.kind === 'push-rejected' ? 'conflict' : err.kind === 'push-refused' ? 'refused' : 'usage',
      err.message,
      err.detail,
    );
  }
}

/**
 * Records an approval note for the current plan of a promotion (`approve` command, the
 * editor's Approve): one JSON line appended under `refs/notes/atmos/<d>/approvals` on each
 * commit of the plan, bound to the deployment, target, source and component SHAs.
 */
export async function approve(
  store: GitStore,
  deployment: Deployment,
  options: ApproveOptions,
): Promise<ApproveResult> {
  const name = deploymentName(deployment);
  checkNames({ deployment: name });
  const remote = options.remote || undefined;
  if (remote) await fetchRecords(store, name, remote);
  const policy: Policy = await loadPolicy(store, name, options.policy, remote);
  const snap = await readSnapshot(store, name);
  const plan = await planFrom(
    store,
    policy.deployment,
    { target: options.target, promoteFrom: options.promoteFrom, components: options.components },
    snap,
  );
  const identity = await gitCall(() => store.identity());
  const approval = newApproval(identity, options.approver, options.role, options.now, plan);
  const ref = notesRef(name);
  const before = await gitCall(() => store.resolveCommit(ref));
  const commits = await appendApproval(store, plan, approval);
  if (remote) {
    const after = await gitCall(() => store.resolveCommit(ref));
    await pushOrRestore(store, remote, [{ ref, newSha: after, oldSha: before }]);
  }
  const note = plan.requiresApproval
    ? ''
    : ` (${plan.target} does not require approval; recorded anyway)`;
  return {
    notesRef: ref,
    commit: commits[0],
    commits,
    approval,
    message: `Recorded approval by ${approval.approved_by} for ${name} ${options.promoteFrom} → ${options.target} (${describeComponents(plan)}) under ${ref}${note}.`,
  };
}
