/**
 * What a write does before it writes: plan from the fetched records and the committed rules,
 * refuse what must never be recorded (typed-in approval metadata, a deployer's own approval of
 * a review target), and the last moment a cancellation is heeded.
 */
import {
  displayName,
  recordedConflictMessage,
  recordedConflicts,
  reservedMetadataKeys,
  type Deployment,
} from '../core';
import type { GitStore } from '../git';
import { RolloutError } from './errors';
import { checkNames, deploymentName } from './names';
import { planFrom, type PlanInput } from './plan';
import { approveCommand } from './plan-text';
import { loadPolicy, type Policy } from './policy';
import { fetchRecords } from './remote';
import { readSnapshot, type Snapshot } from './snapshot';
import type { ApplyOptions, RolloutPlan } from './types';

/**
 * Throws the `cancelled` error when the caller cancelled before the rollout's first write; after
 * this point the rollout does not listen any more. The message says what was left untouched.
 */
export function pointOfNoReturn(
  signal: AbortSignal | undefined,
  name: string,
  target: string,
): void {
  if (signal?.aborted)
    throw new RolloutError(
      'cancelled',
      `Cancelled before anything was written: the records of ${displayName(name)}/${displayName(target)} (refs, tags, approvals) are as they were.`,
    );
}

/**
 * What a write plans from: the records fetched from the remote (when there is one), the
 * committed rules, the snapshot of the deployment's records and the plan they give. Reads only.
 */
export async function planForWrite(
  store: GitStore,
  deployment: Deployment,
  options: ApplyOptions,
  makeInput: (snap: Snapshot, policy: Policy, reads: GitStore) => Promise<PlanInput>,
): Promise<{ policy: Policy; snap: Snapshot; input: PlanInput; plan: RolloutPlan }> {
  const name = deploymentName(deployment);
  checkNames({ deployment: name });
  const remote = options.remote || undefined;
  if (remote) {
    if (!options.planPrinted) options.onProgress?.(`→ Fetching deployment records from ${remote}`);
    await fetchRecords(store, name, remote);
  }
  const policy = await loadPolicy(store, name, options.policy, remote);
  const snap = await readSnapshot(store, name);
  const input = await makeInput(snap, policy, store);
  const plan = await planFrom(
    store,
    policy.deployment,
    { ...input, repo: policy.repo, signers: { text: policy.allowedSigners } },
    snap,
  );
  plan.policySha = policy.sha;
  checkRecordedConflicts(plan, snap);
  return { policy, snap, input, plan };
}

/**
 * Refuses a plan that git cannot record because a component collides with one recorded in the
 * target and no longer in the file (`ecs` renamed to `ecs/api`). Without this the transaction
 * fails on the ref layout and reads as a concurrent rollout, which running again never fixes.
 */
function checkRecordedConflicts(plan: RolloutPlan, snap: Snapshot): void {
  const here = snap.refs.get(plan.target);
  if (!here) return;
  const recorded = new Map([[plan.target, [...here.keys()]]]);
  const planned = plan.components.map((c) => c.component);
  const conflicts = recordedConflicts(planned, recorded);
  if (conflicts.length)
    throw new RolloutError(
      'refused',
      `${conflicts.map((c) => recordedConflictMessage(plan.deployment, c)).join('\n')}\nNothing was written.`,
    );
}

/**
 * `--metadata` may not set what the tool writes from a recorded approval: a name typed there
 * would read as an approval nobody gave (design section 11).
 */
export function checkMetadata(metadata: Record<string, string> | undefined): void {
  const reserved = reservedMetadataKeys(Object.keys(metadata ?? {}));
  if (reserved.length)
    throw new RolloutError(
      'usage',
      `--metadata ${reserved.join(', ')}: ${reserved.length > 1 ? 'these keys are' : 'this key is'} written only from a recorded approval (approve, --approve or the approval prompt), never typed in.`,
    );
}

/**
 * A review target never takes the deployer's own approval (design section 11): neither
 * `--approve` nor the prompt or the editor's modal is offered. Says who may approve and what
 * is missing, and never returns.
 */
export function refuseReview(plan: RolloutPlan, approveFlag: boolean): never {
  const review = plan.review!;
  const who = review.approvers.map(displayName).join(', ');
  const head = approveFlag
    ? `${plan.deployment}/${plan.target} uses approval_method: review, so --approve (your own approval) does not count: it needs ${review.needed} signed approval${review.needed === 1 ? '' : 's'} from ${who}, never from the person rolling out.`
    : `Rolling out ${plan.deployment} to ${plan.target} requires review approval from ${who} (${review.summary}).`;
  const why = plan.approvalProblem ? ` ${plan.approvalProblem}` : '';
  throw new RolloutError(
    approveFlag ? 'refused' : 'approval-missing',
    `${head}${approveFlag ? '' : why} An approver records a signed approval with:\n  ${approveCommand(plan)}\nthen run the rollout again.`,
  );
}
