/**
 * Renderings of the promotion graph: text as the spec draws it (`graph-text.ts`), JSON, Graphviz
 * dot and Mermaid. Pure, so the CLI and the language server share them.
 */
import { buildGraph, type PromotionGraph } from './graph';
import { drawGraphText } from './graph-text';
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

export function graphToText(
  deployment: Deployment,
  graph: PromotionGraph = buildGraph(deployment),
): string {
  return drawGraphText(deployment, graph);
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
