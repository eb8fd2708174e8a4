/**
 * Promotion status: for each edge of the graph, can the source's deployed SHAs move to the
 * target now? This one function feeds the CLI's promotion-status, the hover, the code lens,
 * the sidebar tree and the graph.
 */
import { buildGraph } from './graph';
import { componentNames, type Deployment } from './model';

export interface DeployedComponent {
  sha: string;
  /** ISO 8601 time of the rollout that put this SHA there, when known. */
  deployedAt?: string;
  deployedBy?: string;
  tag?: string;
  promotedFrom?: string;
  /**
   * True when no deployment record (tag) backs this ref: it was written with plain git. A
   * promotion from it is refused (design section 11), so an edge from it is blocked.
   */
  unrecorded?: boolean;
}

/** target → component → what is deployed there now. */
export type DeployedState = Record<string, Record<string, DeployedComponent>>;

export type EdgeState = 'ready' | 'ready, requires approval' | 'up to date' | 'blocked';

export interface ComponentChange {
  component: string;
  /** SHA in the source target (what would be promoted). */
  sourceSha?: string;
  /** SHA in the target now. */
  targetSha?: string;
}

export interface EdgeStatus {
  from: string;
  to: string;
  state: EdgeState;
  /** Why the edge is blocked, in words a user can act on. */
  why?: string;
  requiresApproval: boolean;
  /** For a review target: `1 of 2 approvals: alice@example.com` (see withApprovalCount). */
  approvals?: string;
  changes: ComponentChange[];
  /** The text the CLI prints and the lens shows: `ready`, `blocked (nothing deployed in staging)`. */
  label: string;
}

export function edgeStatus(
  deployment: Deployment,
  state: DeployedState,
  from: string,
  to: string,
  requiresApproval: boolean,
  declared: string[] = componentNames(deployment),
): EdgeStatus {
  const source = state[from] ?? {};
  const target = state[to] ?? {};
  const names = [...new Set([...declared, ...Object.keys(source), ...Object.keys(target)])];
  const changes = names.map((component) => ({
    component,
    sourceSha: source[component]?.sha,
    targetSha: target[component]?.sha,
  }));
  const deployedInSource = changes.filter((c) => c.sourceSha);
  const unrecorded = deployedInSource.find((c) => source[c.component]?.unrecorded);
  let s: EdgeState;
  let why: string | undefined;
  if (deployedInSource.length === 0) {
    s = 'blocked';
    why = `nothing deployed in ${from}`;
  } else if (unrecorded) {
    s = 'blocked';
    why = `${from}/${unrecorded.component} points at ${unrecorded.sourceSha!.slice(0, 9)} but no deployment record backs it`;
  } else if (deployedInSource.every((c) => c.sourceSha === c.targetSha)) {
    s = 'up to date';
  } else {
    s = requiresApproval ? 'ready, requires approval' : 'ready';
  }
  return { from, to, state: s, why, requiresApproval, changes, label: why ? `${s} (${why})` : s };
}

/**
 * The edge with how many review approvals it has (`ready, requires approval (1 of 2
 * approvals: alice@example.com)`), from the count the rollout service made with
 * `countReviewApprovals`. Only a ready edge that needs approval says it.
 */
export function withApprovalCount(edge: EdgeStatus, summary: string): EdgeStatus {
  if (edge.state !== 'ready, requires approval') return edge;
  return { ...edge, approvals: summary, label: `${edge.state} (${summary})` };
}

/**
 * Every edge of the deployment's graph, in promotion order; with `into`, only the edges into
 * that target (a hover on one target of thousands asks for its own edges, not all of them).
 */
export function promotionStatus(
  deployment: Deployment,
  state: DeployedState,
  into?: string,
): EdgeStatus[] {
  const graph = buildGraph(deployment);
  const rank = new Map(graph.order.map((n, i) => [n, i]));
  const wanted = into === undefined ? graph.edges : graph.edges.filter((e) => e.to === into);
  const declared = componentNames(deployment);
  const edges = [...wanted].sort(
    (a, b) => rank.get(a.from)! - rank.get(b.from)! || rank.get(a.to)! - rank.get(b.to)!,
  );
  // An edge on a promotion cycle cannot be promoted along (the file has a promotion-cycle
  // error, and rollouts refuse files with errors), so it is blocked by the cycle, named in full,
  // whatever is deployed.
  const cycleOf = new Map<string, string[]>();
  for (const c of graph.cycles)
    for (const e of c.edges)
      if (!cycleOf.has(`${e.from}\u0000${e.to}`)) cycleOf.set(`${e.from}\u0000${e.to}`, c.path);
  return edges.map((e) => {
    const status = edgeStatus(deployment, state, e.from, e.to, e.requiresApproval, declared);
    const cycle = cycleOf.get(`${e.from}\u0000${e.to}`);
    if (!cycle) return status;
    const why = `promotion cycle ${cycle.join(' → ')}`;
    return { ...status, state: 'blocked', why, label: `blocked (${why})` };
  });
}

/** `2h ago`, `3d ago`, `just now`: the spec's ages. */
export function formatAge(iso: string | undefined, now: Date = new Date()): string {
  if (!iso) return 'unknown age';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return 'unknown age';
  const s = Math.max(0, Math.round((now.getTime() - t) / 1000));
  if (s < 60) return 'just now';
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ago`;
  return `${Math.floor(h / 24)}d ago`;
}
