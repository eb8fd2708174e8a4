/**
 * Approval requests in git (design section 11): reading every request ref of a deployment in
 * a constant number of git processes, opening one for a plan, declining and withdrawing it.
 * Every change moves the ref by compare-and-swap and, with a remote, is pushed with a lease, so
 * a decline and the rollout that closes the request can never both win.
 */
import {
  DEFAULT_REQUEST_LIFETIME_MS,
  displayName,
  findTarget,
  formatRequestMessage,
  isoSeconds,
  parseRequestRef,
  readRequestChain,
  requestMatches,
  requestRef,
  requestRefPrefix,
  reviewRuleOf,
  type ApprovalRequest,
  type Deployment,
  type RequestDecline,
  type RequestView,
} from '../core';
import type { GitStore, Identity, RefUpdate } from '../git';
import { RolloutError } from './errors';
import { approvalScope } from './plan';
import { pushOrRestore } from './remote';
import { gitCall, type Snapshot } from './snapshot';
import type { RolloutPlan } from './types';

/** The committed rules and keys the requests of one deployment are read against. */
export interface RequestRules {
  deployment: Deployment;
  allowedSigners?: string;
}

/**
 * What every request ref of `deployment` means now: one `for-each-ref` and, when there are
 * requests, one `git log` over all of them (signatures checked against the committed keys).
 */
export async function readRequestViews(
  store: GitStore,
  deployment: string,
  rules: RequestRules,
  now: Date = new Date(),
): Promise<RequestView[]> {
  const refs = await gitCall(() => store.listRefs([requestRefPrefix(deployment)]));
  if (refs.length === 0) return [];
  const log = await gitCall(() =>
    store.readRecordLog(
      refs.map((r) => r.sha),
      rules.allowedSigners,
    ),
  );
  const bySha = new Map(log.map((c) => [c.sha, c]));
  const ruleOf = (_d: string, target: string) =>
    reviewRuleOf(findTarget(rules.deployment, target)?.promotion);
  return refs.map((r) => readRequestChain(r.ref, r.sha, bySha, now, ruleOf));
}

/** The deployments that have approval request refs, sorted (one `for-each-ref`). */
export async function deploymentsWithRequests(store: GitStore): Promise<string[]> {
  const refs = await gitCall(() => store.listRefs([requestRefPrefix()]));
  const names = refs.map((r) => parseRequestRef(r.ref)?.deployment);
  return [...new Set(names.filter((d): d is string => !!d))].sort((a, b) => a.localeCompare(b));
}

/**
 * The open request of the plan's target when it asks for exactly this plan: the rollout of that
 * plan closes it in its own transaction, whoever runs it. Costs a git process only when the
 * target has a request ref (the snapshot's one `for-each-ref` lists them).
 */
export async function openRequestOfPlan(
  store: GitStore,
  plan: RolloutPlan,
  snap: Snapshot,
  rules: RequestRules,
): Promise<{ ref: string; tip: string } | undefined> {
  const tip = snap.requests.get(plan.target);
  if (!tip) return undefined;
  const log = await gitCall(() => store.readRecordLog([tip], rules.allowedSigners));
  const ruleOf = (_d: string, target: string) =>
    reviewRuleOf(findTarget(rules.deployment, target)?.promotion);
  const ref = requestRef(plan.deployment, plan.target);
  const view = readRequestChain(ref, tip, new Map(log.map((c) => [c.sha, c])), new Date(), ruleOf);
  return view.state === 'open' && view.request && requestMatches(view.request, approvalScope(plan))
    ? { ref, tip }
    : undefined;
}

/** The request view of one target, or undefined when there is no request ref. */
export async function readRequestView(
  store: GitStore,
  deployment: string,
  target: string,
  rules: RequestRules,
  now?: Date,
): Promise<RequestView | undefined> {
  const ref = requestRef(deployment, target);
  return (await readRequestViews(store, deployment, rules, now)).find((v) => v.ref === ref);
}

/** Moves a request ref by compare-and-swap and, with a remote, pushes it with the same lease. */
async function moveRequestRef(
  store: GitStore,
  update: RefUpdate,
  remote: string | undefined,
): Promise<void> {
  await gitCall(() => store.updateRefs([update]));
  if (remote) await pushOrRestore(store, remote, [update]);
}

export interface OpenedRequest {
  view: RequestView;
  request: ApprovalRequest;
  /** True when an open request of this exact plan by the same person was taken up again. */
  resumed: boolean;
}

/**
 * Opens the request for `plan`, or takes up the open one when it asks for the same plan on
 * behalf of the same person (a rollout run again after its wait timed out). An open request of
 * someone else, or of another plan, is not replaced: its requester withdraws it first (Ctrl+C
 * while waiting) or it expires. A declined, expired or damaged one is replaced.
 */
export async function openRequest(
  store: GitStore,
  plan: RolloutPlan,
  rules: RequestRules,
  identity: Identity,
  options: { remote?: string; lifetimeMs?: number; now?: Date },
): Promise<OpenedRequest> {
  const now = options.now ?? new Date();
  const scope = approvalScope(plan);
  const me = identity.email || identity.name;
  const current = await readRequestView(store, plan.deployment, plan.target, rules, now);
  if (current?.state === 'open' && current.request) {
    const theirs = current.request;
    if (requestMatches(theirs, scope) && sameIdentity(theirs.requested_by, me))
      return { view: current, request: theirs, resumed: true };
    throw new RolloutError(
      'refused',
      `${displayName(plan.deployment)}/${displayName(plan.target)} already has an open approval request by ${displayName(theirs.requested_by)} (since ${theirs.requested_at}, expires ${theirs.expires_at})${requestMatches(theirs, scope) ? ' for this same plan' : ' for another plan'}. Wait for it to be approved or declined, or ask ${displayName(theirs.requested_by)} to withdraw it; see \`atmos-deployments approvals ${plan.deployment}\`.`,
    );
  }
  const lifetime = Math.max(options.lifetimeMs ?? 0, DEFAULT_REQUEST_LIFETIME_MS);
  const request: ApprovalRequest = {
    kind: 'request',
    deployment: scope.deployment,
    target: scope.target,
    promoted_from: scope.promotedFrom,
    components: scope.components,
    requested_by: me,
    requested_at: isoSeconds(now),
    expires_at: isoSeconds(new Date(now.getTime() + lifetime)),
    ...(plan.policySha ? { policy_sha: plan.policySha } : {}),
  };
  const sha = await gitCall(() =>
    store.writeRecordCommit(formatRequestMessage(request), [], false),
  );
  const ref = requestRef(plan.deployment, plan.target);
  await moveRequestRef(store, { ref, newSha: sha, oldSha: current?.tip }, options.remote);
  return {
    view: {
      ref,
      deployment: plan.deployment,
      target: plan.target,
      tip: sha,
      state: 'open',
      request,
      ignored: [],
    },
    request,
    resumed: false,
  };
}

function sameIdentity(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/**
 * Withdraws the request this rollout opened (Ctrl+C while waiting): the ref is deleted only if
 * it still is what the rollout wrote, so a decline or approval flow that moved on is kept.
 * Returns false when it had moved (nothing deleted).
 */
export async function withdrawRequest(
  store: GitStore,
  view: RequestView,
  remote: string | undefined,
): Promise<boolean> {
  try {
    await moveRequestRef(store, { ref: view.ref, newSha: undefined, oldSha: view.tip }, remote);
    return true;
  } catch (err) {
    if (err instanceof RolloutError && err.kind === 'conflict') return false;
    throw err;
  }
}

/**
 * Declines the open request of a target with a reason: a child commit of the request, signed
 * when the target is a review target (a reviewer's decline is attributable like their
 * approval). Refuses when there is no open request or the decliner may not decline.
 */
export async function declineRequest(
  store: GitStore,
  deployment: string,
  target: string,
  rules: RequestRules,
  options: { reason: string; remote?: string; now?: Date },
): Promise<{ view: RequestView; decline: RequestDecline }> {
  const now = options.now ?? new Date();
  const view = await readRequestView(store, deployment, target, rules, now);
  const where = `${displayName(deployment)}/${displayName(target)}`;
  if (!view || view.state !== 'open' || !view.request)
    throw new RolloutError(
      'refused',
      view
        ? `The approval request for ${where} is ${view.state}; there is nothing open to decline.`
        : `There is no approval request for ${where}; see \`atmos-deployments approvals ${deployment}\`.`,
    );
  const identity = await gitCall(() => store.identity());
  const me = identity.email || identity.name;
  const rule = reviewRuleOf(findTarget(rules.deployment, target)?.promotion);
  const isRequester = sameIdentity(view.request.requested_by, me);
  if (rule && !isRequester && !rule.approvers.some((a) => sameIdentity(a, me)))
    throw new RolloutError(
      'refused',
      `${displayName(me)} is not an approver of ${where}; only ${rule.approvers.map(displayName).join(', ')} may decline its request (approval_method: review).`,
    );
  const reason = options.reason.trim();
  if (!reason)
    throw new RolloutError(
      'usage',
      'A decline needs a reason (--reason <text>) for the requester.',
    );
  const decline: RequestDecline = {
    kind: 'decline',
    deployment,
    target,
    declined_by: me,
    declined_at: isoSeconds(now),
    reason,
  };
  if (rule) await requireSigning(store, where);
  const sha = await gitCall(() =>
    store.writeRecordCommit(formatRequestMessage(decline), [view.tip], !!rule),
  );
  await moveRequestRef(store, { ref: view.ref, newSha: sha, oldSha: view.tip }, options.remote);
  return { view: { ...view, tip: sha, state: 'declined', decline }, decline };
}

/** A review decline is signed; says how to set signing up when git has none. */
async function requireSigning(store: GitStore, where: string): Promise<void> {
  const setup = await gitCall(() => store.signingSetup());
  if (setup.format?.toLowerCase() !== 'ssh' || !setup.key)
    throw new RolloutError(
      'usage',
      `${where} uses approval_method: review, so a decline is signed like an approval, and git has no ssh signing set up. Set it up with:\n  git config gpg.format ssh\n  git config user.signingkey <key>`,
    );
}
