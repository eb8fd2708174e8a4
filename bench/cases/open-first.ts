/**
 * The opened file first (issue 18, item 2): opening one file in a workspace of 1,000 and 5,000
 * deployment files, from spawning the server to the first diagnostics of that file, beside the
 * same file opened in a workspace that holds only it (the floor), in turns in the same run.
 * Also timed: the end of the background index (`$/progress` end) and the opened file's
 * cross-file diagnostic (`duplicate-deployment`, against a copy elsewhere in the workspace),
 * which must come after it; and the server's peak RSS once everything is published.
 *
 * BENCH_BEFORE_SERVER=<path to an older dist/server.js> adds that build's first diagnostics and
 * peak RSS on the same workspaces (it indexes before it validates, so its first publish
 * already holds the cross-file rule).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { QUICK } from '../config';
import { generateDeployment } from '../generate';
import { LspClient, type ServerSpec } from '../lsp-client';
import type { TargetCheck } from '../report';
import { atmosServer } from '../servers';
import { nowMs, sleep, summarize, type Summary } from '../stats';
import type { Log } from './lsp';

const SIZES = QUICK ? [200, 1_000] : [1_000, 5_000];
const RUNS = QUICK ? 2 : 5;
const TARGETS_PER_FILE = 10;
const WAIT_MS = 120_000;
const OPENED = path.join('team-0', 'deployments', 'service-0.yaml');

export interface OpenFirstSize {
  files: number;
  /** Spawn → the opened file's first diagnostics. */
  first: Summary;
  /** Spawn → `$/progress` end of the index. */
  indexed: Summary;
  /** Spawn → the opened file's diagnostics with `duplicate-deployment`. */
  crossFile: Summary;
  /** Server peak RSS (bytes), highest over the runs. */
  peakRss: number;
  /** Runs in which the cross-file diagnostic came after the end of the index (all, if right). */
  crossFileAfterIndex: number;
  before?: { first: Summary; peakRss: number };
}

export interface OpenFirstResult {
  targetsPerFile: number;
  /** The same file opened in a workspace of one file. */
  floor: Summary;
  floorRss: number;
  sizes: OpenFirstSize[];
  beforeLabel?: string;
  notes: string[];
}

function makeWorkspace(files: number): { root: string; uri: string; text: string } {
  const root = mkdtempSync(path.join(tmpdir(), 'atmos-bench-open-'));
  let text = '';
  for (let i = 0; i < files; i++) {
    const dir = path.join(root, `team-${i % 20}`, 'deployments');
    mkdirSync(dir, { recursive: true });
    const t = generateDeployment({
      name: `service-${i}`,
      targets: TARGETS_PER_FILE,
      withWarning: true,
    }).text;
    writeFileSync(path.join(dir, `service-${i}.yaml`), t);
    if (i === 0) text = t;
  }
  // A second file declaring the opened file's deployment: its cross-file diagnostic.
  if (files > 1)
    writeFileSync(path.join(root, 'team-19', 'deployments', 'service-0-copy.yaml'), text);
  return { root, uri: pathToFileURL(path.join(root, OPENED)).href, text };
}

interface Run {
  first: number;
  indexed?: number;
  crossFile?: number;
  peakRss: number;
}

async function oneRun(
  spec: ServerSpec,
  ws: { root: string; uri: string; text: string },
  waitForIndex: boolean,
): Promise<Run> {
  const t0 = nowMs();
  const client = LspClient.spawn(spec, ws.root);
  let indexed: number | undefined;
  client.conn.onNotification('$/progress', (p: { value?: { kind?: string } }) => {
    if (p.value?.kind === 'end' && indexed === undefined) indexed = nowMs();
  });
  try {
    await client.initialize(ws.root, { workDoneProgress: true });
    const firstP = client.nextDiagnostics(ws.uri, WAIT_MS);
    await client.open(ws.uri, ws.text);
    const first = await firstP;
    if (!first) throw new Error(`no diagnostics for the opened file: ${client.lastStderr()}`);
    let crossFile: number | undefined;
    if (waitForIndex) {
      const deadline = nowMs() + WAIT_MS;
      const hasCross = () =>
        (client.published.get(ws.uri) ?? []).find((d) =>
          d.diagnostics.some((x) => x.code === 'duplicate-deployment'),
        );
      while ((indexed === undefined || !hasCross()) && nowMs() < deadline) await sleep(2);
      crossFile = hasCross()?.at;
    }
    return {
      first: first.at - t0,
      indexed: indexed === undefined ? undefined : indexed - t0,
      crossFile: crossFile === undefined ? undefined : crossFile - t0,
      peakRss: client.peakRss() ?? 0,
    };
  } finally {
    await client.stop();
  }
}

export async function runOpenFirstCase(log: Log): Promise<OpenFirstResult> {
  const beforePath = process.env.BENCH_BEFORE_SERVER;
  const before: ServerSpec | undefined = beforePath
    ? { ...atmosServer(), args: ['--expose-gc', beforePath, '--stdio'] }
    : undefined;
  const single = makeWorkspace(1);
  const result: OpenFirstResult = {
    targetsPerFile: TARGETS_PER_FILE,
    floor: summarize([]),
    floorRss: 0,
    sizes: [],
    beforeLabel: beforePath,
    notes: [],
  };
  const floorSamples: number[] = [];
  try {
    for (const files of SIZES) {
      const ws = makeWorkspace(files);
      try {
        const s = { first: [] as number[], indexed: [] as number[], cross: [] as number[] };
        const b: number[] = [];
        let peak = 0;
        let beforePeak = 0;
        let ordered = 0;
        // One unmeasured round warms the page cache, then the floor and the workspace in turns.
        await oneRun(atmosServer(), ws, true);
        for (let i = 0; i < RUNS; i++) {
          const f = await oneRun(atmosServer(), single, false);
          floorSamples.push(f.first);
          result.floorRss = Math.max(result.floorRss, f.peakRss);
          const r = await oneRun(atmosServer(), ws, true);
          s.first.push(r.first);
          if (r.indexed !== undefined) s.indexed.push(r.indexed);
          if (r.crossFile !== undefined) s.cross.push(r.crossFile);
          if (r.indexed !== undefined && r.crossFile !== undefined && r.crossFile >= r.indexed)
            ordered++;
          peak = Math.max(peak, r.peakRss);
          if (before) {
            const o = await oneRun(before, ws, false);
            b.push(o.first);
            beforePeak = Math.max(beforePeak, o.peakRss);
          }
        }
        const size: OpenFirstSize = {
          files,
          first: summarize(s.first),
          indexed: summarize(s.indexed),
          crossFile: summarize(s.cross),
          peakRss: peak,
          crossFileAfterIndex: ordered,
          before: before ? { first: summarize(b), peakRss: beforePeak } : undefined,
        };
        if (s.cross.length < RUNS)
          result.notes.push(
            `${files} files: the cross-file diagnostic arrived in ${s.cross.length} of ${RUNS} runs`,
          );
        result.sizes.push(size);
        log(
          `open-first ${files} files: first diagnostics ${size.first.median.toFixed(0)} ms (one-file workspace ${summarize(floorSamples).median.toFixed(0)} ms), index ${size.indexed.median.toFixed(0)} ms, cross-file ${size.crossFile.median.toFixed(0)} ms, peak RSS ${mib(peak)}${size.before ? `; before: ${size.before.first.median.toFixed(0)} ms, ${mib(beforePeak)}` : ''}`,
        );
      } finally {
        rmSync(ws.root, { recursive: true, force: true });
      }
    }
  } finally {
    rmSync(single.root, { recursive: true, force: true });
  }
  result.floor = summarize(floorSamples);
  return result;
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const mp = (m: Summary) => (m.runs ? `${m.median.toFixed(0)} / ${m.p95.toFixed(0)}` : 'n/a');

export function openFirstTargets(r: OpenFirstResult): TargetCheck[] {
  const out: TargetCheck[] = [];
  for (const s of r.sizes) {
    const ratio = s.first.median / r.floor.median;
    out.push({
      target: `opened file's first diagnostics, ${s.files} files, vs the same file alone`,
      measured: `${ratio.toFixed(2)}×`,
      limit: '≤ 1.5×',
      met: ratio <= 1.5 ? 'yes' : 'no',
    });
  }
  const largest = r.sizes[r.sizes.length - 1];
  if (largest)
    out.push({
      target: `server peak RSS, ${largest.files} files indexed`,
      measured: mib(largest.peakRss),
      limit: '≤ 200 MB',
      met: largest.peakRss <= 200e6 ? 'yes' : 'no',
    });
  return out;
}

export function openFirstTables(r: OpenFirstResult): string[] {
  const withBefore = r.sizes.some((s) => s.before);
  return [
    '### 7. The opened file first',
    '',
    `Deployment files of ${r.targetsPerFile} targets (one \`unknown-key\` warning each), one of them opened right after \`initialized\`, with a copy elsewhere declaring its deployment (its \`duplicate-deployment\`). Times from spawning the server. *alone* is the same file opened in a workspace holding only it, run in turns with the large workspace. *index done* is the server's \`$/progress\` end; *cross-file* is the opened file's publish with \`duplicate-deployment\`. Peak RSS is the server's \`VmHWM\` once everything is published.${withBefore ? ` *before* is ${r.beforeLabel} on the same workspaces.` : ''}`,
    '',
    `| files | first diagnostics | alone | ratio | index done | cross-file | cross-file after index | peak RSS (alone: ${mib(r.floorRss)}) |${withBefore ? ' before: first diagnostics | before: peak RSS |' : ''}`,
    `|---:|---:|---:|---:|---:|---:|---:|---:|${withBefore ? '---:|---:|' : ''}`,
    ...r.sizes.map(
      (s) =>
        `| ${s.files} | ${mp(s.first)} | ${mp(r.floor)} | ${(s.first.median / r.floor.median).toFixed(2)}× | ${mp(s.indexed)} | ${mp(s.crossFile)} | ${s.crossFileAfterIndex} of ${s.first.runs} runs | ${mib(s.peakRss)} |${withBefore ? ` ${s.before ? mp(s.before.first) : ''} | ${s.before ? mib(s.before.peakRss) : ''} |` : ''}`,
    ),
    '',
    ...r.notes.map((n) => `- ${n}`),
    '',
  ];
}
