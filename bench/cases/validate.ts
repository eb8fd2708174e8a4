/**
 * `validate` at the parse floor (issue 18, item 3): `node dist/cli.js validate` over a
 * workspace of 1,000 and 5,000 deployment files beside its floor, one node process that reads
 * the same files and parses each with `yaml`'s parseDocument and nothing else
 * (bench/parse-floor.cjs), in turns in the same run, both with their output thrown away. Ours
 * runs as users run it (worker threads when the workspace is large) and with `--jobs 1`, whose
 * output must be the same byte for byte. Peak RSS is each process's own (`VmHWM`, worker
 * threads included).
 *
 * BENCH_BEFORE_CLI=<path to an older dist/cli.js> adds that build on the same workspaces.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { QUICK } from '../config';
import { generateDeployment } from '../generate';
import type { TargetCheck } from '../report';
import { ROOT } from '../servers';
import { nowMs, summarize, type Summary } from '../stats';
import type { Log } from './lsp';

const CLI = path.join(ROOT, 'dist', 'cli.js');
const FLOOR = path.join(ROOT, 'bench', 'parse-floor.cjs');
const PRELOAD = path.join(ROOT, 'bench', 'rss-preload.cjs');
const SIZES = QUICK ? [200, 1_000] : [1_000, 5_000];
const RUNS = QUICK ? 2 : 5;
const TARGETS_PER_FILE = 10;

export interface ValidateSize {
  files: number;
  ours: Summary;
  oneThread: Summary;
  floor: Summary;
  oursRss: number;
  oneThreadRss: number;
  floorRss: number;
  /** `validate` and `validate --jobs 1` printed the same bytes. */
  sameOutput: boolean;
  before?: { time: Summary; rss: number };
}

export interface ValidateResult {
  cores: number;
  targetsPerFile: number;
  sizes: ValidateSize[];
  beforeLabel?: string;
  notes: string[];
}

interface Ran {
  ms: number;
  rss: number;
  stdout?: string;
}

function run(args: string[], keep = false): Ran {
  const rssFile = path.join(tmpdir(), `atmos-bench-validate-rss-${process.pid}`);
  rmSync(rssFile, { force: true });
  const t0 = nowMs();
  const r = spawnSync(process.execPath, ['-r', PRELOAD, ...args], {
    stdio: ['ignore', keep ? 'pipe' : 'ignore', 'pipe'],
    maxBuffer: 1 << 30,
    env: { ...process.env, ATMOS_BENCH_RSS_FILE: rssFile },
  });
  const ms = nowMs() - t0;
  // validate exits 1 when it finds errors; these workspaces hold warnings only.
  if (r.status !== 0)
    throw new Error(
      `bench: ${args.join(' ')} exited ${r.status}: ${String(r.stderr).slice(0, 500)}`,
    );
  let rss = 0;
  try {
    rss = Number(readFileSync(rssFile, 'utf8'));
  } catch {
    rss = 0;
  }
  rmSync(rssFile, { force: true });
  return { ms, rss, stdout: keep ? String(r.stdout) : undefined };
}

function makeWorkspace(files: number): string {
  const root = mkdtempSync(path.join(tmpdir(), 'atmos-bench-validate-'));
  for (let i = 0; i < files; i++) {
    const dir = path.join(root, `team-${i % 20}`, 'deployments');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, `service-${i}.yaml`),
      generateDeployment({ name: `service-${i}`, targets: TARGETS_PER_FILE, withWarning: true })
        .text,
    );
  }
  return root;
}

export function runValidateCase(log: Log): ValidateResult {
  const beforeCli = process.env.BENCH_BEFORE_CLI;
  const result: ValidateResult = {
    cores: availableParallelism(),
    targetsPerFile: TARGETS_PER_FILE,
    sizes: [],
    beforeLabel: beforeCli,
    notes: [],
  };
  for (const files of SIZES) {
    const root = makeWorkspace(files);
    try {
      const ours = (keep = false) => run([CLI, 'validate', '--cwd', root], keep);
      const one = (keep = false) => run([CLI, 'validate', '--jobs', '1', '--cwd', root], keep);
      const floor = () => run([FLOOR, root]);
      // One untimed round brings the files into the page cache and compares the outputs.
      const a = ours(true);
      const b = one(true);
      floor();
      const samples = { ours: [] as number[], one: [] as number[], floor: [] as number[] };
      const before: number[] = [];
      const rss = { ours: 0, one: 0, floor: 0, before: 0 };
      for (let i = 0; i < RUNS; i++) {
        const o = ours();
        samples.ours.push(o.ms);
        rss.ours = Math.max(rss.ours, o.rss);
        const f = floor();
        samples.floor.push(f.ms);
        rss.floor = Math.max(rss.floor, f.rss);
        const s = one();
        samples.one.push(s.ms);
        rss.one = Math.max(rss.one, s.rss);
        if (beforeCli) {
          const x = run([beforeCli, 'validate', '--cwd', root]);
          before.push(x.ms);
          rss.before = Math.max(rss.before, x.rss);
        }
      }
      const size: ValidateSize = {
        files,
        ours: summarize(samples.ours),
        oneThread: summarize(samples.one),
        floor: summarize(samples.floor),
        oursRss: rss.ours,
        oneThreadRss: rss.one,
        floorRss: rss.floor,
        sameOutput: a.stdout === b.stdout,
        before: beforeCli ? { time: summarize(before), rss: rss.before } : undefined,
      };
      if (!size.sameOutput)
        result.notes.push(
          `${files} files: validate and validate --jobs 1 printed different output`,
        );
      result.sizes.push(size);
      log(
        `validate ${files} files: ${size.ours.median.toFixed(0)} ms (--jobs 1 ${size.oneThread.median.toFixed(0)} ms) vs parse floor ${size.floor.median.toFixed(0)} ms; RSS ${mib(rss.ours)} / ${mib(rss.one)} / ${mib(rss.floor)}; output ${size.sameOutput ? 'same' : 'DIFFERENT'}${size.before ? `; before ${size.before.time.median.toFixed(0)} ms, ${mib(rss.before)}` : ''}`,
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
  return result;
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const mp = (m: Summary) => `${m.median.toFixed(0)} / ${m.p95.toFixed(0)}`;

export function validateTargets(r: ValidateResult): TargetCheck[] {
  return r.sizes.flatMap((s) => {
    const ratio = s.ours.median / s.floor.median;
    return [
      {
        target: `validate, ${s.files} files, vs parsing them with yaml in one process`,
        measured: `${ratio.toFixed(2)}×`,
        limit: '≤ 1.5×',
        met: ratio <= 1.5 ? 'yes' : 'no',
      },
      {
        target: `validate, ${s.files} files: same output with worker threads as with --jobs 1`,
        measured: s.sameOutput ? 'same' : 'different',
        limit: 'same',
        met: s.sameOutput ? 'yes' : 'no',
      },
    ];
  });
}

export function validateTables(r: ValidateResult): string[] {
  const withBefore = r.sizes.some((s) => s.before);
  return [
    '### 8. validate at the parse floor',
    '',
    `Workspaces of deployment files of ${r.targetsPerFile} targets (one \`unknown-key\` warning each). *ours* is \`node dist/cli.js validate\` as users run it (worker threads over the ${r.cores} cores when the workspace is large); *one thread* is the same with \`--jobs 1\`; *floor* is \`node bench/parse-floor.cjs\`: one node process that reads the same files and parses each with \`yaml\`'s \`parseDocument\`. All include node's start-up, write to /dev/null and run in turns. Peak RSS is each process's own \`VmHWM\` (worker threads included).${withBefore ? ` *before* is ${r.beforeLabel}.` : ''}`,
    '',
    `| files | ours | one thread | floor | ours/floor | one thread/floor | peak RSS ours / one thread / floor | same output |${withBefore ? ' before | before/floor | before RSS |' : ''}`,
    `|---:|---:|---:|---:|---:|---:|---:|---|${withBefore ? '---:|---:|---:|' : ''}`,
    ...r.sizes.map(
      (s) =>
        `| ${s.files} | ${mp(s.ours)} | ${mp(s.oneThread)} | ${mp(s.floor)} | ${(s.ours.median / s.floor.median).toFixed(2)}× | ${(s.oneThread.median / s.floor.median).toFixed(2)}× | ${mib(s.oursRss)} / ${mib(s.oneThreadRss)} / ${mib(s.floorRss)} | ${s.sameOutput ? 'yes' : '**no**'} |${s.before ? ` ${mp(s.before.time)} | ${(s.before.time.median / s.floor.median).toFixed(2)}× | ${mib(s.before.rss)} |` : ''}`,
    ),
    '',
    ...r.notes.map((n) => `- ${n}`),
    '',
  ];
}
