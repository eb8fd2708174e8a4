/**
 * Approvals are single-use (design section 11): an approval authorizes one rollout, and once a
 * rollout's tags carry it (`metadata.approver` and `metadata.approval_timestamp`), it is spent.
 * The rollout service (which looks for an unspent approval) and `verify` (which checks that no
 * rollout reused one) both ask these functions, so the two can never disagree on what "spent"
 * means.
 */
import { tagTimestamp, type Approval, type DeploymentRecord } from './records';

/** The reserved metadata keys the tool writes from a recorded approval; never typed in. */
export const RESERVED_METADATA_KEYS = ['approver', 'approval_timestamp'] as const;

/** The reserved keys among these metadata keys, in the order given. */
export function reservedMetadataKeys(keys: Iterable<string>): string[] {
  return [...keys].filter((k) => (RESERVED_METADATA_KEYS as readonly string[]).includes(k));
}

/**
 * The identity of one approval as a rollout's tags carry it: who, when, for which deployment
 * and target. Two note lines with the same key are the same approval written twice.
 */
export function approvalUseKey(
  deployment: string,
  target: string,
  approvedBy: string,
  approvedAt: string,
): string {
  return JSON.stringify([deployment, target, approvedBy, approvedAt]);
}

/** The approval a record says it used, as a key; undefined when it claims none. */
export function recordApprovalKey(record: DeploymentRecord): string | undefined {
  return recordApprovalKeys(record)[0];
}

/**
 * Every approval a record says it used. A review rollout that needed several approvals lists
 * them in the same order in both fields, joined by `, ` (`approver: a@x, b@x`,
 * `approval_timestamp: t1, t2`). A timestamp never holds `, `, so a manual approver named
 * `Doe, John` with one timestamp stays one approval.
 */
export function recordApprovalKeys(record: DeploymentRecord): string[] {
  const by = record.metadata.approver;
  const at = record.metadata.approval_timestamp;
  if (!by || !at) return [];
  const times = at.split(', ');
  const names = by.split(', ');
  if (times.length > 1 && names.length === times.length)
    return names.map((n, i) => approvalUseKey(record.deployment, record.target, n, times[i]));
  return [approvalUseKey(record.deployment, record.target, by, at)];
}

/** The metadata fields that record these approvals as used, in the format read above. */
export function approvalMetadata(approvals: Approval[]): {
  approver: string;
  approval_timestamp: string;
} {
  return {
    approver: approvals.map((a) => a.approved_by).join(', '),
    approval_timestamp: approvals.map((a) => a.approved_at).join(', '),
  };
}

/** The key of a recorded approval note line. */
export function approvalKey(a: Approval): string {
  return approvalUseKey(a.deployment, a.target, a.approved_by, a.approved_at);
}

/**
 * The record that spent this approval, when one did: a record of the same deployment and
 * target that carries it. A failed record spends it too: the approval let that rollout start.
 */
export function approvalSpentBy(
  a: Approval,
  records: Iterable<DeploymentRecord>,
): DeploymentRecord | undefined {
  const key = approvalKey(a);
  for (const r of records) if (recordApprovalKeys(r).includes(key)) return r;
  return undefined;
}

/**
 * The timestamp of a record's tag name (`2025-01-22T12-00-00Z`) from an approval's
 * `approved_at` (`2025-01-22T12:00:00Z`): tags named at or after it are the only ones that can
 * have spent the approval, so a reader lists those and reads no others.
 */
export function approvalStamp(approvedAt: string): string | undefined {
  const t = Date.parse(approvedAt);
  return Number.isNaN(t) ? undefined : tagTimestamp(new Date(t));
}
