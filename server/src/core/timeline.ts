/**
 * The promotion timeline's model: one lane per target (in promotion order), each recorded
 * rollout of a component a mark on its lane, a link from the source lane's record of a SHA to the
 * record that promoted it, and "what was where": the SHA each target and component ran at a
 * moment. Which record a target runs is a rule (a failed rollout does not move the deployment ref,
 * design section 6), so it lives here and the views only draw what this returns.
 *
 * Pure and free of imports, so the timeline page bundles it as it is. Built in one pass over the
 * records (sorted once), so 10,000 records take milliseconds.
 */

/** The fields of a history entry the timeline reads (the protocol's `HistoryEntry` has them). */
export interface TimelineRecord {
  tag: string;
  target: string;
  component: string;
  gitSha: string;
  /** ISO 8601 time of the rollout. */
  timestamp: string;
  status: string;
  deployedBy: string;
  promotedFrom?: string;
  rollbackOf?: string;
  approver?: string;
}

export interface TimelineMark {
  /** Index in `TimelineModel.marks`, which are sorted by time, oldest first. */
  id: number;
  /** Milliseconds since the epoch. */
  time: number;
  /** Index into `lanes`. */
  lane: number;
  /** Index into `components`: the row of the mark within its lane. */
  row: number;
  record: TimelineRecord;
  /** The commit's subject, when the server read it. */
  subject?: string;
  /** Whether this record changed what the target runs (every status but `failed`). */
  moved: boolean;
}

/** A promotion: `from` is the source lane's record of the SHA, `to` the record it led to. */
export interface TimelineLink {
  from: number;
  to: number;
}

export interface TimelineModel {
  lanes: string[];
  components: string[];
  /** Oldest first. */
  marks: TimelineMark[];
  links: TimelineLink[];
  /** Time of the oldest and newest marks (both 0 when there are none). */
  start: number;
  end: number;
  /** Records left out because their timestamp is not a time. */
  undated: number;
  /** Per lane and component (key `lane * components.length + row`): its marks that moved it, oldest first. */
  series: TimelineMark[][];
}

export interface TimelineInput {
  /** The deployment's targets in promotion order; recorded targets not in it follow, sorted. */
  targets: string[];
  records: TimelineRecord[];
  /** Commit subjects keyed by full SHA. */
  subjects?: Record<string, string>;
  /** Only this component's records, when given. */
  component?: string;
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function buildTimeline(input: TimelineInput): TimelineModel {
  const records = input.component
    ? input.records.filter((r) => r.component === input.component)
    : input.records;
  const lanes = [...new Set(input.targets)];
  const laneOf = new Map(lanes.map((l, i) => [l, i]));
  const extraLanes = new Set<string>();
  const componentSet = new Set<string>();
  for (const r of records) {
    if (!laneOf.has(r.target)) extraLanes.add(r.target);
    componentSet.add(r.component);
  }
  for (const l of [...extraLanes].sort(byName)) laneOf.set(l, lanes.push(l) - 1);
  const components = [...componentSet].sort(byName);
  const rowOf = new Map(components.map((c, i) => [c, i]));

  const dated: Array<{ time: number; index: number; r: TimelineRecord }> = [];
  let undated = 0;
  records.forEach((r, index) => {
    const time = Date.parse(r.timestamp);
    if (Number.isFinite(time)) dated.push({ time, index, r });
    else undated++;
  });
  // History lists newest first; equal times keep the opposite of that order, so the record
  // history put last (the first written) comes first here.
  dated.sort((a, b) => a.time - b.time || b.index - a.index);

  const marks: TimelineMark[] = [];
  const links: TimelineLink[] = [];
  const series: TimelineMark[][] = Array.from(
    { length: lanes.length * components.length },
    () => [],
  );
  /** The last record that moved a lane's component to a SHA, by `lane\0component\0sha`. */
  const lastAt = new Map<string, TimelineMark>();
  for (const { time, r } of dated) {
    const lane = laneOf.get(r.target) as number;
    const row = rowOf.get(r.component) as number;
    const subject = input.subjects?.[r.gitSha];
    const mark: TimelineMark = {
      id: marks.length,
      time,
      lane,
      row,
      record: r,
      moved: r.status !== 'failed',
      ...(subject !== undefined ? { subject } : {}),
    };
    marks.push(mark);
    if (r.promotedFrom && !r.rollbackOf) {
      const source = lastAt.get(`${r.promotedFrom}\0${r.component}\0${r.gitSha}`);
      if (source) links.push({ from: source.id, to: mark.id });
    }
    if (mark.moved) {
      lastAt.set(`${r.target}\0${r.component}\0${r.gitSha}`, mark);
      series[lane * components.length + row].push(mark);
    }
  }
  return {
    lanes,
    components,
    marks,
    links,
    start: marks[0]?.time ?? 0,
    end: marks[marks.length - 1]?.time ?? 0,
    undated,
    series,
  };
}

export interface RunningAt {
  target: string;
  component: string;
  /** The SHA the target ran for the component at that time; absent when nothing was deployed. */
  gitSha?: string;
  /** The record that put it there. */
  mark?: TimelineMark;
}

/**
 * What was where at `time`: for every lane and component, the last record at or before `time`
 * that moved it (a failed rollout left the previous SHA running). A binary search per series.
 */
export function whatWasWhere(model: TimelineModel, time: number): RunningAt[] {
  const out: RunningAt[] = [];
  model.lanes.forEach((target, lane) => {
    model.components.forEach((component, row) => {
      const s = model.series[lane * model.components.length + row] ?? [];
      const i = lastIndexAtOrBefore(s, time);
      const mark = i >= 0 ? s[i] : undefined;
      out.push(
        mark ? { target, component, gitSha: mark.record.gitSha, mark } : { target, component },
      );
    });
  });
  return out;
}

/** The index of the last mark with `time <= t` in marks sorted by time, or -1. */
export function lastIndexAtOrBefore(marks: readonly { time: number }[], t: number): number {
  let lo = 0;
  let hi = marks.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (marks[mid].time <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}
