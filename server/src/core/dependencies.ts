/**
 * Component dependencies: `metadata.depends_on` entries (`<type>/<name>`) resolved against the
 * deployment's components, the cycles they form, and the order a rollout deploys in. Pure, so
 * the rules, the editor and the rollout all read the same graph.
 */
import {
  dependencyId,
  findDependency,
  type Component,
  type DependencyRef,
  type Deployment,
} from './model';

/** One resolved `depends_on` entry: `from` needs `to` deployed first. */
export interface DependencyEdge {
  from: Component;
  to: Component;
  ref: DependencyRef;
}

export interface DependencyCycle {
  /** The cycle as `<type>/<name>` ids, returning to its start (`terraform/a → terraform/b → terraform/a`). */
  path: string[];
  /** The entry that this problem is reported on, and the other entries of the cycle. */
  edge: DependencyEdge;
  others: DependencyEdge[];
}

export interface DependencyGraph {
  edges: DependencyEdge[];
  /** Entries that name no component of the deployment, with the component that wrote them. */
  unknown: Array<{ component: Component; ref: DependencyRef }>;
  /** One per edge that lies on a cycle, each naming a shortest cycle through it. */
  cycles: DependencyCycle[];
}

/**
 * A hostile file can put thousands of edges on cycles; each is reported with a breadth-first
 * search, so past this many the rest are left out (the first ones already refuse the file).
 */
const MAX_CYCLE_EDGES = 500;
/** The total length of the cycles reported, past which no more are searched. */
const MAX_CYCLE_LENGTHS = 20_000;

/** The graph of each model, computed once: both rules and the refusal read it. */
const memo = new WeakMap<Deployment, DependencyGraph>();

export function dependencyGraph(deployment: Deployment): DependencyGraph {
  const known = memo.get(deployment);
  if (known) return known;
  const graph = buildDependencyGraph(deployment);
  memo.set(deployment, graph);
  return graph;
}

function buildDependencyGraph(deployment: Deployment): DependencyGraph {
  const edges: DependencyEdge[] = [];
  const unknown: DependencyGraph['unknown'] = [];
  for (const c of deployment.components)
    for (const ref of c.dependsOn) {
      const to = findDependency(deployment, ref);
      if (to) edges.push({ from: c, to, ref });
      else unknown.push({ component: c, ref });
    }
  return { edges, unknown, cycles: findCycles(edges) };
}

/** For every edge, the shortest path back from its end to its start closes a cycle. */
function findCycles(edges: DependencyEdge[]): DependencyCycle[] {
  const out: Array<{ path: string[]; edge: DependencyEdge; chain: DependencyEdge[] }> = [];
  const next = new Map<Component, DependencyEdge[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e]);
  // Only an edge inside one strongly connected component can lie on a cycle, so the searches
  // run for those alone: a large acyclic file costs one linear pass, not a search per edge.
  const scc = components(edges);
  // Each reported cycle costs its length, so a cycle through thousands of components is
  // reported on its first few entries rather than on every one of them.
  let budget = MAX_CYCLE_LENGTHS;
  for (const e of edges) {
    if (out.length >= MAX_CYCLE_EDGES || budget <= 0) break;
    if (e.from !== e.to && scc.get(e.from) !== scc.get(e.to)) continue;
    const back = shortestPath(next, e.to, e.from);
    if (!back) continue;
    const chain = [e, ...back];
    budget -= chain.length;
    out.push({ path: [e.from, ...chain.map((x) => x.to)].map(dependencyId), edge: e, chain });
  }
  return out.map(({ path, edge, chain }) => ({
    path,
    edge,
    others: chain.filter((x) => x !== edge),
  }));
}

/** The strongly connected component of each node (Kosaraju, iterative so depth is no limit). */
function components(edges: DependencyEdge[]): Map<Component, number> {
  const next = new Map<Component, Component[]>();
  const prev = new Map<Component, Component[]>();
  for (const e of edges) {
    next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
    prev.set(e.to, [...(prev.get(e.to) ?? []), e.from]);
  }
  const nodes = [...new Set(edges.flatMap((e) => [e.from, e.to]))];
  const order: Component[] = [];
  const seen = new Set<Component>();
  for (const start of nodes) {
    if (seen.has(start)) continue;
    seen.add(start);
    const stack: Array<[Component, number]> = [[start, 0]];
    while (stack.length) {
      const top = stack[stack.length - 1];
      const out = next.get(top[0]) ?? [];
      if (top[1] < out.length) {
        const n = out[top[1]++];
        if (!seen.has(n)) {
          seen.add(n);
          stack.push([n, 0]);
        }
      } else {
        order.push(top[0]);
        stack.pop();
      }
    }
  }
  const id = new Map<Component, number>();
  for (let i = order.length - 1; i >= 0; i--) {
    if (id.has(order[i])) continue;
    const stack = [order[i]];
    id.set(order[i], i);
    while (stack.length)
      for (const p of prev.get(stack.pop()!) ?? [])
        if (!id.has(p)) {
          id.set(p, i);
          stack.push(p);
        }
  }
  return id;
}

function shortestPath(
  next: Map<Component, DependencyEdge[]>,
  from: Component,
  to: Component,
): DependencyEdge[] | undefined {
  if (from === to) return [];
  const via = new Map<Component, DependencyEdge>();
  const queue = [from];
  const seen = new Set([from]);
  // An index into the queue, not shift(), which would copy it on every step.
  for (let head = 0; head < queue.length; head++) {
    const n = queue[head];
    for (const e of next.get(n) ?? []) {
      if (seen.has(e.to)) continue;
      seen.add(e.to);
      via.set(e.to, e);
      if (e.to === to) {
        const path: DependencyEdge[] = [];
        for (let at = to; at !== from; at = via.get(at)!.from) path.unshift(via.get(at)!);
        return path;
      }
      queue.push(e.to);
    }
  }
  return undefined;
}

/** Why a deployment's dependencies cannot give a deploy order, one sentence; none when they can. */
export function dependencyRefusal(deployment: Deployment): string | undefined {
  const g = dependencyGraph(deployment);
  const first = g.unknown[0];
  if (first)
    return `Component ${dependencyId(first.component)} depends on ${first.ref.value}, which is not a component of this deployment${g.unknown.length > 1 ? ` (and ${g.unknown.length - 1} more unknown dependencies)` : ''}. Fix metadata.depends_on (atmos-deployments validate shows where); nothing was deployed or written.`;
  const cycle = g.cycles[0];
  if (cycle)
    return `Components depend on each other in a cycle: ${cycle.path.join(' → ')}. Remove one of these dependencies; nothing was deployed or written.`;
  return undefined;
}

/**
 * What each of the named components needs deployed first: everything it depends on, directly
 * or through components outside `names` (those are not deployed by this rollout, but the order
 * between the ones that are still holds), kept where `names` has it. Dependencies count by
 * name, since a rollout deploys components by name.
 */
export function deployNeeds(deployment: Deployment, names: string[]): Map<string, Set<string>> {
  const direct = new Map<string, Set<string>>();
  for (const c of deployment.components) {
    const set = direct.get(c.name) ?? new Set<string>();
    for (const ref of c.dependsOn) {
      const to = findDependency(deployment, ref);
      if (to && to.name !== c.name) set.add(to.name);
    }
    direct.set(c.name, set);
  }
  const planned = new Set(names);
  const needs = new Map<string, Set<string>>();
  for (const n of names) {
    const reach = new Set<string>();
    const stack = [...(direct.get(n) ?? [])];
    while (stack.length) {
      const d = stack.pop()!;
      if (reach.has(d)) continue;
      reach.add(d);
      stack.push(...(direct.get(d) ?? []));
    }
    needs.set(n, new Set([...reach].filter((d) => planned.has(d) && d !== n)));
  }
  return needs;
}

/**
 * The deploy waves of the named components (Kahn's order): every component comes in a wave
 * after everything it needs (`deployNeeds`). Within a wave, components keep the order of
 * `names`. Assumes `dependencyRefusal` found nothing: members of a cycle end up together in
 * the last wave rather than nowhere.
 */
export function deployWaves(deployment: Deployment, names: string[]): string[][] {
  const needs = deployNeeds(deployment, names);
  const waves: string[][] = [];
  const done = new Set<string>();
  let left = names.filter((n, i) => names.indexOf(n) === i);
  while (left.length) {
    const ready = left.filter((n) => [...needs.get(n)!].every((d) => done.has(d)));
    const take = ready.length ? ready : left;
    waves.push(take);
    take.forEach((n) => done.add(n));
    left = left.filter((n) => !done.has(n));
  }
  return waves;
}

/**
 * The vars a component is deployed with on a target: its own `vars`, with the target's
 * `context` merged in and then the target's `vars` (which the schema says override the
 * components' own). Mappings merge key by key, as Atmos merges stack config; anything else,
 * lists included, is replaced.
 */
export function deployVars(
  component: Pick<Component, 'vars'>,
  target: { context: Record<string, unknown>; vars: Record<string, unknown> },
): Record<string, unknown> {
  return deepMerge(deepMerge(component.vars, target.context), target.vars);
}

function isPlainMap(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function deepMerge(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // Keys are set as own properties, so a YAML key named `__proto__` stays data.
  const put = (k: string, v: unknown) =>
    Object.defineProperty(out, k, {
      value: v,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  for (const [k, v] of Object.entries(base)) put(k, v);
  for (const [k, v] of Object.entries(over)) {
    const had = Object.prototype.hasOwnProperty.call(out, k) ? out[k] : undefined;
    put(k, isPlainMap(had) && isPlainMap(v) ? deepMerge(had, v) : v);
  }
  return out;
}

/** One component as the promotion graph draws its dependencies. */
export interface ComponentDependencyView {
  component: string;
  type: string;
  /** The components its `depends_on` entries name (unknown entries are left out). */
  dependsOn: string[];
  /** Its deploy wave when every component is rolled out (0 first), the graph's column. */
  wave: number;
}

/**
 * The components of a deployment with what each depends on and its wave, in declaration order:
 * the data behind the graph's "Show component dependencies", shaped once here so the editor
 * draws what a rollout would do.
 */
export function componentDependencyView(deployment: Deployment): ComponentDependencyView[] {
  const seen = new Set<string>();
  const components = deployment.components.filter((c) => !seen.has(c.name) && seen.add(c.name));
  const waves = deployWaves(
    deployment,
    components.map((c) => c.name),
  );
  const waveOf = new Map<string, number>();
  waves.forEach((w, i) => w.forEach((n) => waveOf.set(n, i)));
  const edges = dependencyGraph(deployment).edges;
  return components.map((c) => ({
    component: c.name,
    type: c.type,
    dependsOn: [...new Set(edges.filter((e) => e.from === c).map((e) => e.to.name))],
    wave: waveOf.get(c.name) ?? 0,
  }));
}
