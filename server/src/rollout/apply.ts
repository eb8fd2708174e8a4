/**
 * Writing records: a rollout, an approval, a rollback. A rollout is one transaction (design
 * section 5): the annotated tag objects are written first, where nothing refers to them yet,
 * then every deployment ref and every tag ref changes in one `git update-ref --stdin` with the
 * expected old values. A crash before that leaves the old records (and unreferenced objects
 * that `git gc` removes); a crash after leaves the new ones; a concurrent writer makes the
 * compare-and-swap fail and nothing is written.
 */
import {
  approvalMetadata,
  dependencyRefusal,
  deploymentRef,
  formatStatusIndex,
  formatTagMessage,
  isoSeconds,
  notesRef,
  tagName,
  statusIndexRef,
  statusIndexTagName,
  tagTimestamp,
  type Deployment,
  type DeploymentRecord,
  type RecordStatus,
} from '../core';
import type { GitStore, RefUpdate, TagObjectSpec } from '../git';
import { testPause } from '../git/test-pause';
import { appendApproval, newApproval, recordApproval } from './approve';
import { LostRace, RolloutError } from './errors';
import { checkReplan, retryLostRaces } from './retry';
import { appliedMessage } from './applied-message';
import { nextStatusIndex } from './next-status-index';
import { deploymentName } from './names';
import { withCommitsAhead, type PlanInput } from './plan';
import { approveCommand, describeComponents, planLines } from './plan-text';
import type { Policy } from './policy';
import { pushOrRestore } from './remote';
import { claimTarget, releaseClaim, type HeldClaim } from './claims';
import { planWaves, runWaves, waveLine } from './deploy-waves';
import { checkMetadata, planForWrite, pointOfNoReturn, refuseReview } from './prepare';
import { openRequestOfPlan } from './requests';
import { gitCall, type Snapshot } from './snapshot';
import type { ApplyOptions, ApplyResult, RecordedComponent, RolloutPlan } from './types';

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

export async function applyInput(
  writer: GitStore,
  deployment: Deployment,
  options: ApplyOptions,
  /** `reads` is the store to read through before the first write (cancellable with the signal). */
  makeInput: (snap: Snapshot, policy: Policy, reads: GitStore) => Promise<PlanInput>,
): Promise<ApplyResult> {
  // What the first attempt planned and whether the user approved it at the prompt: a retry
  // after a lost race writes only what they decided (checkReplan) and does not ask again.
  let first: RolloutPlan | undefined;
  let confirmed = false;
  return retryLostRaces(
    async (n) => {
      // A claim taken before the deploy steps is deleted by the rollout's own transaction;
      // when the rollout fails after taking it, it is given back here.
      const held: { claim?: HeldClaim } = {};
      const seen: Attempt = { deployed: false, confirmed: false };
      const o = n > 1 && confirmed ? { ...options, approve: true } : options;
      try {
        return await applyClaimed(writer, deployment, o, makeInput, held, seen, first);
      } catch (err) {
        if (held.claim) await releaseClaim(writer, held.claim, options.remote || undefined);
        first ??= seen.plan;
        confirmed ||= seen.confirmed;
        // Deploy steps that ran are never run twice, and a rollout that closes a request it
        // waited for holds that request's tip, which a retry cannot refresh: both say so.
        if (err instanceof LostRace && (seen.deployed || !seen.plan || options.closeRequest))
          throw new RolloutError('conflict', err.message, err.detail);
        throw err;
      }
    },
    { signal: options.signal, progress: options.onProgress, what: 'rollout' },
  );
}

/** What one attempt got to, for deciding whether another attempt is safe. */
interface Attempt {
  plan?: RolloutPlan;
  deployed: boolean;
  confirmed: boolean;
}

async function applyClaimed(
  writer: GitStore,
  deployment: Deployment,
  options: ApplyOptions,
  makeInput: (snap: Snapshot, policy: Policy, reads: GitStore) => Promise<PlanInput>,
  held: { claim?: HeldClaim },
  seen: Attempt,
  first: RolloutPlan | undefined,
): Promise<ApplyResult> {
  // Everything up to the first write reads through a store the caller can cancel; the writes
  // use the caller's store, which never stops midway.
  const signal = options.signal;
  const store = signal ? writer.cancellable(signal) : writer;
  const name = deploymentName(deployment);
  checkMetadata(options.metadata);
  const progress = options.onProgress ?? (() => undefined);
  const remote = options.remote || undefined;
  const { policy, snap, input, plan } = await planForWrite(store, deployment, options, makeInput);
  seen.plan = plan;
  if (first) checkReplan(first, plan);
  const willAsk =
    plan.requiresApproval &&
    !plan.approved &&
    !plan.review &&
    !options.approve &&
    !!options.confirm;
  if (options.dryRun || willAsk) await withCommitsAhead(store, plan);
  const isRollback = !!input.restore;
  // A rollout that waited for its approvals printed the plan and the approvals already.
  const waited = !!options.planPrinted;
  if (!waited) {
    progress(`→ Validating promotion path: ${plan.promotedFrom ?? 'commit'} → ${plan.target} ✓`);
    for (const w of plan.warnings) progress(`! ${w}`);
    const mode = options.dryRun ? 'dry-run' : options.deploy ? 'deploy' : 'record';
    for (const line of planLines(plan, mode)) progress(line);
  }
  // A dependency on no component, or a cycle, leaves no order to deploy in: refused before
  // anything runs or is written, whatever the caller checked of its own copy.
  const refusal = dependencyRefusal(policy.deployment);
  if (refusal) throw new RolloutError('refused', refusal);
  const waves = options.deploy || options.dryRun ? planWaves(policy.deployment, plan) : undefined;
  const base = { plan, tags: [], recorded: [], ...(waves ? { waves } : {}) };
  if (options.dryRun && waves && !plan.nothingToDo)
    waves.forEach((_, i) => progress(waveLine(waves, i)));
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
  let approvalWritten = false;
  if (plan.review && !plan.approved) refuseReview(plan, !!options.approve);
  if (plan.requiresApproval && !plan.approved) {
    progress(`→ Manual approval required for ${plan.target} deployment`);
    let yes = !!options.approve;
    if (!yes && options.confirm) {
      yes = await options.confirm(plan);
      seen.confirmed = yes;
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
        `Rolling out ${name} to ${plan.target} requires approval, and no recorded approval matches this plan (${plan.promotedFrom ?? 'commit'} → ${plan.target}: ${describeComponents(plan)}).${problem} ${how}`,
      );
    }
    approval = newApproval(identity, options.approver, options.approverRole, options.now, plan);
    notesBefore = await gitCall(() => store.resolveCommit(notesRef(name)));
    pointOfNoReturn(signal, name, plan.target);
    progress(`→ Recording approval as git note`);
    approvalWritten = true;
    if (options.deploy && remote) {
      // Deploy steps will run: a push that loses a race after them could not be retried
      // without running them again, and the environment must never change without a record.
      // So the approval goes to the remote now, on its own (a lost race there only re-appends
      // it), and the rollout's own push holds no ref that another approver can move.
      await recordApproval(writer, plan, approval, remote);
    } else {
      await appendApproval(writer, plan, approval);
      notesAfter = await gitCall(() => writer.resolveCommit(notesRef(name)));
    }
  } else if (!waited) {
    for (const a of plan.approvals ?? (approval ? [approval] : []))
      progress(`→ Approval received from: ${a.approved_by} at ${a.approved_at}`);
  }
  // The last moment a cancellation is heeded: nothing has been written yet (when an approval
  // was recorded just above, this passes, since the rollout already started writing).
  pointOfNoReturn(approvalWritten ? undefined : signal, name, plan.target);
  await pauseAt('planned');
  // Two rollouts must never both run their deploy steps on one target: the claim is taken
  // before the first one runs, and refused (naming the holder) when another rollout has it.
  if (options.deploy) {
    progress(`→ Claiming ${plan.target} for the deploy steps`);
    held.claim = await claimTarget(
      writer,
      name,
      plan.target,
      snap.claims.get(plan.target),
      identity,
      {
        remote,
        forMs: options.claimForMs,
        now: options.now,
      },
    );
  }

  // The deploy steps run in dependency waves; the records of all of them are written after.
  // The spec's line before the deploy steps; a rollout that waited printed it already.
  if (options.deploy && !waited) progress(`→ Deploying to ${plan.target}...`);
  if (options.deploy) {
    seen.deployed = true;
    options.onDeployStart?.();
  }
  const steps = options.deploy
    ? (
        await runWaves(policy.deployment, plan, options.deploy, {
          parallelism: options.parallelism,
          progress,
          stop: options.stopDeploy,
          onWave: options.onWave,
        })
      ).results
    : undefined;
  const statuses = new Map<string, RecordStatus>();
  for (const c of plan.components) {
    const ok = steps?.get(c.component)?.ok ?? true;
    statuses.set(c.component, ok ? (isRollback ? 'rolled_back' : 'success') : 'failed');
  }
  await pauseAt('deployed');

  const now = options.now ?? new Date();
  const stamp = tagTimestamp(now);
  const taken = new Set(snap.tags.map((t) => t.name));
  const metadata: Record<string, string> = { ...(options.metadata ?? {}) };
  // A review rollout carries every approval it used, so each is spent (approval-use.ts).
  if (plan.approvals && plan.approvals.length > 1)
    Object.assign(metadata, approvalMetadata(plan.approvals));
  else if (approval) {
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
  // The approval request of this plan closes with it, only if nobody declined it meanwhile: a
  // decline that lands first makes the whole transaction fail.
  const close =
    options.closeRequest ??
    (await openRequestOfPlan(store, plan, snap, {
      deployment: policy.deployment,
      allowedSigners: policy.allowedSigners,
    }));
  if (close) updates.push({ ref: close.ref, oldSha: close.tip });
  if (held.claim) updates.push({ ref: held.claim.ref, oldSha: held.claim.tip });
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

  const recorded: RecordedComponent[] = specs.map((s) => {
    const step = steps?.get(s.component.component);
    return {
      component: s.component.component,
      sha: s.component.sha,
      status: s.record.status,
      tag: s.tag,
      ...(step?.reason ? { reason: step.reason } : {}),
      ...(step?.output ? { output: step.output } : {}),
    };
  });
  const recordedOnly = !options.deploy;
  const message = appliedMessage({
    name,
    plan,
    recorded,
    isRollback,
    recordedOnly,
    restoredTags: Object.values(input.restore?.components ?? {}).map((c) => c.tag),
  });
  return {
    ok: recorded.every((r) => r.status !== 'failed'),
    tags: recorded.map((r) => r.tag),
    message,
    plan,
    wroteNothing: false,
    recorded,
    ...(waves ? { waves } : {}),
    ...(recordedOnly ? { recordedOnly } : {}),
  };
}
