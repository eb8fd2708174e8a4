/**
 * `rollout … --wait` (design section 11, the PRD's request → wait → approve flow): records an
 * approval request for the exact plan, tells who may approve it, polls (the remote, with
 * `--remote`) with backoff until enough valid approvals exist, then rolls out in one
 * transaction that also closes the request. A decline ends the wait (exit 1), the timeout ends
 * it with the request left open (exit 3), and cancelling (Ctrl+C) withdraws the request.
 */
import {
  displayName,
  formatDuration,
  requestMatches,
  type Approval,
  type Deployment,
  type RequestView,
} from '../core';
import { GitStoreError, type GitStore } from '../git';
import { applyRollout } from './apply';
import { planForWrite } from './prepare';
import { RolloutError } from './errors';
import { approvalScope } from './plan';
import { approveCommand } from './plan-text';
import { fetchRecords } from './remote';
import { openRequest, readRequestView, withdrawRequest, type RequestRules } from './requests';
import { gitCall } from './snapshot';
import type { ApplyOptions, ApplyResult, RolloutPlan } from './types';

export interface WaitOptions {
  /** How long to wait for the approvals (`--wait`, default 1h). */
  timeoutMs: number;
  /** The first pause between polls; it grows by half each quiet poll, up to eight times it. */
  pollMs: number;
  /** Ends the wait and withdraws the request (Ctrl+C). */
  signal?: AbortSignal;
  /** The clock, for tests of expiry; defaults to the real one. */
  now?: () => Date;
}

const MAX_BACKOFF_MS = 30_000;

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Who is asked, as the spec's `→ Approval request sent to:` line names them. */
function askedOf(plan: RolloutPlan): string {
  if (plan.review) return plan.review.approvers.map(displayName).join(', ');
  return 'anyone who may approve (approval_method: manual)';
}

/**
 * Rolls out once the plan is approved by others, waiting for that as the PRD describes. When
 * the plan needs no approval, or already has enough, it is an ordinary rollout.
 */
export async function rolloutWithWait(
  store: GitStore,
  deployment: Deployment,
  options: ApplyOptions,
  wait: WaitOptions,
): Promise<ApplyResult> {
  const progress = options.onProgress ?? (() => undefined);
  const clock = wait.now ?? (() => new Date());
  const plain = { ...options, confirm: undefined, approve: false };
  const first = await planForWrite(store, deployment, plain, async () => plain);
  const plan = first.plan;
  if (!plan.requiresApproval || plan.approved || plan.nothingToDo || options.dryRun)
    return applyRollout(store, deployment, plain);
  const rules: RequestRules = {
    deployment: first.policy.deployment,
    allowedSigners: first.policy.allowedSigners,
  };
  const remote = options.remote || undefined;
  progress(`→ Validating promotion path: ${plan.promotedFrom ?? 'commit'} → ${plan.target} ✓`);
  for (const w of plan.warnings) progress(`! ${w}`);
  progress('→ Requesting approval...');
  const identity = await gitCall(() => store.identity());
  const opened = await openRequest(store, plan, rules, identity, {
    remote,
    lifetimeMs: wait.timeoutMs,
    now: clock(),
  });
  const mine = opened.view;
  if (opened.resumed)
    progress(`→ Taking up the open request of ${opened.request.requested_at} for this same plan`);
  progress(`→ Approval request sent to: ${askedOf(plan)}`);
  progress(`→ Waiting for approval (timeout: ${formatDuration(wait.timeoutMs)})...`);
  const deadline = clock().getTime() + wait.timeoutMs;
  // The policy is pinned to the commit the request was made under while waiting; the rollout
  // at the end reads the rules again, as every write does.
  const pinned: ApplyOptions = {
    ...plain,
    remote: undefined,
    policy: { ...options.policy, rev: first.policy.sha },
  };
  const announced = new Set<string>();
  const reported = new Set<string>();
  let delay = wait.pollMs;
  const cap = Math.max(wait.pollMs, Math.min(MAX_BACKOFF_MS, wait.pollMs * 8));
  for (;;) {
    await sleep(Math.min(delay, Math.max(0, deadline - clock().getTime())), wait.signal);
    if (wait.signal?.aborted) {
      const withdrawn = await withdrawRequest(store, mine, remote).catch(() => false);
      throw new RolloutError(
        'cancelled',
        withdrawn
          ? `Stopped waiting; the approval request for ${plan.deployment}/${plan.target} was withdrawn. Nothing was deployed.`
          : `Stopped waiting; the approval request for ${plan.deployment}/${plan.target} had already changed, so it was left as it is. Nothing was deployed.`,
      );
    }
    if (remote) {
      try {
        await fetchRecords(store, plan.deployment, remote);
      } catch (err) {
        if (!(err instanceof RolloutError || err instanceof GitStoreError)) throw err;
        delay = Math.min(delay * 2, cap);
        progress(
          `! Could not reach ${remote} (${err.message.split('\n')[0]}); retrying in ${formatDuration(delay)}`,
        );
        if (clock().getTime() >= deadline) throw timedOut(plan, opened.request.expires_at, true);
        continue;
      }
    }
    const view = await readRequestView(store, plan.deployment, plan.target, rules, clock());
    for (const why of view?.ignored ?? [])
      if (!reported.has(why)) {
        reported.add(why);
        progress(`! ${why}`);
      }
    checkStillOpen(view, mine, plan);
    const now = await planForWrite(store, deployment, pinned, async () => pinned);
    if (!requestMatches(opened.request, approvalScope(now.plan))) {
      await withdrawRequest(store, view!, remote).catch(() => false);
      throw new RolloutError(
        'refused',
        `The plan changed while waiting (${plan.promotedFrom ?? 'the commit'} now gives other SHAs for ${plan.deployment}/${plan.target}), so the approval request was withdrawn. Run the rollout again to request approval of the new plan.`,
      );
    }
    let news = false;
    for (const a of approvalsOf(now.plan))
      if (!announced.has(key(a))) {
        announced.add(key(a));
        news = true;
        progress(`→ Approval received from: ${a.approved_by} at ${a.approved_at}`);
      }
    for (const r of now.plan.review?.rejected ?? [])
      if (!reported.has(r)) {
        reported.add(r);
        progress(`! ${r}`);
      }
    if (now.plan.approved) {
      progress(`→ ${plain.deploy ? 'Deploying' : 'Rolling out'} to ${plan.target}...`);
      return applyRollout(store, deployment, {
        ...plain,
        planPrinted: true,
        closeRequest: { ref: view!.ref, tip: view!.tip },
      });
    }
    if (news && now.plan.review) progress(`  ${now.plan.review.summary}; waiting for more`);
    if (clock().getTime() >= deadline) throw timedOut(plan, opened.request.expires_at, false);
    delay = news ? wait.pollMs : Math.min(Math.ceil(delay * 1.5), cap);
  }
}

function key(a: Approval): string {
  return `${a.approved_by}\u0000${a.approved_at}`;
}

/** The approvals that count for the plan so far (for review, only the ones that count). */
function approvalsOf(plan: RolloutPlan): Approval[] {
  if (plan.review) return plan.review.counted;
  return plan.approval ? [plan.approval] : [];
}

/** Ends the wait when the request was declined, withdrawn or replaced by someone else. */
function checkStillOpen(view: RequestView | undefined, mine: RequestView, plan: RolloutPlan) {
  const where = `${plan.deployment}/${plan.target}`;
  if (view?.state === 'declined' && view.decline)
    throw new RolloutError(
      'refused',
      `Declined by ${displayName(view.decline.declined_by)} at ${view.decline.declined_at}: ${displayName(view.decline.reason)}. Nothing was deployed to ${plan.target}.`,
    );
  if (!view || view.request?.requested_at !== mine.request?.requested_at)
    throw new RolloutError(
      'refused',
      `The approval request for ${where} was withdrawn or replaced while waiting. Nothing was deployed; run the rollout again to request approval.`,
    );
}

function timedOut(plan: RolloutPlan, expires: string, unreachable: boolean): RolloutError {
  const why = unreachable ? ' (the remote could not be reached at the end)' : '';
  return new RolloutError(
    'approval-missing',
    `No approval for ${plan.deployment}/${plan.target} arrived in time${why}. The request stays open until ${expires}: run the same rollout with --wait again to keep waiting, or see \`atmos-deployments approvals ${plan.deployment}\`. An approver approves it with:\n  ${approveCommand(plan)}`,
  );
}
