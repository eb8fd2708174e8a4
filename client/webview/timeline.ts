/**
 * The promotion timeline page: one lane per target, each recorded rollout a mark, promotions as
 * links between lanes, a component filter, and a time cursor that says what ran where. The host
 * posts the history; the page builds the model with the core's `buildTimeline` and draws only
 * the visible time window (see timeline-layout.ts). Every name comes from a repository we do not
 * control, so the DOM is built with createElement/createElementNS and textContent only; nothing
 * is parsed as HTML. Colours are VS Code's theme variables (media/timeline.css).
 */
import {
  buildTimeline,
  type TimelineMark,
  type TimelineModel,
} from '../../server/src/core/timeline';
import {
  isToTimeline,
  type FromTimeline,
  type TimelineData,
  type TimelineState,
} from '../src/timeline/messages';
import {
  AXIS_HEIGHT,
  LANE_LABEL_WIDTH,
  LANE_PADDING as ROW_TOP,
  ROW_HEIGHT,
  indexLinks,
  initialWindow,
  layoutTimeline,
  padded,
  timeToX,
  xToTime,
  zoom,
  type LinkIndex,
  type TimeWindow,
} from './timeline-layout';
import { el, svg } from './dom';
import { clip, renderWhere, short } from './timeline-where';

interface VsCodeApi {
  postMessage(message: FromTimeline): void;
  getState(): TimelineState | undefined;
  setState(state: TimelineState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();

const toolbar = document.getElementById('toolbar') as HTMLElement;
const banner = document.getElementById('banner') as HTMLElement;
const canvas = document.getElementById('timeline') as HTMLElement;
const details = document.getElementById('details') as HTMLElement;
const where = document.getElementById('where') as HTMLElement;

let data: TimelineData | undefined;
let model: TimelineModel | undefined;
let links: LinkIndex | undefined;
let component = '';
let win: TimeWindow = { from: 0, to: 1 };
let cursor: number | undefined;

function button(id: string, text: string, title: string, run: () => void): HTMLButtonElement {
  const b = el('button', { type: 'button', id, title }, text);
  b.addEventListener('click', run);
  return b;
}

function buildToolbar(): void {
  toolbar.replaceChildren(el('h1', { id: 'title' }, data ? data.deployment : 'Promotion history'));
  if (!data) return;
  const filter = el('select', { id: 'component-filter', title: 'Show one component' });
  filter.append(el('option', { value: '' }, 'All components'));
  const names = [...new Set(data.entries.map((e) => e.component))].sort();
  for (const c of names) {
    const o = el('option', { value: c }, c);
    if (c === component) o.selected = true;
    filter.append(o);
  }
  filter.addEventListener('change', () => {
    component = filter.value;
    rebuild(false);
  });
  const legend = el('span', { class: 'legend' });
  for (const [cls, text] of [
    ['success', 'success'],
    ['failed', 'failed'],
    ['rolled_back', 'rollback'],
    ['link', 'promotion'],
  ]) {
    const item = el('span', { class: `legend-item ${cls}` });
    item.append(el('span', { class: 'swatch' }), el('span', {}, text));
    legend.append(item);
  }
  toolbar.append(
    filter,
    el('span', { class: 'spacer' }),
    legend,
    button('zoom-in', '+', 'Zoom in', () => setWindow(zoom(win, 0.5, cursor))),
    button('zoom-out', '−', 'Zoom out', () => setWindow(zoom(win, 2, cursor))),
    button('zoom-all', 'All', 'Show the whole history', () => {
      if (model?.marks.length) setWindow(padded(model.start, model.end));
    }),
    button('refresh', 'Refresh', 'Read the history again', () =>
      vscode.postMessage({ type: 'refresh' }),
    ),
    button('markdown', 'Open as Markdown', 'The same history as a Markdown table', () =>
      vscode.postMessage({ type: 'markdown' }),
    ),
  );
}

/** Builds the model for the current filter; `fresh` also resets the window and the cursor. */
function rebuild(fresh: boolean): void {
  if (!data) return;
  model = buildTimeline({
    targets: data.targets,
    records: data.entries,
    subjects: data.subjects,
    component: component || undefined,
  });
  links = indexLinks(model);
  if (fresh) {
    win = initialWindow(model);
    cursor = model.marks.length ? model.end : undefined;
  }
  draw();
}

function setWindow(w: TimeWindow): void {
  win = w;
  scheduleDraw();
}

let frame: number | undefined;
function scheduleDraw(): void {
  if (frame === undefined) frame = requestAnimationFrame(() => ((frame = undefined), draw()));
}

function markTitle(m: TimelineMark): string {
  const r = m.record;
  const lines = [
    `${r.target} · ${r.component}: ${short(r.gitSha)}${m.subject ? ` ${m.subject}` : ''}`,
    `${r.status} · ${r.timestamp} · by ${r.deployedBy}`,
    r.rollbackOf
      ? `rollback of ${r.rollbackOf}`
      : r.promotedFrom
        ? `promoted from ${r.promotedFrom}`
        : 'rolled out from a commit',
    r.approver ? `approved by ${r.approver}` : 'no approval recorded',
    r.tag,
    'Click to open the record and the commits it brought.',
  ];
  return lines.join('\n');
}

function drawMark(m: TimelineMark, x: number, y: number, label: boolean): SVGGElement {
  const r = m.record;
  const g = svg('g', {
    class: `mark status-${r.status.replace(/[^a-z_]/g, '')}${r.approver ? ' approved' : ''}`,
    transform: `translate(${x},${y})`,
    tabindex: 0,
    role: 'button',
    'data-tag': r.tag,
    'data-target': r.target,
    'data-component': r.component,
    'data-sha': r.gitSha,
  });
  g.append(svg('title', {}, markTitle(m)));
  // A larger, unpainted target, so a failed mark (an outline cross) is as easy to point at.
  g.append(svg('circle', { class: 'hit', r: 9 }));
  if (r.status === 'failed')
    g.append(svg('path', { class: 'shape', d: 'M-5,-5 L5,5 M5,-5 L-5,5' }));
  else if (r.status === 'rolled_back')
    g.append(svg('rect', { class: 'shape', x: -5, y: -5, width: 10, height: 10 }));
  else g.append(svg('circle', { class: 'shape', r: 5.5 }));
  if (label) {
    const t = svg('text', { class: 'label', x: 9, y: 4 });
    t.append(svg('tspan', { class: 'sha' }, short(r.gitSha)));
    if (m.subject) t.append(svg('tspan', { class: 'subject', dx: 5 }, clip(m.subject, 18)));
    g.append(t);
  }
  const open = () => vscode.postMessage({ type: 'open', tag: r.tag });
  g.addEventListener('click', (ev) => (ev.stopPropagation(), open()));
  g.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' || ev.key === ' ') open();
  });
  g.addEventListener('mouseenter', () => showDetails(m));
  g.addEventListener('focus', () => showDetails(m));
  return g;
}

function showDetails(m: TimelineMark): void {
  details.textContent = markTitle(m);
  details.hidden = false;
}

function draw(): void {
  if (!model || !links || !data) return;
  const width = Math.max(canvas.clientWidth, 400);
  const lay = layoutTimeline(model, links, win, width);
  const root = svg('svg', {
    id: 'lanes',
    width,
    height: lay.height,
    viewBox: `0 0 ${width} ${lay.height}`,
    'aria-label': `Promotion timeline of ${data.deployment}`,
  });
  const plotClip = svg('clipPath', { id: 'plot' });
  plotClip.append(
    svg('rect', { x: LANE_LABEL_WIDTH, y: 0, width: width - LANE_LABEL_WIDTH, height: lay.height }),
  );
  root.append(plotClip);
  const lanes = svg('g', { class: 'lanes' });
  lay.lanes.forEach((l, i) => {
    const g = svg('g', { class: `lane${i % 2 ? ' odd' : ''}`, 'data-target': l.name });
    g.append(svg('rect', { class: 'band', x: 0, y: l.y, width, height: l.height }));
    g.append(svg('text', { class: 'lane-name', x: 10, y: l.y + 18 }, clip(l.name, 12)));
    g.append(svg('title', {}, l.name));
    // Each row of a lane is one component; its name sits at the row, right-aligned.
    if (model && model.components.length > 1)
      model.components.forEach((c, row) =>
        g.append(
          svg(
            'text',
            {
              class: 'row-name',
              x: LANE_LABEL_WIDTH - 8,
              y: l.y + ROW_TOP + row * ROW_HEIGHT + ROW_HEIGHT / 2 + 4,
              'text-anchor': 'end',
            },
            clip(c, 10),
          ),
        ),
      );
    lanes.append(g);
  });
  const axis = svg('g', { class: 'axis', id: 'axis' });
  axis.append(
    svg('rect', { class: 'axis-band', x: LANE_LABEL_WIDTH, y: 0, width, height: AXIS_HEIGHT }),
  );
  for (const t of lay.ticks) {
    axis.append(
      svg('line', { class: 'tick', x1: t.x, x2: t.x, y1: AXIS_HEIGHT - 6, y2: lay.height }),
    );
    axis.append(svg('text', { class: 'tick-text', x: t.x + 3, y: 14 }, t.text));
  }
  axis.append(svg('title', {}, 'Click to see what was where at that time'));
  axis.addEventListener('click', (ev) => setCursor(xToTime(win, width, svgX(ev, root))));
  const plot = svg('g', { 'clip-path': 'url(#plot)' });
  const linkLayer = svg('g', { class: 'links' });
  for (const p of lay.links) {
    const a = model.marks[p.link.from].record;
    const b = model.marks[p.link.to].record;
    const mid = (p.x1 + p.x2) / 2;
    const path = svg('path', {
      class: `link${b.status === 'failed' ? ' failed' : ''}`,
      d: `M${p.x1},${p.y1} C${mid},${p.y1} ${mid},${p.y2} ${p.x2},${p.y2}`,
      'data-from': a.tag,
      'data-to': b.tag,
    });
    path.append(svg('title', {}, `${a.target} → ${b.target}: ${short(b.gitSha)} (${b.component})`));
    linkLayer.append(path);
  }
  const markLayer = svg('g', { class: 'marks' });
  for (const p of lay.marks) markLayer.append(drawMark(p.mark, p.x, p.y, p.label));
  plot.append(linkLayer, markLayer);
  if (cursor !== undefined) {
    const x = timeToX(win, width, cursor);
    plot.append(svg('line', { id: 'cursor', x1: x, x2: x, y1: 0, y2: lay.height }));
  }
  root.append(lanes, axis, plot);
  canvas.replaceChildren(root);
  const notes: string[] = [];
  if (data.entries.length >= data.limit)
    notes.push(`Showing the newest ${data.limit} records; older ones are left out.`);
  if (lay.hidden)
    notes.push(
      `${lay.hidden} of the ${lay.inWindow} records in this window are not drawn; zoom in.`,
    );
  if (model.undated) notes.push(`${model.undated} records have no readable time.`);
  if (!model.marks.length) notes.push('No rollouts recorded yet.');
  banner.hidden = !notes.length;
  banner.textContent = notes.join(' ');
  if (model) renderWhere(where, model, cursor, setCursor);
}

function svgX(ev: MouseEvent, root: SVGSVGElement): number {
  return ev.clientX - root.getBoundingClientRect().left;
}

function setCursor(t: number): void {
  cursor = t;
  const slider = document.getElementById('time-slider') as HTMLInputElement | null;
  if (slider) slider.value = String(t);
  scheduleDraw();
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const m = event.data;
  // Only the host's messages, in their declared shapes, are acted on; anything else is dropped.
  if (!isToTimeline(m)) return;
  if (m.type === 'error') {
    data = model = undefined;
    buildToolbar();
    banner.hidden = false;
    banner.textContent = m.message;
    canvas.replaceChildren();
    where.replaceChildren();
    return;
  }
  const same = data?.deployment === m.data.deployment;
  data = m.data;
  if (!same) component = m.data.component ?? '';
  buildToolbar();
  rebuild(!same);
  vscode.setState({ deployment: m.data.deployment });
});

// The wheel pans through time; with Ctrl (or a pinch) it zooms around the pointer.
canvas.addEventListener(
  'wheel',
  (ev) => {
    if (!model) return;
    ev.preventDefault();
    const width = Math.max(canvas.clientWidth, 400);
    const at = xToTime(win, width, ev.clientX - canvas.getBoundingClientRect().left);
    if (ev.ctrlKey) setWindow(zoom(win, ev.deltaY > 0 ? 1.25 : 0.8, at));
    else {
      const shift = ((ev.deltaX || ev.deltaY) / width) * (win.to - win.from);
      setWindow({ from: win.from + shift, to: win.to + shift });
    }
  },
  { passive: false },
);
window.addEventListener('resize', scheduleDraw);

buildToolbar();
canvas.append(el('p', { class: 'unavailable' }, 'Loading the promotion history…'));
vscode.postMessage({ type: 'ready' });
