/**
 * Approvals: the note line a rollout's own approval or the `approve` command records, bound to
 * the deployment, target, source and component SHAs of one plan, and who recorded it.
 */
import {
  ALLOWED_SIGNERS_PATH,
  displayName,
  formatApprovalLine,
  isoSeconds,
  notesRef,
  requestMatches,
  type Approval,
  type ApprovalRequest,
  type Deployment,
} from '../core';
import { RolloutError } from './errors';
import { retryLostRaces } from './retry';
import type { GitStore } from '../git';
import { testPause } from '../git/test-pause';
import { pointOfNoReturn } from './prepare';
import { checkNames, deploymentName } from './names';
import { approvalScope, planFrom } from './plan';
import { describeComponents } from './plan-text';
import { loadPolicy, type Policy } from './policy';
import { fetchRecords, notesRefspec, pushOrRestore } from './remote';
import { readRequestView } from './requests';
import { gitCall, readSnapshot } from './snapshot';
import type { ApproveOptions, ApproveResult, RolloutPlan } from './types';

/** An approval recorded now by this git identity, naming who wrote it when that differs. */
export function newApproval(
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
export async function appendApproval(
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
 * Records an approval note for the current plan of a promotion (`approve` command, the
 * editor's Approve): one JSON line appended under `refs/notes/atmos/<d>/approvals` on each
 * commit of the plan, bound to the deployment, target, source and component SHAs.
 */
export async function approve(
  writer: GitStore,
  deployment: Deployment,
  options: ApproveOptions,
): Promise<ApproveResult> {
  // As in a rollout: reads go through a store the caller can cancel until the first write, and
  // the writes use the caller's store, which never stops midway.
  const signal = options.signal;
  let store = signal ? writer.cancellable(signal) : writer;
  const name = deploymentName(deployment);
  checkNames({ deployment: name });
  const remote = options.remote || undefined;
  if (remote) await fetchRecords(store, name, remote);
  const policy: Policy = await loadPolicy(store, name, options.policy, remote);
  const snap = await readSnapshot(store, name);
  const plan = await planFrom(
    store,
    policy.deployment,
    {
      target: options.target,
      promoteFrom: options.promoteFrom,
      gitSha: options.gitSha,
      components: options.components,
      signers: { text: policy.allowedSigners },
    },
    snap,
  );
  const request = await matchingRequest(store, policy, plan);
  const identity = await gitCall(() => store.identity());
  const approval = newApproval(identity, options.approver, options.role, options.now, plan);
  const ref = notesRef(name);
  if (plan.review)
    await checkReviewer(store, plan, identity.email || identity.name, approval.approved_by);
  // Checked, nothing written: tests hold the approval here to cancel it (test only).
  await testPause('checked');
  // The last moment a cancellation is heeded; from here on the note is written in full.
  pointOfNoReturn(signal, name, plan.target);
  store = writer;
  // Approvals only ever add a line, so losing the race for the notes ref to another approver
  // is safe to retry, and only the notes ref needs reading again: the push put the local ref
  // back, the next attempt fetches that ref alone and appends the same approval on top.
  const commits = await recordApproval(store, plan, approval, remote);
  const note = plan.requiresApproval
    ? request
      ? ` (the open request of ${displayName(request.requested_by)} at ${request.requested_at})`
      : ''
    : ` (${plan.target} does not require approval; recorded anyway)`;
  return {
    notesRef: ref,
    commit: commits[0],
    commits,
    approval,
    message: `Recorded approval by ${approval.approved_by} for ${name} ${plan.promotedFrom ?? options.promoteFrom} → ${options.target} (${describeComponents(plan)}) under ${ref}${note}.`,
  };
}

/**
 * Appends the approval to the notes and, with a remote, pushes that ref alone. Approvals only
 * ever add a line, so losing the race for the notes ref to another approver is safe to retry,
 * and only the notes ref needs reading again: the push put the local ref back, the next attempt
 * fetches that ref alone and appends the same approval on top. Resolves to the noted commits.
 */
export async function recordApproval(
  store: GitStore,
  plan: RolloutPlan,
  approval: Approval,
  remote: string | undefined,
): Promise<string[]> {
  const ref = notesRef(plan.deployment);
  return retryLostRaces(
    async (n) => {
      if (n > 1 && remote)
        await gitCall(() => store.fetch(remote, [notesRefspec(plan.deployment)]));
      const before = await gitCall(() => store.resolveCommit(ref));
      const written = await writeApproval(store, plan, approval, ref);
      if (remote) {
        const after = await gitCall(() => store.resolveCommit(ref));
        await pushOrRestore(store, remote, [{ ref, newSha: after, oldSha: before }]);
      }
      return written;
    },
    { what: 'approval' },
  );
}

/** Appends the approval to the note of every commit of the plan, signed for a review. */
async function writeApproval(
  store: GitStore,
  plan: RolloutPlan,
  approval: Approval,
  ref: string,
): Promise<string[]> {
  if (!plan.review) return appendApproval(store, plan, approval);
  const commits = [...new Set(plan.components.map((c) => c.sha))];
  await gitCall(() =>
    store.appendSignedNote(
      ref,
      commits,
      formatApprovalLine(approval),
      `Approve ${plan.deployment} ${plan.promotedFrom ?? 'commit'} -> ${plan.target} (${approval.approved_by})`,
    ),
  );
  return commits;
}

/**
 * The open approval request of the target, when there is one (design section 11): `approve`
 * approves what it asks for, so a plan that moved on since (the source was promoted again) is
 * refused rather than approved under the request's name.
 */
async function matchingRequest(
  store: GitStore,
  policy: Policy,
  plan: RolloutPlan,
): Promise<ApprovalRequest | undefined> {
  const view = await readRequestView(store, plan.deployment, plan.target, {
    deployment: policy.deployment,
    allowedSigners: policy.allowedSigners,
  });
  if (view?.state !== 'open' || !view.request) return undefined;
  const request = view.request;
  if (requestMatches(request, approvalScope(plan))) return request;
  const asked = Object.entries(request.components)
    .map(([c, sha]) => `${displayName(c)} ${sha.slice(0, 7)}`)
    .join(', ');
  throw new RolloutError(
    'refused',
    `The open approval request of ${displayName(request.requested_by)} (${request.requested_at}) asks for ${request.promoted_from} → ${plan.target}: ${asked}, but that plan is now ${plan.promotedFrom ?? 'commit'} → ${plan.target}: ${describeComponents(plan)}. Nothing was approved; ask ${displayName(request.requested_by)} to run the rollout again, which requests the new plan.`,
  );
}

/**
 * A review approval is signed by the approver in person (design section 11): the signer must
 * be a listed approver, writing in their own name, with git's ssh signing set up. Each failure
 * says what to do; nothing is written.
 */
async function checkReviewer(
  store: GitStore,
  plan: RolloutPlan,
  self: string,
  approvedBy: string,
): Promise<void> {
  const approvers = plan.review!.approvers;
  const listed = approvers.map(displayName).join(', ');
  if (approvedBy !== self)
    throw new RolloutError(
      'usage',
      `${plan.deployment}/${plan.target} uses approval_method: review: an approval is signed by the approver in person, so --approver cannot name someone else (${displayName(approvedBy)}). ${displayName(approvedBy)} runs \`atmos-deployments approve\` with their own git identity.`,
    );
  if (!approvers.some((a) => a.toLowerCase() === self.toLowerCase()))
    throw new RolloutError(
      'refused',
      `${displayName(self)} is not an approver of ${plan.deployment}/${plan.target}; only ${listed} may approve it (approval_method: review).`,
    );
  const setup = await gitCall(() => store.signingSetup());
  if (setup.format?.toLowerCase() !== 'ssh' || !setup.key)
    throw new RolloutError(
      'usage',
      `${plan.deployment}/${plan.target} uses approval_method: review, so your approval must be signed with git's ssh signing, and git has ${setup.key ? 'gpg.format ' + (setup.format ?? 'openpgp (the default)') : 'no user.signingkey'}. Set it up with:\n  git config gpg.format ssh\n  git config user.signingkey <key>\nwhere <key> is your ssh public key file (for example ~/.ssh/id_ed25519.pub), listed for ${displayName(self)} in ${ALLOWED_SIGNERS_PATH}.`,
    );
}
