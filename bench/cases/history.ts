/**
 * History at scale (issue 18, item 4): `history --limit 0` over one deployment's records beside
 * its floor, one `git for-each-ref` of the same tags printing the fields history prints (the
 * name and the message), measured in the same run, in turns, with the output thrown away by both
 * (`/dev/null`). Our process's own peak RSS is measured at two sizes to show it does not grow
 * with the records; the default limit (the newest 50) is timed on the larger repository.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { QUICK } from '../config';
import { addCommits, initRepo, RecordWriter, writeDeploymentFile } from '../git-repo';
import type { TargetCheck } from '../report';
import { ROOT } from '../servers';
import { nowMs, summarize, type Summary } from '../stats';
import type { Log } from './lsp';
import { deploymentRef } from '../../server/src/core';

const CLI = path.join(ROOT, 'dist', 'cli.js');
const PRELOAD = path.join(ROOT, 'bench', 'rss-preload.cjs');
const NAME = 'history-scale';
const SIZES = QUICK ? [1_000, 10_000] : [10_000, 100_000];
const RUNS = QUICK ? 2 : 5;
/** The fields history prints all come from the tag's name and message. */
const FLOOR_FORMAT = '%(refname) %(contents)';

export interface HistorySize {
  records: number;
  /** `history --limit 0`, text output. */
  ours: Summary;
  /** `git for-each-ref --format='%(refname) %(contents)'` of the same tags. */
  floor: Summary;
  /** `history` with the default limit (the newest 50). */
  limited: Summary;
  /** Our node process's own peak RSS (bytes) over the `--limit 0` runs. */
  peakRss: number;
  /** Lines `--limit 0` printed, to check it printed every record. */
  lines: number;
  gitProcesses?: number;
}

export interface HistoryScaleResult {
  sizes: HistorySize[];
  notes: string[];
}

interface Ran {
  ms: number;
  rss?: number;
  lines?: number;
}

function run(
  cmd: string,
  args: string[],
  cwd: string,
  opts: { count?: boolean; env?: NodeJS.ProcessEnv } = {},
): Ran {
  const rssFile = path.join(tmpdir(), `atmos-bench-rss-${process.pid}`);
  rmSync(rssFile, { force: true });
  const t0 = nowMs();
  const r = spawnSync(cmd, args, {
    cwd,
    // Counting lines needs the output; otherwise it goes where the floor's goes.
    stdio: ['ignore', opts.count ? 'pipe' : 'ignore', 'pipe'],
    maxBuffer: 1 << 30,
    env: { ...process.env, ATMOS_BENCH_RSS_FILE: rssFile, ...opts.env },
  });
  const ms = nowMs() - t0;
  if (r.status !== 0)
    throw new Error(
      `bench: ${path.basename(cmd)} ${args.join(' ')} exited ${r.status}: ${String(r.stderr).slice(0, 500)}`,
    );
  let rss: number | undefined;
  try {
    rss = Number(readFileSync(rssFile, 'utf8'));
  } catch {
    rss = undefined;
  }
  rmSync(rssFile, { force: true });
  const lines = opts.count ? String(r.stdout).split('\n').filter(Boolean).length : undefined;
  return { ms, rss, lines };
}

/** `records` records of one deployment's prod target over 100 components, packed. */
function buildRepo(records: number): string {
  const repo = initRepo('history-scale');
  const components = 100;
  const shas = addCommits(repo, records / components + 1);
  const writer = new RecordWriter();
  const names = Array.from({ length: components }, (_, i) => `svc-${String(i).padStart(3, '0')}`);
  let at = 0;
  for (let g = 0; g < records / components; g++)
    for (const c of names) writer.deploymentTag(NAME, 'prod', c, shas[g + 1], ++at, 'staging');
  for (const c of names) writer.ref(deploymentRef(NAME, 'prod', c), shas[records / components]);
  writer.write(repo);
  writeDeploymentFile(repo, NAME, [{ name: 'staging' }, { name: 'prod', from: 'staging' }], names);
  return repo;
}

function countGitProcesses(cwd: string): number {
  const file = path.join(tmpdir(), `atmos-bench-history-trace-${process.pid}.json`);
  rmSync(file, { force: true });
  run(process.execPath, [CLI, 'history', NAME, '--limit', '0', '--cwd', cwd], cwd, {
    env: { GIT_TRACE2_EVENT: file },
  });
  let count = 0;
  for (const line of readFileSync(file, 'utf8').split('\n'))
    if (line.includes('"event":"start"')) count++;
  rmSync(file, { force: true });
  return count;
}

export async function runHistoryCase(log: Log): Promise<HistoryScaleResult> {
  const result: HistoryScaleResult = { sizes: [], notes: [] };
  for (const records of SIZES) {
    const repo = buildRepo(records);
    try {
      const ours = () =>
        run(
          process.execPath,
          ['-r', PRELOAD, CLI, 'history', NAME, '--limit', '0', '--cwd', repo],
          repo,
        );
      const floor = () =>
        run(
          'git',
          ['for-each-ref', `--format=${FLOOR_FORMAT}`, `refs/tags/atmos/deployments/${NAME}/`],
          repo,
        );
      const limited = () => run(process.execPath, [CLI, 'history', NAME, '--cwd', repo], repo);
      // One untimed round brings the repository into the page cache and counts the output.
      const first = run(
        process.execPath,
        [CLI, 'history', NAME, '--limit', '0', '--cwd', repo],
        repo,
        {
          count: true,
        },
      );
      floor();
      const samples = { ours: [] as number[], floor: [] as number[], limited: [] as number[] };
      let peakRss = 0;
      // In turns, so a burst of load from elsewhere on the machine falls on both.
      for (let i = 0; i < RUNS; i++) {
        const o = ours();
        samples.ours.push(o.ms);
        peakRss = Math.max(peakRss, o.rss ?? 0);
        samples.floor.push(floor().ms);
        samples.limited.push(limited().ms);
      }
      const size: HistorySize = {
        records,
        ours: summarize(samples.ours),
        floor: summarize(samples.floor),
        limited: summarize(samples.limited),
        peakRss,
        lines: first.lines ?? 0,
        gitProcesses: countGitProcesses(repo),
      };
      if (size.lines !== records)
        result.notes.push(`history --limit 0 printed ${size.lines} lines for ${records} records`);
      result.sizes.push(size);
      log(
        `history: ${records} records, --limit 0 ${size.ours.median.toFixed(0)} ms vs for-each-ref ${size.floor.median.toFixed(0)} ms, newest 50 ${size.limited.median.toFixed(0)} ms, peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB, ${size.gitProcesses} git processes`,
      );
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  }
  return result;
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const mp = (m: Summary) => `${m.median.toFixed(0)} / ${m.p95.toFixed(0)}`;

/** Issue 18's targets for history: time beside the floor, and memory, at the largest size. */
export function historyTargets(r: HistoryScaleResult): TargetCheck[] {
  const out: TargetCheck[] = [];
  const largest = r.sizes[r.sizes.length - 1];
  if (!largest) return out;
  const ratio = largest.ours.median / largest.floor.median;
  out.push({
    target: `history --limit 0, ${largest.records} records, vs for-each-ref of the same tags`,
    measured: `${ratio.toFixed(2)}×`,
    limit: '≤ 2×',
    met: ratio <= 2 ? 'yes' : 'no',
  });
  out.push({
    target: `history --limit 0, ${largest.records} records: peak RSS of our process`,
    measured: mib(largest.peakRss),
    limit: '≤ 100 MiB',
    met: largest.peakRss <= 100 * 2 ** 20 ? 'yes' : 'no',
  });
  return out;
}

export function historyTables(r: HistoryScaleResult): string[] {
  return [
    '### 5. History at scale',
    '',
    `One deployment's records (one target, 100 components, packed tags). *ours* is \`node dist/cli.js history <d> --limit 0\` (text); *floor* is \`git for-each-ref --format='${FLOOR_FORMAT}'\` of the same tags, the fields history prints; both write to /dev/null and run in turns. *newest 50* is \`history\` with its default limit. Peak RSS is our node process's own (\`process.resourceUsage().maxRSS\`), without the git processes it starts.`,
    '',
    '| records | ours (--limit 0) | floor | ours/floor | newest 50 | peak RSS | git processes |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...r.sizes.map(
      (s) =>
        `| ${s.records} | ${mp(s.ours)} | ${mp(s.floor)} | ${(s.ours.median / s.floor.median).toFixed(2)}× | ${mp(s.limited)} | ${mib(s.peakRss)} | ${s.gitProcesses ?? 'n/a'} |`,
    ),
    '',
    ...r.notes.map((n) => `- ${n}`),
    '',
  ];
}
