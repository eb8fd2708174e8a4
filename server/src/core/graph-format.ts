/**
 * Renderings of the promotion graph: text as the spec draws it (`dev → staging → prod`, with
 * `↓` for branches), JSON, Graphviz dot and Mermaid. Pure, so the CLI and the language server
 * share them.
 */
import { buildGraph, type PromotionGraph } from './graph';
import type { Deployment } from './model';

export interface GraphJson {
  deployment: string;
  targets: Array<{
    name: string;
    entryPoint: boolean;
    requiresApproval: boolean;
    sources: string[];
  }>;
  edges: Array<{ from: string; to: string; requiresApproval: boolean }>;
  order: string[];
  cycles: string[][];
}

export function graphToJson(
  deployment: Deployment,
  graph: PromotionGraph = buildGraph(deployment),
): GraphJson {
  const approval = new Set(
    deployment.targets.filter((t) => t.promotion?.requiresApproval).map((t) => t.name),
  );
  return {
    deployment: deployment.name?.value ?? '',
    targets: graph.order.map((name) => ({
      name,
      entryPoint: graph.entryPoints.includes(name),
      requiresApproval: approval.has(name),
      sources: graph.sources.get(name) ?? [],
    })),
    edges: graph.edges.map((e) => ({
      from: e.from,
      to: e.to,
      requiresApproval: e.requiresApproval,
    })),
    order: graph.order,
    cycles: graph.cycles.map((c) => c.path),
  };
}

/** Longest path through the acyclic part, as the main line of the drawing. */
function longestChain(graph: PromotionGraph, among: Set<string>, start?: string): string[] {
  const best = new Map<string, string[]>();
  const order = [...graph.order].reverse();
  for (const n of order) {
    if (!among.has(n)) continue;
    let tail: string[] = [];
    for (const d of graph.dependents.get(n) ?? []) {
      const t = best.get(d);
      if (t && t.length > tail.length && !t.includes(n)) tail = t;
    }
    best.set(n, [n, ...tail]);
  }
  if (start) return best.get(start) ?? [start];
  let chain: string[] = [];
  for (const n of graph.order) {
    const c = best.get(n);
    if (c && c.length > chain.length && (graph.sources.get(n) ?? []).length === 0) chain = c;
  }
  return chain;
}

/**
 * Where the main chain `a → m → b` also has the direct edge `a → b` (the spec's "dev or qa,
 * then staging"): the index of `a`, or -1. Only the first such bypass is drawn as a box.
 */
function findBypass(chain: string[], graph: PromotionGraph): number {
  for (let i = 0; i + 2 < chain.length; i++) {
    if ((graph.dependents.get(chain[i]) ?? []).includes(chain[i + 2])) return i;
  }
  return -1;
}

/**
 * Draws the chain with the bypass as the spec does:
 *
 *          ┌─→ qa ─┐
 *     dev ─┤       ├─→ staging → prod
 *          └───────┘
 */
function drawBypass(
  chain: string[],
  at: number,
  push: (line: string) => void,
  column: Map<string, number>,
): void {
  const len = (t: string) => [...t].length;
  const head = chain.slice(0, at + 1).join(' → ');
  const middle = chain[at + 1];
  const tail = chain.slice(at + 2).join(' → ');
  const indent = ' '.repeat(len(head) + 2);
  const inner = `─→ ${middle} ─`;
  push(`${indent}┌${inner}┐`);
  push(`${head} ─┤${' '.repeat(len(inner))}├─→ ${tail}`);
  push(`${indent}└${'─'.repeat(len(inner))}┘`);
  let col = 0;
  chain.slice(0, at + 1).forEach((n) => {
    column.set(n, col);
    col += len(n) + 3;
  });
  column.set(middle, len(head) + 2 + 4);
  col = len(head) + 2 + 1 + len(inner) + 4;
  chain.slice(at + 2).forEach((n) => {
    column.set(n, col);
    col += len(n) + 3;
  });
}

export function graphToText(
  deployment: Deployment,
  graph: PromotionGraph = buildGraph(deployment),
): string {
  const lines: string[] = [];
  const column = new Map<string, number>();
  const drawn = new Set<string>();
  const unplaced = new Set(graph.order);
  const edgeKey = (a: string, b: string) => `${a}\u0000${b}`;
  const place = (chain: string[], col: number) => {
    let text = ' '.repeat(col);
    chain.forEach((n, i) => {
      if (i > 0) {
        text += ' → ';
        drawn.add(edgeKey(chain[i - 1], n));
      }
      column.set(n, [...text].length);
      text += n;
      unplaced.delete(n);
    });
    lines.push(text);
  };
  const inCycle = new Set(graph.cycles.flatMap((c) => c.path));
  const main = longestChain(graph, new Set([...unplaced].filter((n) => !inCycle.has(n))));
  const bypass = main.length ? findBypass(main, graph) : -1;
  if (bypass >= 0) {
    drawBypass(main, bypass, (line) => lines.push(line), column);
    main.forEach((n, i) => {
      if (i > 0) drawn.add(edgeKey(main[i - 1], n));
      unplaced.delete(n);
    });
    drawn.add(edgeKey(main[bypass], main[bypass + 2]));
  } else if (main.length) place(main, 0);
  for (const n of graph.order) {
    if (!unplaced.has(n) || inCycle.has(n)) continue;
    const placedSource = (graph.sources.get(n) ?? []).find((s) => column.has(s));
    const chain = longestChain(graph, new Set([...unplaced].filter((x) => !inCycle.has(x))), n);
    if (placedSource !== undefined) {
      const col = column.get(placedSource)!;
      lines.push(`${' '.repeat(col)}↓`);
      drawn.add(edgeKey(placedSource, n));
      place(chain, col);
    } else place(chain, 0);
  }
  for (const n of graph.order) if (unplaced.has(n) && !inCycle.has(n)) place([n], 0);
  const extra = graph.edges.filter((e) => !drawn.has(edgeKey(e.from, e.to)) && !inCycle.has(e.to));
  for (const e of extra) lines.push(`also: ${e.from} → ${e.to}`);
  for (const c of graph.cycles) lines.push(`cycle: ${c.path.join(' → ')}`);
  const approval = deployment.targets
    .filter((t) => t.promotion?.requiresApproval)
    .map((t) => t.name);
  if (approval.length) lines.push('', `requires approval: ${approval.join(', ')}`);
  if (lines.length === 0) lines.push('(no targets)');
  return lines.join('\n');
}

function dotId(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function graphToDot(
  deployment: Deployment,
  graph: PromotionGraph = buildGraph(deployment),
): string {
  const approval = new Set(
    deployment.targets.filter((t) => t.promotion?.requiresApproval).map((t) => t.name),
  );
  const out = [`digraph ${dotId(deployment.name?.value ?? 'deployment')} {`, '  rankdir=LR;'];
  for (const n of graph.order) {
    const attrs = graph.entryPoints.includes(n)
      ? ' [shape=box, style=bold]'
      : approval.has(n)
        ? ' [shape=box, style=dashed]'
        : ' [shape=box]';
    out.push(`  ${dotId(n)}${attrs};`);
  }
  for (const e of graph.edges)
    out.push(
      `  ${dotId(e.from)} -> ${dotId(e.to)}${e.requiresApproval ? ' [label="approval"]' : ''};`,
    );
  out.push('}');
  return out.join('\n');
}

export function graphToMermaid(
  deployment: Deployment,
  graph: PromotionGraph = buildGraph(deployment),
): string {
  const ids = new Map(graph.order.map((n, i) => [n, `t${i}`]));
  const label = (s: string) => `"${s.replace(/"/g, '#quot;')}"`;
  const out = ['flowchart LR'];
  for (const n of graph.order) out.push(`  ${ids.get(n)}[${label(n)}]`);
  for (const e of graph.edges)
    out.push(`  ${ids.get(e.from)} -->${e.requiresApproval ? '|approval|' : ''} ${ids.get(e.to)}`);
  return out.join('\n');
}
