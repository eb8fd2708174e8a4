/**
 * Case 3: the git records. Each of our CLI commands runs beside the plain-git way of getting
 * the same answer, on the same repository, and both are run once more under GIT_TRACE2_EVENT
 * to count the git processes they start (that run is not timed: tracing costs time).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GIT } from '../config';
import { addCommits, git, initRepo, RecordWriter, writeDeploymentFile } from '../git-repo';
import { NOT_IN_BUILD, unavailable, type Metric } from '../metric';
import { ROOT } from '../servers';
import { measure, nowMs } from '../stats';
import { ROLLOUT_FLOOR, STATUS_FLOOR } from './floors';
import type { Log } from './lsp';
import { requestsCase, type RequestsBench } from './requests';
import { verifyCase, type VerifyBench } from './verify';
import { deploymentRef, tagTimestamp, type StatusIndexEntry } from '../../server/src/core';

const CLI = path.join(ROOT, 'dist', 'cli.js');

export interface Compared {
  ours: Metric;
  baseline: Metric;
  baselineLabel: string;
  oursProcesses?: number;
  baselineProcesses?: number;
  notes: string[];
}

export interface GitResult {
  commands: string[];
  /** `node -e 0`: what any node CLI pays before its first line runs. */
  nodeStart?: Metric;
  /** `node dist/cli.js --version`: node plus loading our bundle, before any work. */
  cliStart?: Metric;
  promotionStatus: Compared & {
    refs: number;
    tags: number;
    /** for-each-ref with the command's own prefixes and format: git's share of its time. */
    sameQuery: Metric;
    /** node start-up + the same for-each-ref + the cat-file --batch of the index objects. */
    floor?: Metric;
    /** The same status after deleting the status index refs (records from Atmos or plain git). */
    withoutIndex?: Metric;
    withoutIndexProcesses?: number;
    /** Whether the JSON output was identical with and without the index. */
    indexAnswersSame?: boolean;
    /** Processes at a tenth of the size, to show the count does not grow with components. */
    smallRefs: number;
    smallProcesses?: number;
  };
  /** floor: node start-up + one hash-object of the tags + one update-ref --stdin. */
  rollout: Compared & { components: number; floor?: Metric };
  history: Compared & { tags: number };
  verify?: VerifyBench;
  requests?: RequestsBench;
}

/** Commands listed by `dist/cli.js --help`. */
function cliCommands(): string[] {
  const r = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
  const cmds: string[] = [];
  let inCommands = false;
  for (const line of String(r.stdout).split('\n')) {
    if (/^Commands:/.test(line)) inCommands = true;
    else if (inCommands) {
      const m = /^ {2}([a-z][\w-]*)/.exec(line);
      if (m) cmds.push(m[1]);
    }
  }
  return cmds;
}

interface Ran {
  ms: number;
  stdout: string;
}

function runTimed(cmd: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): Ran {
  const t0 = nowMs();
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: { ...process.env, ...env },
  });
  const ms = nowMs() - t0;
  if (r.status !== 0)
    throw new Error(
      `bench: ${path.basename(cmd)} ${args.join(' ').slice(0, 200)} exited ${r.status}: ${String(r.stderr).slice(0, 800)}`,
    );
  return { ms, stdout: String(r.stdout) };
}

const cli = (args: string[], cwd: string, env?: NodeJS.ProcessEnv) =>
  runTimed(process.execPath, [CLI, ...args, '--cwd', cwd], cwd, env);
const bash = (script: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv) =>
  runTimed('bash', ['-c', script, 'bench', ...args], cwd, env);

let traceSeq = 0;
/** Runs `fn` with GIT_TRACE2_EVENT set and counts the git processes that started. */
function countGitProcesses(fn: (env: NodeJS.ProcessEnv) => void): number {
  const file = path.join(tmpdir(), `atmos-bench-trace-${process.pid}-${++traceSeq}.json`);
  rmSync(file, { force: true });
  fn({ GIT_TRACE2_EVENT: file });
  let count = 0;
  try {
    for (const line of readFileSync(file, 'utf8').split('\n'))
      if (line.includes('"event":"start"')) count++;
  } finally {
    rmSync(file, { force: true });
  }
  return count;
}

export async function runGitCase(log: Log): Promise<GitResult> {
  const commands = cliCommands();
  const has = (c: string) => commands.includes(c);
  const nodeStart = await measure(
    1,
    GIT.runs * 2,
    () => runTimed(process.execPath, ['-e', '0'], ROOT).ms,
  );
  const cliStart = await measure(
    1,
    GIT.runs * 2,
    () => runTimed(process.execPath, [CLI, '--version'], ROOT).ms,
  );
  return {
    commands,
    nodeStart,
    cliStart,
    promotionStatus: await promotionStatusCase(log, has('promotion-status')),
    rollout: await rolloutCase(log, has('rollout')),
    history: await historyCase(log, has('history')),
    verify: await verifyCase(log, has('verify'), statusRepo),
    requests: await requestsCase(log, has('approvals')),
  };
}

/**
 * A deployment of 20 targets in a chain, each component deployed everywhere, five rollouts per
 * ref in the tags. Even targets run a newer commit than odd ones, so edges are a mix of ready
 * and behind.
 */
export function statusRepo(refs: number, tags: number): { repo: string; name: string } {
  const targets = 20;
  const components = Math.ceil(refs / targets);
  const perRef = Math.max(1, Math.round(tags / (targets * components)));
  const name = 'status-bench';
  const repo = initRepo('status');
  const shas = addCommits(repo, perRef + 1);
  const records = new RecordWriter();
  const targetNames = Array.from({ length: targets }, (_, i) => `t${String(i).padStart(2, '0')}`);
  const compNames = Array.from({ length: components }, (_, i) => `c${String(i).padStart(4, '0')}`);
  let at = 0;
  targetNames.forEach((t, ti) => {
    const shift = ti % 2;
    const index: Record<string, StatusIndexEntry> = {};
    for (const c of compNames) {
      for (let g = 0; g < perRef; g++)
        index[c] = records.deploymentTag(
          name,
          t,
          c,
          shas[g + 1 - shift],
          ++at,
          ti ? targetNames[ti - 1] : undefined,
        );
      records.ref(deploymentRef(name, t, c), shas[perRef - shift]);
    }
    // The newest record of each component is the one its ref points at: the index our own
    // rollouts would have left.
    records.statusIndex(name, t, index);
  });
  records.write(repo);
  writeDeploymentFile(
    repo,
    name,
    targetNames.map((t, i) => ({
      name: t,
      from: i ? targetNames[i - 1] : undefined,
      approval: i === targets - 1,
    })),
    compNames,
  );
  return { repo, name };
}

async function promotionStatusCase(
  log: Log,
  available: boolean,
): Promise<GitResult['promotionStatus']> {
  const t0 = nowMs();
  const big = statusRepo(GIT.deploymentRefs, GIT.tags);
  log(
    `git: status repo with ${GIT.deploymentRefs} refs and ${GIT.tags} tags in ${((nowMs() - t0) / 1000).toFixed(1)} s`,
  );
  const refPrefix = `refs/atmos/deployments/${big.name}/`;
  const result: GitResult['promotionStatus'] = {
    refs: GIT.deploymentRefs,
    tags: GIT.tags,
    ours: unavailable(NOT_IN_BUILD),
    baseline: unavailable('not measured'),
    baselineLabel: `git for-each-ref ${refPrefix}`,
    sameQuery: unavailable('not measured'),
    smallRefs: GIT.deploymentRefs / 10,
    notes: [],
  };
  try {
    const count = git(big.repo, ['for-each-ref', refPrefix]).stdout.trim().split('\n').length;
    if (count !== GIT.deploymentRefs)
      throw new Error(`bench: expected ${GIT.deploymentRefs} deployment refs, found ${count}`);
    result.baseline = await measure(
      2,
      GIT.runs * 2,
      () => bash('git for-each-ref "$1" >/dev/null', [refPrefix], big.repo).ms,
    );
    result.baselineProcesses = countGitProcesses((env) =>
      bash('git for-each-ref "$1" >/dev/null', [refPrefix], big.repo, env),
    );
    // What the command asks git: deployment refs, index refs and the tag names (an index entry
    // counts only while it names the newest tag).
    const indexPrefix = `refs/atmos/index/${big.name}/`;
    result.sameQuery = await measure(
      1,
      GIT.runs,
      () =>
        runTimed(
          'git',
          [
            'for-each-ref',
            '--format=%(objectname) %(refname)',
            '--',
            refPrefix,
            indexPrefix,
            `refs/tags/atmos/deployments/${big.name}/`,
          ],
          big.repo,
        ).ms,
    );
    const objects = path.join(tmpdir(), `atmos-bench-index-${process.pid}`);
    writeFileSync(
      objects,
      git(big.repo, ['for-each-ref', '--format=%(objectname)', indexPrefix]).stdout,
    );
    try {
      result.floor = await measure(
        1,
        GIT.runs,
        () =>
          bash(
            STATUS_FLOOR,
            [refPrefix, indexPrefix, `refs/tags/atmos/deployments/${big.name}/`, objects],
            big.repo,
          ).ms,
      );
    } finally {
      rmSync(objects, { force: true });
    }
    if (available) {
      const args = ['promotion-status', big.name, '--format', 'json'];
      result.ours = await measure(1, GIT.runs, () => cli(args, big.repo).ms);
      result.oursProcesses = countGitProcesses((env) => cli(args, big.repo, env));
      const small = statusRepo(GIT.deploymentRefs / 10, GIT.tags / 10);
      try {
        result.smallProcesses = countGitProcesses((env) => cli(args, small.repo, env));
      } finally {
        rmSync(small.repo, { recursive: true, force: true });
      }
      // Records written by Atmos or plain git carry no index: the same status must come from
      // the tags. The answer with the index is kept before the index refs go, so the two runs
      // compared below really differ in having it, and a difference fails the bench.
      const withIndex = cli(args, big.repo).stdout;
      if (withIndex.trim() === '')
        throw new Error(`bench: promotion-status printed no state:\n${withIndex.slice(0, 500)}`);
      const indexRefs = git(big.repo, [
        'for-each-ref',
        '--format=delete %(refname)',
        indexPrefix,
      ]).stdout;
      git(big.repo, ['update-ref', '--stdin'], { input: indexRefs });
      if (git(big.repo, ['for-each-ref', indexPrefix]).stdout.trim() !== '')
        throw new Error('bench: the status index refs were not deleted');
      const withoutIndex = cli(args, big.repo).stdout;
      result.withoutIndex = await measure(1, GIT.runs, () => cli(args, big.repo).ms);
      result.withoutIndexProcesses = countGitProcesses((env) => cli(args, big.repo, env));
      result.indexAnswersSame = withIndex === withoutIndex;
      if (!result.indexAnswersSame)
        throw new Error(
          `bench: promotion-status answers differently with the status index than from the tags alone (first difference at character ${firstDifference(withIndex, withoutIndex)})`,
        );
    }
    log(
      `git: promotion-status ${fmt(result.ours)} vs for-each-ref ${fmt(result.baseline)} (same query ${fmt(result.sameQuery)}), processes ${result.oursProcesses} (small repo ${result.smallProcesses})`,
    );
  } finally {
    rmSync(big.repo, { recursive: true, force: true });
  }
  return result;
}

/** The spec's steps for one component, as a script would do them without our CLI. */
const ROLLOUT_LOOP = `set -e
d="$1"; t="$2"; sha="$3"; ts="$4"; shift 4
for c in "$@"; do
  git update-ref "refs/atmos/deployments/$d/$t/$c" "$sha"
  msg="atmos.tools/v1alpha1
kind: Deployment
---
deployment: $d
target: $t
component: $c
deployed_by: bench@example.com
build_id: bench
git_sha: $sha
timestamp: $ts
status: success"
  git tag -a "atmos/deployments/$d/$t/$c/$ts" -m "$msg" "$sha"
done`;

async function rolloutCase(log: Log, available: boolean): Promise<GitResult['rollout']> {
  const components = GIT.rolloutComponents;
  const name = 'rollout-bench';
  const repo = initRepo('rollout');
  const result: GitResult['rollout'] = {
    components,
    ours: unavailable(NOT_IN_BUILD),
    baseline: unavailable('not measured'),
    baselineLabel: `shell loop: git update-ref + git tag -a per component (${components * 2} processes)`,
    notes: [],
  };
  try {
    const rounds = (GIT.runs + 2) * 3 + 2;
    const shas = addCommits(repo, rounds);
    new RecordWriter().write(repo);
    const compNames = Array.from(
      { length: components },
      (_, i) => `svc-${String(i).padStart(3, '0')}`,
    );
    writeDeploymentFile(repo, name, [{ name: 'dev' }, { name: 'loop' }], compNames);
    let round = 0;
    const stamp = () => tagTimestamp(new Date(Date.UTC(2025, 5, 1) + round * 1000));

    result.baseline = await measure(1, GIT.runs, () => {
      const r = bash(ROLLOUT_LOOP, [name, 'loop', shas[round], stamp(), ...compNames], repo);
      round++;
      return r.ms;
    });
    result.baselineProcesses = countGitProcesses((env) => {
      bash(ROLLOUT_LOOP, [name, 'loop', shas[round], stamp(), ...compNames], repo, env);
      round++;
    });
    result.floor = await measure(1, GIT.runs, () => {
      const r = bash(ROLLOUT_FLOOR, [name, 'floor', shas[round], stamp(), ...compNames], repo);
      round++;
      return r.ms;
    });
    if (available) {
      const args = () => [
        'rollout',
        name,
        '--target',
        'dev',
        '--git-sha',
        shas[round],
        '--build-id',
        `bench-${round}`,
        '--format',
        'json',
      ];
      result.ours = await measure(1, GIT.runs, () => {
        const r = cli(args(), repo);
        round++;
        return r.ms;
      });
      result.oursProcesses = countGitProcesses((env) => {
        cli(args(), repo, env);
        round++;
      });
      const refs = git(repo, ['for-each-ref', `refs/atmos/deployments/${name}/dev/`])
        .stdout.trim()
        .split('\n');
      if (refs.length !== components || !refs.every((l) => l.startsWith(shas[round - 1])))
        result.notes.push(
          `after the last rollout, ${refs.length} refs of ${components}, not all at the rolled-out commit`,
        );
    }
    log(
      `git: rollout of ${components} ${fmt(result.ours)} (${result.oursProcesses} git processes) vs loop ${fmt(result.baseline)} (${result.baselineProcesses})`,
    );
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
  return result;
}

/** The spec's own history query (section Promotion History Query), on one target. */
const HISTORY_LOOP = `git tag -l "atmos/deployments/$1/$2/*" --sort=-creatordate | head -n "$3" | while read tag; do
  git cat-file -p "$tag" | grep -A5 "promoted_from"
done`;

async function historyCase(log: Log, available: boolean): Promise<GitResult['history']> {
  const tags = GIT.historyTags;
  const name = 'history-bench';
  const repo = initRepo('history');
  const result: GitResult['history'] = {
    tags,
    ours: unavailable(NOT_IN_BUILD),
    baseline: unavailable('not measured'),
    baselineLabel:
      'the spec\'s loop: git tag -l … | while read tag; do git cat-file -p "$tag" | grep -A5 promoted_from; done',
    notes: [],
  };
  try {
    const components = 100;
    const shas = addCommits(repo, tags / components + 1);
    const records = new RecordWriter();
    const compNames = Array.from(
      { length: components },
      (_, i) => `svc-${String(i).padStart(3, '0')}`,
    );
    let at = 0;
    for (let g = 0; g < tags / components; g++)
      for (const c of compNames)
        records.deploymentTag(name, 'prod', c, shas[g + 1], ++at, 'staging');
    for (const c of compNames) records.ref(deploymentRef(name, 'prod', c), shas[tags / components]);
    records.write(repo);
    writeDeploymentFile(
      repo,
      name,
      [{ name: 'staging' }, { name: 'prod', from: 'staging' }],
      compNames,
    );

    // The loop starts two processes per tag, so it runs fewer times; its warm-up covers a
    // slice of the tags, which is enough to bring the repository into the page cache.
    bash(HISTORY_LOOP, [name, 'prod', '500'], repo);
    result.baseline = await measure(
      0,
      Math.max(1, Math.ceil(GIT.runs / 2)),
      () => bash(HISTORY_LOOP, [name, 'prod', String(tags)], repo).ms,
    );
    result.baselineProcesses = countGitProcesses((env) =>
      bash(HISTORY_LOOP, [name, 'prod', '100'], repo, env),
    );
    result.notes.push(
      `loop processes counted over 100 tags (${result.baselineProcesses}) and scaled to ${tags}`,
    );
    result.baselineProcesses = Math.round((result.baselineProcesses * tags) / 100);
    if (available) {
      const args = ['history', name, '--target', 'prod', '--limit', '0', '--format', 'json'];
      const first = cli(args, repo);
      const entries = JSON.parse(first.stdout) as unknown[] | { entries?: unknown[] };
      const n = Array.isArray(entries) ? entries.length : (entries.entries?.length ?? -1);
      if (n !== tags) result.notes.push(`history returned ${n} entries for ${tags} tags`);
      result.ours = await measure(0, GIT.runs, () => cli(args, repo).ms);
      result.oursProcesses = countGitProcesses((env) => cli(args, repo, env));
    }
    log(
      `git: history of ${tags} tags ${fmt(result.ours)} (${result.oursProcesses}) vs loop ${fmt(result.baseline)} (${result.baselineProcesses})`,
    );
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
  return result;
}

function fmt(m: Metric): string {
  return 'median' in m ? `${m.median.toFixed(0)} ms` : 'n/a';
}

/** Index of the first character where two texts differ, to point at a difference. */
function firstDifference(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
