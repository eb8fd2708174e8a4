/**
 * The messages between the graph panel (extension host) and its page (webview). Both sides
 * import this file, so it holds the types and their runtime guards only: no `vscode`, no DOM.
 * The host does the layout, so the page only draws what it is given and reports clicks.
 *
 * A page runs script and could be made to post anything, so the host checks every message with
 * `isFromWebview` before it acts on it, and the page checks the host's with `isToWebview`
 * (vscode-eslint's `Is.*` style). A message that fails is ignored; the host logs it.
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

/** One target's components drawn by deploy wave, with their `depends_on` arrows. */
export interface DependencyDiagramView {
  target: string;
  width: number;
  height: number;
  boxes: Array<{
    component: string;
    type: string;
    /** The SHA deployed on this target, when any. */
    sha?: string;
    x: number;
    y: number;
    width: number;
    height: number;
  }>;
  /** `from` is deployed before `to` (`to` lists it in `depends_on`). */
  links: Array<{ from: string; to: string; points: Point[] }>;
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
  /** Each target's components and dependencies, drawn when the page's toggle is on. */
  dependencies?: DependencyDiagramView[];
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
  /** Show History of the graph's deployment (the promotion timeline). */
  | { type: 'history' }
  | { type: 'refresh' };

/** What the page keeps with vscode.setState, and the serializer gets back after a reload. */
export interface GraphState {
  deployment?: string;
  uri?: string;
  /** The page's "Show component dependencies" toggle is on. */
  showDependencies?: boolean;
}

/** Longest name or text a message may carry; names are far shorter. */
const MAX_TEXT = 4096;
/** Largest SVG a page may hand back (a 5,000-target graph is about 3 MB). */
const MAX_SVG = 32 * 1024 * 1024;
/** Widest page width taken as real, in CSS pixels. */
const MAX_WIDTH = 100_000;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const Is = {
  name: (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_TEXT,
  text: (v: unknown): v is string => typeof v === 'string' && v.length <= MAX_TEXT,
  width: (v: unknown): v is number =>
    typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= MAX_WIDTH,
  svg: (v: unknown): v is string => typeof v === 'string' && v.length <= MAX_SVG,
};

/** True when a message from the page is one of `FromWebview`, with fields of the right kind. */
export function isFromWebview(m: unknown): m is FromWebview {
  if (!isRecord(m)) return false;
  switch (m.type) {
    case 'ready':
    case 'resize':
      return Is.width(m.width);
    case 'reveal':
      return Is.name(m.target);
    case 'promote':
      return Is.name(m.from) && Is.name(m.to);
    case 'exportSvg':
      return Is.svg(m.svg);
    case 'requestExport':
    case 'history':
    case 'refresh':
      return true;
    default:
      return false;
  }
}

/**
 * True when a message from the host is one of `ToWebview`. The host is the extension, so only
 * the shape is checked (a `graph` carries a view object with node and edge lists), enough that
 * the page never reads a field of something that is not there.
 */
export function isToWebview(m: unknown): m is ToWebview {
  if (!isRecord(m)) return false;
  switch (m.type) {
    case 'graph':
      return (
        isRecord(m.view) &&
        Array.isArray(m.view.nodes) &&
        Array.isArray(m.view.edges) &&
        (m.view.dependencies === undefined || Array.isArray(m.view.dependencies)) &&
        (m.highlight === undefined || Is.text(m.highlight))
      );
    case 'error':
      return Is.text(m.message) && (m.deployment === undefined || Is.text(m.deployment));
    case 'highlight':
      return m.target === undefined || Is.text(m.target);
    case 'requestSvg':
      return true;
    default:
      return false;
  }
}
