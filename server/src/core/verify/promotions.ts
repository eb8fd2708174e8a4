/**
 * Replaying the records in their own time order against the rules they claim: each promotion
 * from a source the rules allowed, of SHAs that source had recorded before, each gated rollout
 * with its own unspent approval, each rollback to a record that itself holds up.
 */
import {
  countReviewApprovals,
  reviewRuleOf,
  signaturesByLine,
  type LineSignature,
  type ReviewRule,
} from '../approval-count';
import { approvalKey, recordApprovalKey, recordApprovalKeys } from '../approval-use';
import { findTarget } from '../model';
import { displayName } from '../names';
import { checkPromotion } from '../promotion';
import {
  approvalMatches,
  approvalMismatch,
  notesRef,
  parseApprovalNote,
  formatApprovalLine,
  scopeSource,
  type Approval,
} from '../records';
import { currentRulesNote, type Policies, type RulesFor } from './policies';
import { short, type TrailRecord } from './records';
import type { TrailInput, VerifyFinding } from './types';

/**
 * One rollout: the tags of one deployment and target with the same timestamp and deployer (and
 * the same approval and source).
 */
export interface Rollout {
  records: TrailRecord[];
}

export function groupRollouts(records: TrailRecord[]): Rollout[] {
  const groups = new Map<string, Rollout>();
  for (const r of records) {
    // Two rollouts in one second share a timestamp (their tags differ by `-2`); the approval
    // they carry and their source tell them apart, and a seq would split one rollout whose
    // components had different earlier tags in that second.
    const k = JSON.stringify([
      r.record.deployment,
      r.record.target,
      r.time,
      r.record.deployed_by,
      recordApprovalKey(r.record) ?? '',
      r.record.promoted_from ?? '',
    ]);
    const g = groups.get(k) ?? { records: [] };
    g.records.push(r);
    groups.set(k, g);
  }
  // Records arrive sorted by time, so the groups are in time order too.
  return [...groups.values()];
}

function about(r: TrailRecord): Omit<VerifyFinding, 'code' | 'message'> {
  return {
    ref: r.ref,
    deployment: r.record.deployment,
    target: r.record.target,
    component: r.record.component,
    timestamp: r.record.timestamp,
  };
}

/** Approval lines of one deployment's notes, on the given commits. */
function approvalsOn(input: TrailInput, deployment: string, commits: string[]): Approval[] {
  const notes = input.notes.get(notesRef(deployment));
  if (!notes) return [];
  const out: Approval[] = [];
  for (const c of new Set(commits)) {
    const text = notes.get(c);
    if (text !== undefined) out.push(...parseApprovalNote(text).approvals);
  }
  return out;
}

export function checkRollouts(
  input: TrailInput,
  records: TrailRecord[],
  policies: Policies,
): { findings: VerifyFinding[]; rollouts: number } {
  const findings: VerifyFinding[] = [];
  /** `d NUL t NUL c` → non-failed records, oldest first, for "was it in the source before". */
  const recordedIn = new Map<string, TrailRecord[]>();
  for (const r of records) {
    if (r.record.status === 'failed') continue;
    const k = `${r.record.deployment}\u0000${r.record.target}\u0000${r.record.component}`;
    const list = recordedIn.get(k);
    if (list) list.push(r);
    else recordedIn.set(k, [r]);
  }
  /** Approval key → the first rollout that carried it (its first tag). */
  const spent = new Map<string, TrailRecord>();
  const rollouts = groupRollouts(records);
  // Built once: which notes commits added each approval line, and what git said of them.
  const signatures = signaturesByLine(input.noteOrigins ?? []);
  for (const g of rollouts) {
    let gated = false;
    let note = '';
    let review: ReviewRule | undefined;
    // Whether the rules of the rollout name a target, for reading a legacy `commit` source.
    let hasTarget = (_name: string) => false;
    for (const r of g.records) {
      const rules = policies.rulesFor(r);
      const d = rules.deployment;
      if (d) hasTarget = (name) => !!findTarget(d, name);
      findings.push(...ruleFindings(r, rules, recordedIn, input.policyName));
      if (rules.deployment && !rules.finding) {
        const promotion = findTarget(rules.deployment, r.record.target)?.promotion;
        gated ||= !!promotion?.requiresApproval;
        review ??= reviewRuleOf(promotion);
        if (rules.current) note = currentRulesNote(input.policyName);
      }
    }
    findings.push(
      ...(review
        ? reviewFindings(input, g, review, note, spent, signatures, hasTarget)
        : approvalFindings(input, g, gated, note, spent, hasTarget)),
    );
  }
  return { findings, rollouts: rollouts.length };
}

function ruleFindings(
  r: TrailRecord,
  rules: RulesFor,
  recordedIn: Map<string, TrailRecord[]>,
  policyName: string,
): VerifyFinding[] {
  const out: VerifyFinding[] = [];
  if (rules.finding) return [{ ...rules.finding, ref: r.ref }];
  if (rules.offBranch) out.push({ ...rules.offBranch, ref: r.ref });
  const d = rules.deployment!;
  const note = rules.current ? currentRulesNote(policyName) : '';
  const from = r.record.promoted_from;
  const decision = checkPromotion(d, r.record.target, from);
  if (!decision.ok) {
    const unknown = decision.reason === 'unknown-target' || decision.reason === 'unknown-source';
    out.push({
      code: unknown ? 'unknown-name' : 'source-not-allowed',
      message: `${decision.message}${note}`,
      ...about(r),
    });
    return out;
  }
  if (from === undefined) return out;
  const earlier = recordedIn.get(`${r.record.deployment}\u0000${from}\u0000${r.record.component}`);
  if (!earlier?.some((s) => s.commit === r.commit && s.time <= r.time))
    out.push({
      code: 'source-not-recorded',
      message: `It promotes ${displayName(r.record.component)} ${short(r.commit)} from ${displayName(from)}, but ${displayName(from)} never recorded that SHA before ${r.record.timestamp}.`,
      ...about(r),
    });
  return out;
}

function approvalFindings(
  input: TrailInput,
  g: Rollout,
  gated: boolean,
  note: string,
  spent: Map<string, TrailRecord>,
  hasTarget: (name: string) => boolean,
): VerifyFinding[] {
  const first = g.records[0];
  const claimed = g.records.find((r) => recordApprovalKey(r.record) !== undefined);
  const each = (code: VerifyFinding['code'], message: string) =>
    g.records.map((r) => ({ code, message, ...about(r) }));
  if (!claimed) {
    if (!gated) return [];
    return each(
      'approval-missing',
      `${displayName(first.record.target)} requires approval, but this rollout carries none (no metadata.approver and approval_timestamp).${note}`,
    );
  }
  const key = recordApprovalKey(claimed.record)!;
  const by = claimed.record.metadata.approver;
  const at = claimed.record.metadata.approval_timestamp;
  const scope = {
    deployment: first.record.deployment,
    target: first.record.target,
    ...scopeSource(first.record.promoted_from, hasTarget),
    components: Object.fromEntries(g.records.map((r) => [r.record.component, r.commit])),
  };
  const lines = approvalsOn(
    input,
    first.record.deployment,
    g.records.map((r) => r.commit),
  ).filter((a) => approvalKey(a) === key);
  const out: VerifyFinding[] = [];
  const matched = lines.find((a) => approvalMatches(a, scope));
  if (!matched) {
    const why = lines.length ? approvalMismatch(lines[0], scope) : undefined;
    out.push(
      ...each(
        'approval-missing',
        why
          ? `It names the approval by ${displayName(by)} at ${displayName(at)}, but that approval does not cover this rollout: ${why}.`
          : `It names the approval by ${displayName(by)} at ${displayName(at)}, but no approval note records it for this plan (an approver typed in, not recorded).`,
      ),
    );
  }
  // Tags carry only who approved and when, so two approvals one person gave in the same second
  // share that key; the plan their note binds (source and SHAs) tells them apart.
  const spentKey = matched
    ? JSON.stringify([key, matched.promoted_from, Object.entries(matched.components).sort()])
    : key;
  const earlier = spent.get(spentKey);
  if (earlier)
    out.push(
      ...each(
        'approval-reused',
        `It carries the approval by ${displayName(by)} at ${displayName(at)}, which ${earlier.tag} already used; an approval authorizes one rollout.`,
      ),
    );
  else spent.set(spentKey, first);
  return out;
}

/**
 * A rollout into a review target (design section 11): every approval it carries must be a
 * recorded line of this plan, unspent, and `countReviewApprovals` (the rollout service's own
 * decision) must find enough of them valid, with `deployed_by` as the deployer. A carried
 * approval whose signature git does not verify as its approver's is `approval-unsigned`; too
 * few valid approvals is `approval-insufficient`, with each reason.
 */
function reviewFindings(
  input: TrailInput,
  g: Rollout,
  rule: ReviewRule,
  note: string,
  spent: Map<string, TrailRecord>,
  signatures: Map<string, LineSignature[]>,
  hasTarget: (name: string) => boolean,
): VerifyFinding[] {
  const first = g.records[0];
  const each = (code: VerifyFinding['code'], message: string) =>
    g.records.map((r) => ({ code, message, ...about(r) }));
  const keys = recordApprovalKeys(first.record);
  const scope = {
    deployment: first.record.deployment,
    target: first.record.target,
    ...scopeSource(first.record.promoted_from, hasTarget),
    components: Object.fromEntries(g.records.map((r) => [r.record.component, r.commit])),
  };
  const lines = approvalsOn(
    input,
    first.record.deployment,
    g.records.map((r) => r.commit),
  ).filter((a) => approvalMatches(a, scope));
  const out: VerifyFinding[] = [];
  const candidates: Approval[] = [];
  for (const key of keys) {
    const a = lines.find((l) => approvalKey(l) === key);
    if (!a) {
      out.push(
        ...each(
          'approval-missing',
          `It names an approval (${displayName(JSON.parse(key)[2] as string)}) that no approval note of this plan records.${note}`,
        ),
      );
      continue;
    }
    const spentKey = JSON.stringify([key, a.promoted_from, Object.entries(a.components).sort()]);
    const earlier = spent.get(spentKey);
    if (earlier)
      out.push(
        ...each(
          'approval-reused',
          `It carries the approval by ${displayName(a.approved_by)} at ${displayName(a.approved_at)}, which ${earlier.tag} already used; an approval authorizes one rollout.`,
        ),
      );
    else {
      spent.set(spentKey, first);
      candidates.push(a);
    }
  }
  const count = countReviewApprovals(
    candidates.map((approval) => ({
      approval,
      signatures: signatures.get(formatApprovalLine(approval)) ?? [],
    })),
    rule,
    first.record.deployed_by,
  );
  for (const r of count.rejected)
    if (/not signed|signature|signed with a key|signed by/.test(r.reason))
      out.push(...each('approval-unsigned', `${capital(r.reason)}.${note}`));
  if (!count.enough) {
    const reasons = count.rejected.map((r) => ` ${capital(r.reason)}.`).join('');
    out.push(
      ...each(
        'approval-insufficient',
        `${displayName(first.record.target)} needs ${count.needed} signed approval${count.needed === 1 ? '' : 's'} from ${rule.approvers.map(displayName).join(', ')} other than the deployer ${displayName(first.record.deployed_by)}, and this rollout has ${count.summary}.${reasons}${note}`,
      ),
    );
  }
  return out;
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * Rollbacks, in time order once every other finding is known: `rollback_of` must name a record
 * of the same deployment, target and component, of this very commit, recorded earlier, and
 * free of findings itself.
 */
export function checkRollbacks(
  records: TrailRecord[],
  findings: VerifyFinding[],
  tagRefs: Set<string>,
): VerifyFinding[] {
  const byTag = new Map(records.map((r) => [r.tag, r]));
  const flagged = new Map<string, VerifyFinding>();
  for (const f of findings) if (!flagged.has(f.ref)) flagged.set(f.ref, f);
  const out: VerifyFinding[] = [];
  for (const r of records) {
    const to = r.record.rollback_of;
    if (to === undefined) continue;
    const name = to.startsWith('refs/tags/') ? to.slice('refs/tags/'.length) : to;
    const target = byTag.get(name);
    let why: string | undefined;
    if (!target)
      why = tagRefs.has(`refs/tags/${name}`)
        ? `${displayName(name)}, which is not a readable deployment record`
        : `${displayName(name)}, which does not exist`;
    else if (
      target.record.deployment !== r.record.deployment ||
      target.record.target !== r.record.target ||
      target.record.component !== r.record.component
    )
      why = `${target.tag}, a record of another deployment, target or component`;
    else if (target.commit !== r.commit)
      why = `${target.tag}, which recorded ${short(target.commit)}, not ${short(r.commit)}`;
    else if (target.time > r.time) why = `${target.tag}, which was recorded after it`;
    else if (flagged.has(target.ref))
      why = `${target.tag}, which itself has a finding (${flagged.get(target.ref)!.code}); a target may only return to a SHA set that reached it by the rules`;
    if (!why) continue;
    const f: VerifyFinding = {
      code: 'rollback-invalid',
      message: `It is a rollback to ${why}.`,
      ...about(r),
    };
    out.push(f);
    if (!flagged.has(r.ref)) flagged.set(r.ref, f);
  }
  return out;
}
