/**
 * The messages between the graph panel (extension host) and its page (webview). Both sides
 * import this file, so it holds types only: no `vscode`, no DOM. The host does the layout, so
 * the page only draws what it is given and reports clicks.
 */
import type { EdgeState } from '../../../server/src/protocol/requests';

export interface Point {
  x: number;
  y: number;
}

export interface GraphNodeView {
  /** The target name (also the node's id). */
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
  entryPoint: boolean;
  requiresApproval: boolean;
  /** `3/3 deployed`, `nothing deployed`. */
  summary: string;
  components: Array<{ component: string; sha?: string; age?: string }>;
  /** Components not listed because the node would get too tall. */
  more: number;
}

export interface GraphEdgeView {
  from: string;
  to: string;
  state: EdgeState;
  label: string;
  why?: string;
  requiresApproval: boolean;
  /** Whether the page offers Promote on this edge (ready, with or without approval). */
  promotable: boolean;
  points: Point[];
  labelBox: { x: number; y: number; width: number; height: number };
}

export interface GraphView {
  deployment: string;
  /** RIGHT for a wide panel, DOWN when the panel beside the YAML is narrow. */
  direction: 'RIGHT' | 'DOWN';
  /** Workspace-relative path of the file, for the header. */
  file: string;
  width: number;
  height: number;
  nodes: GraphNodeView[];
  edges: GraphEdgeView[];
  cycles: string[][];
  errors: number;
  gitProblem?: string;
}

export type ToWebview =
  | { type: 'graph'; view: GraphView; highlight?: string }
  | { type: 'error'; message: string; deployment?: string }
  | { type: 'highlight'; target?: string }
  | { type: 'requestSvg' };

export type FromWebview =
  | { type: 'ready'; width: number }
  | { type: 'resize'; width: number }
  | { type: 'reveal'; target: string }
  | { type: 'promote'; from: string; to: string }
  | { type: 'exportSvg'; svg: string }
  | { type: 'requestExport' }
  | { type: 'refresh' };

/** What the page keeps with vscode.setState, and the serializer gets back after a reload. */
export interface GraphState {
  deployment?: string;
  uri?: string;
}
