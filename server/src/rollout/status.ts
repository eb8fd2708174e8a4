/**
 * Promotion status with live state: the core's `promotionStatus` over the deployed state read
 * from git, with ages, as `promotion-status` prints it and the editor's views show it.
 */
import {
  formatAge,
  promotionStatus,
  withApprovalCount,
  type Deployment,
  type EdgeStatus,
} from '../core';
import { findApproval } from './plan';
import { reviewContext } from './review';
import type { GitStore } from '../git';
import { deploymentName } from './names';
import { readDeployedState } from './snapshot';
import type { DeployedState } from './types';

export interface StatusComponent {
  component: string;
  sha: string;
  deployedAt?: string;
  /** `2h ago`, computed once so every view agrees. */
  age: string;
  deployedBy?: string;
  tag?: string;
  /** No deployment record backs the ref (written with plain git). */
  unrecorded?: boolean;
}

export interface StatusEdge extends EdgeStatus {
  /** What the source runs now: the SHAs that would move along this edge. */
  source: StatusComponent[];
}

export interface StatusReport {
  deployment: string;
  edges: StatusEdge[];
  state: DeployedState;
}

/** Every edge of the deployment's graph with its state, and what each source runs now. */
export async function readPromotionStatus(
  store: GitStore,
  deployment: Deployment,
  now: Date = new Date(),
): Promise<StatusReport> {
  const name = deploymentName(deployment);
  const state = await readDeployedState(store, deployment);
  const counted = await Promise.all(
    promotionStatus(deployment, state).map((e) => reviewEdge(store, deployment, name, e)),
  );
  const edges = counted.map((e) => ({
    ...e,
    source: e.changes
      .filter((c) => c.sourceSha)
      .map((c) => {
        const d = state[e.from]?.[c.component];
        return {
          component: c.component,
          sha: c.sourceSha!,
          deployedAt: d?.deployedAt,
          age: formatAge(d?.deployedAt, now),
          deployedBy: d?.deployedBy,
          tag: d?.tag,
          ...(d?.unrecorded ? { unrecorded: true } : {}),
        };
      }),
  }));
  return { deployment: name, edges, state };
}

/**
 * A ready edge into a review target, with how many valid approvals the plan it would roll out
 * has, counted by the same code a rollout uses (`findApproval`). Manual targets cost nothing.
 */
async function reviewEdge(
  store: GitStore,
  deployment: Deployment,
  name: string,
  e: EdgeStatus,
): Promise<EdgeStatus> {
  if (e.state !== 'ready, requires approval') return e;
  const review = await reviewContext(store, deployment, e.to, undefined);
  if (!review) return e;
  const components = Object.fromEntries(
    e.changes.filter((c) => c.sourceSha).map((c) => [c.component, c.sourceSha!]),
  );
  const scope = { deployment: name, target: e.to, promotedFrom: e.from, components };
  const found = await findApproval(store, scope, undefined, review);
  return found.review ? withApprovalCount(e, found.review.summary) : e;
}

/** The spec's text: `payment-service promotion status:`, then each edge and its components. */
export function formatStatusText(report: StatusReport): string {
  const lines = [`${report.deployment} promotion status:`];
  if (report.edges.length === 0)
    lines.push('', 'No promotion edges: every target is an entry point.');
  for (const e of report.edges) {
    // The spec puts the state in parentheses; a blocked edge's reason is already parenthesised
    // in its label, so the line says `(blocked: why)` rather than nesting them.
    const state = e.state === 'blocked' && e.why ? `blocked: ${e.why}` : e.label;
    lines.push('', `${e.from} → ${e.to} (${state})`);
    for (const c of e.source)
      lines.push(
        `  ${c.component}: ${c.sha.slice(0, 9)} (${c.unrecorded ? 'no deployment record' : `deployed ${c.age}`})`,
      );
  }
  return lines.join('\n');
}
