/**
 * Finding the approvals of a review target (design section 11): the plan's matching, unspent
 * approval lines, what git verified about the notes commits that added them, and the core's
 * `countReviewApprovals` deciding which count. `verify` asks the same core function, so a
 * rollout this allows is never one that `verify` reports.
 */
import {
  ALLOWED_SIGNERS_PATH,
  approvalSpentBy,
  approvalStamp,
  countReviewApprovals,
  findTarget,
  formatApprovalLine,
  notesRef,
  reviewRuleOf,
  signaturesByLine,
  type Approval,
  type ApprovalScope,
  type Deployment,
  type DeploymentRecord,
  type ReviewRule,
} from '../core';
import type { GitStore, NoteLineOrigin } from '../git';
import { gitCall, readRecords, readSnapshot, type Snapshot } from './snapshot';
import type { ReviewState } from './types';

export interface ReviewContext {
  rule: ReviewRule;
  /** Who rolls out (the git identity's e-mail): their own approval never counts. */
  deployer: string;
  /** The committed allowed-signers text; undefined when the repository has none. */
  allowedSigners?: string;
}

export interface FoundApproval {
  approval?: Approval;
  approvals?: Approval[];
  review?: ReviewState;
  problem?: string;
  warnings: string[];
}

/**
 * The review context of a target, or undefined for a manual one (which costs no git process).
 * The allowed-signers text comes with the policy when there is one, else from HEAD.
 */
export async function reviewContext(
  store: GitStore,
  deployment: Deployment,
  target: string,
  signers: { text?: string } | undefined,
): Promise<ReviewContext | undefined> {
  const rule = reviewRuleOf(findTarget(deployment, target)?.promotion);
  if (!rule) return undefined;
  const identity = await gitCall(() => store.identity());
  const text =
    signers !== undefined
      ? signers.text
      : (await gitCall(() => store.readFilesAt([{ rev: 'HEAD', path: ALLOWED_SIGNERS_PATH }]))).get(
          `HEAD:${ALLOWED_SIGNERS_PATH}`,
        );
  return { rule, deployer: identity.email || identity.name, allowedSigners: text };
}

/** Records of the target tagged at or after the earliest of these approvals (one cat-file). */
export async function recordsAfter(
  store: GitStore,
  scope: ApprovalScope,
  approvals: Approval[],
  snapshot?: Snapshot,
): Promise<DeploymentRecord[]> {
  if (approvals.length === 0) return [];
  const snap = snapshot ?? (await readSnapshot(store, scope.deployment));
  const earliest = approvals
    .map((a) => approvalStamp(a.approved_at) ?? '')
    .reduce((a, b) => (a < b ? a : b));
  const later = snap.tags.filter(
    (t) => t.parsed.target === scope.target && t.parsed.timestamp >= earliest,
  );
  return [...(await readRecords(store, later)).values()].map((r) => r.record);
}

export function spentMessage(a: Approval, timestamp: string): string {
  return `The approval by ${a.approved_by} at ${a.approved_at} was already used by the rollout of ${timestamp}; an approval authorizes one rollout, so this one needs a new approval.`;
}

export async function reviewApprovals(
  store: GitStore,
  scope: ApprovalScope,
  review: ReviewContext,
  matching: Approval[],
  mismatch: string | undefined,
  warnings: string[],
  snapshot?: Snapshot,
  pre?: { records?: DeploymentRecord[]; origins?: NoteLineOrigin[] },
): Promise<FoundApproval> {
  const records = pre?.records ?? (await recordsAfter(store, scope, matching, snapshot));
  const spent: string[] = [];
  const unspent: Approval[] = [];
  for (const a of matching) {
    const by = approvalSpentBy(a, records);
    if (by) spent.push(spentMessage(a, by.timestamp));
    else unspent.push(a);
  }
  const origins = !unspent.length
    ? []
    : (pre?.origins ??
      (await gitCall(() =>
        store.readNoteOrigins([notesRef(scope.deployment)], review.allowedSigners),
      )));
  const signatures = signaturesByLine(origins);
  const count = countReviewApprovals(
    unspent.map((approval) => ({
      approval,
      signatures: signatures.get(formatApprovalLine(approval)) ?? [],
    })),
    review.rule,
    review.deployer,
  );
  const state: ReviewState = {
    approvers: review.rule.approvers,
    needed: count.needed,
    summary: count.summary,
    counted: count.counted,
    rejected: count.rejected.map((r) => `${r.reason[0].toUpperCase()}${r.reason.slice(1)}.`),
  };
  if (count.enough)
    return { approval: count.counted[0], approvals: count.counted, review: state, warnings };
  const reasons = [...state.rejected, ...spent, ...(mismatch ? [mismatch] : [])];
  return {
    review: state,
    problem: `It needs ${count.needed} signed approval${count.needed === 1 ? '' : 's'} from ${review.rule.approvers.join(', ')} (${count.summary}).${reasons.length ? ` ${reasons.join(' ')}` : ''}`,
    warnings,
  };
}
