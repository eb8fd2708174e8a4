/**
 * The promotion timeline at 10,000 records (issue 17, item 1): what the page does with a history
 * the host posts, in node. *model* is the core's `buildTimeline` (lanes, marks, links); *layout*
 * is the page's `layoutTimeline` for the window it opens with (the newest 200 records) and for
 * the whole history (every record in the window, of which it lays out at most `MAX_DRAWN`);
 * *what was where* is the time cursor's answer at the middle of the history. The floor is
 * `JSON.parse` of the same history, which the page pays anyway to receive it; all are measured
 * in turns in the same run. The DOM work after the layout is one element per laid-out mark and
 * link, so the mark count drawn is reported beside the times.
 */
import { buildTimeline, whatWasWhere, type TimelineRecord } from '../../server/src/core/timeline';
import {
  indexLinks,
  initialWindow,
  layoutTimeline,
  MAX_DRAWN,
  padded,
} from '../../client/webview/timeline-layout';
import { QUICK } from '../config';
import type { TargetCheck } from '../report';
import { nowMs, summarize, type Summary } from '../stats';
import type { Log } from './lsp';

const RECORDS = 10_000;
const RUNS = QUICK ? 5 : 25;
const WIDTH = 1200;
const TARGETS = ['dev', 'staging', 'prod'];
const COMPONENTS = ['vpc', 'ecs', 'api', 'worker'];

export interface TimelineResult {
  records: number;
  /** `JSON.parse` of the history as posted. */
  floor: Summary;
  model: Summary;
  /** Model, then the layout of the window the page opens with. */
  firstPaint: Summary;
  /** The layout of the whole history (the "All" button). */
  layoutAll: Summary;
  whatWasWhere: Summary;
  drawnFirst: number;
  drawnAll: number;
  links: number;
}

/** A history like a busy deployment's: each SHA rolled to dev, then promoted along the chain. */
function history(): TimelineRecord[] {
  const out: TimelineRecord[] = [];
  const base = Date.parse('2025-01-01T00:00:00Z');
  let i = 0;
  for (let n = 0; out.length < RECORDS; n++) {
    const sha = (n * 2654435761).toString(16).padStart(8, '0').repeat(5).slice(0, 40);
    TARGETS.forEach((target, step) => {
      for (const component of COMPONENTS) {
        if (out.length >= RECORDS) return;
        const time = new Date(base + (n * 6 + step * 2) * 3_600_000 + i++ * 1000);
        out.push({
          tag: `atmos/deployments/shop/${target}/${component}/${time.toISOString().replace(/:/g, '-')}`,
          target,
          component,
          gitSha: sha,
          timestamp: time.toISOString(),
          status: n % 17 === 0 && step === 2 ? 'failed' : 'success',
          deployedBy: 'ci@example.com',
          ...(step ? { promotedFrom: TARGETS[step - 1] } : {}),
        });
      }
    });
  }
  // History lists newest first.
  return out.reverse();
}

export function runTimelineCase(log: Log): TimelineResult {
  const records = history();
  const subjects = Object.fromEntries(
    records.map((r) => [r.gitSha, `Change ${r.gitSha.slice(0, 6)}`]),
  );
  const posted = JSON.stringify({ entries: records, subjects });
  const input = () => {
    const data = JSON.parse(posted) as {
      entries: TimelineRecord[];
      subjects: Record<string, string>;
    };
    return { targets: TARGETS, records: data.entries, subjects: data.subjects };
  };
  const samples = {
    floor: [] as number[],
    model: [] as number[],
    firstPaint: [] as number[],
    layoutAll: [] as number[],
    where: [] as number[],
  };
  let drawnFirst = 0;
  let drawnAll = 0;
  let links = 0;
  const time = (f: () => void) => {
    const t0 = nowMs();
    f();
    return nowMs() - t0;
  };
  for (let i = 0; i < RUNS + 2; i++) {
    const parsed = input();
    const floor = time(() => JSON.parse(posted));
    let model = buildTimeline(parsed);
    const modelMs = time(() => (model = buildTimeline(parsed)));
    const index = indexLinks(model);
    const first = time(() => {
      const m = buildTimeline(parsed);
      drawnFirst = layoutTimeline(m, indexLinks(m), initialWindow(m), WIDTH).marks.length;
    });
    const all = time(() => {
      drawnAll = layoutTimeline(model, index, padded(model.start, model.end), WIDTH).marks.length;
    });
    const where = time(() => whatWasWhere(model, (model.start + model.end) / 2));
    links = model.links.length;
    // The first two runs warm the JIT up and are not kept.
    if (i < 2) continue;
    samples.floor.push(floor);
    samples.model.push(modelMs);
    samples.firstPaint.push(first);
    samples.layoutAll.push(all);
    samples.where.push(where);
  }
  const result: TimelineResult = {
    records: RECORDS,
    floor: summarize(samples.floor),
    model: summarize(samples.model),
    firstPaint: summarize(samples.firstPaint),
    layoutAll: summarize(samples.layoutAll),
    whatWasWhere: summarize(samples.where),
    drawnFirst,
    drawnAll,
    links,
  };
  log(
    `timeline: ${RECORDS} records, model ${result.model.median.toFixed(1)} ms, model + first layout ${result.firstPaint.median.toFixed(1)} ms (${drawnFirst} marks), whole history ${result.layoutAll.median.toFixed(1)} ms (${drawnAll} marks), JSON.parse ${result.floor.median.toFixed(1)} ms`,
  );
  return result;
}

const mp = (m: Summary) => `${m.median.toFixed(1)} / ${m.p95.toFixed(1)}`;

/** The timeline opens in about the time it takes to parse what it is sent, and draws a bounded count. */
export function timelineTargets(r: TimelineResult): TargetCheck[] {
  const ratio = r.firstPaint.median / r.floor.median;
  return [
    {
      target: `timeline, ${r.records} records: model and first layout vs JSON.parse of the history`,
      measured: `${ratio.toFixed(2)}×`,
      limit: '≤ 3×',
      met: ratio <= 3 ? 'yes' : 'no',
    },
    {
      target: `timeline, ${r.records} records: marks laid out for the whole history`,
      measured: String(r.drawnAll),
      limit: `≤ ${MAX_DRAWN}`,
      met: r.drawnAll <= MAX_DRAWN ? 'yes' : 'no',
    },
  ];
}

export function timelineTables(r: TimelineResult): string[] {
  return [
    '### 9. Promotion timeline',
    '',
    `What the timeline page does with ${r.records} records (3 targets, 4 components, ${r.links} promotion links) in node, median / p95 ms over ${r.model.runs} runs in turns. *floor* is \`JSON.parse\` of the history as the host posts it. *model* is \`buildTimeline\`; *first layout* is the model plus \`layoutTimeline\` of the window the page opens with; *whole history* lays out the "All" window, which draws at most ${MAX_DRAWN} marks and says how many it left out. The DOM then gets one element per laid-out mark and link.`,
    '',
    '| records | floor (JSON.parse) | model | model + first layout | whole history | what was where | marks drawn (first / all) |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    `| ${r.records} | ${mp(r.floor)} | ${mp(r.model)} | ${mp(r.firstPaint)} | ${mp(r.layoutAll)} | ${mp(r.whatWasWhere)} | ${r.drawnFirst} / ${r.drawnAll} |`,
    '',
  ];
}
