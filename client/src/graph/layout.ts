/**
 * Layered layout of a deployment's promotion graph with elkjs, run in the extension host (its
 * bundled build needs no worker there), so the page only draws and tests can read positions.
 */
import type ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';
import type { DeploymentInfo } from '../../../server/src/protocol/requests';
import { layoutDependencies } from './dependency-layout';
import type { GraphEdgeView, GraphNodeView, GraphView, Point } from './messages';

let elk: InstanceType<typeof ELK> | undefined;

/** The layout engine, loaded from `dist/elk.js` on first use (see elk.ts for why). */
function engine(): InstanceType<typeof ELK> {
  if (!elk) {
    // A plain require of the sibling bundle: esbuild leaves it out of dist/client.js.
    const { default: Elk } = require('./elk.js') as { default: typeof ELK };
    elk = new Elk();
  }
  return elk;
}

export const NODE_WIDTH = 220;
const HEADER = 46;
const ROW = 17;
const MAX_ROWS = 5;
/** Rough width of one character of the 12px label font, to reserve room for edge labels. */
const CHAR = 6.6;

/**
 * The layout direction for a page `width` pixels wide: left to right when the chain of targets
 * fits, top to bottom otherwise, so a graph beside the YAML stays readable instead of shrinking.
 */
export function directionFor(d: DeploymentInfo, width: number | undefined): 'RIGHT' | 'DOWN' {
  if (width === undefined) return 'RIGHT';
  const layers = Math.max(1, d.targets.length);
  return layers * NODE_WIDTH + (layers - 1) * 150 + 60 <= width ? 'RIGHT' : 'DOWN';
}

export async function layoutGraph(
  d: DeploymentInfo,
  file: string,
  gitProblem?: string,
  direction: 'RIGHT' | 'DOWN' = 'RIGHT',
): Promise<GraphView> {
  const nodes = d.targets.map((t) => {
    const rows = Math.min(t.components.length, MAX_ROWS);
    const more = t.components.length - rows;
    return {
      id: t.name,
      width: NODE_WIDTH,
      height: HEADER + ROW * (rows + (more > 0 ? 1 : 0)) + 8,
    };
  });
  const known = new Set(d.targets.map((t) => t.name));
  const edges: ElkExtendedEdge[] = d.edges
    .filter((e) => known.has(e.from) && known.has(e.to))
    .map((e, i) => ({
      id: `e${i}`,
      sources: [e.from],
      targets: [e.to],
      labels: [{ text: e.label, width: Math.ceil(e.label.length * CHAR) + 12, height: 18 }],
    }));
  const graph: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': direction,
      'elk.padding': '[top=24,left=24,bottom=24,right=24]',
      'elk.spacing.nodeNode': '36',
      'elk.layered.spacing.nodeNodeBetweenLayers': '70',
      'elk.spacing.edgeLabel': '4',
      'elk.edgeLabels.placement': 'CENTER',
      'elk.layered.edgeLabels.sideSelection': direction === 'RIGHT' ? 'ALWAYS_UP' : 'SMART_DOWN',
    },
    children: nodes,
    edges,
  };
  const laid = await engine().layout(graph);
  const pos = new Map((laid.children ?? []).map((c) => [c.id, c]));
  const nodeViews: GraphNodeView[] = d.targets.map((t) => {
    const p = pos.get(t.name);
    const deployed = t.components.filter((c) => c.sha).length;
    const shown = t.components.slice(0, MAX_ROWS);
    return {
      id: t.name,
      x: p?.x ?? 0,
      y: p?.y ?? 0,
      width: p?.width ?? NODE_WIDTH,
      height: p?.height ?? HEADER,
      entryPoint: t.entryPoint,
      requiresApproval: t.requiresApproval,
      summary: !t.components.length
        ? 'no components'
        : deployed
          ? `${deployed}/${t.components.length} deployed`
          : 'nothing deployed',
      components: shown.map((c) => ({ component: c.component, sha: c.sha, age: c.age })),
      more: t.components.length - shown.length,
    };
  });
  const laidEdges = new Map((laid.edges ?? []).map((e) => [e.id, e]));
  const edgeViews: GraphEdgeView[] = [];
  const validEdges = d.edges.filter((e) => known.has(e.from) && known.has(e.to));
  validEdges.forEach((e, i) => {
    const le = laidEdges.get(`e${i}`);
    const section = le?.sections?.[0];
    const points: Point[] = section
      ? [section.startPoint, ...(section.bendPoints ?? []), section.endPoint]
      : [];
    const label = le?.labels?.[0];
    edgeViews.push({
      from: e.from,
      to: e.to,
      state: e.state,
      label: e.label,
      why: e.why,
      requiresApproval: e.requiresApproval,
      promotable: e.state === 'ready' || e.state === 'ready, requires approval',
      points,
      labelBox: {
        x: label?.x ?? 0,
        y: label?.y ?? 0,
        width: label?.width ?? 0,
        height: label?.height ?? 0,
      },
    });
  });
  return {
    deployment: d.name,
    direction,
    file,
    width: laid.width ?? 0,
    height: laid.height ?? 0,
    nodes: nodeViews,
    edges: edgeViews,
    cycles: d.cycles,
    errors: d.errors,
    gitProblem,
    dependencies: layoutDependencies(d),
  };
}
