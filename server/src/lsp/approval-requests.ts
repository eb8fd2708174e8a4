/**
 * The editor's side of approval requests (design section 11): listing the open requests of the
 * workspace's deployments for the Promotions view and the status bar, and declining one. Like
 * the other git backends it only finds the deployment, calls the rollout service and maps the
 * result; which approvals count and who may approve is the service's (and the core's) answer.
 */
import type { Deployment } from '../core';
import type * as P from '../protocol/requests';
import {
  declineRequest,
  deploymentsWithRequests,
  fetchAllRequests,
  fetchRecords,
  listApprovalRequests,
  loadPolicy,
  type GitStore,
  type PolicySource,
} from '../rollout';

export interface RequestDeps {
  /** The store for writes (a decline never stops midway). */
  store: GitStore;
  /** The store for a read, cancelled with the request. */
  reads: (signal?: AbortSignal) => GitStore;
  forWrite: (name: string) => { deployment: Deployment; policy: PolicySource };
  deploymentNames: () => string[];
  remote: () => string | undefined;
}

/** The open requests of the workspace's deployments; a deployment that cannot be read is a problem line. */
export async function listRequests(
  deps: RequestDeps,
  p: P.ApprovalRequestsParams,
  signal?: AbortSignal,
): Promise<P.ApprovalRequestsResult> {
  const store = deps.reads(signal);
  const remote = deps.remote();
  const problems: string[] = [];
  if (p.fetch && remote)
    try {
      await fetchAllRequests(store, remote);
    } catch (err) {
      problems.push(`Could not fetch approval requests from ${remote}: ${(err as Error).message}`);
    }
  const wanted = new Set(p.deployments?.length ? p.deployments : deps.deploymentNames());
  const names = (await deploymentsWithRequests(store)).filter((d) => wanted.has(d));
  const requests: P.ApprovalRequestInfo[] = [];
  for (const name of names) {
    try {
      const { deployment, policy } = deps.forWrite(name);
      // The approvals of the requests travel in the notes: bring them along with the requests.
      if (p.fetch && remote) await fetchRecords(store, name, remote);
      const list = await listApprovalRequests(store, deployment, { policy });
      requests.push(
        ...list.map((r) => ({
          deployment: r.deployment,
          target: r.target,
          promotedFrom: r.promotedFrom,
          components: r.components,
          requestedBy: r.requestedBy,
          requestedAt: r.requestedAt,
          expiresAt: r.expiresAt,
          approvers: r.approvers,
          needed: r.needed,
          approvedBy: r.approvedBy,
          summary: r.summary,
          direct: r.direct,
          yours: r.yours,
          problems: r.problems,
        })),
      );
    } catch (err) {
      if (signal?.aborted) throw err;
      problems.push(`${name}: ${(err as Error).message}`);
    }
  }
  return { requests, problems };
}

/** Declines the open request of a target, as `atmos-deployments decline` does. */
export async function decline(deps: RequestDeps, p: P.DeclineParams): Promise<P.DeclineResult> {
  const { policy } = deps.forWrite(p.deployment);
  const remote = deps.remote();
  if (remote) await fetchRecords(deps.store, p.deployment, remote);
  const rules = await loadPolicy(deps.store, p.deployment, policy, remote);
  const r = await declineRequest(
    deps.store,
    p.deployment,
    p.target,
    { deployment: rules.deployment, allowedSigners: rules.allowedSigners },
    { reason: p.reason, remote },
  );
  return {
    message: `Declined the approval request of ${r.view.request?.requested_by} for ${p.deployment} → ${p.target}: ${r.decline.reason}`,
  };
}
