/**
 * Where the timeline page draws things: pure geometry over the core's timeline model, with no
 * DOM, so the bench times it in node and the page only turns its result into SVG elements.
 *
 * Only what is in the visible time window is laid out (a binary search finds it in the marks,
 * which are sorted by time), and at most `MAX_DRAWN` marks of it, so 10,000 records cost the page
 * what a few hundred do. Labels are given only where they fit before the next mark of the row.
 */
import {
  lastIndexAtOrBefore,
  type TimelineLink,
  type TimelineMark,
  type TimelineModel,
} from '../../server/src/core/timeline';

export const LANE_LABEL_WIDTH = 130;
export const AXIS_HEIGHT = 30;
export const ROW_HEIGHT = 24;
export const LANE_PADDING = 8;
const RIGHT_MARGIN = 24;
/** Room a mark's label needs (short SHA and the start of the subject). */
const LABEL_WIDTH = 150;
/** The most marks drawn at once; a wider window says how many it left out. */
export const MAX_DRAWN = 1500;

export interface TimeWindow {
  from: number;
  to: number;
}

export interface PlacedMark {
  mark: TimelineMark;
  x: number;
  y: number;
  /** Whether there is room for its label. */
  label: boolean;
}

export interface PlacedLink {
  link: TimelineLink;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface PlacedLane {
  name: string;
  y: number;
  height: number;
}

export interface TimelineLayout {
  width: number;
  height: number;
  lanes: PlacedLane[];
  marks: PlacedMark[];
  links: PlacedLink[];
  ticks: Array<{ x: number; text: string }>;
  /** Marks in the window that were not drawn (over `MAX_DRAWN`). */
  hidden: number;
  /** Marks in the window. */
  inWindow: number;
}

/** Links by the marks at their ends, built once per model. */
export interface LinkIndex {
  byFrom: Map<number, TimelineLink[]>;
  byTo: Map<number, TimelineLink[]>;
}

export function indexLinks(model: TimelineModel): LinkIndex {
  const byFrom = new Map<number, TimelineLink[]>();
  const byTo = new Map<number, TimelineLink[]>();
  for (const l of model.links) {
    (byFrom.get(l.from) ?? byFrom.set(l.from, []).get(l.from)!).push(l);
    (byTo.get(l.to) ?? byTo.set(l.to, []).get(l.to)!).push(l);
  }
  return { byFrom, byTo };
}

const HOUR = 3_600_000;

/** The window a timeline opens with: the newest `count` marks, with a little room either side. */
export function initialWindow(model: TimelineModel, count = 200): TimeWindow {
  if (!model.marks.length) {
    const now = Date.now();
    return { from: now - 24 * HOUR, to: now };
  }
  const first = model.marks[Math.max(0, model.marks.length - count)].time;
  return padded(first, model.end);
}

export function padded(from: number, to: number): TimeWindow {
  const span = Math.max(to - from, HOUR);
  return { from: from - span * 0.04, to: from + span * 1.06 };
}

/** The window zoomed by `factor` (below 1 zooms in) around time `at`. */
export function zoom(w: TimeWindow, factor: number, at = (w.from + w.to) / 2): TimeWindow {
  const span = Math.max((w.to - w.from) * factor, 60_000);
  const ratio = (at - w.from) / (w.to - w.from || 1);
  return { from: at - span * ratio, to: at - span * ratio + span };
}

export function timeToX(w: TimeWindow, width: number, t: number): number {
  const plot = Math.max(width - LANE_LABEL_WIDTH - RIGHT_MARGIN, 10);
  return LANE_LABEL_WIDTH + ((t - w.from) / (w.to - w.from || 1)) * plot;
}

export function xToTime(w: TimeWindow, width: number, x: number): number {
  const plot = Math.max(width - LANE_LABEL_WIDTH - RIGHT_MARGIN, 10);
  return w.from + ((x - LANE_LABEL_WIDTH) / plot) * (w.to - w.from);
}

export function layoutTimeline(
  model: TimelineModel,
  links: LinkIndex,
  w: TimeWindow,
  width: number,
): TimelineLayout {
  const rows = Math.max(model.components.length, 1);
  const laneHeight = rows * ROW_HEIGHT + LANE_PADDING * 2;
  const lanes = model.lanes.map((name, i) => ({
    name,
    y: AXIS_HEIGHT + i * laneHeight,
    height: laneHeight,
  }));
  const yOf = (m: TimelineMark) =>
    AXIS_HEIGHT + m.lane * laneHeight + LANE_PADDING + m.row * ROW_HEIGHT + ROW_HEIGHT / 2;
  const xOf = (t: number) => timeToX(w, width, t);

  const last = lastIndexAtOrBefore(model.marks, w.to);
  const firstIn = lastIndexAtOrBefore(model.marks, w.from - 1) + 1;
  const inWindow = Math.max(0, last - firstIn + 1);
  const start = Math.max(firstIn, last - MAX_DRAWN + 1);
  const marks: PlacedMark[] = [];
  // From the newest back, so each mark knows where the next one of its row is drawn.
  const nextX = new Map<number, number>();
  const right = width - RIGHT_MARGIN + LABEL_WIDTH / 2;
  for (let i = last; i >= start; i--) {
    const m = model.marks[i];
    const x = xOf(m.time);
    const key = m.lane * rows + m.row;
    const label = (nextX.get(key) ?? right) - x >= LABEL_WIDTH;
    nextX.set(key, x);
    marks.push({ mark: m, x, y: yOf(m), label });
  }
  marks.reverse();

  const placed: PlacedLink[] = [];
  const seen = new Set<TimelineLink>();
  const add = (l: TimelineLink) => {
    if (seen.has(l)) return;
    seen.add(l);
    const a = model.marks[l.from];
    const b = model.marks[l.to];
    placed.push({ link: l, x1: xOf(a.time), y1: yOf(a), x2: xOf(b.time), y2: yOf(b) });
  };
  for (const p of marks) {
    for (const l of links.byTo.get(p.mark.id) ?? []) add(l);
    for (const l of links.byFrom.get(p.mark.id) ?? []) add(l);
  }
  return {
    width,
    height: AXIS_HEIGHT + lanes.length * laneHeight + 8,
    lanes,
    marks,
    links: placed,
    ticks: ticks(w, width),
    hidden: inWindow - marks.length,
    inWindow,
  };
}

const STEPS = [
  60_000,
  5 * 60_000,
  15 * 60_000,
  HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  24 * HOUR,
  2 * 24 * HOUR,
  7 * 24 * HOUR,
  30 * 24 * HOUR,
  90 * 24 * HOUR,
  365 * 24 * HOUR,
];

/** Axis ticks at a round step, about one per 140 pixels, labelled in UTC. */
export function ticks(w: TimeWindow, width: number): Array<{ x: number; text: string }> {
  const plot = Math.max(width - LANE_LABEL_WIDTH - RIGHT_MARGIN, 10);
  const wanted = (w.to - w.from) / Math.max(plot / 140, 1);
  const step = STEPS.find((s) => s >= wanted) ?? STEPS[STEPS.length - 1];
  const out: Array<{ x: number; text: string }> = [];
  for (let t = Math.ceil(w.from / step) * step; t <= w.to && out.length < 100; t += step) {
    out.push({ x: timeToX(w, width, t), text: tickText(t, step) });
  }
  return out;
}

function tickText(t: number, step: number): string {
  const iso = new Date(t).toISOString();
  if (step >= 24 * HOUR) return iso.slice(0, 10);
  return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}
