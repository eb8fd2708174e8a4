/**
 * The promotion graph page. It draws what the panel posts (positions come from the host's
 * elkjs layout) and reports clicks. Every name comes from a repository we do not control, so the
 * DOM is built with createElement/createElementNS and textContent only; nothing is parsed as
 * HTML. Colours are VS Code's theme variables (see media/graph.css), so light, dark and high
 * contrast themes all apply without code here.
 */
import { drawDependencies } from './dependencies';
import { el, svg, SVG_NS } from './dom';
import {
  isToWebview,
  type FromWebview,
  type GraphEdgeView,
  type GraphNodeView,
  type GraphState,
  type GraphView,
} from '../src/graph/messages';

interface VsCodeApi {
  postMessage(message: FromWebview): void;
  getState(): GraphState | undefined;
  setState(state: GraphState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();

const toolbar = document.getElementById('toolbar') as HTMLElement;
const banner = document.getElementById('banner') as HTMLElement;
const canvas = document.getElementById('canvas') as HTMLElement;

let current: GraphView | undefined;
let highlighted: string | undefined;
/** The "Show component dependencies" toggle, kept across reloads of the page. */
let showDependencies = !!vscode.getState()?.showDependencies;

function saveState(deployment?: string): void {
  vscode.setState({ deployment: deployment ?? current?.deployment, showDependencies });
}

function buildToolbar(view?: GraphView): void {
  toolbar.replaceChildren();
  const title = el('h1', { id: 'title' }, view ? view.deployment : 'Promotion graph');
  toolbar.append(title);
  if (view) toolbar.append(el('span', { class: 'file' }, view.file));
  const spacer = el('span', { class: 'spacer' });
  const legend = el('span', { class: 'legend' });
  for (const [cls, text] of [
    ['ready', 'ready'],
    ['approval', 'requires approval'],
    ['uptodate', 'up to date'],
    ['blocked', 'blocked'],
  ]) {
    const item = el('span', { class: `legend-item ${cls}` });
    item.append(el('span', { class: 'swatch' }), el('span', {}, text));
    legend.append(item);
  }
  const refresh = el('button', { type: 'button', id: 'refresh', title: 'Refresh' }, 'Refresh');
  refresh.addEventListener('click', () => vscode.postMessage({ type: 'refresh' }));
  const exportBtn = el(
    'button',
    { type: 'button', id: 'export', title: 'Export the graph as SVG' },
    'Export SVG',
  );
  exportBtn.addEventListener('click', () => vscode.postMessage({ type: 'requestExport' }));
  const deps = el(
    'button',
    {
      type: 'button',
      id: 'toggle-dependencies',
      'aria-pressed': String(showDependencies),
      title: "Draw each target's components in deploy order, with their metadata.depends_on",
    },
    showDependencies ? 'Hide component dependencies' : 'Show component dependencies',
  );
  deps.addEventListener('click', () => {
    showDependencies = !showDependencies;
    saveState();
    if (current) render(current);
    else buildToolbar();
  });
  const history = el(
    'button',
    { type: 'button', id: 'history', title: 'Show the promotion history (timeline)' },
    'History',
  );
  history.addEventListener('click', () => vscode.postMessage({ type: 'history' }));
  toolbar.append(spacer, legend, refresh, deps, history, exportBtn);
}

function edgeClass(e: GraphEdgeView): string {
  switch (e.state) {
    case 'ready':
      return 'ready';
    case 'ready, requires approval':
      return 'approval';
    case 'up to date':
      return 'uptodate';
    case 'blocked':
      return 'blocked';
  }
}

function pathData(e: GraphEdgeView): string {
  return e.points.map((p, i) => `${i ? 'L' : 'M'}${p.x},${p.y}`).join(' ');
}

/** Width of one character of the badge font (11px), to keep the name clear of the badge. */
const BADGE_CHAR_PX = 6.2;
let clipCount = 0;

function drawNode(n: GraphNodeView): SVGGElement {
  const g = svg('g', {
    class: `node${n.entryPoint ? ' entry' : ''}${n.requiresApproval ? ' gated' : ''}`,
    'data-target': n.id,
    transform: `translate(${n.x},${n.y})`,
    tabindex: 0,
    role: 'button',
  });
  g.append(svg('title', {}, `${n.id}: click to reveal in YAML`));
  g.append(svg('rect', { class: 'box', width: n.width, height: n.height, rx: 6, ry: 6 }));
  const badges: string[] = [];
  if (n.entryPoint) badges.push('entry point');
  if (n.requiresApproval) badges.push('requires approval');
  // A long name is clipped before the badge instead of running under it; the full name stays
  // the text's content (and the node's tooltip), so it is still read and searched as text.
  const badgeWidth = badges.length ? badges.join(' · ').length * BADGE_CHAR_PX + 16 : 0;
  const clipId = `name-clip-${++clipCount}`;
  const clip = svg('clipPath', { id: clipId });
  clip.append(
    svg('rect', { x: 0, y: 0, width: Math.max(24, n.width - 12 - badgeWidth), height: 28 }),
  );
  g.append(clip);
  g.append(svg('text', { class: 'name', x: 12, y: 20, 'clip-path': `url(#${clipId})` }, n.id));
  if (badges.length) {
    g.append(
      svg(
        'text',
        { class: 'badge', x: n.width - 10, y: 20, 'text-anchor': 'end' },
        badges.join(' · '),
      ),
    );
  }
  g.append(svg('text', { class: 'summary', x: 12, y: 37 }, n.summary));
  let y = 37;
  for (const c of n.components) {
    y += 17;
    const row = svg('text', { class: 'component', x: 12, y });
    row.append(svg('tspan', { class: 'cname' }, c.component));
    row.append(
      svg(
        'tspan',
        { class: c.sha ? 'sha' : 'none', x: n.width - 10, 'text-anchor': 'end' },
        c.sha ? `${c.sha.slice(0, 7)}${c.age ? ` · ${c.age}` : ''}` : 'not deployed',
      ),
    );
    g.append(row);
  }
  if (n.more > 0) g.append(svg('text', { class: 'summary', x: 12, y: y + 17 }, `+${n.more} more`));
  const reveal = () => vscode.postMessage({ type: 'reveal', target: n.id });
  g.addEventListener('click', reveal);
  g.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' || ev.key === ' ') reveal();
  });
  return g;
}

function drawEdge(e: GraphEdgeView): SVGGElement {
  const cls = edgeClass(e);
  const g = svg('g', { class: `edge ${cls}`, 'data-from': e.from, 'data-to': e.to });
  g.append(svg('title', {}, `${e.from} → ${e.to}: ${e.label}${e.why ? `\n${e.why}` : ''}`));
  g.append(svg('path', { class: 'line', d: pathData(e), 'marker-end': `url(#arrow-${cls})` }));
  const b = e.labelBox;
  const label = svg('g', { class: 'label', transform: `translate(${b.x},${b.y})` });
  label.append(svg('rect', { width: b.width, height: b.height, rx: 3, ry: 3 }));
  label.append(svg('text', { x: b.width / 2, y: 13, 'text-anchor': 'middle' }, e.label));
  g.append(label);
  if (e.promotable) {
    const last = e.points[e.points.length - 1] ?? { x: b.x, y: b.y };
    const first = e.points[0] ?? last;
    const down = current?.direction === 'DOWN';
    const cx = down ? b.x + b.width + 44 : (first.x + last.x) / 2;
    const cy = down ? b.y + b.height / 2 : Math.max(first.y, last.y) + 16;
    const btn = svg('g', {
      class: 'promote',
      transform: `translate(${cx - 34},${cy - 8})`,
      tabindex: 0,
      role: 'button',
      'data-from': e.from,
      'data-to': e.to,
    });
    btn.append(svg('title', {}, `Promote ${e.from} → ${e.to}`));
    btn.append(svg('rect', { width: 68, height: 18, rx: 9, ry: 9 }));
    btn.append(svg('text', { x: 34, y: 13, 'text-anchor': 'middle' }, 'Promote ▸'));
    const promote = (ev: Event) => {
      ev.stopPropagation();
      vscode.postMessage({ type: 'promote', from: e.from, to: e.to });
    };
    btn.addEventListener('click', promote);
    btn.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' || ev.key === ' ') promote(ev);
    });
    g.append(btn);
  }
  return g;
}

function markers(): SVGDefsElement {
  const defs = svg('defs');
  for (const cls of ['ready', 'approval', 'uptodate', 'blocked']) {
    const m = svg('marker', {
      id: `arrow-${cls}`,
      viewBox: '0 0 10 10',
      refX: 9,
      refY: 5,
      markerWidth: 8,
      markerHeight: 8,
      orient: 'auto-start-reverse',
      class: `arrow ${cls}`,
    });
    m.append(svg('path', { d: 'M0,0 L10,5 L0,10 z' }));
    defs.append(m);
  }
  return defs;
}

function render(view: GraphView): void {
  current = view;
  buildToolbar(view);
  const notes: string[] = [];
  if (view.gitProblem) notes.push(view.gitProblem);
  if (view.errors)
    notes.push(`${view.errors} error${view.errors === 1 ? '' : 's'} in ${view.file}`);
  for (const c of view.cycles) notes.push(`Cycle: ${c.join(' → ')}`);
  showBanner(notes.join(' · '), view.errors || view.cycles.length ? 'error' : 'info');
  const root = svg('svg', {
    id: 'graph',
    width: Math.max(view.width, 10) + 20,
    height: Math.max(view.height, 10) + 30,
    viewBox: `0 0 ${Math.max(view.width, 10) + 20} ${Math.max(view.height, 10) + 30}`,
    role: 'img',
    'aria-label': `Promotion graph of ${view.deployment}`,
  });
  root.append(markers());
  const edges = svg('g', { class: 'edges' });
  for (const e of view.edges) edges.append(drawEdge(e));
  const nodes = svg('g', { class: 'nodes' });
  for (const n of view.nodes) nodes.append(drawNode(n));
  root.append(edges, nodes);
  if (!view.nodes.length) {
    root.append(svg('text', { class: 'summary', x: 24, y: 40 }, 'This deployment has no targets.'));
  }
  canvas.replaceChildren(root);
  if (showDependencies) canvas.append(drawDependencies(view.dependencies ?? []));
  applyHighlight();
}

function showBanner(text: string, kind: 'info' | 'error'): void {
  banner.hidden = !text;
  banner.className = kind;
  banner.textContent = text;
}

function applyHighlight(): void {
  canvas.querySelectorAll<SVGGElement>('g.node').forEach((n) => {
    n.classList.toggle('highlight', n.dataset.target === highlighted);
  });
}

/** A standalone SVG: theme variables do not exist outside VS Code, so colours are resolved. */
function exportSvg(): string {
  const live = canvas.querySelector('svg');
  if (!live) return '';
  const copy = live.cloneNode(true) as SVGSVGElement;
  const src = live.querySelectorAll('*');
  const dst = copy.querySelectorAll('*');
  src.forEach((s, i) => {
    const cs = getComputedStyle(s);
    const d = dst[i] as SVGElement;
    for (const prop of [
      'fill',
      'stroke',
      'stroke-width',
      'stroke-dasharray',
      'font-family',
      'font-size',
      'font-weight',
      'opacity',
    ]) {
      const v = cs.getPropertyValue(prop);
      if (v) d.setAttribute(prop, v);
    }
    d.removeAttribute('class');
    d.removeAttribute('tabindex');
  });
  const bg = getComputedStyle(document.body).backgroundColor;
  const rect = document.createElementNS(SVG_NS, 'rect');
  rect.setAttribute('width', '100%');
  rect.setAttribute('height', '100%');
  rect.setAttribute('fill', bg);
  copy.insertBefore(rect, copy.firstChild);
  copy.setAttribute('xmlns', SVG_NS);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(copy)}\n`;
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const m = event.data;
  // Only the host's messages, in their declared shapes, are acted on; anything else is dropped.
  if (!isToWebview(m)) return;
  switch (m.type) {
    case 'graph':
      if (m.highlight !== undefined) highlighted = m.highlight;
      render(m.view);
      saveState(m.view.deployment);
      break;
    case 'error':
      current = undefined;
      buildToolbar();
      showBanner(m.message, 'error');
      canvas.replaceChildren(el('p', { class: 'unavailable' }, m.message));
      if (m.deployment) saveState(m.deployment);
      break;
    case 'highlight':
      highlighted = m.target;
      applyHighlight();
      break;
    case 'requestSvg':
      vscode.postMessage({ type: 'exportSvg', svg: current ? exportSvg() : '' });
      break;
  }
});

buildToolbar();
canvas.append(el('p', { class: 'unavailable' }, 'Loading the promotion graph…'));
vscode.postMessage({ type: 'ready', width: document.body.clientWidth });

// The host picks the layout direction from the page width, so it hears about resizes (after
// they settle, not on every frame of a drag).
let resizeTimer: number | undefined;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = window.setTimeout(
    () => vscode.postMessage({ type: 'resize', width: document.body.clientWidth }),
    200,
  );
});
