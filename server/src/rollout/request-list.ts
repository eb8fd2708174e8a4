/**
 * The open approval requests of a deployment, as `approvals`, the editor's Promotions view and
 * its status bar show them: the plan each asks for, who may approve it, how many approvals
 * count so far and why others do not, and whether the person asking may approve it.
 */
import {
  approvalStamp,
  displayName,
  findTarget,
  notesRef,
  reviewRuleOf,
  scopeSource,
  DIRECT_SOURCE,
  type ApprovalScope,
  type Deployment,
  type RequestView,
} from '../core';
import type { GitStore } from '../git';
import { deploymentName } from './names';
import { findApproval, matchingApprovals, type Prefetched } from './plan';
import { loadPolicy } from './policy';
import { fetchRecords } from './remote';
import { readRequestViews } from './requests';
import { gitCall, readRecords, readSnapshot, type Snapshot } from './snapshot';
import type { PolicySource } from './types';

export interface RequestSummary {
  deployment: string;
  target: string;
  ref: string;
  state: RequestView['state'];
  /** The source target, or the placeholder of a commit rollout (`:commit`, earlier `commit`). */
  promotedFrom: string;
  /** True when the request is for a commit rolled onto an entry point, not a promotion. */
  direct: boolean;
  /** Component → SHA the request asks to deploy. */
  components: Record<string, string>;
  requestedBy: string;
  requestedAt: string;
  expiresAt: string;
  /** Who may approve; empty for a manual target (anyone may). */
  approvers: string[];
  needed: number;
  /** Who approved so far, counting only approvals that count. */
  approvedBy: string[];
  /** `1 of 2 approvals: alice@example.com`, or `approved` / `not approved yet` for manual. */
  summary: string;
  /** True when the person asking may approve it now (listed, not the requester, not yet). */
  yours: boolean;
  /** Why entries and approvals do not count, one sentence each. */
  problems: string[];
  /** The decline's reason, for a declined request. */
  declined?: { by: string; at: string; reason: string };
}

export interface ListRequestsOptions {
  policy: PolicySource;
  remote?: string;
  /** Include requests that are not open (declined, expired, damaged). */
  all?: boolean;
  now?: Date;
}

function same(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** The requests of one deployment, open ones only unless `all`; targets in file order. */
export async function listApprovalRequests(
  store: GitStore,
  deployment: Deployment,
  options: ListRequestsOptions,
): Promise<RequestSummary[]> {
  const name = deploymentName(deployment);
  const remote = options.remote || undefined;
  if (remote) await fetchRecords(store, name, remote);
  // Listing writes nothing, so a file being edited does not hide the requests.
  const policy = await loadPolicy(store, name, options.policy, remote, { requireClean: false });
  const now = options.now ?? new Date();
  const views = await readRequestViews(
    store,
    name,
    { deployment: policy.deployment, allowedSigners: policy.allowedSigners },
    now,
  );
  const shown = views.filter((v) => options.all || v.state === 'open');
  if (shown.length === 0) return [];
  const identity = await gitCall(() => store.identity());
  const me = identity.email || identity.name;
  const snap = await readSnapshot(store, name);
  const pre = await prefetch(store, name, policy.deployment, policy.allowedSigners, shown, snap);
  const out: RequestSummary[] = [];
  for (const v of shown) {
    const r = v.request;
    const rule = reviewRuleOf(findTarget(policy.deployment, v.target)?.promotion);
    const source = (from: string) => scopeSource(from, (t) => !!findTarget(policy.deployment, t));
    const base: RequestSummary = {
      deployment: name,
      target: v.target,
      ref: v.ref,
      state: v.state,
      promotedFrom: r?.promoted_from ?? '',
      direct: !!r && source(r.promoted_from).promotedFrom === DIRECT_SOURCE,
      components: r?.components ?? {},
      requestedBy: r?.requested_by ?? '',
      requestedAt: r?.requested_at ?? '',
      expiresAt: r?.expires_at ?? '',
      approvers: rule?.approvers ?? [],
      needed: rule?.minApprovals ?? 1,
      approvedBy: [],
      summary: '',
      yours: false,
      problems: [...v.ignored],
      ...(v.decline
        ? {
            declined: {
              by: v.decline.declined_by,
              at: v.decline.declined_at,
              reason: v.decline.reason,
            },
          }
        : {}),
    };
    if (!r) {
      out.push({ ...base, summary: 'damaged' });
      continue;
    }
    const scope: ApprovalScope = {
      deployment: name,
      target: v.target,
      ...source(r.promoted_from),
      components: r.components,
    };
    // The requester is the deployer: their own approval never counts for a review target.
    const found = await findApproval(
      store,
      scope,
      snap,
      rule ? { rule, deployer: r.requested_by, allowedSigners: policy.allowedSigners } : undefined,
      pre,
    );
    const approvedBy = found.review
      ? found.review.counted.map((a) => a.approved_by)
      : found.approval
        ? [found.approval.approved_by]
        : [];
    const summary = found.review
      ? found.review.summary
      : found.approval
        ? `approved by ${displayName(found.approval.approved_by)}`
        : 'not approved yet';
    const mayApprove = rule ? rule.approvers.some((a) => same(a, me)) : true;
    out.push({
      ...base,
      approvedBy,
      summary,
      yours:
        v.state === 'open' &&
        mayApprove &&
        !(rule && same(me, r.requested_by)) &&
        !approvedBy.some((a) => same(a, me)),
      problems: [...base.problems, ...(found.review?.rejected ?? []), ...found.warnings],
    });
  }
  return out;
}

function scopeOf(name: string, v: RequestView, d: Deployment): ApprovalScope | undefined {
  const r = v.request;
  return r
    ? {
        deployment: name,
        target: v.target,
        // A request for a commit rollout matches its approvals under either placeholder.
        ...scopeSource(r.promoted_from, (t) => !!findTarget(d, t)),
        components: r.components,
      }
    : undefined;
}

/**
 * Reads what every request's approvals need in a fixed number of git processes, whatever the
 * number of requests: the notes of all their commits (one read), the records tagged since the
 * earliest matching approval (one `cat-file --batch`), and, when a target uses review, the
 * notes' signature history (one `git log`).
 */
async function prefetch(
  store: GitStore,
  name: string,
  deployment: Deployment,
  allowedSigners: string | undefined,
  views: RequestView[],
  snap: Snapshot,
): Promise<Prefetched> {
  const scopes = views
    .map((v) => scopeOf(name, v, deployment))
    .filter((s): s is ApprovalScope => !!s);
  const commits = [...new Set(scopes.flatMap((s) => Object.values(s.components)))];
  const notes = commits.length
    ? await gitCall(() => store.readNotes(notesRef(name), commits))
    : new Map<string, string>();
  const matching = scopes.flatMap((s) => matchingApprovals(notes, s).matching);
  const stamps = matching.map((a) => approvalStamp(a.approved_at) ?? '');
  const earliest = stamps.length ? stamps.reduce((a, b) => (a < b ? a : b)) : undefined;
  const targets = new Set(scopes.map((s) => s.target));
  const later =
    earliest === undefined
      ? []
      : snap.tags.filter((t) => targets.has(t.parsed.target) && t.parsed.timestamp >= earliest);
  const records = [...(await readRecords(store, later)).values()].map((r) => r.record);
  const review = scopes.some((s) => reviewRuleOf(findTarget(deployment, s.target)?.promotion));
  const origins =
    review && matching.length
      ? await gitCall(() => store.readNoteOrigins([notesRef(name)], allowedSigners))
      : [];
  return { notes, records, origins };
}
