/**
 * The promotion graph of one deployment: an edge runs from a source target to the target
 * that may promote from it (dev → staging). Unknown sources and self-references are left out
 * here; rules report them.
 */
import { sourcesOf, type Deployment, type SourceRef } from './model';

export interface GraphEdge {
  from: string;
  to: string;
  requiresApproval: boolean;
  /** Where the edge is written: the source reference inside the target's promotion. */
  ref: SourceRef;
}

export interface PromotionGraph {
  nodes: string[];
  edges: GraphEdge[];
  /** Targets without promotion rules: they accept any commit. */
  entryPoints: string[];
  sources: Map<string, string[]>;
  dependents: Map<string, string[]>;
  /** Targets in promotion order; targets on a cycle come last, in declaration order. */
  order: string[];
  /** Each cycle as a path that returns to its start, for example [dev, staging, dev]. */
  cycles: Array<{ path: string[]; edges: GraphEdge[] }>;
}

/**
 * Graphs already built, per deployment model. A model is never changed after its parse (an
 * edit makes a new one, see incremental.ts), and validation, hover, completion, the lenses and
 * the status all ask for the same deployment's graph: at 5,000 targets each build is about 10
 * ms, and one keystroke used to build it four times.
 */
const built = new WeakMap<Deployment, PromotionGraph>();

/** The promotion graph of a deployment; the same object for the same model, so do not change it. */
export function buildGraph(deployment: Deployment): PromotionGraph {
  let graph = built.get(deployment);
  if (!graph) {
    graph = computeGraph(deployment);
    built.set(deployment, graph);
  }
  return graph;
}

function computeGraph(deployment: Deployment): PromotionGraph {
  const nodes = deployment.targets.map((t) => t.name);
  const known = new Set(nodes);
  const edges: GraphEdge[] = [];
  // Filled in a loop rather than from arrays of [name, list] pairs, which were built and
  // dropped for every file `validate` checks.
  const sources = new Map<string, string[]>();
  const dependents = new Map<string, string[]>();
  for (const n of nodes) {
    sources.set(n, []);
    dependents.set(n, []);
  }
  const seen = new Set<string>();
  for (const t of deployment.targets) {
    for (const ref of sourcesOf(t)) {
      if (!known.has(ref.value) || ref.value === t.name) continue;
      const key = `${ref.value}\u0000${t.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      edges.push({
        from: ref.value,
        to: t.name,
        requiresApproval: !!t.promotion?.requiresApproval,
        ref,
      });
      sources.get(t.name)!.push(ref.value);
      dependents.get(ref.value)!.push(t.name);
    }
  }
  const entryPoints = deployment.targets.filter((t) => !t.promotion).map((t) => t.name);
  return {
    nodes: [...new Set(nodes)],
    edges,
    entryPoints,
    sources,
    dependents,
    order: topoOrder(nodes, sources, dependents),
    cycles: findCycles(nodes, edges),
  };
}

function topoOrder(
  nodes: string[],
  sources: Map<string, string[]>,
  dependents: Map<string, string[]>,
): string[] {
  const indegree = new Map<string, number>();
  for (const n of nodes) indegree.set(n, sources.get(n)?.length ?? 0);
  const queue = nodes.filter((n) => indegree.get(n) === 0);
  const order: string[] = [];
  const placed = new Set<string>();
  // An index into the queue, not shift(): shifting a queue of thousands is quadratic.
  for (let head = 0; head < queue.length; head++) {
    const n = queue[head];
    if (placed.has(n)) continue;
    placed.add(n);
    order.push(n);
    for (const d of dependents.get(n) ?? []) {
      indegree.set(d, (indegree.get(d) ?? 1) - 1);
      if (indegree.get(d) === 0) queue.push(d);
    }
  }
  for (const n of nodes) {
    if (placed.has(n)) continue;
    placed.add(n);
    order.push(n);
  }
  return order;
}

/**
 * Finds cycles with an iterative depth-first search: each back edge closes one cycle, reported
 * with its full path. Iterative so that a 5,000-target chain cannot overflow the stack, and
 * one cycle per back edge so that hostile graphs cannot make it exponential.
 */
function findCycles(nodes: string[], edges: GraphEdge[]): PromotionGraph['cycles'] {
  const out = new Map<string, GraphEdge[]>();
  for (const e of edges) {
    if (!out.has(e.from)) out.set(e.from, []);
    out.get(e.from)!.push(e);
  }
  const state = new Map<string, 1 | 2>();
  const cycles: PromotionGraph['cycles'] = [];
  // Every back edge closes a cycle as long as the DFS path, so a hostile graph (thousands of
  // targets each allowing several others) would report millions of edges; stop recording once
  // this many cycle edges are reported. Real deployments have a handful of targets.
  let cycleEdgeBudget = MAX_CYCLE_EDGES;
  for (const start of nodes) {
    if (state.has(start)) continue;
    const stack: Array<{ node: string; next: number; via?: GraphEdge }> = [
      { node: start, next: 0 },
    ];
    state.set(start, 1);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const list = out.get(top.node) ?? [];
      if (top.next >= list.length) {
        state.set(top.node, 2);
        stack.pop();
        continue;
      }
      const edge = list[top.next++];
      const s = state.get(edge.to);
      if (s === undefined) {
        state.set(edge.to, 1);
        stack.push({ node: edge.to, next: 0, via: edge });
      } else if (s === 1 && cycleEdgeBudget > 0) {
        const at = stack.findIndex((f) => f.node === edge.to);
        const frames = stack.slice(at);
        const cycleEdges = [...frames.slice(1).map((f) => f.via!), edge];
        cycles.push({ path: [...frames.map((f) => f.node), edge.to], edges: cycleEdges });
        cycleEdgeBudget -= cycleEdges.length;
      }
    }
  }
  // Back edges alone miss cycles that share one (a→b→d→a and a→c→d→a share d→a), which would
  // leave edges on a cycle without a diagnostic. Each edge not yet on a reported cycle gets a
  // shortest cycle through it, if one exists; the count is bounded so hostile graphs stay fast.
  // A depth-first search that meets no back edge proves the graph acyclic, so no edge can lie on
  // a cycle and the searches below would each walk the graph for nothing.
  if (cycles.length === 0) return cycles;
  const covered = new Set(cycles.flatMap((c) => c.edges));
  let budget = MAX_EXTRA_CYCLE_SEARCHES;
  for (const e of edges) {
    if (covered.has(e) || cycleEdgeBudget <= 0 || budget-- <= 0) continue;
    const back = shortestPath(out, e.to, e.from);
    if (!back) continue;
    const cycleEdges = [e, ...back];
    cycleEdgeBudget -= cycleEdges.length;
    cycleEdges.forEach((x) => covered.add(x));
    cycles.push({ path: [e.from, ...cycleEdges.map((x) => x.to)], edges: cycleEdges });
  }
  return cycles;
}

const MAX_EXTRA_CYCLE_SEARCHES = 200;
const MAX_CYCLE_EDGES = 10_000;

/** Breadth-first search for the shortest edge path from one target to another. */
function shortestPath(
  out: Map<string, GraphEdge[]>,
  from: string,
  to: string,
): GraphEdge[] | undefined {
  const via = new Map<string, GraphEdge | null>([[from, null]]);
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    const n = queue[i];
    if (n === to) {
      const path: GraphEdge[] = [];
      for (let e = via.get(n); e; e = via.get(e.from)) path.unshift(e);
      return path;
    }
    for (const e of out.get(n) ?? []) {
      if (via.has(e.to)) continue;
      via.set(e.to, e);
      queue.push(e.to);
    }
  }
  return undefined;
}
