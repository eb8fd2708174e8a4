/**
 * Which review approvals count (design section 11, `approval_method: review`). The rollout
 * service and `verify` both ask `countReviewApprovals`, so a rollout is never allowed by one
 * and reported by the other. The inputs are facts git already established: each approval line
 * of the plan, with what `git log --format=%G?%GS` said about the notes commits that added it
 * (checked against the committed `.atmos/allowed_signers`). Nothing here checks a signature.
 */
import { ALLOWED_SIGNERS_PATH } from './allowed-signers';
import { requiredApprovals, type Promotion } from './model';
import { displayName } from './names';
import { formatApprovalLine, parseApprovalNote, type Approval } from './records';

/** What git reported for one notes commit that added an approval line. */
export interface LineSignature {
  /**
   * git's `%G?`: `G` good and trusted, `B` bad, `U` good but from a key the allowed-signers file
   * does not list, `N` none, `X`/`Y` expired, `R` revoked, `E` cannot be checked.
   */
  status: string;
  /** git's `%GS`: the principal the allowed-signers file names for the key (meaningful for G). */
  signer: string;
}

/** The review rule of a target: who may approve and how many of them must. */
export interface ReviewRule {
  approvers: string[];
  minApprovals: number;
}

export interface ReviewCandidate {
  approval: Approval;
  /** One entry per notes commit that added this exact line; empty when none could be found. */
  signatures: LineSignature[];
}

export interface ReviewCount {
  /** The approvals that count, one per approver, oldest first. */
  counted: Approval[];
  /** Every other candidate, with the sentence that says why it does not count. */
  rejected: Array<{ approval: Approval; reason: string }>;
  needed: number;
  enough: boolean;
  /** `1 of 2 approvals: alice@example.com`, as status, hover and messages show it. */
  summary: string;
}

/** The review rule of a target's promotion, or undefined when it is not a review target. */
export function reviewRuleOf(promotion: Promotion | undefined): ReviewRule | undefined {
  if (!promotion || !promotion.requiresApproval || promotion.approvalMethod !== 'review')
    return undefined;
  return {
    approvers: [...new Set(promotion.approvers?.items.map((a) => a.value) ?? [])],
    minApprovals: requiredApprovals(promotion),
  };
}

/** E-mail identities compare without case, so `Carol@Example.com` is still the deployer. */
function same(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/**
 * Counts the approvals of one plan. `candidates` are the plan's matching, unspent approval
 * lines (the caller has bound them to the exact plan and asked `approval-use`); `deployer` is
 * who rolls out (the git identity, or a record's `deployed_by`). Never throws.
 */
export function countReviewApprovals(
  candidates: ReviewCandidate[],
  rule: ReviewRule,
  deployer: string,
): ReviewCount {
  const counted: Approval[] = [];
  const rejected: ReviewCount['rejected'] = [];
  const sorted = [...candidates].sort((a, b) =>
    a.approval.approved_at.localeCompare(b.approval.approved_at),
  );
  for (const c of sorted) {
    const reason = whyNot(c, rule, deployer, counted);
    if (reason) rejected.push({ approval: c.approval, reason });
    else counted.push(c.approval);
  }
  const needed = rule.minApprovals;
  return {
    counted,
    rejected,
    needed,
    enough: counted.length >= needed,
    summary: reviewSummary(
      counted.map((a) => a.approved_by),
      needed,
    ),
  };
}

/** `1 of 2 approvals: alice@example.com` (the names are the approvals that count). */
export function reviewSummary(approvers: string[], needed: number): string {
  const names = approvers.map(displayName).join(', ');
  return `${approvers.length} of ${needed} approval${needed === 1 ? '' : 's'}${names ? `: ${names}` : ''}`;
}

function whyNot(
  c: ReviewCandidate,
  rule: ReviewRule,
  deployer: string,
  counted: Approval[],
): string | undefined {
  const by = c.approval.approved_by;
  const who = displayName(by);
  if (deployer && same(by, deployer))
    return `the approval by ${who} does not count: ${who} rolls it out, and a deployer never approves their own rollout`;
  if (!rule.approvers.some((a) => same(a, by)))
    return `the approval by ${who} does not count: ${who} is not a listed approver (${rule.approvers.map(displayName).join(', ') || 'none listed'})`;
  if (counted.some((a) => same(a.approved_by, by)))
    return `the approval by ${who} at ${displayName(c.approval.approved_at)} does not count again: each approver counts once`;
  if (c.signatures.some((s) => s.status === 'G' && same(s.signer, by))) return undefined;
  const good = c.signatures.find((s) => s.status === 'G');
  if (good)
    return `the approval by ${who} does not count: it was signed by ${displayName(good.signer)}, not by ${who}`;
  if (c.signatures.some((s) => s.status === 'B'))
    return `the approval by ${who} does not count: its signature is bad (the notes commit was altered after signing)`;
  if (c.signatures.some((s) => s.status !== 'N'))
    return `the approval by ${who} does not count: it is signed with a key that ${ALLOWED_SIGNERS_PATH} does not list for ${who}`;
  return `the approval by ${who} does not count: it is not signed (review approvals are recorded with \`atmos-deployments approve\` and git's signing)`;
}

/** What a target needs, for hover and messages: who must approve and how many of them. */
export function approvalRequirement(promotion: Promotion | undefined): string | undefined {
  if (!promotion?.requiresApproval) return undefined;
  const rule = reviewRuleOf(promotion);
  if (!rule) return 'requires approval (manual: the person rolling out confirms the plan)';
  const n = rule.minApprovals;
  return `requires ${n} signed approval${n === 1 ? '' : 's'} (review) from ${rule.approvers.map(displayName).join(', ') || 'nobody: no approvers are listed'}; the deployer's own never counts`;
}

/** One line a notes commit added, with git's verdict on that commit (the store's report). */
export interface AddedLine {
  status: string;
  signer: string;
  line: string;
}

/**
 * The signatures of the notes commits that added each approval line, keyed by the approval's
 * canonical line (`formatApprovalLine`), so a candidate finds its evidence by what it says.
 */
export function signaturesByLine(origins: AddedLine[]): Map<string, LineSignature[]> {
  const out = new Map<string, LineSignature[]>();
  for (const o of origins) {
    const parsed = parseApprovalNote(o.line).approvals[0];
    if (!parsed) continue;
    const key = formatApprovalLine(parsed);
    const list = out.get(key) ?? [];
    list.push({ status: o.status, signer: o.signer });
    out.set(key, list);
  }
  return out;
}
